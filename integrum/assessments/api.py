"""The `assessments/` and `assessment-items/` collections: gap analyses and their clause items."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import decorators, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from integrum.actions.api import ActionSerializer
from integrum.actions.models import Action
from integrum.assessments.filters import AssessmentFilterSet, AssessmentItemFilterSet
from integrum.assessments.models import Assessment, AssessmentItem
from integrum.assessments.selectors import GROUP_TITLES, Readiness, StandardReadiness, readiness
from integrum.assessments.services import action_from_gap, assessment_create, assessment_item_update
from integrum.core.api import (
    CreateMixin,
    DestroyMixin,
    MemberField,
    OrganisationField,
    SiteField,
    UpdateMixin,
    VersionField,
)
from integrum.standards.models import Standard

# --- Readiness -------------------------------------------------------------------------------


class ReadinessSerializer(serializers.Serializer):
    percent = serializers.FloatField(allow_null=True, help_text="0–100; null when nothing applies.")
    applicable = serializers.IntegerField(help_text="Items that count (all but not applicable).")
    assessed = serializers.IntegerField()
    open_gaps = serializers.IntegerField(help_text="Items not assessed, not met or partly met.")
    total = serializers.IntegerField()
    counts = serializers.DictField(child=serializers.IntegerField(), help_text="Items by status.")


class GroupReadinessSerializer(ReadinessSerializer):
    group = serializers.CharField(help_text="Harmonized Structure clause, 4 to 10.")
    title = serializers.CharField()


class StandardReadinessSerializer(serializers.Serializer):
    standard = serializers.IntegerField(source="standard.pk")
    standard_key = serializers.CharField(source="standard.key")
    overall = ReadinessSerializer()
    groups = serializers.SerializerMethodField()

    @extend_schema_field(GroupReadinessSerializer(many=True))
    def get_groups(self, result: StandardReadiness) -> list[dict[str, Any]]:
        return [self._group(group, counts) for group, counts in result.groups.items()]

    def _group(self, group: str, counts: Readiness) -> dict[str, Any]:
        return {"group": group, "title": GROUP_TITLES[group], **ReadinessSerializer(counts).data}


# --- Assessments -----------------------------------------------------------------------------


class AssessmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Assessment
        fields = [
            "id",
            "organisation",
            "title",
            "description",
            "standards",
            "integrated",
            "status",
            "owner",
            "target_date",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class AssessmentDetailSerializer(AssessmentSerializer):
    readiness = serializers.SerializerMethodField(help_text="Readiness per standard and clause group.")

    class Meta(AssessmentSerializer.Meta):
        fields = [*AssessmentSerializer.Meta.fields, "readiness"]
        read_only_fields = fields

    @extend_schema_field(StandardReadinessSerializer(many=True))
    def get_readiness(self, assessment: Assessment) -> list[dict[str, Any]]:
        return [StandardReadinessSerializer(result).data for result in readiness(assessment)]


class AssessmentCreateSerializer(serializers.ModelSerializer):
    organisation = OrganisationField()
    standards = serializers.PrimaryKeyRelatedField(
        many=True,
        queryset=Standard.objects.all(),
        allow_empty=False,
        help_text="Ids of the standards to assess.",
    )
    owner = MemberField(required=False, allow_null=True)

    class Meta:
        model = Assessment
        fields = ["organisation", "title", "description", "standards", "integrated", "owner", "target_date"]


class AssessmentUpdateSerializer(serializers.ModelSerializer):
    owner = MemberField(required=False, allow_null=True)
    version = VersionField()

    class Meta:
        model = Assessment
        fields = ["title", "description", "owner", "target_date", "status", "version"]


class AssessmentViewSet(CreateMixin, UpdateMixin, DestroyMixin):
    """Gap analyses against one or both standards; details show readiness per standard and clause group."""

    model = Assessment
    filterset_class = AssessmentFilterSet
    input_serializer_classes: ClassVar[dict[str, type[serializers.Serializer]]] = {
        "create": AssessmentCreateSerializer,
        "partial_update": AssessmentUpdateSerializer,
    }

    def get_queryset(self) -> QuerySet[Assessment]:
        return super().get_queryset().prefetch_related("standards")

    def get_serializer_class(self) -> type[serializers.Serializer]:
        return AssessmentSerializer if self.action == "list" else AssessmentDetailSerializer

    def perform_create(self, data: dict[str, Any]) -> Assessment:
        return assessment_create(**data)

    def perform_update(self, instance: Assessment, data: dict[str, Any]) -> Assessment:
        owner = data.get("owner")
        if (
            owner is not None
            and not owner.memberships.filter(organisation_id=instance.organisation_id).exists()
        ):
            raise serializers.ValidationError({"owner": ["The owner must be a member of the organisation."]})
        for name, value in data.items():
            setattr(instance, name, value)
        instance.full_clean()
        instance.save()
        return instance


# --- Items -----------------------------------------------------------------------------------


class AssessmentItemSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(source="clause.reference", read_only=True)
    title = serializers.CharField(source="clause.title", read_only=True)
    references = serializers.SerializerMethodField(
        help_text="Every clause the item covers (two when shared)."
    )
    is_overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = AssessmentItem
        fields = [
            "id",
            "organisation",
            "assessment",
            "clause",
            "reference",
            "title",
            "clauses",
            "references",
            "group",
            "status",
            "notes",
            "justification",
            "owner",
            "target_date",
            "is_overdue",
            "version",
            "updated_at",
        ]
        read_only_fields = fields

    def get_references(self, item: AssessmentItem) -> list[str]:
        return [clause.reference for clause in item.clauses.all()]


class AssessmentItemUpdateSerializer(serializers.ModelSerializer):
    owner = MemberField(required=False, allow_null=True)
    version = VersionField()

    class Meta:
        model = AssessmentItem
        fields = ["status", "notes", "justification", "owner", "target_date", "version"]


class ActionFromGapSerializer(serializers.ModelSerializer):
    owner = MemberField(required=False, allow_null=True)
    site = SiteField(required=False, allow_null=True)

    class Meta:
        model = Action
        fields = ["title", "description", "owner", "site", "due_date", "priority"]


class AssessmentItemViewSet(UpdateMixin):
    """The clause items of your gap analyses: record status and notes, raise actions to close gaps."""

    model = AssessmentItem
    serializer_class = AssessmentItemSerializer
    filterset_class = AssessmentItemFilterSet
    input_serializer_classes: ClassVar[dict[str, type[serializers.Serializer]]] = {
        "partial_update": AssessmentItemUpdateSerializer,
        "create_action": ActionFromGapSerializer,
    }

    def get_queryset(self) -> QuerySet[AssessmentItem]:
        return super().get_queryset().select_related("clause__standard").prefetch_related("clauses__standard")

    def perform_update(self, instance: AssessmentItem, data: dict[str, Any]) -> AssessmentItem:
        # The service records a whole assessment; a PATCH leaves the fields it does not name as they are.
        current = {
            "status": instance.status,
            "notes": instance.notes,
            "justification": instance.justification,
            "owner": instance.owner,
            "target_date": instance.target_date,
        }
        return assessment_item_update(item=instance, **{**current, **data})

    @extend_schema(responses={status.HTTP_201_CREATED: ActionSerializer})
    @decorators.action(detail=True, methods=["post"], url_path="create-action")
    def create_action(self, request: Request, pk: str | None = None) -> Response:
        """Raise an action to close the gap; the action keeps the item as its source."""
        item = self.get_object()
        data = self.validated_input()
        action = action_from_gap(item=item, created_by=request.user, **data)  # type: ignore[arg-type]
        return Response(
            ActionSerializer(action, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )
