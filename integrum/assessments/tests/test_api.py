"""The `assessments/` and `assessment-items/` endpoints: gap analyses through their services."""

from __future__ import annotations

import pytest

from integrum.actions.models import Action
from integrum.assessments.models import Assessment, AssessmentItem
from integrum.assessments.services import assessment_create, assessment_item_update
from integrum.conftest import add_member
from integrum.core.models import ObjectChange, Role, Site
from integrum.core.tests.test_api import api_client, changes_of, error_of
from integrum.standards.models import Standard

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.fixture
def both(standards: None) -> list[Standard]:
    return [Standard.objects.get(code="ISO 9001"), Standard.objects.get(code="ISO 14001")]


@pytest.fixture
def assessment(organisation, both) -> Assessment:
    return assessment_create(organisation=organisation, title="Readiness 2026", standards=both)


def item_for(assessment: Assessment, standard_code: str, number: str) -> AssessmentItem:
    return AssessmentItem.objects.get(
        assessment=assessment, clauses__standard__code=standard_code, clauses__number=number
    )


def snapshot() -> tuple[list[tuple[int, str, int]], list[tuple[int, str, str, int]], int, int]:
    """Assessments, items, actions and change-log entries, to show a refused request changed nothing."""
    return (
        list(Assessment.objects.order_by("pk").values_list("pk", "title", "version")),
        list(AssessmentItem.objects.order_by("pk").values_list("pk", "status", "notes", "version")),
        Action.objects.count(),
        ObjectChange.objects.count(),
    )


# --- Assessments -----------------------------------------------------------------------------


def test_it_lets_a_contributor_start_a_gap_analysis(contributor, manager, organisation, both):
    response = api_client(contributor).post(
        f"{API}/assessments/",
        {"title": "Certification readiness", "standards": [s.pk for s in both], "owner": manager.pk},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assessment = Assessment.objects.get(pk=body["id"])
    assert (assessment.organisation, assessment.integrated, assessment.owner) == (organisation, True, manager)
    assert assessment.items.count() > 50
    assert sorted(r["standard_key"] for r in body["readiness"]) == ["ISO 14001:2015", "ISO 9001:2015"]
    assert [g["group"] for g in body["readiness"][0]["groups"]] == ["4", "5", "6", "7", "8", "9", "10"]
    assert body["readiness"][0]["overall"]["percent"] == 0.0
    assert changes_of(assessment)[0].actor_id == contributor.pk


def test_it_refuses_a_gap_analysis_from_a_viewer(viewer, both):
    before = snapshot()
    response = api_client(viewer).post(
        f"{API}/assessments/", {"title": "No", "standards": [both[0].pk]}, format="json"
    )
    error_of(response, 403)
    assert snapshot() == before


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"standards": []}, "standards"),
        ({"standards": [999999]}, "standards"),
        ({"title": ""}, "title"),
        ({"target_date": "soon"}, "target_date"),
        ({"owner": "outsider"}, "owner"),
    ],
)
def test_it_refuses_a_bad_gap_analysis(contributor, outsider, both, change, field):
    payload = {"title": "Gap analysis", "standards": [both[0].pk], **change}
    if payload.get("owner") == "outsider":
        payload["owner"] = outsider.pk
    before = snapshot()
    response = api_client(contributor).post(f"{API}/assessments/", payload, format="json")
    assert list(error_of(response, 400)["fields"]) == [field]
    assert snapshot() == before


def test_it_shows_readiness_in_the_detail(viewer, assessment):
    item = item_for(assessment, "ISO 9001", "4.1")
    assessment_item_update(item=item, version=item.version, status=AssessmentItem.Status.MET)
    body = api_client(viewer).get(f"{API}/assessments/{assessment.pk}/").json()
    by_key = {r["standard_key"]: r for r in body["readiness"]}
    for key in ("ISO 9001:2015", "ISO 14001:2015"):
        context = next(g for g in by_key[key]["groups"] if g["group"] == "4")
        assert context["title"] == "Context" and context["counts"]["met"] == 1 and context["percent"] > 0


def test_it_lists_and_filters_assessments(viewer, organisation, both, assessment):
    done = assessment_create(organisation=organisation, title="Done one", standards=both[:1])
    Assessment.objects.filter(pk=done.pk).update(status=Assessment.Status.COMPLETED)
    client = api_client(viewer)
    results = client.get(f"{API}/assessments/").json()["results"]
    assert {a["title"] for a in results} == {"Readiness 2026", "Done one"}
    assert "readiness" not in results[0]
    results = client.get(f"{API}/assessments/?status=completed").json()["results"]
    assert [a["id"] for a in results] == [done.pk]
    error = error_of(client.get(f"{API}/assessments/?status=finished"), 400)
    assert list(error["fields"]) == ["status"]


def test_it_hides_gap_analyses_from_an_outsider(outsider, assessment):
    item = assessment.items.first()
    assert item is not None
    client = api_client(outsider)
    before = snapshot()
    assert client.get(f"{API}/assessments/").json()["results"] == []
    assert client.get(f"{API}/assessment-items/").json()["results"] == []
    error_of(client.get(f"{API}/assessments/{assessment.pk}/"), 404)
    error_of(client.get(f"{API}/assessment-items/{item.pk}/"), 404)
    error_of(
        client.patch(f"{API}/assessments/{assessment.pk}/", {"title": "X", "version": 1}, format="json"), 404
    )
    error_of(client.delete(f"{API}/assessments/{assessment.pk}/"), 404)
    response = client.patch(
        f"{API}/assessment-items/{item.pk}/", {"status": "met", "version": 1}, format="json"
    )
    error_of(response, 404)
    error_of(
        client.post(f"{API}/assessment-items/{item.pk}/create-action/", {"title": "X"}, format="json"), 404
    )
    assert snapshot() == before


def test_it_updates_an_assessment_with_its_version(contributor, assessment):
    response = api_client(contributor).patch(
        f"{API}/assessments/{assessment.pk}/",
        {"title": "Readiness review", "status": "completed", "version": 1},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert (response.json()["title"], response.json()["status"], response.json()["version"]) == (
        "Readiness review",
        "completed",
        2,
    )
    change = changes_of(assessment)[-1]
    assert change.actor_id == contributor.pk and change.after == {
        "title": "Readiness review",
        "status": "completed",
    }


@pytest.mark.parametrize(
    ("payload", "status", "field"),
    [
        ({"title": "Late", "version": 1}, 409, None),
        ({"title": "No version"}, 400, "version"),
        ({"status": "abandoned", "version": 2}, 400, "status"),
        ({"owner": "outsider", "version": 2}, 400, "owner"),
    ],
)
def test_it_refuses_a_bad_assessment_update(contributor, outsider, assessment, payload, status, field):
    Assessment.objects.filter(pk=assessment.pk).update(version=2)
    if payload.get("owner") == "outsider":
        payload["owner"] = outsider.pk
    before = snapshot()
    response = api_client(contributor).patch(f"{API}/assessments/{assessment.pk}/", payload, format="json")
    error = error_of(response, status)
    assert list(error["fields"]) == ([field] if field else [])
    assert snapshot() == before


def test_it_refuses_an_owner_who_is_not_a_member_of_the_assessments_organisation(
    contributor, outsider, other_organisation, assessment
):
    add_member(other_organisation, contributor, Role.VIEWER)
    before = snapshot()
    response = api_client(contributor).patch(
        f"{API}/assessments/{assessment.pk}/", {"owner": outsider.pk, "version": 1}, format="json"
    )
    assert error_of(response, 400)["fields"] == {"owner": ["The owner must be a member of the organisation."]}
    assert snapshot() == before


def test_it_lets_a_manager_delete_a_gap_analysis(manager, contributor, assessment):
    error_of(api_client(contributor).delete(f"{API}/assessments/{assessment.pk}/"), 403)
    assert api_client(manager).delete(f"{API}/assessments/{assessment.pk}/").status_code == 204
    assert not Assessment.objects.filter(pk=assessment.pk).exists()
    assert changes_of(assessment)[-1].actor_id == manager.pk


def test_the_assessment_list_costs_the_same_queries_for_more_rows(viewer, organisation, both, count_queries):
    client = api_client(viewer)
    assessment_create(organisation=organisation, title="One", standards=both[:1])
    before = count_queries(lambda: client.get(f"{API}/assessments/"))
    for n in range(3):
        assessment_create(organisation=organisation, title=f"More {n}", standards=both)
    assert count_queries(lambda: client.get(f"{API}/assessments/")) == before


# --- Items -----------------------------------------------------------------------------------


def test_it_lists_and_filters_items_with_the_pages_filterset(viewer, assessment):
    client = api_client(viewer)
    item = item_for(assessment, "ISO 9001", "4.1")
    assessment_item_update(item=item, version=item.version, status=AssessmentItem.Status.MET)
    query = f"assessment={assessment.pk}&group=4"
    results = client.get(f"{API}/assessment-items/?{query}&page_size=200").json()["results"]
    assert results and {r["group"] for r in results} == {"4"}
    (met,) = client.get(f"{API}/assessment-items/?{query}&status=met").json()["results"]
    assert met["id"] == item.pk
    assert sorted(met["references"]) == ["ISO 14001:2015/4.1", "ISO 9001:2015/4.1"]
    assert met["reference"] in met["references"] and met["title"]
    error = error_of(client.get(f"{API}/assessment-items/?group=11"), 400)
    assert list(error["fields"]) == ["group"]


def test_it_records_the_assessment_of_a_clause(contributor, assessment):
    item = item_for(assessment, "ISO 9001", "4.1")
    client = api_client(contributor)
    response = client.patch(
        f"{API}/assessment-items/{item.pk}/", {"notes": "Context review exists.", "version": 1}, format="json"
    )
    assert response.status_code == 200, response.content
    response = client.patch(
        f"{API}/assessment-items/{item.pk}/", {"status": "partly_met", "version": 2}, format="json"
    )
    body = response.json()
    # A partial update keeps what it does not name.
    assert (body["status"], body["notes"], body["version"]) == ("partly_met", "Context review exists.", 3)
    assert changes_of(item)[-1].actor_id == contributor.pk


@pytest.mark.parametrize(
    ("payload", "status", "fields"),
    [
        ({"status": "met", "version": 7}, 409, []),
        ({"status": "met"}, 400, ["version"]),
        ({"status": "brilliant", "version": 1}, 400, ["status"]),
        ({"status": "not_applicable", "justification": "We do not.", "version": 1}, 400, ["status"]),
        ({"status": "not_applicable", "version": 1}, 400, ["justification", "status"]),
    ],
)
def test_it_refuses_a_bad_item_update(contributor, assessment, payload, status, fields):
    item = item_for(assessment, "ISO 9001", "4.1")
    before = snapshot()
    response = api_client(contributor).patch(f"{API}/assessment-items/{item.pk}/", payload, format="json")
    assert sorted(error_of(response, status)["fields"]) == fields
    assert snapshot() == before


def test_it_accepts_a_justified_exclusion_where_the_standard_allows_one(contributor, organisation, both):
    assessment = assessment_create(organisation=organisation, title="Quality", standards=both[:1])
    item = item_for(assessment, "ISO 9001", "8.3.1")
    response = api_client(contributor).patch(
        f"{API}/assessment-items/{item.pk}/",
        {"status": "not_applicable", "justification": "We make to customer drawings only.", "version": 1},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["justification"] == "We make to customer drawings only."


def test_it_refuses_item_writes_from_a_viewer(viewer, assessment):
    item = item_for(assessment, "ISO 9001", "4.1")
    client = api_client(viewer)
    before = snapshot()
    response = client.patch(
        f"{API}/assessment-items/{item.pk}/", {"status": "met", "version": 1}, format="json"
    )
    error_of(response, 403)
    response = client.post(f"{API}/assessment-items/{item.pk}/create-action/", {"title": "X"}, format="json")
    error_of(response, 403)
    assert snapshot() == before


def test_it_raises_an_action_from_a_gap(contributor, manager, assessment, sites):
    item = item_for(assessment, "ISO 14001", "6.1.2")
    payload = {
        "title": "Aspects register",
        "owner": manager.pk,
        "site": sites[0].pk,
        "due_date": "2030-06-30",
    }
    response = api_client(contributor).post(
        f"{API}/assessment-items/{item.pk}/create-action/", payload, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["reference"], body["owner"], body["created_by"]) == ("ACT-0001", manager.pk, contributor.pk)
    assert body["site"] == sites[0].pk
    assert (body["source_type"], body["source_id"]) == ("assessments.assessmentitem", str(item.pk))
    action = Action.objects.get(pk=body["id"])
    assert changes_of(action)[0].actor_id == contributor.pk


def test_it_refuses_an_action_for_an_outsider(contributor, outsider, other_organisation, assessment):
    item = item_for(assessment, "ISO 14001", "6.1.2")
    foreign = Site.objects.create(organisation=other_organisation, name="Oslo", code="OSL")
    before = snapshot()
    response = api_client(contributor).post(
        f"{API}/assessment-items/{item.pk}/create-action/", {"title": "X", "site": foreign.pk}, format="json"
    )
    assert list(error_of(response, 400)["fields"]) == ["site"]
    response = api_client(contributor).post(
        f"{API}/assessment-items/{item.pk}/create-action/",
        {"title": "X", "owner": outsider.pk},
        format="json",
    )
    assert list(error_of(response, 400)["fields"]) == ["owner"]
    response = api_client(contributor).post(
        f"{API}/assessment-items/{item.pk}/create-action/", {}, format="json"
    )
    assert list(error_of(response, 400)["fields"]) == ["title"]
    assert snapshot() == before


def test_the_item_list_costs_the_same_queries_for_more_rows(viewer, assessment, count_queries):
    client = api_client(viewer)
    url = f"{API}/assessment-items/?assessment={assessment.pk}"
    assert count_queries(lambda: client.get(f"{url}&page_size=5")) == count_queries(
        lambda: client.get(f"{url}&page_size=100")
    )


def test_the_detail_costs_the_same_queries_for_more_items(viewer, organisation, both, count_queries):
    client = api_client(viewer)
    small = assessment_create(organisation=organisation, title="One", standards=both[:1])
    large = assessment_create(organisation=organisation, title="Both", standards=both, integrated=False)
    assert count_queries(lambda: client.get(f"{API}/assessments/{small.pk}/")) == count_queries(
        lambda: client.get(f"{API}/assessments/{large.pk}/")
    )
