"""The rules of KPI definitions, KPI values, objectives and their planned actions; a refusal
changes nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError

from integrum.actions.models import Action
from integrum.conftest import add_member, make_user
from integrum.core.models import ObjectChange, Role, Site, StaleEdit
from integrum.environment.tests.factories import make_aspect, make_obligation
from integrum.measurement.models import Meter
from integrum.performance import services
from integrum.performance.models import Kpi, KpiValue, Objective
from integrum.performance.tests.builders import both_standards, iso, make_kpi, make_meter, make_objective
from integrum.risks import services as risk_services

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("standards")]

TODAY = dt.datetime(2025, 6, 15, 12, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(TODAY, tick=False):
        yield


def counts():
    return (
        ObjectChange.objects.count(),
        Kpi.objects.count(),
        KpiValue.objects.count(),
        Objective.objects.count(),
        Action.objects.count(),
    )


def refused(call, field=None, text=""):
    """Run `call`, expect a ValidationError (naming `field`), and check nothing was written."""
    before = counts()
    with pytest.raises(ValidationError) as caught:
        call()
    assert counts() == before
    if field is not None:
        assert field in caught.value.message_dict, caught.value
    if text:
        assert text in " ".join(caught.value.messages)
    return caught.value


# --- KPIs ------------------------------------------------------------------------------------


def test_it_numbers_kpis_and_logs_their_creation(organisation, contributor):
    first = make_kpi(organisation, owner=contributor, target=Decimal(5), warning_threshold=Decimal(8))
    second = make_kpi(organisation, name="On-time delivery", unit="%", direction=Kpi.Direction.HIGHER)
    assert (first.reference, second.reference) == ("KPI-0001", "KPI-0002")
    assert {s.code for s in first.standards.all()} == {"ISO 9001", "ISO 14001"}
    assert ObjectChange.objects.for_object(first).filter(action="create").exists()


def test_a_kpi_needs_standards_a_unit_and_a_member_as_owner(organisation, outsider):
    refused(lambda: make_kpi(organisation, standards=[]), "standards")
    refused(lambda: make_kpi(organisation, unit="  "), "unit")
    refused(lambda: make_kpi(organisation, owner=outsider), "owner")


def test_a_kpi_only_covers_sites_of_its_organisation(organisation, other_organisation):
    elsewhere = Site.objects.create(organisation=other_organisation, name="Elsewhere", code="ELS")
    refused(lambda: make_kpi(organisation, sites=[elsewhere]), "sites")


@pytest.mark.parametrize(
    ("direction", "target", "warning", "ok"),
    [
        (Kpi.Direction.LOWER, 10, 12, True),
        (Kpi.Direction.LOWER, 10, 8, False),
        (Kpi.Direction.LOWER, 10, 10, False),
        (Kpi.Direction.HIGHER, 95, 90, True),
        (Kpi.Direction.HIGHER, 95, 97, False),
        (Kpi.Direction.HIGHER, None, 90, False),
    ],
)
def test_the_warning_threshold_lies_beyond_the_target(organisation, direction, target, warning, ok):
    def create():
        return make_kpi(
            organisation,
            direction=direction,
            target=None if target is None else Decimal(target),
            warning_threshold=Decimal(warning),
        )

    if ok:
        assert create().warning_threshold == Decimal(warning)
    else:
        refused(create, "warning_threshold")


def test_a_kpi_from_meters_needs_a_kind_and_a_unit_the_meters_convert_to(organisation, sites):
    make_meter(organisation, sites[0], "E1", Meter.Kind.ELECTRICITY, "kWh")
    make_meter(organisation, sites[1], "E2", Meter.Kind.ELECTRICITY, "MWh")
    refused(lambda: make_kpi(organisation, unit="kWh", source=Kpi.Source.METERS), "meter_kind")
    refused(
        lambda: make_kpi(
            organisation, unit="m3", source=Kpi.Source.METERS, meter_kind=Meter.Kind.ELECTRICITY
        ),
        "unit",
        "cannot be converted",
    )
    refused(
        lambda: make_kpi(
            organisation, unit="bananas", source=Kpi.Source.METERS, meter_kind=Meter.Kind.ELECTRICITY
        ),
        "unit",
    )
    kpi = make_kpi(
        organisation, name="Electricity", unit="GJ", source=Kpi.Source.METERS, meter_kind="electricity"
    )
    assert (kpi.source, kpi.meter_kind, kpi.emissions_basis) == ("meters", "electricity", "")


def test_without_meters_yet_the_unit_must_suit_the_kind_of_meter(organisation):
    refused(
        lambda: make_kpi(organisation, unit="kWh", source=Kpi.Source.METERS, meter_kind=Meter.Kind.WATER),
        "unit",
        "volume",
    )
    assert (
        make_kpi(organisation, unit="m³", source=Kpi.Source.METERS, meter_kind=Meter.Kind.WATER).unit == "m³"
    )


def test_a_kpi_from_the_inventory_needs_scopes_and_a_co2e_unit(organisation):
    refused(lambda: make_kpi(organisation, unit="t CO2e", source=Kpi.Source.EMISSIONS), "emissions_basis")
    refused(
        lambda: make_kpi(organisation, unit="kWh", source=Kpi.Source.EMISSIONS, emissions_basis="scope12"),
        "unit",
    )
    kpi = make_kpi(
        organisation, unit="tCO₂e", source=Kpi.Source.EMISSIONS, emissions_basis="scope12", meter_kind="gas"
    )
    assert (kpi.unit, kpi.meter_kind) == ("t CO2e", "")


def test_an_edit_with_a_stale_version_is_refused(organisation):
    kpi = make_kpi(organisation)
    services.kpi_update(kpi=Kpi.objects.get(pk=kpi.pk), version=1, name="Complaints received")
    with pytest.raises(StaleEdit):
        services.kpi_update(kpi=Kpi.objects.get(pk=kpi.pk), version=1, name="Stale")
    assert Kpi.objects.get(pk=kpi.pk).name == "Complaints received"


def test_a_kpi_with_entered_values_keeps_its_source(organisation, contributor):
    kpi = make_kpi(organisation, unit="kWh")
    services.kpi_value_record(kpi=kpi, period=dt.date(2025, 3, 1), value=4, user=contributor)
    refused(
        lambda: services.kpi_update(
            kpi=Kpi.objects.get(pk=kpi.pk), version=1, source=Kpi.Source.METERS, meter_kind="electricity"
        ),
        "source",
    )
    assert Kpi.objects.get(pk=kpi.pk).source == Kpi.Source.MANUAL


def test_a_kpi_measuring_an_objective_cannot_be_deleted(organisation):
    kpi = make_kpi(organisation)
    objective = make_objective(organisation, kpi=kpi)
    refused(lambda: services.kpi_delete(kpi=kpi), text=objective.reference)
    services.objective_delete(objective=objective)
    services.kpi_delete(kpi=kpi)
    assert not Kpi.objects.filter(pk=kpi.pk).exists()


# --- KPI values ------------------------------------------------------------------------------


def test_a_value_is_kept_against_the_first_day_of_its_period(organisation, contributor):
    monthly = make_kpi(organisation)
    quarterly = make_kpi(organisation, name="Audits", frequency=Kpi.Frequency.QUARTERLY)
    a = services.kpi_value_record(kpi=monthly, period=dt.date(2025, 3, 15), value="4", user=contributor)
    b = services.kpi_value_record(kpi=quarterly, period=dt.date(2025, 5, 20), value=2, user=contributor)
    assert (a.period, b.period) == (dt.date(2025, 3, 1), dt.date(2025, 4, 1))
    assert a.entered_by == contributor and a.origin == KpiValue.Origin.MANUAL
    assert ObjectChange.objects.for_object(a).get().message == "Value for Mar 2025: 4 complaints"


def test_re_entering_a_period_needs_the_version_seen(organisation, contributor):
    kpi = make_kpi(organisation)
    value = services.kpi_value_record(kpi=kpi, period=dt.date(2025, 3, 1), value=4, user=contributor)
    refused(
        lambda: services.kpi_value_record(kpi=kpi, period=dt.date(2025, 3, 31), value=5, user=contributor),
        "period",
        "already has a value",
    )
    updated = services.kpi_value_record(
        kpi=kpi, period=dt.date(2025, 3, 31), value=5, user=contributor, version=value.version
    )
    assert updated.pk == value.pk and updated.value == 5 and KpiValue.objects.count() == 1
    with pytest.raises(StaleEdit):
        services.kpi_value_record(kpi=kpi, period=dt.date(2025, 3, 1), value=6, user=contributor, version=1)
    assert KpiValue.objects.get().value == 5
    assert "4 → 5" in ObjectChange.objects.for_object(value).first().message


def test_computed_and_inactive_kpis_take_no_values(organisation, contributor):
    computed = make_kpi(organisation, unit="kWh", source=Kpi.Source.METERS, meter_kind="electricity")
    inactive = make_kpi(organisation, is_active=False)
    refused(
        lambda: services.kpi_value_record(kpi=computed, period=dt.date(2025, 3, 1), value=1, user=contributor)
    )
    refused(
        lambda: services.kpi_value_record(kpi=inactive, period=dt.date(2025, 3, 1), value=1, user=contributor)
    )


def test_bad_values_and_future_periods_are_refused(organisation, contributor):
    kpi = make_kpi(organisation)
    refused(
        lambda: services.kpi_value_record(
            kpi=kpi, period=dt.date(2025, 3, 1), value="lots", user=contributor
        ),
        "value",
    )
    refused(
        lambda: services.kpi_value_record(kpi=kpi, period=dt.date(2025, 3, 1), value="NaN", user=contributor),
        "value",
    )
    refused(
        lambda: services.kpi_value_record(kpi=kpi, period=dt.date(2025, 7, 1), value=1, user=contributor),
        "period",
        "has not started",
    )
    refused(
        lambda: services.kpi_value_record(
            kpi=kpi, period=dt.date(2025, 3, 1), value=1, quality="guessed", user=contributor
        ),
        "quality",
    )


def test_values_are_for_the_kpis_sites_and_the_members_own(organisation, sites, contributor):
    kpi = make_kpi(organisation, sites=[sites[0]])
    refused(
        lambda: services.kpi_value_record(
            kpi=kpi, period=dt.date(2025, 3, 1), value=1, site=sites[1], user=contributor
        ),
        "site",
        "covers only BHM",
    )
    local = make_user("lena@acme.test", "Lena", "Local")
    add_member(organisation, local, Role.CONTRIBUTOR, sites=[sites[1]])
    open_kpi = make_kpi(organisation, name="Spills")
    refused(
        lambda: services.kpi_value_record(
            kpi=open_kpi, period=dt.date(2025, 3, 1), value=1, site=sites[0], user=local
        ),
        "site",
    )
    refused(
        lambda: services.kpi_value_record(kpi=open_kpi, period=dt.date(2025, 3, 1), value=1, user=local),
        "site",
    )
    value = services.kpi_value_record(
        kpi=open_kpi, period=dt.date(2025, 3, 1), value=1, site=sites[1], user=local
    )
    assert value.site == sites[1]


def test_a_value_can_be_corrected_and_removed(organisation, contributor):
    kpi = make_kpi(organisation)
    value = services.kpi_value_record(kpi=kpi, period=dt.date(2025, 3, 1), value=4, user=contributor)
    value = services.kpi_value_update(
        kpi_value=value, version=value.version, user=contributor, quality="estimated"
    )
    assert (value.value, value.quality) == (4, "estimated")
    services.kpi_value_delete(kpi_value=value)
    assert not KpiValue.objects.exists()


# --- Objectives ------------------------------------------------------------------------------


def test_it_numbers_objectives_with_their_links(organisation, contributor):
    risk = risk_services.risk_create(
        organisation=organisation,
        created_by=contributor,
        title="Late deliveries",
        inherent_likelihood=3,
        inherent_consequence=3,
        standards=both_standards(),
    )
    aspect = make_aspect(organisation)
    obligation = make_obligation(organisation, contributor)
    kpi = make_kpi(organisation, baseline_value=Decimal(40))
    objective = make_objective(
        organisation, kpi=kpi, owner=contributor, risks=[risk], aspects=[aspect], obligations=[obligation]
    )
    second = make_objective(organisation, standards=[iso("ISO 14001")])
    assert (objective.reference, second.reference) == ("OBJ-0001", "OBJ-0002")
    assert list(objective.risks.all()) == [risk] and list(objective.obligations.all()) == [obligation]


def test_an_objective_is_refused_with_bad_input(organisation, other_organisation, outsider):
    foreign_kpi = make_kpi(other_organisation, standards=both_standards())
    foreign_aspect = make_aspect(other_organisation)
    refused(lambda: make_objective(organisation, standards=[]), "standards")
    refused(
        lambda: make_objective(organisation, start_date=dt.date(2025, 6, 1), due_date=dt.date(2025, 5, 1)),
        "due_date",
    )
    refused(lambda: make_objective(organisation, owner=outsider), "owner")
    refused(lambda: make_objective(organisation, kpi=foreign_kpi), "kpi")
    refused(lambda: make_objective(organisation, aspects=[foreign_aspect]), "aspects")
    refused(lambda: make_objective(organisation, title=""), "title")


def test_the_target_must_lie_in_the_kpis_better_direction(organisation):
    lower = make_kpi(organisation)
    higher = make_kpi(organisation, name="On time", unit="%", direction=Kpi.Direction.HIGHER)
    refused(
        lambda: make_objective(organisation, kpi=lower, baseline_value=Decimal(40), target_value=Decimal(50)),
        "target_value",
        "below the baseline",
    )
    refused(
        lambda: make_objective(
            organisation, kpi=higher, baseline_value=Decimal(90), target_value=Decimal(80)
        ),
        "target_value",
    )
    refused(
        lambda: make_objective(
            organisation, kpi=higher, baseline_value=Decimal(90), target_value=Decimal(90)
        ),
        "target_value",
    )
    assert make_objective(organisation, kpi=higher, baseline_value=Decimal(90), target_value=Decimal(95)).pk


def test_a_cancelled_objective_is_reinstated_before_it_changes(organisation, manager):
    objective = make_objective(organisation)
    refused(lambda: services.objective_cancel(objective=objective, reason="  "), "reason")
    services.objective_cancel(objective=objective, reason="The product line was sold.")
    entry = ObjectChange.objects.for_object(objective).first()
    assert entry.action == "transition" and "The product line was sold." in entry.message
    refused(lambda: services.objective_cancel(objective=objective, reason="Again"))
    refused(lambda: services.objective_update(objective=objective, version=objective.version, title="New"))
    refused(lambda: services.objective_action_create(objective=objective, created_by=manager, title="Do it"))
    services.objective_reinstate(objective=objective)
    assert not Objective.objects.get(pk=objective.pk).is_cancelled


def test_planned_actions_go_into_the_tracker_with_the_objective_as_source(organisation, contributor):
    objective = make_objective(organisation)
    action = services.objective_action_create(
        objective=objective, created_by=contributor, title="Train the dispatch team", owner=contributor
    )
    assert action.reference.startswith("ACT-") and list(Action.objects.raised_by(objective)) == [action]
    refused(lambda: services.objective_delete(objective=objective), text="still open")
