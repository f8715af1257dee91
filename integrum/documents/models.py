"""Document control (ISO 9001 and ISO 14001 clause 7.5): controlled documents and records,
their revisions, approval by electronic signature, periodic review and read-and-acknowledge."""

from __future__ import annotations

import datetime
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from integrum.core.models import OrganisationOwned, OrganisationQuerySet, Role, VersionedModel

# --- Configuration ---------------------------------------------------------------------------


class Kind(models.TextChoices):
    POLICY = "policy", "Policy"
    MANUAL = "manual", "Manual"
    PROCEDURE = "procedure", "Procedure"
    WORK_INSTRUCTION = "work_instruction", "Work instruction"
    FORM = "form", "Form"
    PLAN = "plan", "Plan"
    EXTERNAL = "external", "External document"
    RECORD = "record", "Record"


DEFAULT_PREFIXES = {
    Kind.POLICY: "POL",
    Kind.MANUAL: "MAN",
    Kind.PROCEDURE: "PRO",
    Kind.WORK_INSTRUCTION: "WI",
    Kind.FORM: "FRM",
    Kind.PLAN: "PLN",
    Kind.EXTERNAL: "EXT",
    Kind.RECORD: "REC",
}


class NumberingRule(OrganisationOwned, VersionedModel):
    """How an organisation numbers one kind of document: prefix and zero padding (PRO-007)."""

    kind = models.CharField(max_length=20, choices=Kind.choices)
    prefix = models.CharField(max_length=12)
    padding = models.PositiveSmallIntegerField(default=3)

    class Meta:
        ordering = ["kind"]
        constraints = [models.UniqueConstraint(fields=["organisation", "kind"], name="numberingrule_unique")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.prefix}-{'0' * (self.padding - 1)}1"


# --- Documents -------------------------------------------------------------------------------


class DocumentQuerySet(OrganisationQuerySet):
    def review_due(self, within_days: int = 30) -> DocumentQuerySet:
        """Effective documents whose periodic review falls within `within_days` (or is past)."""
        horizon = timezone.localdate() + datetime.timedelta(days=within_days)
        return self.filter(status=Document.Status.EFFECTIVE, next_review_date__lte=horizon)

    def review_overdue(self) -> DocumentQuerySet:
        return self.filter(status=Document.Status.EFFECTIVE, next_review_date__lt=timezone.localdate())


class Document(OrganisationOwned, VersionedModel):
    """A controlled document (maintained documented information) or a record (retained)."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"  # no revision has become effective yet
        EFFECTIVE = "effective", "Effective"
        OBSOLETE = "obsolete", "Obsolete"

    class Confidentiality(models.TextChoices):
        PUBLIC = "public", "Public"
        INTERNAL = "internal", "Internal"
        CONFIDENTIAL = "confidential", "Confidential"
        RESTRICTED = "restricted", "Restricted"

    number = models.PositiveIntegerField(editable=False)
    reference = models.CharField(max_length=30, editable=False)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    title = models.CharField(max_length=250)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    sites = models.ManyToManyField("core.Site", blank=True, related_name="+", help_text="Empty: all sites.")
    confidentiality = models.CharField(
        max_length=20, choices=Confidentiality.choices, default=Confidentiality.INTERNAL
    )
    review_interval_months = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        default=24,
        help_text="How often the document is reviewed; empty for no review.",
    )
    next_review_date = models.DateField(null=True, blank=True, editable=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT, editable=False)
    current_revision = models.ForeignKey(
        "DocumentRevision", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    # Who must read and acknowledge each new effective revision.
    distribution_users = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    distribution_roles = models.JSONField(
        default=list, blank=True, help_text="Roles whose members must read it."
    )
    # Records (retained documented information).
    retention_months = models.PositiveIntegerField(null=True, blank=True)
    disposal_date = models.DateField(null=True, blank=True)
    legal_hold = models.BooleanField(default=False)
    withdrawn_reason = models.TextField(blank=True, editable=False)
    # The whole searchable text (reference, title, description, current text), kept by the services.
    search_text = models.TextField(blank=True, editable=False)

    objects = DocumentQuerySet.as_manager()  # type: ignore[misc]
    change_log_exclude = OrganisationOwned.change_log_exclude | {"search_text"}

    class Meta:
        ordering = ["reference"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "reference"], name="document_reference_unique"),
        ]
        indexes = [
            models.Index(fields=["organisation", "status", "next_review_date"], name="document_review"),
            models.Index(fields=["organisation", "kind", "reference"], name="document_kind"),
            models.Index(fields=["owner", "status"], name="document_owner"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("documents:document_detail", args=[self.pk])

    @property
    def is_record(self) -> bool:
        return self.kind == Kind.RECORD

    @property
    def review_state(self) -> str:
        """ "overdue", "due" (within 30 days) or "" for the lists' badges."""
        if self.status != self.Status.EFFECTIVE or self.next_review_date is None:
            return ""
        today = timezone.localdate()
        if self.next_review_date < today:
            return "overdue"
        return "due" if self.next_review_date <= today + datetime.timedelta(days=30) else ""


def revision_path(instance: DocumentRevision, filename: str) -> str:
    return f"org-{instance.organisation_id}/documents/{instance.document_id}/{instance.storage_name}"


class DocumentRevision(OrganisationOwned, VersionedModel):
    """One revision of a document: a file or text written in the app, and its approval workflow."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        IN_REVIEW = "in_review", "In review"
        APPROVED = "approved", "Approved"  # signed off, waiting for its effective date
        EFFECTIVE = "effective", "Effective"
        SUPERSEDED = "superseded", "Superseded"
        WITHDRAWN = "withdrawn", "Withdrawn"

    class Routing(models.TextChoices):
        SEQUENCE = "sequence", "In sequence"
        PARALLEL = "parallel", "In parallel"

    class TextStatus(models.TextChoices):
        NONE = "none", "No text"
        PENDING = "pending", "Extracting"
        DONE = "done", "Extracted"
        FAILED = "failed", "Could not be read"

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="revisions")
    label = models.CharField(max_length=20, help_text="e.g. 1, 2, A, B")
    change_summary = models.TextField(help_text="What changed and why.")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT, editable=False)
    routing = models.CharField(max_length=10, choices=Routing.choices, default=Routing.SEQUENCE)
    # Either a file …
    file = models.FileField(upload_to=revision_path, max_length=300, blank=True)
    storage_name = models.CharField(max_length=80, blank=True, editable=False)
    original_name = models.CharField(max_length=255, blank=True, editable=False)
    mime_type = models.CharField(max_length=120, blank=True, editable=False)
    size = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    sha256 = models.CharField(max_length=64, blank=True, editable=False)
    # … or text written in the app (Markdown).
    body = models.TextField(blank=True)
    extracted_text = models.TextField(blank=True, editable=False)
    text_status = models.CharField(
        max_length=10, choices=TextStatus.choices, default=TextStatus.NONE, editable=False
    )
    effective_date = models.DateField(
        null=True, blank=True, help_text="When the approved revision takes effect."
    )
    submitted_at = models.DateTimeField(null=True, blank=True, editable=False)
    approved_at = models.DateTimeField(null=True, blank=True, editable=False)
    effective_at = models.DateTimeField(null=True, blank=True, editable=False)
    superseded_at = models.DateTimeField(null=True, blank=True, editable=False)
    rejection_reason = models.TextField(blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A register imported from another system keeps who approved it there, and when.
    legacy_approved_on = models.DateField(null=True, blank=True, editable=False)
    legacy_approver = models.CharField(max_length=200, blank=True, editable=False)

    change_log_exclude = OrganisationOwned.change_log_exclude | {"extracted_text", "body"}

    class Meta:
        ordering = ["document", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["document", "label"], name="revision_label_unique"),
            # At most one effective revision per document, whatever the application does.
            models.UniqueConstraint(
                fields=["document"], condition=Q(status="effective"), name="one_effective_revision"
            ),
        ]
        indexes = [models.Index(fields=["organisation", "status", "effective_date"], name="revision_due")]

    def __str__(self) -> str:
        return f"{self.document.reference} rev. {self.label}"

    def get_absolute_url(self) -> str:
        return reverse("documents:revision_detail", args=[self.pk])

    @property
    def has_file(self) -> bool:
        return bool(self.file)


class ApprovalStep(OrganisationOwned):
    """One reviewer's or approver's turn on a revision; signing it is an electronic signature."""

    class Kind(models.TextChoices):
        REVIEW = "review", "Review"
        APPROVE = "approve", "Approval"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting"
        SIGNED = "signed", "Signed"
        REJECTED = "rejected", "Rejected"
        CANCELLED = "cancelled", "Cancelled"

    MEANINGS: ClassVar[dict[str, str]] = {Kind.REVIEW: "Reviewed", Kind.APPROVE: "Approved"}

    revision = models.ForeignKey(DocumentRevision, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(help_text="Steps in sequence sign in this order.")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField(
        max_length=20, choices=Role.choices, blank=True, help_text="Anyone holding this role."
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    meaning = models.CharField(max_length=40, blank=True)
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["revision", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(assignee__isnull=False) | ~Q(role=""), name="approvalstep_has_assignee_or_role"
            ),
        ]
        indexes = [models.Index(fields=["assignee", "status"], name="approvalstep_assignee")]

    def __str__(self) -> str:
        who = str(self.assignee) if self.assignee_id else f"any {Role(self.role).label.lower()}"
        return f"{self.get_kind_display()} by {who}"


class Acknowledgement(OrganisationOwned):
    """A person's confirmation that they have read an effective revision."""

    revision = models.ForeignKey(DocumentRevision, on_delete=models.CASCADE, related_name="acknowledgements")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    acknowledged_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-acknowledged_at"]
        constraints = [models.UniqueConstraint(fields=["revision", "user"], name="acknowledgement_unique")]

    def __str__(self) -> str:
        return f"{self.user} read {self.revision}"


class PeriodicReview(OrganisationOwned):
    """The periodic review of an effective document: confirmed unchanged, or a new revision started."""

    class Outcome(models.TextChoices):
        CONFIRMED = "confirmed", "Confirmed unchanged"
        REVISION = "revision", "New revision started"

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="reviews")
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(max_length=12, choices=Outcome.choices)
    comment = models.TextField(blank=True)
    next_review_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.document.reference}: {self.get_outcome_display()}"


class Download(models.Model):
    """Every download of a revision's file: who, when, and which copy (append-only, not edited)."""

    class Copy(models.TextChoices):
        ORIGINAL = "original", "Original file"
        CONTROLLED = "controlled", "Controlled copy"
        UNCONTROLLED = "uncontrolled", "Uncontrolled when printed"

    organisation = models.ForeignKey("core.Organisation", on_delete=models.CASCADE, related_name="+")
    revision = models.ForeignKey(DocumentRevision, on_delete=models.CASCADE, related_name="downloads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    copy = models.CharField(max_length=20, choices=Copy.choices)
    at = models.DateTimeField(default=timezone.now)
    address = models.GenericIPAddressField(null=True, blank=True)

    objects: Any = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.user} downloaded {self.revision} ({self.copy})"
