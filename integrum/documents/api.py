"""The `documents/`, `document-revisions/` and `acknowledgements/` collections: document control
(clause 7.5), written through `documents.services`.

Files leave only through `document-revisions/{id}/download/`, after the same visibility check as
every other read, and each download is logged. A revision becomes effective on its last
signature or on its effective date (`revisions_publish_due`), never by a call of its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from django.contrib.contenttypes.models import ContentType
from django.db.models import Manager, QuerySet
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import decorators, exceptions, serializers, status
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from integrum.core.api import (
    CreateMixin,
    DestroyMixin,
    MemberField,
    OrganisationField,
    OrganisationOwnedViewSet,
    SiteField,
    UpdateMixin,
    VersionField,
)
from integrum.core.api_policy import require_role, required_role
from integrum.core.filters import MAX_ID, IdFilter, OrganisationFilterSet, checkbox_choices
from integrum.core.models import Role, User
from integrum.core.permissions import MANAGE, READ, WRITE
from integrum.documents.filters import DocumentFilterSet
from integrum.documents.models import (
    Acknowledgement,
    ApprovalStep,
    Document,
    DocumentRevision,
    Download,
    Kind,
    PeriodicReview,
)
from integrum.documents.services import (
    StepSpec,
    acknowledge,
    distribution_members,
    document_create,
    document_delete,
    document_review_record,
    document_update,
    document_withdraw,
    revision_create,
    revision_reject,
    revision_sign,
    revision_submit,
    revision_update,
)
from integrum.standards.models import Clause, ClauseLink

# A revision is signed off by a handful of people; a longer list is a mistake, not a workflow.
MAX_STEPS = 20
# Review intervals and retention periods: up to a century.
MAX_MONTHS = 1200

REVIEW_STATES = [("", "Not due"), ("due", "Due within 30 days"), ("overdue", "Overdue")]


def _person(user: User) -> str:
    return user.get_full_name() or user.email


# --- Documents -------------------------------------------------------------------------------


class ClauseReferenceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField(help_text="Standard and number, e.g. ISO 9001:2015/5.2.")
    title = serializers.CharField()


class RevisionSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = DocumentRevision
        fields = ["id", "label", "status", "effective_date", "effective_at", "original_name", "sha256"]
        read_only_fields = fields


def clauses_by_document(documents: Iterable[Document]) -> dict[int, list[Clause]]:
    """The clauses each document serves, read for all of them in one query."""
    ids = [str(document.pk) for document in documents]
    links = ClauseLink.objects.filter(
        target_type=ContentType.objects.get_for_model(Document), target_id__in=ids
    ).select_related("clause__standard")
    result: dict[int, list[Clause]] = {}
    for link in links:
        result.setdefault(int(link.target_id), []).append(link.clause)
    return result


class DocumentListSerializer(serializers.ListSerializer):
    """Reads the clauses of the whole page at once, so the list costs the same for 5 or 50 rows."""

    def to_representation(self, data: Any) -> list[Any]:
        documents = list(data.all() if isinstance(data, Manager | QuerySet) else data)
        self.context["clauses"] = clauses_by_document(documents)
        return super().to_representation(documents)


class DocumentSerializer(serializers.ModelSerializer):
    current_revision = RevisionSummarySerializer(
        read_only=True, allow_null=True, help_text="The revision in force; null until one is."
    )
    clauses = serializers.SerializerMethodField(help_text="The clauses the document serves.")
    distribution_roles = serializers.ListField(
        child=serializers.ChoiceField(choices=Role.choices),
        read_only=True,
        help_text="Roles whose members must read and acknowledge each new effective revision.",
    )
    review_state = serializers.ChoiceField(
        choices=REVIEW_STATES,
        read_only=True,
        help_text="Periodic review: overdue, due within 30 days, or empty.",
    )
    is_record = serializers.BooleanField(read_only=True, help_text="Retained documented information.")

    class Meta:
        model = Document
        list_serializer_class = DocumentListSerializer
        fields = [
            "id",
            "organisation",
            "reference",
            "number",
            "kind",
            "title",
            "description",
            "owner",
            "sites",
            "confidentiality",
            "status",
            "current_revision",
            "review_interval_months",
            "next_review_date",
            "review_state",
            "clauses",
            "distribution_users",
            "distribution_roles",
            "is_record",
            "retention_months",
            "disposal_date",
            "legal_hold",
            "withdrawn_reason",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(ClauseReferenceSerializer(many=True))
    def get_clauses(self, document: Document) -> list[dict[str, Any]]:
        known: dict[int, list[Clause]] | None = self.context.get("clauses")
        clauses = (
            known.get(document.pk, [])
            if known is not None
            else clauses_by_document([document]).get(document.pk, [])
        )
        return [{"id": c.pk, "reference": c.reference, "title": c.title} for c in clauses]


class DocumentWriteSerializer(serializers.ModelSerializer):
    """The fields a document's author sets; the services check they belong to its organisation."""

    owner = MemberField(help_text="Id of the member responsible for the document.")
    sites = SiteField(many=True, help_text="Sites it applies to; empty: all sites.")
    clauses = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Clause.objects.all(), help_text="Ids of the clauses the document serves."
    )
    distribution_users = MemberField(many=True, help_text="Ids of the people who must read it.")
    distribution_roles = serializers.ListField(
        child=serializers.ChoiceField(choices=Role.choices),
        max_length=len(Role.choices),
        help_text="Roles whose members must read it.",
    )

    class Meta:
        model = Document
        fields = [
            "title",
            "description",
            "owner",
            "sites",
            "confidentiality",
            "review_interval_months",
            "clauses",
            "distribution_users",
            "distribution_roles",
            "retention_months",
            "disposal_date",
            "legal_hold",
        ]
        # The same bounds on every database (SQLite has no integer ranges), and dates a year
        # 9999 calendar can still hold when the review or disposal date is worked out.
        extra_kwargs: ClassVar[dict[str, dict[str, Any]]] = {
            "review_interval_months": {"min_value": 1, "max_value": MAX_MONTHS},
            "retention_months": {"min_value": 0, "max_value": MAX_MONTHS},
        }


class DocumentCreateSerializer(DocumentWriteSerializer):
    organisation = OrganisationField()
    kind = serializers.ChoiceField(choices=Kind.choices, help_text="Sets the numbering: PRO-001, POL-001, …")
    owner = MemberField(default=serializers.CurrentUserDefault(), help_text="Id of a member; default: you.")
    sites = SiteField(many=True, default=list, help_text="Sites it applies to; empty: all sites.")
    clauses = serializers.PrimaryKeyRelatedField(
        many=True,
        queryset=Clause.objects.all(),
        default=list,
        help_text="Ids of the clauses the document serves.",
    )
    distribution_users = MemberField(many=True, default=list, help_text="Ids of the people who must read it.")
    distribution_roles = serializers.ListField(
        child=serializers.ChoiceField(choices=Role.choices),
        max_length=len(Role.choices),
        default=list,
        help_text="Roles whose members must read it.",
    )

    class Meta(DocumentWriteSerializer.Meta):
        fields = ["organisation", "kind", *DocumentWriteSerializer.Meta.fields]


class DocumentUpdateSerializer(DocumentWriteSerializer):
    version = VersionField()

    class Meta(DocumentWriteSerializer.Meta):
        fields = [*DocumentWriteSerializer.Meta.fields, "version"]


class WithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="Why the document is withdrawn; it becomes obsolete.")


class PeriodicReviewSerializer(serializers.ModelSerializer):
    class Meta:
        model = PeriodicReview
        fields = ["id", "document", "reviewed_by", "outcome", "comment", "next_review_date", "created_at"]
        read_only_fields = fields


class PeriodicReviewInputSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(
        choices=PeriodicReview.Outcome.choices,
        help_text="confirmed: unchanged, the next review date moves on; revision: a new revision follows.",
    )
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class ReaderSerializer(serializers.Serializer):
    user = serializers.IntegerField()
    name = serializers.CharField()
    email = serializers.EmailField()


class AcknowledgedReaderSerializer(ReaderSerializer):
    acknowledged_at = serializers.DateTimeField()


class DocumentAcknowledgementsSerializer(serializers.Serializer):
    revision = serializers.IntegerField(allow_null=True, help_text="The effective revision; null if none.")
    label = serializers.CharField(allow_blank=True)  # type: ignore[assignment]
    acknowledged = AcknowledgedReaderSerializer(many=True, help_text="Who has read it, newest first.")
    pending = ReaderSerializer(many=True, help_text="Who it is distributed to and has not read it yet.")


class DocumentViewSet(CreateMixin, UpdateMixin, DestroyMixin):
    """Controlled documents and records of your organisations.

    Contributors create and edit them and record periodic reviews; managers withdraw (make
    obsolete) and delete them. A record is deleted only after its disposal date and never on
    legal hold; a document that was ever in force is withdrawn, not deleted.
    """

    model = Document
    serializer_class = DocumentSerializer
    filterset_class = DocumentFilterSet
    input_serializer_classes: ClassVar[dict[str, type[serializers.Serializer]]] = {
        "create": DocumentCreateSerializer,
        "partial_update": DocumentUpdateSerializer,
        "withdraw": WithdrawSerializer,
        "review": PeriodicReviewInputSerializer,
    }
    required_roles: ClassVar[dict[str, str]] = {
        "withdraw": MANAGE,
        "review": WRITE,
        "destroy": MANAGE,
        "acknowledgements": READ,
    }

    def get_queryset(self) -> QuerySet[Document]:
        return (
            super()
            .get_queryset()
            .select_related("current_revision")
            .prefetch_related("sites", "distribution_users")
        )

    def reread(self, document: Document) -> Document:
        """The document as it is now, with fresh relations (the services replace them)."""
        return self.get_queryset().get(pk=document.pk)

    def perform_create(self, data: dict[str, Any]) -> Document:
        return self.reread(document_create(**data))

    def perform_update(self, instance: Document, data: dict[str, Any]) -> Document:
        return self.reread(document_update(document=instance, **data))

    def perform_destroy(self, instance: Document) -> None:
        document_delete(document=instance)

    @decorators.action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        """Withdraw the document (managers): it becomes obsolete, its revisions withdrawn."""
        document = self.get_object()
        data = self.validated_input()
        return self.respond(self.reread(document_withdraw(document=document, reason=data["reason"])))

    @extend_schema(responses={status.HTTP_201_CREATED: PeriodicReviewSerializer})
    @decorators.action(detail=True, methods=["post"])
    def review(self, request: Request, pk: str | None = None) -> Response:
        """Record the periodic review of an effective document."""
        document = self.get_object()
        data = self.validated_input()
        review = document_review_record(document=document, user=request.user, **data)  # type: ignore[arg-type]
        return Response(PeriodicReviewSerializer(review).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=DocumentAcknowledgementsSerializer)
    @decorators.action(detail=True, methods=["get"])
    def acknowledgements(self, request: Request, pk: str | None = None) -> Response:
        """Who has and who has not yet read and acknowledged the effective revision."""
        document = self.get_object()
        revision = document.current_revision
        if revision is None:
            body: dict[str, Any] = {"revision": None, "label": "", "acknowledged": [], "pending": []}
            return Response(DocumentAcknowledgementsSerializer(body).data)
        done = list(Acknowledgement.objects.filter(revision=revision).select_related("user"))
        readers = {ack.user_id for ack in done}
        members = distribution_members(document).order_by("last_name", "first_name", "email")
        body = {
            "revision": revision.pk,
            "label": revision.label,
            "acknowledged": [
                {
                    "user": ack.user_id,
                    "name": _person(ack.user),
                    "email": ack.user.email,
                    "acknowledged_at": ack.acknowledged_at,
                }
                for ack in done
            ],
            "pending": [
                {"user": user.pk, "name": _person(user), "email": user.email}
                for user in members
                if user.pk not in readers
            ],
        }
        return Response(DocumentAcknowledgementsSerializer(body).data)


# --- Revisions -------------------------------------------------------------------------------


class DocumentRevisionFilterSet(OrganisationFilterSet):
    """Filters of the `document-revisions/` endpoint."""

    document = IdFilter(field_name="document_id", label="Id of the document")
    status = checkbox_choices(DocumentRevision.Status.choices)

    class Meta:
        model = DocumentRevision
        fields: ClassVar[list[str]] = []


class ApprovalStepSerializer(serializers.ModelSerializer):
    is_waiting = serializers.SerializerMethodField(
        help_text="Pending and its turn: every earlier step (in sequence) is signed."
    )

    class Meta:
        model = ApprovalStep
        fields = [
            "id",
            "position",
            "kind",
            "assignee",
            "role",
            "status",
            "is_waiting",
            "signed_by",
            "signed_at",
            "meaning",
            "comment",
        ]
        read_only_fields = fields

    def get_is_waiting(self, step: ApprovalStep) -> bool:
        if (
            step.status != ApprovalStep.Status.PENDING
            or step.revision.status != DocumentRevision.Status.IN_REVIEW
        ):
            return False
        # From the revision's prefetched steps: no query per step.
        pending = [s.position for s in step.revision.steps.all() if s.status == ApprovalStep.Status.PENDING]
        return step.position == min(pending)


class DocumentRevisionSerializer(serializers.ModelSerializer):
    document_reference = serializers.CharField(source="document.reference", read_only=True)
    has_file = serializers.BooleanField(read_only=True)
    download = serializers.SerializerMethodField(help_text="Address of the original file; null for text.")
    steps = ApprovalStepSerializer(many=True, read_only=True, help_text="Reviewers and approvers, in order.")

    class Meta:
        model = DocumentRevision
        fields = [
            "id",
            "organisation",
            "document",
            "document_reference",
            "label",
            "change_summary",
            "status",
            "routing",
            "has_file",
            "original_name",
            "mime_type",
            "size",
            "sha256",
            "download",
            "text_status",
            "effective_date",
            "submitted_at",
            "approved_at",
            "effective_at",
            "superseded_at",
            "rejection_reason",
            "steps",
            "created_by",
            "legacy_approved_on",
            "legacy_approver",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_download(self, revision: DocumentRevision) -> str | None:
        return f"/api/v1/document-revisions/{revision.pk}/download/" if revision.has_file else None


class DocumentRevisionDetailSerializer(DocumentRevisionSerializer):
    class Meta(DocumentRevisionSerializer.Meta):
        fields = [*DocumentRevisionSerializer.Meta.fields, "body"]
        read_only_fields = fields


@extend_schema_field(OpenApiTypes.INT)
class VisibleDocumentField(serializers.PrimaryKeyRelatedField):
    default_error_messages = {"does_not_exist": "No document you can see has id {pk_value}."}

    def get_queryset(self) -> QuerySet[Document]:
        return Document.objects.visible_to(self.context["request"].user).select_related("organisation")


@extend_schema_field(OpenApiTypes.INT)
class VisibleRevisionField(serializers.PrimaryKeyRelatedField):
    default_error_messages = {"does_not_exist": "No revision you can see has id {pk_value}."}

    def get_queryset(self) -> QuerySet[DocumentRevision]:
        return DocumentRevision.objects.visible_to(self.context["request"].user).select_related("document")


class RevisionCreateSerializer(serializers.Serializer):
    """A new draft: upload the file as multipart/form-data, or send text written in the app as `body`."""

    document = VisibleDocumentField(help_text="Id of the document the revision belongs to.")
    change_summary = serializers.CharField(help_text="What changed and why.")
    label = serializers.CharField(  # type: ignore[assignment]
        max_length=20, required=False, allow_blank=True, default="", help_text="Default: the next number."
    )
    routing = serializers.ChoiceField(
        choices=DocumentRevision.Routing.choices,
        default=DocumentRevision.Routing.SEQUENCE,
        help_text="Whether reviewers and approvers sign one after the other or in any order.",
    )
    file = serializers.FileField(
        required=False,
        help_text="PDF, DOCX, XLSX, PPTX, ODT, PNG, JPG or TXT, checked by content; or give `body`.",
    )
    body = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="The text (Markdown); or give `file`."
    )


class RevisionUpdateSerializer(serializers.ModelSerializer):
    version = VersionField()

    class Meta:
        model = DocumentRevision
        fields = ["label", "change_summary", "body", "routing", "effective_date", "version"]


class StepInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ApprovalStep.Kind.choices)
    assignee = MemberField(
        required=False, allow_null=True, default=None, help_text="Id of the person; or give `role`."
    )
    role = serializers.ChoiceField(
        choices=Role.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="Anyone holding this role.",
    )


class SubmitSerializer(serializers.Serializer):
    steps = serializers.ListField(
        child=StepInputSerializer(),
        allow_empty=False,
        max_length=MAX_STEPS,
        help_text="Reviewers and approvers in signing order (any order when routed in parallel).",
    )
    effective_date = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="Default: the day of the last signature."
    )


class StepChoiceSerializer(serializers.Serializer):
    step = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text="Id of one of the revision's steps."
    )


class SignSerializer(StepChoiceSerializer):
    password = serializers.CharField(
        write_only=True,
        trim_whitespace=False,
        style={"input_type": "password"},
        help_text="Your password again: the signature is yours alone.",
    )
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class RejectSerializer(StepChoiceSerializer):
    reason = serializers.CharField(help_text="Why; the revision returns to draft.")


class DocumentRevisionViewSet(UpdateMixin):
    """Revisions of your documents and their approval by electronic signature.

    Contributors upload drafts, edit them, send them for review and approval, and sign or reject
    the steps that are theirs. The last signature approves the revision; it becomes effective
    at once, or on its effective date, and the revision it replaces is superseded.
    """

    model = DocumentRevision
    serializer_class = DocumentRevisionSerializer
    filterset_class = DocumentRevisionFilterSet
    input_serializer_classes: ClassVar[dict[str, type[serializers.Serializer]]] = {
        "create": RevisionCreateSerializer,
        "partial_update": RevisionUpdateSerializer,
        "submit": SubmitSerializer,
        "sign": SignSerializer,
        "reject": RejectSerializer,
    }
    # Files come as multipart/form-data; everything else, text revisions too, as JSON.
    parser_classes = [JSONParser, MultiPartParser]
    required_roles: ClassVar[dict[str, str]] = {
        "submit": WRITE,
        "sign": WRITE,
        "reject": WRITE,
        "download": READ,
    }

    def get_queryset(self) -> QuerySet[DocumentRevision]:
        return super().get_queryset().select_related("document").prefetch_related("steps")

    def get_serializer_class(self) -> type[serializers.Serializer]:
        return DocumentRevisionSerializer if self.action == "list" else DocumentRevisionDetailSerializer

    def reread(self, revision: DocumentRevision) -> DocumentRevision:
        return self.get_queryset().get(pk=revision.pk)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Start a draft revision from an uploaded file (multipart/form-data) or from text."""
        data = self.validated_input()
        document: Document = data.pop("document")
        require_role(request, document.organisation_id, required_role(request, self))
        revision = revision_create(
            document=document,
            created_by=request.user,  # type: ignore[arg-type]
            upload=data.pop("file", None),
            **data,
        )
        return self.respond(self.reread(revision), status.HTTP_201_CREATED)

    def perform_update(self, instance: DocumentRevision, data: dict[str, Any]) -> DocumentRevision:
        return self.reread(revision_update(revision=instance, **data))

    def step_of(self, revision: DocumentRevision, step_id: int) -> ApprovalStep:
        step = ApprovalStep.objects.filter(revision=revision, pk=step_id).first()
        if step is None:
            raise serializers.ValidationError(
                {"step": [f"Revision {revision.label} has no step with id {step_id}."]}
            )
        return step

    @decorators.action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        """Send a draft to its reviewers and approvers (people or roles)."""
        revision = self.get_object()
        data = self.validated_input()
        steps = [StepSpec(kind=s["kind"], assignee=s["assignee"], role=s["role"]) for s in data["steps"]]
        revision_submit(revision=revision, steps=steps, effective_date=data["effective_date"])
        return self.respond(self.reread(revision))

    @decorators.action(detail=True, methods=["post"])
    def sign(self, request: Request, pk: str | None = None) -> Response:
        """Sign your step: an electronic signature (password, meaning, time) in the change log."""
        revision = self.get_object()
        data = self.validated_input()
        revision_sign(
            step=self.step_of(revision, data["step"]),
            user=request.user,  # type: ignore[arg-type]
            password=data["password"],
            comment=data["comment"],
        )
        return self.respond(self.reread(revision))

    @decorators.action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        """Reject your step with a reason: the revision returns to draft."""
        revision = self.get_object()
        data = self.validated_input()
        step = self.step_of(revision, data["step"])
        revision_reject(step=step, user=request.user, reason=data["reason"])  # type: ignore[arg-type]
        return self.respond(self.reread(revision))

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        # A download answers with the file whatever the client accepts; its errors stay JSON.
        return super().perform_content_negotiation(request, force=force or self.action == "download")

    @extend_schema(
        responses={
            (status.HTTP_200_OK, "application/octet-stream"): OpenApiResponse(
                OpenApiTypes.BINARY, description="The original file, as an attachment."
            )
        }
    )
    @decorators.action(detail=True, methods=["get"])
    def download(self, request: Request, pk: str | None = None) -> FileResponse:
        """The revision's original file; every download is logged."""
        revision = self.get_object()
        if not revision.has_file:
            raise exceptions.NotFound("This revision was written in the app: it has no file.")
        try:
            content = revision.file.open("rb")
        except FileNotFoundError:
            raise exceptions.NotFound("The file of this revision is missing from storage.") from None
        Download.objects.create(
            organisation_id=revision.organisation_id,
            revision=revision,
            user=request.user,  # type: ignore[misc]
            copy=Download.Copy.ORIGINAL,
            address=request.META.get("REMOTE_ADDR") or None,
        )
        response = FileResponse(content, as_attachment=True, filename=revision.original_name)
        response["Content-Type"] = revision.mime_type
        return response


# --- Acknowledgements ------------------------------------------------------------------------


class AcknowledgementFilterSet(OrganisationFilterSet):
    """Filters of the `acknowledgements/` endpoint."""

    revision = IdFilter(field_name="revision_id", label="Id of the revision")
    document = IdFilter(field_name="revision__document_id", label="Id of the document")
    user = IdFilter(field_name="user_id", label="Id of the person")

    class Meta:
        model = Acknowledgement
        fields: ClassVar[list[str]] = []


class AcknowledgementSerializer(serializers.ModelSerializer):
    document = serializers.IntegerField(source="revision.document_id", read_only=True)
    document_reference = serializers.CharField(source="revision.document.reference", read_only=True)
    label = serializers.CharField(  # type: ignore[assignment]
        source="revision.label", read_only=True, help_text="The revision's label."
    )
    name = serializers.SerializerMethodField(help_text="The reader's name.")

    class Meta:
        model = Acknowledgement
        fields = [
            "id",
            "organisation",
            "revision",
            "label",
            "document",
            "document_reference",
            "user",
            "name",
            "acknowledged_at",
        ]
        read_only_fields = fields

    def get_name(self, acknowledgement: Acknowledgement) -> str:
        return _person(acknowledgement.user)


class AcknowledgementCreateSerializer(serializers.Serializer):
    revision = VisibleRevisionField(help_text="Id of the effective revision you have read.")


class AcknowledgementViewSet(OrganisationOwnedViewSet):
    """Confirmations that people have read the effective revision of a document distributed to them.

    Everyone acknowledges for themselves, viewers included: reading a document sent to you is
    what read-only members are there for. The service refuses a revision that is not effective
    or not distributed to you.
    """

    model = Acknowledgement
    serializer_class = AcknowledgementSerializer
    filterset_class = AcknowledgementFilterSet
    input_serializer_classes: ClassVar[dict[str, type[serializers.Serializer]]] = {
        "create": AcknowledgementCreateSerializer,
    }
    required_roles: ClassVar[dict[str, str]] = {"create": READ}

    def get_queryset(self) -> QuerySet[Acknowledgement]:
        return super().get_queryset().select_related("user", "revision__document")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Confirm that you have read the revision."""
        revision: DocumentRevision = self.validated_input()["revision"]
        require_role(request, revision.organisation_id, required_role(request, self))
        acknowledgement = acknowledge(revision=revision, user=request.user)  # type: ignore[arg-type]
        return self.respond(self.get_queryset().get(pk=acknowledgement.pk), status.HTTP_201_CREATED)
