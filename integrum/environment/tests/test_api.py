"""The `aspects/`, `significance-methods/`, `obligations/` and `compliance-evaluations/` endpoints."""

from __future__ import annotations

import pytest
from django.utils import timezone

from integrum.actions.models import Action
from integrum.core.dates import add_months
from integrum.core.models import ObjectChange
from integrum.core.tests.test_api import api_client, error_of
from integrum.environment import services
from integrum.environment.models import Aspect, ComplianceEvaluation, ComplianceObligation, SignificanceMethod
from integrum.environment.tests.factories import DEFAULT_SCORES, make_aspect, make_obligation, scheduled

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.fixture
def aspect(organisation):
    services.significance_method_current(organisation)
    return make_aspect(organisation)


@pytest.fixture
def obligation(organisation, contributor):
    return make_obligation(organisation, contributor)


def test_it_lists_and_reads_for_a_viewer(viewer, aspect, obligation):
    client = api_client(viewer)
    for collection, reference in (
        ("aspects", aspect.reference),
        ("obligations", obligation.reference),
        ("compliance-evaluations", "EVAL-001"),
    ):
        body = client.get(f"{API}/{collection}/").json()
        assert [row["reference"] for row in body["results"]] == [reference], collection
    assert client.get(f"{API}/aspects/{aspect.pk}/").json()["significant"] is False
    methods = client.get(f"{API}/significance-methods/").json()["results"]
    assert [m["revision"] for m in methods] == [1] and len(methods[0]["criteria"]) == 5


def test_an_outsider_gets_404_and_empty_lists(outsider, aspect, obligation):
    client = api_client(outsider)
    evaluation = scheduled(obligation)
    for path in (
        f"aspects/{aspect.pk}/",
        f"obligations/{obligation.pk}/",
        f"compliance-evaluations/{evaluation.pk}/",
    ):
        error_of(client.get(f"{API}/{path}"), 404)
    for collection in ("aspects", "obligations", "compliance-evaluations", "significance-methods"):
        assert client.get(f"{API}/{collection}/").json()["results"] == []
    before = ObjectChange.objects.count()
    error_of(client.post(f"{API}/aspects/{aspect.pk}/score/", {"scores": DEFAULT_SCORES}, format="json"), 404)
    error_of(
        client.post(
            f"{API}/compliance-evaluations/{evaluation.pk}/complete/",
            {"result": "compliant", "evidence": "x"},
            format="json",
        ),
        404,
    )
    assert ObjectChange.objects.count() == before


def test_a_viewer_cannot_write(viewer, organisation, aspect, obligation):
    client = api_client(viewer)
    before = ObjectChange.objects.count()
    error_of(
        client.post(
            f"{API}/aspects/",
            {"organisation": organisation.pk, "activity": "a", "aspect": "b", "impact": "c"},
            format="json",
        ),
        403,
    )
    error_of(client.post(f"{API}/aspects/{aspect.pk}/score/", {"scores": DEFAULT_SCORES}, format="json"), 403)
    error_of(
        client.post(
            f"{API}/significance-methods/",
            {"organisation": organisation.pk, "threshold": "10"},
            format="json",
        ),
        403,
    )
    error_of(client.delete(f"{API}/obligations/{obligation.pk}/"), 403)
    assert ObjectChange.objects.count() == before


def test_a_contributor_creates_edits_and_scores_an_aspect(contributor, organisation, obligation, sites):
    client = api_client(contributor)
    response = client.post(
        f"{API}/aspects/",
        {
            "organisation": organisation.pk,
            "activity": "Boiler",
            "aspect": "NOx",
            "impact": "Acid rain",
            "condition": "emergency",
            "obligations": [obligation.pk],
            "sites": [sites[0].pk],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    aspect_id = response.json()["id"]
    assert response.json()["obligations"] == [obligation.pk]
    response = client.patch(f"{API}/aspects/{aspect_id}/", {"impact": "Smog", "version": 1}, format="json")
    assert response.status_code == 200 and response.json()["impact"] == "Smog"
    error_of(
        client.patch(f"{API}/aspects/{aspect_id}/", {"impact": "Stale", "version": 1}, format="json"), 409
    )
    response = client.post(f"{API}/aspects/{aspect_id}/score/", {"scores": DEFAULT_SCORES}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert (body["significant"], body["overridden_by_rule"], body["method_revision"]) == (
        True,
        "obligation",
        1,
    )
    assert Aspect.objects.get(pk=aspect_id).significant


def test_bad_scores_are_refused_with_field_errors(contributor, aspect):
    client = api_client(contributor)
    before = ObjectChange.objects.count()
    error = error_of(
        client.post(
            f"{API}/aspects/{aspect.pk}/score/", {"scores": {**DEFAULT_SCORES, "severity": 7}}, format="json"
        ),
        400,
    )
    assert "severity" in error["fields"]
    error_of(
        client.post(
            f"{API}/aspects/{aspect.pk}/score/",
            {"scores": {**DEFAULT_SCORES, "severity": "x"}},
            format="json",
        ),
        400,
    )
    error = error_of(
        client.post(
            f"{API}/aspects/{aspect.pk}/score/",
            {"scores": DEFAULT_SCORES, "manual_significant": True},
            format="json",
        ),
        400,
    )
    assert "manual_reason" in error["fields"]
    error_of(client.post(f"{API}/aspects/{aspect.pk}/score/", {"scores": "all high"}, format="json"), 400)
    assert ObjectChange.objects.count() == before


def test_only_an_administrator_writes_a_method_version(manager, admin_user, organisation):
    services.significance_method_current(organisation)
    error_of(
        api_client(manager).post(
            f"{API}/significance-methods/",
            {"organisation": organisation.pk, "threshold": "10"},
            format="json",
        ),
        403,
    )
    client = api_client(admin_user)
    response = client.post(
        f"{API}/significance-methods/",
        {
            "organisation": organisation.pk,
            "based_on_revision": 1,
            "aggregation": "max",
            "threshold": "4",
            "criteria": [
                {"key": "severity", "label": "Severity", "scale_min": 1, "scale_max": 5, "weight": "1.5"},
                {"key": "probability", "label": "Probability", "scale_min": 1, "scale_max": 5},
            ],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert (response.json()["revision"], response.json()["criteria"][0]["weight"]) == (2, "1.50")
    error = error_of(
        client.post(
            f"{API}/significance-methods/",
            {"organisation": organisation.pk, "based_on_revision": 1},
            format="json",
        ),
        400,
    )
    assert "newer version" in error["message"] or error["fields"]
    error_of(
        client.post(
            f"{API}/significance-methods/",
            {
                "organisation": organisation.pk,
                "criteria": [{"key": "a", "label": "A", "scale_min": 5, "scale_max": 1}],
            },
            format="json",
        ),
        400,
    )
    assert SignificanceMethod.objects.filter(organisation=organisation).count() == 2
    error_of(client.patch(f"{API}/significance-methods/1/", {}, format="json"), 405)


def test_obligations_and_evaluations_through_the_api(contributor, manager, organisation):
    client = api_client(contributor)
    response = client.post(
        f"{API}/obligations/",
        {
            "organisation": organisation.pk,
            "title": "Trade effluent consent",
            "owner": manager.pk,
            "evaluation_frequency_months": 3,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    obligation_id = response.json()["id"]
    error_of(
        client.post(
            f"{API}/obligations/",
            {"organisation": organisation.pk, "title": "x", "evaluation_frequency_months": 500},
            format="json",
        ),
        400,
    )
    evaluation = ComplianceEvaluation.objects.get(obligation_id=obligation_id)
    response = client.post(
        f"{API}/compliance-evaluations/{evaluation.pk}/complete/",
        {"result": "partly", "evidence": "Two samples over the limit"},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (
        body["status"] == "completed"
        and body["next_due_date"] == add_months(timezone.localdate(), 3).isoformat()
    )
    action = Action.objects.get()
    assert (action.owner, action.priority) == (manager, "high")
    error_of(
        client.post(
            f"{API}/compliance-evaluations/{evaluation.pk}/complete/",
            {"result": "compliant", "evidence": "x"},
            format="json",
        ),
        400,
    )
    assert ComplianceEvaluation.objects.filter(obligation_id=obligation_id, status="scheduled").count() == 1
    error_of(
        client.post(f"{API}/obligations/{obligation_id}/transition/", {"to": "withdrawn"}, format="json"), 403
    )
    response = api_client(manager).post(
        f"{API}/obligations/{obligation_id}/transition/", {"to": "withdrawn"}, format="json"
    )
    assert response.json()["status"] == "withdrawn"
    error_of(api_client(manager).delete(f"{API}/obligations/{obligation_id}/"), 400)
    assert ComplianceObligation.objects.filter(pk=obligation_id).exists()


def test_the_filters_are_shared_with_the_pages(viewer, organisation, contributor, aspect):
    other = make_aspect(organisation, aspect="Spill", condition="emergency")
    services.aspect_score(other, scores={**DEFAULT_SCORES, "severity": 5}, user=contributor)
    client = api_client(viewer)
    assert [r["id"] for r in client.get(f"{API}/aspects/", {"significant": "true"}).json()["results"]] == [
        other.pk
    ]
    assert client.get(f"{API}/aspects/", {"ordering": "-score"}).json()["results"][0]["id"] == other.pk
    error_of(client.get(f"{API}/aspects/", {"obligation": "x"}), 400)


@pytest.mark.parametrize("collection", ["aspects", "obligations", "compliance-evaluations"])
def test_list_endpoints_cost_the_same_for_few_and_many_rows(
    viewer, organisation, contributor, count_queries, sites, collection
):
    client = api_client(viewer)

    def grow(n, start):
        for i in range(start, start + n):
            obligation = make_obligation(organisation, contributor, title=f"O{i}", sites=sites[:1])
            make_aspect(organisation, aspect=f"A{i}", obligations=[obligation], sites=sites)

    grow(2, 0)
    few = count_queries(lambda: client.get(f"{API}/{collection}/"))
    grow(5, 10)
    many = count_queries(lambda: client.get(f"{API}/{collection}/"))
    assert few == many
