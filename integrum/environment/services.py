"""Writes with rules for aspects, significance methods, compliance obligations and evaluations
(ISO 14001:2015 6.1.2, 6.1.3, 9.1.2)."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import django.dispatch
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from integrum.core.changelog import change_note
from integrum.core.dates import add_months
from integrum.core.models import ObjectChange, Organisation, Site, User
from integrum.core.numbering import format_reference, next_number
from integrum.core.validation import check_known_fields, check_member, check_sites
from integrum.environment.models import (
    Aspect,
    AspectAssessment,
    ComplianceEvaluation,
    ComplianceObligation,
    SignificanceMethod,
)

MAX_CRITERIA = 12
MAX_SCALE = 1000
MAX_WEIGHT = Decimal(100)
MAX_MONTHS = 120
ACTION_DUE_DAYS = 30

# Sent inside the transaction that records a partly or not compliant result (ISO 14001 9.1.2):
# the improvement app raises a nonconformity from it (10.2). Arguments: evaluation, user.
evaluation_failed = django.dispatch.Signal()

Agg = SignificanceMethod.Aggregation
OS = ComplianceObligation.Status
ES = ComplianceEvaluation.Status

# The one table of allowed steps of each life cycle.
OBLIGATION_TRANSITIONS: dict[str, tuple[str, ...]] = {OS.ACTIVE: (OS.WITHDRAWN,), OS.WITHDRAWN: (OS.ACTIVE,)}
EVALUATION_TRANSITIONS: dict[str, tuple[str, ...]] = {ES.SCHEDULED: (ES.COMPLETED,), ES.COMPLETED: ()}


# --- Significance methods --------------------------------------------------------------------

DEFAULT_CRITERIA = [
    {"key": "severity", "label": "Severity of the impact", "scale_min": 1, "scale_max": 5},
    {"key": "probability", "label": "Probability or frequency", "scale_min": 1, "scale_max": 5},
    {"key": "extent", "label": "Scale and extent", "scale_min": 1, "scale_max": 5},
    {"key": "legal", "label": "Legal exposure", "scale_min": 1, "scale_max": 5},
    {"key": "concern", "label": "Concern of interested parties", "scale_min": 1, "scale_max": 5},
]
DEFAULT_METHOD = {
    "name": "Five-criteria score",
    "description": (
        "Each criterion is rated from 1 (negligible) to 5 (very high) and the ratings are added up: "
        "a total of 12 or more out of 25 makes the aspect significant. An aspect to which a compliance "
        "obligation applies is always significant, and so is an emergency whose severity is 4 or more."
    ),
    "criteria": DEFAULT_CRITERIA,
    "aggregation": Agg.SUM,
    "threshold": Decimal(12),
    "obligation_override": True,
    "emergency_criterion": "severity",
    "emergency_min": 4,
}

_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def _decimal(value: Any, what: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError(f"{what} must be a number.") from None
    if not number.is_finite():
        raise ValidationError(f"{what} must be a number.")
    return number


def clean_criteria(raw: Any) -> list[dict[str, Any]]:
    """Check a criteria list and return it in its stored form; ValidationError({"criteria": …})."""

    def fail(message: str) -> ValidationError:
        return ValidationError({"criteria": message})

    if not isinstance(raw, list) or not raw:
        raise fail("Give at least one criterion.")
    if len(raw) > MAX_CRITERIA:
        raise fail(f"Give at most {MAX_CRITERIA} criteria.")
    cleaned, keys = [], set()
    for position, item in enumerate(raw, start=1):
        if not isinstance(item, Mapping):
            raise fail(f"Criterion {position} must have a key, a label and a scale.")
        key = str(item.get("key", "")).strip()
        label = str(item.get("label", "")).strip()
        if not _KEY.match(key):
            raise fail(
                f"Criterion {position}: the key must start with a letter and use lower-case letters, digits or _."
            )
        if key in keys:
            raise fail(f"Two criteria share the key “{key}”.")
        keys.add(key)
        if not label or len(label) > 100:
            raise fail(f"Criterion “{key}” needs a label of at most 100 characters.")
        low, high = item.get("scale_min"), item.get("scale_max")
        if (
            isinstance(low, bool)
            or isinstance(high, bool)
            or not isinstance(low, int)
            or not isinstance(high, int)
        ):
            raise fail(f"Criterion “{key}”: the scale runs between two whole numbers.")
        if not (0 <= low < high <= MAX_SCALE):
            raise fail(f"Criterion “{key}”: the scale must run upwards, from 0 to {MAX_SCALE} at most.")
        entry: dict[str, Any] = {"key": key, "label": label, "scale_min": low, "scale_max": high}
        weight = item.get("weight")
        if weight not in (None, ""):
            try:
                value = _decimal(weight, "weight")
            except ValidationError:
                raise fail(f"Criterion “{key}”: the weight must be a number.") from None
            if not (0 < value <= MAX_WEIGHT) or value.as_tuple().exponent < -2:  # type: ignore[operator]
                raise fail(
                    f"Criterion “{key}”: the weight must be above 0 and at most 100, with two decimals at most."
                )
            entry["weight"] = str(value.normalize()) if value != value.to_integral() else str(int(value))
        cleaned.append(entry)
    return cleaned


def _check_method(method: SignificanceMethod) -> None:
    method.criteria = clean_criteria(method.criteria)
    errors: dict[str, str] = {}
    if method.aggregation not in Agg.values:
        errors["aggregation"] = "Choose sum, product or max."
    if method.emergency_criterion and method.emergency_criterion not in method.criterion_keys:
        errors["emergency_criterion"] = "Name one of the method's criteria, or leave it empty."
    if method.emergency_criterion and method.emergency_min is None:
        errors["emergency_min"] = "Give the score from which an emergency makes the aspect significant."
    if errors:
        raise ValidationError(errors)
    method.threshold = _decimal(method.threshold, "The threshold")
    method.full_clean(exclude=["organisation", "created_by"])


def significance_method_current(organisation: Organisation) -> SignificanceMethod:
    """The organisation's method in force; the default one is set up on first use."""
    method = SignificanceMethod.objects.filter(organisation=organisation, is_current=True).first()
    if method is None:
        method = _create_default(organisation)
    return method


@transaction.atomic
def _create_default(organisation: Organisation) -> SignificanceMethod:
    method = SignificanceMethod(organisation=organisation, revision=1, is_current=True, **DEFAULT_METHOD)
    _check_method(method)
    method.save()
    return method


@transaction.atomic
def significance_method_revise(
    *,
    organisation: Organisation,
    user: User | None,
    based_on_revision: int | None = None,
    **fields: Any,
) -> SignificanceMethod:
    """Write the next version of the organisation's method; the previous one stays for history.

    `based_on_revision` is the version the editor saw: if another was written since, the edit is
    refused rather than silently replacing it.
    """
    allowed = {
        "name",
        "description",
        "criteria",
        "aggregation",
        "threshold",
        "obligation_override",
        "emergency_criterion",
        "emergency_min",
    }
    check_known_fields(fields, allowed, "a method")
    current = (
        SignificanceMethod.objects.select_for_update()
        .filter(organisation=organisation, is_current=True)
        .first()
    )
    if based_on_revision is not None and (current.revision if current else None) != based_on_revision:
        raise ValidationError(
            "Someone wrote a newer version of the method while you were editing it. Reload it and make your change again."
        )
    values = {name: getattr(current, name) for name in allowed} if current else dict(DEFAULT_METHOD)
    values.update(fields)
    method = SignificanceMethod(
        organisation=organisation,
        revision=(current.revision + 1) if current else 1,
        is_current=True,
        created_by=user,
        **values,
    )
    _check_method(method)
    if current is not None:
        current.is_current = False
        with change_note(ObjectChange.Action.TRANSITION, f"Superseded by version {method.revision}"):
            current.save()
    method.save()
    return method


# --- Scoring ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    total: Decimal
    above_threshold: bool
    rule: str  # AspectAssessment.Rule value, "" when no rule applied
    significant: bool


def weighted(method: SignificanceMethod, scores: Mapping[str, int]) -> list[Decimal]:
    return [Decimal(scores[c["key"]]) * Decimal(str(c.get("weight", 1))) for c in method.criteria]


def check_scores(method: SignificanceMethod, scores: Mapping[str, Any]) -> dict[str, int]:
    """Every criterion scored with a whole number on its scale, and nothing else."""
    errors: dict[str, str] = {}
    unknown = [key for key in scores if key not in method.criterion_keys]
    if unknown:
        errors["scores"] = f"The method has no criterion {', '.join(sorted(map(str, unknown)))}."
    cleaned: dict[str, int] = {}
    for criterion in method.criteria:
        key, low, high = criterion["key"], criterion["scale_min"], criterion["scale_max"]
        value = scores.get(key)
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            value = int(value.strip())
        if value is None or value == "":
            errors[key] = f"Score {criterion['label'].lower()} from {low} to {high}."
        elif isinstance(value, bool) or not isinstance(value, int):
            errors[key] = f"Give a whole number from {low} to {high}."
        elif not low <= value <= high:
            errors[key] = (
                f"{criterion['label']} is scored from {low} to {high}; {value} is outside the scale."
            )
        else:
            cleaned[key] = value
    if errors:
        raise ValidationError(errors)
    return cleaned


def evaluate(
    method: SignificanceMethod, scores: Mapping[str, int], *, condition: str, has_obligation: bool
) -> Outcome:
    """The method's verdict on checked scores: aggregate, compare with the threshold, apply the rules."""
    values = weighted(method, scores)
    if method.aggregation == Agg.SUM:
        total = sum(values, Decimal(0))
    elif method.aggregation == Agg.PRODUCT:
        total = Decimal(1)
        for value in values:
            total *= value
    else:
        total = max(values)
    above = total >= method.threshold
    rule = ""
    if method.obligation_override and has_obligation:
        rule = AspectAssessment.Rule.OBLIGATION
    elif (
        method.emergency_criterion
        and method.emergency_min is not None
        and condition == Aspect.Condition.EMERGENCY
        and scores.get(method.emergency_criterion, method.emergency_min - 1) >= method.emergency_min
    ):
        rule = AspectAssessment.Rule.EMERGENCY
    return Outcome(total=total, above_threshold=above, rule=rule, significant=above or bool(rule))


@transaction.atomic
def aspect_score(
    aspect: Aspect,
    *,
    scores: Mapping[str, Any],
    method: SignificanceMethod | None = None,
    user: User | None = None,
    manual_significant: bool | None = None,
    manual_reason: str = "",
) -> AspectAssessment:
    """Score an aspect with a method version (default: the organisation's current one).

    Stores an assessment (earlier ones are kept) and puts its verdict on the aspect. A manual
    override of the verdict needs a reason.
    """
    organisation = aspect.organisation
    if method is None:
        method = significance_method_current(organisation)
    if method.organisation_id != aspect.organisation_id:
        raise ValidationError("Score the aspect with a method of its own organisation.")
    manual_reason = (manual_reason or "").strip()
    if manual_significant is not None and not manual_reason:
        raise ValidationError({"manual_reason": "Say why you override the method's result."})
    if manual_significant is None and manual_reason:
        raise ValidationError(
            {
                "manual_significant": "Choose significant or not significant for the override, or clear the reason."
            }
        )
    cleaned = check_scores(method, scores)
    has_obligation = aspect.obligations.filter(status=ComplianceObligation.Status.ACTIVE).exists()
    outcome = evaluate(method, cleaned, condition=aspect.condition, has_obligation=has_obligation)
    significant = outcome.significant if manual_significant is None else manual_significant
    assessment = AspectAssessment.objects.create(
        organisation=organisation,
        aspect=aspect,
        method=method,
        scores=cleaned,
        total=outcome.total,
        above_threshold=outcome.above_threshold,
        overridden_by_rule=outcome.rule,
        manual_significant=manual_significant,
        manual_reason=manual_reason,
        significant=significant,
        assessed_by=user,
    )
    locked = Aspect.objects.select_for_update().get(pk=aspect.pk)
    before = "significant" if locked.significant else "not significant"
    locked.score = outcome.total
    locked.significant = significant
    locked.assessed_at = assessment.assessed_at
    after = "significant" if significant else "not significant"
    with change_note(
        ObjectChange.Action.TRANSITION, f"Scored {outcome.total.normalize():f}: {before} → {after}"
    ):
        locked.save(update_fields=["score", "significant", "assessed_at", "updated_at"])
    aspect.score, aspect.significant, aspect.assessed_at = (
        locked.score,
        locked.significant,
        locked.assessed_at,
    )
    aspect.version = locked.version
    return assessment


# --- Aspects ---------------------------------------------------------------------------------

ASPECT_FIELDS = {
    "activity",
    "aspect",
    "impact",
    "impact_type",
    "condition",
    "lifecycle_stage",
    "control",
    "existing_controls",
    "owner",
}


def _check_obligations(organisation: Organisation, obligations: Iterable[ComplianceObligation]) -> list[Any]:
    obligations = list(obligations)
    if any(o.organisation_id != organisation.pk for o in obligations):
        raise ValidationError({"obligations": "Choose obligations of the organisation."})
    return obligations


@transaction.atomic
def aspect_create(
    *,
    organisation: Organisation,
    activity: str,
    aspect: str,
    impact: str,
    sites: Iterable[Site] = (),
    obligations: Iterable[ComplianceObligation] = (),
    **fields: Any,
) -> Aspect:
    """Register an aspect with the organisation's next reference (ASP-001)."""
    check_known_fields(fields, ASPECT_FIELDS, "an aspect")
    check_member(organisation, fields.get("owner"), "owner")
    site_list = check_sites(organisation, sites)
    obligation_list = _check_obligations(organisation, obligations)
    record = Aspect(organisation=organisation, activity=activity, aspect=aspect, impact=impact, **fields)
    record.full_clean(exclude=["number", "reference"])
    record.number = next_number(organisation, "aspect")
    record.reference = format_reference("ASP", record.number, padding=3)
    record.save()
    record.sites.set(site_list)
    record.obligations.set(obligation_list)
    return record


@transaction.atomic
def aspect_update(
    *,
    instance: Aspect,
    version: int,
    sites: Iterable[Site] | None = None,
    obligations: Iterable[ComplianceObligation] | None = None,
    **fields: Any,
) -> Aspect:
    """Edit an aspect (`instance`: its own field is called `aspect`); `version` is the one the
    editor saw (a stale edit raises StaleEdit)."""
    aspect = instance
    check_known_fields(fields, ASPECT_FIELDS, "an aspect")
    organisation = aspect.organisation
    if "owner" in fields:
        check_member(organisation, fields["owner"], "owner")
    site_list = check_sites(organisation, sites) if sites is not None else None
    obligation_list = _check_obligations(organisation, obligations) if obligations is not None else None
    for name, value in fields.items():
        setattr(aspect, name, value)
    aspect.version = version
    aspect.full_clean(exclude=["number", "reference"])
    aspect.save()
    if site_list is not None:
        aspect.sites.set(site_list)
    if obligation_list is not None:
        aspect.obligations.set(obligation_list)
    return aspect


@transaction.atomic
def aspect_delete(*, aspect: Aspect) -> None:
    """Delete an aspect and its assessments (managers)."""
    aspect.delete()


# --- Compliance obligations ------------------------------------------------------------------

OBLIGATION_FIELDS = {
    "title",
    "source_reference",
    "jurisdiction",
    "issuer",
    "kind",
    "activities",
    "summary",
    "owner",
    "evaluation_frequency_months",
}


def _check_frequency(months: Any) -> None:
    if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= MAX_MONTHS:
        raise ValidationError(
            {
                "evaluation_frequency_months": f"Give the evaluation frequency in months, from 1 to {MAX_MONTHS}."
            }
        )


def _schedule(obligation: ComplianceObligation, due: datetime.date) -> ComplianceEvaluation:
    evaluation = ComplianceEvaluation(
        organisation_id=obligation.organisation_id,
        obligation=obligation,
        due_date=due,
        evaluator=obligation.owner,
    )
    evaluation.number = next_number(obligation.organisation, "evaluation")
    evaluation.reference = format_reference("EVAL", evaluation.number, padding=3)
    evaluation.save()
    return evaluation


@transaction.atomic
def obligation_create(
    *,
    organisation: Organisation,
    title: str,
    sites: Iterable[Site] = (),
    first_evaluation_due: datetime.date | None = None,
    origin: Any = None,
    **fields: Any,
) -> ComplianceObligation:
    """Register an obligation (OBL-001) and schedule its first evaluation of compliance (by default
    one evaluation period from today)."""
    check_known_fields(fields, OBLIGATION_FIELDS, "an obligation")
    check_member(organisation, fields.get("owner"), "owner")
    site_list = check_sites(organisation, sites)
    obligation = ComplianceObligation(organisation=organisation, title=title, origin=origin, **fields)
    _check_frequency(obligation.evaluation_frequency_months)
    obligation.full_clean(exclude=["number", "reference", "origin"])
    obligation.number = next_number(organisation, "obligation")
    obligation.reference = format_reference("OBL", obligation.number, padding=3)
    obligation.save()
    obligation.sites.set(site_list)
    due = first_evaluation_due or add_months(timezone.localdate(), obligation.evaluation_frequency_months)
    _schedule(obligation, due)
    return obligation


@transaction.atomic
def obligation_update(
    *, obligation: ComplianceObligation, version: int, sites: Iterable[Site] | None = None, **fields: Any
) -> ComplianceObligation:
    check_known_fields(fields, OBLIGATION_FIELDS, "an obligation")
    organisation = obligation.organisation
    if "owner" in fields:
        check_member(organisation, fields["owner"], "owner")
    site_list = check_sites(organisation, sites) if sites is not None else None
    for name, value in fields.items():
        setattr(obligation, name, value)
    _check_frequency(obligation.evaluation_frequency_months)
    obligation.version = version
    obligation.full_clean(exclude=["number", "reference", "origin"])
    obligation.save()
    if site_list is not None:
        obligation.sites.set(site_list)
    return obligation


@transaction.atomic
def obligation_transition(*, obligation: ComplianceObligation, to: str) -> ComplianceObligation:
    """Withdraw an obligation, or bring a withdrawn one back (which schedules its next evaluation)."""
    if to not in OS.values:
        raise ValidationError(f"“{to}” is not a status of an obligation.")
    if to not in OBLIGATION_TRANSITIONS[obligation.status]:
        raise ValidationError(
            f"An obligation that is {obligation.get_status_display().lower()} cannot become {OS(to).label.lower()}."
        )
    previous = obligation.get_status_display()
    obligation.status = to
    with change_note(ObjectChange.Action.TRANSITION, f"{previous} → {OS(to).label}"):
        obligation.save()
    if to == OS.ACTIVE and not obligation.evaluations.filter(status=ES.SCHEDULED).exists():
        _schedule(obligation, timezone.localdate())
    return obligation


@transaction.atomic
def obligation_delete(*, obligation: ComplianceObligation) -> None:
    """Delete an obligation never evaluated; one with completed evaluations is withdrawn instead."""
    if obligation.evaluations.filter(status=ES.COMPLETED).exists():
        raise ValidationError(
            "Its compliance has been evaluated: withdraw it instead, so the evaluation records stay."
        )
    obligation.delete()


@transaction.atomic
def obligation_from_requirement(*, requirement: Any, user: User) -> ComplianceObligation:
    """One step from an interested party's adopted requirement to a compliance obligation (6.1.3)."""
    if not requirement.adopted:
        raise ValidationError(
            "Only an adopted requirement can become a compliance obligation: adopt it first."
        )
    if not requirement.becomes_obligation:
        raise ValidationError(
            "This requirement is not marked as becoming a compliance obligation: mark it first."
        )
    existing = ComplianceObligation.objects.filter(origin_id=requirement.pk).first()
    if existing is not None:
        raise ValidationError(f"{existing.reference} was already created from this requirement.")
    organisation = requirement.organisation
    party = requirement.party
    text = " ".join(requirement.text.split())
    title = text if len(text) <= 200 else text[:199] + "…"
    owner = user if user.memberships.filter(organisation=organisation).exists() else None
    return obligation_create(
        organisation=organisation,
        title=title,
        kind=ComplianceObligation.Kind.OTHER,
        issuer=str(getattr(party, "name", "") or "")[:200],
        source_reference=f"Requirement of interested party {getattr(party, 'reference', '')}".strip()[:300],
        summary=requirement.text,
        owner=owner,
        origin=requirement,
    )


# --- Evaluations of compliance ---------------------------------------------------------------


@transaction.atomic
def evaluation_schedule(
    *, obligation: ComplianceObligation, due_date: datetime.date, evaluator: User | None = None
) -> ComplianceEvaluation:
    """Plan an extra evaluation of an active obligation."""
    if obligation.status != OS.ACTIVE:
        raise ValidationError("A withdrawn obligation is no longer evaluated.")
    check_member(obligation.organisation, evaluator, "evaluator")
    evaluation = _schedule(obligation, due_date)
    if evaluator is not None:
        evaluation.evaluator = evaluator
        evaluation.save(update_fields=["evaluator"])
    return evaluation


@transaction.atomic
def evaluation_update(
    *, evaluation: ComplianceEvaluation, version: int, **fields: Any
) -> ComplianceEvaluation:
    """Move a scheduled evaluation or give it to someone else."""
    check_known_fields(fields, {"due_date", "evaluator", "notes"}, "an evaluation")
    if evaluation.status != ES.SCHEDULED and set(fields) & {"due_date", "evaluator"}:
        raise ValidationError("A completed evaluation keeps its date and evaluator.")
    if "evaluator" in fields:
        check_member(evaluation.organisation, fields["evaluator"], "evaluator")
    for name, value in fields.items():
        setattr(evaluation, name, value)
    evaluation.version = version
    evaluation.full_clean(exclude=["number", "reference"])
    evaluation.save()
    return evaluation


@transaction.atomic
def evaluation_complete(
    *,
    evaluation: ComplianceEvaluation,
    result: str,
    evidence: str,
    user: User,
    evaluated_on: datetime.date | None = None,
    evaluator: User | None = None,
) -> ComplianceEvaluation:
    """Record the result: the next evaluation is scheduled from the obligation's frequency, and a
    partly or not compliant result raises a high-priority action for the obligation's owner at once."""
    from integrum.actions.models import Action
    from integrum.actions.services import action_create

    evaluation = (
        ComplianceEvaluation.objects.select_for_update().select_related("obligation").get(pk=evaluation.pk)
    )
    if ES.COMPLETED not in EVALUATION_TRANSITIONS[evaluation.status]:
        raise ValidationError(f"{evaluation.reference} is already completed.")
    errors: dict[str, str] = {}
    if result not in ComplianceEvaluation.Result.values:
        errors["result"] = "Choose compliant, partly compliant, not compliant or not applicable."
    if not (evidence or "").strip():
        errors["evidence"] = "Describe the evidence you checked (documents, readings, inspections)."
    today = timezone.localdate()
    evaluated_on = evaluated_on or today
    if evaluated_on > today:
        errors["evaluated_on"] = "The evaluation date cannot be in the future."
    evaluator = evaluator or evaluation.evaluator or user
    if (
        evaluator is not None
        and not evaluator.memberships.filter(organisation_id=evaluation.organisation_id).exists()
    ):
        errors["evaluator"] = "Choose a member of the organisation."
    if errors:
        raise ValidationError(errors)
    obligation = evaluation.obligation
    evaluation.status = ES.COMPLETED
    evaluation.result = result
    evaluation.evidence = evidence.strip()
    evaluation.evaluator = evaluator
    evaluation.evaluated_on = evaluated_on
    active = obligation.status == OS.ACTIVE
    evaluation.next_due_date = (
        add_months(evaluated_on, obligation.evaluation_frequency_months) if active else None
    )
    label = ComplianceEvaluation.Result(result).label
    with change_note(ObjectChange.Action.TRANSITION, f"Scheduled → Completed ({label.lower()})"):
        evaluation.save()
    others_scheduled = obligation.evaluations.filter(status=ES.SCHEDULED).exclude(pk=evaluation.pk).exists()
    if evaluation.next_due_date is not None and not others_scheduled:
        _schedule(obligation, evaluation.next_due_date)
    if result in ComplianceEvaluation.FAILED_RESULTS:
        action_create(
            organisation=evaluation.organisation,
            title=f"Restore compliance with {obligation.reference} {obligation.title}"[:200],
            description=(
                f"{evaluation.reference} on {evaluated_on:%d %b %Y} found the organisation {label.lower()} "
                f"with {obligation.reference}.\n\nEvidence: {evaluation.evidence}"
            ),
            created_by=user,
            owner=obligation.owner
            if obligation.owner
            and obligation.owner.memberships.filter(organisation_id=obligation.organisation_id).exists()
            else None,
            due_date=today + datetime.timedelta(days=ACTION_DUE_DAYS),
            priority=Action.Priority.HIGH,
            source=evaluation,
        )
        # Inside the transaction: the nonconformity the improvement app raises commits with it.
        evaluation_failed.send(sender=ComplianceEvaluation, evaluation=evaluation, user=user)
    return evaluation


@transaction.atomic
def evaluation_delete(*, evaluation: ComplianceEvaluation) -> None:
    """Remove a scheduled evaluation planned by mistake; completed ones are records and stay."""
    if evaluation.status == ES.COMPLETED:
        raise ValidationError("A completed evaluation is a record of compliance and cannot be deleted.")
    evaluation.delete()
