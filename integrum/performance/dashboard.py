"""The environmental performance dashboard (ISO 14001:2015 9.1.1): what its figures are.

Every figure is an aggregate of the monthly meter totals, the GHG inventory's results or the
site figures, grouped in the database: a fixed handful of queries reading a few thousand
summary rows, however many millions of readings lie behind them. Raw readings are never read.

A member limited to some sites sees the figures of those sites only: every query starts from
the records visible to them, and the organisation-wide normalising figures (output, floor area
or head count of the whole organisation) are used only when the view covers every site.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property, lru_cache
from typing import Any

from django.db.models import Avg, Exists, OuterRef, QuerySet, Sum
from django.db.models.functions import ExtractYear
from django.utils import timezone

from integrum.core.models import Site
from integrum.core.permissions import membership_in
from integrum.ghg.models import FactorDataset, Gas, Inventory, InventoryResult, Scope, Scope3Category
from integrum.measurement import units
from integrum.measurement.models import Meter, MonthlyTotal, SiteFigure
from integrum.performance.models import Objective
from integrum.performance.selectors import Progress, objectives_progress

FIRST_YEAR, LAST_YEAR = 1990, 2100
MONTH_LABELS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
ZERO = Decimal(0)
KG_PER_TONNE = Decimal(1000)

# Waste routes that keep material out of disposal.
DIVERTED_ROUTES = (Meter.DisposalRoute.REUSE, Meter.DisposalRoute.RECYCLING, Meter.DisposalRoute.RECOVERY)


# --- Lines: one measure over two years, month by month ------------------------------------------


@dataclass
class Line:
    """One measure (e.g. electricity in MWh) in the year and the year before, month by month."""

    key: str
    label: str
    unit: str
    section: str = ""
    months: list[Decimal] = field(default_factory=lambda: [ZERO] * 12)
    previous_months: list[Decimal] = field(default_factory=lambda: [ZERO] * 12)
    estimated: Decimal = ZERO
    # Months (1–12) of the year that have a figure; they bound the like-for-like comparison.
    months_with_data: set[int] = field(default_factory=set)
    # Inventory results carry no estimated flag: their lines show no estimated share.
    tracks_estimates: bool = True

    def add(self, offset: int, month: int, amount: Decimal, estimated: Decimal = ZERO) -> None:
        """`offset` 0 is the year shown, 1 the year before."""
        if offset == 0:
            self.months[month - 1] += amount
            self.estimated += estimated
            self.months_with_data.add(month)
        else:
            self.previous_months[month - 1] += amount

    def absorb(self, other: Line) -> None:
        for i in range(12):
            self.months[i] += other.months[i]
            self.previous_months[i] += other.previous_months[i]
        self.estimated += other.estimated
        self.months_with_data |= other.months_with_data

    @property
    def total(self) -> Decimal:
        return sum(self.months, ZERO)

    @property
    def previous_total(self) -> Decimal:
        return sum(self.previous_months, ZERO)

    @property
    def has_data(self) -> bool:
        return bool(self.months_with_data) or any(self.previous_months)

    @property
    def compared_months(self) -> int:
        """How many months from January the year-on-year change covers: up to the last month of
        the year with a figure, so a year in progress is set against the same months of the
        year before rather than a whole year."""
        return max(self.months_with_data, default=12)

    @property
    def change_percent(self) -> Decimal | None:
        n = self.compared_months
        now, before = sum(self.months[:n], ZERO), sum(self.previous_months[:n], ZERO)
        if before <= 0 or not self.months_with_data:
            return None
        return (now - before) * 100 / before

    @property
    def compared_period(self) -> str:
        """'' for whole years, else e.g. 'Jan–Jun'."""
        n = self.compared_months
        return "" if n == 12 else f"Jan–{MONTH_LABELS[n - 1]}"

    @property
    def estimated_percent(self) -> Decimal | None:
        total = self.total
        return self.estimated * 100 / total if total > 0 and self.tracks_estimates else None

    @property
    def rows(self) -> list[tuple[str, Decimal, Decimal]]:
        """(month, this year, year before) for the table under a chart."""
        return list(zip(MONTH_LABELS, self.months, self.previous_months, strict=True))


@dataclass(frozen=True)
class Placement:
    """Where a meter's totals go: section, line, and the unit the line is shown in."""

    section: str
    key: str
    label: str
    unit: str
    multiplier: Decimal


ENERGY_LABELS: dict[str, str] = {
    Meter.Kind.ELECTRICITY: "Electricity",
    Meter.Kind.GAS: "Natural gas",
    Meter.Kind.HEAT: "Heat and steam",
    Meter.Kind.FUEL: "Other fuels (energy content)",
}
ENERGY_ORDER = ["electricity", "gas", "heat", "fuel"]
WASTE_ORDER = [f"waste:{route}" for route in [*Meter.DisposalRoute.values, ""]]


@lru_cache(maxsize=2048)
def place(kind: str, unit: str, fuel: str, route: str) -> Placement:
    """The line a meter's totals belong to. Fuels and gas kept by volume or mass stay in their
    own unit: turning litres into kWh needs a calorific value the meter does not give."""
    try:
        dimension = units.dimension_name(unit)
    except units.UnitError:
        dimension = ""

    def to(target: str) -> Decimal:
        return units.multiplier(unit, target)

    if kind in ENERGY_LABELS and dimension == "energy":
        return Placement("energy", kind, ENERGY_LABELS[kind], "MWh", to("MWh"))
    if kind == Meter.Kind.GAS and dimension == "volume":
        return Placement("energy_other", "gas:volume", "Natural gas by volume", "m³", to("m³"))
    if kind == Meter.Kind.FUEL and dimension in ("volume", "mass"):
        name = fuel.strip() or "Fuel"
        shown = ("litres", "litre") if dimension == "volume" else ("t", "t")
        return Placement(
            "energy_other",
            f"fuel:{name.lower()}:{dimension}",
            name[:1].upper() + name[1:],
            shown[0],
            to(shown[1]),
        )
    if kind == Meter.Kind.WATER and dimension == "volume":
        return Placement("water", "water", "Water", "m³", to("m³"))
    if kind == Meter.Kind.WASTE and dimension in ("mass", "volume"):
        label = (
            str(Meter.DisposalRoute(route).label)
            if route in Meter.DisposalRoute.values
            else "Route not recorded"
        )
        if dimension == "mass":
            return Placement("waste", f"waste:{route}", label, "t", to("t"))
        return Placement("waste_other", f"waste:{route}:volume", f"{label} (by volume)", "m³", to("m³"))
    if kind == Meter.Kind.MATERIAL and dimension == "mass":
        return Placement("materials", "material:mass", "Materials by mass", "t", to("t"))
    if kind == Meter.Kind.MATERIAL and dimension == "volume":
        return Placement("materials", "material:volume", "Materials by volume", "m³", to("m³"))
    label = str(Meter.Kind(kind).label) if kind in Meter.Kind.values else kind
    return Placement("other", f"{kind}:{unit}", f"{label} in {unit}", unit, Decimal(1))


# --- What is looked at: which organisation, year and sites --------------------------------------


@dataclass
class View:
    user: Any
    organisation: Any
    year: int
    site: Site | None
    sites: list[Site]  # every site the user may see
    limited: bool  # the user may see only some of the organisation's sites

    @property
    def whole_organisation(self) -> bool:
        """The user sees every site and none is chosen: organisation-wide figures apply."""
        return not self.limited and self.site is None

    @property
    def site_ids(self) -> list[int]:
        return [self.site.pk] if self.site else [site.pk for site in self.sites]

    @property
    def narrowed_to(self) -> list[int] | None:
        """Sites to narrow to, or None when the view is the whole organisation."""
        return None if self.whole_organisation else self.site_ids

    @property
    def first_month(self) -> dt.date:
        return dt.date(self.year - 1, 1, 1)

    @property
    def last_month(self) -> dt.date:
        return dt.date(self.year, 12, 1)

    @property
    def as_of(self) -> dt.date:
        """The date objectives are judged at: the end of the year, or today in a year not over."""
        return min(timezone.localdate(), dt.date(self.year, 12, 31))


def visible_sites(user: Any, organisation: Any) -> tuple[list[Site], bool]:
    """The sites whose figures the user may see, and whether that is all of them."""
    membership = membership_in(user, organisation.pk)
    if membership is None:
        return [], False
    sites = Site.objects.filter(organisation=organisation).order_by("name")
    if membership.site_ids:
        return list(sites.filter(pk__in=membership.site_ids)), False
    return list(sites), True


def resolve(
    user: Any, organisation: Any, *, year: int | None, site_id: int | None
) -> tuple[View, list[int], list[Inventory]]:
    """The view for the filters given; the year defaults to the latest with data.

    Raises LookupError for a site the user may not see and a year out of range."""
    if year is not None and not FIRST_YEAR <= year <= LAST_YEAR:
        raise LookupError(f"The year must be between {FIRST_YEAR} and {LAST_YEAR}.")
    sites, all_sites = visible_sites(user, organisation)
    site = None
    if site_id is not None:
        site = next((candidate for candidate in sites if candidate.pk == site_id), None)
        if site is None:
            raise LookupError("No such site.")
    inventories = list(
        Inventory.objects.visible_to(user).filter(organisation=organisation).select_related("dataset")
    )
    years = {
        day.year
        for day in MonthlyTotal.objects.visible_to(user)
        .filter(organisation=organisation)
        .dates("month", "year")
    }
    years |= {inventory.year for inventory in inventories}
    ordered = sorted(years, reverse=True)
    if year is None:
        year = ordered[0] if ordered else timezone.localdate().year
    return View(user, organisation, year, site, sites, not all_sites), ordered, inventories


# --- The dashboard ---------------------------------------------------------------------------

MEASURES = {
    "energy": ("Energy", "MWh"),
    "water": ("Water", "m³"),
    "waste": ("Waste", "t"),
    "emissions_location": ("Emissions, location-based", "t CO₂e"),
    "emissions_market": ("Emissions, market-based", "t CO₂e"),
}
# Each site's yearly sums of the measures above: site id → measure → [this year, year before].
PerSite = dict[int, dict[str, list[Decimal]]]


def _per_site() -> PerSite:
    return defaultdict(lambda: defaultdict(lambda: [ZERO, ZERO]))


SCOPE_LINES = {
    "scope_1": "Scope 1",
    "scope_2_location": "Scope 2, location-based",
    "scope_2_market": "Scope 2, market-based",
    "scope_3": "Scope 3",
    "total_location": "Total, location-based",
    "total_market": "Total, market-based",
    "outside": "Outside of scopes (reported separately)",
}
# Which totals a scope line adds to.
INTO_TOTALS = {
    "scope_1": ("total_location", "total_market"),
    "scope_2_location": ("total_location",),
    "scope_2_market": ("total_market",),
    "scope_3": ("total_location", "total_market"),
    "outside": (),
}


@dataclass
class Emissions:
    inventory: Inventory | None
    previous_inventory: Inventory | None
    lines: dict[str, Line]
    by_gas: list[tuple[str, Decimal, Decimal]]  # (gas, t CO₂e, t of the gas itself) this year
    by_category: list[tuple[str, Decimal]]  # scope 3 category, t CO₂e this year
    datasets: list[FactorDataset]

    @property
    def headline(self) -> list[Line]:
        return [self.lines[key] for key in SCOPE_LINES if key != "outside"]

    @property
    def scopes(self) -> list[Line]:
        return [self.lines[key] for key in ("scope_1", "scope_2_location", "scope_2_market", "scope_3")]

    @property
    def total(self) -> Line:
        return self.lines["total_location"]

    @property
    def outside(self) -> Line:
        return self.lines["outside"]

    @property
    def gwp_sets(self) -> list[str]:
        found = []
        for inventory in (self.inventory, self.previous_inventory):
            if inventory is not None and inventory.get_gwp_set_display() not in found:
                found.append(inventory.get_gwp_set_display())
        return found


@dataclass
class IntensityRow:
    site: str
    measure: str
    unit: str
    # denominator kind → (this year, year before); None where there is nothing to divide by.
    values: dict[str, tuple[Decimal | None, Decimal | None]]

    def cells(self, kinds: list[str]) -> list[tuple[Decimal | None, Decimal | None]]:
        return [self.values.get(kind, (None, None)) for kind in kinds]


@dataclass
class Intensity:
    columns: list[tuple[str, str]]  # (figure kind, "per t of castings")
    rows: list[IntensityRow]
    notes: list[str]

    @property
    def kinds(self) -> list[str]:
        return [kind for kind, _ in self.columns]

    @property
    def table(self) -> list[tuple[IntensityRow, list[tuple[Decimal | None, Decimal | None]]]]:
        return [(row, row.cells(self.kinds)) for row in self.rows]


@dataclass
class ObjectiveRow:
    objective: Objective
    progress: Progress


@dataclass
class Dashboard:
    view: View
    years: list[int]
    lines: dict[str, Line]
    per_site: PerSite
    emissions: Emissions
    intensity: Intensity
    objectives: list[ObjectiveRow]
    site_names: dict[int, str]

    def section(self, name: str, order: list[str] | None = None) -> list[Line]:
        found = [line for line in self.lines.values() if line.section == name]
        if order:
            return sorted(found, key=lambda line: order.index(line.key) if line.key in order else len(order))
        return sorted(found, key=lambda line: line.label)

    @cached_property
    def energy(self) -> list[Line]:
        return self.section("energy", ENERGY_ORDER)

    @cached_property
    def energy_total(self) -> Line:
        return _sum_line("energy_total", "Energy", "MWh", self.energy)

    @cached_property
    def energy_other(self) -> list[Line]:
        return self.section("energy_other")

    @cached_property
    def water(self) -> Line:
        return self.lines.get("water") or Line("water", "Water", "m³", "water")

    @cached_property
    def waste(self) -> list[Line]:
        return self.section("waste", WASTE_ORDER)

    @cached_property
    def waste_total(self) -> Line:
        return _sum_line("waste_total", "Waste", "t", self.waste)

    @cached_property
    def waste_other(self) -> list[Line]:
        return self.section("waste_other")

    @cached_property
    def materials(self) -> list[Line]:
        return self.section("materials")

    @cached_property
    def other(self) -> list[Line]:
        return self.section("other")

    @cached_property
    def has_activity_data(self) -> bool:
        return any(line.has_data for line in self.lines.values())

    @cached_property
    def waste_shares(self) -> list[tuple[str, Decimal | None]]:
        """Shares of the year's waste by mass: kept out of disposal, landfilled, hazardous."""
        total = self.waste_total.total
        by_route: dict[str, Decimal] = defaultdict(Decimal)
        for line in self.waste:
            by_route[line.key.split(":", 1)[1]] += line.total

        def share(amount: Decimal) -> Decimal | None:
            return amount * 100 / total if total > 0 else None

        shares = [
            ("Reused, recycled or recovered", share(sum((by_route[r] for r in DIVERTED_ROUTES), ZERO))),
            ("Landfill", share(by_route[Meter.DisposalRoute.LANDFILL])),
            ("Hazardous waste treatment", share(by_route[Meter.DisposalRoute.HAZARDOUS])),
        ]
        if by_route[""]:
            shares.append(("Route not recorded", share(by_route[""])))
        return shares

    @property
    def site_label(self) -> str:
        if self.view.site:
            return self.view.site.name
        return "All sites" if self.view.whole_organisation else "Your sites"


def dashboard(
    user: Any, organisation: Any, *, year: int | None = None, site_id: int | None = None
) -> Dashboard:
    view, years, inventories = resolve(user, organisation, year=year, site_id=site_id)
    return build(view, years, inventories)


def build(view: View, years: list[int], inventories: Iterable[Inventory]) -> Dashboard:
    per_site = _per_site()
    lines = _activity(view, per_site)
    emissions = _emissions(view, inventories, per_site)
    site_names = {site.pk: site.name for site in view.sites}
    overall = {
        "energy": _sum_line("", "", "", [line for line in lines.values() if line.section == "energy"]),
        "water": lines.get("water") or Line("water", "", ""),
        "waste": _sum_line("", "", "", [line for line in lines.values() if line.section == "waste"]),
        "emissions_location": emissions.lines["total_location"],
        "emissions_market": emissions.lines["total_market"],
    }
    return Dashboard(
        view=view,
        years=years,
        lines=lines,
        per_site=per_site,
        emissions=emissions,
        intensity=_intensity(view, per_site, overall, site_names),
        objectives=_objectives(view),
        site_names=site_names,
    )


def _sum_line(key: str, label: str, unit: str, parts: list[Line]) -> Line:
    total = Line(key, label, unit)
    for part in parts:
        total.absorb(part)
    return total


def _activity(view: View, per_site: PerSite) -> dict[str, Line]:
    """Both years' monthly totals grouped in the database by site, kind of meter, unit, fuel,
    disposal route and month: one query."""
    totals = MonthlyTotal.objects.visible_to(view.user).filter(
        organisation=view.organisation, month__gte=view.first_month, month__lte=view.last_month
    )
    if view.site:
        totals = totals.filter(site=view.site)
    rows = (
        totals.values_list(
            "site_id", "meter__kind", "meter__unit", "meter__fuel", "meter__disposal_route", "month"
        )
        .annotate(quantity=Sum("quantity"), estimated=Sum("estimated_quantity"))
        .order_by()
    )
    lines: dict[str, Line] = {}
    for site_id, kind, unit, fuel, route, month, quantity, estimated in rows:
        where = place(kind, unit, fuel or "", route or "")
        line = lines.get(where.key)
        if line is None:
            line = lines[where.key] = Line(where.key, where.label, where.unit, where.section)
        offset = view.year - month.year
        amount = quantity * where.multiplier
        line.add(offset, month.month, amount, (estimated or ZERO) * where.multiplier)
        if where.section in MEASURES:
            per_site[site_id][where.section][offset] += amount
    return lines


def _emissions(view: View, inventories: Iterable[Inventory], per_site: PerSite) -> Emissions:
    """Both years' inventory results grouped in the database: one query."""
    by_year = {
        inventory.year: inventory for inventory in inventories if inventory.year in (view.year, view.year - 1)
    }
    lines = {
        key: Line(key, label, "t CO₂e", "emissions", tracks_estimates=False)
        for key, label in SCOPE_LINES.items()
    }
    gases: dict[str, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    categories: dict[int | None, Decimal] = defaultdict(Decimal)
    if by_year:
        year_of = {inventory.pk: inventory.year for inventory in by_year.values()}
        results = InventoryResult.objects.visible_to(view.user).filter(
            organisation=view.organisation, inventory_id__in=list(year_of)
        )
        if view.site:
            results = results.filter(site=view.site)
        rows = (
            results.values_list(
                "inventory_id", "site_id", "scope", "scope3_category", "method", "ghg", "month"
            )
            .annotate(co2e=Sum("co2e_kg"), mass=Sum("gas_kg"))
            .order_by()
        )
        for inventory_id, site_id, scope, category, method, ghg, month, co2e, mass in rows:
            offset = view.year - year_of[inventory_id]
            tonnes = co2e / KG_PER_TONNE
            key = _scope_key(scope, method)
            lines[key].add(offset, month.month, tonnes)
            for total in INTO_TOTALS[key]:
                lines[total].add(offset, month.month, tonnes)
                per_site[site_id][f"emissions_{total.split('_')[1]}"][offset] += tonnes
            # By gas and category the location-based figures count, so nothing is counted twice.
            if offset == 0 and key not in ("scope_2_market", "outside"):
                gases[ghg][0] += tonnes
                gases[ghg][1] += (mass or ZERO) / KG_PER_TONNE
                if key == "scope_3":
                    categories[category] += tonnes
    current, previous = by_year.get(view.year), by_year.get(view.year - 1)
    datasets: list[FactorDataset] = []
    for inventory in (current, previous):
        if inventory is not None and inventory.dataset not in datasets:
            datasets.append(inventory.dataset)
    gas_labels, category_labels = dict(Gas.choices), dict(Scope3Category.choices)
    return Emissions(
        inventory=current,
        previous_inventory=previous,
        lines=lines,
        by_gas=[
            (str(gas_labels.get(gas, gas)), values[0], values[1]) for gas, values in sorted(gases.items())
        ],
        by_category=[
            (str(category_labels[category]) if category else "Category not recorded", tonnes)
            for category, tonnes in sorted(categories.items(), key=lambda item: item[0] or 99)
        ],
        datasets=datasets,
    )


def _scope_key(scope: int, method: str) -> str:
    """The inventory's own rule (`ghg.calculation.totals`): scope 2 without a method counts as
    location-based."""
    if scope == Scope.SCOPE_1:
        return "scope_1"
    if scope == Scope.SCOPE_2:
        return "scope_2_market" if method == InventoryResult.Method.MARKET else "scope_2_location"
    if scope == Scope.SCOPE_3:
        return "scope_3"
    return "outside"


# --- Intensity ---------------------------------------------------------------------------------

FIGURE_KINDS: list[str] = [SiteFigure.Kind.OUTPUT, SiteFigure.Kind.FLOOR_AREA, SiteFigure.Kind.EMPLOYEES]
# A year's output is the sum of its months; floor area and head count are averaged.
SUMMED: set[str] = {SiteFigure.Kind.OUTPUT}
Figures = dict[tuple[int | None, str, int], dict[str, Decimal]]  # (site, kind, offset) → unit → value


def _figures(view: View) -> Figures:
    """Output, floor area and head count per site (and for the whole organisation) and year: one query."""
    figures = SiteFigure.objects.visible_to(view.user).filter(
        organisation=view.organisation, month__gte=view.first_month, month__lte=view.last_month
    )
    if not view.whole_organisation:
        # Organisation-wide figures are visible to everyone but only fit figures of every site.
        figures = figures.filter(site_id__in=view.site_ids)
    rows = (
        figures.annotate(year=ExtractYear("month"))
        .values_list("site_id", "kind", "unit", "year")
        .annotate(total=Sum("value"), average=Avg("value"))
        .order_by()
    )
    found: Figures = defaultdict(dict)
    for site_id, kind, unit, year, total, average in rows:
        found[(site_id, kind, view.year - year)][unit.strip()] = total if kind in SUMMED else average
    return found


def _intensity(
    view: View, per_site: PerSite, overall: dict[str, Line], site_names: dict[int, str]
) -> Intensity:
    figures = _figures(view)
    notes: list[str] = []
    output_units = {
        unit
        for (_, kind, _), by_unit in figures.items()
        if kind == SiteFigure.Kind.OUTPUT
        for unit in by_unit
    }
    headings: dict[str, str] = {
        SiteFigure.Kind.OUTPUT: f"per {output_units.pop()}"
        if len(output_units) == 1
        else "per unit of output",
        SiteFigure.Kind.FLOOR_AREA: "per m²",
        SiteFigure.Kind.EMPLOYEES: "per employee (FTE)",
    }
    if len(output_units) > 1:
        notes.append(
            "Output is recorded in different units at different sites; each site's figure is in its own unit."
        )
    columns = [(kind, headings[kind]) for kind in FIGURE_KINDS if any(key[1] == kind for key in figures)]

    def figure(site_id: int | None, kind: str, offset: int) -> Decimal | None:
        by_unit = figures.get((site_id, kind, offset), {})
        if len(by_unit) != 1:
            return None  # none, or in two units within the year: nothing sound to divide by
        value = next(iter(by_unit.values()))
        return value if value > 0 else None

    def ratio(amount: Decimal, denominator: Decimal | None) -> Decimal | None:
        return amount / denominator if denominator and amount else None

    rows: list[IntensityRow] = []
    sites_with_data = [site_id for site_id in view.site_ids if site_id in per_site]
    for site_id in sites_with_data:
        for measure, (label, unit) in MEASURES.items():
            amounts = per_site[site_id].get(measure)
            if not amounts or not any(amounts):
                continue
            values = {
                kind: (
                    ratio(amounts[0], figure(site_id, kind, 0)),
                    ratio(amounts[1], figure(site_id, kind, 1)),
                )
                for kind, _ in columns
            }
            rows.append(IntensityRow(site_names.get(site_id, ""), label, unit, values))

    if view.site is None and len(sites_with_data) != 1:
        for measure, (label, unit) in MEASURES.items():
            line = overall[measure]
            amounts = [line.total, line.previous_total]
            if not any(amounts):
                continue
            values = {
                kind: (
                    ratio(amounts[0], _overall_figure(view, figures, per_site, measure, kind, 0)),
                    ratio(amounts[1], _overall_figure(view, figures, per_site, measure, kind, 1)),
                )
                for kind, _ in columns
            }
            rows.append(
                IntensityRow("All sites" if view.whole_organisation else "Your sites", label, unit, values)
            )
        if columns and not view.whole_organisation:
            notes.append(
                "The figures for your sites together use their own output, area and head count only."
            )
    return Intensity(columns=columns, rows=rows, notes=notes)


def _overall_figure(
    view: View, figures: Figures, per_site: PerSite, measure: str, kind: str, offset: int
) -> Decimal | None:
    """The organisation's own figure when the view covers it; else the sum over the sites, but
    only if every site with an amount has the figure in one unit (a partial sum would flatter)."""
    if view.whole_organisation:
        own = figures.get((None, kind, offset), {})
        if len(own) == 1:
            return next(iter(own.values())) or None
    contributing = [
        site_id for site_id in view.site_ids if per_site.get(site_id, {}).get(measure, [ZERO, ZERO])[offset]
    ]
    total, unit_seen = ZERO, set()
    for site_id in contributing:
        by_unit = figures.get((site_id, kind, offset), {})
        if len(by_unit) != 1:
            return None
        unit_seen |= set(by_unit)
        total += next(iter(by_unit.values()))
    if len(unit_seen) > 1 or total <= 0:
        return None
    return total


# --- Objectives ----------------------------------------------------------------------------------


def environmental_objectives(view: View) -> QuerySet[Objective]:
    """Objectives serving ISO 14001 that run during the year, not cancelled."""
    environmental = Objective.standards.through.objects.filter(
        objective_id=OuterRef("pk"), standard__discipline="environment"
    )
    return (
        Objective.objects.visible_to(view.user)
        .filter(
            organisation=view.organisation,
            is_cancelled=False,
            start_date__lte=dt.date(view.year, 12, 31),
            due_date__gte=dt.date(view.year, 1, 1),
        )
        .filter(Exists(environmental))
        .select_related("kpi", "owner")
        .order_by("due_date", "number")
    )


def _objectives(view: View) -> list[ObjectiveRow]:
    objectives = list(environmental_objectives(view))
    progress = objectives_progress(objectives, sites=view.narrowed_to, today=view.as_of)
    return [ObjectiveRow(objective, progress[objective.pk]) for objective in objectives]
