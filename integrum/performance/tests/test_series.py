"""A KPI's series: from entered values, monthly meter totals and inventory results; normalised by
site figures; rolled up across sites; with the worst quality of its parts; in fixed queries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from integrum.core.models import Site
from integrum.ghg.models import EmissionSource
from integrum.measurement.models import Meter, SiteFigure
from integrum.performance.models import Kpi, KpiValue
from integrum.performance.selectors import kpi_series, kpi_series_many
from integrum.performance.tests.builders import (
    figure,
    make_inventory,
    make_kpi,
    make_meter,
    month,
    result,
    total,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("standards")]

TODAY = dt.datetime(2025, 6, 15, 12, tzinfo=dt.UTC)
D = Decimal


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(TODAY, tick=False):
        yield


def values(series):
    return {point.label: point.value for point in series.points}


def meter_kpi(organisation, **fields):
    defaults = {
        "name": "Electricity",
        "unit": "MWh",
        "source": Kpi.Source.METERS,
        "meter_kind": "electricity",
    }
    return make_kpi(organisation, **{**defaults, **fields})


@pytest.fixture
def meters(organisation, sites, other_organisation):
    bhm = make_meter(organisation, sites[0], "E-BHM", Meter.Kind.ELECTRICITY, "kWh")
    lds = make_meter(organisation, sites[1], "E-LDS", Meter.Kind.ELECTRICITY, "MWh")
    gas = make_meter(organisation, sites[0], "G-BHM", Meter.Kind.GAS, "kWh")
    elsewhere = Site.objects.create(organisation=other_organisation, name="Other", code="OTH")
    foreign = make_meter(other_organisation, elsewhere, "E-OTH", Meter.Kind.ELECTRICITY, "kWh")
    for number in (1, 2, 3):
        total(bhm, month(2025, number), 1000 * number)
        total(lds, month(2025, number), 2)
        total(gas, month(2025, number), 50_000)
        total(foreign, month(2025, number), 99_000)
    total(bhm, month(2025, 6), 500)  # the month is not over yet
    return bhm, lds


# --- From meters -----------------------------------------------------------------------------


def test_meters_of_the_kind_are_summed_and_converted(organisation, meters):
    series = kpi_series(meter_kpi(organisation), start=dt.date(2025, 1, 1), end=dt.date(2025, 6, 30))
    assert values(series) == {
        "Jan 2025": D(3),
        "Feb 2025": D(4),
        "Mar 2025": D(5),
        "Apr 2025": None,
        "May 2025": None,
    }
    assert series.points[0].quality == "measured" and series.points[0].sites == 2


def test_a_period_not_over_yet_is_left_out(organisation, meters):
    series = kpi_series(meter_kpi(organisation), start=dt.date(2025, 6, 1), end=dt.date(2025, 6, 30))
    assert series.points == []


def test_an_estimated_total_makes_the_point_estimated(organisation, meters):
    bhm, _ = meters
    bhm.monthly_totals.filter(month=month(2025, 2)).update(estimated_quantity=D(10))
    series = kpi_series(meter_kpi(organisation), start=dt.date(2025, 1, 1), end=dt.date(2025, 3, 31))
    assert [p.quality for p in series.points] == ["measured", "estimated", "measured"]


def test_an_invoiced_total_makes_the_point_invoiced_unless_part_is_estimated(organisation, meters):
    bhm, _ = meters
    bhm.monthly_totals.filter(month=month(2025, 1)).update(invoiced_quantity=D(3000))
    bhm.monthly_totals.filter(month=month(2025, 2)).update(invoiced_quantity=D(3000), estimated_quantity=D(5))
    series = kpi_series(meter_kpi(organisation), start=dt.date(2025, 1, 1), end=dt.date(2025, 3, 31))
    assert [p.quality for p in series.points] == ["invoiced", "estimated", "measured"]


def test_quarters_add_up_their_months_and_sites_narrow(organisation, sites, meters):
    kpi = meter_kpi(organisation, frequency=Kpi.Frequency.QUARTERLY, unit="kWh")
    series = kpi_series(kpi, start=dt.date(2025, 1, 1), end=dt.date(2025, 3, 31))
    assert values(series) == {"Q1 2025": D(6000 + 6000)}
    leeds = kpi_series(kpi, start=dt.date(2025, 1, 1), end=dt.date(2025, 3, 31), sites=[sites[1]])
    assert values(leeds) == {"Q1 2025": D(6000)}
    limited = meter_kpi(organisation, frequency=Kpi.Frequency.QUARTERLY, unit="kWh", sites=[sites[0]])
    assert values(kpi_series(limited, start=dt.date(2025, 1, 1), end=dt.date(2025, 3, 31))) == {
        "Q1 2025": D(6000)
    }


def test_meters_whose_unit_does_not_convert_are_left_out_and_said_so(organisation, sites, meters):
    kpi = meter_kpi(organisation)
    odd = make_meter(organisation, sites[1], "E-ODD", Meter.Kind.ELECTRICITY, "m3")  # a mistake, added later
    total(odd, month(2025, 1), 7)
    series = kpi_series(kpi, start=dt.date(2025, 1, 1), end=dt.date(2025, 1, 31))
    assert values(series) == {"Jan 2025": D(3)}
    assert series.notes and "m3" in series.notes[0]


def test_the_series_reads_totals_never_readings(organisation, meters):
    kpi = meter_kpi(organisation)
    with CaptureQueriesContext(connection) as captured:
        kpi_series(kpi, start=dt.date(2025, 1, 1), end=dt.date(2025, 3, 31))
    sql = " ".join(q["sql"] for q in captured.captured_queries)
    assert "measurement_monthlytotal" in sql and "measurement_reading" not in sql.replace("readingbatch", "")


# --- From the inventory ----------------------------------------------------------------------


@pytest.fixture
def inventory(organisation, sites, other_organisation):
    inventory = make_inventory(organisation)
    jan = month(2025, 1)
    result(inventory, sites[0], jan, 1, 1000)
    result(inventory, sites[0], jan, 2, 400, method="location")
    result(inventory, sites[0], jan, 2, 100, method="market")
    result(inventory, sites[1], jan, 3, 250)
    result(inventory, sites[1], jan, 0, 9999)  # outside of the scopes: never counted
    other_site = Site.objects.create(organisation=other_organisation, name="Other works", code="OTW")
    result(make_inventory(other_organisation), other_site, jan, 1, 5555)
    return inventory


@pytest.mark.parametrize(
    ("basis", "kg"),
    [
        ("all", 1650),
        ("scope12", 1400),
        ("scope12m", 1100),
        ("scope1", 1000),
        ("scope2l", 400),
        ("scope2m", 100),
        ("scope3", 250),
    ],
)
def test_the_inventory_is_summed_by_basis(organisation, inventory, basis, kg):
    kpi = make_kpi(
        organisation, name=basis, unit="kg CO2e", source=Kpi.Source.EMISSIONS, emissions_basis=basis
    )
    assert values(kpi_series(kpi, start=dt.date(2025, 1, 1), end=dt.date(2025, 1, 31))) == {"Jan 2025": D(kg)}


def test_tonnes_and_the_quality_of_the_activity_behind(organisation, sites, inventory):
    kpi = make_kpi(organisation, unit="t CO2e", source=Kpi.Source.EMISSIONS, emissions_basis="scope1")
    gas = make_meter(organisation, sites[0], "G1", Meter.Kind.GAS, "kWh")
    EmissionSource.objects.create(
        organisation=organisation, meter=gas, family="test", factor_key="gas", scope=1
    )
    total(gas, month(2025, 1), 5000, estimated=1000)
    point = kpi_series(kpi, start=dt.date(2025, 1, 1), end=dt.date(2025, 1, 31)).points[0]
    assert (point.value, point.quality) == (D(1), "estimated")


# --- Normalisation ---------------------------------------------------------------------------


def test_intensity_divides_by_the_figure_and_a_missing_one_gives_no_value(organisation, sites, meters):
    kpi = meter_kpi(organisation, unit="kWh", normalisation=Kpi.Normalisation.EMPLOYEES)
    for number in (1, 2):
        figure(organisation, sites[0], SiteFigure.Kind.EMPLOYEES, month(2025, number), 10)
        figure(organisation, sites[1], SiteFigure.Kind.EMPLOYEES, month(2025, number), 40)
    figure(organisation, sites[0], SiteFigure.Kind.EMPLOYEES, month(2025, 3), 10)  # Leeds missing in March
    series = kpi_series(kpi, start=dt.date(2025, 1, 1), end=dt.date(2025, 3, 31))
    assert values(series) == {"Jan 2025": D(3000) / 50, "Feb 2025": D(4000) / 50, "Mar 2025": None}


def test_the_organisations_own_figure_serves_the_whole_scope(organisation, sites, meters):
    kpi = meter_kpi(organisation, unit="kWh", normalisation=Kpi.Normalisation.OUTPUT)
    figure(organisation, None, SiteFigure.Kind.OUTPUT, month(2025, 1), 300)
    assert values(kpi_series(kpi, start=dt.date(2025, 1, 1), end=dt.date(2025, 1, 31))) == {"Jan 2025": D(10)}
    # Narrowed to one site, the organisation's figure does not apply and Leeds has none.
    narrowed = kpi_series(kpi, start=dt.date(2025, 1, 1), end=dt.date(2025, 1, 31), sites=[sites[1]])
    assert values(narrowed) == {"Jan 2025": None}


def test_a_quarter_adds_up_output_and_averages_floor_area(organisation, sites, meters):
    per_tonne = meter_kpi(
        organisation, unit="kWh", frequency="quarterly", normalisation="output", sites=[sites[0]]
    )
    per_m2 = meter_kpi(
        organisation, unit="kWh", frequency="quarterly", normalisation="floor_area", sites=[sites[0]]
    )
    for number, (tonnes, area) in enumerate([(10, 100), (20, 100), (30, 400)], start=1):
        figure(organisation, sites[0], "output", month(2025, number), tonnes)
        figure(organisation, sites[0], "floor_area", month(2025, number), area)
    window = {"start": dt.date(2025, 1, 1), "end": dt.date(2025, 3, 31)}
    assert values(kpi_series(per_tonne, **window)) == {"Q1 2025": D(6000) / 60}
    assert values(kpi_series(per_m2, **window)) == {"Q1 2025": D(6000) / 200}


# --- Entered values and roll-up --------------------------------------------------------------


def record(kpi, site, period, value, quality="measured"):
    return KpiValue.objects.create(
        organisation_id=kpi.organisation_id,
        kpi=kpi,
        site=site,
        period=period,
        value=D(value),
        quality=quality,
    )


def test_site_values_roll_up_by_sum_or_average_with_the_worst_quality(organisation, sites):
    summed = make_kpi(organisation, name="Summed")
    averaged = make_kpi(organisation, name="Averaged", roll_up=Kpi.RollUp.AVERAGE)
    for kpi in (summed, averaged):
        record(kpi, sites[0], month(2025, 1), 4)
        record(kpi, sites[1], month(2025, 1), 8, quality="invoiced")
        record(kpi, sites[0], month(2025, 2), 5, quality="estimated")
    window = {"start": dt.date(2025, 1, 1), "end": dt.date(2025, 2, 28)}
    assert values(kpi_series(summed, **window)) == {"Jan 2025": D(12), "Feb 2025": D(5)}
    assert values(kpi_series(averaged, **window)) == {"Jan 2025": D(6), "Feb 2025": D(5)}
    assert [p.quality for p in kpi_series(summed, **window).points] == ["invoiced", "estimated"]


def test_a_value_for_the_whole_kpi_stands_for_its_whole_scope(organisation, sites):
    kpi = make_kpi(organisation)
    record(kpi, None, month(2025, 1), 30)
    record(kpi, sites[0], month(2025, 1), 4)
    window = {"start": dt.date(2025, 1, 1), "end": dt.date(2025, 1, 31)}
    assert values(kpi_series(kpi, **window)) == {"Jan 2025": D(30)}
    assert values(kpi_series(kpi, sites=[sites[0]], **window)) == {"Jan 2025": D(4)}


amounts = st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False, allow_infinity=False)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(per_site=st.lists(st.one_of(st.none(), amounts), min_size=2, max_size=2))
def test_roll_up_is_the_sum_or_the_mean_of_the_sites_with_a_value(organisation, sites, per_site):
    summed = Kpi.objects.filter(name="Summed").first() or make_kpi(organisation, name="Summed")
    averaged = Kpi.objects.filter(name="Averaged").first() or make_kpi(
        organisation, name="Averaged", roll_up=Kpi.RollUp.AVERAGE
    )
    KpiValue.objects.all().delete()
    given_values = [v for v in per_site if v is not None]
    for kpi in (summed, averaged):
        for site, value in zip(sites, per_site, strict=True):
            if value is not None:
                record(kpi, site, month(2025, 1), value)
    window = {"start": dt.date(2025, 1, 1), "end": dt.date(2025, 1, 31)}
    total_point = kpi_series(summed, **window).points[0]
    mean_point = kpi_series(averaged, **window).points[0]
    if not given_values:
        assert total_point.value is None and mean_point.value is None
        return
    assert total_point.value == sum(given_values, D(0))
    assert mean_point.value == sum(given_values, D(0)) / len(given_values)
    assert total_point.sites == mean_point.sites == len(given_values)


# --- Cost ------------------------------------------------------------------------------------


def test_many_kpis_cost_the_same_queries_as_one(organisation, sites, meters, inventory):
    few = [meter_kpi(organisation), make_kpi(organisation)]
    many = [
        *few,
        *[meter_kpi(organisation, name=f"E{i}", normalisation="employees") for i in range(3)],
        *[make_kpi(organisation, name=f"M{i}", sites=[sites[0]]) for i in range(3)],
        *[
            make_kpi(organisation, name=f"G{i}", unit="t CO2e", source="emissions", emissions_basis="all")
            for i in range(3)
        ],
    ]
    few.append(make_kpi(organisation, name="G", unit="t CO2e", source="emissions", emissions_basis="all"))
    few[0].normalisation = "employees"

    def cost(kpis):
        with CaptureQueriesContext(connection) as captured:
            kpi_series_many(kpis, start=dt.date(2024, 1, 1), end=dt.date(2025, 6, 30))
        return len(captured.captured_queries)

    assert cost(few) == cost(many)
