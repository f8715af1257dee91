"""In the system's Chromium: score an aspect above the threshold, see it become significant and
find it on the significant aspects page."""

from __future__ import annotations

import pytest

from integrum.conftest import PASSWORD, add_member, make_user
from integrum.core.models import Organisation, Role
from integrum.environment.models import Aspect
from integrum.environment.tests.factories import make_aspect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_aspect_scored_above_the_threshold_becomes_significant(live_server, page):
    organisation = Organisation.objects.create(name="Northwind Components", slug="northwind")
    user = make_user("carl@northwind.test", "Carl", "Assessor")
    add_member(organisation, user, Role.CONTRIBUTOR)
    aspect = make_aspect(
        organisation, activity="Degreasing line", aspect="Solvent vapour", impact="Air pollution"
    )
    base = live_server.url

    page.goto(f"{base}/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Sign out").wait_for()

    page.get_by_role("link", name="Aspects & impacts").first.click()
    page.get_by_role("link", name="Solvent vapour").click()
    assert "Not scored" in page.locator(".page-header").inner_text()
    for label, value in (
        ("Severity of the impact", "4"),
        ("Probability or frequency", "3"),
        ("Scale and extent", "2"),
        ("Legal exposure", "2"),
        ("Concern of interested parties", "2"),
    ):
        page.get_by_label(label).fill(value)
    page.get_by_role("button", name="Save the score").click()
    assert "scored 13: significant" in page.locator(".messages").inner_text()
    assert "Significant" in page.locator("#significance").inner_text()
    assert Aspect.objects.get(pk=aspect.pk).significant

    page.get_by_role("link", name="Aspects & impacts").first.click()
    page.get_by_role("link", name="Significant aspects").first.click()
    assert "Solvent vapour" in page.locator("main").inner_text()
    assert aspect.reference in page.locator("table").inner_text()
