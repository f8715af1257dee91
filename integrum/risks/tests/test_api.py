"""The `risks/` and `risk-matrices/` endpoints: the same rules as the pages, per persona."""

from __future__ import annotations

import pytest

from integrum.actions.models import Action
from integrum.core.models import ObjectChange
from integrum.core.tests.test_api import api_client, error_of
from integrum.risks.models import Risk, RiskMatrix
from integrum.risks.tests.factories import make_risk

pytestmark = pytest.mark.django_db

API = "/api/v1/risks"
MATRICES = "/api/v1/risk-matrices"


def snapshot():
    rows = list(Risk.objects.order_by("pk").values_list("pk", "title", "status", "version"))
    return rows, ObjectChange.objects.count(), RiskMatrix.objects.count(), Action.objects.count()


def body(**overrides):
    data = {
        "title": "Loss of the ISO 14001 certificate",
        "kind": "risk",
        "standards": ["ISO 14001"],
        "inherent_likelihood": 2,
        "inherent_consequence": 5,
    }
    data.update(overrides)
    return data


def test_it_lists_risks_to_a_viewer_and_filters_by_cell(viewer, organisation, standards):
    make_risk(organisation, title="A", inherent_likelihood=3, inherent_consequence=4)
    make_risk(organisation, title="B", inherent_likelihood=1, inherent_consequence=1)
    client = api_client(viewer)
    results = client.get(f"{API}/").json()["results"]
    assert [r["reference"] for r in results] == ["RSK-002", "RSK-001"]
    assert results[1]["inherent_score"] == 12 and results[1]["inherent_level"] == "high"
    assert results[1]["allowed_transitions"] == ["treated", "closed"] and results[1]["matrix_version"] == 1
    cell = client.get(f"{API}/", {"inherent_likelihood": 1, "inherent_consequence": 1}).json()["results"]
    assert [r["title"] for r in cell] == ["B"]
    assert error_of(client.get(f"{API}/", {"inherent_likelihood": 7}), 400)["fields"]["inherent_likelihood"]


def test_it_hides_risks_from_an_outsider(outsider, organisation, standards):
    risk = make_risk(organisation)
    client = api_client(outsider)
    before = snapshot()
    assert client.get(f"{API}/").json()["results"] == []
    assert client.get(f"{MATRICES}/").json()["results"] == []
    error_of(client.get(f"{API}/{risk.pk}/"), 404)
    error_of(client.patch(f"{API}/{risk.pk}/", {"title": "Mine", "version": 1}, format="json"), 404)
    error_of(client.post(f"{API}/{risk.pk}/transition/", {"to": "closed"}, format="json"), 404)
    error_of(client.post(f"{API}/{risk.pk}/actions/", {"title": "x"}, format="json"), 404)
    error_of(client.delete(f"{API}/{risk.pk}/"), 404)
    assert snapshot() == before


def test_it_refuses_writes_to_a_viewer(viewer, organisation, standards):
    risk = make_risk(organisation)
    client = api_client(viewer)
    before = snapshot()
    error_of(client.post(f"{API}/", body(), format="json"), 403)
    error_of(client.patch(f"{API}/{risk.pk}/", {"title": "x", "version": 1}, format="json"), 403)
    error_of(client.post(f"{API}/{risk.pk}/transition/", {"to": "closed"}, format="json"), 403)
    error_of(client.post(f"{API}/{risk.pk}/actions/", {"title": "x"}, format="json"), 403)
    error_of(client.delete(f"{API}/{risk.pk}/"), 403)
    assert snapshot() == before


def test_it_lets_a_contributor_register_edit_treat_and_raise_actions(
    contributor, manager, organisation, standards
):
    client = api_client(contributor)
    response = client.post(f"{API}/", body(owner=manager.pk), format="json")
    assert response.status_code == 201, response.content
    created = response.json()
    assert (created["reference"], created["inherent_score"], created["standards"]) == (
        "RSK-001",
        10,
        ["ISO 14001"],
    )
    url = f"{API}/{created['id']}/"
    patched = client.patch(
        url,
        {"treatment": "mitigate", "residual_likelihood": 1, "residual_consequence": 5, "version": 1},
        format="json",
    )
    assert patched.status_code == 200, patched.content
    assert patched.json()["residual_level"] == "medium"
    moved = client.post(f"{url}transition/", {"to": "treated"}, format="json")
    assert moved.json()["status"] == "treated"
    action = client.post(
        f"{url}actions/", {"title": "Bund the drum store", "owner": manager.pk}, format="json"
    )
    assert action.status_code == 201 and action.json()["source_type"] == "risks.risk"
    error_of(client.delete(url), 403)  # contributors do not delete


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"inherent_likelihood": 6}, "inherent_likelihood"),
        ({"residual_likelihood": 5, "residual_consequence": 5}, "residual_likelihood"),
        ({"treatment": "defer"}, "treatment"),
        ({"standards": ["ISO 45001"]}, "standards"),
        ({"standards": []}, "standards"),
        ({"source_type": "context.contextissue"}, "source_type"),
        ({"source_type": "core.user", "source_id": 1}, "source_type"),
    ],
)
def test_it_refuses_bad_input_with_field_errors(contributor, organisation, standards, overrides, field):
    before = snapshot()
    error = error_of(api_client(contributor).post(f"{API}/", body(**overrides), format="json"), 400)
    assert field in error["fields"], error
    assert snapshot() == before


def test_it_refuses_a_stale_patch_and_an_illegal_step(contributor, organisation, standards):
    risk = make_risk(organisation)
    client = api_client(contributor)
    assert client.patch(f"{API}/{risk.pk}/", {"title": "New", "version": 1}, format="json").status_code == 200
    before = snapshot()
    assert error_of(client.patch(f"{API}/{risk.pk}/", {"title": "Old", "version": 1}, format="json"), 409)
    error_of(client.patch(f"{API}/{risk.pk}/", {"title": "No version"}, format="json"), 400)
    assert (
        "cannot become"
        in error_of(client.post(f"{API}/{risk.pk}/transition/", {"to": "open"}, format="json"), 400)[
            "message"
        ]
    )
    assert snapshot() == before


def test_it_lets_a_manager_delete_unless_actions_are_open(manager, organisation, standards):
    from integrum.risks.services import risk_action_raise

    client = api_client(manager)
    risk = make_risk(organisation)
    risk_action_raise(risk=risk, created_by=manager, title="Open action")
    assert "still open" in error_of(client.delete(f"{API}/{risk.pk}/"), 400)["message"]
    free = make_risk(organisation, title="Free")
    assert client.delete(f"{API}/{free.pk}/").status_code == 204


def test_it_reads_matrices_and_lets_only_admins_add_a_version(viewer, manager, admin_user, organisation):
    matrix = {
        "based_on": 1,
        "size": 3,
        "likelihood_labels": ["Low", "Medium", "High"],
        "consequence_labels": ["Minor", "Serious", "Severe"],
        "bands": [{"up_to": 3, "label": "OK", "level": "low"}, {"up_to": 9, "label": "Act", "level": "high"}],
    }
    from integrum.risks.services import risk_matrix_current

    risk_matrix_current(organisation)
    listed = api_client(viewer).get(f"{MATRICES}/").json()["results"]
    assert [(m["version"], m["size"], m["is_current"]) for m in listed] == [(1, 5, True)]
    error_of(api_client(viewer).post(f"{MATRICES}/", matrix, format="json"), 403)
    error_of(api_client(manager).post(f"{MATRICES}/", matrix, format="json"), 403)
    bad = error_of(
        api_client(admin_user).post(f"{MATRICES}/", {**matrix, "bands": matrix["bands"][:1]}, format="json"),
        400,
    )
    assert "bands" in bad["fields"]
    assert RiskMatrix.objects.count() == 1
    created = api_client(admin_user).post(f"{MATRICES}/", matrix, format="json")
    assert created.status_code == 201 and created.json()["version"] == 2
    error_of(
        api_client(admin_user).patch(f"{MATRICES}/{created.json()['id']}/", {"size": 4}, format="json"), 405
    )


def test_it_costs_the_same_queries_for_five_or_fifty_risks(viewer, organisation, standards, count_queries):
    client = api_client(viewer)
    for n in range(5):
        make_risk(organisation, title=f"R{n}")
    few = count_queries(lambda: client.get(f"{API}/"))
    for n in range(45):
        make_risk(organisation, title=f"S{n}")
    assert count_queries(lambda: client.get(f"{API}/")) == few
