"""Writes with rules for nonconformities and corrective action (ISO 9001/14001 10.2).

The life cycle is the one table `TRANSITIONS` (status → step → next status). Each step has its
own service below; every step is written to the change log with a note "A → B", which is the
status history the detail page shows.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from integrum.actions.models import Action
from integrum.actions.services import action_create
from integrum.audits.models import NONCONFORMITY_GRADES, Finding, Grade
from integrum.context.models import Process
from integrum.core.changelog import change_note
from integrum.core.models import ObjectChange, Organisation, Site, User
from integrum.core.numbering import format_reference, next_number
from integrum.core.permissions import MANAGE, WRITE, can, membership_in
from integrum.core.signatures import check_signature_password
from integrum.core.validation import check_member
from integrum.environment.models import ComplianceEvaluation
from integrum.improvement.models import Cause, CauseEntry, Nonconformity
from integrum.risks.models import Risk

NC = Nonconformity
S = Nonconformity.Status

# The one table of allowed steps: from a status, each step and the status it leads to.
# `record_effectiveness` leads to closed when effective, back to corrective action when not.
TRANSITIONS: dict[str, dict[str, str]] = {
    S.REPORTED: {"triage": S.OPEN, "reject": S.REJECTED},
    S.OPEN: {"start_actions": S.ACTION, "close_signed": S.CLOSED},
    S.ACTION: {"request_verification": S.VERIFICATION, "close_signed": S.CLOSED},
    S.VERIFICATION: {"record_effectiveness": S.CLOSED, "close_signed": S.CLOSED},
    S.CLOSED: {"reopen": S.ACTION},
    S.REJECTED: {},
}

# The role each step needs (viewers read; contributors take the work on; managers decide).
STEP_ROLES: dict[str, str] = {
    "triage": MANAGE,
    "reject": MANAGE,
    "start_actions": WRITE,
    "request_verification": WRITE,
    "record_effectiveness": WRITE,
    "close_signed": MANAGE,
    "reopen": MANAGE,
}

STEP_LABELS: dict[str, str] = {
    "triage": "Triage",
    "reject": "Reject",
    "start_actions": "Start corrective action",
    "request_verification": "Request effectiveness check",
    "record_effectiveness": "Record effectiveness",
    "close_signed": "Close with signature",
    "reopen": "Reopen",
}

EDITABLE_FIELDS = {
    "title",
    "description",
    "detected_on",
    "source_detail",
    "process",
    "site",
    "severity",
    "owner",
    "containment",
    "correction",
    "root_cause",
    "cause_category",
    "similar",
    "similar_note",
    "risks",
}

EFFECTIVENESS_DAYS = 30
MAX_WHYS = 10
GRADE_SEVERITY: dict[str, str] = {Grade.MAJOR: NC.Severity.MAJOR, Grade.MINOR: NC.Severity.MINOR}


def allowed_steps(nc: Nonconformity, user: Any = None) -> list[str]:
    """The steps possible now; with a user, only those their role allows."""
    steps = list(TRANSITIONS[nc.status])
    if user is not None:
        steps = [step for step in steps if can(user, nc.organisation_id, STEP_ROLES[step])]
    return steps


def _label(status: str) -> str:
    return str(S(status).label)


def _step_target(step: str) -> str:
    return next(row[step] for row in TRANSITIONS.values() if step in row)


def _check_step(nc: Nonconformity, step: str, user: User | None) -> str:
    """Refuse a step the status or the user's role does not allow; the status it leads to."""
    if step not in TRANSITIONS[nc.status]:
        raise ValidationError(
            f"{nc.reference} is {_label(nc.status).lower()}: it cannot go from {_label(nc.status)} to "
            f"{_label(_step_target(step))} ({STEP_LABELS[step].lower()})."
        )
    if user is not None and not can(user, nc.organisation_id, STEP_ROLES[step]):
        raise ValidationError(f"{STEP_LABELS[step]} needs the {STEP_ROLES[step]} role.")
    return TRANSITIONS[nc.status][step]


def _lock(nc: Nonconformity) -> Nonconformity:
    return Nonconformity.objects.select_for_update().get(pk=nc.pk)


def _save_transition(nc: Nonconformity, previous: str, extra: str = "") -> None:
    message = f"{_label(previous)} → {_label(nc.status)}" + (f": {extra}" if extra else "")
    with change_note(ObjectChange.Action.TRANSITION, message[:500]):
        nc.save()


def _text(value: str | None) -> str:
    return (value or "").strip()


def _check_site(organisation: Organisation, site: Site | None) -> None:
    if site is not None and site.organisation_id != organisation.pk:
        raise ValidationError({"site": "Choose a site of the organisation."})


def _check_own_site(organisation: Organisation, user: User | None, site: Site | None) -> None:
    """A member limited to some sites records on those sites only (or on none)."""
    membership = membership_in(user, organisation.pk) if user is not None else None
    if (
        membership is not None
        and site is not None
        and membership.site_ids
        and site.pk not in membership.site_ids
    ):
        raise ValidationError({"site": f"You work at other sites than {site}: choose one of yours."})


def _check_risks(organisation: Organisation, risks: Iterable[Risk]) -> list[Risk]:
    chosen = list(risks)
    if any(risk.organisation_id != organisation.pk for risk in chosen):
        raise ValidationError({"risks": "Choose risks of the organisation."})
    return chosen


def _check_date(detected_on: datetime.date) -> None:
    if detected_on > timezone.localdate():
        raise ValidationError({"detected_on": "The date it was found cannot be in the future."})


def _number(nc: Nonconformity) -> None:
    nc.number = next_number(nc.organisation, "nonconformity")
    nc.reference = format_reference("NC", nc.number)


def _check_source(
    *,
    organisation: Organisation,
    source: str,
    finding: Finding | None,
    evaluation: ComplianceEvaluation | None,
    process: Process | None,
    source_detail: str,
) -> None:
    errors: dict[str, str] = {}
    if source not in NC.Source.values:
        raise ValidationError({"source": "Choose where the nonconformity comes from."})
    if finding is not None and finding.organisation_id != organisation.pk:
        errors["finding"] = "Choose a finding of the organisation."
    if evaluation is not None and evaluation.organisation_id != organisation.pk:
        errors["evaluation"] = "Choose a compliance evaluation of the organisation."
    if process is not None and process.organisation_id != organisation.pk:
        errors["process"] = "Choose a process of the organisation."
    if errors:
        raise ValidationError(errors)
    if source == NC.Source.FINDING:
        if finding is None:
            errors["finding"] = "Choose the audit finding it comes from."
        elif finding.grade not in NONCONFORMITY_GRADES:
            errors["finding"] = (
                f"{finding.reference} is graded {finding.get_grade_display().lower()}: only major and minor "
                "nonconformities are taken further here."
            )
    elif finding is not None:
        errors["finding"] = "Link a finding only when the source is an audit finding."
    if source == NC.Source.COMPLIANCE:
        if evaluation is None:
            errors["evaluation"] = "Choose the compliance evaluation that failed."
        elif evaluation.result not in ComplianceEvaluation.FAILED_RESULTS:
            errors["evaluation"] = (
                f"{evaluation.reference} did not find the organisation partly or not compliant."
            )
    elif evaluation is not None:
        errors["evaluation"] = "Link an evaluation only when the source is a compliance evaluation."
    if source == NC.Source.PROCESS and process is None:
        errors["process"] = "Choose the process where it happened."
    if source in (NC.Source.COMPLAINT, NC.Source.SUPPLIER) and not source_detail:
        what = "the complaint's reference or customer" if source == NC.Source.COMPLAINT else "the supplier"
        errors["source_detail"] = f"Name {what}."
    if errors:
        raise ValidationError(errors)


# --- Creating ----------------------------------------------------------------------------------


@transaction.atomic
def nc_create(
    *,
    organisation: Organisation,
    title: str,
    description: str,
    detected_on: datetime.date | None,
    user: User | None,
    source: str,
    finding: Finding | None = None,
    evaluation: ComplianceEvaluation | None = None,
    process: Process | None = None,
    source_detail: str = "",
    site: Site | None = None,
    severity: str = "",
    owner: User | None = None,
    containment: str = "",
    correction: str = "",
    risks: Iterable[Risk] = (),
) -> Nonconformity:
    """Raise an open nonconformity from its source (a major/minor finding, a failed evaluation, a
    process, a complaint or a supplier); the finding's site, process and grade are the defaults."""
    source_detail = _text(source_detail)
    _check_source(
        organisation=organisation,
        source=source,
        finding=finding,
        evaluation=evaluation,
        process=process,
        source_detail=source_detail,
    )
    if finding is not None:
        site = site or finding.site
        process = process or finding.process
        severity = severity or GRADE_SEVERITY.get(Grade(finding.grade), "")
    if evaluation is not None and not severity:
        failed = evaluation.result == ComplianceEvaluation.Result.NOT_COMPLIANT
        severity = NC.Severity.MAJOR if failed else NC.Severity.MINOR
    errors: dict[str, str] = {}
    if not _text(title):
        errors["title"] = "Give the nonconformity a short title."
    if not _text(description):
        errors["description"] = "Describe what was found and where."
    if severity not in NC.Severity.values:
        errors["severity"] = "Choose how severe it is: minor, major or critical."
    if errors:
        raise ValidationError(errors)
    detected_on = detected_on or timezone.localdate()
    _check_date(detected_on)
    _check_site(organisation, site)
    _check_own_site(organisation, user, site)
    check_member(organisation, owner, "owner")
    chosen_risks = _check_risks(organisation, risks)
    nc = Nonconformity(
        organisation=organisation,
        title=_text(title),
        description=_text(description),
        status=S.OPEN,
        source=source,
        finding=finding,
        evaluation=evaluation,
        process=process,
        source_detail=source_detail,
        site=site,
        severity=severity,
        detected_on=detected_on,
        reported_by=user,
        owner=owner,
        containment=_text(containment),
        correction=_text(correction),
    )
    _number(nc)
    nc.full_clean()
    nc.save()
    if chosen_risks:
        nc.risks.set(chosen_risks)
    return nc


@transaction.atomic
def nc_report(
    *,
    organisation: Organisation,
    user: User,
    title: str,
    description: str,
    site: Site | None = None,
    detected_on: datetime.date | None = None,
    photo: UploadedFile | None = None,
) -> Nonconformity:
    """The quick report anyone who writes can make: a few words, triaged later by a manager."""
    errors: dict[str, str] = {}
    if not _text(title):
        errors["title"] = "Say in a few words what happened."
    if not _text(description):
        errors["description"] = "Add a detail or two: where, what you saw."
    if errors:
        raise ValidationError(errors)
    if not can(user, organisation.pk, WRITE):
        raise ValidationError("Reporting a problem needs the contributor role.")
    detected_on = detected_on or timezone.localdate()
    _check_date(detected_on)
    _check_site(organisation, site)
    _check_own_site(organisation, user, site)
    nc = Nonconformity(
        organisation=organisation,
        title=_text(title),
        description=_text(description),
        status=S.REPORTED,
        source=NC.Source.REPORT,
        site=site,
        detected_on=detected_on,
        reported_by=user,
    )
    _number(nc)
    nc.full_clean()
    nc.save()
    if photo is not None:
        from integrum.core.services import attachment_add

        attachment_add(to=nc, upload=photo, user=user)
    return nc


@transaction.atomic
def nc_update(*, nc: Nonconformity, version: int, **fields: Any) -> Nonconformity:
    """Edit the record while it is not closed or rejected; `version` is the one the editor saw."""
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise ValidationError(f"These fields cannot be edited: {', '.join(sorted(unknown))}.")
    if nc.status in (S.CLOSED, S.REJECTED):
        raise ValidationError(f"{nc.reference} is {_label(nc.status).lower()}: reopen it to change it.")
    risks = fields.pop("risks", None)
    for name, value in fields.items():
        setattr(nc, name, _text(value) if isinstance(value, str) else value)
    nc.version = version
    errors: dict[str, str] = {}
    if not nc.title:
        errors["title"] = "Give the nonconformity a short title."
    if not nc.description:
        errors["description"] = "Describe what was found and where."
    if nc.status != S.REPORTED and nc.severity not in NC.Severity.values:
        errors["severity"] = "An open nonconformity needs a severity."
    if nc.source in (NC.Source.COMPLAINT, NC.Source.SUPPLIER) and not nc.source_detail:
        errors["source_detail"] = "Name the complaint or the supplier."
    if nc.source == NC.Source.PROCESS and nc.process is None:
        errors["process"] = "Choose the process where it happened."
    if errors:
        raise ValidationError(errors)
    _check_date(nc.detected_on)
    _check_site(nc.organisation, nc.site)
    if nc.process is not None and nc.process.organisation_id != nc.organisation_id:
        raise ValidationError({"process": "Choose a process of the organisation."})
    check_member(nc.organisation, nc.owner, "owner")
    chosen = _check_risks(nc.organisation, risks) if risks is not None else None
    nc.full_clean()
    nc.save()
    if chosen is not None:
        nc.risks.set(chosen)
    return nc


@transaction.atomic
def nc_delete(*, nc: Nonconformity) -> None:
    """Only a report that was never taken on (reported or rejected) may be deleted."""
    if nc.status not in (S.REPORTED, S.REJECTED):
        raise ValidationError(
            f"{nc.reference} is {_label(nc.status).lower()}: only reported or rejected ones can be deleted; "
            "close it instead."
        )
    if Action.objects.raised_by(nc).exists():
        raise ValidationError(f"{nc.reference} has actions in the tracker and cannot be deleted.")
    nc.delete()


# --- Steps -------------------------------------------------------------------------------------


@transaction.atomic
def nc_triage(*, nc: Nonconformity, severity: str, owner: User | None, user: User) -> Nonconformity:
    """A manager accepts a quick report as a nonconformity: how severe, who owns it."""
    nc = _lock(nc)
    _check_step(nc, "triage", user)
    if severity not in NC.Severity.values:
        raise ValidationError({"severity": "Choose how severe it is: minor, major or critical."})
    if owner is None:
        raise ValidationError({"owner": "Choose who owns the nonconformity."})
    check_member(nc.organisation, owner, "owner")
    previous = nc.status
    nc.status, nc.severity, nc.owner = S.OPEN, severity, owner
    _save_transition(nc, previous)
    return nc


@transaction.atomic
def nc_reject(*, nc: Nonconformity, reason: str, user: User) -> Nonconformity:
    """A manager decides a report is not a nonconformity; the reason stays in the change log."""
    nc = _lock(nc)
    _check_step(nc, "reject", user)
    reason = _text(reason)
    if not reason:
        raise ValidationError({"reason": "Say why this is not a nonconformity."})
    previous = nc.status
    nc.status = S.REJECTED
    nc.closure_justification = reason
    _save_transition(nc, previous, reason)
    return nc


def _actions(nc: Nonconformity) -> Any:
    return Action.objects.raised_by(nc)


@transaction.atomic
def nc_start_actions(*, nc: Nonconformity, user: User | None = None) -> Nonconformity:
    """Analysis done: root cause, its category, similar cases assessed and corrective actions planned."""
    nc = _lock(nc)
    _check_step(nc, "start_actions", user)
    problems = []
    if not nc.root_cause.strip():
        problems.append("record the root cause")
    if not nc.cause_category:
        problems.append("choose the root cause's category")
    if not nc.similar:
        problems.append("say whether similar nonconformities exist or could occur")
    live = _actions(nc).exclude(status=Action.Status.CANCELLED)
    if nc.reopened_at is not None:
        live = live.filter(created_at__gt=nc.reopened_at)
    if not live.exists():
        problems.append("add at least one corrective action")
    if problems:
        raise ValidationError(f"Before corrective action starts, {'; '.join(problems)}.")
    previous = nc.status
    nc.status = S.ACTION
    _save_transition(nc, previous)
    return nc


@transaction.atomic
def nc_request_verification(
    *, nc: Nonconformity, effectiveness_due: datetime.date | None = None, user: User | None = None
) -> Nonconformity:
    """Every corrective action is done (or cancelled, at least one done): plan the effectiveness check."""
    nc = _lock(nc)
    _check_step(nc, "request_verification", user)
    today = timezone.localdate()
    effectiveness_due = effectiveness_due or today + datetime.timedelta(days=EFFECTIVENESS_DAYS)
    if effectiveness_due < today:
        raise ValidationError({"effectiveness_due": "The effectiveness check cannot be due in the past."})
    actions = _actions(nc)
    still_open = [a.reference for a in actions if a.status in Action.OPEN_STATUSES]
    if still_open:
        raise ValidationError(
            f"Cannot request verification: {len(still_open)} action(s) still open ({', '.join(still_open)})."
        )
    done = actions.filter(status=Action.Status.DONE)
    if nc.reopened_at is not None:
        done = done.filter(created_at__gt=nc.reopened_at)
    if not done.exists():
        raise ValidationError(
            "Cannot request verification: no corrective action is done"
            + (" since it went back to corrective action." if nc.reopened_at else ".")
        )
    previous = nc.status
    nc.status = S.VERIFICATION
    nc.effectiveness_due = effectiveness_due
    nc.effectiveness = NC.Effectiveness.PENDING
    _save_transition(nc, previous, f"check due {effectiveness_due:%d %b %Y}")
    return nc


@transaction.atomic
def nc_record_effectiveness(*, nc: Nonconformity, result: str, note: str, user: User) -> Nonconformity:
    """Effective: the nonconformity closes. Not effective: back to corrective action for new actions."""
    nc = _lock(nc)
    _check_step(nc, "record_effectiveness", user)
    if result not in (NC.Effectiveness.EFFECTIVE, NC.Effectiveness.NOT_EFFECTIVE):
        raise ValidationError({"result": "Choose effective or not effective."})
    note = _text(note)
    if not note:
        raise ValidationError({"note": "Say what was checked and what it showed."})
    previous = nc.status
    now = timezone.now()
    nc.effectiveness = result
    nc.effectiveness_note = note
    nc.effectiveness_checked_by = user
    nc.effectiveness_checked_on = timezone.localdate()
    if result == NC.Effectiveness.EFFECTIVE:
        nc.status = S.CLOSED
        nc.closed_at = now
        nc.closed_by = user
    else:
        nc.status = S.ACTION
        nc.times_reopened += 1
        nc.reopened_at = now
    _save_transition(nc, previous, str(NC.Effectiveness(result).label).lower())
    return nc


@transaction.atomic
def nc_close_signed(*, nc: Nonconformity, user: User, password: str, justification: str) -> Nonconformity:
    """A manager closes without verified effectiveness, signing with their password and saying why."""
    nc = _lock(nc)
    _check_step(nc, "close_signed", user)
    justification = _text(justification)
    if not justification:
        raise ValidationError({"justification": "Say why it is closed without a verified effectiveness."})
    check_signature_password(user, password)
    nc.status = S.CLOSED
    nc.closed_at = timezone.now()
    nc.closed_by = user
    nc.closure_justification = justification
    meaning = f"Closed without verified effectiveness by {user} ({user.email})"
    with change_note(ObjectChange.Action.SIGNATURE, f"{meaning}: {justification}"[:500]):
        nc.save()
    return nc


@transaction.atomic
def nc_reopen(*, nc: Nonconformity, user: User, reason: str) -> Nonconformity:
    """A manager reopens a closed nonconformity (it recurred, the check was wrong): new actions follow."""
    nc = _lock(nc)
    _check_step(nc, "reopen", user)
    reason = _text(reason)
    if not reason:
        raise ValidationError({"reason": "Say why it is reopened."})
    previous = nc.status
    nc.status = S.ACTION
    nc.times_reopened += 1
    nc.reopened_at = timezone.now()
    # The change log keeps the earlier closure and check; the record shows the new round only.
    nc.closed_at = None
    nc.closed_by = None
    nc.closure_justification = ""
    nc.effectiveness_due = None
    nc.effectiveness = NC.Effectiveness.PENDING
    nc.effectiveness_note = ""
    nc.effectiveness_checked_by = None
    nc.effectiveness_checked_on = None
    _save_transition(nc, previous, reason)
    return nc


# --- Corrective actions ------------------------------------------------------------------------


@transaction.atomic
def nc_action_create(
    *,
    nc: Nonconformity,
    title: str,
    created_by: User | None,
    owner: User | None = None,
    due_date: datetime.date | None = None,
    priority: str = Action.Priority.MEDIUM,
    description: str = "",
) -> Action:
    """A corrective action in the tracker with the nonconformity as its source."""
    if nc.status not in (S.OPEN, S.ACTION):
        raise ValidationError(
            f"{nc.reference} is {_label(nc.status).lower()}: actions are added while it is open or under "
            "corrective action."
        )
    if not _text(title):
        raise ValidationError({"title": "Say what the action is."})
    return action_create(
        organisation=nc.organisation,
        title=_text(title),
        description=description,
        owner=owner,
        site=nc.site,
        due_date=due_date,
        priority=priority,
        created_by=created_by,
        source=nc,
    )


# --- Root-cause analysis -----------------------------------------------------------------------


def _check_analysable(nc: Nonconformity) -> None:
    if nc.status in (S.CLOSED, S.REJECTED):
        raise ValidationError(f"{nc.reference} is {_label(nc.status).lower()}: its analysis is on record.")


def _check_cause(method: str, category: str, text: str) -> None:
    errors: dict[str, str] = {}
    if method not in CauseEntry.Method.values:
        errors["method"] = "Choose 5 whys or fishbone."
    if category and category not in Cause.values:
        errors["category"] = "Choose one of the 6M categories."
    if method == CauseEntry.Method.FISHBONE and not category:
        errors["category"] = "A fishbone cause needs its 6M category (people, machine, method, …)."
    if not text:
        errors["text"] = "Write the cause."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def cause_add(
    *, nc: Nonconformity, method: str, text: str, category: str = "", is_root: bool = False
) -> CauseEntry:
    """Add the next 'why' (in order, at most ten) or a cause on one bone of the fishbone."""
    nc = _lock(nc)
    _check_analysable(nc)
    text = _text(text)
    _check_cause(method, category, text)
    same = nc.causes.filter(method=method)
    if method == CauseEntry.Method.FIVE_WHYS and same.count() >= MAX_WHYS:
        raise ValidationError(f"At most {MAX_WHYS} whys: the root cause should be clear by then.")
    if method == CauseEntry.Method.FISHBONE:
        same = same.filter(category=category)
    position = (same.aggregate(last=Max("position"))["last"] or 0) + 1
    entry = CauseEntry(
        organisation_id=nc.organisation_id,
        nonconformity=nc,
        method=method,
        position=position,
        category=category,
        text=text,
        is_root=is_root,
    )
    entry.full_clean()
    entry.save()
    return entry


@transaction.atomic
def cause_update(
    *, entry: CauseEntry, text: str | None = None, category: str | None = None, is_root: bool | None = None
) -> CauseEntry:
    _check_analysable(entry.nonconformity)
    new_text = _text(text) if text is not None else entry.text
    new_category = category if category is not None else entry.category
    _check_cause(entry.method, new_category, new_text)
    if new_category != entry.category and entry.method == CauseEntry.Method.FISHBONE:
        siblings = entry.nonconformity.causes.filter(method=entry.method, category=new_category)
        entry.position = (siblings.aggregate(last=Max("position"))["last"] or 0) + 1
    entry.text, entry.category = new_text, new_category
    if is_root is not None:
        entry.is_root = is_root
    entry.full_clean()
    entry.save()
    return entry


@transaction.atomic
def cause_delete(*, entry: CauseEntry) -> None:
    """Remove a cause; the whys after it move up so they stay numbered 1, 2, 3, …"""
    nc = entry.nonconformity
    _check_analysable(nc)
    method, category, position = entry.method, entry.category, entry.position
    entry.delete()
    later = nc.causes.filter(method=method, position__gt=position)
    if method == CauseEntry.Method.FISHBONE:
        later = later.filter(category=category)
    for following in later.order_by("position"):
        following.position -= 1
        following.save()


# --- From other apps ---------------------------------------------------------------------------


def raise_from_failed_evaluation(
    sender: Any, evaluation: ComplianceEvaluation, user: User | None = None, **kwargs: Any
) -> Nonconformity:
    """Receiver of `environment.services.evaluation_failed`: an open nonconformity for the failure."""
    obligation = evaluation.obligation
    owner = obligation.owner
    if (
        owner is not None
        and not owner.memberships.filter(organisation_id=evaluation.organisation_id).exists()
    ):
        owner = None
    sites = list(obligation.sites.all()[:2])
    result = ComplianceEvaluation.Result(evaluation.result).label.lower()
    return nc_create(
        organisation=evaluation.organisation,
        title=f"{result.capitalize()} with {obligation.reference} {obligation.title}"[:200],
        description=(
            f"{evaluation.reference} on {evaluation.evaluated_on:%d %b %Y} found the organisation {result} "
            f"with {obligation.reference} {obligation.title}.\n\nEvidence: {evaluation.evidence}"
        ),
        detected_on=evaluation.evaluated_on or timezone.localdate(),
        user=user,
        source=NC.Source.COMPLIANCE,
        evaluation=evaluation,
        site=sites[0] if len(sites) == 1 else None,
        owner=owner,
    )
