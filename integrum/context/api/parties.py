"""`interested-parties/` and `party-requirements/` (clause 4.2)."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db.models import QuerySet
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from integrum.context.api.common import VisibleField, check_parent_role, standards_field
from integrum.context.filters import InterestedPartyFilterSet, PartyRequirementFilterSet
from integrum.context.models import InterestedParty, PartyRequirement
from integrum.context.services import (
    interested_party_create,
    interested_party_delete,
    interested_party_update,
    party_requirement_create,
    party_requirement_delete,
    party_requirement_update,
)
from integrum.core.api import CreateMixin, DestroyMixin, OrganisationField, UpdateMixin, VersionField

REQUIREMENT_FIELDS = ["text", "adopted", "becomes_obligation", "climate_related", "notes"]


class PartyRequirementSerializer(serializers.ModelSerializer):
    class Meta:
        model = PartyRequirement
        fields = ["id", "organisation", "party", *REQUIREMENT_FIELDS, "version", "created_at", "updated_at"]
        read_only_fields = fields


class InterestedPartySerializer(serializers.ModelSerializer):
    requirements = PartyRequirementSerializer(
        many=True, read_only=True, help_text="Its needs and expectations."
    )

    class Meta:
        model = InterestedParty
        fields = [
            "id",
            "organisation",
            "reference",
            "number",
            "name",
            "origin",
            "kind",
            "description",
            "climate_related",
            "standards",
            "requirements",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class InterestedPartyWriteSerializer(serializers.ModelSerializer):
    standards = standards_field(required=False)

    class Meta:
        model = InterestedParty
        fields = ["name", "origin", "kind", "description", "climate_related", "standards"]


class InterestedPartyCreateSerializer(InterestedPartyWriteSerializer):
    organisation = OrganisationField()

    class Meta(InterestedPartyWriteSerializer.Meta):
        fields = ["organisation", *InterestedPartyWriteSerializer.Meta.fields]


class InterestedPartyUpdateSerializer(InterestedPartyWriteSerializer):
    version = VersionField()

    class Meta(InterestedPartyWriteSerializer.Meta):
        fields = [*InterestedPartyWriteSerializer.Meta.fields, "version"]


class InterestedPartyViewSet(CreateMixin, UpdateMixin, DestroyMixin):
    """Interested parties with their needs and expectations (clause 4.2); managers delete them."""

    model = InterestedParty
    serializer_class = InterestedPartySerializer
    filterset_class = InterestedPartyFilterSet
    input_serializer_classes: ClassVar[dict[str, type[serializers.Serializer]]] = {
        "create": InterestedPartyCreateSerializer,
        "partial_update": InterestedPartyUpdateSerializer,
    }

    def get_queryset(self) -> QuerySet[InterestedParty]:
        return super().get_queryset().prefetch_related("standards", "requirements")

    def reread(self, party: InterestedParty) -> InterestedParty:
        return self.get_queryset().get(pk=party.pk)

    def perform_create(self, data: dict[str, Any]) -> InterestedParty:
        return self.reread(interested_party_create(**data))

    def perform_update(self, instance: InterestedParty, data: dict[str, Any]) -> InterestedParty:
        return self.reread(interested_party_update(party=instance, **data))

    def perform_destroy(self, instance: InterestedParty) -> None:
        interested_party_delete(party=instance)


class PartyRequirementCreateSerializer(serializers.ModelSerializer):
    party = VisibleField(InterestedParty, help_text="Id of the interested party.")

    class Meta:
        model = PartyRequirement
        fields = ["party", *REQUIREMENT_FIELDS]


class PartyRequirementUpdateSerializer(serializers.ModelSerializer):
    version = VersionField()

    class Meta:
        model = PartyRequirement
        fields = [*REQUIREMENT_FIELDS, "version"]


class PartyRequirementViewSet(CreateMixin, UpdateMixin, DestroyMixin):
    """Needs and expectations of interested parties; an adopted one may become a compliance obligation."""

    model = PartyRequirement
    serializer_class = PartyRequirementSerializer
    filterset_class = PartyRequirementFilterSet
    input_serializer_classes: ClassVar[dict[str, type[serializers.Serializer]]] = {
        "create": PartyRequirementCreateSerializer,
        "partial_update": PartyRequirementUpdateSerializer,
    }

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.validated_input()
        party = data.pop("party")
        check_parent_role(self, party)
        return self.respond(party_requirement_create(party=party, **data), status.HTTP_201_CREATED)

    def perform_update(self, instance: PartyRequirement, data: dict[str, Any]) -> PartyRequirement:
        return party_requirement_update(requirement=instance, **data)

    def perform_destroy(self, instance: PartyRequirement) -> None:
        party_requirement_delete(requirement=instance)
