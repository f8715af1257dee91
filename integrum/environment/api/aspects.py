"""`aspects/` (with `score`) and `significance-methods/` (read; administrators write new versions)."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import decorators, mixins, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from integrum.core.api import (
    CreateMixin,
    DestroyMixin,
    MemberField,
    OrganisationField,
    OrganisationFilterBackend,
    OrganisationOwnedViewSet,
    SiteField,
    UpdateMixin,
    VersionField,
)
from integrum.core.permissions import ADMINISTER, MANAGE, WRITE
from integrum.environment import services
from integrum.environment.api.fields import ObligationField
from integrum.environment.filters import AspectFilterSet
from integrum.environment.models import Aspect, AspectAssessment, SignificanceMethod

MAX_TEXT = 10_000


class AspectSerializer(serializers.ModelSerializer):
    class Meta:
        model = Aspect
        fields = [
            "id",
            "organisation",
            "reference",
            "number",
            "activity",
            "aspect",
            "impact",
            "impact_type",
            "condition",
            "lifecycle_stage",
            "control",
            "existing_controls",
            "obligations",
            "sites",
            "owner",
            "score",
            "significant",
            "assessed_at",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class AspectWriteFields(serializers.ModelSerializer):
    owner = MemberField(required=False, allow_null=True)
    sites = SiteField(many=True, required=False)
    obligations = ObligationField(many=True, required=False)
    existing_controls = serializers.CharField(required=False, allow_blank=True, max_length=MAX_TEXT)


class AspectCreateSerializer(AspectWriteFields):
    organisation = OrganisationField()

    class Meta:
        model = Aspect
        fields = [
            "organisation",
            "activity",
            "aspect",
            "impact",
            "impact_type",
            "condition",
            "lifecycle_stage",
            "control",
            "existing_controls",
            "obligations",
            "sites",
            "owner",
        ]


class AspectUpdateSerializer(AspectWriteFields):
    version = VersionField()

    class Meta:
        model = Aspect
        fields = [*AspectCreateSerializer.Meta.fields[1:], "version"]


class AspectAssessmentSerializer(serializers.ModelSerializer):
    method_revision = serializers.IntegerField(source="method.revision", read_only=True)

    class Meta:
        model = AspectAssessment
        fields = [
            "id",
            "aspect",
            "method",
            "method_revision",
            "scores",
            "total",
            "above_threshold",
            "overridden_by_rule",
            "manual_significant",
            "manual_reason",
            "significant",
            "assessed_by",
            "assessed_at",
        ]
        read_only_fields = fields


class ScoreSerializer(serializers.Serializer):
    scores = serializers.DictField(
        child=serializers.IntegerField(min_value=-(2**31), max_value=2**31 - 1),
        allow_empty=False,
        help_text="Criterion key → whole-number score on that criterion's scale.",
    )
    manual_significant = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Override the method's result (needs a reason).",
    )
    manual_reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=MAX_TEXT)


class AspectViewSet(CreateMixin, UpdateMixin, DestroyMixin):
    """Environmental aspects and impacts (ISO 14001 6.1.2). Contributors add, edit and score them;
    managers delete them."""

    model = Aspect
    serializer_class = AspectSerializer
    filterset_class = AspectFilterSet
    input_serializer_classes: ClassVar[dict[str, type[serializers.Serializer]]] = {
        "create": AspectCreateSerializer,
        "partial_update": AspectUpdateSerializer,
        "score": ScoreSerializer,
    }
    required_roles: ClassVar[dict[str, str]] = {"score": WRITE, "destroy": MANAGE}

    def get_queryset(self) -> QuerySet[Aspect]:
        return super().get_queryset().prefetch_related("sites", "obligations")

    def perform_create(self, data: dict[str, Any]) -> Aspect:
        return services.aspect_create(**data)

    def perform_update(self, instance: Aspect, data: dict[str, Any]) -> Aspect:
        aspect = services.aspect_update(instance=instance, **data)
        return self.get_queryset().get(pk=aspect.pk)

    def perform_destroy(self, instance: Aspect) -> None:
        services.aspect_delete(aspect=instance)

    @extend_schema(responses={201: AspectAssessmentSerializer})
    @decorators.action(detail=True, methods=["post"])
    def score(self, request: Request, pk: str | None = None) -> Response:
        """Score the aspect with its organisation's current significance method."""
        aspect = self.get_object()
        data = self.validated_input()
        assessment = services.aspect_score(
            aspect,
            scores=data["scores"],
            user=request.user,  # type: ignore[arg-type]
            manual_significant=data["manual_significant"],
            manual_reason=data["manual_reason"],
        )
        return Response(AspectAssessmentSerializer(assessment).data, status=status.HTTP_201_CREATED)


# --- Significance methods --------------------------------------------------------------------


class CriterionSerializer(serializers.Serializer):
    key = serializers.CharField(max_length=40)
    label = serializers.CharField(max_length=100)  # type: ignore[assignment]
    scale_min = serializers.IntegerField(min_value=0, max_value=services.MAX_SCALE)
    scale_max = serializers.IntegerField(min_value=0, max_value=services.MAX_SCALE)
    weight = serializers.DecimalField(
        max_digits=5, decimal_places=2, required=False, min_value=0, max_value=services.MAX_WEIGHT
    )


class SignificanceMethodSerializer(serializers.ModelSerializer):
    criteria = CriterionSerializer(many=True, read_only=True)

    class Meta:
        model = SignificanceMethod
        fields = [
            "id",
            "organisation",
            "name",
            "description",
            "revision",
            "is_current",
            "criteria",
            "aggregation",
            "threshold",
            "obligation_override",
            "emergency_criterion",
            "emergency_min",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields


class SignificanceMethodCreateSerializer(serializers.Serializer):
    organisation = OrganisationField()
    based_on_revision = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=2**31 - 1,
        help_text="The version you edited; refused if a newer one exists.",
    )
    name = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False, allow_blank=True, max_length=MAX_TEXT)
    criteria = CriterionSerializer(many=True, required=False, max_length=services.MAX_CRITERIA)  # type: ignore[call-arg]
    aggregation = serializers.ChoiceField(choices=SignificanceMethod.Aggregation.choices, required=False)
    threshold = serializers.DecimalField(max_digits=24, decimal_places=4, min_value=0, required=False)
    obligation_override = serializers.BooleanField(required=False)
    emergency_criterion = serializers.CharField(max_length=40, required=False, allow_blank=True)
    emergency_min = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=services.MAX_SCALE
    )


class SignificanceMethodViewSet(mixins.CreateModelMixin, OrganisationOwnedViewSet):
    """Versions of each organisation's significance method; POST writes the next version
    (administrators). Aspects keep the version they were scored with."""

    model = SignificanceMethod
    serializer_class = SignificanceMethodSerializer
    filter_backends = [OrganisationFilterBackend]
    input_serializer_classes: ClassVar[dict[str, type[serializers.Serializer]]] = {
        "create": SignificanceMethodCreateSerializer,
    }
    required_roles: ClassVar[dict[str, str]] = {"create": ADMINISTER}

    def get_queryset(self) -> QuerySet[SignificanceMethod]:
        return super().get_queryset().order_by("organisation_id", "-revision")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.validated_input()
        organisation = data.pop("organisation")
        self.check_organisation_role(organisation)
        if "criteria" in data:
            data["criteria"] = [
                {**c, "weight": str(c["weight"])} if "weight" in c else dict(c) for c in data["criteria"]
            ]
        method = services.significance_method_revise(
            organisation=organisation,
            user=request.user,  # type: ignore[arg-type]
            based_on_revision=data.pop("based_on_revision", None),
            **data,
        )
        return self.respond(method, status.HTTP_201_CREATED)
