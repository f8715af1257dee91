"""The `risks/` and `risk-matrices/` collections (ISO 9001/14001 6.1), written through `risks.services`."""

from __future__ import annotations

from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import decorators, serializers
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
from integrum.core.permissions import ADMINISTER, WRITE
from integrum.risks import scoring, services, sources
from integrum.risks.filters import RiskFilterSet
from integrum.risks.models import Level, Risk, RiskMatrix
from integrum.standards.models import Standard

MAX_LEVEL = scoring.MAX_SIZE


class BandSerializer(serializers.Serializer):
    up_to = serializers.IntegerField(
        min_value=1, max_value=MAX_LEVEL * MAX_LEVEL, help_text="Highest score in the band."
    )
    label = serializers.CharField(max_length=scoring.MAX_LABEL)  # type: ignore[assignment]
    level = serializers.ChoiceField(choices=Level.choices)


class RiskMatrixSerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(source="number", read_only=True, help_text="The matrix version.")
    bands = BandSerializer(many=True, read_only=True)
    likelihood_labels = serializers.ListField(child=serializers.CharField(), read_only=True)
    consequence_labels = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = RiskMatrix
        fields = [
            "id",
            "organisation",
            "version",
            "is_current",
            "size",
            "likelihood_labels",
            "consequence_labels",
            "bands",
            "note",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields


class RiskMatrixCreateSerializer(serializers.Serializer):
    organisation = OrganisationField()
    based_on = serializers.IntegerField(
        min_value=1,
        max_value=2**31 - 1,
        help_text="The version in force you are changing; 409-like 400 if stale.",
    )
    size = serializers.IntegerField(min_value=scoring.MIN_SIZE, max_value=scoring.MAX_SIZE)
    likelihood_labels = serializers.ListField(
        child=serializers.CharField(max_length=scoring.MAX_LABEL), max_length=scoring.MAX_SIZE
    )
    consequence_labels = serializers.ListField(
        child=serializers.CharField(max_length=scoring.MAX_LABEL), max_length=scoring.MAX_SIZE
    )
    bands = BandSerializer(many=True, max_length=MAX_LEVEL * MAX_LEVEL)  # type: ignore[call-arg]
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class RiskMatrixViewSet(CreateMixin):
    """Versions of your organisations' risk matrices (newest first).

    Everyone reads them; administrators put a new version in force with POST (versions are never edited).
    """

    model = RiskMatrix
    serializer_class = RiskMatrixSerializer
    filterset_class = None
    input_serializer_classes: ClassVar[dict[str, type[serializers.Serializer]]] = {
        "create": RiskMatrixCreateSerializer
    }
    required_roles: ClassVar[dict[str, str]] = {"create": ADMINISTER}

    def perform_create(self, data: dict[str, Any]) -> RiskMatrix:
        return services.risk_matrix_change(
            organisation=data["organisation"],
            size=data["size"],
            likelihood_labels=data["likelihood_labels"],
            consequence_labels=data["consequence_labels"],
            bands=[dict(band) for band in data["bands"]],
            based_on=data["based_on"],
            note=data["note"],
            created_by=self.request.user,  # type: ignore[arg-type]
        )


class RiskSerializer(serializers.ModelSerializer):
    matrix_version = serializers.IntegerField(source="matrix.number", read_only=True)
    standards: Any = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    source_type = serializers.SerializerMethodField(help_text="Kind of record it comes from, as app.model.")
    allowed_transitions = serializers.SerializerMethodField(help_text="Statuses the risk may move to now.")
    is_review_due = serializers.BooleanField(read_only=True)

    class Meta:
        model = Risk
        fields = [
            "id",
            "organisation",
            "reference",
            "number",
            "kind",
            "title",
            "description",
            "standards",
            "source_type",
            "source_id",
            "cause",
            "effect",
            "matrix",
            "matrix_version",
            "inherent_likelihood",
            "inherent_consequence",
            "inherent_score",
            "inherent_level",
            "existing_controls",
            "treatment",
            "residual_likelihood",
            "residual_consequence",
            "residual_score",
            "residual_level",
            "owner",
            "review_date",
            "is_review_due",
            "status",
            "allowed_transitions",
            "created_by",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_source_type(self, risk: Risk) -> str | None:
        if risk.source_type is None:
            return None
        return f"{risk.source_type.app_label}.{risk.source_type.model}"

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=Risk.Status.choices)))
    def get_allowed_transitions(self, risk: Risk) -> list[str]:
        return list(services.allowed_transitions(risk))


def level_field(**kwargs: Any) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_LEVEL, **kwargs)


class RiskWriteSerializer(serializers.ModelSerializer):
    owner = MemberField(required=False, allow_null=True)
    standards: Any = serializers.SlugRelatedField(
        slug_field="code",
        many=True,
        queryset=Standard.objects.all(),
        help_text='Codes of the standards it concerns, e.g. ["ISO 9001", "ISO 14001"].',
    )
    source_type = serializers.ChoiceField(
        choices=list(sources.SOURCE_KINDS.items()), required=False, allow_blank=True, help_text="app.model"
    )
    source_id = serializers.IntegerField(min_value=1, max_value=2**63 - 1, required=False, allow_null=True)
    inherent_likelihood = level_field()
    inherent_consequence = level_field()
    residual_likelihood = level_field(required=False, allow_null=True)
    residual_consequence = level_field(required=False, allow_null=True)

    class Meta:
        model = Risk
        fields = [
            "kind",
            "title",
            "description",
            "standards",
            "source_type",
            "source_id",
            "cause",
            "effect",
            "inherent_likelihood",
            "inherent_consequence",
            "existing_controls",
            "treatment",
            "residual_likelihood",
            "residual_consequence",
            "owner",
            "review_date",
        ]


class RiskCreateSerializer(RiskWriteSerializer):
    organisation = OrganisationField()

    class Meta(RiskWriteSerializer.Meta):
        fields = ["organisation", *RiskWriteSerializer.Meta.fields]


class RiskUpdateSerializer(RiskWriteSerializer):
    version = VersionField()

    class Meta(RiskWriteSerializer.Meta):
        fields = [*RiskWriteSerializer.Meta.fields, "version"]


class RiskTransitionSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=Risk.Status.choices, help_text="The status to move to.")


class RiskViewSet(CreateMixin, UpdateMixin, DestroyMixin):
    """Risks and opportunities of your organisations (one register for ISO 9001 and ISO 14001).

    Contributors register, edit, move them along the workflow and raise treatment actions;
    managers also delete them. Scores are computed on the organisation's current matrix.
    """

    model = Risk
    serializer_class = RiskSerializer
    filterset_class = RiskFilterSet
    input_serializer_classes: ClassVar[dict[str, type[serializers.Serializer]]] = {
        "create": RiskCreateSerializer,
        "partial_update": RiskUpdateSerializer,
        "transition": RiskTransitionSerializer,
        "raise_action": RaiseActionSerializer,
    }
    required_roles: ClassVar[dict[str, str]] = {"transition": WRITE, "raise_action": WRITE}

    def get_queryset(self) -> QuerySet[Risk]:
        return super().get_queryset().select_related("matrix", "source_type").prefetch_related("standards")

    def _source(self, data: dict[str, Any], organisation: Any) -> Any:
        key, pk = data.pop("source_type", None), data.pop("source_id", None)
        if not key and pk is None:
            return None
        if not key or pk is None:
            raise ValidationError({"source_type": "Give both source_type and source_id, or neither."})
        return sources.resolve(f"{key}:{pk}", self.request.user, organisation)

    def perform_create(self, data: dict[str, Any]) -> Risk:
        organisation = data["organisation"]
        source = self._source(data, organisation)
        return services.risk_create(created_by=self.request.user, source=source, **data)  # type: ignore[arg-type]

    def perform_update(self, instance: Risk, data: dict[str, Any]) -> Risk:
        if "source_type" in data or "source_id" in data:
            data["source"] = self._source(data, instance.organisation)
        return services.risk_update(risk=instance, **data)

    def perform_destroy(self, instance: Risk) -> None:
        services.risk_delete(risk=instance)

    @decorators.action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: str | None = None) -> Response:
        """Move the risk along its workflow: open → treated → closed, or reopen."""
        risk = self.get_object()
        data = self.validated_input()
        return self.respond(services.risk_transition(risk=risk, to=data["to"]))

    @extend_schema(responses={201: ActionSerializer})
    @decorators.action(detail=True, methods=["post"], url_path="actions")
    def raise_action(self, request: Request, pk: str | None = None) -> Response:
        """Raise a treatment action in the action tracker, with this risk as its source."""
        risk = self.get_object()
        data = self.validated_input()
        require_role(request, risk.organisation_id, WRITE)
        action = services.risk_action_raise(risk=risk, created_by=request.user, **data)  # type: ignore[arg-type]
        return Response(ActionSerializer(action, context=self.get_serializer_context()).data, status=201)
