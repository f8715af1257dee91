"""Document control as people use it, in the system's Chromium: upload, sign, acknowledge."""

from __future__ import annotations

from typing import Any

import pytest

from integrum.conftest import PASSWORD, add_member, make_user
from integrum.core.models import Organisation, Role, User
from integrum.documents.models import Acknowledgement, ApprovalStep, Document, DocumentRevision
from integrum.documents.tests.factories import pdf_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page: Any, base: str, user: User) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Sign out").wait_for()


def sign_out(page: Any) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.get_by_label("Email").wait_for()


def test_a_procedure_is_uploaded_approved_with_a_signature_and_acknowledged(live_server, page, tmp_path):
    organisation = Organisation.objects.create(name="Northwind Components", slug="northwind")
    author = make_user("carl@northwind.test", "Carl", "Author")
    approver = make_user("mia@northwind.test", "Mia", "Approver")
    reader = make_user("vera@northwind.test", "Vera", "Reader")
    add_member(organisation, author, Role.CONTRIBUTOR)
    add_member(organisation, approver, Role.MANAGER)
    add_member(organisation, reader, Role.VIEWER)
    pdf = tmp_path / "spill-response.pdf"
    pdf.write_bytes(pdf_bytes("Spill response: stop, contain, report."))
    base = live_server.url

    # The author registers the procedure and uploads its first revision.
    sign_in(page, base, author)
    page.get_by_role("link", name="Documents").first.click()
    page.get_by_role("link", name="New document").first.click()
    page.get_by_label("Type").select_option("procedure")
    page.get_by_label("Title").fill("Spill response")
    page.get_by_role("checkbox", name="Vera Reader").check()
    page.get_by_role("button", name="Create document").click()
    assert "PRO-001 created" in page.locator(".messages").inner_text()
    page.get_by_role("link", name="New revision").first.click()
    page.get_by_label("What changed and why").fill("First issue.")
    page.get_by_label("Upload a file").set_input_files(str(pdf))
    page.get_by_role("button", name="Save draft").click()
    assert "Revision 1 saved as a draft" in page.locator(".messages").inner_text()

    # … and sends it to the manager for approval.
    page.get_by_role("link", name="Send for approval").click()
    page.get_by_label("Step 1: person").select_option(label="Mia Approver")
    page.get_by_role("button", name="Send for approval").click()
    assert "sent for review and approval" in page.locator(".messages").inner_text()
    revision = DocumentRevision.objects.get()
    assert revision.status == DocumentRevision.Status.IN_REVIEW
    sign_out(page)

    # The manager signs with her password on the revision page.
    sign_in(page, base, approver)
    page.get_by_role("link", name="Documents").first.click()
    page.get_by_role("link", name="Spill response").click()
    page.get_by_role("link", name="Revision 1 in progress").click()
    assert "By entering my password I sign this revision as Approved" in page.locator("main").inner_text()
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Sign as approved").click()
    assert "now effective" in page.locator(".messages").inner_text()
    page.get_by_role("link", name="PRO-001").click()
    assert "Effective" in page.locator(".page-header").inner_text()
    step = ApprovalStep.objects.get()
    assert (step.signed_by, step.meaning) == (approver, "Approved")
    sign_out(page)

    # The reader it is distributed to confirms she has read it.
    sign_in(page, base, reader)
    page.get_by_role("link", name="Documents").first.click()
    page.get_by_role("link", name="Spill response").click()
    page.get_by_role("button", name="I have read it").click()
    assert "you have read PRO-001" in page.locator(".messages").inner_text()
    readers = page.locator("#acknowledgements").inner_text()
    assert "1 of 1 have confirmed" in readers and "Vera Reader" in readers
    assert page.get_by_role("button", name="I have read it").count() == 0
    assert Acknowledgement.objects.get().user == reader
    assert Document.objects.get().status == Document.Status.EFFECTIVE
