from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse

from integrum.conftest import PASSWORD, add_member, client_for
from integrum.core.models import Membership, ObjectChange, Role, Site, User

pytestmark = pytest.mark.django_db


def test_it_signs_in_with_email_and_password(client, manager):
    response = client.post(reverse("login"), {"username": manager.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_it_throttles_password_guessing(client, manager):
    cache.clear()
    for _ in range(10):
        client.post(reverse("login"), {"username": manager.email, "password": "wrong"})
    response = client.post(reverse("login"), {"username": manager.email, "password": PASSWORD})
    assert response.status_code == 429 and "Too many failed attempts" in response.content.decode()
    cache.clear()


def test_it_sends_every_page_with_a_content_security_policy(as_viewer):
    policy = as_viewer.get("/")["Content-Security-Policy"]
    assert (
        "script-src 'self'" in policy and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    )


def test_the_menu_is_organised_by_pdca_and_shows_only_allowed_pages(as_viewer, as_manager):
    viewer_page = as_viewer.get("/").content.decode()
    assert "Plan" in viewer_page and "Act" in viewer_page and "Gap analysis" in viewer_page
    assert "Change log" not in viewer_page
    assert "Change log" in as_manager.get("/").content.decode()


def test_it_switches_between_organisations_of_the_user(organisation, other_organisation, manager):
    add_member(other_organisation, manager, Role.VIEWER)
    client = client_for(manager)
    assert "Acme Castings Ltd" in client.get("/").content.decode()
    client.post(reverse("core:switch"), {"organisation": other_organisation.pk})
    assert client.get("/").context["current_organisation"] == other_organisation


def test_it_refuses_to_switch_to_a_foreign_organisation(as_manager, other_organisation, organisation):
    assert as_manager.post(reverse("core:switch"), {"organisation": other_organisation.pk}).status_code == 404
    assert as_manager.post(reverse("core:switch"), {"organisation": "x"}).status_code == 404
    assert as_manager.get("/").context["current_organisation"] == organisation


def test_a_person_without_membership_is_told_so(client, db):
    user = User.objects.create_user("lonely@example.test", PASSWORD)
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 403 and "not a member of any organisation" in response.content.decode()


def test_admins_manage_sites(as_admin, organisation):
    response = as_admin.post(reverse("core:site_create"), {"name": "Hull yard", "code": "hul", "version": 1})
    assert response.status_code == 302
    site = Site.objects.get(code="HUL")
    response = as_admin.post(reverse("core:site_create"), {"name": "Hull again", "code": "HUL", "version": 1})
    assert response.status_code == 400 and "already uses this code" in response.content.decode()
    assert ObjectChange.objects.for_object(site).get().action == "create"


@pytest.mark.parametrize("persona", ["as_manager", "as_contributor", "as_viewer"])
def test_only_admins_change_sites_and_members(request, persona, sites, viewer):
    client = request.getfixturevalue(persona)
    assert client.get(reverse("core:site_list")).status_code == 200
    assert client.get(reverse("core:member_list")).status_code == 200
    assert (
        client.post(reverse("core:site_create"), {"name": "X", "code": "X", "version": 1}).status_code == 403
    )
    membership = Membership.objects.get(user=viewer)
    assert (
        client.post(
            reverse("core:member_update", args=[membership.pk]), {"role": "admin", "version": 1}
        ).status_code
        == 403
    )
    assert client.post(reverse("core:member_remove", args=[membership.pk])).status_code == 403
    assert Membership.objects.get(pk=membership.pk).role == Role.VIEWER and Site.objects.count() == 2


def test_outsiders_reach_no_site_or_member(as_outsider, outsider, other_organisation, sites, viewer):
    Membership.objects.filter(user=outsider).update(role=Role.ADMIN)  # even an admin elsewhere
    membership = Membership.objects.get(user=viewer)
    assert as_outsider.get(reverse("core:site_update", args=[sites[0].pk])).status_code == 404
    assert as_outsider.post(reverse("core:site_update", args=[sites[0].pk]), {"name": "x"}).status_code == 404
    assert as_outsider.post(reverse("core:member_remove", args=[membership.pk])).status_code == 404
    assert "Birmingham" not in as_outsider.get(reverse("core:site_list")).content.decode()


def test_admins_add_a_member_limited_to_a_site(as_admin, sites):
    response = as_admin.post(
        reverse("core:member_create"),
        {"email": "New.Person@Acme.test", "first_name": "New", "role": "contributor", "sites": [sites[1].pk]},
        follow=True,
    )
    membership = Membership.objects.get(user__email="new.person@acme.test")
    assert list(membership.sites.all()) == [sites[1]]
    assert "/password/set/" in response.content.decode()


def test_it_refuses_a_duplicate_member_and_a_foreign_site(as_admin, viewer, sites, other_organisation):
    foreign = Site.objects.create(organisation=other_organisation, name="Theirs", code="THR")
    response = as_admin.post(reverse("core:member_create"), {"email": viewer.email, "role": "viewer"})
    assert response.status_code == 400 and "already a member" in response.content.decode()
    response = as_admin.post(
        reverse("core:member_create"), {"email": "x@acme.test", "role": "viewer", "sites": [foreign.pk]}
    )
    assert response.status_code == 400
    assert not User.objects.filter(email="x@acme.test").exists()


def test_the_last_admin_cannot_be_demoted_or_removed(as_admin, admin_user):
    membership = Membership.objects.get(user=admin_user)
    response = as_admin.post(
        reverse("core:member_update", args=[membership.pk]), {"role": "viewer", "version": membership.version}
    )
    assert response.status_code == 400 and "last administrator" in response.content.decode()
    as_admin.post(reverse("core:member_remove", args=[membership.pk]))
    assert Membership.objects.get(pk=membership.pk).role == Role.ADMIN


def test_a_site_limited_member_sees_only_their_sites_records(organisation, sites, manager):
    from integrum.actions.tests.factories import make_action

    make_action(organisation, manager, title="At Birmingham", site=sites[0])
    make_action(organisation, manager, title="At Leeds", site=sites[1])
    make_action(organisation, manager, title="Everywhere")
    leeds_only = User.objects.create_user("lee@acme.test", PASSWORD)
    add_member(organisation, leeds_only, Role.CONTRIBUTOR, sites=[sites[1]])
    body = client_for(leeds_only).get(reverse("actions:action_list")).content.decode()
    assert "At Leeds" in body and "Everywhere" in body and "At Birmingham" not in body


def test_managers_read_the_change_log(as_manager, as_contributor, sites):
    assert as_contributor.get(reverse("core:change_list")).status_code == 403
    body = as_manager.get(reverse("core:change_list")).content.decode()
    assert "Birmingham works" in body


def test_unknown_pages_get_our_error_page(as_viewer):
    response = as_viewer.get("/no-such-page/")
    assert response.status_code == 404 and "Nothing here" in response.content.decode()
