"""`roles/`: roles, responsibilities and authorities, and who holds them (clause 5.3)."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db.models import QuerySet
from rest_framework import serializers

from integrum.context.api.common import VisibleField, standards_field
from integrum.context.filters import OrganisationalRoleFilterSet
from integrum.context.models import OrganisationalRole
from integrum.context.services import (
    organisational_role_create,
    organisational_role_delete,
    organisational_role_update,
)
from integrum.core.api import (
    CreateMixin,
    DestroyMixin,
    MemberField,
    OrganisationField,
    UpdateMixin,
    VersionField,
)

ROLE_FIELDS = ["title", "responsibilities", "authorities", "reports_to", "holders", "standards"]


class OrganisationalRoleSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrganisationalRole
        fields = [
            "id",
            "organisation",
            "reference",
            "number",
            *ROLE_FIELDS,
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class OrganisationalRoleWriteSerializer(serializers.ModelSerializer):
    reports_to = VisibleField(
        OrganisationalRole, required=False, allow_null=True, help_text="Id of the role it reports to."
    )
    holders = MemberField(many=True, required=False, help_text="Ids of the members who hold it.")
    standards = standards_field(required=False)

    class Meta:
        model = OrganisationalRole
        fields = ROLE_FIELDS


class OrganisationalRoleCreateSerializer(OrganisationalRoleWriteSerializer):
    organisation = OrganisationField()

    class Meta(OrganisationalRoleWriteSerializer.Meta):
        fields = ["organisation", *ROLE_FIELDS]


class OrganisationalRoleUpdateSerializer(OrganisationalRoleWriteSerializer):
    version = VersionField()

    class Meta(OrganisationalRoleWriteSerializer.Meta):
        fields = [*ROLE_FIELDS, "version"]


class OrganisationalRoleViewSet(CreateMixin, UpdateMixin, DestroyMixin):
    """Roles of the management system and their holders (clause 5.3); managers delete them."""

    model = OrganisationalRole
    serializer_class = OrganisationalRoleSerializer
    filterset_class = OrganisationalRoleFilterSet
    input_serializer_classes: ClassVar[dict[str, type[serializers.Serializer]]] = {
        "create": OrganisationalRoleCreateSerializer,
        "partial_update": OrganisationalRoleUpdateSerializer,
    }

    def get_queryset(self) -> QuerySet[OrganisationalRole]:
        return super().get_queryset().prefetch_related("holders", "standards")

    def reread(self, role: OrganisationalRole) -> OrganisationalRole:
        return self.get_queryset().get(pk=role.pk)

    def perform_create(self, data: dict[str, Any]) -> OrganisationalRole:
        return self.reread(organisational_role_create(**data))

    def perform_update(self, instance: OrganisationalRole, data: dict[str, Any]) -> OrganisationalRole:
        return self.reread(organisational_role_update(role=instance, **data))

    def perform_destroy(self, instance: OrganisationalRole) -> None:
        organisational_role_delete(role=instance)
