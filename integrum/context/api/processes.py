"""`processes/` and `process-interactions/` (clause 4.4)."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db.models import QuerySet
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from integrum.context.api.common import VisibleField, check_parent_role
from integrum.context.filters import ProcessFilterSet, ProcessInteractionFilterSet
from integrum.context.models import Process, ProcessInteraction
from integrum.context.services import (
    process_create,
    process_delete,
    process_interaction_add,
    process_interaction_remove,
    process_update,
)
from integrum.core.api import (
    CreateMixin,
    DestroyMixin,
    MemberField,
    OrganisationField,
    SiteField,
    UpdateMixin,
    VersionField,
)
from integrum.core.permissions import WRITE

PROCESS_FIELDS = [
    "name",
    "purpose",
    "owner",
    "inputs",
    "outputs",
    "resources",
    "criteria",
    "kpis",
    "sites",
    "status",
]


class ProcessSerializer(serializers.ModelSerializer):
    class Meta:
        model = Process
        fields = [
            "id",
            "organisation",
            "reference",
            "number",
            *PROCESS_FIELDS,
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ProcessWriteSerializer(serializers.ModelSerializer):
    owner = MemberField(required=False, allow_null=True)
    sites = SiteField(many=True, required=False, help_text="Sites where it runs; empty: every site.")

    class Meta:
        model = Process
        fields = PROCESS_FIELDS


class ProcessCreateSerializer(ProcessWriteSerializer):
    organisation = OrganisationField()

    class Meta(ProcessWriteSerializer.Meta):
        fields = ["organisation", *PROCESS_FIELDS]


class ProcessUpdateSerializer(ProcessWriteSerializer):
    version = VersionField()

    class Meta(ProcessWriteSerializer.Meta):
        fields = [*PROCESS_FIELDS, "version"]


class ProcessViewSet(CreateMixin, UpdateMixin, DestroyMixin):
    """The process register (clause 4.4); how processes feed each other is `process-interactions/`."""

    model = Process
    serializer_class = ProcessSerializer
    filterset_class = ProcessFilterSet
    input_serializer_classes: ClassVar[dict[str, type[serializers.Serializer]]] = {
        "create": ProcessCreateSerializer,
        "partial_update": ProcessUpdateSerializer,
    }

    def get_queryset(self) -> QuerySet[Process]:
        return super().get_queryset().prefetch_related("sites")

    def reread(self, process: Process) -> Process:
        return self.get_queryset().get(pk=process.pk)

    def perform_create(self, data: dict[str, Any]) -> Process:
        return self.reread(process_create(**data))

    def perform_update(self, instance: Process, data: dict[str, Any]) -> Process:
        return self.reread(process_update(process=instance, **data))

    def perform_destroy(self, instance: Process) -> None:
        process_delete(process=instance)


class ProcessInteractionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProcessInteraction
        fields = ["id", "organisation", "from_process", "to_process", "flows", "created_at"]
        read_only_fields = fields


class ProcessInteractionCreateSerializer(serializers.Serializer):
    from_process = VisibleField(Process, help_text="Id of the process that feeds.")
    to_process = VisibleField(Process, help_text="Id of the process it feeds.")
    flows = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class ProcessInteractionViewSet(DestroyMixin):
    """Process A feeds process B (with what flows): the edges of the process map. Contributors add and remove them."""

    model = ProcessInteraction
    serializer_class = ProcessInteractionSerializer
    filterset_class = ProcessInteractionFilterSet
    input_serializer_classes: ClassVar[dict[str, type[serializers.Serializer]]] = {
        "create": ProcessInteractionCreateSerializer
    }
    required_roles: ClassVar[dict[str, str]] = {"destroy": WRITE}

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.validated_input()
        check_parent_role(self, data["from_process"])
        return self.respond(process_interaction_add(**data), status.HTTP_201_CREATED)

    def perform_destroy(self, instance: ProcessInteraction) -> None:
        process_interaction_remove(interaction=instance)
