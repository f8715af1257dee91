"""The environmental performance dashboard: figures, filters, who sees what, and its query cost."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from integrum.conftest import add_member, client_for, make_user
from integrum.core.charts import Series, bar_chart
from integrum.core.models import Role, Site
from integrum.ghg import services as ghg_services
from integrum.ghg.models import EmissionSource, FactorDataset, Inventory
from integrum.ghg.tests.factories import DESNZ_2024_LIKE, make_dataset, make_meter
from integrum.measurement import readings
from integrum.measurement.models import Meter, MonthlyTotal, ReadingBatch, SiteFigure
from integrum.performance import dashboard as selectors
from integrum.performance import services as performance_services
from integrum.performance.models import Kpi
from integrum.standards.models import Standard

pytestmark = pytest.mark.django_db

OGL = "Contains public sector information licensed under the Open Government Licence v3.0."
URL = "/performance/dashboard/"


# --- Data: two sites, two years, meters of every kind, an inventory for each year ----------------


def add_readings(
    organisation: Any, meter: Meter, months: dict[tuple[int, int], str], quality: str = ""
) -> None:
    """One reading per calendar month, entered through the readings pipeline."""
    rows = []
    for number, ((year, month), value) in enumerate(sorted(months.items()), start=2):
        end = dt.date(year + (month == 12), month % 12 + 1, 1)
        rows.append(
            readings.Row(
                number=number,
                meter=meter.code,
                start=f"{year}-{month:02d}-01",
                end=end.isoformat(),
                value=value,
                quality=quality,
            )
        )
    result = readings.check(organisation, rows, meters=[meter])
    assert result.ok, result.errors
    batch = ReadingBatch.objects.create(organisation=organisation, source=ReadingBatch.Source.MANUAL)
    readings.commit(batch, result)


def every_month(year: int, value: str, last: int = 12) -> dict[tuple[int, int], str]:
    return {(year, month): value for month in range(1, last + 1)}


@dataclass
class Data:
    organisation: Any
    sites: list[Site]
    dataset: FactorDataset
    meters: dict[str, Meter]
    inventories: dict[int, Inventory]


def make_ogl_dataset() -> FactorDataset:
    dataset = make_dataset("desnz-2024", factors=DESNZ_2024_LIKE)
    FactorDataset.objects.filter(pk=dataset.pk).update(
        name="UK Government GHG conversion factors 2024",
        publisher="DESNZ",
        licence="Open Government Licence v3.0",
        attribution=OGL,
    )
    dataset.refresh_from_db()
    return dataset


def build_data(organisation: Any, sites: list[Site], *, inventories: bool = True) -> Data:
    """Birmingham: electricity, gas, diesel in litres, water, recycled waste, materials; Leeds:
    electricity and landfilled waste in kg. 2025 is a whole year; 2026 runs January to June."""
    bhm, lds = sites
    dataset = make_ogl_dataset()
    meters = {
        "elec-bhm": make_meter(organisation, bhm, "E-BHM", Meter.Kind.ELECTRICITY, "kWh"),
        "elec-lds": make_meter(organisation, lds, "E-LDS", Meter.Kind.ELECTRICITY, "kWh"),
        "gas": make_meter(organisation, bhm, "G-BHM", Meter.Kind.GAS, "kWh"),
        "diesel": make_meter(organisation, bhm, "D-BHM", Meter.Kind.FUEL, "litres"),
        "water": make_meter(organisation, bhm, "W-BHM", Meter.Kind.WATER, "m³"),
        "recycled": make_meter(organisation, bhm, "R-BHM", Meter.Kind.WASTE, "t"),
        "landfill": make_meter(organisation, lds, "L-LDS", Meter.Kind.WASTE, "kg"),
        "steel": make_meter(organisation, bhm, "S-BHM", Meter.Kind.MATERIAL, "t"),
    }
    Meter.objects.filter(pk=meters["diesel"].pk).update(fuel="diesel")
    Meter.objects.filter(pk=meters["recycled"].pk).update(disposal_route=Meter.DisposalRoute.RECYCLING)
    Meter.objects.filter(pk=meters["landfill"].pk).update(disposal_route=Meter.DisposalRoute.LANDFILL)
    for meter in meters.values():
        meter.refresh_from_db()

    add_readings(
        organisation, meters["elec-bhm"], {**every_month(2025, "10000"), **every_month(2026, "11000", 6)}
    )
    add_readings(
        organisation, meters["elec-lds"], {**every_month(2025, "2000"), **every_month(2026, "2000", 6)}
    )
    add_readings(organisation, meters["gas"], every_month(2026, "5000", 6))
    add_readings(organisation, meters["gas"], every_month(2025, "4000"), quality="estimated")
    add_readings(organisation, meters["diesel"], {**every_month(2025, "100"), **every_month(2026, "100", 6)})
    add_readings(organisation, meters["water"], {**every_month(2025, "50"), **every_month(2026, "40", 6)})
    add_readings(organisation, meters["recycled"], {**every_month(2025, "3"), **every_month(2026, "3", 6)})
    add_readings(
        organisation, meters["landfill"], {**every_month(2025, "1000"), **every_month(2026, "1000", 6)}
    )
    add_readings(organisation, meters["steel"], every_month(2026, "20", 6))

    for key, factor, scope, basis in (
        ("elec-bhm", "grid", 2, EmissionSource.Scope2Basis.ELECTRICITY),
        ("elec-lds", "grid", 2, EmissionSource.Scope2Basis.ELECTRICITY),
        ("gas", "gas", 1, ""),
        ("diesel", "diesel", 1, ""),
    ):
        EmissionSource.objects.create(
            organisation=organisation,
            meter=meters[key],
            family="desnz",
            factor_key=factor,
            scope=scope,
            scope2_basis=basis,
        )
    made = {}
    if inventories:
        made[2025] = ghg_services.inventory_create(organisation=organisation, year=2025, dataset=dataset)
        made[2026] = ghg_services.inventory_create(
            organisation=organisation, year=2026, dataset=dataset, residual_mix_factor=Decimal("0.3")
        )
    return Data(organisation, sites, dataset, meters, made)


@pytest.fixture
def data(organisation, sites) -> Data:
    return build_data(organisation, sites)


def figure(response, measure: str) -> str:
    """The year's figure of a measure's row, as shown."""
    html = response.content.decode()
    start = html.index(f'data-measure="{measure}"')
    cell = html.index('data-year="', start)
    return html[html.index(">", cell) + 1 : html.index("</td>", cell)]


# --- Figures -----------------------------------------------------------------------------------------


def test_energy_water_and_waste_add_up_the_monthly_totals_of_both_years(manager, data):
    board = selectors.dashboard(manager, data.organisation, year=2026)
    lines = {line.key: line for line in board.energy}
    assert lines["electricity"].total == Decimal("78")  # 6 × (11,000 + 2,000) kWh
    assert lines["electricity"].previous_total == Decimal("144")
    assert lines["electricity"].months[0] == Decimal("13") and lines["electricity"].months[6] == 0
    assert lines["gas"].total == Decimal("30") and lines["gas"].previous_total == Decimal("48")
    assert board.energy_total.total == Decimal("108")
    # Diesel in litres has no energy content on record: its own line, in litres, not in the total.
    assert [(line.label, line.unit, line.total) for line in board.energy_other] == [
        ("Diesel", "litres", Decimal(600))
    ]
    assert board.water.total == Decimal(240) and board.water.previous_total == Decimal(600)
    waste = {line.key: line.total for line in board.waste}
    assert waste == {"waste:recycling": Decimal(18), "waste:landfill": Decimal(6)}  # kg became tonnes
    assert board.waste_total.total == Decimal(24)
    assert dict(board.waste_shares)["Reused, recycled or recovered"] == Decimal(75)
    assert dict(board.waste_shares)["Landfill"] == Decimal(25)
    assert [(line.key, line.total) for line in board.materials] == [("material:mass", Decimal(120))]


def test_a_year_in_progress_is_compared_with_the_same_months_of_the_year_before(manager, data):
    board = selectors.dashboard(manager, data.organisation, year=2026)
    electricity = next(line for line in board.energy if line.key == "electricity")
    assert electricity.compared_period == "Jan–Jun"
    # 78 MWh against 6 × 12 MWh = 72 MWh in January to June 2025: +8.33 %, not −46 % on the whole year.
    assert electricity.change_percent.quantize(Decimal("0.01")) == Decimal("8.33")
    whole = selectors.dashboard(manager, data.organisation, year=2025)
    assert next(line for line in whole.energy if line.key == "electricity").compared_period == ""


def test_the_estimated_share_is_the_estimated_part_of_the_year(manager, data):
    board = selectors.dashboard(manager, data.organisation, year=2025)
    gas = next(line for line in board.energy if line.key == "gas")
    assert gas.estimated_percent == Decimal(100)
    assert board.energy_total.estimated_percent.quantize(Decimal("0.1")) == Decimal("25.0")  # 48 of 192 MWh


def test_emissions_come_by_scope_from_the_inventory_with_both_scope_2_methods(manager, data):
    board = selectors.dashboard(manager, data.organisation, year=2026)
    lines = board.emissions.lines
    # 78,000 kWh × 0.20705 kg; market-based with the residual mix of 0.3 kg/kWh.
    assert lines["scope_2_location"].total == Decimal("16.1499")
    assert lines["scope_2_market"].total == Decimal("23.4")
    # 30,000 kWh of gas × 0.18290 + 600 litres of diesel × 2.51279.
    assert lines["scope_1"].total.quantize(Decimal("0.000001")) == Decimal("6.994674")
    assert lines["total_location"].total.quantize(Decimal("0.000001")) == Decimal("23.144574")
    assert lines["total_market"].total.quantize(Decimal("0.000001")) == Decimal("30.394674")
    totals = ghg_services.inventory_totals(data.inventories[2026])
    assert lines["total_location"].total * 1000 == totals["total_location"]
    assert lines["total_market"].total * 1000 == totals["total_market"]
    assert lines["scope_2_location"].previous_total == Decimal("29.8152")  # 144,000 kWh in 2025
    gases = {gas: co2e for gas, co2e, _ in board.emissions.by_gas}
    assert set(gases) == {"CO₂", "CH₄", "N₂O", "CO₂e (all gases)"}  # diesel has no gas split
    assert sum(gases.values()) == lines["total_location"].total


def test_the_page_shows_every_section_with_charts_tables_and_the_factor_attribution(as_viewer, data):
    response = as_viewer.get(URL, {"year": 2026})
    assert response.status_code == 200
    html = response.content.decode()
    for section in (
        'id="energy"',
        'id="water"',
        'id="waste"',
        'id="emissions"',
        'id="intensity"',
        'id="objectives"',
    ):
        assert section in html
    assert html.count("<svg") == 5  # energy, water, waste, emissions by scope, emissions by month
    assert "Energy use by month, 2026 and 2025" in html
    assert figure(response, "scope_2_location") == "16.15 t CO₂e"
    assert figure(response, "scope_2_market") == "23.40 t CO₂e"
    assert figure(response, "electricity") == "78.00 MWh"
    assert "Diesel" in html and "calorific value" in html
    assert OGL in html
    assert "IPCC AR5" in html
    assert "Jan–Jun" in html
    assert "Environmental performance" in html and "9.1.1" in html


def test_the_latest_year_with_data_is_shown_by_default(as_manager, data):
    response = as_manager.get(URL)
    assert response.context["view"].year == 2026
    assert '<option value="2025">' in response.content.decode()


def test_a_year_without_an_inventory_says_so_and_links_to_create_one(as_manager, organisation, sites):
    build_data(organisation, sites, inventories=False)
    response = as_manager.get(URL, {"year": 2026})
    html = response.content.decode()
    assert "No greenhouse-gas inventory for 2026" in html
    assert reverse("ghg:inventory_create") + "?year=2026" in html
    assert response.context["emissions"].inventory is None


def test_a_year_without_any_data_explains_what_feeds_the_dashboard(as_manager, data):
    response = as_manager.get(URL, {"year": 2019})
    assert "No environmental data for 2019" in response.content.decode()


def test_one_site_shows_only_that_sites_figures(as_manager, data, sites):
    response = as_manager.get(URL, {"year": 2026, "site": sites[1].pk})
    board = response.context["data"]
    assert [line.key for line in board.energy] == ["electricity"]
    assert board.energy_total.total == Decimal(12)
    assert board.emissions.lines["scope_1"].total == 0
    assert board.emissions.lines["scope_2_location"].total == Decimal("2.4846")
    assert figure(response, "scope_2_location") == "2.48 t CO₂e"


# --- Who sees what --------------------------------------------------------------------------------


def test_a_site_limited_member_sees_only_their_sites_figures(organisation, sites, data):
    user = make_user("lena@acme.test", "Lena", "Leeds")
    add_member(organisation, user, Role.VIEWER, sites=[sites[1]])
    SiteFigure.objects.create(
        organisation=organisation,
        site=None,
        kind=SiteFigure.Kind.EMPLOYEES,
        month=dt.date(2026, 1, 1),
        value=100,
    )
    client = client_for(user)
    response = client.get(URL, {"year": 2026})
    board = response.context["data"]
    assert board.energy_total.total == Decimal(12)  # Leeds electricity only
    assert board.water.total == 0 and not board.materials
    assert board.emissions.lines["total_location"].total == Decimal("2.4846")
    assert board.intensity.columns == []  # the organisation's head count does not fit Leeds alone
    html = response.content.decode()
    assert "Birmingham works" not in html
    assert client.get(URL, {"year": 2026, "site": sites[0].pk}).status_code == 404
    assert client.get(URL, {"year": 2026, "site": sites[1].pk}).status_code == 200


def test_an_outsider_sees_nothing_of_the_organisation(as_outsider, data):
    response = as_outsider.get(URL, {"year": 2026})
    assert response.status_code == 200
    board = response.context["data"]
    assert not board.has_activity_data and board.emissions.inventory is None
    assert "Birmingham" not in response.content.decode()
    assert as_outsider.get(URL, {"site": data.sites[0].pk}).status_code == 404


def test_signing_in_is_required(client, data):
    response = client.get(URL)
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize(
    "query",
    [
        {"year": "abc"},
        {"year": "1800"},
        {"year": "99999"},
        {"site": "x"},
        {"site": "999999"},
        {"year": "2026", "site": "-1"},
    ],
)
def test_bad_filters_answer_not_found(as_manager, data, query):
    assert as_manager.get(URL, query).status_code == 404


def test_the_dashboard_is_in_the_menu_under_check(as_viewer, data):
    html = as_viewer.get(reverse("reports:home")).content.decode()
    assert f'href="{URL}"' in html and "Environmental performance" in html


# --- Intensity ----------------------------------------------------------------------------------


def test_intensity_per_site_and_overall_uses_the_organisations_own_figure(manager, data, sites):
    bhm, lds = sites
    for site, value in ((bhm, 100), (lds, 20)):
        for month in range(1, 7):
            SiteFigure.objects.create(
                organisation=data.organisation,
                site=site,
                kind=SiteFigure.Kind.OUTPUT,
                month=dt.date(2026, month, 1),
                value=value,
                unit="t castings",
            )
        SiteFigure.objects.create(
            organisation=data.organisation,
            site=site,
            kind=SiteFigure.Kind.FLOOR_AREA,
            month=dt.date(2026, 1, 1),
            value=value * 10,
        )
    SiteFigure.objects.create(
        organisation=data.organisation,
        site=None,
        kind=SiteFigure.Kind.FLOOR_AREA,
        month=dt.date(2026, 1, 1),
        value=2000,
    )
    board = selectors.dashboard(manager, data.organisation, year=2026)
    assert board.intensity.columns == [("output", "per t castings"), ("floor_area", "per m²")]
    rows = {(row.site, row.measure): row.values for row in board.intensity.rows}
    # Birmingham: 96 MWh over 600 t; Leeds 12 MWh over 120 t and 200 m².
    assert rows[("Birmingham works", "Energy")]["output"] == (Decimal("0.16"), None)
    assert rows[("Leeds depot", "Energy")]["floor_area"] == (Decimal("0.06"), None)
    # All sites: 108 MWh over 720 t (the sites added up); per m² over the organisation's own 2,000 m².
    assert rows[("All sites", "Energy")]["output"] == (Decimal("0.15"), None)
    assert rows[("All sites", "Energy")]["floor_area"] == (Decimal("0.054"), None)
    assert rows[("All sites", "Emissions, location-based")]["output"][0].quantize(
        Decimal("0.000001")
    ) == Decimal("0.032145")


def test_intensity_of_the_sites_together_needs_every_sites_figure(manager, data, sites):
    SiteFigure.objects.create(
        organisation=data.organisation,
        site=sites[0],
        kind=SiteFigure.Kind.EMPLOYEES,
        month=dt.date(2026, 3, 1),
        value=50,
    )
    board = selectors.dashboard(manager, data.organisation, year=2026)
    rows = {(row.site, row.measure): row.values for row in board.intensity.rows}
    assert rows[("Birmingham works", "Energy")]["employees"][0] == Decimal("1.92")
    # Leeds used energy too but has no head count: no figure for all sites rather than a flattering one.
    assert rows[("All sites", "Energy")]["employees"] == (None, None)


# --- Objectives ---------------------------------------------------------------------------------


def test_environmental_objectives_of_the_year_are_listed_with_their_status(
    as_manager, manager, data, standards
):
    iso14001 = Standard.objects.get(code="ISO 14001")
    iso9001 = Standard.objects.get(code="ISO 9001")
    kpi = performance_services.kpi_create(
        organisation=data.organisation,
        name="Electricity used",
        unit="kWh",
        direction=Kpi.Direction.LOWER,
        standards=[iso14001],
        source=Kpi.Source.METERS,
        meter_kind=Meter.Kind.ELECTRICITY,
        frequency="monthly",
        target=Decimal(12000),
    )
    performance_services.objective_create(
        organisation=data.organisation,
        title="Cut electricity",
        statement="Use less.",
        kpi=kpi,
        start_date=dt.date(2026, 1, 1),
        due_date=dt.date(2026, 12, 31),
        standards=[iso14001],
        baseline_value=Decimal(14000),
        target_value=Decimal(12000),
    )
    performance_services.objective_create(
        organisation=data.organisation,
        title="Fewer complaints",
        statement="Listen.",
        start_date=dt.date(2026, 1, 1),
        due_date=dt.date(2026, 12, 31),
        standards=[iso9001],
    )
    performance_services.objective_create(
        organisation=data.organisation,
        title="Old plan",
        statement="Done.",
        start_date=dt.date(2023, 1, 1),
        due_date=dt.date(2024, 12, 31),
        standards=[iso14001],
    )
    response = as_manager.get(URL, {"year": 2026})
    rows = response.context["data"].objectives
    assert [row.objective.title for row in rows] == ["Cut electricity"]
    # The latest month, June, used 13,000 kWh: half way from 14,000 to 12,000 with most of the year gone.
    assert rows[0].progress.status == "at_risk"
    html = response.content.decode()
    assert "At risk" in html
    assert "Cut electricity" in html and "Fewer complaints" not in html and "Old plan" not in html


# --- Query cost -----------------------------------------------------------------------------------


def test_the_page_costs_the_same_number_of_queries_whatever_the_amount_of_data(
    as_manager, organisation, sites, count_queries
):
    build_data(organisation, sites)
    small = count_queries(lambda: as_manager.get(URL, {"year": 2026}))
    # Ten times the meters on more sites, with site figures, totals going back years.
    more_sites = [
        Site.objects.create(organisation=organisation, name=f"Plant {i}", code=f"P{i}") for i in range(5)
    ]
    meters = [
        make_meter(organisation, site, f"X{site.pk}-{i}", kind, unit)
        for site in more_sites
        for i, (kind, unit) in enumerate(
            [("electricity", "MWh"), ("water", "m³"), ("waste", "kg"), ("fuel", "GJ")]
        )
    ]
    MonthlyTotal.objects.bulk_create(
        MonthlyTotal(
            organisation=organisation,
            site_id=meter.site_id,
            meter=meter,
            month=dt.date(year, month, 1),
            quantity=Decimal(7),
            reading_count=1,
        )
        for meter in meters
        for year in range(2018, 2027)
        for month in range(1, 13)
    )
    SiteFigure.objects.bulk_create(
        SiteFigure(
            organisation=organisation, site=site, kind=kind, month=dt.date(2026, month, 1), value=5, unit="t"
        )
        for site in more_sites
        for kind in SiteFigure.Kind.values
        for month in range(1, 13)
    )
    ghg_services.inventory_recalculate(Inventory.objects.get(organisation=organisation, year=2026))
    large = count_queries(lambda: as_manager.get(URL, {"year": 2026}))
    assert small == large
    assert large <= 14


# --- The chart ----------------------------------------------------------------------------------


def test_stacked_bars_are_as_tall_as_their_sum_and_grouped_bars_stand_side_by_side():
    months = ["Jan", "Feb"]
    series = [Series("A", "a", "#111", [1.0, 3.0]), Series("B", "b", "#222", [1.0, None])]
    stacked = str(bar_chart("T", months, series, unit="t", stacked=True))
    grouped = str(bar_chart("T", months, series, unit="t"))
    assert stacked.count('<rect class="a"') == 2 + 1  # two bars and the legend
    assert stacked.count('<rect class="b"') == 1 + 1  # February's B is missing
    assert "<title>Jan · A: 1.00 t</title>" in stacked
    assert grouped.count("<rect") == 3 + 2
    assert "<script" not in grouped and "&lt;" not in "T"
    hostile = str(bar_chart("<b>x</b>", ["<i>"], [Series("<s>", "c", "#000", [1.0])], unit="<u>"))
    assert "<b>" not in hostile and "<i>" not in hostile and "&lt;s&gt;" in hostile
