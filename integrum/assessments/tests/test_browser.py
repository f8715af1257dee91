"""The gap analysis as a person uses it, in the system's Chromium."""

from __future__ import annotations

import pytest

from integrum.assessments.services import assessment_create
from integrum.conftest import PASSWORD, add_member, make_user
from integrum.core.models import Organisation, Role
from integrum.standards.loader import load_library
from integrum.standards.models import Standard

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_changes_a_clause_status_and_sees_readiness_change(live_server, page):
    load_library()
    organisation = Organisation.objects.create(name="Northwind Components", slug="northwind")
    user = make_user("quality@northwind.test", "Quinn", "Quality")
    add_member(organisation, user, Role.MANAGER)
    assessment = assessment_create(
        organisation=organisation, title="Readiness review", standards=list(Standard.objects.all())
    )

    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Gap analysis").first.click()
    page.get_by_role("link", name="Readiness review").click()
    readiness = page.get_by_test_id("readiness-iso-9001")
    assert readiness.inner_text() == "0.0 %"

    page.locator('tr[data-clause="4.1"] a').first.click()
    page.get_by_label("Status").select_option("met")
    page.get_by_label("Notes").fill("Context analysis reviewed at the March management meeting.")
    page.get_by_role("button", name="Save", exact=True).click()
    assert "Saved clause 4.1" in page.locator(".messages").inner_text()

    page.get_by_role("link", name="Readiness review").click()
    assert readiness.inner_text() != "0.0 %"
    assert (
        page.get_by_test_id("readiness-iso-14001").inner_text() != "0.0 %"
    )  # a shared clause counts for both
    assert assessment.items.get(clauses__number="4.1", clauses__standard__code="ISO 9001").status == "met"
