"""In the system's Chromium: enter a KPI value, see it in the trend and the objective's status."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from integrum.conftest import PASSWORD, add_member, make_user
from integrum.core.models import Organisation, Role
from integrum.performance.models import KpiValue
from integrum.performance.periods import add_periods, period_key, period_label, period_start
from integrum.performance.tests.builders import make_kpi, make_objective

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_value_entered_on_the_kpi_page_moves_the_objective(live_server, page, standards):
    organisation = Organisation.objects.create(name="Northwind Components", slug="northwind")
    user = make_user("carl@northwind.test", "Carl", "Quality")
    add_member(organisation, user, Role.CONTRIBUTOR)
    today = dt.date.today()
    kpi = make_kpi(organisation, owner=user, target=Decimal(20), warning_threshold=Decimal(45))
    objective = make_objective(
        organisation,
        kpi=kpi,
        owner=user,
        baseline_value=Decimal(40),
        start_date=today - dt.timedelta(days=60),
        due_date=today + dt.timedelta(days=300),
    )
    last_month = add_periods(period_start(today, "monthly"), "monthly", -1)
    base = live_server.url

    page.goto(f"{base}/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Sign out").wait_for()

    page.get_by_role("link", name="KPIs").first.click()
    page.get_by_role("link", name=kpi.name).click()
    page.get_by_role("textbox", name="Period", exact=True).fill(period_key(last_month, "monthly"))
    page.get_by_label("Value (complaints)").fill("19")
    page.get_by_role("button", name="Record the value").click()
    assert "Recorded" in page.locator(".messages").inner_text()
    assert KpiValue.objects.get().value == 19
    assert f"{period_label(last_month, 'monthly')}: 19 complaints" in page.locator("svg.chart").inner_html()

    page.goto(f"{base}{objective.get_absolute_url()}")
    assert "Achieved" in page.locator(".page-header").inner_text()
