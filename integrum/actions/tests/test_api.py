"""The `actions/` endpoint: the same rules, numbering and change log as the pages."""

from __future__ import annotations

import datetime

import pytest

from integrum.actions.models import Action
from integrum.actions.tests.factories import make_action
from integrum.conftest import add_member, make_user
from integrum.core.models import Membership, ObjectChange, Role, Site
from integrum.core.tests.test_api import api_client, changes_of, error_of

pytestmark = pytest.mark.django_db

API = "/api/v1/actions"


def snapshot() -> tuple[list[tuple[int, str, str, int | None, int]], int]:
    """Every action's id, title, status, owner and version, and the size of the change log."""
    rows = list(Action.objects.order_by("pk").values_list("pk", "title", "status", "owner_id", "version"))
    return rows, ObjectChange.objects.count()


def test_it_lists_actions_to_a_viewer(viewer, organisation):
    make_action(organisation, title="First")
    make_action(organisation, title="Second")
    body = api_client(viewer).get(f"{API}/").json()
    assert [a["reference"] for a in body["results"]] == ["ACT-0002", "ACT-0001"]
    assert body["results"][1]["allowed_transitions"] == ["in_progress", "done", "cancelled"]


def test_it_hides_actions_from_an_outsider(outsider, organisation):
    action = make_action(organisation)
    client = api_client(outsider)
    before = snapshot()
    assert client.get(f"{API}/").json()["results"] == []
    assert error_of(client.get(f"{API}/{action.pk}/"), 404)["code"] == "not_found"
    error_of(client.patch(f"{API}/{action.pk}/", {"title": "Mine", "version": 1}, format="json"), 404)
    error_of(client.post(f"{API}/{action.pk}/transition/", {"to": "cancelled"}, format="json"), 404)
    error_of(client.delete(f"{API}/{action.pk}/"), 404)
    assert snapshot() == before


def test_it_lets_a_contributor_raise_an_action(contributor, manager, organisation, sites):
    response = api_client(contributor).post(
        f"{API}/",
        {
            "title": "Fix the leaking valve",
            "owner": manager.pk,
            "site": sites[0].pk,
            "due_date": "2030-03-01",
            "priority": "high",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["reference"], body["status"], body["organisation"]) == ("ACT-0001", "open", organisation.pk)
    assert (body["owner"], body["site"], body["created_by"]) == (manager.pk, sites[0].pk, contributor.pk)
    (change,) = changes_of(Action.objects.get(pk=body["id"]))
    assert (change.action, change.actor_id) == (ObjectChange.Action.CREATE, contributor.pk)


def test_it_refuses_writes_from_a_viewer(viewer, organisation):
    action = make_action(organisation)
    client = api_client(viewer)
    before = snapshot()
    error_of(client.post(f"{API}/", {"title": "Sneaky"}, format="json"), 403)
    error_of(client.patch(f"{API}/{action.pk}/", {"title": "Sneaky", "version": 1}, format="json"), 403)
    response = client.post(f"{API}/{action.pk}/transition/", {"to": "cancelled"}, format="json")
    assert error_of(response, 403)["code"] == "permission_denied"
    assert snapshot() == before


def test_it_refuses_an_owner_from_another_organisation(contributor, outsider, organisation):
    before = snapshot()
    response = api_client(contributor).post(f"{API}/", {"title": "X", "owner": outsider.pk}, format="json")
    assert list(error_of(response, 400)["fields"]) == ["owner"]
    assert snapshot() == before


def test_it_refuses_an_owner_of_the_users_other_organisation(
    contributor, outsider, organisation, other_organisation
):
    # The contributor can see Otto (they share Other Co), but he is no member of Acme.
    add_member(other_organisation, contributor, Role.VIEWER)
    before = snapshot()
    response = api_client(contributor).post(
        f"{API}/", {"organisation": organisation.pk, "title": "X", "owner": outsider.pk}, format="json"
    )
    assert error_of(response, 400)["fields"] == {"owner": ["The owner must be a member of the organisation."]}
    assert snapshot() == before


def test_it_refuses_a_site_of_another_organisation(contributor, organisation, other_organisation):
    foreign = Site.objects.create(organisation=other_organisation, name="Oslo", code="OSL")
    action = make_action(organisation)
    client = api_client(contributor)
    before = snapshot()
    response = client.post(f"{API}/", {"title": "X", "site": foreign.pk}, format="json")
    assert list(error_of(response, 400)["fields"]) == ["site"]
    response = client.patch(f"{API}/{action.pk}/", {"site": foreign.pk, "version": 1}, format="json")
    assert list(error_of(response, 400)["fields"]) == ["site"]
    assert snapshot() == before


def test_it_requires_the_organisation_when_the_user_has_several(
    contributor, organisation, other_organisation
):
    add_member(other_organisation, contributor, Role.CONTRIBUTOR)
    client = api_client(contributor)
    error = error_of(client.post(f"{API}/", {"title": "Where?"}, format="json"), 400)
    assert "several organisations" in error["fields"]["organisation"][0]
    response = client.post(f"{API}/", {"organisation": other_organisation.pk, "title": "Here"}, format="json")
    assert response.status_code == 201
    assert Action.objects.get().organisation == other_organisation


def test_it_updates_an_action_with_its_version(contributor, organisation):
    action = make_action(organisation)
    response = api_client(contributor).patch(
        f"{API}/{action.pk}/", {"title": "Calibrate all wrenches", "version": 1}, format="json"
    )
    assert response.status_code == 200, response.content
    assert (response.json()["title"], response.json()["version"]) == ("Calibrate all wrenches", 2)
    change = changes_of(action)[-1]
    assert (change.action, change.actor_id) == (ObjectChange.Action.UPDATE, contributor.pk)
    assert change.after == {"title": "Calibrate all wrenches"}


def test_it_refuses_a_stale_update(contributor, organisation):
    action = make_action(organisation)
    Action.objects.filter(pk=action.pk).update(version=2)
    before = snapshot()
    response = api_client(contributor).patch(
        f"{API}/{action.pk}/", {"title": "Late", "version": 1}, format="json"
    )
    assert "changed by someone else" in error_of(response, 409)["message"]
    assert snapshot() == before


def test_it_requires_the_version_on_update(contributor, organisation):
    action = make_action(organisation)
    before = snapshot()
    response = api_client(contributor).patch(f"{API}/{action.pk}/", {"title": "No version"}, format="json")
    assert list(error_of(response, 400)["fields"]) == ["version"]
    assert snapshot() == before


def test_it_marks_an_action_done_with_an_outcome(contributor, organisation):
    action = make_action(organisation)
    response = api_client(contributor).post(
        f"{API}/{action.pk}/transition/", {"to": "done", "outcome": "All recalibrated."}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["outcome"], body["allowed_transitions"]) == (
        "done",
        "All recalibrated.",
        ["open"],
    )
    assert body["completed_at"] is not None
    change = changes_of(action)[-1]
    assert (change.action, change.message, change.actor_id) == (
        ObjectChange.Action.TRANSITION,
        "Open → Done",
        contributor.pk,
    )


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"to": "done"}, "outcome"),
        ({"to": "finished"}, "to"),
        ({}, "to"),
    ],
)
def test_it_refuses_a_bad_transition(contributor, organisation, payload, field):
    action = make_action(organisation)
    before = snapshot()
    response = api_client(contributor).post(f"{API}/{action.pk}/transition/", payload, format="json")
    assert list(error_of(response, 400)["fields"]) == [field]
    assert snapshot() == before


def test_it_refuses_an_illegal_step(contributor, organisation):
    action = make_action(organisation)
    Action.objects.filter(pk=action.pk).update(status=Action.Status.CANCELLED)
    before = snapshot()
    response = api_client(contributor).post(f"{API}/{action.pk}/transition/", {"to": "done"}, format="json")
    error = error_of(response, 400)
    assert error["message"] == "An action that is cancelled cannot become done." and error["fields"] == {}
    assert snapshot() == before


def test_it_lets_a_manager_reassign_actions(manager, contributor, organisation):
    actions = [make_action(organisation), make_action(organisation)]
    response = api_client(manager).post(
        f"{API}/reassign/", {"actions": [a.pk for a in actions], "owner": contributor.pk}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json() == {"reassigned": 2}
    for action in actions:
        assert Action.objects.get(pk=action.pk).owner == contributor
        assert changes_of(action)[-1].actor_id == manager.pk


def test_it_refuses_reassignment_by_a_contributor(contributor, organisation):
    action = make_action(organisation)
    before = snapshot()
    response = api_client(contributor).post(
        f"{API}/reassign/", {"actions": [action.pk], "owner": contributor.pk}, format="json"
    )
    error_of(response, 403)
    assert snapshot() == before


def test_it_refuses_to_reassign_actions_it_cannot_see(manager, organisation, other_organisation):
    ours, theirs = make_action(organisation), make_action(other_organisation)
    before = snapshot()
    response = api_client(manager).post(
        f"{API}/reassign/", {"actions": [ours.pk, theirs.pk], "owner": manager.pk}, format="json"
    )
    assert error_of(response, 400)["fields"] == {"actions": [f"No action you can see has id {theirs.pk}."]}
    assert snapshot() == before


def test_it_refuses_to_reassign_to_an_outsider(manager, outsider, organisation):
    action = make_action(organisation)
    before = snapshot()
    response = api_client(manager).post(
        f"{API}/reassign/", {"actions": [action.pk], "owner": outsider.pk}, format="json"
    )
    assert list(error_of(response, 400)["fields"]) == ["owner"]
    response = api_client(manager).post(
        f"{API}/reassign/", {"actions": ["x"], "owner": manager.pk}, format="json"
    )
    assert list(error_of(response, 400)["fields"]) == ["actions.0"]
    assert snapshot() == before


def test_it_lets_a_manager_delete_an_action(manager, contributor, organisation):
    action = make_action(organisation)
    error_of(api_client(contributor).delete(f"{API}/{action.pk}/"), 403)
    assert api_client(manager).delete(f"{API}/{action.pk}/").status_code == 204
    assert not Action.objects.filter(pk=action.pk).exists()
    change = changes_of(action)[-1]
    assert (change.action, change.actor_id) == (ObjectChange.Action.DELETE, manager.pk)


def test_it_filters_with_the_pages_filterset(viewer, manager, organisation):
    mine = make_action(organisation, title="Replace the filter", owner=manager)
    make_action(organisation, title="Train the welders", due_date=datetime.date(2000, 1, 1))
    client = api_client(viewer)

    def references(query: str) -> list[str]:
        return [a["reference"] for a in client.get(f"{API}/?{query}").json()["results"]]

    assert references(f"owner={manager.pk}") == [mine.reference]
    assert references("q=welders") == ["ACT-0002"]
    assert references("overdue=true") == ["ACT-0002"]
    assert references("ordering=reference") == ["ACT-0001", "ACT-0002"]
    assert references("status=done") == []


@pytest.mark.parametrize(
    "query", ["status=finished", "owner=outsider", "due_before=someday", "priority=urgent"]
)
def test_it_rejects_bad_filter_values(viewer, outsider, organisation, query):
    make_action(organisation)
    query = query.replace("outsider", str(outsider.pk))
    error = error_of(api_client(viewer).get(f"{API}/?{query}"), 400)
    assert list(error["fields"]) == [query.split("=")[0]]


def test_it_offers_people_of_all_the_users_organisations_as_filters(viewer, outsider, other_organisation):
    add_member(other_organisation, viewer, Role.VIEWER)
    theirs = make_action(other_organisation, owner=outsider)
    results = api_client(viewer).get(f"{API}/?owner={outsider.pk}").json()["results"]
    assert [a["id"] for a in results] == [theirs.pk]


def test_it_keeps_a_site_limited_member_to_their_sites(organisation, sites):
    member = make_user("sam@acme.test", "Sam", "Site")
    add_member(organisation, member, Role.CONTRIBUTOR, sites=[sites[0]])
    visible = make_action(organisation, title="Birmingham", site=sites[0])
    hidden = make_action(organisation, title="Leeds", site=sites[1])
    client = api_client(member)
    assert [a["id"] for a in client.get(f"{API}/").json()["results"]] == [visible.pk]
    error_of(client.get(f"{API}/{hidden.pk}/"), 404)
    response = client.post(f"{API}/", {"title": "For Leeds", "site": sites[1].pk}, format="json")
    assert list(error_of(response, 400)["fields"]) == ["site"]


def test_the_list_costs_the_same_queries_for_more_rows(viewer, manager, organisation, sites, count_queries):
    client = api_client(viewer)
    make_action(organisation, owner=manager, site=sites[0])
    before = count_queries(lambda: client.get(f"{API}/"))
    for n in range(6):
        make_action(organisation, title=f"Action {n}", owner=manager, site=sites[n % 2])
    assert count_queries(lambda: client.get(f"{API}/")) == before


def test_it_rejects_a_page_past_the_end(viewer, organisation):
    make_action(organisation)
    assert error_of(api_client(viewer).get(f"{API}/?page=2"), 400)["fields"] == {
        "page": ["There is only 1 page."]
    }


def test_a_membership_change_takes_effect_at_once(viewer, organisation):
    action = make_action(organisation)
    client = api_client(viewer)
    error_of(client.delete(f"{API}/{action.pk}/"), 403)
    Membership.objects.filter(user=viewer).update(role=Role.MANAGER)
    assert client.delete(f"{API}/{action.pk}/").status_code == 204
