"""The reading pipeline: checks, commit, monthly totals (the pages, API and CLI call these)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from integrum.measurement import readings
from integrum.measurement.models import Meter, MonthlyTotal, Reading, ReadingBatch

pytestmark = pytest.mark.django_db


def make_meter(organisation, site, **fields):
    values = {"code": "E1", "name": "Main incomer", "kind": Meter.Kind.ELECTRICITY, "unit": "kWh"}
    values.update(fields)
    return Meter.objects.create(organisation=organisation, site=site, **values)


def run(organisation, meters, rows):
    result = readings.check(organisation, [readings.Row(number=i + 2, **row) for i, row in enumerate(rows)], meters=meters)
    return result


def committed(organisation, result):
    batch = ReadingBatch.objects.create(organisation=organisation, source=ReadingBatch.Source.MANUAL)
    readings.commit(batch, result)
    return batch


def test_invoice_spanning_two_months_is_apportioned_by_time(organisation, sites):
    meter = make_meter(organisation, sites[0])
    result = run(organisation, [meter], [
        {"meter": "E1", "start": "2026-01-16", "end": "2026-02-15", "value": "3", "unit": "MWh", "quality": "invoiced"}
    ])
    assert result.ok, result.errors
    committed(organisation, result)
    totals = {t.month.isoformat(): t.quantity for t in MonthlyTotal.objects.filter(meter=meter)}
    assert totals == {"2026-01-01": Decimal("1600"), "2026-02-01": Decimal("1400")}
    assert sum(totals.values()) == Decimal("3000")


def test_bad_rows_are_all_reported_and_nothing_is_written(organisation, sites):
    meter = make_meter(organisation, sites[0], interval_minutes=30)
    result = run(organisation, [meter], [
        {"meter": "E1", "timestamp": "2026-01-01T00:00", "value": "5"},
        {"meter": "E1", "timestamp": "2026-01-01T00:00", "value": "6"},
        {"meter": "NOPE", "timestamp": "2026-01-01T00:30", "value": "5"},
        {"meter": "E1", "timestamp": "2026-01-01T01:00", "value": "5", "unit": "furlongs"},
        {"meter": "E1", "timestamp": "2026-01-01T01:30", "value": "5", "unit": "kg"},
        {"meter": "E1", "timestamp": "2026-01-01T02:00", "value": "-1"},
        {"meter": "E1", "timestamp": "yesterday", "value": "1"},
    ])
    assert not result.ok
    assert [(e["row"], e["column"]) for e in result.errors] == [
        (4, "meter"), (5, "unit"), (6, "unit"), (7, "value"), (8, "timestamp"), (3, "start")
    ]
    batch = ReadingBatch.objects.create(organisation=organisation, source=ReadingBatch.Source.MANUAL)
    with pytest.raises(ValidationError):
        readings.commit(batch, result)
    assert not Reading.objects.exists() and not MonthlyTotal.objects.exists()


def test_register_reads_become_amounts_and_may_not_go_down(organisation, sites):
    meter = make_meter(organisation, sites[0], code="G1", kind=Meter.Kind.GAS, unit="m³", reading_kind="register")
    result = run(organisation, [meter], [
        {"meter": "G1", "timestamp": "2026-01-01", "value": "1000"},
        {"meter": "G1", "timestamp": "2026-02-01", "value": "1300"},
    ])
    assert result.ok
    committed(organisation, result)
    meter.refresh_from_db()
    assert Reading.objects.get().quantity == 300 and meter.last_register == 1300
    down = run(organisation, [meter], [{"meter": "G1", "timestamp": "2026-03-01", "value": "1200"}])
    assert [e["column"] for e in down.errors] == ["value"]


def test_overlap_with_stored_readings_is_refused_and_revert_restores_totals(organisation, sites):
    meter = make_meter(organisation, sites[0])
    first = run(organisation, [meter], [{"meter": "E1", "start": "2026-03-01", "end": "2026-04-01", "value": "100"}])
    batch = committed(organisation, first)
    again = run(organisation, [meter], [{"meter": "E1", "start": "2026-03-15", "end": "2026-04-15", "value": "100"}])
    assert "already has a reading" in again.errors[0]["message"]
    readings.revert(batch)
    assert MonthlyTotal.objects.get(meter=meter).quantity == 0
    assert not Reading.objects.exists()
