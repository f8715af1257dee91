"""Writes with rules for risks and opportunities: the versioned matrix, scoring, treatment,
the status workflow and the actions raised to treat them (ISO 9001/14001 6.1)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction

from integrum.actions.models import Action
from integrum.actions.services import action_create
from integrum.core.changelog import change_note
from integrum.core.models import Membership, ObjectChange, Organisation, User
from integrum.core.numbering import format_reference, next_number
from integrum.risks import scoring, sources
from integrum.risks.models import Risk, RiskMatrix
from integrum.standards.models import Standard
from integrum.standards.services import standards_chosen

S = Risk.Status

# The one table of allowed steps: from a status, to the statuses it may move to.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.OPEN: (S.TREATED, S.CLOSED),
    S.TREATED: (S.OPEN, S.CLOSED),
    S.CLOSED: (S.OPEN,),
}

TRANSITION_LABELS = {S.TREATED: "Mark treated", S.CLOSED: "Close", S.OPEN: "Reopen"}

# Fields a form or the API may set on a risk (the rest are computed or set by the workflow).
EDITABLE = (
    "kind",
    "title",
    "description",
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
)


def allowed_transitions(risk: Risk) -> tuple[str, ...]:
    return TRANSITIONS[risk.status]


# --- The matrix ------------------------------------------------------------------------------


@transaction.atomic
def risk_matrix_current(organisation: Organisation) -> RiskMatrix:
    """The organisation's matrix in force; the default 5×5 (version 1) on first use."""
    matrix = RiskMatrix.objects.filter(organisation=organisation, is_current=True).first()
    if matrix is not None:
        return matrix
    return RiskMatrix.objects.create(
        organisation=organisation,
        number=1,
        is_current=True,
        size=scoring.DEFAULT_SIZE,
        likelihood_labels=list(scoring.DEFAULT_LIKELIHOOD_LABELS),
        consequence_labels=list(scoring.DEFAULT_CONSEQUENCE_LABELS),
        bands=[dict(band) for band in scoring.DEFAULT_BANDS],
        note="Default 5×5 matrix.",
    )


@transaction.atomic
def risk_matrix_change(
    *,
    organisation: Organisation,
    size: int,
    likelihood_labels: list[str],
    consequence_labels: list[str],
    bands: list[dict[str, Any]],
    based_on: int,
    created_by: User | None,
    note: str = "",
) -> RiskMatrix:
    """Put a new version of the matrix in force; earlier versions (and risks scored on them) stay.

    `based_on` is the version the editor saw: if someone changed the matrix meanwhile, refuse.
    """
    current = risk_matrix_current(organisation)
    current = RiskMatrix.objects.select_for_update().get(pk=current.pk)
    if based_on != current.number:
        raise ValidationError(
            f"The matrix was changed to version {current.number} while you were editing version {based_on}. "
            "Reload the page to see it, then make your change again."
        )
    likelihood_labels = [str(label).strip() for label in likelihood_labels]
    consequence_labels = [str(label).strip() for label in consequence_labels]
    bands = [
        {"up_to": band.get("up_to"), "label": str(band.get("label", "")).strip(), "level": band.get("level")}
        if isinstance(band, dict)
        else band
        for band in bands
    ]
    scoring.validate_matrix(size, likelihood_labels, consequence_labels, bands)
    unchanged = (
        size == current.size
        and likelihood_labels == current.likelihood_labels
        and consequence_labels == current.consequence_labels
        and bands == current.bands
    )
    if unchanged:
        raise ValidationError(f"Nothing changed: the matrix is the same as version {current.number}.")
    if len(note) > 300:
        raise ValidationError({"note": "Keep the note to 300 characters."})
    current.is_current = False
    current.save(update_fields=["is_current", "updated_at"])
    return RiskMatrix.objects.create(
        organisation=organisation,
        number=current.number + 1,
        is_current=True,
        size=size,
        likelihood_labels=likelihood_labels,
        consequence_labels=consequence_labels,
        bands=bands,
        note=note.strip(),
        created_by=created_by,
    )


# --- Risks -----------------------------------------------------------------------------------


def _check_owner(organisation: Organisation, owner: User | None) -> None:
    if owner is not None and not Membership.objects.filter(organisation=organisation, user=owner).exists():
        raise ValidationError({"owner": "The owner must be a member of the organisation."})


def apply_scores(risk: Risk, matrix: RiskMatrix) -> None:
    """Compute both scores on `matrix` and apply the treatment and residual rules."""
    errors: dict[str, list[str]] = {}
    try:
        inherent, band = scoring.score(risk.inherent_likelihood, risk.inherent_consequence, matrix)
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(f"inherent_{name}", []).extend(messages)
    else:
        risk.inherent_score, risk.inherent_level = inherent, band.level
    residual_given = (risk.residual_likelihood is not None, risk.residual_consequence is not None)
    if any(residual_given) and not all(residual_given):
        errors.setdefault("residual_likelihood", []).append(
            "Give both the residual likelihood and consequence, or neither."
        )
    elif all(residual_given):
        try:
            residual, residual_band = scoring.score(
                risk.residual_likelihood, risk.residual_consequence, matrix
            )
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                errors.setdefault(f"residual_{name}", []).extend(messages)
        else:
            risk.residual_score, risk.residual_level = residual, residual_band.level
            if (
                risk.kind == Risk.Kind.RISK
                and "inherent_likelihood" not in errors
                and "inherent_consequence" not in errors
                and residual > risk.inherent_score
            ):
                errors.setdefault("residual_likelihood", []).append(
                    f"The residual score ({residual}) is higher than the inherent score "
                    f"({risk.inherent_score}): controls cannot make a risk worse. Lower the residual "
                    "likelihood or consequence, or raise the inherent ones."
                )
    else:
        risk.residual_score, risk.residual_level = None, ""
    if (
        risk.treatment
        and risk.kind in Risk.TREATMENTS_BY_KIND
        and risk.treatment not in Risk.TREATMENTS_BY_KIND[risk.kind]
    ):
        allowed = " or ".join(Risk.Treatment(t).label.lower() for t in Risk.TREATMENTS_BY_KIND[risk.kind])
        what = "an opportunity" if risk.kind == Risk.Kind.OPPORTUNITY else "a risk"
        errors.setdefault("treatment", []).append(f"The treatment of {what} is {allowed}.")
    if errors:
        raise ValidationError(errors)
    risk.matrix = matrix


def _set_source(risk: Risk, source: models.Model | None) -> None:
    sources.check_source(source, risk.organisation)
    if source is None:
        risk.source_type, risk.source_id = None, ""
    else:
        risk.source_type = ContentType.objects.get_for_model(source)
        risk.source_id = str(source.pk)


@transaction.atomic
def risk_create(
    *,
    organisation: Organisation,
    created_by: User | None,
    title: str,
    inherent_likelihood: int,
    inherent_consequence: int,
    standards: Iterable[Standard],
    kind: str = Risk.Kind.RISK,
    description: str = "",
    source: models.Model | None = None,
    cause: str = "",
    effect: str = "",
    existing_controls: str = "",
    treatment: str = "",
    residual_likelihood: int | None = None,
    residual_consequence: int | None = None,
    owner: User | None = None,
    review_date: datetime.date | None = None,
) -> Risk:
    """Register a risk or opportunity with the next reference (RSK-001), scored on the current matrix."""
    chosen = standards_chosen(standards, "the risk concerns")
    _check_owner(organisation, owner)
    risk = Risk(
        organisation=organisation,
        created_by=created_by,
        kind=kind,
        title=title,
        description=description,
        cause=cause,
        effect=effect,
        inherent_likelihood=inherent_likelihood,
        inherent_consequence=inherent_consequence,
        existing_controls=existing_controls,
        treatment=treatment,
        residual_likelihood=residual_likelihood,
        residual_consequence=residual_consequence,
        owner=owner,
        review_date=review_date,
    )
    _set_source(risk, source)
    apply_scores(risk, risk_matrix_current(organisation))
    risk.full_clean(exclude=["number", "reference", "standards"])
    risk.number = next_number(organisation, "risk")
    risk.reference = format_reference("RSK", risk.number, padding=3)
    risk.save()
    risk.standards.set(chosen)
    return risk


_UNSET: Any = object()


@transaction.atomic
def risk_update(
    *,
    risk: Risk,
    standards: Iterable[Standard] | None = None,
    source: Any = _UNSET,
    **fields: Any,
) -> Risk:
    """Edit a risk; it is re-scored on the current matrix. Pass `version` (the one the editor saw)."""
    unknown = set(fields) - {*EDITABLE, "version"}
    if unknown:
        raise ValidationError(f"These fields cannot be set: {', '.join(sorted(unknown))}.")
    for name, value in fields.items():
        setattr(risk, name, value)
    _check_owner(risk.organisation, risk.owner)
    if source is not _UNSET:
        _set_source(risk, source)
    chosen = standards_chosen(standards, "the risk concerns") if standards is not None else None
    apply_scores(risk, risk_matrix_current(risk.organisation))
    risk.full_clean(exclude=["number", "reference", "standards"])
    risk.save()
    if chosen is not None:
        risk.standards.set(chosen)
    return risk


@transaction.atomic
def risk_transition(*, risk: Risk, to: str) -> Risk:
    """Move a risk along its workflow; an illegal step raises ValidationError and changes nothing."""
    if to not in S.values:
        raise ValidationError(f"“{to}” is not a status of a risk.")
    if to not in TRANSITIONS[risk.status]:
        raise ValidationError(
            f"A risk that is {risk.get_status_display().lower()} cannot become {S(to).label.lower()}."
        )
    if to == S.TREATED:
        missing = []
        if not risk.treatment:
            missing.append("choose a treatment")
        if risk.residual_score is None:
            missing.append("score the residual likelihood and consequence")
        if missing:
            raise ValidationError(f"Before marking {risk.reference} treated, {' and '.join(missing)}.")
    previous = risk.get_status_display()
    risk.status = to
    with change_note(ObjectChange.Action.TRANSITION, f"{previous} → {S(to).label}"):
        risk.save()
    return risk


@transaction.atomic
def risk_delete(*, risk: Risk) -> None:
    """Delete a risk (managers); refused while actions raised from it are still open."""
    open_actions = Action.objects.raised_by(risk).open().count()
    if open_actions:
        raise ValidationError(
            f"Cannot delete {risk.reference}: {open_actions} action(s) raised to treat it are still open. "
            "Finish or cancel them first, or close the risk instead."
        )
    risk.delete()


@transaction.atomic
def risk_action_raise(
    *,
    risk: Risk,
    created_by: User | None,
    title: str,
    description: str = "",
    owner: User | None = None,
    due_date: datetime.date | None = None,
    priority: str = Action.Priority.MEDIUM,
) -> Action:
    """Raise a treatment action in the action tracker, with this risk as its source."""
    if risk.status == S.CLOSED:
        raise ValidationError(f"{risk.reference} is closed: reopen it before raising actions to treat it.")
    return action_create(
        organisation=risk.organisation,
        title=title,
        description=description,
        owner=owner,
        due_date=due_date,
        priority=priority,
        created_by=created_by,
        source=risk,
    )
