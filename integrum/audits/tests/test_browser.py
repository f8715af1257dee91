"""On a phone-sized screen in the system's Chromium: answer a checklist item with an evidence photo."""

from __future__ import annotations

import pytest

from integrum.audits.models import ChecklistItem
from integrum.audits.tests.factories import make_audit, started
from integrum.audits.tests.test_services import PNG
from integrum.conftest import PASSWORD, add_member, make_user
from integrum.core.models import Attachment, Organisation, Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def phone(chromium):
    context = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def test_answer_a_checklist_item_on_a_phone(live_server, phone, standards, tmp_path):
    organisation = Organisation.objects.create(name="Northwind Components", slug="northwind")
    user = make_user("priya@northwind.test", "Priya", "Auditor")
    add_member(organisation, user, Role.CONTRIBUTOR)
    audit = started(make_audit(organisation, lead=user), user)
    item = audit.checklist.order_by("position").first()
    photo = tmp_path / "bench.png"
    photo.write_bytes(PNG)
    base = live_server.url

    phone.goto(f"{base}/login/")
    phone.get_by_label("Email").fill(user.email)
    phone.get_by_label("Password").fill(PASSWORD)
    phone.get_by_role("button", name="Sign in").click()
    phone.wait_for_url(lambda address: "/login/" not in address)

    phone.goto(f"{base}/audits/{audit.pk}/checklist/")
    card = phone.locator(f"#item-{item.pk}")
    choice = card.get_by_label("Nonconforming")
    box = card.locator("label", has_text="Nonconforming").bounding_box()
    assert box is not None and box["height"] >= 44  # a finger-sized target
    choice.check()
    card.get_by_label("Notes").fill("No approval record for Dalton Castings.")
    card.get_by_label("Evidence photo or file").set_input_files(str(photo))
    card.get_by_role("button", name=f"Save #{item.position}").click()
    phone.locator(f"#item-{item.pk} .message--success").wait_for()

    saved = ChecklistItem.objects.get(pk=item.pk)
    assert saved.answer == "nonconforming" and saved.notes.startswith("No approval")
    assert Attachment.objects.filter(object_id=str(item.pk)).get().original_name == "bench.png"
    card = phone.locator(f"#item-{item.pk}")
    assert "bench.png" in card.inner_text()
    assert card.get_by_role("link", name="Record a finding").is_visible()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 1, f"the checklist scrolls sideways on a phone ({width}px)"
