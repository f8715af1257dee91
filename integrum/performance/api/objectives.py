"""`objectives/` (ISO 9001/14001 6.2): status and progress computed from the KPI, `cancel`,
`reinstate` and `actions` (plan an action in the tracker)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any, ClassVar

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import decorators, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from integrum.actions.api import ActionSerializer, RaiseActionSerializer
from integrum.core.api import (
    CreateMixin,
    DestroyMixin,
    MemberField,
    OrganisationField,
    UpdateMixin,
    VersionField,
)
from integrum.core.api_policy import require_role
from integrum.core.permissions import MANAGE, WRITE
from integrum.environment.models import Aspect, ComplianceObligation
from integrum.performance import services
from integrum.performance.api.fields import MAX_TEXT, VisibleField, amount_field, standards_field
from integrum.performance.filters import ObjectiveFilterSet
from integrum.performance.models import Kpi, Objective
from integrum.performance.selectors import Progress, member_sites, objectives_progress
from integrum.risks.models import Risk


class ProgressSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="Why the objective has its status, in a sentence.")
    latest_value = amount_field(source="latest.value", allow_null=True, default=None)
    latest_period = serializers.DateField(source="latest.period", allow_null=True, default=None)
    baseline = amount_field(allow_null=True)
    target = amount_field(allow_null=True)
    percent = serializers.DecimalField(
        max_digits=12,
        decimal_places=1,
        allow_null=True,
        help_text="Of the way from the baseline to the target.",
    )
    expected = serializers.DecimalField(
        max_digits=12,
        decimal_places=1,
        allow_null=True,
        help_text="Of the time from start to due date elapsed.",
    )


class ObjectiveSerializer(serializers.ModelSerializer):
    standards: Any = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    status = serializers.SerializerMethodField(
        help_text="Computed from the KPI's latest value and the dates."
    )
    progress = serializers.SerializerMethodField()

    class Meta:
        model = Objective
        fields = [
            "id",
            "organisation",
            "reference",
            "number",
            "title",
            "statement",
            "standards",
            "kpi",
            "baseline_value",
            "baseline_date",
            "target_value",
            "start_date",
            "due_date",
            "owner",
            "resources",
            "evaluation",
            "risks",
            "aspects",
            "obligations",
            "is_cancelled",
            "status",
            "progress",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def _progress(self, objective: Objective) -> Progress | None:
        progress: Progress | None = self.context.get("progress", {}).get(objective.pk)
        return progress

    @extend_schema_field(serializers.ChoiceField(choices=Objective.Status.choices))
    def get_status(self, objective: Objective) -> str:
        progress = self._progress(objective)
        return progress.status if progress else Objective.Status.NO_DATA

    @extend_schema_field(ProgressSerializer)
    def get_progress(self, objective: Objective) -> dict[str, Any] | None:
        progress = self._progress(objective)
        return dict(ProgressSerializer(progress).data) if progress else None


class ObjectiveWriteFields(serializers.ModelSerializer):
    standards = standards_field()
    owner = MemberField(required=False, allow_null=True)
    kpi = VisibleField(Kpi, required=False, allow_null=True, help_text="Id of the KPI that measures it.")
    risks = VisibleField(Risk, many=True, required=False)
    aspects = VisibleField(Aspect, many=True, required=False)
    obligations = VisibleField(ComplianceObligation, many=True, required=False)
    statement = serializers.CharField(max_length=MAX_TEXT)
    resources = serializers.CharField(required=False, allow_blank=True, max_length=MAX_TEXT)
    evaluation = serializers.CharField(required=False, allow_blank=True, max_length=MAX_TEXT)
    baseline_value = amount_field(required=False, allow_null=True)
    target_value = amount_field(required=False, allow_null=True)


OBJECTIVE_WRITE_FIELDS = [
    "title",
    "statement",
    "standards",
    "kpi",
    "baseline_value",
    "baseline_date",
    "target_value",
    "start_date",
    "due_date",
    "owner",
    "resources",
    "evaluation",
    "risks",
    "aspects",
    "obligations",
]


class ObjectiveCreateSerializer(ObjectiveWriteFields):
    organisation = OrganisationField()

    class Meta:
        model = Objective
        fields = ["organisation", *OBJECTIVE_WRITE_FIELDS]


class ObjectiveUpdateSerializer(ObjectiveWriteFields):
    version = VersionField()

    class Meta:
        model = Objective
        fields = [*OBJECTIVE_WRITE_FIELDS, "version"]


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=400, help_text="Why the objective no longer applies.")


def progress_of(user: Any, objectives: list[Objective]) -> dict[int, Progress]:
    """Progress of objectives of possibly several organisations, each narrowed to the user's sites there."""
    by_organisation: dict[int, list[Objective]] = defaultdict(list)
    for objective in objectives:
        by_organisation[objective.organisation_id].append(objective)
    found: dict[int, Progress] = {}
    for organisation_id, group in by_organisation.items():
        found.update(objectives_progress(group, sites=member_sites(user, organisation_id)))
    return found


class ObjectiveViewSet(CreateMixin, UpdateMixin, DestroyMixin):
    """Objectives of your organisations (6.2). `status` and `progress` are computed from the KPI.

    Contributors set, edit and plan actions for them; managers cancel, reinstate and delete them.
    The `status` filter applies to the computed status.
    """

    model = Objective
    serializer_class = ObjectiveSerializer
    filterset_class = ObjectiveFilterSet
    input_serializer_classes: ClassVar[dict[str, type[serializers.Serializer]]] = {
        "create": ObjectiveCreateSerializer,
        "partial_update": ObjectiveUpdateSerializer,
        "cancel": CancelSerializer,
        "plan_action": RaiseActionSerializer,
    }
    required_roles: ClassVar[dict[str, str]] = {"cancel": MANAGE, "reinstate": MANAGE, "plan_action": WRITE}

    def get_queryset(self) -> QuerySet[Objective]:
        return super().get_queryset().prefetch_related("standards", "risks", "aspects", "obligations")

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        filterset = ObjectiveFilterSet(request.query_params, queryset=self.get_queryset(), request=request)
        queryset = self.filter_queryset(self.get_queryset())
        wanted = filterset.statuses
        page: list[Objective] | None
        if wanted:
            everything = list(queryset)
            progress = progress_of(request.user, everything)
            rows = [o for o in everything if progress[o.pk].status in wanted]
            page = self.paginate_queryset(rows)  # type: ignore[arg-type]
        else:
            page = self.paginate_queryset(queryset)
            progress = progress_of(request.user, list(page or []))
        context = {**self.get_serializer_context(), "progress": progress}
        return self.get_paginated_response(ObjectiveSerializer(page, many=True, context=context).data)

    def respond(self, instance: Any, status_code: int = status.HTTP_200_OK) -> Response:
        context = {**self.get_serializer_context(), "progress": progress_of(self.request.user, [instance])}
        return Response(ObjectiveSerializer(instance, context=context).data, status=status_code)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.respond(self.get_object())

    def perform_create(self, data: dict[str, Any]) -> Objective:
        objective = services.objective_create(**data)
        return self.get_queryset().get(pk=objective.pk)

    def perform_update(self, instance: Objective, data: dict[str, Any]) -> Objective:
        objective = services.objective_update(objective=instance, **data)
        return self.get_queryset().get(pk=objective.pk)

    def perform_destroy(self, instance: Objective) -> None:
        services.objective_delete(objective=instance)

    @decorators.action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """Cancel an objective that no longer applies, with the reason."""
        objective = self.get_object()
        data = self.validated_input()
        services.objective_cancel(objective=objective, reason=data["reason"])
        return self.respond(self.get_queryset().get(pk=objective.pk))

    @extend_schema(request=None)
    @decorators.action(detail=True, methods=["post"])
    def reinstate(self, request: Request, pk: str | None = None) -> Response:
        """Make a cancelled objective active again."""
        objective = self.get_object()
        services.objective_reinstate(objective=objective)
        return self.respond(self.get_queryset().get(pk=objective.pk))

    @extend_schema(responses={201: ActionSerializer})
    @decorators.action(detail=True, methods=["post"], url_path="actions")
    def plan_action(self, request: Request, pk: str | None = None) -> Response:
        """Plan an action to achieve the objective, in the action tracker with the objective as its source."""
        objective = self.get_object()
        data = self.validated_input()
        require_role(request, objective.organisation_id, WRITE)
        action = services.objective_action_create(objective=objective, created_by=request.user, **data)  # type: ignore[arg-type]
        return Response(ActionSerializer(action, context=self.get_serializer_context()).data, status=201)
