"""Writes with rules for organisations, members and files."""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction

from integrum.core.files import check_upload
from integrum.core.models import Attachment, Membership, Organisation, Role, Site, User


@transaction.atomic
def organisation_create(*, name: str, slug: str, creator: User | None = None) -> Organisation:
    """Create an organisation; its creator becomes its first administrator."""
    organisation = Organisation(name=name, slug=slug)
    organisation.full_clean()
    organisation.save()
    if creator is not None:
        Membership.objects.create(organisation=organisation, user=creator, role=Role.ADMIN)
    return organisation


@transaction.atomic
def membership_add(
    *,
    organisation: Organisation,
    email: str,
    role: str,
    first_name: str = "",
    last_name: str = "",
    sites: Iterable[Site] = (),
) -> Membership:
    """Give a person a role in the organisation, creating their user account if they have none.

    A new account has no usable password: the administrator hands over a set-password link.
    """
    email = email.strip().lower()
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User(email=email, first_name=first_name, last_name=last_name)
        user.set_unusable_password()
        user.full_clean()
        user.save()
    if Membership.objects.filter(organisation=organisation, user=user).exists():
        raise ValidationError({"email": f"{user} is already a member of {organisation}."})
    membership = Membership(organisation=organisation, user=user, role=role)
    membership.full_clean()
    membership.save()
    site_list = list(sites)
    if any(site.organisation_id != organisation.pk for site in site_list):
        raise ValidationError({"sites": "A membership can only be limited to sites of its own organisation."})
    membership.sites.set(site_list)
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, by: User) -> None:
    """Remove a member; the last administrator cannot be removed (nobody could manage members)."""
    if membership.role == Role.ADMIN:
        admins = Membership.objects.filter(organisation_id=membership.organisation_id, role=Role.ADMIN)
        if admins.count() <= 1:
            raise ValidationError("This is the organisation's last administrator: appoint another one first.")
    membership.delete()


def ensure_admin_remains(*, membership: Membership, new_role: str) -> None:
    """Refuse to demote the organisation's last administrator."""
    if membership.role == Role.ADMIN and new_role != Role.ADMIN:
        others = Membership.objects.filter(
            organisation_id=membership.organisation_id, role=Role.ADMIN
        ).exclude(pk=membership.pk)
        if not others.exists():
            raise ValidationError(
                {"role": "This is the organisation's last administrator: appoint another one first."}
            )


@transaction.atomic
def attachment_add(*, to: models.Model, upload: UploadedFile, user: User) -> Attachment:
    """Attach a checked file to a record of the same organisation."""
    checked = check_upload(upload)
    attachment = Attachment(
        organisation_id=to.organisation_id,  # type: ignore[attr-defined]
        content_type=ContentType.objects.get_for_model(to),
        object_id=str(to.pk),
        storage_name=secrets.token_hex(16),
        original_name=checked.name,
        mime_type=checked.mime_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by=user,
    )
    attachment.file.save(attachment.storage_name, upload, save=False)
    attachment.save()
    return attachment


@transaction.atomic
def attachment_delete(*, attachment: Attachment) -> None:
    storage, name = attachment.file.storage, attachment.file.name
    attachment.delete()
    # The file goes only once the database row is gone for good.
    transaction.on_commit(lambda: storage.delete(name) if name else None)
