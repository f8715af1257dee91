"""`audit-programmes/` (with `plan`), `auditors/`, `audits/` (with `transition`, `checklist`,
`generate-checklist` and `report`), `checklist-items/`, `findings/` and `grade-definitions/`
(ISO 9001/14001 9.2)."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db.models import QuerySet
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import decorators, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from integrum.audits import services
from integrum.audits.filters import (
    AuditFilterSet,
    AuditorFilterSet,
    ChecklistItemFilterSet,
    FindingFilterSet,
    ProgrammeFilterSet,
)
from integrum.audits.models import Audit, Auditor, AuditProgramme, ChecklistItem, Finding, GradeDefinition
from integrum.audits.report import report_context
from integrum.audits.selectors import programme_plan
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
from integrum.core.exports import pdf_response
from integrum.core.permissions import MANAGE, READ, WRITE, memberships_of
from integrum.performance.api.fields import MAX_TEXT, VisibleField, standards_field
from integrum.standards.models import Clause


def standard_codes() -> Any:
    return serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)


def clause_field(**kwargs: Any) -> serializers.PrimaryKeyRelatedField[Clause]:
    kwargs.setdefault("help_text", "Id of a clause of the standards library.")
    return serializers.PrimaryKeyRelatedField(queryset=Clause.objects.all(), **kwargs)


# --- Programmes ------------------------------------------------------------------------------


class ProgrammeSerializer(serializers.ModelSerializer):
    standards: Any = standard_codes()

    class Meta:
        model = AuditProgramme
        fields = [
            "id",
            "organisation",
            "reference",
            "number",
            "title",
            "start_date",
            "end_date",
            "standards",
            "objectives",
            "method",
            "manager",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


PROGRAMME_WRITE = ["title", "start_date", "end_date", "standards", "objectives", "method", "manager"]


class ProgrammeWriteFields(serializers.ModelSerializer):
    standards = standards_field()
    manager = MemberField(required=False, allow_null=True)
    objectives = serializers.CharField(required=False, allow_blank=True, max_length=MAX_TEXT)
    method = serializers.CharField(required=False, allow_blank=True, max_length=MAX_TEXT)


class ProgrammeCreateSerializer(ProgrammeWriteFields):
    organisation = OrganisationField()

    class Meta:
        model = AuditProgramme
        fields = ["organisation", *PROGRAMME_WRITE]


class ProgrammeUpdateSerializer(ProgrammeWriteFields):
    version = VersionField()

    class Meta:
        model = AuditProgramme
        fields = [*PROGRAMME_WRITE, "version"]


class PlanRowSerializer(serializers.Serializer):
    process = serializers.IntegerField(source="process.pk")
    process_reference = serializers.CharField(source="process.reference")
    process_name = serializers.CharField(source="process.name")
    risk_level = serializers.CharField(
        allow_null=True, help_text="Highest level of its open risks; null: unknown."
    )
    majors = serializers.IntegerField(help_text="Major nonconformities in its last audit.")
    minors = serializers.IntegerField(help_text="Minor nonconformities in its last audit.")
    last_audit = serializers.SerializerMethodField()
    last_audited = serializers.DateField(allow_null=True)
    interval_months = serializers.IntegerField()
    reason = serializers.CharField()
    next_due = serializers.DateField()
    planned_audit = serializers.SerializerMethodField()
    due_not_planned = serializers.BooleanField()

    @extend_schema_field(OpenApiTypes.INT)
    def get_last_audit(self, row: Any) -> int | None:
        return row.last_audit["pk"] if row.last_audit else None

    @extend_schema_field(OpenApiTypes.INT)
    def get_planned_audit(self, row: Any) -> int | None:
        return row.planned_audit["pk"] if row.planned_audit else None


class AuditProgrammeViewSet(CreateMixin, UpdateMixin, DestroyMixin):
    """Audit programmes (9.2.2); `plan` lists each active process with its suggested audit interval."""

    model = AuditProgramme
    serializer_class = ProgrammeSerializer
    filterset_class = ProgrammeFilterSet
    input_serializer_classes: ClassVar[dict[str, type[serializers.Serializer]]] = {
        "create": ProgrammeCreateSerializer,
        "partial_update": ProgrammeUpdateSerializer,
    }

    def get_queryset(self) -> QuerySet[AuditProgramme]:
        return super().get_queryset().prefetch_related("standards")

    def perform_create(self, data: dict[str, Any]) -> AuditProgramme:
        programme = services.programme_create(**data)
        return self.get_queryset().get(pk=programme.pk)

    def perform_update(self, instance: AuditProgramme, data: dict[str, Any]) -> AuditProgramme:
        services.programme_update(programme=instance, **data)
        return self.get_queryset().get(pk=instance.pk)

    def perform_destroy(self, instance: AuditProgramme) -> None:
        services.programme_delete(programme=instance)

    @extend_schema(responses={200: PlanRowSerializer(many=True)})
    @decorators.action(detail=True, methods=["get"])
    def plan(self, request: Request, pk: str | None = None) -> Response:
        """One row per active process: risk, last audit and its findings, interval, next due, planned audit."""
        programme = self.get_object()
        return Response(PlanRowSerializer(programme_plan(programme), many=True).data)


# --- Auditors --------------------------------------------------------------------------------


class AuditorSerializer(serializers.ModelSerializer):
    standards: Any = standard_codes()

    class Meta:
        model = Auditor
        fields = [
            "id",
            "organisation",
            "user",
            "qualifications",
            "standards",
            "own_processes",
            "is_active",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class AuditorWriteFields(serializers.ModelSerializer):
    standards = standards_field(required=False)
    own_processes = VisibleField(Process, many=True, required=False)
    qualifications = serializers.CharField(required=False, allow_blank=True, max_length=MAX_TEXT)


class AuditorCreateSerializer(AuditorWriteFields):
    organisation = OrganisationField()
    user = MemberField()

    class Meta:
        model = Auditor
        fields = ["organisation", "user", "qualifications", "standards", "own_processes", "is_active"]
        validators: ClassVar[list[Any]] = []


class AuditorUpdateSerializer(AuditorWriteFields):
    version = VersionField()

    class Meta:
        model = Auditor
        fields = ["qualifications", "standards", "own_processes", "is_active", "version"]


class AuditorViewSet(CreateMixin, UpdateMixin, DestroyMixin):
    """The register of internal auditors; managers keep it."""

    model = Auditor
    serializer_class = AuditorSerializer
    filterset_class = AuditorFilterSet
    input_serializer_classes: ClassVar[dict[str, type[serializers.Serializer]]] = {
        "create": AuditorCreateSerializer,
        "partial_update": AuditorUpdateSerializer,
    }
    required_roles: ClassVar[dict[str, str]] = {"create": MANAGE, "partial_update": MANAGE, "destroy": MANAGE}

    def get_queryset(self) -> QuerySet[Auditor]:
        return super().get_queryset().prefetch_related("standards", "own_processes")

    def perform_create(self, data: dict[str, Any]) -> Auditor:
        auditor = services.auditor_create(**data)
        return self.get_queryset().get(pk=auditor.pk)

    def perform_update(self, instance: Auditor, data: dict[str, Any]) -> Auditor:
        services.auditor_update(auditor=instance, **data)
        return self.get_queryset().get(pk=instance.pk)

    def perform_destroy(self, instance: Auditor) -> None:
        services.auditor_delete(auditor=instance)


# --- Audits ----------------------------------------------------------------------------------


class AuditSerializer(serializers.ModelSerializer):
    standards: Any = standard_codes()
    allowed_transitions = serializers.SerializerMethodField(help_text="Statuses the audit may move to next.")
    independence_warnings = serializers.SerializerMethodField(
        help_text="Team members auditing their own process or work, or not registered as active auditors."
    )

    class Meta:
        model = Audit
        fields = [
            "id",
            "organisation",
            "reference",
            "number",
            "programme",
            "title",
            "scope",
            "standards",
            "clauses",
            "processes",
            "sites",
            "lead_auditor",
            "team",
            "planned_start",
            "planned_end",
            "started_on",
            "reported_on",
            "closed_on",
            "status",
            "summary",
            "allowed_transitions",
            "independence_warnings",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=Audit.Status.choices)))
    def get_allowed_transitions(self, audit: Audit) -> list[str]:
        return services.allowed_transitions(audit)

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_independence_warnings(self, audit: Audit) -> list[str]:
        auditors = self.context.get("auditors")
        if auditors is None:
            auditors = services.auditors_of([audit])
        return services.independence_warnings(audit, auditors)


AUDIT_WRITE = [
    "programme",
    "title",
    "scope",
    "standards",
    "clauses",
    "processes",
    "sites",
    "lead_auditor",
    "team",
    "planned_start",
    "planned_end",
    "summary",
]


class AuditWriteFields(serializers.ModelSerializer):
    programme = VisibleField(AuditProgramme, required=False, allow_null=True)
    standards = standards_field()
    clauses = clause_field(many=True, required=False)
    processes = VisibleField(Process, many=True, required=False)
    sites = SiteField(many=True, required=False)
    lead_auditor = MemberField(required=False, allow_null=True)
    team = MemberField(many=True, required=False)
    scope = serializers.CharField(max_length=MAX_TEXT)
    summary = serializers.CharField(required=False, allow_blank=True, max_length=MAX_TEXT)


class AuditCreateSerializer(AuditWriteFields):
    organisation = OrganisationField()

    class Meta:
        model = Audit
        fields = ["organisation", *AUDIT_WRITE]


class AuditUpdateSerializer(AuditWriteFields):
    version = VersionField()

    class Meta:
        model = Audit
        fields = [*AUDIT_WRITE, "version"]


class TransitionSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=Audit.Status.choices, help_text="The status to move to.")


class ChecklistItemSerializer(serializers.ModelSerializer):
    attachments = serializers.SerializerMethodField(
        help_text="Ids of the evidence files (download via the pages)."
    )

    class Meta:
        model = ChecklistItem
        fields = [
            "id",
            "organisation",
            "audit",
            "position",
            "clause",
            "question",
            "is_custom",
            "answer",
            "notes",
            "answered_by",
            "answered_at",
            "attachments",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_attachments(self, item: ChecklistItem) -> list[int]:
        files: dict[int, list[int]] | None = self.context.get("files")
        if files is None:
            files = _attachment_ids([item])
        return files.get(item.pk, [])


def _attachment_ids(items: list[ChecklistItem]) -> dict[int, list[int]]:
    from django.contrib.contenttypes.models import ContentType

    from integrum.core.models import Attachment

    found: dict[int, list[int]] = {}
    for pk, object_id in Attachment.objects.filter(
        content_type=ContentType.objects.get_for_model(ChecklistItem),
        object_id__in=[str(item.pk) for item in items],
    ).values_list("pk", "object_id"):
        found.setdefault(int(object_id), []).append(pk)
    return found


class GeneratedSerializer(serializers.Serializer):
    added = serializers.IntegerField(help_text="How many questions were added.")
    checklist = ChecklistItemSerializer(many=True)


class AuditViewSet(CreateMixin, UpdateMixin, DestroyMixin):
    """Internal audits (9.2). Contributors plan and run them (the lead auditor, the team or a manager
    moves one along); managers delete planned ones."""

    model = Audit
    serializer_class = AuditSerializer
    filterset_class = AuditFilterSet
    input_serializer_classes: ClassVar[dict[str, type[serializers.Serializer]]] = {
        "create": AuditCreateSerializer,
        "partial_update": AuditUpdateSerializer,
        "transition": TransitionSerializer,
    }
    required_roles: ClassVar[dict[str, str]] = {
        "transition": WRITE,
        "generate_checklist": WRITE,
        "checklist": READ,
        "report": READ,
    }

    def get_queryset(self) -> QuerySet[Audit]:
        return (
            super()
            .get_queryset()
            .select_related("lead_auditor")
            .prefetch_related("standards", "clauses", "processes", "sites", "team")
        )

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        context.update(getattr(self, "extra_context", {}))
        return context

    def paginate_queryset(self, queryset: Any) -> list[Any] | None:
        page = super().paginate_queryset(queryset)
        if page is not None:
            self.extra_context = {"auditors": services.auditors_of(page)}
        return page

    def perform_create(self, data: dict[str, Any]) -> Audit:
        audit = services.audit_create(**data)
        return self.get_queryset().get(pk=audit.pk)

    def perform_update(self, instance: Audit, data: dict[str, Any]) -> Audit:
        services.audit_update(audit=instance, **data)
        return self.get_queryset().get(pk=instance.pk)

    def perform_destroy(self, instance: Audit) -> None:
        services.audit_delete(audit=instance)

    @decorators.action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: str | None = None) -> Response:
        """Move the audit one step: planned → prepared → in progress → reported → closed, or cancelled."""
        audit = self.get_object()
        data = self.validated_input()
        require_role(request, audit.organisation_id, WRITE)
        services.audit_transition(audit=audit, to=data["to"], user=request.user)  # type: ignore[arg-type]
        return self.respond(self.get_queryset().get(pk=audit.pk))

    @extend_schema(responses={200: ChecklistItemSerializer(many=True)})
    @decorators.action(detail=True, methods=["get"])
    def checklist(self, request: Request, pk: str | None = None) -> Response:
        """The audit's checklist in order, with answers."""
        audit = self.get_object()
        items = list(audit.checklist.all())
        context = {**super().get_serializer_context(), "files": _attachment_ids(items)}
        return Response(ChecklistItemSerializer(items, many=True, context=context).data)

    @extend_schema(request=None, responses={200: GeneratedSerializer})
    @decorators.action(detail=True, methods=["post"], url_path="generate-checklist")
    def generate_checklist(self, request: Request, pk: str | None = None) -> Response:
        """Add the audit questions of the chosen clauses (planned or prepared audits); custom items and answers stay."""
        audit = self.get_object()
        require_role(request, audit.organisation_id, WRITE)
        added = services.checklist_generate(audit=audit)
        items = list(audit.checklist.all())
        context = {**super().get_serializer_context(), "files": _attachment_ids(items)}
        return Response(
            {"added": added, "checklist": ChecklistItemSerializer(items, many=True, context=context).data}
        )

    @extend_schema(
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The report as PDF.")
        }
    )
    @decorators.action(detail=True, methods=["get"])
    def report(self, request: Request, pk: str | None = None) -> HttpResponse:
        """The audit report as PDF."""
        audit = self.get_object()
        return pdf_response(f"{audit.reference}-report", "audits/report.html", report_context(audit), request)


# --- Checklist items -------------------------------------------------------------------------


class ChecklistItemCreateSerializer(serializers.Serializer):
    audit = VisibleField(Audit, help_text="Id of the audit.")
    question = serializers.CharField(max_length=2000)
    clause = clause_field(required=False, allow_null=True, default=None)


class ChecklistItemAnswerSerializer(serializers.Serializer):
    answer = serializers.ChoiceField(choices=[c for c in ChecklistItem.Answer.choices if c[0]])
    notes = serializers.CharField(required=False, allow_blank=True, default="", max_length=MAX_TEXT)
    version = VersionField()


class ChecklistItemViewSet(UpdateMixin):
    """Checklist items of audits: POST adds the auditor's own question, PATCH records an answer
    (while the audit is in progress; nonconforming and observation need notes)."""

    model = ChecklistItem
    serializer_class = ChecklistItemSerializer
    filterset_class = ChecklistItemFilterSet
    input_serializer_classes: ClassVar[dict[str, type[serializers.Serializer]]] = {
        "create": ChecklistItemCreateSerializer,
        "partial_update": ChecklistItemAnswerSerializer,
    }

    def get_queryset(self) -> QuerySet[ChecklistItem]:
        return super().get_queryset().select_related("audit")

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        items = list(page or [])
        context = {**self.get_serializer_context(), "files": _attachment_ids(items)}
        return self.get_paginated_response(ChecklistItemSerializer(items, many=True, context=context).data)

    @extend_schema(request=ChecklistItemCreateSerializer, responses={201: ChecklistItemSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.validated_input()
        audit = data["audit"]
        require_role(request, audit.organisation_id, WRITE)
        item = services.checklist_item_add(audit=audit, question=data["question"], clause=data["clause"])
        return self.respond(item, status.HTTP_201_CREATED)

    def perform_update(self, instance: ChecklistItem, data: dict[str, Any]) -> ChecklistItem:
        return services.checklist_item_answer(
            item=instance,
            answer=data.get("answer", instance.answer),
            notes=data.get("notes", instance.notes),
            version=data["version"],
            user=self.request.user,  # type: ignore[arg-type]
        )


# --- Findings --------------------------------------------------------------------------------


class FindingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Finding
        fields = [
            "id",
            "organisation",
            "reference",
            "number",
            "audit",
            "checklist_item",
            "grade",
            "clause",
            "statement",
            "evidence",
            "process",
            "site",
            "raised_by",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class FindingWriteFields(serializers.ModelSerializer):
    clause = clause_field()
    checklist_item = VisibleField(ChecklistItem, required=False, allow_null=True)
    process = VisibleField(Process, required=False, allow_null=True)
    site = SiteField(required=False, allow_null=True)
    statement = serializers.CharField(max_length=MAX_TEXT)
    evidence = serializers.CharField(required=False, allow_blank=True, default="", max_length=MAX_TEXT)


class FindingCreateSerializer(FindingWriteFields):
    audit = VisibleField(Audit, help_text="Id of the audit (in progress or reported).")

    class Meta:
        model = Finding
        fields = ["audit", "grade", "clause", "statement", "evidence", "checklist_item", "process", "site"]


class FindingUpdateSerializer(FindingWriteFields):
    version = VersionField()
    evidence = serializers.CharField(required=False, allow_blank=True, max_length=MAX_TEXT)

    class Meta:
        model = Finding
        fields = ["grade", "clause", "statement", "evidence", "checklist_item", "process", "site", "version"]


class FindingViewSet(UpdateMixin, DestroyMixin):
    """Graded audit findings, each against a clause of the audit's standards."""

    model = Finding
    serializer_class = FindingSerializer
    filterset_class = FindingFilterSet
    input_serializer_classes: ClassVar[dict[str, type[serializers.Serializer]]] = {
        "create": FindingCreateSerializer,
        "partial_update": FindingUpdateSerializer,
    }

    @extend_schema(request=FindingCreateSerializer, responses={201: FindingSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.validated_input()
        require_role(request, data["audit"].organisation_id, WRITE)
        finding = services.finding_create(user=request.user, **data)  # type: ignore[arg-type]
        return self.respond(finding, status.HTTP_201_CREATED)

    def perform_update(self, instance: Finding, data: dict[str, Any]) -> Finding:
        return services.finding_update(finding=instance, **data)

    def perform_destroy(self, instance: Finding) -> None:
        services.finding_delete(finding=instance)


# --- Grade definitions -----------------------------------------------------------------------


class GradeDefinitionSerializer(serializers.ModelSerializer):
    class Meta:
        model = GradeDefinition
        fields = ["id", "organisation", "grade", "definition", "response", "version", "updated_at"]
        read_only_fields = fields


class GradeDefinitionUpdateSerializer(serializers.Serializer):
    definition = serializers.CharField(max_length=MAX_TEXT)
    response = serializers.CharField(required=False, allow_blank=True, default="", max_length=MAX_TEXT)
    version = VersionField()


class GradeDefinitionViewSet(UpdateMixin):
    """What each finding grade means in your organisations; managers reword them."""

    model = GradeDefinition
    serializer_class = GradeDefinitionSerializer
    input_serializer_classes: ClassVar[dict[str, type[serializers.Serializer]]] = {
        "partial_update": GradeDefinitionUpdateSerializer,
    }
    required_roles: ClassVar[dict[str, str]] = {"partial_update": MANAGE}

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        for membership in memberships_of(request.user):
            services.grade_definitions(membership.organisation)
        return super().list(request, *args, **kwargs)

    def perform_update(self, instance: GradeDefinition, data: dict[str, Any]) -> GradeDefinition:
        return services.grade_definition_update(grade_definition=instance, **data)
