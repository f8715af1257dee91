from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from integrum.actions.tests.factories import make_action
from integrum.assessments.services import assessment_create, assessment_item_update
from integrum.standards.models import Standard

pytestmark = pytest.mark.django_db


def test_my_work_lists_what_is_mine_overdue_first(
    as_contributor, organisation, contributor, manager, standards
):
    today = datetime.date.today()
    later = make_action(
        organisation, manager, owner=contributor, title="Later", due_date=today + datetime.timedelta(9)
    )
    late = make_action(
        organisation, manager, owner=contributor, title="Late", due_date=today - datetime.timedelta(9)
    )
    make_action(organisation, manager, owner=manager, title="Someone else's")
    assessment = assessment_create(
        organisation=organisation, title="Gaps", standards=list(Standard.objects.all())
    )
    item = assessment.items.get(clauses__standard__code="ISO 9001", clauses__number="7.2")
    assessment_item_update(item=item, version=1, status="not_met", owner=contributor, target_date=today)
    body = as_contributor.get(reverse("reports:my_work")).content.decode()
    assert body.index(late.title) < body.index(later.title)
    assert "Someone else" not in body and "Clause 7.2" in body


def test_home_shows_headline_figures(as_viewer, organisation, manager, standards):
    make_action(organisation, manager, due_date=datetime.date(2000, 1, 1))
    assessment_create(organisation=organisation, title="Gaps", standards=list(Standard.objects.all()))
    response = as_viewer.get(reverse("reports:home"))
    headlines = response.context["headlines"]
    assert (headlines.open_actions, headlines.overdue_actions) == (1, 1)
    assert [r.standard.code for r in headlines.readiness] == ["ISO 9001", "ISO 14001"]


def test_home_costs_a_constant_number_of_queries(as_viewer, organisation, manager, viewer, count_queries):
    first = count_queries(lambda: as_viewer.get(reverse("reports:home")))
    for _ in range(10):
        make_action(organisation, manager, owner=viewer)
    assert count_queries(lambda: as_viewer.get(reverse("reports:home"))) == first


def test_outsiders_see_none_of_our_work(as_outsider, organisation, manager, outsider):
    make_action(organisation, manager, owner=manager, title="Our secret action")
    assert "Our secret action" not in as_outsider.get(reverse("reports:my_work")).content.decode()
    assert as_outsider.get(reverse("reports:home")).context["headlines"].open_actions == 0


def test_search_jumps_to_a_reference_and_lists_matches(as_viewer, organisation, manager, standards):
    action = make_action(organisation, manager, title="Bund inspection at the tank farm")
    response = as_viewer.get(reverse("reports:search") + "?q=" + action.reference.lower())
    assert response.status_code == 302 and response.url == action.get_absolute_url()
    body = as_viewer.get(reverse("reports:search") + "?q=bund").content.decode()
    assert action.title in body
    assert "ISO 14001:2015/8.2" in as_viewer.get(reverse("reports:search") + "?q=emergency").content.decode()


def test_search_finds_nothing_of_another_organisation(as_outsider, organisation, manager):
    action = make_action(organisation, manager, title="Confidential supplier issue")
    response = as_outsider.get(reverse("reports:search") + "?q=" + action.reference)
    assert response.status_code == 200
    assert (
        "Confidential" not in as_outsider.get(reverse("reports:search") + "?q=confidential").content.decode()
    )


def test_search_finds_words_inside_documents(as_viewer, organisation, manager):
    from integrum.conftest import PASSWORD
    from integrum.documents.tests.factories import make_document, make_effective

    document = make_document(organisation, manager, title="Bund inspection")
    make_effective(document, manager, manager, PASSWORD, body="Check the interceptor after heavy rain.")
    body = as_viewer.get(reverse("reports:search") + "?q=interceptor").content.decode()
    assert "Bund inspection" in body and "<mark>interceptor</mark>" in body
