"""Reads across models for KPIs and objectives: a KPI's series of values, the status of each
objective, and what waits for a person in "my work".

Every function here works on many KPIs or objectives at once in a fixed number of queries, so a
list page costs the same for ten rows or a hundred. Values computed from meters come from the
monthly totals and never from the raw readings; emissions come from the inventory results.

How a series is built (`kpi_series_many`):

- For each period and each site in the KPI's scope, an amount: the entered value; or the meters
  of the KPI's kind summed and converted to the KPI's unit; or the inventory's CO₂e for the
  KPI's scopes. A value entered for the whole KPI (no site) is used as it stands when the
  series covers the KPI's whole scope.
- Normalised KPIs divide by the site figure of the same kind: output is added up over the
  period's months, floor area and head count are averaged. A missing figure leaves the period
  without a value rather than showing a wrong one.
- Sites roll up by sum (the intensity of the group is total amount over total figure, or over
  the organisation's own figure when the series covers every site) or by average (of each
  site's value).
- Each point carries the worst quality of what it is made of: measured, invoiced, estimated.
- Computed KPIs stop at the last period that has ended: a month half read is not a low month.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from integrum.core.permissions import membership_in
from integrum.measurement import units
from integrum.measurement.models import MonthlyTotal, Quality, SiteFigure
from integrum.performance.models import Kpi, KpiValue, Objective
from integrum.performance.periods import (
    MONTHS_IN,
    add_periods,
    months_of,
    period_end,
    period_label,
    period_start,
    periods_between,
)
from integrum.performance.services import EMISSION_UNITS, effective_baseline, effective_target

# Worst last: a point is as good as its weakest part.
QUALITY_RANK: dict[str, int] = {Quality.MEASURED: 0, Quality.INVOICED: 1, Quality.ESTIMATED: 2}

# Progress further behind the time elapsed than this (percentage points) puts an objective at risk.
AT_RISK_GAP = Decimal(10)

# How far back the lists look for a KPI's latest value.
LATEST_LOOKBACK_MONTHS = 36

# Manual KPI values are expected this many days after their period ends ("my work").
VALUE_DUE_DAYS = 15

Status = Objective.Status

STATUS_CSS = {
    Status.ON_TRACK: "badge--progress",
    Status.AT_RISK: "badge--due",
    Status.ACHIEVED: "badge--done",
    Status.MISSED: "badge--danger",
    Status.NO_DATA: "badge--muted",
    Status.CANCELLED: "badge--muted",
}

RAG_CSS = {"green": "badge--done", "amber": "badge--due", "red": "badge--danger"}
RAG_LABELS = {"green": "On target", "amber": "Off target", "red": "Beyond warning"}


def _worse(a: str, b: str) -> str:
    if not a:
        return b
    if not b:
        return a
    return a if QUALITY_RANK.get(a, 0) >= QUALITY_RANK.get(b, 0) else b


# --- Series ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Point:
    period: datetime.date  # the period's first day
    label: str  # "Mar 2025", "Q1 2025", "2025"
    value: Decimal | None  # None: no value for the period
    quality: str = ""  # Quality value of the worst part; "" without a value
    sites: int = 0  # how many sites the value is made of (0: a value for the whole KPI)


@dataclass
class Series:
    kpi: Kpi
    points: list[Point] = field(default_factory=list)
    # Things the reader should know: meters left out because their unit does not convert, …
    notes: list[str] = field(default_factory=list)

    @property
    def latest(self) -> Point | None:
        """The last point with a value."""
        return next((point for point in reversed(self.points) if point.value is not None), None)

    def chart_points(self) -> list[tuple[str, Decimal | None]]:
        return [(point.label, point.value) for point in self.points]


@dataclass
class _Amount:
    """What one site (or the whole KPI, site None) contributes to one period."""

    value: Decimal = Decimal(0)
    quality: str = ""

    def add(self, value: Decimal, quality: str) -> None:
        self.value += value
        self.quality = _worse(self.quality, quality)


def _quality_of(estimated: Decimal | None, invoiced: Decimal | None) -> str:
    """The quality of a monthly total: estimated if any of it was, else invoiced if any of it was."""
    if estimated:
        return Quality.ESTIMATED
    return Quality.INVOICED if invoiced else Quality.MEASURED


# kpi id → period → site id (None: the whole KPI) → amount
_Amounts = dict[int, dict[datetime.date, dict[int | None, _Amount]]]


def _site_ids(value: Iterable[Any] | None) -> frozenset[int] | None:
    if value is None:
        return None
    return frozenset(getattr(item, "pk", item) for item in value)


def _scopes(kpis: Sequence[Kpi], narrowed: frozenset[int] | None) -> dict[int, frozenset[int] | None]:
    """Each KPI's sites (None: every site of its organisation), narrowed to `narrowed` (one query)."""
    limited: dict[int, set[int]] = defaultdict(set)
    for kpi_id, site_id in Kpi.sites.through.objects.filter(kpi_id__in=[k.pk for k in kpis]).values_list(
        "kpi_id", "site_id"
    ):
        limited[kpi_id].add(site_id)
    scopes: dict[int, frozenset[int] | None] = {}
    for kpi in kpis:
        own = frozenset(limited[kpi.pk]) if limited.get(kpi.pk) else None
        if narrowed is None:
            scopes[kpi.pk] = own
        else:
            scopes[kpi.pk] = narrowed if own is None else own & narrowed
    return scopes


def _in_scope(site_id: int | None, scope: frozenset[int] | None) -> bool:
    return scope is None or site_id in scope


def _manual_amounts(kpis: list[Kpi], first: datetime.date, last: datetime.date, amounts: _Amounts) -> None:
    if not kpis:
        return
    rows = KpiValue.objects.filter(
        kpi_id__in=[k.pk for k in kpis], period__gte=first, period__lte=last
    ).values_list("kpi_id", "site_id", "period", "value", "quality")
    for kpi_id, site_id, period, value, quality in rows:
        amounts[kpi_id][period].setdefault(site_id, _Amount()).add(value, quality)


def _meter_amounts(
    kpis: list[Kpi], first: datetime.date, last: datetime.date, amounts: _Amounts, notes: dict[int, list[str]]
) -> None:
    if not kpis:
        return
    rows = (
        MonthlyTotal.objects.filter(
            organisation_id__in={k.organisation_id for k in kpis},
            meter__kind__in={k.meter_kind for k in kpis},
            month__gte=first,
            month__lt=last,
        )
        .values("organisation_id", "meter__kind", "meter__unit", "site_id", "month")
        .annotate(
            quantity=Sum("quantity"), estimated=Sum("estimated_quantity"), invoiced=Sum("invoiced_quantity")
        )
        .order_by()
    )
    grouped: dict[tuple[int, str], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        grouped[(row["organisation_id"], row["meter__kind"])].append(row)
    for kpi in kpis:
        refused: set[str] = set()
        for row in grouped.get((kpi.organisation_id, kpi.meter_kind), []):
            try:
                value = units.convert(row["quantity"], row["meter__unit"], kpi.unit)
            except units.UnitError:
                refused.add(row["meter__unit"])
                continue
            quality = _quality_of(row["estimated"], row["invoiced"])
            period = period_start(row["month"], kpi.frequency)
            amounts[kpi.pk][period].setdefault(row["site_id"], _Amount()).add(value, quality)
        if refused:
            notes[kpi.pk].append(
                f"Meters kept in {', '.join(sorted(refused))} are left out: that cannot be converted to {kpi.unit}."
            )


def _counts(basis: str, scope: int, method: str) -> bool:
    """Whether an inventory row of `scope` and scope 2 `method` counts towards an emissions basis."""
    B = Kpi.EmissionsBasis
    market = method == "market"
    if scope == 1:
        return basis in (B.ALL, B.SCOPE_1_2, B.SCOPE_1_2_MARKET, B.SCOPE_1)
    if scope == 2:
        if market:
            return basis in (B.SCOPE_1_2_MARKET, B.SCOPE_2_MARKET)
        return basis in (B.ALL, B.SCOPE_1_2, B.SCOPE_2_LOCATION)
    if scope == 3:
        return basis in (B.ALL, B.SCOPE_3)
    return False


def _emission_amounts(kpis: list[Kpi], first: datetime.date, last: datetime.date, amounts: _Amounts) -> None:
    if not kpis:
        return
    from integrum.ghg.models import EmissionSource, InventoryResult

    organisations = {k.organisation_id for k in kpis}
    rows = (
        InventoryResult.objects.filter(
            organisation_id__in=organisations, month__gte=first, month__lt=last, scope__in=(1, 2, 3)
        )
        .values_list("organisation_id", "site_id", "month", "scope", "method")
        .annotate(co2e=Sum("co2e_kg"))
        .order_by()
    )
    # The activity behind an inventory row was estimated (or invoiced) when its meter's monthly
    # total was, in part.
    sources = EmissionSource.objects.filter(meter_id=OuterRef("meter_id"))
    qualities: dict[tuple[int, datetime.date, int], str] = {}
    scopes_of_meter: dict[int, set[int]] = defaultdict(set)
    for meter_id, scope in EmissionSource.objects.filter(organisation_id__in=organisations).values_list(
        "meter_id", "scope"
    ):
        scopes_of_meter[meter_id].add(scope)
    for meter_id, site_id, month, estimated, invoiced in (
        MonthlyTotal.objects.filter(organisation_id__in=organisations, month__gte=first, month__lt=last)
        .filter(Q(estimated_quantity__gt=0) | Q(invoiced_quantity__gt=0))
        .filter(Exists(sources))
        .values_list("meter_id", "site_id", "month", "estimated_quantity", "invoiced_quantity")
    ):
        for scope in scopes_of_meter[meter_id]:
            key = (site_id, month, scope)
            qualities[key] = _worse(qualities.get(key, ""), _quality_of(estimated, invoiced))
    by_organisation: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for row in rows:
        by_organisation[row[0]].append(row)
    for kpi in kpis:
        per_unit = EMISSION_UNITS.get(kpi.unit, Decimal(1))
        for _, site_id, month, scope, method, co2e in by_organisation.get(kpi.organisation_id, []):
            if not _counts(kpi.emissions_basis, scope, method):
                continue
            quality = qualities.get((site_id, month, scope), Quality.MEASURED)
            period = period_start(month, kpi.frequency)
            amounts[kpi.pk][period].setdefault(site_id, _Amount()).add(co2e / per_unit, quality)


def _figures(
    kpis: list[Kpi], first: datetime.date, last: datetime.date
) -> dict[tuple[int, str], dict[tuple[int | None, datetime.date], Decimal]]:
    """(organisation, kind) → (site or None, month) → figure, for the normalised KPIs (one query)."""
    found: dict[tuple[int, str], dict[tuple[int | None, datetime.date], Decimal]] = defaultdict(dict)
    wanted = [k for k in kpis if k.normalisation]
    if not wanted:
        return found
    rows = SiteFigure.objects.filter(
        organisation_id__in={k.organisation_id for k in wanted},
        kind__in={k.normalisation for k in wanted},
        month__gte=first,
        month__lt=last,
    ).values_list("organisation_id", "kind", "site_id", "month", "value")
    for organisation_id, kind, site_id, month, value in rows:
        found[(organisation_id, kind)][(site_id, month)] = value
    return found


def _denominator(
    figures: dict[tuple[int | None, datetime.date], Decimal],
    site_id: int | None,
    period: datetime.date,
    kpi: Kpi,
) -> Decimal | None:
    """The site's (or organisation's, site None) figure for the period; None if a month lacks one."""
    values = []
    for month in months_of(period, kpi.frequency):
        value = figures.get((site_id, month))
        if value is None:
            return None
        values.append(value)
    if kpi.normalisation == Kpi.Normalisation.OUTPUT:
        total = sum(values, Decimal(0))
    else:  # floor area and head count are levels, not flows: their average over the period
        total = sum(values, Decimal(0)) / len(values)
    return total if total > 0 else None


def _combine(
    kpi: Kpi,
    period: datetime.date,
    by_site: dict[int | None, _Amount],
    scope: frozenset[int] | None,
    whole_scope: bool,
    figures: dict[tuple[int | None, datetime.date], Decimal],
) -> Point:
    label = period_label(period, kpi.frequency)
    normalised = bool(kpi.normalisation)
    whole = by_site.get(None)
    sites = {
        site_id: amount
        for site_id, amount in by_site.items()
        if site_id is not None and _in_scope(site_id, scope)
    }
    if whole is not None and (whole_scope or not sites):
        # A value for the whole KPI, entered as such.
        if not normalised:
            return Point(period, label, whole.value, whole.quality, 0)
        denominator = _denominator(figures, None, period, kpi)
        if denominator is None:
            return Point(period, label, None)
        return Point(period, label, whole.value / denominator, whole.quality, 0)
    if not sites:
        return Point(period, label, None)
    quality = ""
    for amount in sites.values():
        quality = _worse(quality, amount.quality)
    if kpi.roll_up == Kpi.RollUp.AVERAGE:
        parts: list[Decimal] = []
        for site_id, amount in sites.items():
            if normalised:
                denominator = _denominator(figures, site_id, period, kpi)
                if denominator is None:
                    return Point(period, label, None)
                parts.append(amount.value / denominator)
            else:
                parts.append(amount.value)
        return Point(period, label, sum(parts, Decimal(0)) / len(parts), quality, len(parts))
    total = sum((amount.value for amount in sites.values()), Decimal(0))
    if normalised:
        denominator = _denominator(figures, None, period, kpi) if whole_scope else None
        if denominator is None:
            each = [_denominator(figures, site_id, period, kpi) for site_id in sites]
            if any(d is None for d in each):
                return Point(period, label, None)
            denominator = sum((d for d in each if d is not None), Decimal(0))
        total = total / denominator
    return Point(period, label, total, quality, len(sites))


def kpi_series_many(
    kpis: Iterable[Kpi],
    *,
    start: datetime.date,
    end: datetime.date,
    sites: Iterable[Any] | None = None,
    today: datetime.date | None = None,
) -> dict[int, Series]:
    """The series of each KPI over the periods touching [start, end], by KPI id.

    `sites` (sites or ids) narrows every KPI to those sites, e.g. to what a site-limited member
    may see; None keeps each KPI's own scope. A fixed number of queries, whatever the KPIs.
    """
    kpis = list(kpis)
    if not kpis:
        return {}
    today = today or timezone.localdate()
    narrowed = _site_ids(sites)
    scopes = _scopes(kpis, narrowed)
    # The widest window any KPI needs, from the first month of its first period to the month
    # after the end of its last.
    first = min(period_start(start, k.frequency) for k in kpis)
    last = max(add_periods(period_start(end, k.frequency), k.frequency) for k in kpis)
    amounts: _Amounts = defaultdict(lambda: defaultdict(dict))
    notes: dict[int, list[str]] = defaultdict(list)
    by_source: dict[str, list[Kpi]] = defaultdict(list)
    for kpi in kpis:
        by_source[kpi.source].append(kpi)
    _manual_amounts(by_source[Kpi.Source.MANUAL], first, last, amounts)
    _meter_amounts(by_source[Kpi.Source.METERS], first, last, amounts, notes)
    _emission_amounts(by_source[Kpi.Source.EMISSIONS], first, last, amounts)
    figures = _figures(kpis, first, last)
    result: dict[int, Series] = {}
    for kpi in kpis:
        scope = scopes[kpi.pk]
        whole_scope = scope is None and narrowed is None
        kpi_figures = figures.get((kpi.organisation_id, kpi.normalisation), {})
        series = Series(kpi=kpi, notes=notes.get(kpi.pk, []))
        for period in periods_between(start, end, kpi.frequency):
            if kpi.source != Kpi.Source.MANUAL and period_end(period, kpi.frequency) >= today:
                break  # computed figures of a period not over yet would look too good
            by_site = amounts[kpi.pk].get(period, {})
            series.points.append(_combine(kpi, period, by_site, scope, whole_scope, kpi_figures))
        result[kpi.pk] = series
    return result


def kpi_series(
    kpi: Kpi,
    *,
    start: datetime.date,
    end: datetime.date,
    sites: Iterable[Any] | None = None,
    today: datetime.date | None = None,
) -> Series:
    """One KPI's series over the periods touching [start, end] (see the module's docstring)."""
    return kpi_series_many([kpi], start=start, end=end, sites=sites, today=today)[kpi.pk]


def default_window(kpi: Kpi, today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """The periods a KPI page shows by default: two years of months, three of quarters, six years."""
    today = today or timezone.localdate()
    count = {1: 24, 3: 12, 12: 6}[MONTHS_IN[kpi.frequency]]
    end = period_start(today, kpi.frequency)
    return add_periods(end, kpi.frequency, -(count - 1)), end


# --- RAG -------------------------------------------------------------------------------------


def meets(value: Decimal, target: Decimal, direction: str) -> bool:
    return value <= target if direction == Kpi.Direction.LOWER else value >= target


def beyond(value: Decimal, threshold: Decimal, direction: str) -> bool:
    """Whether a value is on the wrong side of a warning threshold."""
    return value > threshold if direction == Kpi.Direction.LOWER else value < threshold


def rag(kpi: Kpi, value: Decimal | None) -> str:
    """green (meets the target), red (beyond the warning threshold), amber (between); "" if unknown."""
    if value is None or kpi.target is None:
        return ""
    if meets(value, kpi.target, kpi.direction):
        return "green"
    if kpi.warning_threshold is not None and beyond(value, kpi.warning_threshold, kpi.direction):
        return "red"
    return "amber"


@dataclass(frozen=True)
class Latest:
    point: Point | None
    rag: str

    @property
    def css(self) -> str:
        return RAG_CSS.get(self.rag, "badge--muted")

    @property
    def rag_label(self) -> str:
        return RAG_LABELS.get(self.rag, "No target")


def latest_values(
    kpis: Iterable[Kpi], *, sites: Iterable[Any] | None = None, today: datetime.date | None = None
) -> dict[int, Latest]:
    """Each KPI's latest value in the last three years and its RAG status (fixed queries)."""
    kpis = list(kpis)
    today = today or timezone.localdate()
    start = add_periods(period_start(today, "monthly"), "monthly", -LATEST_LOOKBACK_MONTHS)
    series = kpi_series_many(kpis, start=start, end=today, sites=sites, today=today)
    found = {}
    for kpi in kpis:
        point = series[kpi.pk].latest
        found[kpi.pk] = Latest(point, rag(kpi, point.value if point else None))
    return found


# --- Objectives ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    status: str
    reason: str
    latest: Point | None = None
    baseline: Decimal | None = None
    target: Decimal | None = None
    percent: Decimal | None = None  # of the way from baseline to target (may run below 0 or past 100)
    expected: Decimal | None = None  # of the time from start to due that has elapsed

    @property
    def status_label(self) -> str:
        return str(Status(self.status).label)

    @property
    def css(self) -> str:
        return STATUS_CSS[Status(self.status)]

    @property
    def bar(self) -> int:
        """The progress bar's width, 0–100."""
        if self.percent is None:
            return 0
        return int(max(Decimal(0), min(Decimal(100), self.percent)))


def _number(value: Decimal) -> str:
    text = f"{value.quantize(Decimal('0.01')) if abs(value) < 1000 else value.quantize(Decimal(1)):,f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def objective_window(objective: Objective, today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The dates whose periods count for an objective: from its baseline (or start) to today or its due date."""
    begin = objective.baseline_date or objective.start_date
    return min(begin, objective.start_date), min(today, objective.due_date)


def _progress(objective: Objective, kpi: Kpi | None, series: Series | None, today: datetime.date) -> Progress:
    if objective.is_cancelled:
        return Progress(Status.CANCELLED, "The objective was cancelled.")
    if kpi is None or series is None:
        return Progress(Status.NO_DATA, "No KPI measures this objective.")
    objective.kpi = kpi  # so the baseline and target fall back to the KPI's without a query
    baseline, target = effective_baseline(objective), effective_target(objective)
    if target is None:
        return Progress(
            Status.NO_DATA, f"Neither the objective nor {kpi.reference} has a target.", baseline=baseline
        )
    latest = series.latest
    if latest is None or latest.value is None:
        return Progress(
            Status.NO_DATA,
            f"{kpi.reference} has no value since the objective started.",
            baseline=baseline,
            target=target,
        )
    value = latest.value
    unit = kpi.unit
    percent = None
    if baseline is not None and baseline != target:
        percent = (value - baseline) / (target - baseline) * 100 + 0  # + 0: never "-0 %"
    span = (objective.due_date - objective.start_date).days
    elapsed = (min(today, objective.due_date) - objective.start_date).days
    expected = Decimal(100) if span <= 0 else Decimal(max(0, elapsed)) / Decimal(span) * 100
    common: dict[str, Any] = {
        "latest": latest,
        "baseline": baseline,
        "target": target,
        "percent": percent,
        "expected": expected,
    }
    shown = f"{_number(value)} {unit} ({latest.label})"
    if meets(value, target, kpi.direction):
        return Progress(
            Status.ACHIEVED,
            f"The latest value, {shown}, meets the target of {_number(target)} {unit}.",
            **common,
        )
    if today > objective.due_date:
        return Progress(
            Status.MISSED,
            f"Due on {objective.due_date:%d %b %Y}; the latest value, {shown}, did not reach {_number(target)} {unit}.",
            **common,
        )
    if kpi.warning_threshold is not None and beyond(value, kpi.warning_threshold, kpi.direction):
        return Progress(
            Status.AT_RISK,
            f"The latest value, {shown}, is beyond {kpi.reference}'s warning threshold of "
            f"{_number(kpi.warning_threshold)} {unit}.",
            **common,
        )
    if percent is not None and expected - percent > AT_RISK_GAP:
        return Progress(
            Status.AT_RISK,
            f"{percent:.0f} % of the way to the target with {expected:.0f} % of the time gone.",
            **common,
        )
    if percent is None:
        reason = f"The latest value is {shown}; set a baseline to see how far along it is."
    else:
        reason = f"{percent:.0f} % of the way to the target with {expected:.0f} % of the time gone."
    return Progress(Status.ON_TRACK, reason, **common)


def objectives_progress(
    objectives: Iterable[Objective], *, sites: Iterable[Any] | None = None, today: datetime.date | None = None
) -> dict[int, Progress]:
    """The progress and status of each objective, by id, computed from its KPI's series.

    A fixed number of queries: one for the KPIs, then `kpi_series_many` once for all of them.
    """
    objectives = list(objectives)
    today = today or timezone.localdate()
    kpi_ids = {o.kpi_id for o in objectives if o.kpi_id is not None and not o.is_cancelled}
    kpis = Kpi.objects.in_bulk(kpi_ids) if kpi_ids else {}
    series: dict[int, Series] = {}
    if kpis:
        windows = [objective_window(o, today) for o in objectives if o.kpi_id in kpis]
        start = min(w[0] for w in windows)
        end = max(max(w[1], w[0]) for w in windows)
        series = kpi_series_many(kpis.values(), start=start, end=end, sites=sites, today=today)
    found = {}
    for objective in objectives:
        kpi = kpis.get(objective.kpi_id) if objective.kpi_id else None
        own = None
        if kpi is not None:
            begin, finish = objective_window(objective, today)
            first, last = period_start(begin, kpi.frequency), finish
            own = Series(
                kpi=kpi,
                points=[p for p in series[kpi.pk].points if first <= p.period <= last],
                notes=series[kpi.pk].notes,
            )
        found[objective.pk] = _progress(objective, kpi, own, today)
    return found


def objective_progress(
    objective: Objective, *, sites: Iterable[Any] | None = None, today: datetime.date | None = None
) -> Progress:
    return objectives_progress([objective], sites=sites, today=today)[objective.pk]


# --- Reading as a member ---------------------------------------------------------------------


def member_sites(user: Any, organisation: Any) -> list[int] | None:
    """The sites a site-limited member's figures are narrowed to; None for everyone else."""
    membership = membership_in(user, getattr(organisation, "pk", organisation))
    if membership is None:
        return []
    return membership.site_ids or None


# --- My work ---------------------------------------------------------------------------------


def objectives_at_risk_for(
    user: Any, organisation: Any, *, today: datetime.date | None = None, limit: int = 100
) -> list[tuple[Objective, Progress]]:
    """Open objectives the user owns that are at risk or missed, the earliest due first."""
    today = today or timezone.localdate()
    objectives = list(
        Objective.objects.visible_to(user)
        .filter(organisation=organisation, owner=user, is_cancelled=False, kpi__isnull=False)
        .order_by("due_date", "number")[: limit * 5]
    )
    progress = objectives_progress(objectives, sites=member_sites(user, organisation), today=today)
    worrying = [
        (objective, progress[objective.pk])
        for objective in objectives
        if progress[objective.pk].status in (Status.AT_RISK, Status.MISSED)
        and (
            progress[objective.pk].status != Status.MISSED
            or objective.due_date >= today - datetime.timedelta(days=90)
        )
    ]
    return worrying[:limit]


@dataclass(frozen=True)
class ValueDue:
    kpi: Kpi
    period: datetime.date
    label: str
    due: datetime.date

    @property
    def is_overdue(self) -> bool:
        return self.due < timezone.localdate()


def last_closed_period(frequency: str, today: datetime.date) -> datetime.date:
    return add_periods(period_start(today, frequency), frequency, -1)


def kpi_values_due_for(
    user: Any, organisation: Any, *, today: datetime.date | None = None, limit: int = 100
) -> list[ValueDue]:
    """Active KPIs entered by hand that the user owns and that have no value yet for their last
    period that has ended (one query)."""
    today = today or timezone.localdate()
    missing = Q()
    for frequency in Kpi.Frequency.values:
        period = last_closed_period(frequency, today)
        entered = KpiValue.objects.filter(kpi_id=OuterRef("pk"), period=period)
        missing |= Q(Q(frequency=frequency), ~Exists(entered))
    kpis: QuerySet[Kpi] = (
        Kpi.objects.visible_to(user)
        .filter(organisation=organisation, owner=user, is_active=True, source=Kpi.Source.MANUAL)
        .filter(missing)
        .order_by("number")
    )
    due = []
    for kpi in kpis[:limit]:
        period = last_closed_period(kpi.frequency, today)
        deadline = period_end(period, kpi.frequency) + datetime.timedelta(days=VALUE_DUE_DAYS)
        due.append(ValueDue(kpi, period, period_label(period, kpi.frequency), deadline))
    due.sort(key=lambda item: (item.due, item.kpi.number))
    return due


def due_for(user: Any, organisation: Any) -> list[Any]:
    """The common name "my work" reads: KPI values to enter, then objectives at risk."""
    return [*kpi_values_due_for(user, organisation), *objectives_at_risk_for(user, organisation)]


def objective_counts(progress: Collection[Progress]) -> dict[str, int]:
    counts = {status: 0 for status in Status.values}
    for item in progress:
        counts[item.status] += 1
    return counts
