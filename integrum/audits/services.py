"""Writes with rules for internal audit (ISO 9001/14001 9.2): the programme, auditors, audits and
their one table of steps (`AUDIT_TRANSITIONS`), checklists, findings and grade definitions."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max, ProtectedError, Q
from django.utils import timezone

from integrum.audits.models import (
    NONCONFORMITY_GRADES,
    Audit,
    Auditor,
    AuditProgramme,
    ChecklistItem,
    Finding,
    Grade,
    GradeDefinition,
)
from integrum.context.models import Process
from integrum.core.changelog import change_note
from integrum.core.models import Attachment, ObjectChange, Organisation, Site, User
from integrum.core.numbering import format_reference, next_number
from integrum.core.permissions import MANAGE, membership_in
from integrum.core.services import attachment_add
from integrum.core.validation import check_known_fields, check_member, check_members, check_sites
from integrum.standards.models import Clause, Standard
from integrum.standards.services import standards_chosen

S = Audit.Status
Answer = ChecklistItem.Answer

AUDIT_TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.PLANNED: (S.PREPARED, S.CANCELLED),
    S.PREPARED: (S.PLANNED, S.IN_PROGRESS, S.CANCELLED),
    S.IN_PROGRESS: (S.REPORTED, S.CANCELLED),
    S.REPORTED: (S.IN_PROGRESS, S.CLOSED),
    S.CLOSED: (),
    S.CANCELLED: (),
}

# The label of each step on buttons ("Start the audit") where the status name alone is unclear.
STEP_LABELS: dict[tuple[str, str], str] = {
    (S.PLANNED, S.PREPARED): "Mark prepared",
    (S.PREPARED, S.PLANNED): "Back to planned",
    (S.PREPARED, S.IN_PROGRESS): "Start the audit",
    (S.IN_PROGRESS, S.REPORTED): "Issue the report",
    (S.REPORTED, S.IN_PROGRESS): "Reopen to correct the report",
    (S.REPORTED, S.CLOSED): "Close the audit",
}

PROGRAMME_FIELDS = {"title", "start_date", "end_date", "objectives", "method", "manager"}
AUDITOR_FIELDS = {"qualifications", "is_active"}
AUDIT_FIELDS = {"programme", "title", "scope", "planned_start", "planned_end", "lead_auditor", "summary"}
FINDING_FIELDS = {"grade", "clause", "statement", "evidence", "process", "site", "checklist_item"}

CHECKLIST_EDITABLE = (S.PLANNED, S.PREPARED)
FINDINGS_OPEN = (S.IN_PROGRESS, S.REPORTED)
EVIDENCE_OPEN = (S.IN_PROGRESS, S.REPORTED)
ENDED = (S.CLOSED, S.CANCELLED)

# Our own wording of the usual certification-body grading (after ISO/IEC 17021-1 practice).
DEFAULT_GRADES: dict[str, tuple[str, str]] = {
    Grade.MAJOR: (
        "A requirement is not met in a way that puts in doubt the system's ability to achieve its "
        "intended results: a requirement missing altogether, a breakdown across processes or sites, "
        "or several minor nonconformities against the same requirement that together show the system "
        "is not working.",
        "Contain it at once, find the root cause, correct and take corrective action; its nonconformity "
        "closes only once the action is shown to have worked.",
    ),
    Grade.MINOR: (
        "A requirement is not met, but the lapse is isolated and does not put in doubt the system's "
        "ability to achieve its intended results.",
        "Correct it, find the cause and take corrective action within the agreed time; checked at the "
        "next audit of the area.",
    ),
    Grade.OBSERVATION: (
        "Not a nonconformity: a weakness or trend that could become one if it is left alone.",
        "No formal response required; the process owner should consider it and it is looked at again "
        "at the next audit.",
    ),
    Grade.OFI: (
        "A suggestion for doing something better, where the requirement is already met.",
        "No obligation: the process owner decides whether to act on it.",
    ),
}


def _check_processes(organisation: Organisation, processes: Iterable[Process], field: str) -> list[Process]:
    chosen = list(processes)
    if any(process.organisation_id != organisation.pk for process in chosen):
        raise ValidationError({field: "Choose processes of the organisation."})
    return chosen


def _check_clauses(clauses: Iterable[Clause], standards: list[Standard]) -> list[Clause]:
    chosen = list(clauses)
    standard_ids = {standard.pk for standard in standards}
    stray = [clause for clause in chosen if clause.standard_id not in standard_ids]
    if stray:
        names = ", ".join(f"{clause.number} ({clause.standard})" for clause in stray[:5])
        raise ValidationError(
            {
                "clauses": f"These clauses are not of the audit's standards: {names}. Add the standard or drop them."
            }
        )
    return chosen


def _same_organisation(organisation: Organisation, obj: Any, field: str, what: str) -> None:
    if obj is not None and obj.organisation_id != organisation.pk:
        raise ValidationError({field: f"Choose {what} of the organisation."})


# --- Programme -------------------------------------------------------------------------------


def _check_programme(programme: AuditProgramme) -> None:
    check_member(programme.organisation, programme.manager, "manager")
    if programme.start_date and programme.end_date and programme.end_date < programme.start_date:
        raise ValidationError({"end_date": "The programme cannot end before it starts."})


@transaction.atomic
def programme_create(
    *,
    organisation: Organisation,
    title: str,
    start_date: datetime.date,
    end_date: datetime.date,
    standards: Iterable[Standard],
    **fields: Any,
) -> AuditProgramme:
    """Set up an audit programme with the organisation's next reference (AP-001)."""
    check_known_fields(fields, PROGRAMME_FIELDS, "an audit programme")
    chosen = standards_chosen(standards, "the programme covers")
    programme = AuditProgramme(
        organisation=organisation, title=title, start_date=start_date, end_date=end_date, **fields
    )
    _check_programme(programme)
    programme.full_clean(exclude=["number", "reference", "standards"])
    programme.number = next_number(organisation, "audit_programme")
    programme.reference = format_reference("AP", programme.number, padding=3)
    programme.save()
    programme.standards.set(chosen)
    return programme


@transaction.atomic
def programme_update(
    *, programme: AuditProgramme, version: int, standards: Iterable[Standard] | None = None, **fields: Any
) -> AuditProgramme:
    check_known_fields(fields, PROGRAMME_FIELDS, "an audit programme")
    chosen = standards_chosen(standards, "the programme covers") if standards is not None else None
    for name, value in fields.items():
        setattr(programme, name, value)
    _check_programme(programme)
    programme.version = version
    programme.full_clean(exclude=["number", "reference", "standards"])
    programme.save()
    if chosen is not None:
        programme.standards.set(chosen)
    return programme


@transaction.atomic
def programme_delete(*, programme: AuditProgramme) -> None:
    """Delete a programme (managers); refused while audits belong to it."""
    count = programme.audits.count()
    if count:
        raise ValidationError(
            f"Cannot delete {programme.reference}: {count} audit(s) belong to it. "
            "Delete them or move them to another programme first."
        )
    programme.delete()


# --- Auditors --------------------------------------------------------------------------------


@transaction.atomic
def auditor_create(
    *,
    organisation: Organisation,
    user: User,
    standards: Iterable[Standard] = (),
    own_processes: Iterable[Process] = (),
    **fields: Any,
) -> Auditor:
    """Register a member as an internal auditor, with the processes they work in."""
    check_known_fields(fields, AUDITOR_FIELDS, "an auditor")
    if user is None:
        raise ValidationError({"user": "Choose the member who audits."})
    check_member(organisation, user, "user")
    if Auditor.objects.filter(organisation=organisation, user=user).exists():
        raise ValidationError({"user": f"{user} is already registered as an auditor."})
    processes = _check_processes(organisation, own_processes, "own_processes")
    auditor = Auditor(organisation=organisation, user=user, **fields)
    auditor.full_clean(exclude=["standards", "own_processes"])
    auditor.save()
    auditor.standards.set(list(standards))
    auditor.own_processes.set(processes)
    return auditor


@transaction.atomic
def auditor_update(
    *,
    auditor: Auditor,
    version: int,
    standards: Iterable[Standard] | None = None,
    own_processes: Iterable[Process] | None = None,
    **fields: Any,
) -> Auditor:
    check_known_fields(fields, AUDITOR_FIELDS, "an auditor")
    processes = (
        _check_processes(auditor.organisation, own_processes, "own_processes")
        if own_processes is not None
        else None
    )
    for name, value in fields.items():
        setattr(auditor, name, value)
    auditor.version = version
    auditor.full_clean(exclude=["standards", "own_processes"])
    auditor.save()
    if standards is not None:
        auditor.standards.set(list(standards))
    if processes is not None:
        auditor.own_processes.set(processes)
    return auditor


@transaction.atomic
def auditor_delete(*, auditor: Auditor) -> None:
    """Remove someone from the auditor register (their past audits keep them as lead or team)."""
    auditor.delete()


# --- Audits ----------------------------------------------------------------------------------


def _check_audit(audit: Audit, team: list[User] | None) -> None:
    organisation = audit.organisation
    check_member(organisation, audit.lead_auditor, "lead_auditor")
    if team:
        check_members(organisation, team, "team")
    _same_organisation(organisation, audit.programme, "programme", "a programme")
    if audit.planned_start and audit.planned_end and audit.planned_end < audit.planned_start:
        raise ValidationError({"planned_end": "The audit cannot end before it starts."})


@transaction.atomic
def audit_create(
    *,
    organisation: Organisation,
    title: str,
    scope: str,
    planned_start: datetime.date,
    planned_end: datetime.date,
    standards: Iterable[Standard],
    clauses: Iterable[Clause] = (),
    processes: Iterable[Process] = (),
    sites: Iterable[Site] = (),
    team: Iterable[User] = (),
    **fields: Any,
) -> Audit:
    """Plan an audit with the organisation's next reference (AUD-0001)."""
    check_known_fields(fields, AUDIT_FIELDS, "an audit")
    chosen = standards_chosen(standards, "the audit covers")
    clause_list = _check_clauses(clauses, chosen)
    process_list = _check_processes(organisation, processes, "processes")
    site_list = check_sites(organisation, sites)
    team_list = list(team)
    audit = Audit(
        organisation=organisation,
        title=title,
        scope=scope,
        planned_start=planned_start,
        planned_end=planned_end,
        **fields,
    )
    _check_audit(audit, team_list)
    audit.full_clean(exclude=["number", "reference", "standards", "clauses", "processes", "sites", "team"])
    audit.number = next_number(organisation, "audit")
    audit.reference = format_reference("AUD", audit.number)
    audit.save()
    audit.standards.set(chosen)
    audit.clauses.set(clause_list)
    audit.processes.set(process_list)
    audit.sites.set(site_list)
    audit.team.set(team_list)
    return audit


@transaction.atomic
def audit_update(
    *,
    audit: Audit,
    version: int,
    standards: Iterable[Standard] | None = None,
    clauses: Iterable[Clause] | None = None,
    processes: Iterable[Process] | None = None,
    sites: Iterable[Site] | None = None,
    team: Iterable[User] | None = None,
    **fields: Any,
) -> Audit:
    """Edit an audit that is not closed or cancelled; `version` is the one the editor saw."""
    check_known_fields(fields, AUDIT_FIELDS, "an audit")
    if audit.status in ENDED:
        raise ValidationError(
            f"{audit.reference} is {audit.get_status_display().lower()}: it can no longer change."
        )
    organisation = audit.organisation
    chosen = standards_chosen(standards, "the audit covers") if standards is not None else None
    if clauses is not None or chosen is not None:
        clause_list: list[Clause] | None = _check_clauses(
            clauses if clauses is not None else audit.clauses.all(),
            chosen if chosen is not None else list(audit.standards.all()),
        )
    else:
        clause_list = None
    process_list = _check_processes(organisation, processes, "processes") if processes is not None else None
    site_list = check_sites(organisation, sites) if sites is not None else None
    team_list = list(team) if team is not None else None
    for name, value in fields.items():
        setattr(audit, name, value)
    _check_audit(audit, team_list)
    audit.version = version
    audit.full_clean(exclude=["number", "reference", "standards", "clauses", "processes", "sites", "team"])
    audit.save()
    if chosen is not None:
        audit.standards.set(chosen)
    if clause_list is not None:
        audit.clauses.set(clause_list)
    if process_list is not None:
        audit.processes.set(process_list)
    if site_list is not None:
        audit.sites.set(site_list)
    if team_list is not None:
        audit.team.set(team_list)
    return audit


@transaction.atomic
def audit_delete(*, audit: Audit) -> None:
    """Delete an audit while it is only planned (managers); later, cancel it instead."""
    if audit.status != S.PLANNED:
        raise ValidationError(
            f"{audit.reference} is {audit.get_status_display().lower()}: only a planned audit can be "
            "deleted. Cancel it instead."
        )
    for item in audit.checklist.all():
        item.delete()
    audit.delete()


def allowed_transitions(audit: Audit) -> list[str]:
    return list(AUDIT_TRANSITIONS[audit.status])


def step_label(audit: Audit, to: str) -> str:
    return STEP_LABELS.get((audit.status, to), "Cancel the audit" if to == S.CANCELLED else S(to).label)


def _may_run(audit: Audit, user: User) -> bool:
    membership = membership_in(user, audit.organisation_id)
    if membership is not None and membership.has_role(MANAGE):
        return True
    return user.pk == audit.lead_auditor_id or audit.team.filter(pk=user.pk).exists()


def _check_report(audit: Audit) -> None:
    problems = []
    if not (audit.summary or "").strip():
        problems.append("write the summary (the audit's conclusion)")
    unanswered = audit.checklist.filter(answer="").count()
    if unanswered:
        problems.append(
            f"answer the {unanswered} open checklist item(s) (\u201cnot audited\u201d is an answer)"
        )
    missing = list(
        audit.checklist.filter(answer=Answer.NONCONFORMING)
        .exclude(findings__grade__in=NONCONFORMITY_GRADES)
        .values_list("position", flat=True)
    )
    if missing:
        numbers = ", ".join(f"#{n}" for n in missing)
        problems.append(f"record a major or minor finding for the nonconforming item(s) {numbers}")
    if problems:
        raise ValidationError(f"{audit.reference} cannot be reported yet: " + "; ".join(problems) + ".")


@transaction.atomic
def audit_transition(*, audit: Audit, to: str, user: User) -> Audit:
    """Move the audit one step along `AUDIT_TRANSITIONS`; the lead auditor, the team or a manager may."""
    audit = Audit.objects.select_for_update().get(pk=audit.pk)
    current = S(audit.status)
    if to not in S.values:
        raise ValidationError({"to": f"“{to}” is not a status of an audit."})
    target = S(to)
    if target not in AUDIT_TRANSITIONS[current]:
        raise ValidationError(
            f"{audit.reference} cannot go from {current.label.lower()} to {target.label.lower()}."
        )
    if not _may_run(audit, user):
        raise ValidationError(
            f"Only the lead auditor, the audit team or a manager can move {audit.reference} along."
        )
    today = timezone.localdate()
    if target == S.PREPARED:
        problems = []
        if audit.lead_auditor_id is None:
            problems.append("name a lead auditor")
        if not audit.checklist.exists():
            problems.append("build the checklist (generate it from the clauses or add questions)")
        if problems:
            raise ValidationError(f"{audit.reference} is not prepared yet: " + " and ".join(problems) + ".")
    elif target == S.IN_PROGRESS and current == S.PREPARED:
        audit.started_on = today
    elif target == S.REPORTED:
        _check_report(audit)
        audit.reported_on = today
    elif target == S.CLOSED:
        audit.closed_on = today
    elif target == S.IN_PROGRESS and current == S.REPORTED:
        audit.reported_on = None
    audit.status = target
    with change_note(ObjectChange.Action.TRANSITION, f"{current.label} → {target.label}"):
        audit.save()
    return audit


# --- Independence ----------------------------------------------------------------------------


def auditors_of(audits: Iterable[Audit]) -> dict[tuple[int, int], Auditor]:
    """The auditor records of everyone in these audits' teams, in two queries."""
    audits = list(audits)
    people = {a.lead_auditor_id for a in audits if a.lead_auditor_id} | {
        member.pk for a in audits for member in a.team.all()
    }
    if not people:
        return {}
    return {
        (auditor.organisation_id, auditor.user_id): auditor
        for auditor in Auditor.objects.filter(
            organisation_id__in={a.organisation_id for a in audits}, user_id__in=people
        ).prefetch_related("own_processes")
    }


def independence_warnings(audit: Audit, auditors: dict[tuple[int, int], Auditor] | None = None) -> list[str]:
    """Who in the audit team audits their own work, or is not a registered active auditor.

    Warnings, not refusals: a small organisation may have no one else. `auditors` (from
    `auditors_of`) saves the queries when many audits are shown.
    """
    people: list[tuple[User, str]] = []
    if audit.lead_auditor is not None:
        people.append((audit.lead_auditor, "lead auditor"))
    for member in audit.team.all():
        if member.pk != audit.lead_auditor_id:
            people.append((member, "team member"))
    if not people:
        return []
    processes = list(audit.processes.all())
    if auditors is None:
        auditors = auditors_of([audit])
    warnings = []
    for person, role in people:
        auditor = auditors.get((audit.organisation_id, person.pk))
        own = {process.pk for process in auditor.own_processes.all()} if auditor else set()
        for process in processes:
            if process.owner_id == person.pk:
                warnings.append(
                    f"{person} ({role}) owns {process.reference} {process.name}: they would audit their own process."
                )
            elif process.pk in own:
                warnings.append(
                    f"{person} ({role}) works in {process.reference} {process.name}: they would audit their own work."
                )
        if auditor is None:
            warnings.append(f"{person} ({role}) is not a registered auditor.")
        elif not auditor.is_active:
            warnings.append(f"{person} ({role}) is no longer an active auditor.")
    return warnings


# --- Checklist -------------------------------------------------------------------------------


def _questions_of(clauses: list[Clause]) -> list[tuple[Clause, str]]:
    """Every (clause, question) the chosen clauses contribute, a parent's leaf clauses included."""
    if not clauses:
        return []
    condition = Q(pk__in=[clause.pk for clause in clauses])
    for clause in clauses:
        if not clause.is_leaf:
            condition |= Q(
                standard_id=clause.standard_id, number__startswith=f"{clause.number}.", is_leaf=True
            )
    found: list[tuple[Clause, str]] = []
    seen: set[tuple[int, str]] = set()
    for clause in (
        Clause.objects.filter(condition).select_related("standard").order_by("standard__code", "sort_key")
    ):
        for question in clause.audit_questions or []:
            text = str(question).strip()
            if text and (clause.pk, text) not in seen:
                seen.add((clause.pk, text))
                found.append((clause, text))
    return found


def _next_position(audit: Audit) -> int:
    return (audit.checklist.aggregate(last=Max("position"))["last"] or 0) + 1


@transaction.atomic
def checklist_generate(*, audit: Audit) -> int:
    """Add one item per audit question of the chosen clauses (while planned or prepared).

    Custom items and answered items stay; questions already on the checklist are not added again;
    unanswered generated items of clauses no longer chosen are removed. Returns how many were added.
    """
    if audit.status not in CHECKLIST_EDITABLE:
        raise ValidationError(
            f"{audit.reference} is {audit.get_status_display().lower()}: the checklist is generated "
            "before the audit starts."
        )
    clauses = list(audit.clauses.all())
    if not clauses:
        raise ValidationError({"clauses": f"Choose the clauses {audit.reference} covers first."})
    wanted = _questions_of(clauses)
    wanted_keys = {(clause.pk, question) for clause, question in wanted}
    existing = list(audit.checklist.all())
    for item in existing:
        key = (item.clause_id, item.question)
        if not item.is_custom and not item.answer and key not in wanted_keys:
            item.delete()
    have = {(item.clause_id, item.question) for item in audit.checklist.all()}
    position = _next_position(audit)
    added = 0
    for clause, question in wanted:
        if (clause.pk, question) in have:
            continue
        ChecklistItem.objects.create(
            organisation_id=audit.organisation_id,
            audit=audit,
            position=position,
            clause=clause,
            question=question,
        )
        position += 1
        added += 1
    return added


@transaction.atomic
def checklist_item_add(*, audit: Audit, question: str, clause: Clause | None = None) -> ChecklistItem:
    """Add the auditor's own question (until the audit is reported)."""
    if audit.status not in (S.PLANNED, S.PREPARED, S.IN_PROGRESS):
        raise ValidationError(
            f"{audit.reference} is {audit.get_status_display().lower()}: questions can no longer be added."
        )
    question = (question or "").strip()
    if not question:
        raise ValidationError({"question": "Write the question."})
    if clause is not None and not audit.standards.filter(pk=clause.standard_id).exists():
        raise ValidationError({"clause": "Choose a clause of the audit's standards."})
    item = ChecklistItem(
        organisation_id=audit.organisation_id,
        audit=audit,
        position=_next_position(audit),
        clause=clause,
        question=question,
        is_custom=True,
    )
    item.full_clean()
    item.save()
    return item


@transaction.atomic
def checklist_item_answer(
    *, item: ChecklistItem, answer: str, notes: str, user: User, version: int
) -> ChecklistItem:
    """Record an answer while the audit is in progress; nonconforming and observation need notes.
    Only the audit team (or a manager) answers: the checklist is the auditors' record."""
    audit = item.audit
    if not _may_run(audit, user):
        raise ValidationError("Only the lead auditor, the audit team or a manager answer the checklist.")
    if audit.status != S.IN_PROGRESS:
        raise ValidationError(
            f"{audit.reference} is {audit.get_status_display().lower()}: answers are recorded while it is in progress."
        )
    if answer not in Answer.values or answer == Answer.UNANSWERED:
        raise ValidationError({"answer": "Choose conforming, nonconforming, observation or not audited."})
    notes = (notes or "").strip()
    if answer in (Answer.NONCONFORMING, Answer.OBSERVATION) and not notes:
        raise ValidationError({"notes": f"Say what you saw: {Answer(answer).label.lower()} needs notes."})
    item.answer = answer
    item.notes = notes
    item.answered_by = user
    item.answered_at = timezone.now()
    item.version = version
    item.save()
    return item


@transaction.atomic
def checklist_evidence_add(*, item: ChecklistItem, upload: UploadedFile, user: User) -> Attachment:
    """Attach a photo or document to a checklist item (while the audit is in progress or reported)."""
    audit = item.audit
    if not _may_run(audit, user):
        raise ValidationError(
            "Only the lead auditor, the audit team or a manager add evidence to the checklist."
        )
    if audit.status not in EVIDENCE_OPEN:
        raise ValidationError(
            f"{audit.reference} is {audit.get_status_display().lower()}: evidence is added during the audit."
        )
    return attachment_add(to=item, upload=upload, user=user)


# --- Findings --------------------------------------------------------------------------------


def _check_finding(finding: Finding) -> None:
    audit = finding.audit
    organisation = audit.organisation
    if finding.grade not in Grade.values:
        raise ValidationError({"grade": "Choose major, minor, observation or opportunity for improvement."})
    if finding.clause_id is None:
        raise ValidationError({"clause": "Choose the clause the finding is against."})
    if not audit.standards.filter(pk=finding.clause.standard_id).exists():
        raise ValidationError({"clause": "Choose a clause of the audit's standards."})
    if not (finding.statement or "").strip():
        raise ValidationError({"statement": "Say what was found, against which requirement."})
    item = finding.checklist_item
    if item is not None and item.audit_id != audit.pk:
        raise ValidationError({"checklist_item": "Choose an item of this audit's checklist."})
    _same_organisation(organisation, finding.process, "process", "a process")
    _same_organisation(organisation, finding.site, "site", "a site")


@transaction.atomic
def finding_create(
    *,
    audit: Audit,
    grade: str,
    clause: Clause,
    statement: str,
    evidence: str,
    user: User | None,
    checklist_item: ChecklistItem | None = None,
    process: Process | None = None,
    site: Site | None = None,
) -> Finding:
    """Record a graded finding (FND-0001) while the audit is in progress or being reported."""
    if audit.status not in FINDINGS_OPEN:
        raise ValidationError(
            f"{audit.reference} is {audit.get_status_display().lower()}: findings are recorded while it is "
            "in progress or reported."
        )
    finding = Finding(
        organisation_id=audit.organisation_id,
        audit=audit,
        grade=grade,
        clause=clause,
        statement=(statement or "").strip(),
        evidence=(evidence or "").strip(),
        checklist_item=checklist_item,
        process=process,
        site=site,
        raised_by=user,
    )
    _check_finding(finding)
    finding.full_clean(exclude=["number", "reference"])
    finding.number = next_number(audit.organisation, "finding")
    finding.reference = format_reference("FND", finding.number)
    finding.save()
    return finding


@transaction.atomic
def finding_update(*, finding: Finding, version: int, **fields: Any) -> Finding:
    check_known_fields(fields, FINDING_FIELDS, "a finding")
    if finding.audit.status in ENDED:
        raise ValidationError(f"{finding.audit.reference} is closed: its findings can no longer change.")
    for name, value in fields.items():
        setattr(finding, name, value.strip() if isinstance(value, str) and name != "grade" else value)
    _check_finding(finding)
    finding.version = version
    finding.full_clean(exclude=["number", "reference"])
    finding.save()
    return finding


@transaction.atomic
def finding_delete(*, finding: Finding) -> None:
    """Delete a finding (managers) while its audit is not closed and nothing was raised from it."""
    if finding.audit.status in ENDED:
        raise ValidationError(f"{finding.audit.reference} is closed: its findings are kept.")
    try:
        finding.delete()
    except ProtectedError:
        raise ValidationError(
            f"Cannot delete {finding.reference}: a nonconformity was raised from it."
        ) from None


# --- Grade definitions -----------------------------------------------------------------------


def grade_definitions(organisation: Organisation) -> dict[str, GradeDefinition]:
    """The organisation's definition of each grade, the defaults created on first use."""
    found = {d.grade: d for d in GradeDefinition.objects.filter(organisation=organisation)}
    missing = [grade for grade in Grade.values if grade not in found]
    if missing:
        with transaction.atomic():
            for grade in missing:
                definition, response = DEFAULT_GRADES[grade]
                found[grade], _ = GradeDefinition.objects.get_or_create(
                    organisation=organisation,
                    grade=grade,
                    defaults={"definition": definition, "response": response},
                )
    return {grade: found[grade] for grade in Grade.values}


@transaction.atomic
def grade_definition_update(
    *, grade_definition: GradeDefinition, version: int, definition: str, response: str = ""
) -> GradeDefinition:
    """Reword what a grade means in this organisation (managers)."""
    definition = (definition or "").strip()
    if not definition:
        raise ValidationError({"definition": "Say what the grade means."})
    grade_definition.definition = definition
    grade_definition.response = (response or "").strip()
    grade_definition.version = version
    grade_definition.save()
    return grade_definition
