"""What "my work" shows a KPI or objective owner: values to enter and objectives at risk."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from integrum.performance.models import Kpi, KpiValue
from integrum.performance.selectors import kpi_values_due_for, objectives_at_risk_for
from integrum.performance.tests.builders import make_kpi, make_objective, month

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("standards")]

D = Decimal


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(dt.datetime(2025, 7, 20, 12, tzinfo=dt.UTC), tick=False):
        yield


def test_values_of_the_last_closed_period_are_due_to_the_owner(organisation, contributor, manager):
    monthly = make_kpi(organisation, owner=contributor)
    quarterly = make_kpi(organisation, name="Audits", frequency=Kpi.Frequency.QUARTERLY, owner=contributor)
    entered = make_kpi(organisation, name="Entered", owner=contributor)
    KpiValue.objects.create(organisation=organisation, kpi=entered, period=month(2025, 6), value=D(1))
    make_kpi(organisation, name="Someone else's", owner=manager)
    make_kpi(organisation, name="Inactive", owner=contributor, is_active=False)
    make_kpi(
        organisation,
        name="Computed",
        owner=contributor,
        unit="kWh",
        source="meters",
        meter_kind="electricity",
    )
    due = kpi_values_due_for(contributor, organisation)
    assert [(item.kpi, item.label) for item in due] == [(monthly, "Jun 2025"), (quarterly, "Q2 2025")]
    assert due[0].due == dt.date(2025, 7, 15) and due[0].is_overdue


def test_objectives_at_risk_show_to_their_owner_on_my_work(as_contributor, organisation, contributor):
    kpi = make_kpi(organisation, owner=contributor, target=D(20))
    KpiValue.objects.create(organisation=organisation, kpi=kpi, period=month(2025, 6), value=D(39))
    worrying = make_objective(organisation, kpi=kpi, owner=contributor, baseline_value=D(40))
    make_objective(organisation, title="Not measured", owner=contributor)
    make_kpi(organisation, name="Spills", owner=contributor)  # no value for June yet
    assert [objective for objective, _ in objectives_at_risk_for(contributor, organisation)] == [worrying]
    html = as_contributor.get(reverse("reports:my_work")).content.decode()
    assert worrying.reference in html and "At risk" in html and "KPI value to enter" in html
