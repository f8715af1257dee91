"""`context-issues/` and `climate-determinations/` (clause 4.1, Amd 1:2024)."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db.models import QuerySet
from rest_framework import mixins, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from integrum.context.api.common import standards_field
from integrum.context.filters import ContextIssueFilterSet
from integrum.context.models import PESTLE, SWOT, ClimateDetermination, ContextIssue
from integrum.context.services import (
    climate_determination_set,
    context_issue_create,
    context_issue_delete,
    context_issue_update,
)
from integrum.core.api import (
    CreateMixin,
    DestroyMixin,
    MemberField,
    OrganisationField,
    OrganisationOwnedViewSet,
    UpdateMixin,
    VersionField,
)
from integrum.core.permissions import MANAGE


class ContextIssueSerializer(serializers.ModelSerializer):
    family = serializers.CharField(read_only=True, help_text="PESTLE or SWOT, from the category.")

    class Meta:
        model = ContextIssue
        fields = [
            "id",
            "organisation",
            "reference",
            "number",
            "title",
            "description",
            "origin",
            "category",
            "family",
            "standards",
            "effect",
            "environmental_condition",
            "climate_related",
            "owner",
            "review_date",
            "status",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ContextIssueWriteSerializer(serializers.ModelSerializer):
    category = serializers.ChoiceField(choices=PESTLE + SWOT, help_text="A PESTLE or a SWOT category.")
    standards = standards_field(required=False)
    owner = MemberField(required=False, allow_null=True)

    class Meta:
        model = ContextIssue
        fields = [
            "title",
            "description",
            "origin",
            "category",
            "standards",
            "effect",
            "environmental_condition",
            "climate_related",
            "owner",
            "review_date",
            "status",
        ]


class ContextIssueCreateSerializer(ContextIssueWriteSerializer):
    organisation = OrganisationField()

    class Meta(ContextIssueWriteSerializer.Meta):
        fields = ["organisation", *ContextIssueWriteSerializer.Meta.fields]


class ContextIssueUpdateSerializer(ContextIssueWriteSerializer):
    version = VersionField()

    class Meta(ContextIssueWriteSerializer.Meta):
        fields = [*ContextIssueWriteSerializer.Meta.fields, "version"]


class ContextIssueViewSet(CreateMixin, UpdateMixin, DestroyMixin):
    """Internal and external issues (clause 4.1). Contributors record and edit them; managers delete them."""

    model = ContextIssue
    serializer_class = ContextIssueSerializer
    filterset_class = ContextIssueFilterSet
    input_serializer_classes: ClassVar[dict[str, type[serializers.Serializer]]] = {
        "create": ContextIssueCreateSerializer,
        "partial_update": ContextIssueUpdateSerializer,
    }

    def get_queryset(self) -> QuerySet[ContextIssue]:
        return super().get_queryset().prefetch_related("standards")

    def reread(self, issue: ContextIssue) -> ContextIssue:
        return self.get_queryset().get(pk=issue.pk)

    def perform_create(self, data: dict[str, Any]) -> ContextIssue:
        return self.reread(context_issue_create(**data))

    def perform_update(self, instance: ContextIssue, data: dict[str, Any]) -> ContextIssue:
        return self.reread(context_issue_update(issue=instance, **data))

    def perform_destroy(self, instance: ContextIssue) -> None:
        context_issue_delete(issue=instance)


class ClimateDeterminationSerializer(serializers.ModelSerializer):
    class Meta:
        model = ClimateDetermination
        fields = [
            "id",
            "organisation",
            "relevant",
            "rationale",
            "decided_by",
            "decided_on",
            "version",
            "updated_at",
        ]
        read_only_fields = fields


class ClimateDeterminationInputSerializer(serializers.Serializer):
    organisation = OrganisationField()
    relevant = serializers.BooleanField(help_text="Whether climate change is a relevant issue.")
    rationale = serializers.CharField(help_text="Why it is, or is not, relevant.")
    decided_on = serializers.DateField(required=False, allow_null=True, default=None)
    version = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=1,
        help_text="To revise: the version you read.",
    )


class ClimateDeterminationViewSet(mixins.CreateModelMixin, OrganisationOwnedViewSet):
    """Whether climate change is relevant, one per organisation (Amd 1:2024). Managers record or revise it
    by POST; earlier determinations stay in the change log."""

    model = ClimateDetermination
    serializer_class = ClimateDeterminationSerializer
    input_serializer_classes: ClassVar[dict[str, type[serializers.Serializer]]] = {
        "create": ClimateDeterminationInputSerializer
    }
    required_roles: ClassVar[dict[str, str]] = {"create": MANAGE}

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.validated_input()
        self.check_organisation_role(data["organisation"])
        determination = climate_determination_set(decided_by=request.user, **data)  # type: ignore[arg-type]
        return self.respond(determination, status.HTTP_201_CREATED)
