"""Writes with rules for document control: numbering, revisions, the approval workflow with
electronic signatures, effectiveness, withdrawal, periodic review, acknowledgements and records."""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from integrum.core.changelog import change_note
from integrum.core.dates import add_months
from integrum.core.files import check_upload
from integrum.core.models import Membership, ObjectChange, Organisation, Role, Site, User
from integrum.core.numbering import next_number
from integrum.core.permissions import can
from integrum.core.signatures import check_signature_password
from integrum.core.validation import check_member
from integrum.documents import text
from integrum.documents.models import (
    DEFAULT_PREFIXES,
    Acknowledgement,
    ApprovalStep,
    Document,
    DocumentRevision,
    Kind,
    NumberingRule,
    PeriodicReview,
)
from integrum.standards.models import Clause
from integrum.standards.services import clause_links_set

R = DocumentRevision.Status

# The one table of allowed revision steps (the services below are the only way to take them).
TRANSITIONS: dict[str, tuple[str, ...]] = {
    # Draft → approved without signatures only for a register imported from a system where it
    # was approved (`revision_import_approved`); everywhere else approval is the last signature.
    R.DRAFT: (R.IN_REVIEW, R.APPROVED, R.WITHDRAWN),
    R.IN_REVIEW: (R.DRAFT, R.APPROVED, R.WITHDRAWN),
    R.APPROVED: (R.EFFECTIVE, R.WITHDRAWN),
    R.EFFECTIVE: (R.SUPERSEDED, R.WITHDRAWN),
    R.SUPERSEDED: (),
    R.WITHDRAWN: (),
}

# Kinds of file a revision may be (core.files checks the content matches).
REVISION_EXTENSIONS = {"pdf", "docx", "xlsx", "pptx", "odt", "png", "jpg", "jpeg", "txt"}


def _move(revision: DocumentRevision, to: str) -> None:
    if to not in TRANSITIONS[revision.status]:
        raise ValidationError(
            f"Revision {revision.label} is {revision.get_status_display().lower()}: "
            f"it cannot become {R(to).label.lower()}."
        )
    revision.status = to


def _save_transition(revision: DocumentRevision, previous: str) -> None:
    with change_note(
        ObjectChange.Action.TRANSITION, f"{R(previous).label} → {revision.get_status_display()}"
    ):
        revision.save()


# Month counts beyond a century are typing mistakes, and would overflow date arithmetic.
MAX_MONTHS = 1200


def _check_months(document: Document) -> None:
    for field in ("review_interval_months", "retention_months"):
        value = getattr(document, field)
        if value is not None and not 0 <= value <= MAX_MONTHS:
            raise ValidationError({field: f"Give a number of months from 0 to {MAX_MONTHS}."})


# --- Numbering -------------------------------------------------------------------------------


def numbering_rule(organisation: Organisation, kind: str) -> NumberingRule:
    """The organisation's rule for a kind, or the default one (not saved)."""
    rule = NumberingRule.objects.filter(organisation=organisation, kind=kind).first()
    return rule or NumberingRule(organisation=organisation, kind=kind, prefix=DEFAULT_PREFIXES[Kind(kind)])


@transaction.atomic
def numbering_rule_set(
    *, organisation: Organisation, kind: str, prefix: str, padding: int, version: int | None = None
) -> NumberingRule:
    """Set how a kind is numbered from now on (references already given stay as they are)."""
    if kind not in Kind.values:
        raise ValidationError({"kind": f"“{kind}” is not a kind of document."})
    rule = NumberingRule.objects.filter(organisation=organisation, kind=kind).first()
    if rule is None:
        rule = NumberingRule(organisation=organisation, kind=kind)
    elif version is not None:
        rule.version = version  # a stale edit of the rule is refused by the save
    rule.prefix, rule.padding = prefix.strip().upper(), padding
    if not 1 <= padding <= 8:
        raise ValidationError({"padding": "Use 1 to 8 digits."})
    rule.full_clean()
    rule.save()
    return rule


def next_reference(organisation: Organisation, kind: str) -> tuple[int, str]:
    """The next number and reference of a kind; unique even when two people create at once."""
    rule = numbering_rule(organisation, kind)
    while True:
        number = next_number(organisation, f"document-{kind}")
        reference = f"{rule.prefix}-{number:0{rule.padding}d}"
        # A number already taken (e.g. by an imported register) is skipped, not reused.
        if not Document.objects.filter(organisation=organisation, reference=reference).exists():
            return number, reference


# --- Documents -------------------------------------------------------------------------------


def _refresh_search_text(document: Document) -> None:
    revision = document.current_revision
    body = revision.extracted_text or revision.body if revision else ""
    document.search_text = "\n".join(
        filter(None, [document.reference, document.title, document.description, body])
    )


@transaction.atomic
def document_create(
    *,
    organisation: Organisation,
    kind: str,
    title: str,
    owner: User,
    description: str = "",
    sites: Iterable[Site] = (),
    confidentiality: str = Document.Confidentiality.INTERNAL,
    review_interval_months: int | None = 24,
    clauses: Iterable[Clause] = (),
    distribution_users: Iterable[User] = (),
    distribution_roles: Sequence[str] = (),
    retention_months: int | None = None,
    disposal_date: datetime.date | None = None,
    legal_hold: bool = False,
    reference: str | None = None,
) -> Document:
    """Create a document with the organisation's next reference of its kind (or a given one, on import)."""
    if kind not in Kind.values:
        raise ValidationError({"kind": f"“{kind}” is not a kind of document."})
    check_member(organisation, owner, "owner")
    site_list, users = list(sites), list(distribution_users)
    if any(site.organisation_id != organisation.pk for site in site_list):
        raise ValidationError({"sites": "Sites must belong to the organisation."})
    for user in users:
        check_member(organisation, user, "distribution_users")
    roles = list(distribution_roles)
    if any(role not in Role.values for role in roles):
        raise ValidationError({"distribution_roles": "Unknown role."})
    document = Document(
        organisation=organisation,
        kind=kind,
        title=title,
        description=description,
        owner=owner,
        confidentiality=confidentiality,
        review_interval_months=review_interval_months,
        distribution_roles=roles,
        retention_months=retention_months,
        disposal_date=disposal_date,
        legal_hold=legal_hold,
    )
    if reference:
        if Document.objects.filter(organisation=organisation, reference=reference).exists():
            raise ValidationError({"reference": f"{reference} is already used."})
        document.number, document.reference = 0, reference
    else:
        document.number, document.reference = next_reference(organisation, kind)
    _check_months(document)
    _refresh_search_text(document)
    document.full_clean()
    document.save()
    document.sites.set(site_list)
    document.distribution_users.set(users)
    clause_links_set(target=document, clauses=clauses)
    return document


@transaction.atomic
def document_update(
    *,
    document: Document,
    version: int,
    sites: Iterable[Site] | None = None,
    clauses: Iterable[Clause] | None = None,
    distribution_users: Iterable[User] | None = None,
    **fields: object,
) -> Document:
    """Edit a document's metadata; `version` must be the one the editor saw."""
    if document.status == Document.Status.OBSOLETE:
        raise ValidationError("An obsolete document cannot be edited.")
    for name, value in fields.items():
        setattr(document, name, value)
    document.version = version
    check_member(document.organisation, document.owner, "owner")
    if any(role not in Role.values for role in document.distribution_roles):
        raise ValidationError({"distribution_roles": "Unknown role."})
    _check_months(document)
    _refresh_search_text(document)
    document.full_clean()
    document.save()
    if sites is not None:
        site_list = list(sites)
        if any(site.organisation_id != document.organisation_id for site in site_list):
            raise ValidationError({"sites": "Sites must belong to the organisation."})
        document.sites.set(site_list)
    if distribution_users is not None:
        users = list(distribution_users)
        for user in users:
            check_member(document.organisation, user, "distribution_users")
        document.distribution_users.set(users)
    if clauses is not None:
        clause_links_set(target=document, clauses=clauses)
    return document


@transaction.atomic
def document_withdraw(*, document: Document, reason: str) -> Document:
    """Make a document obsolete: its effective revision and any work in progress are withdrawn."""
    if not reason.strip():
        raise ValidationError({"reason": "Say why the document is withdrawn."})
    # A workflow step acts on the current row, not on the copy a page loaded earlier.
    document = Document.objects.select_for_update().get(pk=document.pk)
    if document.status == Document.Status.OBSOLETE:
        raise ValidationError("The document is already obsolete.")
    for revision in document.revisions.exclude(status__in=[R.SUPERSEDED, R.WITHDRAWN]):
        previous = revision.status
        _move(revision, R.WITHDRAWN)
        revision.steps.filter(status=ApprovalStep.Status.PENDING).update(status=ApprovalStep.Status.CANCELLED)
        _save_transition(revision, previous)
    document.status = Document.Status.OBSOLETE
    document.withdrawn_reason = reason
    document.next_review_date = None
    with change_note(ObjectChange.Action.TRANSITION, f"Withdrawn: {reason}"[:500]):
        document.save()
    return document


@transaction.atomic
def document_delete(*, document: Document) -> None:
    """Delete a document: a record only after its disposal date and never on legal hold; a
    controlled document only while no revision of it was ever effective (else withdraw it)."""
    today = timezone.localdate()
    if document.is_record:
        if document.legal_hold:
            raise ValidationError("The record is on legal hold: it cannot be deleted.")
        if document.disposal_date is None or document.disposal_date > today:
            when = document.disposal_date.strftime("%-d %b %Y") if document.disposal_date else "not set"
            raise ValidationError(f"The record must be kept until its disposal date ({when}).")
    elif document.revisions.filter(effective_at__isnull=False).exists():
        raise ValidationError(
            "A document that has been in force is withdrawn, not deleted, so its history stays."
        )
    document.delete()


# --- Revisions -------------------------------------------------------------------------------


def _next_label(document: Document) -> str:
    numbers = [int(label) for label in document.revisions.values_list("label", flat=True) if label.isdigit()]
    return str(max(numbers, default=0) + 1)


@transaction.atomic
def revision_create(
    *,
    document: Document,
    change_summary: str,
    created_by: User | None,
    upload: UploadedFile | None = None,
    body: str = "",
    label: str = "",
    routing: str = DocumentRevision.Routing.SEQUENCE,
) -> DocumentRevision:
    """Start a new revision from a checked file or from text written in the app."""
    if document.status == Document.Status.OBSOLETE:
        raise ValidationError("The document is obsolete: it takes no new revision.")
    if (upload is None) == (not body.strip()):
        raise ValidationError("Give the revision either a file or text, not both and not neither.")
    if document.revisions.filter(status__in=[R.DRAFT, R.IN_REVIEW, R.APPROVED]).exists():
        raise ValidationError("The document already has a revision in progress: finish or withdraw it first.")
    if not change_summary.strip():
        raise ValidationError({"change_summary": "Say what changed and why."})
    label = label.strip() or _next_label(document)
    if document.revisions.filter(label=label).exists():
        raise ValidationError({"label": f"Revision {label} already exists."})
    revision = DocumentRevision(
        organisation_id=document.organisation_id,
        document=document,
        label=label,
        change_summary=change_summary,
        routing=routing,
        body=body,
        created_by=created_by,
    )
    if upload is not None:
        checked = check_upload(upload)
        extension = checked.name.rsplit(".", 1)[-1].lower()
        if extension not in REVISION_EXTENSIONS:
            raise ValidationError("A revision must be a PDF, DOCX, XLSX, PPTX, ODT, PNG, JPG or TXT file.")
        revision.storage_name = secrets.token_hex(16)
        revision.original_name = checked.name
        revision.mime_type = checked.mime_type
        revision.size = checked.size
        revision.sha256 = checked.sha256
        revision.full_clean(exclude=["file"])
        revision.file.save(revision.storage_name, upload, save=False)
    else:
        revision.full_clean()
    revision.save()
    text.request_extraction(revision)
    return revision


@transaction.atomic
def revision_update(*, revision: DocumentRevision, version: int, **fields: object) -> DocumentRevision:
    """Edit a draft's label, summary, text, routing or effective date (no lost update)."""
    if revision.status != R.DRAFT:
        raise ValidationError("Only a draft revision can be edited.")
    if revision.has_file and str(fields.get("body", "")).strip():
        raise ValidationError(
            {"body": "This revision is a file: upload a new revision to change its content."}
        )
    for name, value in fields.items():
        setattr(revision, name, value)
    revision.version = version
    revision.full_clean(exclude=["file"])
    revision.save()
    if "body" in fields and not revision.has_file:
        text.request_extraction(revision)
    return revision


@dataclass(frozen=True)
class StepSpec:
    """Who must review or approve: a person, or anyone holding a role."""

    kind: str
    assignee: User | None = None
    role: str = ""


@transaction.atomic
def revision_submit(
    *, revision: DocumentRevision, steps: Sequence[StepSpec], effective_date: datetime.date | None = None
) -> DocumentRevision:
    """Send a draft to its reviewers and approvers, in sequence (in the order given) or in parallel."""
    organisation = revision.document.organisation
    if not any(step.kind == ApprovalStep.Kind.APPROVE for step in steps):
        raise ValidationError({"steps": "Name at least one approver."})
    for step in steps:
        if step.kind not in ApprovalStep.Kind.values:
            raise ValidationError({"steps": f"“{step.kind}” is neither a review nor an approval."})
        if (step.assignee is None) == (not step.role):
            raise ValidationError({"steps": "Each step needs a person or a role, not both."})
        if step.role and step.role not in Role.values:
            raise ValidationError({"steps": f"“{step.role}” is not a role."})
        if step.role == Role.VIEWER:
            raise ValidationError({"steps": "Viewers do not sign: choose contributor or a higher role."})
        if step.assignee is not None and not can(step.assignee, organisation.pk, Role.CONTRIBUTOR):
            raise ValidationError(
                {"steps": f"{step.assignee} cannot sign: viewers and outsiders do not approve."}
            )
    previous = revision.status
    _move(revision, R.IN_REVIEW)
    revision.steps.all().delete()
    parallel = revision.routing == DocumentRevision.Routing.PARALLEL
    for index, step in enumerate(steps, start=1):
        ApprovalStep.objects.create(
            organisation=organisation,
            revision=revision,
            position=1 if parallel else index,
            kind=step.kind,
            assignee=step.assignee,
            role=step.role,
        )
    revision.submitted_at = timezone.now()
    revision.effective_date = effective_date or revision.effective_date
    revision.rejection_reason = ""
    _save_transition(revision, previous)
    return revision


def can_sign(step: ApprovalStep, user: User) -> bool:
    """Whether `user` is the one this step waits for (ignoring the order of steps)."""
    if step.assignee_id is not None:
        return step.assignee_id == user.pk
    membership = Membership.objects.filter(organisation_id=step.organisation_id, user=user).first()
    return membership is not None and membership.has_role(step.role)


def waiting_steps(revision: DocumentRevision) -> QuerySet[ApprovalStep]:
    """The pending steps whose turn it is: every earlier position already signed."""
    pending = revision.steps.filter(status=ApprovalStep.Status.PENDING)
    first = pending.order_by("position").values_list("position", flat=True).first()
    return pending.filter(position=first) if first is not None else pending.none()


def _lock(revision: DocumentRevision) -> DocumentRevision:
    """Re-read the revision under a row lock: concurrent signatures on it queue here."""
    return DocumentRevision.objects.select_for_update().select_related("document").get(pk=revision.pk)


@transaction.atomic
def revision_sign(*, step: ApprovalStep, user: User, password: str, comment: str = "") -> ApprovalStep:
    """Sign a step: an electronic signature with re-entered password, meaning and time.

    The signature is written to the hash-chained change log; the last signature approves the
    revision, which becomes effective at once if its effective date has come.
    """
    revision = _lock(step.revision)
    step = ApprovalStep.objects.get(pk=step.pk)
    if revision.status != R.IN_REVIEW:
        raise ValidationError(f"Revision {revision.label} is not waiting for signatures.")
    if step.status != ApprovalStep.Status.PENDING:
        raise ValidationError("This step has already been signed or closed.")
    if not can_sign(step, user):
        raise ValidationError("This signature is not yours to give.")
    if not waiting_steps(revision).filter(pk=step.pk).exists():
        raise ValidationError("Earlier reviewers or approvers have not signed yet.")
    check_signature_password(user, password)
    step.status = ApprovalStep.Status.SIGNED
    step.signed_by = user
    step.signed_at = timezone.now()
    step.meaning = ApprovalStep.MEANINGS[step.kind]
    step.comment = comment
    with change_note(ObjectChange.Action.SIGNATURE, f"{step.meaning} by {user} ({user.email})"):
        step.save()
    if not revision.steps.filter(status=ApprovalStep.Status.PENDING).exists():
        previous = revision.status
        _move(revision, R.APPROVED)
        revision.approved_at = timezone.now()
        if revision.effective_date is None:
            revision.effective_date = timezone.localdate()
        _save_transition(revision, previous)
        if revision.effective_date <= timezone.localdate():
            revision_make_effective(revision=revision)
    return step


@transaction.atomic
def revision_reject(*, step: ApprovalStep, user: User, reason: str) -> DocumentRevision:
    """Reject with a reason: the revision goes back to draft and the other steps are cancelled."""
    if not reason.strip():
        raise ValidationError({"reason": "Say why the revision is rejected."})
    revision = _lock(step.revision)
    step = ApprovalStep.objects.get(pk=step.pk)
    if revision.status != R.IN_REVIEW or step.status != ApprovalStep.Status.PENDING:
        raise ValidationError("This revision is not waiting for your decision.")
    if not can_sign(step, user):
        raise ValidationError("This decision is not yours to take.")
    step.status = ApprovalStep.Status.REJECTED
    step.signed_by = user
    step.signed_at = timezone.now()
    step.comment = reason
    with change_note(ObjectChange.Action.TRANSITION, f"Rejected by {user}: {reason}"[:500]):
        step.save()
    revision.steps.filter(status=ApprovalStep.Status.PENDING).update(status=ApprovalStep.Status.CANCELLED)
    previous = revision.status
    _move(revision, R.DRAFT)
    revision.rejection_reason = reason
    _save_transition(revision, previous)
    return revision


@transaction.atomic
def revision_make_effective(*, revision: DocumentRevision) -> DocumentRevision:
    """Put an approved revision in force; the one it replaces becomes superseded."""
    revision = _lock(revision)
    document = Document.objects.select_for_update().get(pk=revision.document_id)
    previous = revision.status
    _move(revision, R.EFFECTIVE)
    for old in document.revisions.filter(status=R.EFFECTIVE).exclude(pk=revision.pk):
        old_status = old.status
        _move(old, R.SUPERSEDED)
        old.superseded_at = timezone.now()
        _save_transition(old, old_status)
    revision.effective_at = timezone.now()
    _save_transition(revision, previous)
    effective_on = revision.effective_date or timezone.localdate()
    document.current_revision = revision
    document.status = Document.Status.EFFECTIVE
    if document.review_interval_months:
        document.next_review_date = add_months(effective_on, document.review_interval_months)
    if document.is_record and document.retention_months and document.disposal_date is None:
        document.disposal_date = add_months(effective_on, document.retention_months)
    _refresh_search_text(document)
    document.save()
    return revision


@transaction.atomic
def revision_import_approved(
    *, revision: DocumentRevision, approved_on: datetime.date, approver: str
) -> DocumentRevision:
    """Put an imported revision in force as approved in the old system, on its old approval date;
    the old approval date and approver stay on it and the change log says it was imported."""
    if approved_on > timezone.localdate():
        raise ValidationError({"approved_on": "The approval date is in the future."})
    _move(revision, R.APPROVED)
    revision.approved_at = timezone.now()
    revision.effective_date = approved_on
    revision.legacy_approved_on = approved_on
    revision.legacy_approver = approver
    by = f" by {approver}" if approver else ""
    with change_note(
        ObjectChange.Action.TRANSITION, f"Imported: approved on {approved_on:%Y-%m-%d}{by}"[:500]
    ):
        revision.save()
    return revision_make_effective(revision=revision)


def revisions_publish_due(today: datetime.date | None = None) -> int:
    """Make effective every approved revision whose effective date has come (run daily)."""
    today = today or timezone.localdate()
    due = DocumentRevision.objects.filter(status=R.APPROVED, effective_date__lte=today)
    count = 0
    for revision in due:
        revision_make_effective(revision=revision)
        count += 1
    return count


# --- Periodic review -------------------------------------------------------------------------


@transaction.atomic
def document_review_record(
    *, document: Document, user: User, outcome: str, comment: str = ""
) -> PeriodicReview:
    """Record a periodic review: confirmed unchanged moves the next review date; a new
    revision is then drafted by the reviewer (the review date moves when it becomes effective)."""
    document = Document.objects.select_for_update().get(pk=document.pk)
    if document.status != Document.Status.EFFECTIVE:
        raise ValidationError("Only an effective document is reviewed.")
    if outcome not in PeriodicReview.Outcome.values:
        raise ValidationError({"outcome": f"“{outcome}” is not a review outcome."})
    review = PeriodicReview(
        organisation_id=document.organisation_id,
        document=document,
        reviewed_by=user,
        outcome=outcome,
        comment=comment,
    )
    if outcome == PeriodicReview.Outcome.CONFIRMED and document.review_interval_months:
        review.next_review_date = add_months(timezone.localdate(), document.review_interval_months)
        document.next_review_date = review.next_review_date
        document.save()
    review.save()
    return review


# --- Read and acknowledge --------------------------------------------------------------------


def distribution_members(document: Document) -> QuerySet[User]:
    """Everyone the document is distributed to: named people and members holding the roles."""
    return User.objects.filter(
        Q(pk__in=document.distribution_users.values("pk"))
        | Q(
            memberships__organisation_id=document.organisation_id,
            memberships__role__in=document.distribution_roles,
        )
    ).distinct()


@transaction.atomic
def acknowledge(*, revision: DocumentRevision, user: User) -> Acknowledgement:
    """Confirm that `user` has read the effective revision distributed to them."""
    if revision.status != R.EFFECTIVE:
        raise ValidationError("Only the effective revision is acknowledged.")
    if not distribution_members(revision.document).filter(pk=user.pk).exists():
        raise ValidationError("This document is not distributed to you.")
    if Acknowledgement.objects.filter(revision=revision, user=user).exists():
        raise ValidationError("You have already acknowledged this revision.")
    acknowledgement = Acknowledgement(organisation_id=revision.organisation_id, revision=revision, user=user)
    acknowledgement.save()
    return acknowledgement
