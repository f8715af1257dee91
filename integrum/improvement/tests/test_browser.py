"""In the system's Chromium: from an audit finding's "Raise nonconformity" button, through the
analysis, a corrective action done in the tracker and the effectiveness check, to closure."""

from __future__ import annotations

import pytest

from integrum.actions.models import Action
from integrum.conftest import PASSWORD, add_member, make_user
from integrum.core.models import Organisation, Role
from integrum.improvement.models import Nonconformity
from integrum.improvement.tests.builders import make_finding

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_finding_becomes_a_closed_nonconformity(live_server, page, standards):
    organisation = Organisation.objects.create(name="Northwind Components", slug="northwind")
    user = make_user("david@northwind.test", "David", "Quality")
    add_member(organisation, user, Role.MANAGER)
    finding = make_finding(organisation, grade="major")
    base = live_server.url

    page.goto(f"{base}/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Sign out").wait_for()

    page.goto(f"{base}{finding.get_absolute_url()}")
    page.get_by_role("link", name="Raise nonconformity").click()
    page.get_by_role("button", name="Save").click()
    assert "raised" in page.locator(".messages").inner_text()
    nc = Nonconformity.objects.get()
    assert (nc.finding_id, nc.severity, nc.status) == (finding.pk, "major", "open")

    page.locator("#id_text").fill("No time left for the final check on night shift")
    page.get_by_role("button", name="Add cause").click()
    page.get_by_label("Root cause", exact=True).fill("CMM capacity too small for the night shift's output")
    page.get_by_label("Category", exact=True).select_option("machine")
    page.get_by_label("Similar nonconformities").select_option("none")
    page.get_by_role("button", name="Save the analysis").click()
    page.get_by_label("Corrective action").fill("Run a second CMM shift")
    page.get_by_role("button", name="Add action").click()
    page.get_by_role("button", name="Start corrective action").click()
    assert "Corrective action" in page.locator(".page-header").inner_text()

    reference = Action.objects.get().reference
    page.get_by_role("link", name=reference).click()
    page.get_by_label("What was done").fill("Second shift running since Monday; CMM reports attached.")
    page.get_by_role("button", name="Mark done").click()
    page.goto(f"{base}{nc.get_absolute_url()}")
    page.get_by_role("button", name="Request effectiveness check").click()
    assert "Effectiveness check" in page.locator(".page-header").inner_text()

    page.get_by_label("Effective", exact=True).check()
    page.get_by_label("What was checked").fill("No batch released without a CMM report in six weeks.")
    page.get_by_role("button", name="Record effectiveness").click()
    assert "Closed" in page.locator(".page-header").inner_text()
    assert "Effectiveness check → Closed" in page.locator("#status-history").inner_text()
    assert Nonconformity.objects.get().status == "closed"
