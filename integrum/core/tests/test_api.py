"""The API's policy (authentication, roles, paging, the error format) and the `core` collections."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import Throttled
from rest_framework.request import Request
from rest_framework.test import APIClient

from integrum.conftest import add_member, make_user
from integrum.core.api_policy import exception_handler
from integrum.core.models import Membership, ObjectChange, Organisation, Role, Site, StaleEdit, User

pytestmark = pytest.mark.django_db

API = "/api/v1"


# --- Helpers shared by the API tests of every app --------------------------------------------


def api_client(user: User | None = None) -> APIClient:
    """A client that authenticates with the user's API token, as scripts do."""
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def error_of(response: Any, status: int) -> dict[str, Any]:
    """The response's error, after checking it has the API's one error shape."""
    assert response.status_code == status, response.content
    body = response.json()
    assert list(body) == ["error"]
    error: dict[str, Any] = body["error"]
    assert set(error) == {"status", "code", "message", "fields"}
    assert error["status"] == status and error["message"]
    return error


def changes_of(instance: Any) -> list[ObjectChange]:
    return list(ObjectChange.objects.for_object(instance).order_by("id"))


# --- Authentication and the error format ----------------------------------------------------


def test_it_refuses_requests_without_credentials(sites):
    response = APIClient().get(f"{API}/sites/")
    assert error_of(response, 401)["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == "Token"


def test_it_refuses_an_unknown_token(sites):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert error_of(client.get(f"{API}/sites/"), 401)["code"] == "authentication_failed"


def test_it_accepts_the_browser_session(viewer, sites):
    client = APIClient()
    client.force_login(viewer)
    assert client.get(f"{API}/sites/").json()["count"] == 2


def test_it_needs_the_csrf_token_for_writes_with_a_session(admin_user, organisation):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(admin_user)
    response = client.post(f"{API}/sites/", {"name": "Hull", "code": "HUL"}, format="json")
    assert "CSRF" in error_of(response, 403)["message"]
    assert not Site.objects.exists()


def test_it_answers_unknown_addresses_in_the_error_format(viewer):
    assert error_of(api_client(viewer).get(f"{API}/no-such-thing/"), 404)["code"] == "not_found"
    # Ids are whole numbers: anything else falls through to the same answer, for writes too.
    strict = APIClient(enforce_csrf_checks=True)
    assert error_of(strict.post(f"{API}/actions/1.5/transition/", {}), 404)["code"] == "not_found"


def test_it_answers_unsupported_methods_in_the_error_format(admin_user, sites):
    client = api_client(admin_user)
    assert error_of(client.post(f"{API}/organisations/", {}), 405)["code"] == "method_not_allowed"
    response = client.put(f"{API}/sites/{sites[0].pk}/", {"name": "x"}, format="json")
    assert error_of(response, 405)["code"] == "method_not_allowed"


def test_it_answers_malformed_json_in_the_error_format(admin_user):
    response = api_client(admin_user).post(f"{API}/sites/", "{not json", content_type="application/json")
    assert error_of(response, 400)["code"] == "parse_error"


def test_it_turns_a_services_validation_error_into_field_errors():
    error = ValidationError({"owner": "Not a member.", "__all__": "Pick another day."})
    response = exception_handler(error, {"request": Request(RequestFactory().post("/api/v1/actions/"))})
    assert response.status_code == 400
    assert response.data["error"] == {
        "status": 400,
        "code": "invalid",
        "message": "Pick another day.",
        "fields": {"owner": ["Not a member."]},
    }


def test_it_names_the_fields_in_the_message_when_no_general_error_is_given():
    response = exception_handler(ValidationError({"status": "Bad."}), {"request": None})
    assert response.data["error"]["message"] == "Some values are not valid. status: Bad."


def test_it_answers_a_stale_edit_with_409(sites):
    response = exception_handler(StaleEdit(sites[0]), {"request": None})
    assert response.status_code == 409
    assert response.data["error"]["code"] == "stale_edit"
    assert "changed by someone else" in response.data["error"]["message"]


def test_it_answers_throttling_with_429_and_when_to_retry():
    response = exception_handler(Throttled(wait=30), {"request": None})
    assert (response.status_code, response.data["error"]["code"]) == (429, "throttled")
    assert response["Retry-After"] == "30"


def test_it_answers_an_unexpected_error_with_500_in_the_error_format(caplog):
    request = Request(RequestFactory().get("/api/v1/sites/"))
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = exception_handler(RuntimeError("boom"), {"request": request})
    assert response.status_code == 500
    assert response.data["error"]["code"] == "server_error"
    assert "boom" not in response.data["error"]["message"]
    assert any(record.exc_info for record in caplog.records)


# --- Paging ----------------------------------------------------------------------------------


def test_it_pages_lists(viewer, sites):
    body = api_client(viewer).get(f"{API}/sites/?page_size=1&page=2").json()
    assert body["count"] == 2 and len(body["results"]) == 1
    assert body["previous"] is not None and body["next"] is None


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("page=abc", "page"),
        ("page=0", "page"),
        ("page=-1", "page"),
        ("page=99", "page"),
        ("page_size=0", "page_size"),
        ("page_size=201", "page_size"),
        ("page_size=lots", "page_size"),
    ],
)
def test_it_rejects_bad_paging_parameters(viewer, sites, query, field):
    error = error_of(api_client(viewer).get(f"{API}/sites/?{query}"), 400)
    assert error["code"] == "invalid" and list(error["fields"]) == [field]


def test_it_allows_pages_of_up_to_200(viewer, sites):
    assert api_client(viewer).get(f"{API}/sites/?page_size=200").status_code == 200


def test_it_filters_by_organisation(viewer, sites, organisation, other_organisation):
    add_member(other_organisation, viewer, Role.VIEWER)
    Site.objects.create(organisation=other_organisation, name="Oslo", code="OSL")
    client = api_client(viewer)
    assert client.get(f"{API}/sites/").json()["count"] == 3
    assert client.get(f"{API}/sites/?organisation={organisation.pk}").json()["count"] == 2


@pytest.mark.parametrize("value", ["abc", "0", "foreign"])
def test_it_rejects_an_organisation_filter_outside_the_users(viewer, sites, other_organisation, value):
    value = str(other_organisation.pk) if value == "foreign" else value
    error = error_of(api_client(viewer).get(f"{API}/sites/?organisation={value}"), 400)
    assert list(error["fields"]) == ["organisation"]


# --- Organisations ---------------------------------------------------------------------------


def test_it_lists_the_users_organisations_with_their_role(admin_user, other_organisation):
    results = api_client(admin_user).get(f"{API}/organisations/").json()["results"]
    assert [(o["name"], o["role"]) for o in results] == [("Acme Castings Ltd", "admin")]


def test_it_hides_other_organisations(outsider, organisation):
    assert error_of(api_client(outsider).get(f"{API}/organisations/{organisation.pk}/"), 404)


# --- Sites -----------------------------------------------------------------------------------


def test_it_lists_sites_to_a_viewer(viewer, sites):
    results = api_client(viewer).get(f"{API}/sites/").json()["results"]
    assert [s["code"] for s in results] == ["BHM", "LDS"]
    assert set(results[0]) == {
        "id",
        "organisation",
        "name",
        "code",
        "address",
        "is_active",
        "version",
        "created_at",
        "updated_at",
    }


def test_it_hides_sites_from_an_outsider(outsider, sites):
    # An administrator of their own organisation, so that only the visibility of ours is tested.
    Membership.objects.filter(user=outsider).update(role=Role.ADMIN)
    client = api_client(outsider)
    assert client.get(f"{API}/sites/").json()["results"] == []
    assert error_of(client.get(f"{API}/sites/{sites[0].pk}/"), 404)["code"] == "not_found"
    response = client.patch(f"{API}/sites/{sites[0].pk}/", {"name": "Mine", "version": 1}, format="json")
    error_of(response, 404)
    assert error_of(client.delete(f"{API}/sites/{sites[0].pk}/"), 404)
    assert Site.objects.filter(pk=sites[0].pk, name="Birmingham works").exists()


def test_it_lets_an_admin_add_a_site(admin_user, organisation):
    response = api_client(admin_user).post(
        f"{API}/sites/", {"name": "Hull dock", "code": " hul "}, format="json"
    )
    assert response.status_code == 201, response.content
    site = Site.objects.get(pk=response.json()["id"])
    assert (site.organisation, site.code, response.json()["version"]) == (organisation, "HUL", 1)
    (change,) = changes_of(site)
    assert (change.action, change.actor_id) == (ObjectChange.Action.CREATE, admin_user.pk)


@pytest.mark.parametrize("role", [Role.MANAGER, Role.VIEWER])
def test_it_refuses_site_writes_below_admin(organisation, sites, role):
    user = make_user("someone@acme.test", "Some", "One")
    add_member(organisation, user, role)
    client = api_client(user)
    entries = ObjectChange.objects.count()
    error_of(client.post(f"{API}/sites/", {"name": "Hull", "code": "HUL"}, format="json"), 403)
    response = client.patch(f"{API}/sites/{sites[0].pk}/", {"name": "Renamed", "version": 1}, format="json")
    assert error_of(response, 403)["code"] == "permission_denied"
    error_of(client.delete(f"{API}/sites/{sites[0].pk}/"), 403)
    assert Site.objects.count() == 2 and Site.objects.get(pk=sites[0].pk).name == "Birmingham works"
    assert ObjectChange.objects.count() == entries


def test_it_refuses_a_duplicate_site_code(admin_user, sites):
    response = api_client(admin_user).post(f"{API}/sites/", {"name": "Again", "code": "bhm"}, format="json")
    assert error_of(response, 400)["fields"] == {"code": ["Another site already uses this code."]}
    assert Site.objects.count() == 2


def test_it_updates_a_site_with_its_version(admin_user, sites):
    response = api_client(admin_user).patch(
        f"{API}/sites/{sites[0].pk}/", {"name": "Birmingham foundry", "version": 1}, format="json"
    )
    assert response.status_code == 200, response.content
    assert (response.json()["name"], response.json()["version"]) == ("Birmingham foundry", 2)
    change = changes_of(sites[0])[-1]
    assert change.after == {"name": "Birmingham foundry"} and change.actor_id == admin_user.pk


def test_it_refuses_a_stale_site_edit(admin_user, sites):
    Site.objects.filter(pk=sites[0].pk).update(version=2)
    entries = ObjectChange.objects.count()
    response = api_client(admin_user).patch(
        f"{API}/sites/{sites[0].pk}/", {"name": "Overwritten", "version": 1}, format="json"
    )
    error = error_of(response, 409)
    assert error["code"] == "stale_edit" and "changed by someone else" in error["message"]
    assert Site.objects.get(pk=sites[0].pk).name == "Birmingham works"
    assert ObjectChange.objects.count() == entries


def test_it_requires_the_version_on_update(admin_user, sites):
    response = api_client(admin_user).patch(
        f"{API}/sites/{sites[0].pk}/", {"name": "No version"}, format="json"
    )
    assert list(error_of(response, 400)["fields"]) == ["version"]
    assert Site.objects.get(pk=sites[0].pk).name == "Birmingham works"


def test_it_lets_an_admin_delete_a_site(admin_user, sites):
    assert api_client(admin_user).delete(f"{API}/sites/{sites[1].pk}/").status_code == 204
    assert not Site.objects.filter(pk=sites[1].pk).exists()
    assert changes_of(sites[1])[-1].action == ObjectChange.Action.DELETE


def test_it_requires_the_organisation_when_the_user_has_several(admin_user, organisation, other_organisation):
    add_member(other_organisation, admin_user, Role.ADMIN)
    client = api_client(admin_user)
    response = client.post(f"{API}/sites/", {"name": "Hull", "code": "HUL"}, format="json")
    assert list(error_of(response, 400)["fields"]) == ["organisation"]
    response = client.post(
        f"{API}/sites/", {"organisation": other_organisation.pk, "name": "Hull", "code": "HUL"}, format="json"
    )
    assert response.status_code == 201
    assert Site.objects.get().organisation == other_organisation


def test_it_refuses_an_organisation_the_user_does_not_belong_to(admin_user, other_organisation):
    response = api_client(admin_user).post(
        f"{API}/sites/", {"organisation": other_organisation.pk, "name": "Hull", "code": "HUL"}, format="json"
    )
    assert list(error_of(response, 400)["fields"]) == ["organisation"]
    assert not Site.objects.exists()


def test_it_checks_the_role_in_the_chosen_organisation(admin_user, other_organisation):
    add_member(other_organisation, admin_user, Role.VIEWER)
    response = api_client(admin_user).post(
        f"{API}/sites/", {"organisation": other_organisation.pk, "name": "Hull", "code": "HUL"}, format="json"
    )
    assert "yours is viewer" in error_of(response, 403)["message"]
    assert not Site.objects.exists()


def test_the_site_list_costs_the_same_queries_for_more_rows(viewer, organisation, sites, count_queries):
    client = api_client(viewer)
    before = count_queries(lambda: client.get(f"{API}/sites/"))
    for n in range(5):
        Site.objects.create(organisation=organisation, name=f"Site {n}", code=f"S{n}")
    assert count_queries(lambda: client.get(f"{API}/sites/")) == before


# --- Memberships -----------------------------------------------------------------------------


def test_it_lists_members_to_a_viewer(admin_user, viewer, outsider):
    results = api_client(viewer).get(f"{API}/memberships/").json()["results"]
    assert {(m["email"], m["role"]) for m in results} == {
        ("ada@acme.test", "admin"),
        ("vera@acme.test", "viewer"),
    }


def test_it_lets_an_admin_add_a_member_by_email(admin_user, organisation, sites):
    response = api_client(admin_user).post(
        f"{API}/memberships/",
        {"email": "New.Person@Acme.test", "first_name": "Nia", "role": "contributor", "sites": [sites[0].pk]},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["email"], body["role"], body["sites"]) == (
        "new.person@acme.test",
        "contributor",
        [sites[0].pk],
    )
    membership = Membership.objects.get(pk=body["id"])
    assert membership.organisation == organisation and not membership.user.has_usable_password()
    assert changes_of(membership)[0].actor_id == admin_user.pk


def test_it_refuses_member_changes_from_a_manager(manager, viewer):
    client = api_client(manager)
    response = client.post(f"{API}/memberships/", {"email": "x@acme.test", "role": "viewer"}, format="json")
    error_of(response, 403)
    membership = Membership.objects.get(user=viewer)
    response = client.patch(
        f"{API}/memberships/{membership.pk}/", {"role": "admin", "version": 1}, format="json"
    )
    error_of(response, 403)
    error_of(client.delete(f"{API}/memberships/{membership.pk}/"), 403)
    assert not User.objects.filter(email="x@acme.test").exists()
    assert Membership.objects.get(user=viewer).role == Role.VIEWER


def test_it_refuses_a_site_of_another_organisation(admin_user, organisation, other_organisation):
    # The admin of both may pick the foreign site, but not for a membership of this organisation.
    add_member(other_organisation, admin_user, Role.ADMIN)
    foreign = Site.objects.create(organisation=other_organisation, name="Oslo", code="OSL")
    users, entries = User.objects.count(), ObjectChange.objects.count()
    response = api_client(admin_user).post(
        f"{API}/memberships/",
        {"organisation": organisation.pk, "email": "n@acme.test", "role": "viewer", "sites": [foreign.pk]},
        format="json",
    )
    assert list(error_of(response, 400)["fields"]) == ["sites"]
    assert (User.objects.count(), ObjectChange.objects.count()) == (users, entries)


def test_it_refuses_to_add_an_existing_member(admin_user, viewer):
    response = api_client(admin_user).post(
        f"{API}/memberships/", {"email": viewer.email, "role": "admin"}, format="json"
    )
    assert list(error_of(response, 400)["fields"]) == ["email"]
    assert Membership.objects.get(user=viewer).role == Role.VIEWER


def test_it_changes_a_members_role_and_sites(admin_user, viewer, sites):
    membership = Membership.objects.get(user=viewer)
    response = api_client(admin_user).patch(
        f"{API}/memberships/{membership.pk}/",
        {"role": "contributor", "sites": [sites[1].pk], "version": 1},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert (response.json()["role"], response.json()["sites"]) == ("contributor", [sites[1].pk])
    assert [c.actor_id for c in changes_of(membership)][-2:] == [admin_user.pk, admin_user.pk]


def test_it_refuses_to_demote_the_last_admin(admin_user):
    membership = Membership.objects.get(user=admin_user)
    response = api_client(admin_user).patch(
        f"{API}/memberships/{membership.pk}/", {"role": "viewer", "version": 1}, format="json"
    )
    assert "last administrator" in error_of(response, 400)["fields"]["role"][0]
    assert Membership.objects.get(pk=membership.pk).role == Role.ADMIN


def test_it_refuses_to_remove_the_last_admin(admin_user):
    membership = Membership.objects.get(user=admin_user)
    response = api_client(admin_user).delete(f"{API}/memberships/{membership.pk}/")
    assert "last administrator" in error_of(response, 400)["message"]
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_it_lets_an_admin_remove_a_member(admin_user, viewer):
    membership = Membership.objects.get(user=viewer)
    assert api_client(admin_user).delete(f"{API}/memberships/{membership.pk}/").status_code == 204
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert changes_of(membership)[-1].action == ObjectChange.Action.DELETE


def test_it_refuses_a_stale_membership_edit(admin_user, viewer):
    membership = Membership.objects.get(user=viewer)
    Membership.objects.filter(pk=membership.pk).update(version=3)
    response = api_client(admin_user).patch(
        f"{API}/memberships/{membership.pk}/", {"role": "manager", "version": 2}, format="json"
    )
    assert error_of(response, 409)["code"] == "stale_edit"
    assert Membership.objects.get(pk=membership.pk).role == Role.VIEWER


def test_it_hides_memberships_from_an_outsider(outsider, viewer):
    membership = Membership.objects.get(user=viewer)
    client = api_client(outsider)
    assert [m["email"] for m in client.get(f"{API}/memberships/").json()["results"]] == [outsider.email]
    error_of(client.get(f"{API}/memberships/{membership.pk}/"), 404)


def test_the_member_list_costs_the_same_queries_for_more_rows(admin_user, organisation, sites, count_queries):
    client = api_client(admin_user)
    before = count_queries(lambda: client.get(f"{API}/memberships/"))
    for n in range(4):
        add_member(organisation, make_user(f"m{n}@acme.test", "M", str(n)), Role.VIEWER, sites=sites)
    assert count_queries(lambda: client.get(f"{API}/memberships/")) == before


# --- Change log ------------------------------------------------------------------------------


def test_it_shows_the_change_log_to_a_manager(admin_user, manager, organisation):
    api_client(admin_user).post(f"{API}/sites/", {"name": "Hull", "code": "HUL"}, format="json")
    site = Site.objects.get(code="HUL")
    response = api_client(manager).get(f"{API}/changes/?content_type=core.site&object_id={site.pk}")
    (entry,) = response.json()["results"]
    assert entry["action"] == "create" and entry["actor"] == admin_user.pk
    assert (entry["content_type"], entry["object_id"], entry["organisation"]) == (
        "core.site",
        str(site.pk),
        organisation.pk,
    )
    assert entry["after"]["code"] == "HUL" and len(entry["hash"]) == 64 and len(entry["prev_hash"]) == 64


def test_it_refuses_the_change_log_to_a_viewer(viewer, sites):
    assert error_of(api_client(viewer).get(f"{API}/changes/"), 403)["code"] == "permission_denied"


def test_it_shows_only_the_organisations_the_user_manages(manager, outsider, sites, other_organisation):
    Site.objects.create(organisation=other_organisation, name="Oslo", code="OSL")
    ours = ObjectChange.objects.filter(organisation_id=sites[0].organisation_id).first()
    assert ours is not None
    results = api_client(outsider).get(f"{API}/changes/").json()["results"]
    assert {entry["organisation"] for entry in results} == {other_organisation.pk}
    error_of(api_client(outsider).get(f"{API}/changes/{ours.pk}/"), 404)
    # A manager who is only a viewer elsewhere does not see that organisation's log either.
    add_member(other_organisation, manager, Role.VIEWER)
    results = api_client(manager).get(f"{API}/changes/").json()["results"]
    assert {entry["organisation"] for entry in results} == {sites[0].organisation_id}


@pytest.mark.parametrize("value", ["nothing.here", "100%.sure"])
def test_it_rejects_an_unknown_kind_of_record(manager, value):
    error = error_of(api_client(manager).get(f"{API}/changes/", {"content_type": value}), 400)
    assert error["fields"]["content_type"][0].startswith(f"“{value}” is not a kind of record")


def test_the_change_log_costs_the_same_queries_for_more_rows(manager, organisation, count_queries):
    client = api_client(manager)
    before = count_queries(lambda: client.get(f"{API}/changes/"))
    for n in range(5):
        Site.objects.create(organisation=organisation, name=f"Site {n}", code=f"S{n}")
    assert count_queries(lambda: client.get(f"{API}/changes/")) == before


def test_it_offers_no_writes_on_the_change_log(manager, organisation):
    entry = ObjectChange.objects.filter(organisation_id=organisation.pk).first()
    assert entry is not None
    error_of(api_client(manager).delete(f"{API}/changes/{entry.pk}/"), 405)
    assert ObjectChange.objects.filter(pk=entry.pk).exists()


def test_it_reads_organisations_without_extra_queries_per_row(manager, count_queries):
    client = api_client(manager)
    before = count_queries(lambda: client.get(f"{API}/organisations/"))
    for n in range(3):
        add_member(Organisation.objects.create(name=f"Client {n}", slug=f"client-{n}"), manager, Role.VIEWER)
    assert count_queries(lambda: client.get(f"{API}/organisations/")) == before
