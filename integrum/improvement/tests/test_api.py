"""The `nonconformities/` and `nonconformity-causes/` endpoints for every persona, each step,
bad input, and the whole chain from an audit finding to a closed nonconformity."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from integrum.actions.models import Action
from integrum.conftest import PASSWORD
from integrum.core.models import ObjectChange
from integrum.core.tests.test_api import api_client, error_of
from integrum.improvement import services
from integrum.improvement.models import CauseEntry, Nonconformity
from integrum.improvement.tests.builders import (
    finish,
    make_audit,
    make_finding,
    make_nc,
    to_action,
    to_closed,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("standards")]

API = "/api/v1"
S = Nonconformity.Status


def counts():
    return (
        Nonconformity.objects.count(),
        CauseEntry.objects.count(),
        Action.objects.count(),
        ObjectChange.objects.count(),
    )


@pytest.fixture
def nc(organisation, manager):
    return make_nc(organisation, manager)


def test_a_viewer_reads_with_filters(viewer, organisation, manager, contributor, nc):
    report = services.nc_report(organisation=organisation, user=contributor, title="Spill", description="Oil")
    client = api_client(viewer)
    rows = client.get(f"{API}/nonconformities/").json()["results"]
    assert [r["reference"] for r in rows] == [report.reference, nc.reference]
    assert rows[0]["allowed_transitions"] == []
    rows = client.get(f"{API}/nonconformities/", {"status": "reported"}).json()["results"]
    assert [r["reference"] for r in rows] == [report.reference]
    error = error_of(client.get(f"{API}/nonconformities/", {"severity": "huge"}), 400)
    assert "severity" in error["fields"]
    detail = client.get(f"{API}/nonconformities/{nc.pk}/").json()
    assert detail["status"] == "open" and detail["causes"] == []
    assert client.get(f"{API}/nonconformities/{nc.pk}/similar/").status_code == 200
    assert client.get(f"{API}/nonconformities/{nc.pk}/causes/").json() == []


def test_allowed_transitions_follow_the_role(manager, contributor, organisation, nc):
    report = services.nc_report(organisation=organisation, user=contributor, title="Spill", description="Oil")
    assert api_client(manager).get(f"{API}/nonconformities/{report.pk}/").json()["allowed_transitions"] == [
        "triage",
        "reject",
    ]
    assert (
        api_client(contributor).get(f"{API}/nonconformities/{report.pk}/").json()["allowed_transitions"] == []
    )
    assert api_client(contributor).get(f"{API}/nonconformities/{nc.pk}/").json()["allowed_transitions"] == [
        "start_actions"
    ]


STEP_PATHS = [
    "triage",
    "reject",
    "start-actions",
    "request-verification",
    "record-effectiveness",
    "close-signed",
    "reopen",
    "causes",
    "actions",
]


def test_an_outsider_gets_404_everywhere(outsider, organisation, manager, nc):
    entry = services.cause_add(nc=nc, method="five_whys", text="Hose burst")
    client = api_client(outsider)
    assert client.get(f"{API}/nonconformities/").json()["results"] == []
    assert client.get(f"{API}/nonconformity-causes/").json()["results"] == []
    before = counts()
    for path in ("", "similar/", "causes/"):
        error_of(client.get(f"{API}/nonconformities/{nc.pk}/{path}"), 404)
    for path in STEP_PATHS:
        error_of(client.post(f"{API}/nonconformities/{nc.pk}/{path}/", {"reason": "x"}, format="json"), 404)
    error_of(
        client.patch(f"{API}/nonconformities/{nc.pk}/", {"title": "x", "version": 1}, format="json"), 404
    )
    error_of(client.delete(f"{API}/nonconformities/{nc.pk}/"), 404)
    error_of(client.patch(f"{API}/nonconformity-causes/{entry.pk}/", {"text": "x"}, format="json"), 404)
    error_of(client.delete(f"{API}/nonconformity-causes/{entry.pk}/"), 404)
    error = error_of(
        client.post(
            f"{API}/nonconformities/",
            {"organisation": organisation.pk, "title": "x", "description": "y", "source": "complaint"},
            format="json",
        ),
        400,
    )
    assert "organisation" in error["fields"]
    assert counts() == before


def test_a_viewer_gets_403_on_every_write(viewer, organisation, nc):
    entry = services.cause_add(nc=nc, method="five_whys", text="Hose burst")
    client = api_client(viewer)
    before = counts()
    for path in STEP_PATHS:
        error_of(client.post(f"{API}/nonconformities/{nc.pk}/{path}/", {"reason": "x"}, format="json"), 403)
    error_of(
        client.post(f"{API}/nonconformities/report/", {"title": "x", "description": "y"}, format="json"), 403
    )
    error_of(client.post(f"{API}/nonconformities/", {"title": "x"}, format="json"), 403)
    error_of(
        client.patch(f"{API}/nonconformities/{nc.pk}/", {"title": "x", "version": 1}, format="json"), 403
    )
    error_of(client.delete(f"{API}/nonconformities/{nc.pk}/"), 403)
    error_of(client.patch(f"{API}/nonconformity-causes/{entry.pk}/", {"text": "x"}, format="json"), 403)
    error_of(client.delete(f"{API}/nonconformity-causes/{entry.pk}/"), 403)
    assert counts() == before


def test_manager_steps_are_refused_to_a_contributor(contributor, organisation, nc):
    report = services.nc_report(organisation=organisation, user=contributor, title="Spill", description="Oil")
    client = api_client(contributor)
    before = counts()
    error_of(
        client.post(
            f"{API}/nonconformities/{report.pk}/triage/", {"severity": "minor", "owner": contributor.pk}
        ),
        403,
    )
    error_of(client.post(f"{API}/nonconformities/{report.pk}/reject/", {"reason": "x"}), 403)
    error_of(
        client.post(
            f"{API}/nonconformities/{nc.pk}/close-signed/", {"password": PASSWORD, "justification": "x"}
        ),
        403,
    )
    error_of(client.delete(f"{API}/nonconformities/{report.pk}/"), 403)
    assert counts() == before


def test_create_update_and_delete(contributor, manager, organisation, sites, nc):
    client = api_client(contributor)
    finding = make_finding(organisation, grade="minor", site=sites[0])
    before = counts()
    for data, field in (
        ({"title": "x", "description": "y", "source": "complaint", "severity": "minor"}, "source_detail"),
        ({"title": "x", "description": "y", "source": "finding", "severity": "minor"}, "finding"),
        ({"title": "", "description": "y", "source": "complaint", "source_detail": "C1"}, "title"),
        (
            {
                "title": "x",
                "description": "y",
                "source": "supplier",
                "source_detail": "Foundry",
                "severity": "?",
            },
            "severity",
        ),
        (
            {
                "title": "x",
                "description": "y",
                "source": "complaint",
                "source_detail": "C1",
                "detected_on": "2999-01-01",
                "severity": "minor",
            },
            "detected_on",
        ),
    ):
        error = error_of(client.post(f"{API}/nonconformities/", data, format="json"), 400)
        assert field in error["fields"], (field, error)
    assert counts() == before
    created = client.post(
        f"{API}/nonconformities/",
        {
            "title": "Release without check",
            "description": "Batch 4471",
            "source": "finding",
            "finding": finding.pk,
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["status"], body["severity"], body["site"]) == ("open", "minor", sites[0].pk)
    patched = client.patch(
        f"{API}/nonconformities/{body['id']}/",
        {"containment": "Batches quarantined", "version": body["version"]},
        format="json",
    )
    assert patched.json()["containment"] == "Batches quarantined"
    error_of(
        client.patch(
            f"{API}/nonconformities/{body['id']}/", {"title": "x", "version": body["version"]}, format="json"
        ),
        409,
    )
    error = error_of(api_client(manager).delete(f"{API}/nonconformities/{body['id']}/"), 400)
    assert "close it instead" in error["message"]


def test_report_triage_and_reject(contributor, manager, organisation, sites):
    client = api_client(contributor)
    error_of(
        client.post(f"{API}/nonconformities/report/", {"title": "", "description": ""}, format="json"), 400
    )
    response = client.post(
        f"{API}/nonconformities/report/",
        {"title": "Oil by the gate", "description": "Puddle", "site": sites[0].pk},
        format="json",
    )
    assert response.status_code == 201 and response.json()["status"] == "reported"
    pk = response.json()["id"]
    boss = api_client(manager)
    error = error_of(
        boss.post(f"{API}/nonconformities/{pk}/triage/", {"severity": "minor"}, format="json"), 400
    )
    assert "owner" in error["fields"]
    triaged = boss.post(
        f"{API}/nonconformities/{pk}/triage/", {"severity": "major", "owner": contributor.pk}, format="json"
    )
    assert triaged.json()["status"] == "open" and triaged.json()["owner"] == contributor.pk
    error = error_of(boss.post(f"{API}/nonconformities/{pk}/reject/", {"reason": "x"}, format="json"), 400)
    assert "cannot go from Open to Rejected" in error["message"]


def test_signed_closure_and_reopen(manager, organisation, nc):
    client = api_client(manager)
    before = counts()
    error = error_of(
        client.post(
            f"{API}/nonconformities/{nc.pk}/close-signed/", {"password": "nope", "justification": "Gone"}
        ),
        400,
    )
    assert "password" in error["fields"]
    assert counts() == before
    closed = client.post(
        f"{API}/nonconformities/{nc.pk}/close-signed/", {"password": PASSWORD, "justification": "Gone"}
    )
    assert closed.json()["status"] == "closed" and closed.json()["closure_justification"] == "Gone"
    assert "password" not in closed.json()
    reopened = client.post(f"{API}/nonconformities/{nc.pk}/reopen/", {"reason": "It came back"})
    assert reopened.json()["status"] == "action" and reopened.json()["times_reopened"] == 1


def test_causes_through_the_api(contributor, organisation, nc):
    client = api_client(contributor)
    error = error_of(
        client.post(f"{API}/nonconformities/{nc.pk}/causes/", {"method": "fishbone", "text": "Seal"}), 400
    )
    assert "category" in error["fields"]
    first = client.post(
        f"{API}/nonconformities/{nc.pk}/causes/", {"method": "five_whys", "text": "Hose burst"}
    )
    second = client.post(f"{API}/nonconformities/{nc.pk}/causes/", {"method": "five_whys", "text": "Too old"})
    assert (first.status_code, first.json()["position"], second.json()["position"]) == (201, 1, 2)
    patched = client.patch(
        f"{API}/nonconformity-causes/{second.json()['id']}/", {"is_root": True}, format="json"
    )
    assert patched.json()["is_root"] is True
    assert client.delete(f"{API}/nonconformity-causes/{first.json()['id']}/").status_code == 204
    rows = client.get(f"{API}/nonconformities/{nc.pk}/causes/").json()
    assert [(r["position"], r["text"]) for r in rows] == [(1, "Too old")]
    to_closed(Nonconformity.objects.get(pk=nc.pk), contributor)
    error_of(client.delete(f"{API}/nonconformity-causes/{second.json()['id']}/"), 400)


def test_the_list_costs_the_same_for_few_and_many(viewer, organisation, manager):
    client = api_client(viewer)
    make_nc(organisation, manager)
    client.get(f"{API}/nonconformities/")

    def cost():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"{API}/nonconformities/").status_code == 200
        return len(captured.captured_queries)

    few = cost()
    for i in range(5):
        nc = make_nc(organisation, manager, title=f"Leak {i}")
        services.cause_add(nc=nc, method="five_whys", text="Why")
    assert cost() == few


def test_the_whole_chain_through_the_api(manager, contributor, organisation):
    audit = make_audit(organisation, lead_auditor=manager)
    finding = make_finding(organisation, grade="major", audit=audit)
    client = api_client(manager)
    created = client.post(
        f"{API}/nonconformities/",
        {
            "title": "Release without final check",
            "description": finding.statement,
            "source": "finding",
            "finding": finding.pk,
            "owner": contributor.pk,
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    nc = created.json()
    assert (nc["severity"], nc["finding"]) == ("major", finding.pk)
    base = f"{API}/nonconformities/{nc['id']}"
    error_of(client.post(f"{base}/start-actions/"), 400)
    client.post(f"{base}/causes/", {"method": "five_whys", "text": "No time for the check"})
    nc = client.patch(
        f"{base}/",
        {
            "root_cause": "CMM capacity too small",
            "cause_category": "machine",
            "similar": "none",
            "version": nc["version"],
        },
        format="json",
    ).json()
    action = client.post(
        f"{base}/actions/", {"title": "Second CMM shift", "owner": contributor.pk}, format="json"
    )
    assert action.status_code == 201
    assert (action.json()["source_type"], action.json()["source_id"]) == (
        "improvement.nonconformity",
        str(nc["id"]),
    )
    assert client.post(f"{base}/start-actions/").json()["status"] == "action"
    error = error_of(client.post(f"{base}/request-verification/", {}, format="json"), 400)
    assert "still open" in error["message"]
    done = api_client(contributor).post(
        f"{API}/actions/{action.json()['id']}/transition/",
        {"to": "done", "outcome": "Shift running"},
        format="json",
    )
    assert done.status_code == 200, done.content
    verification = client.post(f"{base}/request-verification/", {}, format="json").json()
    assert verification["status"] == "verification" and verification["effectiveness_due"]
    closed = client.post(
        f"{base}/record-effectiveness/", {"result": "effective", "note": "No release without check"}
    )
    assert closed.json()["status"] == "closed" and closed.json()["closed_by"] == manager.pk
    messages = list(
        ObjectChange.objects.for_object(Nonconformity.objects.get(pk=nc["id"]))
        .filter(action="transition")
        .order_by("id")
        .values_list("message", flat=True)
    )
    assert [m.split(":")[0] for m in messages] == [
        "Open → Corrective action",
        "Corrective action → Effectiveness check",
        "Effectiveness check → Closed",
    ]
    related = client.get(f"{API}/nonconformities/", {"status": "closed"}).json()["results"]
    assert [r["finding"] for r in related] == [finding.pk]


def test_not_effective_through_the_api(manager, organisation):
    nc = to_action(make_nc(organisation, manager), manager)
    for action in Action.objects.raised_by(nc):
        finish(action)
    client = api_client(manager)
    client.post(f"{API}/nonconformities/{nc.pk}/request-verification/", {}, format="json")
    error = error_of(
        client.post(f"{API}/nonconformities/{nc.pk}/record-effectiveness/", {"result": "", "note": "x"}), 400
    )
    assert "result" in error["fields"]
    back = client.post(
        f"{API}/nonconformities/{nc.pk}/record-effectiveness/", {"result": "not_effective", "note": "Again"}
    )
    assert back.json()["status"] == "action" and back.json()["times_reopened"] == 1
