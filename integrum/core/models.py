"""Organisations, sites, people and roles, and the records every domain app builds on.

The change log (`ObjectChange`) is append-only and hash-chained: see `changelog.py`.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, ClassVar, Self

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.urls import reverse

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser


class Role(models.TextChoices):
    """What a member may do in an organisation; each role includes the ones before it."""

    VIEWER = "viewer", "Viewer"
    CONTRIBUTOR = "contributor", "Contributor"
    MANAGER = "manager", "Manager"
    ADMIN = "admin", "Administrator"


ROLE_RANK = {Role.VIEWER: 1, Role.CONTRIBUTOR: 2, Role.MANAGER: 3, Role.ADMIN: 4}


class StaleEdit(Exception):
    """Raised when a record was changed by someone else since the editor loaded it."""

    def __init__(self, instance: models.Model) -> None:
        self.instance = instance
        super().__init__(
            f"{str(instance._meta.verbose_name).capitalize()} “{instance}” was changed by someone else "
            "while you were editing it. Reload it to see the current values, then make your change again."
        )


# --- Abstract bases --------------------------------------------------------------------------


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class ChangeLoggedModel(TimeStampedModel):
    """Every create, update and delete of a subclass is written to the change log."""

    # Fields left out of before/after snapshots (noise, not meaning).
    change_log_exclude: ClassVar[frozenset[str]] = frozenset({"created_at", "updated_at", "version"})

    class Meta:
        abstract = True


class VersionedModel(models.Model):
    """Optimistic locking: an update only succeeds if the row still has the version the editor saw.

    A form or serializer carries `version`; saving with a stale one raises `StaleEdit` instead of
    overwriting someone else's change.
    """

    version = models.PositiveIntegerField(default=1)

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            self._expected_version = self.version
            self.version += 1
            update_fields = kwargs.get("update_fields")
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "version"}
        try:
            super().save(*args, **kwargs)
        except StaleEdit:
            self.version = self._expected_version
            raise
        finally:
            self.__dict__.pop("_expected_version", None)

    def _do_update(self, base_qs, using, pk_val, values, update_fields, forced_update):
        expected = self.__dict__.get("_expected_version")
        if expected is None:
            return super()._do_update(base_qs, using, pk_val, values, update_fields, forced_update)
        updated = super()._do_update(
            base_qs.filter(version=expected), using, pk_val, values, update_fields, forced_update
        )
        if not updated and base_qs.filter(pk=pk_val).exists():
            raise StaleEdit(self)
        return updated


class OrganisationQuerySet(models.QuerySet):
    """The one way to read domain records: start from `visible_to(user)`."""

    def visible_to(self, user: User | AnonymousUser) -> Self:
        from integrum.core.permissions import memberships_of

        if not user.is_authenticated:
            return self.none()
        site_field = getattr(self.model, "site_field", None)
        condition = Q(pk__in=[])
        for membership in memberships_of(user):
            in_org = Q(organisation_id=membership.organisation_id)
            if site_field and membership.site_ids:
                in_org &= Q(**{f"{site_field}__isnull": True}) | Q(
                    **{f"{site_field}__in": membership.site_ids}
                )
            condition |= in_org
        return self.filter(condition)


class OrganisationOwned(ChangeLoggedModel):
    """A domain record: it belongs to one organisation and is only reachable through it."""

    organisation = models.ForeignKey("core.Organisation", on_delete=models.CASCADE, related_name="+")

    objects = OrganisationQuerySet.as_manager()
    # Name of the model's optional site foreign key; site-limited members see records of their
    # sites and records that belong to no site.
    site_field: ClassVar[str | None] = None

    class Meta:
        abstract = True


# --- People and organisations ----------------------------------------------------------------


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("A user needs an email address.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save()
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **extra)


class User(AbstractUser):
    """A person who signs in with their email address."""

    username = None  # type: ignore[assignment]
    email = models.EmailField("email address", unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects: ClassVar[UserManager] = UserManager()  # type: ignore[assignment]

    class Meta:
        ordering = ["first_name", "last_name", "email"]

    def __str__(self) -> str:
        return self.get_full_name() or self.email


class OrganisationManager(models.Manager["Organisation"]):
    def visible_to(self, user: User | AnonymousUser) -> models.QuerySet[Organisation]:
        from integrum.core.permissions import memberships_of

        if not user.is_authenticated:
            return self.none()
        return self.filter(pk__in=[m.organisation_id for m in memberships_of(user)])


class Organisation(ChangeLoggedModel):
    """A company (or a consultant's client) that runs its management system in Integrum."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)
    description = models.TextField(blank=True)

    objects = OrganisationManager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Site(OrganisationOwned, VersionedModel):
    """A location in the scope of the management system (multi-site certificates)."""

    name = models.CharField(max_length=200)
    code = models.CharField(max_length=20, help_text="A short code shown in lists, e.g. BHM.")
    address = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organisation", "code"], name="site_code_unique")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("core:site_update", args=[self.pk])


class Membership(OrganisationOwned, VersionedModel):
    """A person's role in an organisation, optionally limited to some of its sites."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.VIEWER)
    sites = models.ManyToManyField(
        Site, blank=True, help_text="Leave empty for access to every site of the organisation."
    )

    class Meta:
        ordering = ["user__first_name", "user__last_name", "user__email"]
        constraints = [models.UniqueConstraint(fields=["user", "organisation"], name="membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()}"

    def get_absolute_url(self) -> str:
        return reverse("core:member_update", args=[self.pk])

    @property
    def site_ids(self) -> list[int]:
        """Ids of the sites this membership is limited to (empty: all). Uses prefetched sites."""
        return [site.pk for site in self.sites.all()]

    def has_role(self, minimum: str) -> bool:
        return ROLE_RANK[Role(self.role)] >= ROLE_RANK[Role(minimum)]


class NumberSequence(models.Model):
    """The last number handed out per organisation and kind of record (ACT-0042)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=40)
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "key"], name="number_sequence_unique")]

    def __str__(self) -> str:
        return f"{self.key}: {self.last_value}"


# --- Change log ------------------------------------------------------------------------------


class ObjectChangeQuerySet(models.QuerySet["ObjectChange"]):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError("The change log is append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("The change log is append-only.")

    def visible_to(self, user: User | AnonymousUser) -> ObjectChangeQuerySet:
        from integrum.core.permissions import memberships_of

        if not user.is_authenticated:
            return self.none()
        return self.filter(organisation_id__in=[m.organisation_id for m in memberships_of(user)])

    def for_object(self, obj: models.Model) -> ObjectChangeQuerySet:
        content_type = ContentType.objects.get_for_model(obj)
        return self.filter(content_type=content_type, object_id=str(obj.pk))


class ObjectChange(models.Model):
    """One append-only, hash-chained entry of the change log (clause 7.5.3 control of changes).

    Actor and organisation are stored as plain values, not foreign keys, so that deleting a user
    or an organisation never rewrites history (and never breaks the chain).
    """

    class Action(models.TextChoices):
        CREATE = "create", "Created"
        UPDATE = "update", "Updated"
        DELETE = "delete", "Deleted"
        TRANSITION = "transition", "Status changed"
        SIGNATURE = "signature", "Signed"

    id = models.BigIntegerField(primary_key=True, help_text="Position in the chain, from 1 without gaps.")
    time = models.DateTimeField(db_index=True)
    actor_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    actor_label = models.CharField(max_length=200)
    organisation_id = models.BigIntegerField(null=True, blank=True)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=300)
    action = models.CharField(max_length=20, choices=Action.choices)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    message = models.CharField(max_length=500, blank=True)
    request_id = models.CharField(max_length=40, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = ObjectChangeQuerySet.as_manager()
    content_object = GenericForeignKey("content_type", "object_id")

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["content_type", "object_id", "-id"], name="objectchange_object"),
            models.Index(fields=["organisation_id", "-id"], name="objectchange_organisation"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_action_display()} {self.object_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise PermissionError("The change log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("The change log is append-only.")

    def field_changes(self) -> list[tuple[str, Any, Any]]:
        """(field label, before, after) triples for display, in the order they were recorded."""
        before, after = self.before or {}, self.after or {}
        labels, choices = _field_display(self.content_type.model_class())

        def shown(key: str, value: Any) -> Any:
            if isinstance(value, str | int) and key in choices:
                return choices[key].get(value, value)
            return value

        return [
            (labels.get(key, key), shown(key, before.get(key)), shown(key, after.get(key)))
            for key in dict.fromkeys([*before, *after])
        ]


@functools.cache
def _field_display(model: type[models.Model] | None) -> tuple[dict[str, str], dict[str, dict[Any, str]]]:
    """Labels and choice labels of a model's fields by column name; worked out once per model."""
    labels: dict[str, str] = {}
    choices: dict[str, dict[Any, str]] = {}
    for field in model._meta.get_fields() if model is not None else []:
        name = getattr(field, "attname", None) or field.name
        labels[name] = str(getattr(field, "verbose_name", field.name))
        if getattr(field, "choices", None):
            choices[name] = {value: str(label) for value, label in field.choices}  # type: ignore[union-attr]
    return labels, choices


class ChainHead(models.Model):
    """The single row that serialises appends to the change log and remembers its tip."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_id = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"#{self.last_id} {self.last_hash[:12]}"


# --- Files -----------------------------------------------------------------------------------


def attachment_path(instance: Attachment, filename: str) -> str:
    # The stored name is random: the user's file name is kept only as metadata.
    return f"org-{instance.organisation_id}/attachments/{instance.sha256[:2]}/{instance.storage_name}"


class Attachment(OrganisationOwned):
    """A file attached to any record (evidence, a photo, …); served only after a permission check."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.CharField(max_length=64)
    content_object = GenericForeignKey("content_type", "object_id")
    file = models.FileField(upload_to=attachment_path, max_length=300)
    storage_name = models.CharField(max_length=80)
    original_name = models.CharField(max_length=255)
    mime_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="attachment_object")]

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse("core:attachment_download", args=[self.pk])
