"""Reads across models for internal audit: how often each process should be audited, guided by its
risk and its last results (9.2.2), the programme's timeline, and checklist progress."""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from integrum.audits.models import Audit, AuditProgramme, ChecklistItem, Finding, Grade
from integrum.context.models import Process
from integrum.core.dates import add_months
from integrum.risks.models import Level, Risk

LEVEL_RANK = {Level.LOW: 1, Level.MEDIUM: 2, Level.HIGH: 3, Level.CRITICAL: 4}
OPEN_AUDIT = (Audit.Status.PLANNED, Audit.Status.PREPARED, Audit.Status.IN_PROGRESS)


@dataclass
class PlanRow:
    """One process in the programme's plan."""

    process: Process
    risk_level: str | None  # None: no open risk is recorded against the process
    majors: int
    minors: int
    last_audit: dict[str, Any] | None  # pk, reference of the latest reported or closed audit
    last_audited: datetime.date | None
    interval_months: int
    reason: str
    next_due: datetime.date
    planned_audit: dict[str, Any] | None  # pk, reference, planned_start in this programme
    due_not_planned: bool

    @property
    def risk_label(self) -> str:
        return Level(self.risk_level).label if self.risk_level else "Unknown"


def suggested_interval(
    risk_level: str | None, majors: int, minors: int, audited: bool = True
) -> tuple[int, str]:
    """Months until the next audit of a process, and why."""
    rank = LEVEL_RANK.get(Level(risk_level), 0) if risk_level else 0
    if majors:
        return 6, "a major nonconformity last time"
    if risk_level and rank >= LEVEL_RANK[Level.HIGH]:
        return 6, f"{Level(risk_level).label.lower()} risk"
    if minors:
        return 12, "minor nonconformities last time"
    if rank == LEVEL_RANK[Level.MEDIUM]:
        return 12, "medium risk"
    if rank == LEVEL_RANK[Level.LOW]:
        return 24, "low risk" + (" and a clean last audit" if audited else "")
    return 12, "risk not assessed"


def _done_on(row: dict[str, Any]) -> datetime.date:
    return row["audit__reported_on"] or row["audit__closed_on"] or row["audit__planned_end"]


def programme_plan(programme: AuditProgramme) -> list[PlanRow]:
    """One row per active process of the programme's organisation: its risk, its last audit and
    findings, the suggested interval and next due date, and the audit planned for it in this
    programme. Four queries whatever the number of processes."""
    processes = list(
        Process.objects.filter(organisation_id=programme.organisation_id, status=Process.Status.ACTIVE)
        .select_related("owner")
        .order_by("number")
    )
    if not processes:
        return []
    ids = [process.pk for process in processes]
    process_type = ContentType.objects.get_for_model(Process)
    levels: dict[int, str] = {}
    for source_id, residual, inherent in (
        Risk.objects.filter(
            organisation_id=programme.organisation_id,
            source_type=process_type,
            source_id__in=[str(pk) for pk in ids],
        )
        .exclude(status=Risk.Status.CLOSED)
        .values_list("source_id", "residual_level", "inherent_level")
    ):
        level = residual or inherent
        if not level:
            continue
        pk = int(source_id)
        if pk not in levels or LEVEL_RANK[Level(level)] > LEVEL_RANK[Level(levels[pk])]:
            levels[pk] = level
    coverage = Audit.processes.through.objects.filter(process_id__in=ids).values(
        "process_id",
        "audit_id",
        "audit__reference",
        "audit__status",
        "audit__programme_id",
        "audit__planned_start",
        "audit__planned_end",
        "audit__reported_on",
        "audit__closed_on",
    )
    last: dict[int, dict[str, Any]] = {}
    planned: dict[int, dict[str, Any]] = {}
    rows_covered: list[dict[str, Any]] = [dict(row) for row in coverage]
    for row in rows_covered:
        process_id, status = row["process_id"], row["audit__status"]
        if status in Audit.DONE_STATUSES:
            if process_id not in last or _done_on(row) > _done_on(last[process_id]):
                last[process_id] = row
        elif status in OPEN_AUDIT and row["audit__programme_id"] == programme.pk:
            current = planned.get(process_id)
            if current is None or row["audit__planned_start"] < current["audit__planned_start"]:
                planned[process_id] = row
    graded: dict[tuple[int, int], Counter[str]] = defaultdict(Counter)
    last_audit_ids = {row["audit_id"] for row in last.values()}
    if last_audit_ids:
        for audit_id, process_id, grade in Finding.objects.filter(
            audit_id__in=last_audit_ids, grade__in=[Grade.MAJOR, Grade.MINOR]
        ).values_list("audit_id", "process_id", "grade"):
            # A finding without a process counts against every process its audit covered.
            for pk in [process_id] if process_id else ids:
                graded[(audit_id, pk)][grade] += 1
    rows = []
    for process in processes:
        done = last.get(process.pk)
        counts = graded[(done["audit_id"], process.pk)] if done else Counter()
        majors, minors = counts[Grade.MAJOR], counts[Grade.MINOR]
        level = levels.get(process.pk)
        interval, reason = suggested_interval(level, majors, minors, audited=done is not None)
        last_audited = _done_on(done) if done else None
        next_due = add_months(last_audited, interval) if last_audited else programme.start_date
        plan = planned.get(process.pk)
        rows.append(
            PlanRow(
                process=process,
                risk_level=level,
                majors=majors,
                minors=minors,
                last_audit={"pk": done["audit_id"], "reference": done["audit__reference"]} if done else None,
                last_audited=last_audited,
                interval_months=interval,
                reason=reason if last_audited else f"never audited; {reason}",
                next_due=next_due,
                planned_audit={
                    "pk": plan["audit_id"],
                    "reference": plan["audit__reference"],
                    "planned_start": plan["audit__planned_start"],
                }
                if plan
                else None,
                due_not_planned=plan is None and next_due <= programme.end_date,
            )
        )
    return rows


# --- Timeline --------------------------------------------------------------------------------


@dataclass
class TimelineRow:
    audit: Audit
    planned: tuple[int, int]  # first and last month index of the planned dates
    done: tuple[int, int] | None  # first and last month index from start to report, if reported
    months_label: str = ""


@dataclass
class Timeline:
    months: list[datetime.date]
    rows: list[TimelineRow] = field(default_factory=list)
    svg: SafeString = field(default_factory=lambda: mark_safe(""))


def _month_index(months: list[datetime.date], day: datetime.date) -> int:
    first = months[0]
    index = (day.year - first.year) * 12 + day.month - first.month
    return max(0, min(len(months) - 1, index))


PLANNED_STROKE = "#3f6fb5"
DONE_FILL = "#2f7d4f"
CANCELLED_STROKE = "#9aa3ad"


def timeline(programme: AuditProgramme, audits: list[Audit] | None = None) -> Timeline:
    """The programme's months × its audits: the planned dates as an outline, the audit as done
    (started to reported) filled. An SVG for the page and the PDF, and rows for the table fallback."""
    start = programme.start_date.replace(day=1)
    months: list[datetime.date] = []
    month = start
    while month <= programme.end_date and len(months) < 60:
        months.append(month)
        month = add_months(month, 1)
    if audits is None:
        audits = list(programme.audits.order_by("planned_start", "number"))
    result = Timeline(months=months)
    for audit in audits:
        planned = (_month_index(months, audit.planned_start), _month_index(months, audit.planned_end))
        done = None
        if audit.status in Audit.DONE_STATUSES:
            begin = audit.started_on or audit.planned_start
            end = audit.reported_on or audit.planned_end
            done = (_month_index(months, begin), _month_index(months, max(begin, end)))
        result.rows.append(TimelineRow(audit=audit, planned=planned, done=done))
    result.svg = _timeline_svg(programme, result)
    return result


def _timeline_svg(programme: AuditProgramme, data: Timeline) -> SafeString:
    label_width, cell, row_height, top = 250, 44, 26, 40
    width = label_width + cell * len(data.months) + 10
    height = top + row_height * max(1, len(data.rows)) + 34
    title = f"Timeline of {programme.reference}"
    parts = [
        f'<svg class="chart chart--timeline" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for i, month in enumerate(data.months):
        x = label_width + i * cell
        fill = "#f3f5f8" if i % 2 else "#ffffff"
        parts.append(
            f'<rect fill="{fill}" x="{x}" y="{top - 6}" width="{cell}" height="{row_height * max(1, len(data.rows)) + 6}"/>'
        )
        parts.append(
            f'<text font-size="11" fill="#444" x="{x + cell / 2:.1f}" y="{top - 14}" text-anchor="middle">'
            f"{month:%b}</text>"
        )
        if i == 0 or month.month == 1:
            parts.append(f'<text font-size="11" fill="#777" x="{x + 2}" y="{top - 26}">{month:%Y}</text>')
    for j, row in enumerate(data.rows):
        y = top + j * row_height
        audit = row.audit
        label = f"{audit.reference} {audit.title}"
        if len(label) > 34:
            label = label[:33] + "…"
        parts.append(
            f'<text font-size="12" fill="#222" x="{label_width - 8}" y="{y + 15}" text-anchor="end">{escape(label)}</text>'
        )
        first, last = row.planned
        stroke = CANCELLED_STROKE if audit.status == Audit.Status.CANCELLED else PLANNED_STROKE
        tip = (
            f"{audit.reference}: planned {audit.planned_start:%d %b %Y} to {audit.planned_end:%d %b %Y}, "
            f"{audit.get_status_display().lower()}"
        )
        parts.append(
            f'<rect class="timeline__planned" fill="none" stroke="{stroke}" stroke-width="2" '
            f'x="{label_width + first * cell + 3}" y="{y + 3}" width="{(last - first + 1) * cell - 6}" '
            f'height="{row_height - 8}" rx="3"><title>{escape(tip)}</title></rect>'
        )
        if row.done is not None:
            first, last = row.done
            parts.append(
                f'<rect class="timeline__done" fill="{DONE_FILL}" x="{label_width + first * cell + 7}" y="{y + 7}" '
                f'width="{(last - first + 1) * cell - 14}" height="{row_height - 16}" rx="2">'
                f"<title>{escape(audit.reference)} done</title></rect>"
            )
    legend_y = top + row_height * max(1, len(data.rows)) + 14
    parts.append(
        f'<rect fill="none" stroke="{PLANNED_STROKE}" stroke-width="2" x="{label_width}" y="{legend_y}" width="24" height="12"/>'
        f'<text font-size="11" fill="#444" x="{label_width + 30}" y="{legend_y + 10}">Planned</text>'
        f'<rect fill="{DONE_FILL}" x="{label_width + 100}" y="{legend_y}" width="24" height="12"/>'
        f'<text font-size="11" fill="#444" x="{label_width + 130}" y="{legend_y + 10}">Done (started to reported)</text>'
    )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every interpolated text is escaped above


# --- Checklist progress ----------------------------------------------------------------------


@dataclass
class ChecklistProgress:
    total: int
    answered: int
    by_answer: dict[str, int]

    @property
    def percent(self) -> int:
        return round(100 * self.answered / self.total) if self.total else 0


def checklist_progress(audit: Audit) -> ChecklistProgress:
    """How many items are answered, and how, in one query."""
    counts = audit.checklist.aggregate(
        total=Count("pk"),
        **{answer: Count("pk", filter=Q(answer=answer)) for answer in ChecklistItem.Answer.values if answer},
    )
    by_answer = {answer: counts[answer] for answer in ChecklistItem.Answer.values if answer}
    return ChecklistProgress(total=counts["total"], answered=sum(by_answer.values()), by_answer=by_answer)
