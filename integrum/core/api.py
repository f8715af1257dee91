"""The API's building blocks (base viewsets, fields, schema) and the `core` collections.

Every app's `api.py` builds on the pieces here:

- `OrganisationOwnedViewSet` reads from `Model.objects.visible_to(user)`, so another
  organisation's ids answer 404; writes validate an input serializer, check the role in the
  record's organisation and call the app's service; the response is the read serializer.
- `OrganisationField`, `MemberField` and `SiteField` only accept ids the requester can see;
  services then check that they belong to the record's own organisation.
- `VersionField` makes `version` required on every update, PATCH included.
- `ApiSchema` documents the error responses (one format, `api_policy.ErrorSerializer`).
"""

from __future__ import annotations

from typing import Any, ClassVar

import django_filters
import uritemplate
from django import forms
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, Q, QuerySet
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import Direction, OpenApiResponse, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.fields import empty
from rest_framework.filters import BaseFilterBackend
from rest_framework.request import Request
from rest_framework.response import Response

from integrum.core import services
from integrum.core.api_policy import ErrorSerializer, error_body, require_role, required_role
from integrum.core.filters import IdFilter
from integrum.core.models import Membership, ObjectChange, Organisation, Role, Site, User
from integrum.core.permissions import ADMINISTER, MANAGE, membership_in, memberships_of

# --- Schema ----------------------------------------------------------------------------------


class ApiSchema(AutoSchema):
    """drf-spectacular's schema plus what our views do on every operation.

    It documents the error responses each operation can give, uses the view's input serializer
    for request bodies (responses are the read serializer) and marks `version` as required in
    PATCH bodies, because `VersionField` insists on it even in partial updates.
    """

    def get_request_serializer(self) -> Any:
        view = self.view
        if isinstance(view, ApiViewSet) and (input_class := view.get_input_serializer_class()):
            return input_class(context=view.get_serializer_context())
        return super().get_request_serializer()

    def _get_response_bodies(self, direction: Direction = "response") -> dict[str, Any]:
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        for code, description in self._error_responses():
            response = OpenApiResponse(ErrorSerializer, description=description)
            responses.setdefault(code, self._get_response_for_code(response, code, direction=direction))
        return responses

    def _error_responses(self) -> list[tuple[str, str]]:
        detail = bool(uritemplate.variables(self.path))
        errors = []
        if self.method != "GET" or not detail:
            errors.append(
                ("400", "Invalid input, query parameter or page; `error.fields` names the culprits.")
            )
        errors += [
            ("401", "No credentials, or invalid ones."),
            ("403", "Your role in the organisation does not allow this."),
        ]
        if detail:
            errors.append(("404", "No such record among those you can see."))
        if self.method in {"PATCH", "DELETE"} or (self.method == "POST" and detail):
            errors.append(("409", "The record was changed by someone else since you read it, or is in use."))
        return errors

    def _map_basic_serializer(self, serializer: Any, direction: str) -> dict[str, Any]:
        schema: dict[str, Any] = super()._map_basic_serializer(serializer, direction)
        fields = getattr(serializer, "fields", {})
        versions = [name for name, field in fields.items() if isinstance(field, VersionField)]
        if direction == "request" and versions:
            required = schema.setdefault("required", [])
            required += [name for name in versions if name not in required]
        return schema


# --- Fields ----------------------------------------------------------------------------------


# The largest value of the `version` column (a positive integer) on every database we support.
MAX_VERSION = 2**31 - 1


class VersionField(serializers.IntegerField):
    """The `version` the client read: required on every update, partial ones included (no lost updates)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_VERSION)
        kwargs.setdefault(
            "help_text", "The version you read; if the record changed since, the update gets 409."
        )
        super().__init__(**kwargs)

    def validate_empty_values(self, data: Any) -> tuple[bool, Any]:
        if data is empty:
            self.fail("required")
        result: tuple[bool, Any] = super().validate_empty_values(data)
        return result


class OnlyOrganisation:
    """Default of `organisation`: the requester's organisation if they belong to exactly one."""

    requires_context = True

    def __call__(self, field: serializers.Field) -> Organisation:
        memberships = memberships_of(field.context["request"].user)
        if len(memberships) == 1:
            return memberships[0].organisation
        raise serializers.ValidationError(
            "You belong to several organisations: say which one this record is for.", code="required"
        )


def _user(field: serializers.Field) -> Any:
    return field.context["request"].user


@extend_schema_field(OpenApiTypes.INT)
class OrganisationField(serializers.PrimaryKeyRelatedField):
    """One of the requester's organisations (default: their only one)."""

    default_error_messages = {"does_not_exist": "You are not a member of an organisation with id {pk_value}."}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("default", OnlyOrganisation())
        kwargs.setdefault("help_text", "Id of the organisation; may be left out by members of only one.")
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet[Organisation]:
        return Organisation.objects.visible_to(_user(self))


@extend_schema_field(OpenApiTypes.INT)
class MemberField(serializers.PrimaryKeyRelatedField):
    """A person who shares an organisation with the requester; services check it is the record's."""

    default_error_messages = {"does_not_exist": "No member of your organisations has id {pk_value}."}

    def get_queryset(self) -> QuerySet[User]:
        organisation_ids = [m.organisation_id for m in memberships_of(_user(self))]
        return User.objects.filter(memberships__organisation_id__in=organisation_ids).distinct()


def usable_sites(user: Any) -> QuerySet[Site]:
    """Sites the user may put records on: all their organisations' sites, or those their membership names."""
    condition = Q(pk__in=[])
    for membership in memberships_of(user):
        site_ids = membership.site_ids
        condition |= Q(pk__in=site_ids) if site_ids else Q(organisation_id=membership.organisation_id)
    return Site.objects.filter(condition)


@extend_schema_field(OpenApiTypes.INT)
class SiteField(serializers.PrimaryKeyRelatedField):
    default_error_messages = {"does_not_exist": "You have no site with id {pk_value}."}

    def get_queryset(self) -> QuerySet[Site]:
        return usable_sites(_user(self))


# --- Filtering -------------------------------------------------------------------------------


class OrganisationFilterBackend(BaseFilterBackend):
    """`?organisation=<id>` on organisation-owned collections; only the user's own organisations are valid."""

    def filter_queryset(self, request: Request, queryset: QuerySet[Any], view: Any) -> QuerySet[Any]:
        raw = request.query_params.get("organisation", "")
        if raw == "":
            return queryset
        organisation_id = int(raw) if raw.isdigit() else None
        if membership_in(request.user, organisation_id) is None:
            raise serializers.ValidationError({"organisation": ["Give the id of one of your organisations."]})
        return queryset.filter(organisation_id=organisation_id)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": "organisation",
                "in": "query",
                "required": False,
                "description": "Only records of this organisation (one of yours).",
                "schema": {"type": "integer", "minimum": 1},
            }
        ]


# --- Base viewsets ---------------------------------------------------------------------------


class ApiViewSet(viewsets.GenericViewSet):
    """What every viewset shares: the schema and the API flavour of the FilterSets."""

    schema = ApiSchema()
    # Updates are partial (PATCH with `version`); PUT would add nothing but a second way.
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    # The body each write action reads (responses always use `serializer_class`).
    input_serializer_classes: ClassVar[dict[str, type[serializers.Serializer]]] = {}
    # The role an action needs where the method's default does not fit (`api_policy.required_role`).
    required_roles: ClassVar[dict[str, str]] = {}

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        # In the API, FilterSets offer people and sites of all the user's organisations, not
        # only of the one chosen in the page's switcher.
        request.is_api = True  # type: ignore[attr-defined]
        super().initial(request, *args, **kwargs)

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        # Filters narrow lists; a single record is found by id whatever the query string says.
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)

    def get_input_serializer_class(self) -> type[serializers.Serializer] | None:
        return self.input_serializer_classes.get(self.action or "")

    def validated_input(self, instance: Model | None = None, partial: bool = False) -> dict[str, Any]:
        """The request body checked by the action's input serializer (400 on any error)."""
        input_class = self.get_input_serializer_class()
        assert input_class is not None, f"{type(self).__name__} has no input serializer for {self.action}."
        serializer = input_class(
            instance, data=self.request.data, partial=partial, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def respond(self, instance: Model, status_code: int = status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(instance).data, status=status_code)


class OrganisationOwnedViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """A collection of one organisation-owned model; subclasses add the writes they offer."""

    model: ClassVar[type[Model]]
    filter_backends = [OrganisationFilterBackend, DjangoFilterBackend]

    def get_queryset(self) -> QuerySet[Any]:
        return self.model.objects.visible_to(self.request.user)  # type: ignore[attr-defined]

    def check_organisation_role(self, organisation: Organisation) -> None:
        """On create: the role the action needs, in the organisation the new record is for."""
        require_role(self.request, organisation.pk, required_role(self.request, self))


class CreateMixin(OrganisationOwnedViewSet):
    """POST on the collection: the input serializer's data goes to `perform_create` (a service call)."""

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.validated_input()
        self.check_organisation_role(data["organisation"])
        instance = self.perform_create(data)
        return self.respond(instance, status.HTTP_201_CREATED)

    def perform_create(self, data: dict[str, Any]) -> Model:
        raise NotImplementedError


class UpdateMixin(OrganisationOwnedViewSet):
    """PATCH on a record, with `version`; `perform_update` writes (a service call)."""

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        instance = self.get_object()
        data = self.validated_input(instance, partial=True)
        return self.respond(self.perform_update(instance, data))

    def perform_update(self, instance: Any, data: dict[str, Any]) -> Model:
        raise NotImplementedError


class DestroyMixin(OrganisationOwnedViewSet):
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self.perform_destroy(self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    def perform_destroy(self, instance: Any) -> None:
        instance.delete()


@csrf_exempt  # it changes nothing, and a CSRF refusal would answer in HTML
def api_not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Unknown addresses under /api/v1/ answer in the API's error format, not with an HTML page."""
    body = error_body(status.HTTP_404_NOT_FOUND, "not_found", "There is no such address in the API.")
    return JsonResponse(body, status=status.HTTP_404_NOT_FOUND)


# --- Organisations ---------------------------------------------------------------------------


class OrganisationSerializer(serializers.ModelSerializer):
    role = serializers.SerializerMethodField(help_text="Your role in the organisation.")

    class Meta:
        model = Organisation
        fields = ["id", "name", "slug", "description", "role"]

    @extend_schema_field(serializers.ChoiceField(choices=Role.choices))
    def get_role(self, organisation: Organisation) -> str:
        membership = membership_in(self.context["request"].user, organisation.pk)
        return membership.role if membership else ""


class OrganisationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """The organisations you belong to."""

    serializer_class = OrganisationSerializer
    filter_backends = []

    def get_queryset(self) -> QuerySet[Organisation]:
        return Organisation.objects.visible_to(self.request.user)


# --- Sites -----------------------------------------------------------------------------------


class SiteSerializer(serializers.ModelSerializer):
    class Meta:
        model = Site
        fields = [
            "id",
            "organisation",
            "name",
            "code",
            "address",
            "is_active",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


def _site_code(value: str) -> str:
    return value.strip().upper()


class SiteCreateSerializer(serializers.ModelSerializer):
    organisation = OrganisationField()

    class Meta:
        model = Site
        fields = ["organisation", "name", "code", "address", "is_active"]
        validators: ClassVar[list[Any]] = []  # the code clash gets its own message below

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs["code"] = _site_code(attrs["code"])
        if Site.objects.filter(organisation=attrs["organisation"], code=attrs["code"]).exists():
            raise serializers.ValidationError({"code": "Another site already uses this code."})
        return attrs


class SiteUpdateSerializer(serializers.ModelSerializer):
    version = VersionField()

    class Meta:
        model = Site
        fields = ["name", "code", "address", "is_active", "version"]

    def validate_code(self, value: str) -> str:
        code = _site_code(value)
        assert self.instance is not None
        clash = Site.objects.filter(organisation_id=self.instance.organisation_id, code=code)
        if clash.exclude(pk=self.instance.pk).exists():
            raise serializers.ValidationError("Another site already uses this code.")
        return code


class SiteViewSet(CreateMixin, UpdateMixin, DestroyMixin):
    """Sites of your organisations; administrators add, change and remove them."""

    model = Site
    serializer_class = SiteSerializer
    input_serializer_classes: ClassVar[dict[str, type[serializers.Serializer]]] = {
        "create": SiteCreateSerializer,
        "partial_update": SiteUpdateSerializer,
    }
    required_roles: ClassVar[dict[str, str]] = {
        "create": ADMINISTER,
        "partial_update": ADMINISTER,
        "destroy": ADMINISTER,
    }

    def perform_create(self, data: dict[str, Any]) -> Site:
        site = Site(**data)
        site.full_clean()
        site.save()
        return site

    def perform_update(self, instance: Site, data: dict[str, Any]) -> Site:
        for name, value in data.items():
            setattr(instance, name, value)
        instance.full_clean()
        instance.save()
        return instance


# --- Memberships -----------------------------------------------------------------------------


class MembershipSerializer(serializers.ModelSerializer):
    email = serializers.EmailField(source="user.email", read_only=True)
    first_name = serializers.CharField(source="user.first_name", read_only=True)
    last_name = serializers.CharField(source="user.last_name", read_only=True)
    sites: serializers.PrimaryKeyRelatedField[Site] = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True, help_text="Sites the member is limited to; empty: every site."
    )

    class Meta:
        model = Membership
        fields = [
            "id",
            "organisation",
            "user",
            "email",
            "first_name",
            "last_name",
            "role",
            "sites",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class MembershipCreateSerializer(serializers.Serializer):
    """Add a person by email; an account without a password is created if they have none."""

    organisation = OrganisationField()
    email = serializers.EmailField()
    first_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    last_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    role = serializers.ChoiceField(choices=Role.choices)
    sites = SiteField(many=True, required=False, default=list)


class MembershipUpdateSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices, required=False)
    sites = SiteField(many=True, required=False)
    version = VersionField()


class MembershipViewSet(CreateMixin, UpdateMixin, DestroyMixin):
    """Who belongs to your organisations, with which role; administrators manage them."""

    model = Membership
    serializer_class = MembershipSerializer
    input_serializer_classes: ClassVar[dict[str, type[serializers.Serializer]]] = {
        "create": MembershipCreateSerializer,
        "partial_update": MembershipUpdateSerializer,
    }
    required_roles: ClassVar[dict[str, str]] = {
        "create": ADMINISTER,
        "partial_update": ADMINISTER,
        "destroy": ADMINISTER,
    }

    def get_queryset(self) -> QuerySet[Membership]:
        return super().get_queryset().select_related("user").prefetch_related("sites")

    def perform_create(self, data: dict[str, Any]) -> Membership:
        return services.membership_add(**data)

    def perform_update(self, instance: Membership, data: dict[str, Any]) -> Membership:
        if "role" in data:
            services.ensure_admin_remains(membership=instance, new_role=data["role"])
            instance.role = data["role"]
        sites: list[Site] | None = data.get("sites")
        if sites is not None and any(site.organisation_id != instance.organisation_id for site in sites):
            raise serializers.ValidationError({"sites": ["Choose sites of the member's own organisation."]})
        instance.version = data["version"]
        instance.full_clean()
        instance.save()
        if sites is not None:
            instance.sites.set(sites)
        # Read back: the prefetched sites of `instance` predate the change.
        return Membership.objects.select_related("user").prefetch_related("sites").get(pk=instance.pk)

    def perform_destroy(self, instance: Membership) -> None:
        services.membership_remove(membership=instance, by=self.request.user)  # type: ignore[arg-type]


# --- Change log ------------------------------------------------------------------------------


class ContentTypeFormField(forms.CharField):
    """`app_label.model`, e.g. `actions.action`, read back as the ContentType."""

    def clean(self, value: Any) -> ContentType | None:
        text = super().clean(value)
        if not text:
            return None
        app_label, _, model = text.lower().partition(".")
        try:
            return ContentType.objects.get_by_natural_key(app_label, model)
        except ContentType.DoesNotExist:
            raise forms.ValidationError(
                "“%(value)s” is not a kind of record; give it as app.model, e.g. actions.action.",
                params={"value": text},
            ) from None


@extend_schema_field(OpenApiTypes.STR)
class ContentTypeFilter(django_filters.Filter):
    field_class = ContentTypeFormField


class ChangeFilterSet(django_filters.FilterSet):
    """Filters of the `changes/` endpoint (the change-log page has none yet)."""

    content_type = ContentTypeFilter(label="Kind of record, as app.model (e.g. actions.action)")
    object_id = django_filters.CharFilter(label="Id of the record")
    action = django_filters.ChoiceFilter(choices=ObjectChange.Action.choices)
    actor = IdFilter(field_name="actor_id", label="Id of the person who made the change")
    since = django_filters.IsoDateTimeFilter(field_name="time", lookup_expr="gte")
    until = django_filters.IsoDateTimeFilter(field_name="time", lookup_expr="lt")

    class Meta:
        model = ObjectChange
        fields: ClassVar[list[str]] = []


class ChangeSerializer(serializers.ModelSerializer):
    actor = serializers.IntegerField(source="actor_id", allow_null=True, read_only=True)
    organisation = serializers.IntegerField(source="organisation_id", allow_null=True, read_only=True)
    content_type = serializers.SerializerMethodField(help_text="Kind of record, as app.model.")

    class Meta:
        model = ObjectChange
        fields = [
            "id",
            "time",
            "actor",
            "actor_label",
            "organisation",
            "action",
            "content_type",
            "object_id",
            "object_repr",
            "before",
            "after",
            "message",
            "request_id",
            "hash",
            "prev_hash",
        ]
        read_only_fields = fields

    def get_content_type(self, change: ObjectChange) -> str:
        return f"{change.content_type.app_label}.{change.content_type.model}"


class ChangeViewSet(OrganisationOwnedViewSet):
    """The change log of the organisations where you are a manager or administrator, newest first."""

    model = ObjectChange
    serializer_class = ChangeSerializer
    filterset_class = ChangeFilterSet
    required_roles: ClassVar[dict[str, str]] = {"list": MANAGE, "retrieve": MANAGE}

    def get_queryset(self) -> QuerySet[ObjectChange]:
        managed = [m.organisation_id for m in memberships_of(self.request.user) if m.has_role(MANAGE)]
        return (
            ObjectChange.objects.visible_to(self.request.user)
            .filter(organisation_id__in=managed)
            .select_related("content_type")
        )
