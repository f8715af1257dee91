"""The annual environmental performance report (ISO 14001:2015 9.1.1 and 9.3 inputs).

The report is the dashboard's figures for one year laid out for reading and filing: the same
`performance.dashboard` aggregates, plus the data-quality facts an auditor asks about (how
complete each meter's year is, what share was estimated, what the inventory could not work
out) and the factor dataset with its attribution. `workbook` writes the same figures to XLSX.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils import timezone

from integrum.measurement.models import Meter
from integrum.performance.dashboard import (
    MONTH_LABELS,
    ZERO,
    Dashboard,
    Line,
    View,
    dashboard,
)


@dataclass
class MeterQuality:
    meter: Meter
    site: str
    months: int  # months of the year with readings
    expected: int  # months of the year that have ended (12 for a past year)
    quantity: Decimal
    estimated: Decimal

    @property
    def missing(self) -> int:
        return max(0, self.expected - self.months)

    @property
    def estimated_percent(self) -> Decimal | None:
        return self.estimated * 100 / self.quantity if self.quantity > 0 else None


@dataclass
class Report:
    dashboard: Dashboard
    meters: list[MeterQuality]
    generated: dt.datetime

    @property
    def year(self) -> int:
        return self.dashboard.view.year

    @property
    def view(self) -> View:
        return self.dashboard.view

    @property
    def summary(self) -> list[Line]:
        """The headline measures, in the order the report and the workbook list them."""
        d = self.dashboard
        return [
            d.energy_total,
            *d.energy_other,
            d.water,
            d.waste_total,
            *d.waste_other,
            *d.materials,
            *d.emissions.headline,
        ]

    @property
    def inventories(self) -> list[Any]:
        emissions = self.dashboard.emissions
        return [inventory for inventory in (emissions.inventory, emissions.previous_inventory) if inventory]

    @property
    def inventory_problems(self) -> list[str]:
        """What the year's inventory could not work out. The messages name meters of any site, so
        a member limited to some sites is told how many there are, not what they say."""
        inventory = self.dashboard.emissions.inventory
        problems = list(inventory.problems) if inventory is not None else []
        if problems and self.view.limited:
            count = len(problems)
            return [
                f"The inventory lists {count} problem{'s' if count > 1 else ''} across the organisation's sites."
            ]
        return problems

    @property
    def meters_with_gaps(self) -> list[MeterQuality]:
        return [quality for quality in self.meters if quality.missing]

    @property
    def emissions_by_site(self) -> list[tuple[str, Decimal, Decimal, Decimal, Decimal]]:
        """(site, location-based this year, market-based this year, the same for the year before)."""
        rows = []
        for site_id, name in self.dashboard.site_names.items():
            measures = self.dashboard.per_site.get(site_id)
            if not measures:
                continue
            location = measures.get("emissions_location", [ZERO, ZERO])
            market = measures.get("emissions_market", [ZERO, ZERO])
            if any(location) or any(market):
                rows.append((name, location[0], market[0], location[1], market[1]))
        return rows


def months_expected(year: int, today: dt.date) -> int:
    """Months of `year` that have ended by `today`."""
    if year < today.year:
        return 12
    if year > today.year:
        return 0
    return today.month - 1


def meter_quality(view: View) -> list[MeterQuality]:
    """Each meter's year: months with readings, quantity and the estimated part. One query,
    grouped by meter over its monthly totals."""
    start, end = dt.date(view.year, 1, 1), dt.date(view.year, 12, 1)
    in_year = Q(monthly_totals__month__gte=start, monthly_totals__month__lte=end)
    meters = Meter.objects.visible_to(view.user).filter(organisation=view.organisation)
    if view.site:
        meters = meters.filter(site=view.site)
    meters = (
        meters.annotate(
            months=Count("monthly_totals", filter=in_year & Q(monthly_totals__reading_count__gt=0)),
            quantity=Sum("monthly_totals__quantity", filter=in_year),
            estimated=Sum("monthly_totals__estimated_quantity", filter=in_year),
        )
        .filter(Q(is_active=True) | Q(months__gt=0))
        .select_related("site")
        .order_by("site__name", "code")
    )
    expected = months_expected(view.year, timezone.localdate())
    return [
        MeterQuality(
            meter, meter.site.name, meter.months, expected, meter.quantity or ZERO, meter.estimated or ZERO
        )
        for meter in meters
    ]


def annual_report(user: Any, organisation: Any, *, year: int, site_id: int | None = None) -> Report:
    data = dashboard(user, organisation, year=year, site_id=site_id)
    return Report(dashboard=data, meters=meter_quality(data.view), generated=timezone.now())


# --- The workbook ------------------------------------------------------------------------------------

PLACES = Decimal("0.000001")


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value.quantize(PLACES))


def workbook(report: Report) -> bytes:
    """The report as an XLSX workbook, one sheet per part, numbers as numbers."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    d = report.dashboard
    year, previous = report.year, report.year - 1
    book = Workbook()
    bold = Font(bold=True)

    def sheet(title: str, header: list[str]) -> Any:
        ws = book.create_sheet(title)
        ws.append(header)
        for cell in ws[1]:
            cell.font = bold
        ws.freeze_panes = "A2"
        return ws

    def by_month(title: str, lines: list[Line]) -> None:
        ws = sheet(
            title,
            ["Measure", "Unit", "Year", *MONTH_LABELS, "Total", "Change %", "Compared months", "Estimated %"],
        )
        for line in lines:
            ws.append(
                [
                    line.label,
                    line.unit,
                    year,
                    *[_number(v) for v in line.months],
                    _number(line.total),
                    _number(line.change_percent),
                    line.compared_period or "Jan–Dec",
                    _number(line.estimated_percent),
                ]
            )
            ws.append(
                [
                    line.label,
                    line.unit,
                    previous,
                    *[_number(v) for v in line.previous_months],
                    _number(line.previous_total),
                    None,
                    None,
                    None,
                ]
            )

    summary = book.active
    summary.title = "Summary"
    summary.append(["Environmental performance report", year])
    summary["A1"].font = bold
    summary.append(["Organisation", report.view.organisation.name])
    summary.append(["Sites", d.site_label])
    summary.append(["Generated", report.generated.replace(tzinfo=None)])
    summary.append([])
    summary.append(
        ["Measure", "Unit", str(year), str(previous), "Change %", "Compared months", "Estimated %"]
    )
    for cell in summary[summary.max_row]:
        cell.font = bold
    for line in report.summary:
        summary.append(
            [
                line.label,
                line.unit,
                _number(line.total),
                _number(line.previous_total),
                _number(line.change_percent),
                line.compared_period or "Jan–Dec",
                _number(line.estimated_percent),
            ]
        )

    by_month("Energy", [*d.energy, d.energy_total, *d.energy_other])
    by_month("Water", [d.water])
    by_month("Waste", [*d.waste, d.waste_total, *d.waste_other])
    ws = book["Waste"]
    ws.append([])
    ws.append(["Share of the year's waste by mass", "%"])
    for label, share in d.waste_shares:
        ws.append([label, _number(share)])
    by_month("Materials", d.materials)
    by_month("Emissions by scope", [*d.emissions.headline, d.emissions.outside])

    ws = sheet(
        "Emissions by site",
        [
            "Site",
            f"{year} location-based t CO2e",
            f"{year} market-based t CO2e",
            f"{previous} location-based t CO2e",
            f"{previous} market-based t CO2e",
        ],
    )
    for name, *amounts in report.emissions_by_site:
        ws.append([name, *[_number(amount) for amount in amounts]])

    ws = sheet("Emissions by gas", ["Gas", "t CO2e", "t of the gas"])
    for gas, co2e, mass in d.emissions.by_gas:
        ws.append([gas, _number(co2e), _number(mass)])
    if d.emissions.by_category:
        ws.append([])
        ws.append(["Scope 3 category", "t CO2e"])
        for category, co2e in d.emissions.by_category:
            ws.append([category, _number(co2e)])

    columns = d.intensity.columns
    header = ["Site", "Measure", "Unit"]
    for _, heading in columns:
        header += [f"{heading} {year}", f"{heading} {previous}"]
    ws = sheet("Intensity", header)
    for row, cells in d.intensity.table:
        values: list[Any] = [row.site, row.measure, row.unit]
        for this, before in cells:
            values += [_number(this), _number(before)]
        ws.append(values)

    ws = sheet(
        "Objectives",
        [
            "Reference",
            "Objective",
            "KPI",
            "Baseline",
            "Target",
            "Latest value",
            "Latest period",
            "Due",
            "Status",
            "Progress %",
            "Why",
        ],
    )
    for item in d.objectives:
        p = item.progress
        ws.append(
            [
                item.objective.reference,
                item.objective.title,
                str(item.objective.kpi or ""),
                _number(p.baseline),
                _number(p.target),
                _number(p.latest.value if p.latest else None),
                p.latest.label if p.latest else "",
                item.objective.due_date,
                p.status_label,
                _number(p.percent),
                p.reason,
            ]
        )

    ws = sheet(
        "Data quality",
        [
            "Meter",
            "Name",
            "Site",
            "Kind",
            "Unit",
            "Months with readings",
            "Months ended",
            "Quantity",
            "Estimated %",
        ],
    )
    for quality in report.meters:
        m = quality.meter
        ws.append(
            [
                m.code,
                m.name,
                quality.site,
                m.get_kind_display(),
                m.unit,
                quality.months,
                quality.expected,
                _number(quality.quantity),
                _number(quality.estimated_percent),
            ]
        )
    inventory = d.emissions.inventory
    ws.append([])
    if inventory is None:
        ws.append([f"No GHG inventory for {year}."])
    else:
        ws.append(["GHG inventory", str(inventory), inventory.get_status_display()])
        ws.append(
            ["Calculated", inventory.calculated_at.replace(tzinfo=None) if inventory.calculated_at else None]
        )
        if inventory.changed_since_close:
            ws.append(
                [
                    "Readings of the year changed after the inventory was closed; only a restatement takes them in."
                ]
            )
        for problem in report.inventory_problems:
            ws.append(["Problem", problem])

    ws = sheet(
        "Factor dataset",
        [
            "Inventory year",
            "Dataset",
            "Publisher",
            "Edition",
            "Version",
            "GWP set",
            "Licence",
            "Attribution",
            "Source",
            "SHA-256",
        ],
    )
    for inv in (d.emissions.inventory, d.emissions.previous_inventory):
        if inv is None:
            continue
        ds = inv.dataset
        ws.append(
            [
                inv.year,
                ds.name,
                ds.publisher,
                ds.edition,
                ds.version,
                inv.get_gwp_set_display(),
                ds.licence,
                ds.attribution,
                ds.source_url,
                ds.sha256,
            ]
        )

    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
