from __future__ import annotations

import datetime
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from integrum.actions.models import Action
from integrum.actions.tests.factories import make_action
from integrum.core.models import ObjectChange

pytestmark = pytest.mark.django_db


@pytest.fixture
def action(organisation, manager):
    return make_action(organisation, manager, owner=manager)


def test_it_lists_actions_for_every_member(as_viewer, action):
    response = as_viewer.get(reverse("actions:action_list"))
    assert response.status_code == 200
    assert action.reference in response.content.decode()


def test_it_hides_actions_from_outsiders(as_outsider, action):
    assert action.reference not in as_outsider.get(reverse("actions:action_list")).content.decode()
    assert as_outsider.get(reverse("actions:action_detail", args=[action.pk])).status_code == 404
    assert (
        as_outsider.post(reverse("actions:action_update", args=[action.pk]), {"title": "x"}).status_code
        == 404
    )
    assert (
        as_outsider.post(
            reverse("actions:action_transition", args=[action.pk]), {"to": "cancelled"}
        ).status_code
        == 404
    )
    assert Action.objects.get(pk=action.pk).status == Action.Status.OPEN


def test_it_sends_anonymous_visitors_to_login(client, action):
    response = client.get(reverse("actions:action_list"))
    assert response.status_code == 302 and response.url.startswith("/login/")


def test_it_refuses_writes_to_viewers(as_viewer, action, organisation):
    assert as_viewer.get(reverse("actions:action_create")).status_code == 403
    response = as_viewer.post(
        reverse("actions:action_create"), {"title": "New", "priority": "low", "version": 1}
    )
    assert response.status_code == 403
    assert (
        as_viewer.post(
            reverse("actions:action_transition", args=[action.pk]), {"to": "cancelled"}
        ).status_code
        == 403
    )
    assert Action.objects.count() == 1


def test_it_creates_an_action_from_the_form(as_contributor, contributor, organisation, sites):
    response = as_contributor.post(
        reverse("actions:action_create"),
        {
            "title": "Replace the bund liner",
            "owner": contributor.pk,
            "site": sites[0].pk,
            "priority": "high",
            "due_date": "2030-03-01",
            "version": 1,
        },
    )
    action = Action.objects.get()
    assert response.status_code == 302 and response.url == action.get_absolute_url()
    assert (action.reference, action.owner, action.created_by) == ("ACT-0001", contributor, contributor)
    assert ObjectChange.objects.for_object(action).get().actor_id == contributor.pk


def test_it_shows_form_errors_and_saves_nothing(as_contributor, outsider):
    response = as_contributor.post(
        reverse("actions:action_create"),
        {"title": "", "owner": outsider.pk, "priority": "urgent", "version": 1},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "This field is required." in body and "Select a valid choice" in body
    assert not Action.objects.exists()


def test_it_refuses_a_stale_edit_with_a_message(as_contributor, action):
    url = reverse("actions:action_update", args=[action.pk])
    fresh = {"title": "First edit", "priority": "low", "version": action.version}
    assert as_contributor.post(url, fresh).status_code == 302
    response = as_contributor.post(url, {**fresh, "title": "Second edit on the old version"})
    assert response.status_code == 400
    assert "changed by someone else" in response.content.decode()
    assert Action.objects.get(pk=action.pk).title == "First edit"


def test_it_moves_an_action_through_its_workflow(as_contributor, action):
    url = reverse("actions:action_transition", args=[action.pk])
    as_contributor.post(url, {"to": "done"})
    assert Action.objects.get(pk=action.pk).status == Action.Status.OPEN  # no outcome given
    as_contributor.post(url, {"to": "done", "outcome": "Done and filed."})
    assert Action.objects.get(pk=action.pk).status == Action.Status.DONE
    response = as_contributor.post(url, {"to": "in_progress"}, follow=True)
    assert "cannot become in progress" in response.content.decode()
    assert Action.objects.get(pk=action.pk).status == Action.Status.DONE


def test_it_highlights_overdue_actions(as_viewer, action):
    Action.objects.filter(pk=action.pk).update(due_date=datetime.date.today() - datetime.timedelta(days=1))
    response = as_viewer.get(reverse("actions:action_list") + "?overdue=true")
    body = response.content.decode()
    assert action.reference in body and 'class="is-overdue"' in body


def test_it_reassigns_selected_actions_for_managers_only(
    as_manager, as_contributor, organisation, manager, contributor
):
    actions = [make_action(organisation, manager, owner=manager) for _ in range(3)]
    data = {"owner": contributor.pk, "actions": [a.pk for a in actions[:2]]}
    assert as_contributor.post(reverse("actions:action_reassign"), data).status_code == 403
    as_manager.post(reverse("actions:action_reassign"), data)
    owners = dict(Action.objects.values_list("pk", "owner"))
    assert [owners[a.pk] for a in actions] == [contributor.pk, contributor.pk, manager.pk]


def test_it_reassigns_nothing_with_a_foreign_action(
    as_manager, organisation, other_organisation, manager, contributor
):
    ours = make_action(organisation, manager, owner=manager)
    theirs = make_action(other_organisation, None)
    as_manager.post(
        reverse("actions:action_reassign"), {"owner": contributor.pk, "actions": [ours.pk, theirs.pk]}
    )
    assert Action.objects.get(pk=ours.pk).owner == manager


def test_it_exports_the_filtered_list(as_viewer, organisation, manager):
    make_action(organisation, manager, title="Keep", priority="high")
    make_action(organisation, manager, title="Drop", priority="low")
    response = as_viewer.get(reverse("actions:action_list") + "?priority=high&export=xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.values)
    assert rows[0][:2] == ("Reference", "Title") and [r[1] for r in rows[1:]] == ["Keep"]


def test_it_rejects_an_invalid_filter_value(as_viewer, action):
    response = as_viewer.get(reverse("actions:action_list") + "?status=bogus")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Select a valid choice" in body
    assert action.title not in body


def test_it_lists_in_a_constant_number_of_queries(as_viewer, organisation, manager, sites, count_queries):
    def page_queries(rows: int) -> int:
        for i in range(rows):
            make_action(organisation, manager, owner=manager, site=sites[i % 2])
        return count_queries(lambda: as_viewer.get(reverse("actions:action_list")))

    assert page_queries(2) == page_queries(40) <= 12
