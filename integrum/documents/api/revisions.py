"""The `document-revisions/` collection: upload, submit, sign, reject and download.

Files leave only through `document-revisions/{id}/download/`, after the same visibility check as
every other read, and each download is logged."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db.models import QuerySet
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import decorators, exceptions, serializers, status
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from integrum.core.api import (
    MemberField,
    UpdateMixin,
    VersionField,
)
from integrum.core.api_policy import require_role, required_role
from integrum.core.filters import MAX_ID, IdFilter, OrganisationFilterSet, checkbox_choices
from integrum.core.models import Role
from integrum.core.permissions import READ, WRITE
from integrum.documents.models import (
    ApprovalStep,
    Document,
    DocumentRevision,
    Download,
)
from integrum.documents.services import (
    StepSpec,
    revision_create,
    revision_reject,
    revision_sign,
    revision_submit,
    revision_update,
)

# A revision is signed off by a handful of people; a longer list is a mistake, not a workflow.
MAX_STEPS = 20
# Review intervals and retention periods: up to a century.


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
