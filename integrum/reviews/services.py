"""Writes with rules for management reviews (ISO 9001 9.3, ISO 14001 9.3).

Life cycle: planned → inputs compiled (refreshable) → signed by the chair or a manager; a planned
or compiled review may be cancelled. Minutes and hand-written text are kept when inputs are
refreshed. Each output raises one action in the tracker with the output as its source.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from integrum.actions.models import Action
from integrum.actions.services import action_create, action_transition
from integrum.core.changelog import change_note
from integrum.core.dates import add_months
from integrum.core.models import ObjectChange, Organisation, User
from integrum.core.numbering import format_reference, next_number
from integrum.core.permissions import MANAGE, can
from integrum.core.signatures import check_signature_password
from integrum.core.validation import check_known_fields, check_member, check_members
from integrum.reviews.inputs import BY_KEY, InputSpec, compile_all, specs_for
from integrum.reviews.models import ManagementReview, ReviewInput, ReviewOutput
from integrum.standards.models import Standard
from integrum.standards.services import standards_chosen

S = ManagementReview.Status

# The one table of allowed steps. Compiled → compiled is "refresh the inputs".
TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.PLANNED: (S.COMPILED, S.CANCELLED),
    S.COMPILED: (S.COMPILED, S.SIGNED, S.CANCELLED),
    S.SIGNED: (),
    S.CANCELLED: (),
}

REVIEW_FIELDS = {
    "title",
    "scheduled_for",
    "held_on",
    "period_start",
    "period_end",
    "chair",
    "other_attendees",
    "conclusions",
}


def allowed_transitions(review: ManagementReview) -> tuple[str, ...]:
    return TRANSITIONS[review.status]


def _move(review: ManagementReview, to: str) -> str:
    if to not in TRANSITIONS[review.status]:
        raise ValidationError(
            f"{review.reference} is {review.get_status_display().lower()}: "
            f"it cannot become {S(to).label.lower()}."
        )
    previous = review.get_status_display()
    review.status = to
    return previous


def _check_editable(review: ManagementReview) -> None:
    if review.status in (S.SIGNED, S.CANCELLED):
        raise ValidationError(
            f"{review.reference} is {review.get_status_display().lower()}: its record can no longer change."
        )


def default_period_start(organisation: Organisation, scheduled_for: datetime.date) -> datetime.date:
    """The day after the last signed review's period, else one year before the meeting."""
    last_end = (
        ManagementReview.objects.filter(organisation=organisation, status=S.SIGNED)
        .order_by("-period_end")
        .values_list("period_end", flat=True)
        .first()
    )
    if last_end is not None and last_end < scheduled_for:
        return last_end + datetime.timedelta(days=1)
    return add_months(scheduled_for, -12)


def _check_period(review: ManagementReview) -> None:
    if review.period_end < review.period_start:
        raise ValidationError(
            {"period_end": "The period must end on or after the day it starts: check both dates."}
        )
    if review.held_on is not None and review.held_on > timezone.localdate():
        raise ValidationError({"held_on": "The meeting cannot have been held in the future."})


# --- Reviews ---------------------------------------------------------------------------------


@transaction.atomic
def review_create(
    *,
    organisation: Organisation,
    title: str,
    standards: Iterable[Standard],
    scheduled_for: datetime.date,
    period_start: datetime.date | None = None,
    period_end: datetime.date | None = None,
    chair: User | None = None,
    attendees: Iterable[User] = (),
    other_attendees: str = "",
) -> ManagementReview:
    """Schedule a review with the organisation's next reference (MR-0001)."""
    chosen = standards_chosen(standards, "the review covers")
    people = list(attendees)
    check_member(organisation, chair, "chair")
    check_members(organisation, people, "attendees")
    review = ManagementReview(
        organisation=organisation,
        title=title.strip(),
        scheduled_for=scheduled_for,
        period_start=period_start or default_period_start(organisation, scheduled_for),
        period_end=period_end or scheduled_for,
        chair=chair,
        other_attendees=other_attendees.strip(),
    )
    _check_period(review)
    review.full_clean(exclude=["number", "reference", "standards", "attendees"])
    review.number = next_number(organisation, "review")
    review.reference = format_reference("MR", review.number)
    review.save()
    review.standards.set(chosen)
    review.attendees.set(people)
    return review


@transaction.atomic
def review_update(
    *,
    review: ManagementReview,
    version: int,
    standards: Iterable[Standard] | None = None,
    attendees: Iterable[User] | None = None,
    **fields: Any,
) -> ManagementReview:
    """Edit a review that is not signed or cancelled; `version` is the one the editor saw."""
    check_known_fields(fields, REVIEW_FIELDS, "a review")
    _check_editable(review)
    organisation = review.organisation
    if "chair" in fields:
        check_member(organisation, fields["chair"], "chair")
    people = list(attendees) if attendees is not None else None
    if people is not None:
        check_members(organisation, people, "attendees")
    chosen = standards_chosen(standards, "the review covers") if standards is not None else None
    for name, value in fields.items():
        setattr(review, name, value.strip() if isinstance(value, str) else value)
    _check_period(review)
    review.full_clean(exclude=["number", "reference", "standards", "attendees"])
    review.version = version
    review.save()
    if chosen is not None:
        review.standards.set(chosen)
    if people is not None:
        review.attendees.set(people)
    return review


@transaction.atomic
def review_delete(*, review: ManagementReview) -> None:
    """Only a planned review may be deleted; a compiled one is cancelled instead."""
    if review.status != S.PLANNED:
        raise ValidationError(
            f"{review.reference} is {review.get_status_display().lower()}: only a planned review can be "
            "deleted. Cancel it instead, so the record stays."
        )
    review.delete()


def applicable_specs(review: ManagementReview) -> list[InputSpec]:
    return specs_for(standard.code for standard in review.standards.all())


@transaction.atomic
def review_compile(*, review: ManagementReview) -> ManagementReview:
    """Compile (or refresh) every input from live data, keeping minutes and hand-written text.

    The snapshots are written in bulk; the review's change-log entry records the step.
    """
    # Lock the row so two refreshes queue, then work on the caller's object with fresh values.
    ManagementReview.objects.select_for_update().filter(pk=review.pk).exists()
    review.refresh_from_db()
    previous = _move(review, S.COMPILED)
    organisation = review.organisation
    specs = applicable_specs(review)
    existing = {item.key: item for item in ReviewInput.objects.select_for_update().filter(review=review)}
    created, changed = [], []
    snapshots = compile_all(specs, review, organisation)
    for position, spec in enumerate(specs, start=1):
        data = snapshots[spec.key]
        item = existing.get(spec.key)
        if item is None:
            created.append(
                ReviewInput(
                    organisation=organisation, review=review, key=spec.key, position=position, compiled=data
                )
            )
        else:
            item.compiled, item.position, item.version = data, position, item.version + 1
            changed.append(item)
    ReviewInput.objects.bulk_create(created)
    if changed:
        ReviewInput.objects.bulk_update(changed, ["compiled", "position", "version", "updated_at"])
    review.compiled_at = timezone.now()
    label = "Inputs refreshed" if previous == S.COMPILED.label else S.COMPILED.label
    with change_note(ObjectChange.Action.TRANSITION, f"{previous} → {label}"):
        review.save()
    return review


@transaction.atomic
def input_update(
    *, review_input: ReviewInput, version: int, minutes: str | None = None, manual: str | None = None
) -> ReviewInput:
    """Record the minutes of an input, or the text written by hand for it."""
    review = review_input.review
    _check_editable(review)
    if minutes is not None:
        review_input.minutes = minutes.strip()
    if manual is not None:
        review_input.manual = manual.strip()
    review_input.version = version
    review_input.save()
    return review_input


# --- Outputs ---------------------------------------------------------------------------------


@transaction.atomic
def output_create(
    *,
    review: ManagementReview,
    kind: str,
    decision: str,
    created_by: User | None,
    input_key: str = "",
    owner: User | None = None,
    due_date: datetime.date | None = None,
    priority: str = Action.Priority.MEDIUM,
) -> ReviewOutput:
    """Record a decision of the review and raise its action in the tracker."""
    if review.status != S.COMPILED:
        raise ValidationError(
            f"{review.reference} is {review.get_status_display().lower()}: decisions are recorded once the "
            "inputs are compiled and before the review is signed."
        )
    if kind not in ReviewOutput.Kind.values:
        raise ValidationError({"kind": "Choose what kind of decision it is."})
    decision = (decision or "").strip()
    if not decision:
        raise ValidationError({"decision": "Write the decision: what will be done and why."})
    if input_key and not review.inputs.filter(key=input_key).exists():
        raise ValidationError({"input_key": "Choose one of this review's inputs, or none."})
    check_member(review.organisation, owner, "owner")
    output = ReviewOutput.objects.create(
        organisation=review.organisation, review=review, kind=kind, decision=decision, input_key=input_key
    )
    title = decision.splitlines()[0]
    action = action_create(
        organisation=review.organisation,
        title=f"{review.reference}: {title}"[:200],
        description=f"{ReviewOutput.Kind(kind).label}, decided in {review}.\n\n{decision}",
        created_by=created_by,
        owner=owner,
        due_date=due_date,
        priority=priority,
        source=output,
    )
    output.action = action
    output.save()
    return output


@transaction.atomic
def output_delete(*, output: ReviewOutput) -> None:
    """Withdraw a decision before the review is signed; its open action is cancelled."""
    review = output.review
    if review.status != S.COMPILED:
        raise ValidationError(
            f"{review.reference} is {review.get_status_display().lower()}: its decisions can no longer change."
        )
    action = output.action
    if action is not None and action.status in Action.OPEN_STATUSES:
        action_transition(
            action=action,
            to=Action.Status.CANCELLED,
            outcome=f"The decision was withdrawn from {review.reference}.",
        )
    output.delete()


# --- Signature and cancellation --------------------------------------------------------------


def signature_problems(review: ManagementReview) -> list[str]:
    """What must be done before the review can be signed (empty: it can be)."""
    problems = []
    if not review.held_on:
        problems.append("Record the date the meeting was held.")
    if not review.conclusions.strip():
        problems.append("Write the conclusions on the suitability, adequacy and effectiveness of the system.")
    if not review.attendees.exists() and not review.other_attendees.strip():
        problems.append("Record who attended.")
    return problems


def can_sign(review: ManagementReview, user: Any) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and (review.chair_id == user.pk or can(user, review.organisation_id, MANAGE))
    )


@transaction.atomic
def review_sign(*, review: ManagementReview, user: User, password: str) -> ManagementReview:
    """The chair (or a manager) signs the review with their password; the record is then closed."""
    if review.status != S.COMPILED:
        raise ValidationError(
            f"{review.reference} is {review.get_status_display().lower()}: only a review with compiled inputs "
            "can be signed."
        )
    if not can_sign(review, user):
        raise ValidationError("Only the chair of the review or a manager can sign it.")
    problems = signature_problems(review)
    if problems:
        raise ValidationError(f"{review.reference} cannot be signed yet. " + " ".join(problems))
    check_signature_password(user, password)
    _move(review, S.SIGNED)
    review.signed_at = timezone.now()
    review.signed_by = user
    with change_note(ObjectChange.Action.SIGNATURE, f"Management review approved by {user} ({user.email})"):
        review.save()
    return review


@transaction.atomic
def review_cancel(*, review: ManagementReview, reason: str = "") -> ManagementReview:
    """Cancel a review that will not be held; its decisions' actions stay in the tracker."""
    previous = _move(review, S.CANCELLED)
    message = f"{previous} → {S.CANCELLED.label}"
    if reason.strip():
        message += f": {reason.strip()}"
    with change_note(ObjectChange.Action.TRANSITION, message[:500]):
        review.save()
    return review


# --- Coverage --------------------------------------------------------------------------------


@dataclass(frozen=True)
class InputCoverage:
    spec: InputSpec
    covered: bool
    why: str
    review_input: ReviewInput | None = None


@dataclass(frozen=True)
class ClauseCoverage:
    label: str
    covered: bool
    inputs: list[InputCoverage]


def coverage(review: ManagementReview, inputs: Iterable[ReviewInput] | None = None) -> list[InputCoverage]:
    """Each input the review's standards require, and whether it was covered.

    An input is covered when its minutes are recorded and, for one written by hand, its text is.
    """
    by_key = {item.key: item for item in (inputs if inputs is not None else review.inputs.all())}
    found = []
    for spec in applicable_specs(review):
        item = by_key.get(spec.key)
        if item is None:
            found.append(InputCoverage(spec, False, "Not compiled yet."))
            continue
        missing = []
        if spec.manual and not item.manual.strip():
            missing.append("the text written by hand")
        if not item.minutes.strip():
            missing.append("minutes")
        if missing:
            found.append(InputCoverage(spec, False, f"No {' and no '.join(missing)} yet.", item))
        else:
            found.append(InputCoverage(spec, True, "Discussed and minuted.", item))
    return found


def clause_coverage(
    review: ManagementReview, found: list[InputCoverage]
) -> list[tuple[Standard, list[ClauseCoverage]]]:
    """Per standard of the review, each clause label with its inputs: covered when all of them are."""
    result = []
    for standard in sorted(review.standards.all(), key=lambda s: s.code):
        labels: dict[str, list[InputCoverage]] = {}
        for entry in found:
            for label in entry.spec.clauses_of(standard.code):
                labels.setdefault(label, []).append(entry)
        clauses = [
            ClauseCoverage(label, all(e.covered for e in entries), entries)
            for label, entries in sorted(labels.items(), key=lambda pair: _clause_sort(pair[0]))
        ]
        result.append((standard, clauses))
    return result


def _clause_sort(label: str) -> tuple[Any, ...]:
    return tuple(part.strip(")") for part in label.split())


def spec_of(key: str) -> InputSpec | None:
    return BY_KEY.get(key)
