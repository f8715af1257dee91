"""`nonconformities/` (ISO 9001/14001 10.2): CRUD, the quick `report`, one POST per step of the
life cycle, the root-cause analysis (`causes`, and `nonconformity-causes/` for each entry),
corrective `actions` in the tracker and `similar` past nonconformities."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import decorators, mixins, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from integrum.actions.api import ActionSerializer, RaiseActionSerializer
from integrum.audits.models import Finding
from integrum.context.models import Process
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
from integrum.core.permissions import WRITE
from integrum.environment.models import ComplianceEvaluation
from integrum.improvement import services
from integrum.improvement.filters import NonconformityFilterSet
from integrum.improvement.models import Cause, CauseEntry, Nonconformity
from integrum.improvement.similar import similar_to
from integrum.performance.api.fields import MAX_TEXT, VisibleField
from integrum.risks.models import Risk

NC = Nonconformity
STEPS = list(services.STEP_ROLES)


class CauseEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = CauseEntry
        fields = ["id", "nonconformity", "method", "position", "category", "text", "is_root"]
        read_only_fields = fields


class NonconformitySerializer(serializers.ModelSerializer):
    allowed_transitions = serializers.SerializerMethodField(
        help_text="The steps you may take now (each is a POST to the record's address + the step)."
    )
    causes = CauseEntrySerializer(many=True, read_only=True)

    class Meta:
        model = Nonconformity
        fields = [
            "id",
            "organisation",
            "reference",
            "number",
            "title",
            "description",
            "status",
            "source",
            "finding",
            "evaluation",
            "process",
            "source_detail",
            "site",
            "severity",
            "detected_on",
            "reported_by",
            "owner",
            "containment",
            "correction",
            "root_cause",
            "cause_category",
            "similar",
            "similar_note",
            "risks",
            "causes",
            "effectiveness_due",
            "effectiveness",
            "effectiveness_note",
            "effectiveness_checked_by",
            "effectiveness_checked_on",
            "closed_at",
            "closed_by",
            "closure_justification",
            "times_reopened",
            "allowed_transitions",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=STEPS)))
    def get_allowed_transitions(self, nc: Nonconformity) -> list[str]:
        request = self.context.get("request")
        return services.allowed_steps(nc, request.user if request else None)


class SimilarSerializer(serializers.ModelSerializer):
    class Meta:
        model = Nonconformity
        fields = ["id", "reference", "title", "status", "root_cause", "cause_category", "detected_on"]
        read_only_fields = fields


def _text(**kwargs: Any) -> serializers.CharField:
    return serializers.CharField(max_length=MAX_TEXT, **kwargs)


class NonconformityWriteFields(serializers.ModelSerializer):
    process = VisibleField(Process, required=False, allow_null=True)
    site = SiteField(required=False, allow_null=True)
    owner = MemberField(required=False, allow_null=True)
    risks = VisibleField(Risk, many=True, required=False)
    description = _text()
    containment = _text(required=False, allow_blank=True)
    correction = _text(required=False, allow_blank=True)


class NonconformityCreateSerializer(NonconformityWriteFields):
    organisation = OrganisationField()
    finding = VisibleField(
        Finding, required=False, allow_null=True, help_text="Id of a major or minor finding."
    )
    evaluation = VisibleField(
        ComplianceEvaluation,
        required=False,
        allow_null=True,
        help_text="Id of a failed compliance evaluation.",
    )
    detected_on = serializers.DateField(required=False, allow_null=True, default=None)

    class Meta:
        model = Nonconformity
        fields = [
            "organisation",
            "title",
            "description",
            "source",
            "finding",
            "evaluation",
            "process",
            "source_detail",
            "site",
            "severity",
            "detected_on",
            "owner",
            "containment",
            "correction",
            "risks",
        ]


class NonconformityUpdateSerializer(NonconformityWriteFields):
    root_cause = _text(required=False, allow_blank=True)
    similar_note = _text(required=False, allow_blank=True)
    version = VersionField()

    class Meta:
        model = Nonconformity
        fields = [*sorted(services.EDITABLE_FIELDS), "version"]


class ReportSerializer(serializers.Serializer):
    organisation = OrganisationField()
    title = serializers.CharField(max_length=200, help_text="What happened, in a few words.")
    description = _text()
    site = SiteField(required=False, allow_null=True, default=None)
    detected_on = serializers.DateField(required=False, allow_null=True, default=None)


class TriageSerializer(serializers.Serializer):
    severity = serializers.ChoiceField(choices=NC.Severity.choices)
    owner = MemberField()


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class VerificationSerializer(serializers.Serializer):
    effectiveness_due = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="Default: 30 days from today."
    )


class EffectivenessSerializer(serializers.Serializer):
    result = serializers.ChoiceField(
        choices=NC.Effectiveness.choices, help_text="effective or not_effective (the empty value is refused)."
    )
    note = _text(help_text="What was checked and what it showed.")


class SignedCloseSerializer(serializers.Serializer):
    justification = _text()
    password = serializers.CharField(
        max_length=200, write_only=True, help_text="Your password, as a signature."
    )


class CauseInputSerializer(serializers.Serializer):
    method = serializers.ChoiceField(choices=CauseEntry.Method.choices)
    category = serializers.ChoiceField(
        choices=Cause.choices, required=False, default="", help_text="A 6M category; needed on the fishbone."
    )
    text = _text()
    is_root = serializers.BooleanField(required=False, default=False)


class CauseUpdateSerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=Cause.choices, required=False)
    text = _text(required=False)
    is_root = serializers.BooleanField(required=False)


class NonconformityViewSet(CreateMixin, UpdateMixin, DestroyMixin):
    """Nonconformities of your organisations (10.2) and their life cycle.

    Contributors raise, report, analyse and act on them; managers triage reports, reject, close
    with a signature, reopen and delete (reported or rejected ones only).
    """

    model = Nonconformity
    serializer_class = NonconformitySerializer
    filterset_class = NonconformityFilterSet
    input_serializer_classes: ClassVar[dict[str, type[serializers.Serializer]]] = {
        "create": NonconformityCreateSerializer,
        "partial_update": NonconformityUpdateSerializer,
        "report": ReportSerializer,
        "triage": TriageSerializer,
        "reject": ReasonSerializer,
        "request_verification": VerificationSerializer,
        "record_effectiveness": EffectivenessSerializer,
        "close_signed": SignedCloseSerializer,
        "reopen": ReasonSerializer,
        "causes": CauseInputSerializer,
        "add_action": RaiseActionSerializer,
    }
    required_roles: ClassVar[dict[str, str]] = {
        "report": WRITE,
        "add_action": WRITE,
        **services.STEP_ROLES,
    }

    def get_queryset(self) -> QuerySet[Nonconformity]:
        return super().get_queryset().prefetch_related("risks", "causes")

    def reload(self, nc: Nonconformity) -> Nonconformity:
        return self.get_queryset().get(pk=nc.pk)

    def perform_create(self, data: dict[str, Any]) -> Nonconformity:
        return self.reload(services.nc_create(user=self.request.user, **data))  # type: ignore[arg-type]

    def perform_update(self, instance: Nonconformity, data: dict[str, Any]) -> Nonconformity:
        return self.reload(services.nc_update(nc=instance, **data))

    def perform_destroy(self, instance: Nonconformity) -> None:
        services.nc_delete(nc=instance)

    @extend_schema(responses={201: NonconformitySerializer})
    @decorators.action(detail=False, methods=["post"])
    def report(self, request: Request) -> Response:
        """The quick report (what happened, details, site, date): it waits for a manager's triage."""
        data = self.validated_input()
        self.check_organisation_role(data["organisation"])
        nc = services.nc_report(user=request.user, **data)  # type: ignore[arg-type]
        return self.respond(self.reload(nc), status.HTTP_201_CREATED)

    @decorators.action(detail=True, methods=["post"])
    def triage(self, request: Request, pk: str | None = None) -> Response:
        """Accept a report as an open nonconformity with its severity and owner (managers)."""
        nc = self.get_object()
        data = self.validated_input()
        return self.respond(self.reload(services.nc_triage(nc=nc, user=request.user, **data)))  # type: ignore[arg-type]

    @decorators.action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        """Decide a report is not a nonconformity, with the reason (managers)."""
        nc = self.get_object()
        data = self.validated_input()
        return self.respond(self.reload(services.nc_reject(nc=nc, user=request.user, **data)))  # type: ignore[arg-type]

    @extend_schema(request=None)
    @decorators.action(detail=True, methods=["post"], url_path="start-actions")
    def start_actions(self, request: Request, pk: str | None = None) -> Response:
        """Root cause, category and similar cases recorded, corrective actions planned: act."""
        nc = self.get_object()
        return self.respond(self.reload(services.nc_start_actions(nc=nc, user=request.user)))  # type: ignore[arg-type]

    @decorators.action(detail=True, methods=["post"], url_path="request-verification")
    def request_verification(self, request: Request, pk: str | None = None) -> Response:
        """Every action done or cancelled (one done at least): plan the effectiveness check."""
        nc = self.get_object()
        data = self.validated_input()
        nc = services.nc_request_verification(nc=nc, user=request.user, **data)  # type: ignore[arg-type]
        return self.respond(self.reload(nc))

    @decorators.action(detail=True, methods=["post"], url_path="record-effectiveness")
    def record_effectiveness(self, request: Request, pk: str | None = None) -> Response:
        """Effective closes the nonconformity; not effective sends it back to corrective action."""
        nc = self.get_object()
        data = self.validated_input()
        nc = services.nc_record_effectiveness(nc=nc, user=request.user, **data)  # type: ignore[arg-type]
        return self.respond(self.reload(nc))

    @decorators.action(detail=True, methods=["post"], url_path="close-signed")
    def close_signed(self, request: Request, pk: str | None = None) -> Response:
        """A manager's closure without verified effectiveness, signed with their password."""
        nc = self.get_object()
        data = self.validated_input()
        nc = services.nc_close_signed(nc=nc, user=request.user, **data)  # type: ignore[arg-type]
        return self.respond(self.reload(nc))

    @decorators.action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: str | None = None) -> Response:
        """Reopen a closed nonconformity, with the reason (managers)."""
        nc = self.get_object()
        data = self.validated_input()
        return self.respond(self.reload(services.nc_reopen(nc=nc, user=request.user, **data)))  # type: ignore[arg-type]

    @extend_schema(methods=["GET"], request=None, responses=CauseEntrySerializer(many=True))
    @extend_schema(methods=["POST"], request=CauseInputSerializer, responses={201: CauseEntrySerializer})
    @decorators.action(detail=True, methods=["get", "post"])
    def causes(self, request: Request, pk: str | None = None) -> Response:
        """The root-cause analysis: GET the whys and fishbone causes; POST adds one."""
        nc = self.get_object()
        if request.method == "GET":
            return Response(CauseEntrySerializer(nc.causes.all(), many=True).data)
        data = self.validated_input()
        entry = services.cause_add(nc=nc, **data)
        return Response(CauseEntrySerializer(entry).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=RaiseActionSerializer, responses={201: ActionSerializer})
    @decorators.action(detail=True, methods=["post"], url_path="actions")
    def add_action(self, request: Request, pk: str | None = None) -> Response:
        """Add a corrective action to the tracker with the nonconformity as its source."""
        nc = self.get_object()
        data = self.validated_input()
        require_role(request, nc.organisation_id, WRITE)
        action = services.nc_action_create(nc=nc, created_by=request.user, **data)  # type: ignore[arg-type]
        return Response(ActionSerializer(action, context=self.get_serializer_context()).data, status=201)

    @extend_schema(request=None, responses=SimilarSerializer(many=True))
    @decorators.action(detail=True, methods=["get"])
    def similar(self, request: Request, pk: str | None = None) -> Response:
        """Other nonconformities of the organisation most like this one, best first."""
        nc = self.get_object()
        return Response(SimilarSerializer(similar_to(nc, request.user, limit=10), many=True).data)


class CauseEntryViewSet(UpdateMixin, DestroyMixin, mixins.ListModelMixin):
    """Each line of the root-cause analyses: change its text, category or root-cause mark, or remove it."""

    model = CauseEntry
    serializer_class = CauseEntrySerializer
    input_serializer_classes: ClassVar[dict[str, type[serializers.Serializer]]] = {
        "partial_update": CauseUpdateSerializer,
    }
    required_roles: ClassVar[dict[str, str]] = {"destroy": WRITE}

    def get_queryset(self) -> QuerySet[CauseEntry]:
        visible = Nonconformity.objects.visible_to(self.request.user).values("pk")
        return super().get_queryset().filter(nonconformity__in=visible).select_related("nonconformity")

    def perform_update(self, instance: CauseEntry, data: dict[str, Any]) -> CauseEntry:
        return services.cause_update(entry=instance, **data)

    def perform_destroy(self, instance: CauseEntry) -> None:
        services.cause_delete(entry=instance)
