"""Meters and site figures: the rules their services keep."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from integrum.core.models import ObjectChange, Site, StaleEdit
from integrum.measurement import readings, services
from integrum.measurement.models import Meter, MonthlyTotal, ReadingBatch, SiteFigure
from integrum.measurement.tests.factories import make_meter, site_limited

pytestmark = pytest.mark.django_db


def errors_of(excinfo):
    return excinfo.value.message_dict


def test_it_creates_a_meter_and_logs_it(organisation, sites):
    meter = make_meter(organisation, sites[0], code="  E7 ", unit="MWh")
    assert (meter.code, meter.unit) == ("E7", "MWh")
    assert ObjectChange.objects.for_object(meter).get().action == ObjectChange.Action.CREATE


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"unit": "furlongs"}, "unit"),
        ({"unit": "m³"}, "unit"),  # electricity is energy
        ({"kind": Meter.Kind.WATER, "unit": "kWh"}, "unit"),
        ({"kind": Meter.Kind.WASTE, "unit": "GJ"}, "unit"),
        ({"code": "  "}, "code"),
        ({"interval_minutes": 0}, "interval_minutes"),
        ({"outlier_factor": Decimal("0.5")}, "outlier_factor"),
        ({"kind": "plutonium"}, "kind"),
    ],
)
def test_bad_meters_are_refused_and_nothing_is_written(organisation, sites, fields, field):
    with pytest.raises(ValidationError) as excinfo:
        make_meter(organisation, sites[0], **fields)
    assert field in errors_of(excinfo)
    assert not Meter.objects.exists()


@pytest.mark.parametrize(
    ("kind", "unit"),
    [
        ("gas", "kWh"),
        ("gas", "m3"),
        ("fuel", "litres"),
        ("fuel", "t"),
        ("water", "Ml"),
        ("waste", "tonnes"),
        ("heat", "GJ"),
    ],
)
def test_each_kind_takes_the_units_of_its_dimensions(organisation, sites, kind, unit):
    assert make_meter(organisation, sites[0], kind=kind, unit=unit).unit == unit


def test_codes_are_unique_in_an_organisation_only(organisation, sites, other_organisation):
    make_meter(organisation, sites[0])
    with pytest.raises(ValidationError) as excinfo:
        make_meter(organisation, sites[1])
    assert "already has the code" in errors_of(excinfo)["code"][0]
    other_site = Site.objects.create(organisation=other_organisation, name="Elsewhere", code="ELS")
    make_meter(other_organisation, other_site)


def test_a_site_of_another_organisation_or_user_is_refused(organisation, sites, other_organisation):
    other_site = Site.objects.create(organisation=other_organisation, name="Elsewhere", code="ELS")
    with pytest.raises(ValidationError) as excinfo:
        make_meter(organisation, other_site)
    assert "site" in errors_of(excinfo)
    sam = site_limited(organisation, sites[0])
    with pytest.raises(ValidationError) as excinfo:
        make_meter(organisation, sites[1], user=sam)
    assert "do not work for" in errors_of(excinfo)["site"][0]
    assert make_meter(organisation, sites[0], user=sam).site == sites[0]


def test_the_unit_and_way_of_reading_are_fixed_once_there_are_readings(organisation, sites):
    meter = make_meter(organisation, sites[0])
    meter = services.meter_update(meter=meter, version=meter.version, unit="MWh")
    services.readings_enter(
        organisation=organisation,
        user=None,
        meter=meter,
        value="1",
        start=dt.date(2026, 1, 1),
        end=dt.date(2026, 2, 1),
    )
    meter = Meter.objects.get(pk=meter.pk)
    for fields in ({"unit": "kWh"}, {"reading_kind": "register"}):
        with pytest.raises(ValidationError) as excinfo:
            services.meter_update(meter=Meter.objects.get(pk=meter.pk), version=meter.version, **fields)
        assert "create a new meter" in str(excinfo.value)
    assert Meter.objects.get(pk=meter.pk).unit == "MWh"
    renamed = services.meter_update(meter=meter, version=meter.version, name="Incomer A")
    assert renamed.name == "Incomer A"
    with pytest.raises(StaleEdit):
        services.meter_update(meter=Meter.objects.get(pk=meter.pk), version=meter.version - 1, name="Old")


def test_moving_a_meter_moves_its_monthly_totals(organisation, sites):
    meter = make_meter(organisation, sites[0])
    services.readings_enter(
        organisation=organisation,
        user=None,
        meter=meter,
        value="10",
        start=dt.date(2026, 1, 1),
        end=dt.date(2026, 1, 11),
    )
    meter = Meter.objects.get(pk=meter.pk)
    services.meter_update(meter=meter, version=meter.version, site=sites[1])
    assert set(MonthlyTotal.objects.values_list("site", flat=True)) == {sites[1].pk}


def test_deactivation_and_deletion(organisation, sites):
    meter = make_meter(organisation, sites[0])
    services.meter_deactivate(meter=meter)
    with pytest.raises(ValidationError):
        services.meter_deactivate(meter=meter)
    services.meter_reactivate(meter=meter)
    services.readings_enter(
        organisation=organisation,
        user=None,
        meter=meter,
        value="1",
        start=dt.date(2026, 1, 1),
        end=dt.date(2026, 1, 2),
    )
    with pytest.raises(ValidationError, match="deactivate it instead"):
        services.meter_delete(meter=meter)
    spare = make_meter(organisation, sites[0], code="E2")
    services.meter_delete(meter=spare)
    assert list(Meter.objects.values_list("code", flat=True)) == ["E1"]


def test_a_reading_entered_on_a_form_is_a_batch_of_one(organisation, sites, contributor):
    meter = make_meter(organisation, sites[0], code="G1", kind="gas", unit="m³", reading_kind="register")
    first = services.readings_enter(
        organisation=organisation,
        user=contributor,
        meter=meter,
        value=Decimal("500"),
        timestamp=dt.datetime(2026, 1, 1, 8, tzinfo=dt.UTC),
    )
    assert first.source == ReadingBatch.Source.MANUAL and first.status == ReadingBatch.Status.COMMITTED
    assert first.committed_rows == 0 and "Opening read" in first.warnings[0]["message"]
    meter = Meter.objects.get(pk=meter.pk)
    second = services.readings_enter(
        organisation=organisation,
        user=contributor,
        meter=meter,
        value="620",
        timestamp=dt.datetime(2026, 2, 1, 8, tzinfo=dt.UTC),
    )
    assert second.committed_rows == 1 and second.created_by == contributor
    assert list(second.meters.all()) == [meter]
    with pytest.raises(ValidationError) as excinfo:
        services.readings_enter(
            organisation=organisation,
            user=contributor,
            meter=Meter.objects.get(pk=meter.pk),
            value="600",
            timestamp=dt.datetime(2026, 3, 1, 8, tzinfo=dt.UTC),
        )
    assert "went down" in errors_of(excinfo)["value"][0]
    assert ReadingBatch.objects.count() == 2


def test_a_site_limited_member_cannot_enter_readings_for_another_sites_meter(organisation, sites):
    sam = site_limited(organisation, sites[0])
    theirs = make_meter(organisation, sites[1], code="L1")
    with pytest.raises(ValidationError) as excinfo:
        services.readings_enter(
            organisation=organisation,
            user=sam,
            meter=theirs,
            value="1",
            start=dt.date(2026, 1, 1),
            end=dt.date(2026, 1, 2),
        )
    assert "meter" in errors_of(excinfo)
    result, batch = services.readings_check_and_commit(
        organisation=organisation,
        user=sam,
        source="api",
        rows=[readings.Row(number=0, meter="L1", value="1", start="2026-01-01", end="2026-01-02")],
    )
    assert batch is None and result.errors[0]["column"] == "meter"
    assert not ReadingBatch.objects.exists()


def test_site_figures_are_one_a_month_per_site_and_kind(organisation, sites):
    figure = services.site_figure_create(
        organisation=organisation,
        site=sites[0],
        kind="output",
        month=dt.date(2026, 3, 17),
        value=Decimal("120"),
        unit="tonnes",
    )
    assert figure.month == dt.date(2026, 3, 1)
    whole = services.site_figure_create(
        organisation=organisation, kind="output", month=dt.date(2026, 3, 1), value=Decimal("300")
    )
    services.site_figure_create(
        organisation=organisation, site=sites[1], kind="output", month=dt.date(2026, 3, 1), value=1
    )
    for site in (sites[0], None):
        with pytest.raises(ValidationError) as excinfo:
            services.site_figure_create(
                organisation=organisation, site=site, kind="output", month=dt.date(2026, 3, 9), value=1
            )
        assert "already" in errors_of(excinfo)["month"][0]
    with pytest.raises(ValidationError) as excinfo:
        services.site_figure_create(
            organisation=organisation, kind="employees", month=dt.date(2026, 3, 1), value=-1
        )
    assert "value" in errors_of(excinfo)
    assert SiteFigure.objects.count() == 3
    updated = services.site_figure_update(figure=whole, version=whole.version, value=Decimal("310"))
    assert updated.value == Decimal("310")
    services.site_figure_delete(figure=updated)
    assert SiteFigure.objects.count() == 2


def test_a_site_limited_member_keeps_to_their_sites_figures(organisation, sites):
    sam = site_limited(organisation, sites[0])
    with pytest.raises(ValidationError):
        services.site_figure_create(
            organisation=organisation, user=sam, kind="output", month=dt.date(2026, 3, 1), value=1
        )
    with pytest.raises(ValidationError):
        services.site_figure_create(
            organisation=organisation,
            user=sam,
            site=sites[1],
            kind="output",
            month=dt.date(2026, 3, 1),
            value=1,
        )
    whole = services.site_figure_create(
        organisation=organisation, kind="output", month=dt.date(2026, 3, 1), value=1
    )
    with pytest.raises(ValidationError):
        services.site_figure_delete(figure=whole, user=sam)
    mine = services.site_figure_create(
        organisation=organisation, user=sam, site=sites[0], kind="output", month=dt.date(2026, 3, 1), value=1
    )
    assert mine.site == sites[0]
