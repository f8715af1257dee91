"""`obligations/` (ISO 14001 6.1.3) and `compliance-evaluations/` (9.1.2, with `complete`)."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db.models import QuerySet
from rest_framework import decorators, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from integrum.core.api import (
    CreateMixin,
    DestroyMixin,
    MemberField,
    OrganisationField,
    SiteField,
    UpdateMixin,
    VersionField,
)
from integrum.core.api_policy import require_role
from integrum.core.permissions import MANAGE, WRITE
from integrum.environment import services
from integrum.environment.api.fields import ObligationField
from integrum.environment.filters import EvaluationFilterSet, ObligationFilterSet
from integrum.environment.models import ComplianceEvaluation, ComplianceObligation

MAX_TEXT = 10_000


class ObligationSerializer(serializers.ModelSerializer):
    aspects: serializers.PrimaryKeyRelatedField[Any] = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True, help_text="Aspects it applies to (set on the aspects)."
    )

    class Meta:
        model = ComplianceObligation
        fields = [
            "id",
            "organisation",
            "reference",
            "number",
            "title",
            "source_reference",
            "jurisdiction",
            "issuer",
            "kind",
            "sites",
            "activities",
            "summary",
            "owner",
            "evaluation_frequency_months",
            "status",
            "origin",
            "aspects",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ObligationWriteFields(serializers.ModelSerializer):
    owner = MemberField(required=False, allow_null=True)
    sites = SiteField(many=True, required=False)
    activities = serializers.CharField(required=False, allow_blank=True, max_length=MAX_TEXT)
    summary = serializers.CharField(required=False, allow_blank=True, max_length=MAX_TEXT)
    evaluation_frequency_months = serializers.IntegerField(
        required=False, min_value=1, max_value=services.MAX_MONTHS
    )


class ObligationCreateSerializer(ObligationWriteFields):
    organisation = OrganisationField()
    first_evaluation_due = serializers.DateField(
        required=False, allow_null=True, help_text="Default: one evaluation period from today."
    )

    class Meta:
        model = ComplianceObligation
        fields = [
            "organisation",
            "title",
            "source_reference",
            "jurisdiction",
            "issuer",
            "kind",
            "sites",
            "activities",
            "summary",
            "owner",
            "evaluation_frequency_months",
            "first_evaluation_due",
        ]


class ObligationUpdateSerializer(ObligationWriteFields):
    version = VersionField()

    class Meta:
        model = ComplianceObligation
        fields = [*ObligationCreateSerializer.Meta.fields[1:-1], "version"]


class ObligationTransitionSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=ComplianceObligation.Status.choices)


class ObligationViewSet(CreateMixin, UpdateMixin, DestroyMixin):
    """Compliance obligations (ISO 14001 6.1.3); creating one schedules its first evaluation.
    Managers withdraw, reinstate and delete them."""

    model = ComplianceObligation
    serializer_class = ObligationSerializer
    filterset_class = ObligationFilterSet
    input_serializer_classes: ClassVar[dict[str, type[serializers.Serializer]]] = {
        "create": ObligationCreateSerializer,
        "partial_update": ObligationUpdateSerializer,
        "transition": ObligationTransitionSerializer,
    }
    required_roles: ClassVar[dict[str, str]] = {"transition": MANAGE, "destroy": MANAGE}

    def get_queryset(self) -> QuerySet[ComplianceObligation]:
        return super().get_queryset().prefetch_related("sites", "aspects")

    def perform_create(self, data: dict[str, Any]) -> ComplianceObligation:
        obligation = services.obligation_create(**data)
        return self.get_queryset().get(pk=obligation.pk)

    def perform_update(self, instance: ComplianceObligation, data: dict[str, Any]) -> ComplianceObligation:
        obligation = services.obligation_update(obligation=instance, **data)
        return self.get_queryset().get(pk=obligation.pk)

    def perform_destroy(self, instance: ComplianceObligation) -> None:
        services.obligation_delete(obligation=instance)

    @decorators.action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: str | None = None) -> Response:
        """Withdraw the obligation, or reinstate a withdrawn one."""
        obligation = self.get_object()
        data = self.validated_input()
        services.obligation_transition(obligation=obligation, to=data["to"])
        return self.respond(self.get_queryset().get(pk=obligation.pk))


# --- Evaluations -----------------------------------------------------------------------------


class EvaluationSerializer(serializers.ModelSerializer):
    is_overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = ComplianceEvaluation
        fields = [
            "id",
            "organisation",
            "reference",
            "number",
            "obligation",
            "due_date",
            "status",
            "result",
            "evidence",
            "evaluator",
            "evaluated_on",
            "next_due_date",
            "notes",
            "is_overdue",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class EvaluationCreateSerializer(serializers.Serializer):
    obligation = ObligationField()
    due_date = serializers.DateField()
    evaluator = MemberField(required=False, allow_null=True, default=None)


class EvaluationUpdateSerializer(serializers.Serializer):
    due_date = serializers.DateField(required=False)
    evaluator = MemberField(required=False, allow_null=True)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=MAX_TEXT)
    version = VersionField()


class EvaluationCompleteSerializer(serializers.Serializer):
    result = serializers.ChoiceField(choices=ComplianceEvaluation.Result.choices)
    evidence = serializers.CharField(max_length=MAX_TEXT, help_text="What was checked.")
    evaluated_on = serializers.DateField(required=False, allow_null=True, default=None)
    evaluator = MemberField(required=False, allow_null=True, default=None)


class ComplianceEvaluationViewSet(CreateMixin, UpdateMixin, DestroyMixin):
    """Evaluations of compliance (ISO 14001 9.1.2). Completing one schedules the next from the
    obligation's frequency; a partly or not compliant result raises a high-priority action."""

    model = ComplianceEvaluation
    serializer_class = EvaluationSerializer
    filterset_class = EvaluationFilterSet
    input_serializer_classes: ClassVar[dict[str, type[serializers.Serializer]]] = {
        "create": EvaluationCreateSerializer,
        "partial_update": EvaluationUpdateSerializer,
        "complete": EvaluationCompleteSerializer,
    }
    required_roles: ClassVar[dict[str, str]] = {"complete": WRITE, "destroy": MANAGE}

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.validated_input()
        require_role(request, data["obligation"].organisation_id, WRITE)
        evaluation = services.evaluation_schedule(**data)
        return self.respond(evaluation, 201)

    def perform_update(self, instance: ComplianceEvaluation, data: dict[str, Any]) -> ComplianceEvaluation:
        return services.evaluation_update(evaluation=instance, **data)

    def perform_destroy(self, instance: ComplianceEvaluation) -> None:
        services.evaluation_delete(evaluation=instance)

    @decorators.action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: str | None = None) -> Response:
        """Record the result and evidence of a scheduled evaluation."""
        evaluation = self.get_object()
        data = self.validated_input()
        completed = services.evaluation_complete(
            evaluation=evaluation,
            user=request.user,  # type: ignore[arg-type]
            **data,
        )
        return self.respond(completed)
