"""The `documents/` collection: documents and records (clause 7.5), written through `documents.services`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from django.contrib.contenttypes.models import ContentType
from django.db.models import Manager, QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import decorators, serializers, status
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
from integrum.core.models import Role, User
from integrum.core.permissions import MANAGE, READ, WRITE
from integrum.documents.filters import DocumentFilterSet
from integrum.documents.models import (
    Acknowledgement,
    Document,
    DocumentRevision,
    Kind,
    PeriodicReview,
)
from integrum.documents.services import (
    MAX_MONTHS,
    distribution_members,
    document_create,
    document_delete,
    document_review_record,
    document_update,
    document_withdraw,
)
from integrum.standards.models import Clause, ClauseLink

# Review intervals and retention periods: up to a century.
REVIEW_STATES = [("", "Not due"), ("due", "Due within 30 days"), ("overdue", "Overdue")]


def person(user: User) -> str:
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
                    "name": person(ack.user),
                    "email": ack.user.email,
                    "acknowledged_at": ack.acknowledged_at,
                }
                for ack in done
            ],
            "pending": [
                {"user": user.pk, "name": person(user), "email": user.email}
                for user in members
                if user.pk not in readers
            ],
        }
        return Response(DocumentAcknowledgementsSerializer(body).data)
