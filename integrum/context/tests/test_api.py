"""The context collections: the same rules, numbering and roles as the pages."""

from __future__ import annotations

import pytest

from integrum.context.models import ContextIssue, OrganisationalRole, ProcessInteraction, ScopeExclusion
from integrum.context.tests.factories import iso, make_issue, make_party, make_process, make_role
from integrum.context.tests.test_pages import everything
from integrum.core.models import Site
from integrum.core.tests.test_api import api_client, changes_of, error_of
from integrum.standards.models import Clause

pytestmark = pytest.mark.django_db

API = "/api/v1"
# (collection, record key) of every collection.
COLLECTIONS = [
    ("context-issues", "issue"),
    ("interested-parties", "party"),
    ("party-requirements", "requirement"),
    ("scopes", "scope"),
    ("scope-exclusions", "exclusion"),
    ("processes", "process"),
    ("process-interactions", "interaction"),
    ("roles", "role"),
]


@pytest.mark.parametrize(("collection", "key"), COLLECTIONS)
def test_a_viewer_reads_every_collection(viewer, records, collection, key):
    client = api_client(viewer)
    body = client.get(f"{API}/{collection}/").json()
    assert records[key].pk in [row["id"] for row in body["results"]]
    assert client.get(f"{API}/{collection}/{records[key].pk}/").status_code == 200


@pytest.mark.parametrize(("collection", "key"), COLLECTIONS)
def test_an_outsider_sees_nothing(outsider, records, collection, key):
    client = api_client(outsider)
    before = everything()
    assert client.get(f"{API}/{collection}/").json()["results"] == []
    pk = records[key].pk
    assert error_of(client.get(f"{API}/{collection}/{pk}/"), 404)["code"] == "not_found"
    assert client.patch(f"{API}/{collection}/{pk}/", {"version": 1}, format="json").status_code in (404, 405)
    error_of(client.delete(f"{API}/{collection}/{pk}/"), 404)
    assert everything() == before


@pytest.mark.parametrize(("collection", "key"), COLLECTIONS)
def test_a_viewer_cannot_write(viewer, contributor, records, collection, key):
    before = everything()
    client = api_client(viewer)
    error_of(client.post(f"{API}/{collection}/", {"title": "x"}, format="json"), 403)
    error_of(client.delete(f"{API}/{collection}/{records[key].pk}/"), 403)
    if collection not in ("process-interactions",):
        error_of(api_client(contributor).delete(f"{API}/{collection}/{records[key].pk}/"), 403)
    assert everything() == before


@pytest.mark.parametrize(("collection", "key"), COLLECTIONS)
def test_a_manager_deletes(manager, records, collection, key):
    response = api_client(manager).delete(f"{API}/{collection}/{records[key].pk}/")
    assert response.status_code == 204
    assert not type(records[key]).objects.filter(pk=records[key].pk).exists()


def test_a_contributor_records_and_edits_an_issue(contributor, organisation, standards):
    client = api_client(contributor)
    response = client.post(
        f"{API}/context-issues/",
        {
            "title": "Heat waves",
            "origin": "external",
            "category": "environmental",
            "climate_related": True,
            "standards": [iso("ISO 14001").pk],
            "owner": contributor.pk,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["reference"], body["family"], body["standards"]) == (
        "CI-001",
        "PESTLE",
        [iso("ISO 14001").pk],
    )
    (change,) = [c for c in changes_of(ContextIssue.objects.get()) if c.action == "create"]
    assert change.actor_id == contributor.pk
    url = f"{API}/context-issues/{body['id']}/"
    assert client.patch(url, {"category": "threat", "version": 1}, format="json").json()["family"] == "SWOT"
    assert error_of(client.patch(url, {"title": "Stale", "version": 1}, format="json"), 409)
    assert error_of(client.patch(url, {"title": "No version"}, format="json"), 400)


def test_it_refuses_foreign_people_and_sites(
    contributor, outsider, organisation, other_organisation, standards
):
    client = api_client(contributor)
    foreign = Site.objects.create(organisation=other_organisation, name="Oslo", code="OSL")
    before = everything()
    response = client.post(f"{API}/processes/", {"name": "X", "owner": outsider.pk}, format="json")
    assert list(error_of(response, 400)["fields"]) == ["owner"]
    response = client.post(
        f"{API}/scopes/",
        {"standard": iso("ISO 9001").pk, "statement": "x", "sites": [foreign.pk]},
        format="json",
    )
    assert list(error_of(response, 400)["fields"]) == ["sites"]
    response = client.post(f"{API}/roles/", {"title": "Boss", "holders": [outsider.pk]}, format="json")
    assert list(error_of(response, 400)["fields"]) == ["holders"]
    assert everything() == before


def test_it_refuses_a_second_scope_for_a_standard(contributor, records):
    response = api_client(contributor).post(
        f"{API}/scopes/", {"standard": records["scope"].standard_id, "statement": "Again"}, format="json"
    )
    assert "already has a scope" in error_of(response, 400)["fields"]["standard"][0]


@pytest.mark.parametrize(
    ("code", "number", "justification"),
    [("ISO 9001", "8.5.1", "x"), ("ISO 14001", "8.1", "x"), ("ISO 9001", "7.1.5", " ")],
)
def test_it_refuses_exclusions_the_rules_forbid(contributor, records, code, number, justification):
    clause = Clause.objects.get(standard=iso(code), number=number)
    before = ScopeExclusion.objects.count()
    response = api_client(contributor).post(
        f"{API}/scope-exclusions/",
        {"scope": records["scope"].pk, "clause": clause.pk, "justification": justification},
        format="json",
    )
    error_of(response, 400)
    assert ScopeExclusion.objects.count() == before


def test_it_refuses_self_loops_and_duplicate_interactions(contributor, records):
    client = api_client(contributor)
    process, other = records["process"], records["other_process"]
    error_of(
        client.post(
            f"{API}/process-interactions/",
            {"from_process": process.pk, "to_process": process.pk},
            format="json",
        ),
        400,
    )
    error_of(
        client.post(
            f"{API}/process-interactions/",
            {"from_process": process.pk, "to_process": other.pk},
            format="json",
        ),
        400,
    )
    response = client.post(
        f"{API}/process-interactions/",
        {"from_process": other.pk, "to_process": process.pk, "flows": "Forecasts"},
        format="json",
    )
    assert response.status_code == 201
    assert ProcessInteraction.objects.count() == 2
    assert len(client.get(f"{API}/process-interactions/?process={process.pk}").json()["results"]) == 2


def test_it_adds_requirements_to_visible_parties_only(contributor, records, other_organisation):
    client = api_client(contributor)
    foreign = make_party(other_organisation)
    error_of(
        client.post(f"{API}/party-requirements/", {"party": foreign.pk, "text": "x"}, format="json"), 400
    )
    response = client.post(
        f"{API}/party-requirements/",
        {"party": records["party"].pk, "text": "Annual report", "adopted": True},
        format="json",
    )
    assert response.status_code == 201
    party = client.get(f"{API}/interested-parties/{records['party'].pk}/").json()
    assert [r["text"] for r in party["requirements"]] == ["Quiet nights", "Annual report"]


def test_managers_record_the_climate_determination(contributor, manager, organisation):
    error_of(
        api_client(contributor).post(
            f"{API}/climate-determinations/", {"relevant": True, "rationale": "x"}, format="json"
        ),
        403,
    )
    client = api_client(manager)
    error_of(
        client.post(f"{API}/climate-determinations/", {"relevant": True, "rationale": " "}, format="json"),
        400,
    )
    response = client.post(
        f"{API}/climate-determinations/", {"relevant": True, "rationale": "Floods."}, format="json"
    )
    assert response.status_code == 201 and response.json()["decided_by"] == manager.pk


def test_it_refuses_a_reporting_loop(contributor, organisation):
    top = make_role(organisation, title="Director")
    below = make_role(organisation, title="Manager", reports_to=top)
    response = api_client(contributor).patch(
        f"{API}/roles/{top.pk}/", {"reports_to": below.pk, "version": top.version}, format="json"
    )
    assert list(error_of(response, 400)["fields"]) == ["reports_to"]
    assert OrganisationalRole.objects.get(pk=top.pk).reports_to is None


@pytest.mark.parametrize(
    ("collection", "make"),
    [
        ("context-issues", lambda org, n: make_issue(org, title=f"I{n}", standards=[iso("ISO 9001")])),
        ("interested-parties", lambda org, n: make_party(org, name=f"P{n}")),
        ("processes", lambda org, n: make_process(org, name=f"P{n}")),
        ("roles", lambda org, n: make_role(org, title=f"R{n}")),
    ],
)
def test_lists_cost_the_same_queries_for_more_rows(
    viewer, organisation, standards, count_queries, collection, make
):
    client = api_client(viewer)
    made = [0]

    def queries(total: int) -> int:
        while made[0] < total:
            make(organisation, made[0])
            made[0] += 1
        return count_queries(lambda: client.get(f"{API}/{collection}/"))

    assert queries(2) == queries(20) <= 12
