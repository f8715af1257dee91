"""An objective's status from its KPI: achieved, missed, at risk, on track or no data, on a fixed today."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from integrum.performance import services
from integrum.performance.models import Kpi, KpiValue, Objective
from integrum.performance.selectors import objective_progress, objectives_progress
from integrum.performance.tests.builders import make_kpi, make_objective, month

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("standards")]

D = Decimal
S = Objective.Status


def at(year, number, day):
    return time_machine.travel(dt.datetime(year, number, day, 12, tzinfo=dt.UTC), tick=False)


def record(kpi, period, value):
    KpiValue.objects.create(organisation_id=kpi.organisation_id, kpi=kpi, period=period, value=D(value))


@pytest.fixture
def kpi(organisation):
    return make_kpi(organisation, target=D(20), warning_threshold=D(45))


@pytest.fixture
def objective(organisation, kpi):
    # Lower is better: from 40 complaints a month down to 20 during 2025.
    return make_objective(organisation, kpi=kpi, baseline_value=D(40), target_value=D(20))


def status(objective):
    return objective_progress(Objective.objects.get(pk=objective.pk))


def test_without_kpi_target_or_value_there_is_no_data(organisation, kpi, objective):
    with at(2025, 7, 1):
        assert status(make_objective(organisation)).status == S.NO_DATA
        untargeted = make_objective(organisation, kpi=make_kpi(organisation, name="No target"))
        assert "has a target" in status(untargeted).reason
        progress = status(objective)
        assert (progress.status, progress.target, progress.baseline) == (S.NO_DATA, D(20), D(40))


def test_on_track_when_progress_keeps_up_with_time(kpi, objective):
    record(kpi, month(2025, 6), 30)
    with at(2025, 7, 2):
        progress = status(objective)
    assert progress.status == S.ON_TRACK
    assert progress.percent == D(50) and 49 < progress.expected < 51 and progress.bar == 50
    assert progress.latest.label == "Jun 2025"


def test_at_risk_more_than_ten_points_behind_time(kpi, objective):
    record(kpi, month(2025, 6), 35)
    with at(2025, 7, 2):
        progress = status(objective)
    assert progress.status == S.AT_RISK and "25 % of the way" in progress.reason


def test_at_risk_beyond_the_kpis_warning_threshold(organisation, kpi):
    unmeasured = make_objective(organisation, kpi=kpi)  # no baseline anywhere: no trajectory to compare
    record(kpi, month(2025, 3), 46)
    with at(2025, 4, 2):
        progress = status(unmeasured)
    assert progress.percent is None
    assert progress.status == S.AT_RISK and "warning threshold" in progress.reason


def test_achieved_as_soon_as_the_latest_value_meets_the_target(kpi, objective):
    record(kpi, month(2025, 2), 19)
    with at(2025, 3, 5):
        assert status(objective).status == S.ACHIEVED
    record(kpi, month(2025, 3), 20)
    with at(2026, 2, 1):
        assert status(objective).status == S.ACHIEVED


def test_missed_once_past_due_without_reaching_the_target(kpi, objective):
    record(kpi, month(2025, 12), 25)
    with at(2025, 12, 31):
        assert status(objective).status == S.AT_RISK  # 75 % of the way on the last day, not missed yet
    with at(2026, 1, 1):
        progress = status(objective)
    assert progress.status == S.MISSED and "did not reach" in progress.reason


def test_values_after_the_due_date_do_not_count(organisation, kpi):
    short = make_objective(
        organisation, kpi=kpi, baseline_value=D(40), target_value=D(20), due_date=dt.date(2025, 6, 30)
    )
    record(kpi, month(2025, 6), 25)
    record(kpi, month(2025, 7), 10)
    with at(2025, 8, 10):
        progress = status(short)
    assert progress.status == S.MISSED and progress.latest.value == 25


def test_higher_is_better_and_the_kpis_own_target_and_baseline(organisation):
    on_time = make_kpi(
        organisation,
        name="On time",
        unit="%",
        direction=Kpi.Direction.HIGHER,
        target=D(95),
        baseline_value=D(80),
    )
    objective = make_objective(organisation, kpi=on_time)
    record(on_time, month(2025, 4), 86)
    with at(2025, 5, 1):
        progress = status(objective)
        assert (progress.baseline, progress.target, progress.percent) == (D(80), D(95), D(40))
        assert progress.status == S.ON_TRACK
    record(on_time, month(2025, 5), 96)
    with at(2025, 6, 1):
        assert status(objective).status == S.ACHIEVED


def test_a_cancelled_objective_says_so(kpi, objective):
    services.objective_cancel(objective=objective, reason="Merged into OBJ-0009.")
    with at(2025, 7, 1):
        assert status(objective).status == S.CANCELLED


def test_many_objectives_cost_the_same_queries_as_two(organisation):
    def build(count):
        built = []
        for i in range(count):
            kpi = make_kpi(organisation, name=f"K{i}", target=D(10))
            record(kpi, month(2025, 1), 5)
            built.append(make_objective(organisation, kpi=kpi, title=f"O{i}"))
        built.append(make_objective(organisation, title="No KPI"))
        return [Objective.objects.get(pk=o.pk) for o in built]

    with at(2025, 3, 1):
        few, many = build(2), build(8)

        def cost(objectives):
            with CaptureQueriesContext(connection) as captured:
                result = objectives_progress(objectives)
            assert {p.status for p in result.values()} == {S.ACHIEVED, S.NO_DATA}
            return len(captured.captured_queries)

        assert cost(few) == cost(many)
