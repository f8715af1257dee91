"""In the system's Chromium: a batch's page follows the background work (htmx polling, no
script of ours) and shows the outcome by itself when the work is done."""

from __future__ import annotations

import pytest

from integrum.conftest import PASSWORD, add_member, make_user
from integrum.core.models import Organisation, Role
from integrum.measurement.models import ReadingBatch

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_batch_page_follows_the_work_and_shows_the_outcome(live_server, page):
    organisation = Organisation.objects.create(name="Northwind Components", slug="northwind")
    user = make_user("carl@northwind.test", "Carl", "Contributor")
    add_member(organisation, user, Role.CONTRIBUTOR)
    batch = ReadingBatch.objects.create(
        organisation=organisation,
        source=ReadingBatch.Source.IMPORT,
        status=ReadingBatch.Status.CHECKING,
        file_name="halfhourly.csv",
        total_rows=1_000_000,
        processed_rows=0,
        created_by=user,
    )
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Sign out").wait_for()

    page.goto(f"{live_server.url}{batch.get_absolute_url()}")
    assert "Waiting for the worker" in page.locator("#batch-progress").inner_text()
    ReadingBatch.objects.filter(pk=batch.pk).update(processed_rows=340_000)
    page.get_by_text("340,000 of 1,000,000 rows checked").wait_for()
    ReadingBatch.objects.filter(pk=batch.pk).update(
        status=ReadingBatch.Status.CHECKED,
        processed_rows=1_000_000,
        message="1000000 readings checked. Nothing is stored until you commit them.",
    )
    page.get_by_role("button", name="Commit 1,000,000 rows").wait_for()
    assert "Nothing is stored until you commit them" in page.locator("#batch-progress").inner_text()
