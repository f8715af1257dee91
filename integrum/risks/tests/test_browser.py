"""The register as people use it, in the system's Chromium: find a risk through its heat-map cell."""

from __future__ import annotations

from typing import Any

import pytest

from integrum.conftest import PASSWORD, add_member, make_user
from integrum.core.models import Organisation, Role
from integrum.risks.tests.factories import make_risk

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_risk_is_found_through_its_heat_map_cell(live_server: Any, page: Any) -> None:
    from integrum.standards.loader import load_library

    load_library()
    organisation = Organisation.objects.create(name="Northwind Components", slug="northwind")
    owner = make_user("mia@northwind.test", "Mia", "Owner")
    add_member(organisation, owner, Role.MANAGER)
    target = make_risk(
        organisation,
        owner,
        title="Sole supplier of castings fails",
        inherent_likelihood=4,
        inherent_consequence=5,
    )
    make_risk(
        organisation,
        owner,
        title="Late calibration certificate",
        inherent_likelihood=2,
        inherent_consequence=2,
    )

    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email").fill(owner.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Sign out").wait_for()

    page.get_by_role("link", name="Risks & opportunities").first.click()
    rows = page.locator("table.table tbody tr")
    assert rows.count() == 2
    cell = page.locator('[data-cell="inherent-4-5"]')
    assert "1 risk" in cell.get_attribute("aria-label")
    cell.click()
    page.wait_for_url("**/risks/?inherent_likelihood=4&inherent_consequence=5")
    assert rows.count() == 1
    assert "Sole supplier of castings fails" in rows.first.inner_text()
    assert "inherent cell likelihood 4 × consequence 5" in page.locator("main").inner_text()
    rows.first.get_by_role("link", name=target.reference).click()
    assert page.get_by_role("heading", level=1).inner_text() == target.title
