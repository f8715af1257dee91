"""The reading pipeline: checks, commit, monthly totals (the pages, API and CLI call these)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from integrum.measurement import readings, services
from integrum.measurement.models import Meter, MonthlyTotal, Reading, ReadingBatch
from integrum.measurement.tests.factories import make_meter

pytestmark = pytest.mark.django_db

UTC = dt.UTC


def run(organisation, meters, rows, **kwargs):
    return readings.check(
        organisation,
        [readings.Row(number=i + 2, **row) for i, row in enumerate(rows)],
        meters=meters,
        **kwargs,
    )


def committed(organisation, result):
    batch = ReadingBatch.objects.create(organisation=organisation, source=ReadingBatch.Source.MANUAL)
    readings.commit(batch, result)
    return batch


def test_invoice_spanning_two_months_is_apportioned_by_time(organisation, sites):
    meter = make_meter(organisation, sites[0])
    result = run(
        organisation,
        [meter],
        [
            {
                "meter": "E1",
                "start": "2026-01-16",
                "end": "2026-02-15",
                "value": "3",
                "unit": "MWh",
                "quality": "invoiced",
            }
        ],
    )
    assert result.ok, result.errors
    committed(organisation, result)
    totals = {t.month.isoformat(): t.quantity for t in MonthlyTotal.objects.filter(meter=meter)}
    assert totals == {"2026-01-01": Decimal("1600"), "2026-02-01": Decimal("1400")}
    assert sum(totals.values()) == Decimal("3000")


def test_bad_rows_are_all_reported_and_nothing_is_written(organisation, sites):
    meter = make_meter(organisation, sites[0], interval_minutes=30)
    result = run(
        organisation,
        [meter],
        [
            {"meter": "E1", "timestamp": "2026-01-01T00:00", "value": "5"},
            {"meter": "E1", "timestamp": "2026-01-01T00:00", "value": "6"},
            {"meter": "NOPE", "timestamp": "2026-01-01T00:30", "value": "5"},
            {"meter": "E1", "timestamp": "2026-01-01T01:00", "value": "5", "unit": "furlongs"},
            {"meter": "E1", "timestamp": "2026-01-01T01:30", "value": "5", "unit": "kg"},
            {"meter": "E1", "timestamp": "2026-01-01T02:00", "value": "-1"},
            {"meter": "E1", "timestamp": "yesterday", "value": "1"},
            {"meter": "E1", "timestamp": "2026-01-01T03:00", "value": "lots"},
            {"meter": "E1", "timestamp": "2026-01-01T03:30", "value": "1", "quality": "guessed"},
        ],
    )
    assert not result.ok
    assert [(e["row"], e["column"]) for e in result.errors] == [
        (4, "meter"),
        (5, "unit"),
        (6, "unit"),
        (7, "value"),
        (8, "timestamp"),
        (9, "value"),
        (10, "quality"),
        (3, "start"),
    ]
    assert result.error_count == 8 and result.total == 9
    batch = ReadingBatch.objects.create(organisation=organisation, source=ReadingBatch.Source.MANUAL)
    with pytest.raises(ValidationError):
        readings.commit(batch, result)
    assert not Reading.objects.exists() and not MonthlyTotal.objects.exists()


def test_a_period_must_end_after_it_starts_and_a_plain_meter_needs_a_period(organisation, sites):
    meter = make_meter(organisation, sites[0])
    result = run(
        organisation,
        [meter],
        [
            {"meter": "E1", "start": "2026-02-01", "end": "2026-01-01", "value": "5"},
            {"meter": "E1", "start": "2026-02-01", "end": "31/01/2026", "value": "5"},
            {"meter": "E1", "timestamp": "2026-01-01T00:00", "value": "5"},
        ],
    )
    assert [(e["row"], e["column"]) for e in result.errors] == [(2, "end"), (3, "end"), (4, "start")]


def test_values_are_converted_to_the_meters_unit_and_decimal_commas_are_read(organisation, sites):
    meter = make_meter(organisation, sites[0], code="W1", kind=Meter.Kind.WATER, unit="m³")
    result = run(
        organisation,
        [meter],
        [
            {"meter": "W1", "start": "2026-01-01", "end": "2026-01-02", "value": "1500", "unit": "litres"},
            {"meter": "W1", "start": "2026-01-02", "end": "2026-01-03", "value": "2,5"},
        ],
    )
    assert result.ok, result.errors
    assert [p.quantity for p in result.readings] == [Decimal("1.5"), Decimal("2.5")]


def test_register_reads_become_amounts_and_may_not_go_down(organisation, sites):
    meter = make_meter(
        organisation, sites[0], code="G1", kind=Meter.Kind.GAS, unit="m³", reading_kind="register"
    )
    result = run(
        organisation,
        [meter],
        [
            {"meter": "G1", "timestamp": "2026-01-01", "value": "1000"},
            {"meter": "G1", "timestamp": "2026-02-01", "value": "1300"},
        ],
    )
    assert result.ok
    assert "Opening read" in result.warnings[0]["message"]
    committed(organisation, result)
    meter.refresh_from_db()
    assert Reading.objects.get().quantity == 300 and meter.last_register == 1300
    down = run(organisation, [meter], [{"meter": "G1", "timestamp": "2026-03-01", "value": "1200"}])
    assert [e["column"] for e in down.errors] == ["value"]
    earlier = run(organisation, [meter], [{"meter": "G1", "timestamp": "2026-01-15", "value": "1400"}])
    assert [e["column"] for e in earlier.errors] == ["timestamp"]
    no_time = run(
        organisation, [meter], [{"meter": "G1", "start": "2026-03-01", "end": "2026-04-01", "value": "1"}]
    )
    assert [e["column"] for e in no_time.errors] == ["timestamp"]


def test_monthly_totals_keep_the_estimated_and_invoiced_parts(organisation, sites):
    meter = make_meter(organisation, sites[0])
    rows = [
        {"meter": "E1", "start": "2026-03-01", "end": "2026-03-11", "value": "10", "quality": "measured"},
        {"meter": "E1", "start": "2026-03-11", "end": "2026-03-21", "value": "20", "quality": "invoiced"},
        {"meter": "E1", "start": "2026-03-21", "end": "2026-04-01", "value": "40", "quality": "estimated"},
    ]
    batch = committed(organisation, run(organisation, [meter], rows))
    total = MonthlyTotal.objects.get(meter=meter)
    assert (total.quantity, total.invoiced_quantity, total.estimated_quantity) == (70, 20, 40)
    readings.revert(batch)
    assert not MonthlyTotal.objects.filter(meter=meter).exists()


def test_overlap_with_stored_readings_is_refused_and_revert_restores_totals(organisation, sites):
    meter = make_meter(organisation, sites[0])
    first = run(
        organisation,
        [meter],
        [{"meter": "E1", "start": "2026-03-01", "end": "2026-04-01", "value": "100", "quality": "estimated"}],
    )
    batch = committed(organisation, first)
    total = MonthlyTotal.objects.get(meter=meter)
    assert (total.quantity, total.estimated_quantity, total.reading_count) == (100, 100, 1)
    again = run(
        organisation, [meter], [{"meter": "E1", "start": "2026-03-15", "end": "2026-04-15", "value": "100"}]
    )
    assert "already has a reading" in again.errors[0]["message"]
    assert readings.revert(batch) == 1
    assert not MonthlyTotal.objects.exists()  # no data is not the same as zero
    assert not Reading.objects.exists()
    batch.refresh_from_db()
    assert batch.status == ReadingBatch.Status.REVERTED
    with pytest.raises(ValidationError):
        readings.revert(batch)


def test_an_inactive_meter_takes_no_readings(organisation, sites):
    meter = make_meter(organisation, sites[0])
    services.meter_deactivate(meter=meter)
    result = run(
        organisation, [meter], [{"meter": "E1", "start": "2026-03-01", "end": "2026-04-01", "value": "1"}]
    )
    assert "no longer in use" in result.errors[0]["message"]


def test_a_reading_far_from_the_usual_rate_is_flagged_but_stored(organisation, sites):
    meter = make_meter(organisation, sites[0])
    rows = [
        {"meter": "E1", "start": f"2026-01-{day:02d}", "end": f"2026-01-{day + 1:02d}", "value": "100"}
        for day in range(1, 11)
    ]
    rows.append({"meter": "E1", "start": "2026-01-11", "end": "2026-01-12", "value": "1000"})
    rows.append({"meter": "E1", "start": "2026-01-12", "end": "2026-01-13", "value": "10"})
    result = run(organisation, [meter], rows)
    assert result.ok
    assert [w["row"] for w in result.warnings] == [12, 13]
    committed(organisation, result)
    assert sorted(Reading.objects.filter(is_outlier=True).values_list("quantity", flat=True)) == [10, 1000]


def test_low_interval_readings_are_not_outliers_but_spikes_are(organisation, sites):
    meter = make_meter(organisation, sites[0], interval_minutes=15)
    start = dt.datetime(2026, 1, 1, tzinfo=UTC)
    rows = []
    for step in range(96):
        moment = start + dt.timedelta(minutes=15 * step)
        value = "0.1" if step < 28 else "2.5"  # a quiet night, then the working day
        if step == 60:
            value = "40"  # a glitch
        rows.append({"meter": "E1", "timestamp": moment.isoformat(), "value": value})
    result = run(organisation, [meter], rows)
    assert result.ok
    assert [w["row"] for w in result.warnings] == [62]


def test_progress_is_reported_as_rows_are_checked(organisation, sites, monkeypatch):
    monkeypatch.setattr(readings, "PROGRESS_EVERY", 3)
    meter = make_meter(organisation, sites[0])
    calls = []
    rows = [
        {"meter": "E1", "start": f"2026-01-{day:02d}", "end": f"2026-01-{day + 1:02d}", "value": "1"}
        for day in range(1, 8)
    ]
    run(organisation, [meter], rows, progress=lambda done, total: calls.append((done, total)), expected=7)
    assert calls == [(3, 7), (6, 7), (7, 7)]


def test_a_commit_is_refused_when_readings_were_stored_since_the_check(organisation, sites):
    meter = make_meter(organisation, sites[0])
    row = [{"meter": "E1", "start": "2026-03-01", "end": "2026-04-01", "value": "100"}]
    first, second = run(organisation, [meter], row), run(organisation, [meter], row)
    assert first.ok and second.ok
    committed(organisation, first)
    batch = ReadingBatch.objects.create(organisation=organisation, source=ReadingBatch.Source.IMPORT)
    with pytest.raises(ValidationError, match="stored meanwhile"):
        readings.commit(batch, second)
    assert Reading.objects.count() == 1 and MonthlyTotal.objects.get().quantity == 100
    batch.refresh_from_db()
    assert batch.status == ReadingBatch.Status.CHECKING


def test_a_commit_is_refused_when_the_meter_changed_since_the_check(organisation, sites):
    meter = make_meter(organisation, sites[0])
    result = run(
        organisation, [meter], [{"meter": "E1", "start": "2026-03-01", "end": "2026-04-01", "value": "1"}]
    )
    services.meter_update(meter=Meter.objects.get(pk=meter.pk), version=meter.version, unit="MWh")
    batch = ReadingBatch.objects.create(organisation=organisation, source=ReadingBatch.Source.IMPORT)
    with pytest.raises(ValidationError, match="changed since the check"):
        readings.commit(batch, result)
    assert not Reading.objects.exists()


def test_months_follow_the_time_zone(organisation, sites):
    meter = make_meter(organisation, sites[0], interval_minutes=60)
    with timezone.override("Europe/Berlin"):
        result = run(
            organisation, [meter], [{"meter": "E1", "timestamp": "2026-01-31T23:30:00+00:00", "value": "5"}]
        )
        committed(organisation, result)
    reading = Reading.objects.get()
    assert reading.start == dt.datetime(2026, 1, 31, 23, 30, tzinfo=UTC)
    assert reading.end == dt.datetime(2026, 2, 1, 0, 30, tzinfo=UTC)
    assert [t.month for t in MonthlyTotal.objects.all()] == [dt.date(2026, 2, 1)]


# --- Apportioning, as properties -------------------------------------------------------------

moments = st.datetimes(min_value=dt.datetime(2024, 1, 1), max_value=dt.datetime(2027, 12, 31)).map(
    lambda moment: moment.replace(microsecond=0, tzinfo=UTC)
)
quantities = st.decimals(
    min_value=0, max_value=Decimal("1e9"), places=6, allow_nan=False, allow_infinity=False
)
# SQLite keeps decimals as floats and Django reads them back with 15 significant digits: sums are
# exact there up to about 1e8 with six decimals (PostgreSQL is exact whatever the size).
stored_quantities = st.decimals(min_value=0, max_value=Decimal("1e7"), places=6, allow_nan=False)


@given(start=moments, length=st.integers(min_value=1, max_value=400 * 86400), quantity=quantities)
@settings(max_examples=300, deadline=None)
def test_month_shares_add_up_exactly_and_follow_time(start, length, quantity):
    end = start + dt.timedelta(seconds=length)
    shares = readings.month_shares(start, end, quantity)
    assert sum(part for _, part in shares) == quantity
    months = [month for month, _ in shares]
    assert months == sorted(set(months)) and all(month.day == 1 for month in months)
    assert months[0] == start.date().replace(day=1)
    assert all(part >= 0 for _, part in shares)
    if len(shares) > 1:
        first_boundary = dt.datetime(months[1].year, months[1].month, 1, tzinfo=UTC)
        expected = quantity * Decimal((first_boundary - start).total_seconds()) / Decimal(length)
        assert abs(shares[0][1] - expected) <= Decimal("0.000001")


@given(
    periods=st.lists(
        st.tuples(
            st.integers(min_value=1, max_value=90 * 24),
            st.integers(min_value=0, max_value=24 * 30),
            stored_quantities,
        ),
        min_size=1,
        max_size=12,
    ),
    estimated=st.lists(st.booleans(), min_size=12, max_size=12),
)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_monthly_totals_equal_the_sum_of_the_readings(organisation, sites, periods, estimated):
    meter = make_meter(organisation, sites[0], code=f"H{Meter.objects.count()}")
    cursor = dt.datetime(2025, 11, 20, 6, tzinfo=UTC)
    rows = []
    for index, (hours, gap, quantity) in enumerate(periods):
        start = cursor + dt.timedelta(hours=gap)
        end = start + dt.timedelta(hours=hours)
        quality = "estimated" if estimated[index] else "measured"
        rows.append(
            {
                "meter": meter.code,
                "start": start.isoformat(),
                "end": end.isoformat(),
                "value": str(quantity),
                "quality": quality,
            }
        )
        cursor = end
    result = run(organisation, [meter], rows)
    assert result.ok, result.errors
    committed(organisation, result)
    stored = list(Reading.objects.filter(meter=meter))
    totals = list(MonthlyTotal.objects.filter(meter=meter))
    assert sum(t.quantity for t in totals) == sum(r.quantity for r in stored)
    assert sum(t.estimated_quantity for t in totals) == sum(
        r.quantity for r in stored if r.quality == "estimated"
    )
    expected: dict[dt.date, Decimal] = {}
    for reading in stored:
        for month, part in readings.month_shares(reading.start, reading.end, reading.quantity):
            expected[month] = expected.get(month, Decimal(0)) + part
    assert {t.month: t.quantity for t in totals} == expected


def test_taking_one_batch_out_leaves_the_others_in_the_totals(organisation, sites):
    meter = make_meter(organisation, sites[0])
    first = committed(
        organisation,
        run(
            organisation,
            [meter],
            [{"meter": "E1", "start": "2026-03-01", "end": "2026-03-11", "value": "10"}],
        ),
    )
    committed(
        organisation,
        run(
            organisation,
            [meter],
            [
                {
                    "meter": "E1",
                    "start": "2026-03-11",
                    "end": "2026-04-11",
                    "value": "31",
                    "quality": "estimated",
                }
            ],
        ),
    )
    readings.revert(first)
    totals = {
        t.month: (t.quantity, t.estimated_quantity, t.reading_count) for t in MonthlyTotal.objects.all()
    }
    assert totals == {
        dt.date(2026, 3, 1): (Decimal(21), Decimal(21), 1),
        dt.date(2026, 4, 1): (Decimal(10), Decimal(10), 1),
    }
