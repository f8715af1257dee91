"""The catalogue of management review inputs (ISO 9001 9.3.2, ISO 14001 9.3), in our own words.

The catalogue is the union of both standards' lists: each entry names every clause it answers.
An entry with a compiler gathers its data from the other modules; the result is a plain snapshot
kept on the `ReviewInput`, so the signed record shows what top management saw:

    {"summary": [str, ...],
     "tables": [{"title": str, "columns": [str, ...], "rows": [[cell, ...]], "links": [url | None]}],
     "empty": bool}

Every compiler costs a fixed number of queries whatever the amount of data: counts are
aggregated in the database and listed rows are capped at `ROW_LIMIT`. The review is for top
management, so it covers the whole organisation (no site limits).
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

if TYPE_CHECKING:
    from integrum.core.models import Organisation
    from integrum.reviews.models import ManagementReview

ISO_9001 = "ISO 9001"
ISO_14001 = "ISO 14001"
ROW_LIMIT = 15

Snapshot = dict[str, Any]
Compiler = Callable[["ManagementReview", "Organisation"], Snapshot]


@dataclass(frozen=True)
class InputSpec:
    key: str
    title: str
    clauses: tuple[tuple[str, str], ...]  # (standard code, clause label)
    compile: Compiler | None
    help: str
    # Needs text written by hand (no module holds all of it) before it counts as covered.
    manual: bool = False

    def clauses_of(self, code: str) -> list[str]:
        return [label for standard, label in self.clauses if standard == code]

    def applies_to(self, codes: Iterable[str]) -> bool:
        wanted = set(codes)
        return any(standard in wanted for standard, _ in self.clauses)


# --- Building snapshots ----------------------------------------------------------------------


def table(
    title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]], links: Iterable[str | None] = ()
) -> dict:
    rows = [[_cell(value) for value in row] for row in rows]
    link_list = list(links)
    link_list += [None] * (len(rows) - len(link_list))
    return {"title": title, "columns": list(columns), "rows": rows, "links": link_list[: len(rows)]}


def snapshot(summary: Iterable[str], tables: Iterable[dict] = (), empty: bool = False) -> Snapshot:
    kept = [t for t in tables if t["rows"]]
    return {"summary": list(summary), "tables": kept, "empty": empty}


def _cell(value: Any) -> Any:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal | float):
        return number(value)
    if isinstance(value, datetime.datetime):
        return f"{timezone.localtime(value):%d %b %Y}"
    if isinstance(value, datetime.date):
        return f"{value:%d %b %Y}"
    return str(value)


def number(value: Decimal | float | int | None) -> str:
    """A figure for people: thousands separated, at most two decimals, no trailing zeros."""
    if value is None:
        return "—"
    quantised = Decimal(str(value)).quantize(Decimal("0.01"))
    text = f"{quantised:,f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def url(name: str, pk: Any) -> str | None:
    """A record's page, or None where the app has no such page (yet)."""
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:
        return None


def plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def _window(review: ManagementReview) -> tuple[datetime.date, datetime.date, datetime.date]:
    """The period's first and last day, and the day figures are read on (the end, or today)."""
    start, end = review.period_start, review.period_end
    return start, end, min(end, timezone.localdate())


def _aware(day: datetime.date, end: bool = False) -> datetime.datetime:
    moment = datetime.datetime.combine(day, datetime.time.max if end else datetime.time.min)
    return timezone.make_aware(moment)


def _period_text(review: ManagementReview) -> str:
    return f"{review.period_start:%d %b %Y} – {review.period_end:%d %b %Y}"


def _counts_text(counter: dict[str, int], labels: dict[str, str]) -> str:
    parts = [f"{n} {labels.get(key, key or 'not set').lower()}" for key, n in counter.items() if n]
    return ", ".join(parts) if parts else "none"


# --- a) Actions from previous reviews --------------------------------------------------------


def compile_previous_actions(review: ManagementReview, organisation: Organisation) -> Snapshot:
    from integrum.actions.models import Action
    from integrum.reviews.models import ManagementReview, ReviewOutput

    _, _, today = _window(review)
    outputs = (
        ReviewOutput.objects.filter(
            organisation=organisation, review__scheduled_for__lte=review.scheduled_for
        )
        .exclude(review=review)
        .exclude(review__status=ManagementReview.Status.CANCELLED)
    )
    counts = outputs.aggregate(
        total=Count("pk"),
        no_action=Count("pk", filter=Q(action__isnull=True)),
        open=Count("pk", filter=Q(action__status__in=Action.OPEN_STATUSES)),
        overdue=Count("pk", filter=Q(action__status__in=Action.OPEN_STATUSES, action__due_date__lt=today)),
        done=Count("pk", filter=Q(action__status=Action.Status.DONE)),
        cancelled=Count("pk", filter=Q(action__status=Action.Status.CANCELLED)),
    )
    if not counts["total"]:
        return snapshot(["No earlier review raised an action."], empty=True)
    rows, links = [], []
    listed = outputs.select_related("review", "action", "action__owner").order_by(
        "-review__scheduled_for", "pk"
    )
    for output in listed[:ROW_LIMIT]:
        action = output.action
        rows.append(
            [
                output.review.reference,
                output.decision[:160],
                action.reference if action else "—",
                action.get_status_display() if action else "No action",
                str(action.owner) if action and action.owner else "—",
                action.due_date if action else None,
            ]
        )
        links.append(url("actions:action_detail", action.pk) if action else None)
    summary = [
        f"{plural(counts['total'], 'decision')} of earlier reviews: {counts['done']} done, "
        f"{counts['open']} still open ({counts['overdue']} overdue), {counts['cancelled']} cancelled."
    ]
    return snapshot(
        summary,
        [
            table(
                "Decisions of earlier reviews and their actions",
                ["Review", "Decision", "Action", "Status", "Owner", "Due"],
                rows,
                links,
            )
        ],
    )


# --- b) Changes in context -------------------------------------------------------------------

CONTEXT_MODELS = {
    "contextissue": "Context issues",
    "climatedetermination": "Climate change determination",
    "interestedparty": "Interested parties",
    "partyrequirement": "Needs and expectations",
    "scope": "Scope",
    "scopeexclusion": "Scope exclusions",
    "process": "Processes",
    "organisationalrole": "Roles",
}


def compile_context_changes(review: ManagementReview, organisation: Organisation) -> Snapshot:
    from integrum.context.models import ClimateDetermination, ContextIssue
    from integrum.core.models import ObjectChange

    start, end, _ = _window(review)
    changes = (
        ObjectChange.objects.filter(
            organisation_id=organisation.pk,
            time__gte=_aware(start),
            time__lte=_aware(end, end=True),
            content_type__app_label="context",
            content_type__model__in=list(CONTEXT_MODELS),
        )
        .values_list("content_type__model", "action")
        .annotate(n=Count("id"))
        .order_by()
    )
    per_model: dict[str, Counter[str]] = defaultdict(Counter)
    for model, action, n in changes:
        per_model[model][action] += n
    count_rows = [
        [
            title,
            per_model[model]["create"],
            per_model[model]["update"] + per_model[model]["transition"],
            per_model[model]["delete"],
        ]
        for model, title in CONTEXT_MODELS.items()
        if per_model.get(model)
    ]
    issues = ContextIssue.objects.filter(
        organisation=organisation, updated_at__gte=_aware(start), updated_at__lte=_aware(end, True)
    ).order_by("-updated_at")
    issue_rows, issue_links = [], []
    for issue in issues[:ROW_LIMIT]:
        created = issue.created_at >= _aware(start)
        issue_rows.append(
            [
                issue.reference,
                issue.title,
                issue.get_origin_display(),
                issue.get_effect_display(),
                "New" if created else "Changed",
                issue.get_status_display(),
            ]
        )
        issue_links.append(url("context:issue_detail", issue.pk))
    climate = (
        ClimateDetermination.objects.filter(organisation=organisation).order_by("-decided_on", "-pk").first()
    )
    summary = []
    total = sum(sum(c.values()) for c in per_model.values())
    if total:
        summary.append(f"{plural(total, 'change')} to the context registers in {_period_text(review)}.")
    else:
        summary.append(f"No change to the context registers in {_period_text(review)}.")
    if climate is None:
        summary.append("Climate change: not yet determined whether it is a relevant issue.")
    else:
        verdict = "relevant" if climate.relevant else "not relevant"
        summary.append(f"Climate change was determined {verdict} on {climate.decided_on:%d %b %Y}.")
    return snapshot(
        summary,
        [
            table("Changes by register", ["Register", "Added", "Changed", "Removed"], count_rows),
            table(
                "Context issues added or changed",
                ["Ref.", "Issue", "Internal/external", "Effect", "What", "Status"],
                issue_rows,
                issue_links,
            ),
        ],
        empty=not total and climate is None,
    )


# --- b) Interested parties and compliance obligations ----------------------------------------


def compile_interested_parties(review: ManagementReview, organisation: Organisation) -> Snapshot:
    from integrum.context.models import InterestedParty, PartyRequirement
    from integrum.environment.models import ComplianceObligation

    start, end, _ = _window(review)
    in_period = Q(created_at__gte=_aware(start), created_at__lte=_aware(end, True))
    parties = InterestedParty.objects.filter(organisation=organisation).aggregate(
        total=Count("pk"), new=Count("pk", filter=in_period)
    )
    requirements = PartyRequirement.objects.filter(organisation=organisation).aggregate(
        total=Count("pk"),
        adopted=Count("pk", filter=Q(adopted=True)),
        obligations=Count("pk", filter=Q(becomes_obligation=True)),
        climate=Count("pk", filter=Q(climate_related=True)),
        new=Count("pk", filter=in_period),
    )
    obligations = ComplianceObligation.objects.filter(organisation=organisation).aggregate(
        active=Count("pk", filter=Q(status=ComplianceObligation.Status.ACTIVE)),
        new=Count("pk", filter=in_period),
        withdrawn=Count(
            "pk", filter=Q(status=ComplianceObligation.Status.WITHDRAWN, updated_at__gte=_aware(start))
        ),
    )
    rows, links = [], []
    for requirement in (
        PartyRequirement.objects.filter(in_period, organisation=organisation)
        .select_related("party")
        .order_by("-created_at")[:ROW_LIMIT]
    ):
        rows.append(
            [
                requirement.party.name,
                requirement.text[:160],
                requirement.adopted,
                requirement.becomes_obligation,
            ]
        )
        links.append(url("context:party_detail", requirement.party_id))
    new_obligations, obligation_links = [], []
    for obligation in ComplianceObligation.objects.filter(in_period, organisation=organisation).order_by(
        "-created_at"
    )[:ROW_LIMIT]:
        new_obligations.append(
            [
                obligation.reference,
                obligation.title,
                obligation.get_kind_display(),
                obligation.get_status_display(),
            ]
        )
        obligation_links.append(url("environment:obligation_detail", obligation.pk))
    summary = [
        f"{plural(parties['total'], 'interested party', 'interested parties')} ({parties['new']} new in the period); "
        f"{plural(requirements['total'], 'need or expectation', 'needs and expectations')}, {requirements['adopted']} adopted, "
        f"{requirements['obligations']} kept as compliance obligations, {requirements['climate']} related to climate change.",
        f"{plural(obligations['active'], 'active compliance obligation')}: {obligations['new']} added and "
        f"{obligations['withdrawn']} withdrawn in the period.",
    ]
    return snapshot(
        summary,
        [
            table(
                "Needs and expectations recorded in the period",
                ["Party", "Need or expectation", "Adopted", "Obligation"],
                rows,
                links,
            ),
            table(
                "Compliance obligations added in the period",
                ["Ref.", "Obligation", "Kind", "Status"],
                new_obligations,
                obligation_links,
            ),
        ],
        empty=not parties["total"] and not obligations["active"],
    )


# --- b) Significant environmental aspects ----------------------------------------------------


def compile_significant_aspects(review: ManagementReview, organisation: Organisation) -> Snapshot:
    from integrum.environment.models import Aspect, AspectAssessment

    start, end, _ = _window(review)
    counts = Aspect.objects.filter(organisation=organisation).aggregate(
        total=Count("pk"),
        significant=Count("pk", filter=Q(significant=True)),
        new=Count("pk", filter=Q(created_at__gte=_aware(start), created_at__lte=_aware(end, True))),
    )
    assessed = AspectAssessment.objects.filter(
        organisation=organisation, assessed_at__gte=_aware(start), assessed_at__lte=_aware(end, True)
    ).aggregate(n=Count("pk"), aspects=Count("aspect", distinct=True))
    if not counts["total"]:
        return snapshot(["No environmental aspect is registered yet."], empty=True)
    rows, links = [], []
    for aspect in Aspect.objects.filter(organisation=organisation, significant=True).order_by(
        "-score", "number"
    )[:ROW_LIMIT]:
        rows.append(
            [
                aspect.reference,
                aspect.activity,
                aspect.aspect,
                aspect.impact,
                aspect.score,
                aspect.assessed_at,
            ]
        )
        links.append(url("environment:aspect_detail", aspect.pk))
    summary = [
        f"{counts['significant']} of {plural(counts['total'], 'aspect')} are significant; {counts['new']} added in the period.",
        f"{plural(assessed['n'], 'assessment')} of {plural(assessed['aspects'], 'aspect')} in the period.",
    ]
    return snapshot(
        summary,
        [
            table(
                "Significant aspects",
                ["Ref.", "Activity", "Aspect", "Impact", "Score", "Last assessed"],
                rows,
                links,
            )
        ],
    )


# --- e) / b) Risks and opportunities ---------------------------------------------------------


def compile_risks_opportunities(review: ManagementReview, organisation: Organisation) -> Snapshot:
    from integrum.actions.models import Action
    from integrum.risks.models import Level, Risk

    start, end, today = _window(review)
    counts = Risk.objects.filter(organisation=organisation).aggregate(
        risks=Count("pk", filter=Q(kind=Risk.Kind.RISK)),
        opportunities=Count("pk", filter=Q(kind=Risk.Kind.OPPORTUNITY)),
        open=Count("pk", filter=Q(status=Risk.Status.OPEN)),
        treated=Count("pk", filter=Q(status=Risk.Status.TREATED)),
        closed=Count("pk", filter=Q(status=Risk.Status.CLOSED)),
        high=Count(
            "pk", filter=~Q(status=Risk.Status.CLOSED) & Q(inherent_level__in=[Level.HIGH, Level.CRITICAL])
        ),
        high_residual=Count(
            "pk", filter=~Q(status=Risk.Status.CLOSED) & Q(residual_level__in=[Level.HIGH, Level.CRITICAL])
        ),
    )
    risk_type = ContentType.objects.get_for_model(Risk)
    actions = Action.objects.filter(organisation=organisation, source_type=risk_type).aggregate(
        total=Count("pk"),
        done=Count(
            "pk",
            filter=Q(
                status=Action.Status.DONE,
                completed_at__gte=_aware(start),
                completed_at__lte=_aware(end, True),
            ),
        ),
        open=Count("pk", filter=Q(status__in=Action.OPEN_STATUSES)),
        overdue=Count("pk", filter=Q(status__in=Action.OPEN_STATUSES, due_date__lt=today)),
    )
    if not (counts["risks"] or counts["opportunities"]):
        return snapshot(["No risk or opportunity is registered yet."], empty=True)
    order = {Level.CRITICAL: 0, Level.HIGH: 1, Level.MEDIUM: 2, Level.LOW: 3}
    listed = list(
        Risk.objects.filter(organisation=organisation)
        .exclude(status=Risk.Status.CLOSED)
        .order_by("-inherent_score", "number")[:ROW_LIMIT]
    )
    listed.sort(key=lambda r: (order.get(r.residual_level or r.inherent_level, 4), -r.inherent_score))
    rows = [
        [
            r.reference,
            r.get_kind_display(),
            r.title,
            r.get_inherent_level_display(),
            r.get_residual_level_display() if r.residual_level else None,
            r.get_treatment_display() if r.treatment else None,
            r.get_status_display(),
        ]
        for r in listed
    ]
    links = [url("risks:risk_detail", r.pk) for r in listed]
    summary = [
        f"{plural(counts['risks'], 'risk')} and {plural(counts['opportunities'], 'opportunity', 'opportunities')}: "
        f"{counts['open']} open, {counts['treated']} treated, {counts['closed']} closed; "
        f"{counts['high']} still rated high or critical before treatment, {counts['high_residual']} after it.",
        f"Actions on risks and opportunities: {actions['done']} completed in the period, {actions['open']} open "
        f"({actions['overdue']} overdue), {actions['total']} raised in all.",
    ]
    return snapshot(
        summary,
        [
            table(
                "Open risks and opportunities, highest first",
                ["Ref.", "Type", "Title", "Before treatment", "After treatment", "Treatment", "Status"],
                rows,
                links,
            )
        ],
    )


# --- c) Objectives ---------------------------------------------------------------------------


def compile_objectives(review: ManagementReview, organisation: Organisation) -> Snapshot:
    from integrum.performance.models import Objective
    from integrum.performance.selectors import objectives_progress

    start, end, today = _window(review)
    objectives = list(
        Objective.objects.filter(
            organisation=organisation, start_date__lte=end, due_date__gte=start
        ).order_by("due_date", "number")
    )
    if not objectives:
        return snapshot(["No objective ran during the period."], empty=True)
    progress = objectives_progress(objectives, today=today)
    statuses = Counter(progress[o.pk].status for o in objectives)
    labels = dict(Objective.Status.choices)
    severity = {"missed": 0, "at_risk": 1, "no_data": 2, "on_track": 3, "achieved": 4, "cancelled": 5}
    ordered = sorted(objectives, key=lambda o: (severity.get(progress[o.pk].status, 9), o.due_date))
    rows = [
        [
            o.reference,
            o.title,
            labels.get(progress[o.pk].status, progress[o.pk].status),
            progress[o.pk].reason,
            o.due_date,
        ]
        for o in ordered[:ROW_LIMIT]
    ]
    links = [url("performance:objective_detail", o.pk) for o in ordered[:ROW_LIMIT]]
    summary = [
        f"{plural(len(objectives), 'objective')} ran in the period: {_counts_text(dict(statuses), labels)}."
    ]
    return snapshot(
        summary, [table("Objectives", ["Ref.", "Objective", "Status", "Why", "Due"], rows, links)]
    )


# --- c) Process performance ------------------------------------------------------------------


# Reads that several inputs share, kept for the length of one `compile_all` (None outside it).
_shared: ContextVar[dict[Any, Any] | None] = ContextVar("review_compile_shared", default=None)


def _kpi_status(organisation: Organisation, today: datetime.date) -> tuple[list[Any], dict[int, Any]]:
    """Active KPIs and their latest values (process performance and monitoring results both show them)."""
    from integrum.performance.models import Kpi
    from integrum.performance.selectors import latest_values

    shared = _shared.get()
    key = ("kpi_status", organisation.pk, today)
    if shared is not None and key in shared:
        return shared[key]
    kpis = list(Kpi.objects.filter(organisation=organisation, is_active=True).order_by("number"))
    found = kpis, (latest_values(kpis, today=today) if kpis else {})
    if shared is not None:
        shared[key] = found
    return found


RAG_LABELS = {
    "green": "Meets target",
    "amber": "Short of target",
    "red": "Beyond warning",
    "": "No target or value",
}
RAG_ORDER = {"red": 0, "amber": 1, "": 2, "green": 3}


def compile_process_performance(review: ManagementReview, organisation: Organisation) -> Snapshot:
    from integrum.context.models import Process

    _, _, today = _window(review)
    processes = list(
        Process.objects.filter(organisation=organisation, status=Process.Status.ACTIVE)
        .select_related("owner")
        .order_by("number")[:ROW_LIMIT]
    )
    process_count = Process.objects.filter(organisation=organisation, status=Process.Status.ACTIVE).count()
    kpis, latest = _kpi_status(organisation, today)
    rag = Counter(latest[k.pk].rag for k in kpis)
    summary = [
        f"{plural(process_count, 'active process', 'active processes')}; "
        f"{plural(len(kpis), 'active KPI')}: {rag['green']} meet their target, {rag['amber']} fall short, "
        f"{rag['red']} are beyond the warning threshold, {rag['']} have no target or no value.",
        "Process KPIs kept outside Integrum, and product or service conformity, are written below.",
    ]
    rows = [
        [
            p.reference,
            p.name,
            str(p.owner) if p.owner else None,
            p.criteria[:160] or None,
            p.kpis[:160] or None,
        ]
        for p in processes
    ]
    links = [url("context:process_detail", p.pk) for p in processes]
    return snapshot(
        summary,
        [
            table(
                "Active processes and how they are judged",
                ["Ref.", "Process", "Owner", "Criteria", "KPIs"],
                rows,
                links,
            )
        ],
        empty=not process_count and not kpis,
    )


# --- c) / d) Nonconformities and corrective actions ------------------------------------------


def _nc_period(review: ManagementReview, organisation: Organisation) -> Any:
    from integrum.improvement.models import Nonconformity

    return Nonconformity.objects.filter(
        organisation=organisation, detected_on__gte=review.period_start, detected_on__lte=review.period_end
    ).exclude(status=Nonconformity.Status.REJECTED)


def compile_nonconformities(review: ManagementReview, organisation: Organisation) -> Snapshot:
    from integrum.actions.models import Action
    from integrum.improvement.models import Cause, Nonconformity

    _, _, today = _window(review)
    grouped = (
        _nc_period(review, organisation)
        .annotate(month=TruncMonth("detected_on"))
        .values_list("month", "severity", "source", "cause_category")
        .annotate(n=Count("pk"))
        .order_by()
    )
    by_month: Counter[Any] = Counter()
    by_severity: Counter[str] = Counter()
    by_source: Counter[str] = Counter()
    by_cause: Counter[str] = Counter()
    for month, severity, source, cause, n in grouped:
        key = month.date() if isinstance(month, datetime.datetime) else month
        by_month[key] += n
        by_severity[severity or ""] += n
        by_source[source] += n
        by_cause[cause or ""] += n
    total = sum(by_month.values())
    state = Nonconformity.objects.filter(organisation=organisation).aggregate(
        open=Count("pk", filter=~Q(status__in=[Nonconformity.Status.CLOSED, Nonconformity.Status.REJECTED])),
        closed=Count(
            "pk",
            filter=Q(
                status=Nonconformity.Status.CLOSED,
                closed_at__gte=_aware(review.period_start),
                closed_at__lte=_aware(review.period_end, True),
            ),
        ),
        effective=Count(
            "pk",
            filter=Q(
                effectiveness=Nonconformity.Effectiveness.EFFECTIVE,
                effectiveness_checked_on__gte=review.period_start,
                effectiveness_checked_on__lte=review.period_end,
            ),
        ),
        not_effective=Count(
            "pk",
            filter=Q(
                effectiveness=Nonconformity.Effectiveness.NOT_EFFECTIVE,
                effectiveness_checked_on__gte=review.period_start,
                effectiveness_checked_on__lte=review.period_end,
            ),
        ),
    )
    nc_type = ContentType.objects.get_for_model(Nonconformity)
    actions = Action.objects.filter(organisation=organisation, source_type=nc_type).aggregate(
        open=Count("pk", filter=Q(status__in=Action.OPEN_STATUSES)),
        overdue=Count("pk", filter=Q(status__in=Action.OPEN_STATUSES, due_date__lt=today)),
    )
    if not total and not state["open"]:
        return snapshot(["No nonconformity was detected in the period and none is open."], empty=True)
    severity_labels = {**dict(Nonconformity.Severity.choices), "": "Not graded"}
    source_labels = dict(Nonconformity.Source.choices)
    cause_labels = {**dict(Cause.choices), "": "Not analysed yet"}
    summary = [
        f"{plural(total, 'nonconformity', 'nonconformities')} detected in {_period_text(review)}; "
        f"{state['open']} open now, {state['closed']} closed in the period.",
        f"Corrective actions: {actions['open']} open, {actions['overdue']} overdue. Effectiveness checks in the period: "
        f"{state['effective']} effective, {state['not_effective']} not effective.",
    ]
    open_list = list(
        Nonconformity.objects.filter(organisation=organisation)
        .exclude(status__in=[Nonconformity.Status.CLOSED, Nonconformity.Status.REJECTED])
        .select_related("owner")
        .order_by("detected_on", "number")[:ROW_LIMIT]
    )
    return snapshot(
        summary,
        [
            table(
                "By month",
                ["Month", "Nonconformities"],
                [[f"{m:%b %Y}", n] for m, n in sorted(by_month.items())],
            ),
            table(
                "By severity",
                ["Severity", "Nonconformities"],
                [[severity_labels.get(k, k), n] for k, n in by_severity.most_common()],
            ),
            table(
                "By source",
                ["Source", "Nonconformities"],
                [[source_labels.get(k, k), n] for k, n in by_source.most_common()],
            ),
            table(
                "By cause (6M)",
                ["Cause", "Nonconformities"],
                [[cause_labels.get(k, k), n] for k, n in by_cause.most_common()],
            ),
            table(
                "Open nonconformities, oldest first",
                ["Ref.", "Title", "Status", "Severity", "Detected", "Owner"],
                [
                    [
                        nc.reference,
                        nc.title,
                        nc.get_status_display(),
                        severity_labels.get(nc.severity, nc.severity),
                        nc.detected_on,
                        str(nc.owner) if nc.owner else None,
                    ]
                    for nc in open_list
                ],
                [url("improvement:nc_detail", nc.pk) for nc in open_list],
            ),
        ],
    )


# --- c) / d) Monitoring and measurement results ----------------------------------------------


def compile_monitoring_results(review: ManagementReview, organisation: Organisation) -> Snapshot:
    from integrum.ghg.models import Inventory, InventoryResult
    from integrum.ghg.services import tonnes, totals_by_inventory

    start, end, today = _window(review)
    kpis, latest = _kpi_status(organisation, today)
    ordered = sorted(kpis, key=lambda k: (RAG_ORDER.get(latest[k.pk].rag, 9), k.number))[:ROW_LIMIT]
    rows, links = [], []
    for kpi in ordered:
        point = latest[kpi.pk].point
        value = f"{number(point.value)} {kpi.unit}" if point and point.value is not None else None
        target = f"{number(kpi.target)} {kpi.unit}" if kpi.target is not None else None
        rows.append(
            [
                kpi.reference,
                kpi.name,
                value,
                point.label if point else None,
                target,
                RAG_LABELS.get(latest[kpi.pk].rag, ""),
            ]
        )
        links.append(url("performance:kpi_detail", kpi.pk))
    inventories = list(
        Inventory.objects.filter(
            organisation=organisation, year__gte=start.year, year__lte=end.year
        ).order_by("year")
    )
    totals = (
        totals_by_inventory(InventoryResult.objects.all(), [i.pk for i in inventories]) if inventories else {}
    )
    ghg_rows, ghg_links = [], []
    for inventory in inventories:
        t = tonnes(totals[inventory.pk])
        ghg_rows.append(
            [
                inventory.year,
                inventory.get_status_display(),
                t["scope_1"],
                t["scope_2_location"],
                t["scope_2_market"],
                t["scope_3"],
                t["total_location"],
                t["total_market"],
            ]
        )
        ghg_links.append(url("ghg:inventory_detail", inventory.pk))
    rag = Counter(latest[k.pk].rag for k in kpis)
    summary = [
        f"{plural(len(kpis), 'active KPI')}: {rag['green']} meet their target, {rag['amber']} fall short, "
        f"{rag['red']} are beyond the warning threshold, {rag['']} have no target or no value."
    ]
    for row in ghg_rows:
        summary.append(
            f"Greenhouse gas inventory {row[0]} ({str(row[1]).lower()}): {number(row[6])} t CO2e location-based, {number(row[7])} t CO2e market-based."
        )
    return snapshot(
        summary,
        [
            table(
                "KPIs: latest value against target",
                ["Ref.", "KPI", "Latest value", "Period", "Target", "Status"],
                rows,
                links,
            ),
            table(
                "Greenhouse gas inventories (t CO2e)",
                [
                    "Year",
                    "Status",
                    "Scope 1",
                    "Scope 2 (location)",
                    "Scope 2 (market)",
                    "Scope 3",
                    "Total (location)",
                    "Total (market)",
                ],
                ghg_rows,
                ghg_links,
            ),
        ],
        empty=not kpis and not inventories,
    )


# --- d) Fulfilment of compliance obligations -------------------------------------------------


def compile_compliance(review: ManagementReview, organisation: Organisation) -> Snapshot:
    from integrum.environment.models import ComplianceEvaluation

    start, end, today = _window(review)
    evaluations = ComplianceEvaluation.objects.filter(organisation=organisation)
    done = (
        evaluations.filter(
            status=ComplianceEvaluation.Status.COMPLETED, evaluated_on__gte=start, evaluated_on__lte=end
        )
        .values_list("result")
        .annotate(n=Count("pk"))
        .order_by()
    )
    results = {result: n for result, n in done}
    overdue_qs = evaluations.scheduled().filter(due_date__lt=today)
    overdue = overdue_qs.count()
    completed = sum(results.values())
    if not completed and not overdue and not evaluations.exists():
        return snapshot(["No compliance evaluation is scheduled or recorded yet."], empty=True)
    labels = dict(ComplianceEvaluation.Result.choices)
    failed = list(
        evaluations.filter(
            status=ComplianceEvaluation.Status.COMPLETED,
            evaluated_on__gte=start,
            evaluated_on__lte=end,
            result__in=ComplianceEvaluation.FAILED_RESULTS,
        )
        .select_related("obligation")
        .order_by("-evaluated_on")[:ROW_LIMIT]
    )
    late = list(overdue_qs.select_related("obligation", "evaluator").order_by("due_date")[:ROW_LIMIT])
    summary = [
        f"{plural(completed, 'compliance evaluation')} completed in the period: {_counts_text(results, labels)}.",
        f"{plural(overdue, 'evaluation')} overdue now." if overdue else "No evaluation is overdue.",
    ]
    return snapshot(
        summary,
        [
            table(
                "Results in the period",
                ["Result", "Evaluations"],
                [[labels.get(k, k), n] for k, n in results.items()],
            ),
            table(
                "Not or partly compliant",
                ["Ref.", "Obligation", "Result", "Evaluated"],
                [[e.reference, e.obligation.title, e.get_result_display(), e.evaluated_on] for e in failed],
                [url("environment:evaluation_detail", e.pk) for e in failed],
            ),
            table(
                "Overdue evaluations",
                ["Ref.", "Obligation", "Due", "Evaluator"],
                [
                    [e.reference, e.obligation.title, e.due_date, str(e.evaluator) if e.evaluator else None]
                    for e in late
                ],
                [url("environment:evaluation_detail", e.pk) for e in late],
            ),
        ],
    )


# --- c) / d) Audit results -------------------------------------------------------------------


def _audits_in_period(review: ManagementReview, organisation: Organisation) -> Any:
    from integrum.audits.models import Audit

    return Audit.objects.filter(
        organisation=organisation, planned_start__lte=review.period_end, planned_end__gte=review.period_start
    )


def compile_audit_results(review: ManagementReview, organisation: Organisation) -> Snapshot:
    from integrum.assessments.selectors import GROUP_TITLES
    from integrum.audits.models import Audit, Finding, Grade

    audits = _audits_in_period(review, organisation)
    by_status = {s: n for s, n in audits.values_list("status").annotate(n=Count("pk")).order_by()}
    if not by_status:
        return snapshot([f"No audit was planned or held in {_period_text(review)}."], empty=True)
    findings = (
        Finding.objects.filter(organisation=organisation, audit__in=audits.values("pk"))
        .values_list("grade", "clause__standard__code", "clause__number")
        .annotate(n=Count("pk"))
        .order_by()
    )
    by_grade: Counter[str] = Counter()
    by_group: dict[str, Counter[str]] = defaultdict(Counter)
    for grade, _code, clause_number, n in findings:
        by_grade[grade] += n
        by_group[clause_number.split(".")[0]][grade] += n
    grades = [g.value for g in Grade]
    group_rows = [
        [
            f"{group} {GROUP_TITLES.get(group, '')}".strip(),
            *[by_group[group][g] for g in grades],
            sum(by_group[group].values()),
        ]
        for group in sorted(by_group, key=lambda g: int(g) if g.isdigit() else 99)
    ]
    listed = list(
        audits.annotate(
            majors=Count("findings", filter=Q(findings__grade=Grade.MAJOR)),
            minors=Count("findings", filter=Q(findings__grade=Grade.MINOR)),
            others=Count("findings", filter=Q(findings__grade__in=[Grade.OBSERVATION, Grade.OFI])),
        ).order_by("planned_start", "number")[:ROW_LIMIT]
    )
    status_labels = dict(Audit.Status.choices)
    grade_labels = dict(Grade.choices)
    summary = [
        f"{plural(sum(by_status.values()), 'audit')} in the period: {_counts_text(by_status, status_labels)}.",
        f"{plural(sum(by_grade.values()), 'finding')}: {_counts_text({g: by_grade[g] for g in grades}, grade_labels)}.",
    ]
    return snapshot(
        summary,
        [
            table(
                "Audits",
                ["Ref.", "Audit", "Status", "Dates", "Major", "Minor", "Observations and OFIs"],
                [
                    [
                        a.reference,
                        a.title,
                        a.get_status_display(),
                        f"{a.planned_start:%d %b %Y} – {a.planned_end:%d %b %Y}",
                        a.majors,
                        a.minors,
                        a.others,
                    ]
                    for a in listed
                ],
                [url("audits:audit_detail", a.pk) for a in listed],
            ),
            table(
                "Findings by clause group",
                ["Clause group", *[grade_labels[g] for g in grades], "Total"],
                group_rows,
            ),
        ],
    )


# --- c) External providers -------------------------------------------------------------------


def _ncs_from(
    review: ManagementReview, organisation: Organisation, source: str, title: str
) -> tuple[list[str], list[dict]]:
    from integrum.improvement.models import Nonconformity

    ncs = _nc_period(review, organisation).filter(source=source)
    count = ncs.count()
    listed = list(ncs.order_by("-detected_on", "-number")[:ROW_LIMIT])
    rows = [
        [
            nc.reference,
            nc.title,
            nc.source_detail or None,
            nc.get_severity_display() if nc.severity else None,
            nc.detected_on,
            nc.get_status_display(),
        ]
        for nc in listed
    ]
    links = [url("improvement:nc_detail", nc.pk) for nc in listed]
    summary = [
        f"{plural(count, 'nonconformity', 'nonconformities')} with the source “{Nonconformity.Source(source).label.lower()}” in the period."
    ]
    return summary, [table(title, ["Ref.", "Title", "Detail", "Severity", "Detected", "Status"], rows, links)]


def compile_external_providers(review: ManagementReview, organisation: Organisation) -> Snapshot:
    from integrum.improvement.models import Nonconformity

    summary, tables = _ncs_from(
        review, organisation, Nonconformity.Source.SUPPLIER, "Supplier nonconformities"
    )
    summary.append("Write below how suppliers performed (delivery, quality, evaluations).")
    return snapshot(summary, tables)


def compile_communications(review: ManagementReview, organisation: Organisation) -> Snapshot:
    from integrum.improvement.models import Nonconformity

    summary, tables = _ncs_from(review, organisation, Nonconformity.Source.COMPLAINT, "Complaints")
    summary.append(
        "Write below what neighbours, authorities, customers and others told us about the environment."
    )
    return snapshot(summary, tables)


# --- c) / d) Overall performance: readiness --------------------------------------------------


def compile_readiness(review: ManagementReview, organisation: Organisation) -> Snapshot:
    from integrum.assessments.models import Assessment
    from integrum.assessments.selectors import GROUP_TITLES, GROUPS, readiness, readiness_warnings

    assessment = Assessment.objects.filter(organisation=organisation).order_by("-created_at", "-pk").first()
    warnings = readiness_warnings(organisation)
    if assessment is None:
        return snapshot(["No gap analysis has been made yet.", *warnings], empty=True)
    rows = readiness(assessment)
    summary = [f"Gap analysis “{assessment.title}” ({assessment.get_status_display().lower()}):"]
    for row in rows:
        percent = f"{row.overall.percent:.1f} %" if row.overall.percent is not None else "not assessed"
        summary.append(
            f"{row.standard} readiness {percent}: {row.overall.assessed} of {row.overall.total} items assessed, {row.overall.open_gaps} open gaps."
        )
    summary.extend(warnings)
    group_rows = []
    for group in GROUPS:
        cells: list[Any] = [f"{group} {GROUP_TITLES[group]}"]
        for row in rows:
            value = row.groups[group].percent
            cells.append(f"{value:.0f} %" if value is not None else None)
        group_rows.append(cells)
    return snapshot(
        summary,
        [
            table(
                "Readiness by clause group",
                ["Clause group", *[str(r.standard) for r in rows]],
                group_rows,
                [url("assessments:assessment_detail", assessment.pk)] * len(group_rows),
            )
        ],
    )


# --- f) / g) Opportunities for improvement ---------------------------------------------------


def compile_improvement(review: ManagementReview, organisation: Organisation) -> Snapshot:
    from integrum.actions.models import Action
    from integrum.audits.models import Finding, Grade

    start, end, today = _window(review)
    findings = Finding.objects.filter(
        organisation=organisation,
        audit__in=_audits_in_period(review, organisation).values("pk"),
        grade__in=[Grade.OFI, Grade.OBSERVATION],
    )
    listed = list(findings.select_related("audit", "clause").order_by("-number")[:ROW_LIMIT])
    counts = findings.aggregate(
        ofi=Count("pk", filter=Q(grade=Grade.OFI)),
        observations=Count("pk", filter=Q(grade=Grade.OBSERVATION)),
    )
    actions = Action.objects.filter(organisation=organisation).aggregate(
        open=Count("pk", filter=Q(status__in=Action.OPEN_STATUSES)),
        overdue=Count("pk", filter=Q(status__in=Action.OPEN_STATUSES, due_date__lt=today)),
        done=Count(
            "pk",
            filter=Q(
                status=Action.Status.DONE,
                completed_at__gte=_aware(start),
                completed_at__lte=_aware(end, True),
            ),
        ),
    )
    summary = [
        f"Audits in the period found {plural(counts['ofi'], 'opportunity for improvement', 'opportunities for improvement')} "
        f"and {plural(counts['observations'], 'observation')}.",
        f"The action tracker: {actions['done']} actions completed in the period, {actions['open']} open, {actions['overdue']} overdue.",
    ]
    return snapshot(
        summary,
        [
            table(
                "Opportunities for improvement and observations",
                ["Ref.", "Audit", "Grade", "Clause", "What was found"],
                [
                    [
                        f.reference,
                        f.audit.reference,
                        f.get_grade_display(),
                        f.clause.number,
                        f.statement[:160],
                    ]
                    for f in listed
                ],
                [url("audits:finding_detail", f.pk) for f in listed],
            )
        ],
        empty=not listed and not actions["open"] and not actions["done"],
    )


# --- The catalogue ---------------------------------------------------------------------------

CATALOGUE: tuple[InputSpec, ...] = (
    InputSpec(
        "previous_actions",
        "Status of actions from previous reviews",
        ((ISO_9001, "9.3.2 a)"), (ISO_14001, "9.3 a)")),
        compile_previous_actions,
        "What became of the decisions earlier reviews took: done, still open, overdue.",
    ),
    InputSpec(
        "context_changes",
        "Changes in external and internal issues",
        ((ISO_9001, "9.3.2 b)"), (ISO_14001, "9.3 b) 1)")),
        compile_context_changes,
        "What changed in the context registers since the period began, and the climate change determination.",
    ),
    InputSpec(
        "interested_parties",
        "Needs and expectations of interested parties, including compliance obligations",
        ((ISO_14001, "9.3 b) 2)"),),
        compile_interested_parties,
        "New or changed needs and expectations, and the compliance obligations that follow from them.",
    ),
    InputSpec(
        "significant_aspects",
        "Significant environmental aspects",
        ((ISO_14001, "9.3 b) 3)"),),
        compile_significant_aspects,
        "Which aspects are significant now and what was reassessed in the period.",
    ),
    InputSpec(
        "risks_opportunities",
        "Risks and opportunities, and how well the actions on them worked",
        ((ISO_9001, "9.3.2 e)"), (ISO_14001, "9.3 b) 4)")),
        compile_risks_opportunities,
        "The risk register's state and the actions taken on risks and opportunities.",
    ),
    InputSpec(
        "customer_satisfaction",
        "Customer satisfaction and feedback from interested parties",
        ((ISO_9001, "9.3.2 c) 1)"),),
        None,
        "Survey results, scorecards, complaints trends and praise: no module holds them yet, so write them here.",
        manual=True,
    ),
    InputSpec(
        "objectives",
        "How far objectives were met",
        ((ISO_9001, "9.3.2 c) 2)"), (ISO_14001, "9.3 c)")),
        compile_objectives,
        "Each objective that ran in the period, with its status from its KPI.",
    ),
    InputSpec(
        "process_performance",
        "Process performance and conformity of products and services",
        ((ISO_9001, "9.3.2 c) 3)"),),
        compile_process_performance,
        "The processes and the state of the KPIs; add process figures and product conformity by hand.",
        manual=True,
    ),
    InputSpec(
        "nonconformities",
        "Nonconformities and corrective actions",
        ((ISO_9001, "9.3.2 c) 4)"), (ISO_14001, "9.3 d) 1)")),
        compile_nonconformities,
        "Nonconformities in the period by month, severity, source and cause; open and overdue corrective actions.",
    ),
    InputSpec(
        "monitoring_results",
        "Monitoring and measurement results",
        ((ISO_9001, "9.3.2 c) 5)"), (ISO_14001, "9.3 d) 2)")),
        compile_monitoring_results,
        "KPIs' latest values against target and the greenhouse gas inventories of the period's years.",
    ),
    InputSpec(
        "compliance",
        "Fulfilment of compliance obligations",
        ((ISO_14001, "9.3 d) 3)"),),
        compile_compliance,
        "Compliance evaluations completed in the period by result, and overdue ones.",
    ),
    InputSpec(
        "audit_results",
        "Audit results",
        ((ISO_9001, "9.3.2 c) 6)"), (ISO_14001, "9.3 d) 4)")),
        compile_audit_results,
        "Audits in the period and their findings by grade and clause group.",
    ),
    InputSpec(
        "external_providers",
        "Performance of external providers",
        ((ISO_9001, "9.3.2 c) 7)"),),
        compile_external_providers,
        "Supplier nonconformities; add supplier evaluations and delivery performance by hand.",
        manual=True,
    ),
    InputSpec(
        "readiness",
        "Overall performance of the management system",
        ((ISO_9001, "9.3.2 c)"), (ISO_14001, "9.3 d)")),
        compile_readiness,
        "How far the latest gap analysis finds the system from meeting each standard.",
    ),
    InputSpec(
        "resources",
        "Adequacy of resources",
        ((ISO_9001, "9.3.2 d)"), (ISO_14001, "9.3 e)")),
        None,
        "People, skills, equipment, budget: were they enough? Write it here.",
        manual=True,
    ),
    InputSpec(
        "communications",
        "Communications from interested parties, including complaints",
        ((ISO_14001, "9.3 f)"),),
        compile_communications,
        "Complaints recorded as nonconformities; add other environmental communications by hand.",
        manual=True,
    ),
    InputSpec(
        "improvement",
        "Opportunities for improvement",
        ((ISO_9001, "9.3.2 f)"), (ISO_14001, "9.3 g)")),
        compile_improvement,
        "Opportunities for improvement and observations from audits, and the action tracker's state.",
    ),
)

BY_KEY = {spec.key: spec for spec in CATALOGUE}


def specs_for(codes: Iterable[str]) -> list[InputSpec]:
    """The catalogue entries that answer a clause of any of these standards, in order."""
    codes = set(codes)
    return [spec for spec in CATALOGUE if spec.applies_to(codes)]


def manual_snapshot(spec: InputSpec) -> Snapshot:
    return snapshot(["No module holds this input yet: write it below."], empty=True)


def compile_input(spec: InputSpec, review: ManagementReview, organisation: Organisation) -> Snapshot:
    return spec.compile(review, organisation) if spec.compile is not None else manual_snapshot(spec)


def compile_all(
    specs: Iterable[InputSpec], review: ManagementReview, organisation: Organisation
) -> dict[str, Snapshot]:
    """Every input's snapshot, reading what several inputs share only once."""
    token = _shared.set({})
    try:
        return {spec.key: compile_input(spec, review, organisation) for spec in specs}
    finally:
        _shared.reset(token)
