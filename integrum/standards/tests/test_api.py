"""The standards library in the API: read-only reference data for every signed-in user."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from integrum.core.tests.test_api import api_client, error_of
from integrum.standards.models import Clause, Correspondence, MandatoryDocument, Pdca, Standard

pytestmark = pytest.mark.django_db

API = "/api/v1"


def make_standard(code: str, clause_count: int) -> Standard:
    """A small standard of our own, so that counts do not depend on the shipped library."""
    standard = Standard.objects.create(code=code, edition="2020", title=f"{code} test", discipline="test")
    for n in range(clause_count):
        clause = Clause.objects.create(
            standard=standard,
            number=f"4.{n + 1}",
            title=f"Clause {n + 1}",
            pdca=Pdca.PLAN,
            summary="Our words.",
            depth=2,
            sort_key=f"004.{n + 1:03d}",
        )
        MandatoryDocument.objects.create(clause=clause, kind="retain", description="A record", position=1)
    return standard


def test_it_lists_the_standards_with_edition_amendments_and_clause_count(viewer, standards):
    results = api_client(viewer).get(f"{API}/standards/").json()["results"]
    by_key = {s["key"]: s for s in results}
    assert set(by_key) == {"ISO 9001:2015", "ISO 14001:2015"}
    iso9001 = by_key["ISO 9001:2015"]
    assert iso9001["amendments"] == ["Amd 1:2024"]
    assert iso9001["full_name"] == "ISO 9001:2015/Amd 1:2024"
    assert iso9001["clause_count"] == Clause.objects.filter(standard_id=iso9001["id"]).count() > 50


def test_it_shows_a_clause_with_its_reference_and_documented_information(viewer, standards):
    clause = Clause.objects.get(standard__code="ISO 9001", number="4.3")
    body = api_client(viewer).get(f"{API}/clauses/{clause.pk}/").json()
    assert body["reference"] == "ISO 9001:2015/4.3"
    assert body["parent"] == Clause.objects.get(standard__code="ISO 9001", number="4").pk
    assert body["pdca"] == "plan" and body["audit_questions"] and body["summary"]
    (document,) = body["mandatory_documented_information"]
    assert document["kind"] == "maintain" and document["description"].startswith("Scope")
    assert set(body) == {
        "id",
        "reference",
        "standard",
        "number",
        "title",
        "untitled",
        "parent",
        "pdca",
        "summary",
        "audit_questions",
        "exclusion_allowed",
        "is_leaf",
        "mandatory_documented_information",
    }


def test_it_filters_clauses_by_standard_number_phase_and_text(viewer, standards):
    client = api_client(viewer)
    iso14001 = Standard.objects.get(code="ISO 14001")
    results = client.get(f"{API}/clauses/?standard={iso14001.pk}&number=8.2").json()["results"]
    assert [c["reference"] for c in results] == ["ISO 14001:2015/8.2"]
    checks = client.get(f"{API}/clauses/?pdca=check&page_size=200").json()["results"]
    assert checks and {c["number"].split(".")[0] for c in checks} == {"9"}
    found = client.get(f"{API}/clauses/?q=interested parties").json()["results"]
    assert any(c["number"] == "4.2" for c in found)


@pytest.mark.parametrize(("query", "field"), [("pdca=later", "pdca"), ("standard=999999", "standard")])
def test_it_rejects_bad_clause_filters(viewer, standards, query, field):
    error = error_of(api_client(viewer).get(f"{API}/clauses/?{query}"), 400)
    assert list(error["fields"]) == [field]


def test_it_lists_correspondences_between_the_standards(viewer, standards):
    clause = Clause.objects.get(standard__code="ISO 9001", number="4.1")
    results = api_client(viewer).get(f"{API}/correspondences/?clause={clause.pk}").json()["results"]
    assert [(c["from_reference"], c["to_reference"], c["kind"]) for c in results] == [
        ("ISO 9001:2015/4.1", "ISO 14001:2015/4.1", Correspondence.Kind.EQUIVALENT)
    ]


def test_it_shows_the_library_to_members_of_any_organisation(outsider, standards):
    assert api_client(outsider).get(f"{API}/standards/").json()["count"] == 2


def test_it_refuses_the_library_to_anonymous_users(standards):
    error_of(APIClient().get(f"{API}/clauses/"), 401)


def test_it_offers_no_writes_on_the_library(admin_user, standards):
    client = api_client(admin_user)
    standard = Standard.objects.first()
    assert standard is not None
    error_of(client.post(f"{API}/standards/", {"code": "ISO 45001"}, format="json"), 405)
    error_of(client.delete(f"{API}/standards/{standard.pk}/"), 405)
    assert Standard.objects.count() == 2


def test_the_library_lists_cost_the_same_queries_for_more_rows(viewer, count_queries):
    client = api_client(viewer)
    small = make_standard("TST 1", 2)
    standards = count_queries(lambda: client.get(f"{API}/standards/"))
    clauses = count_queries(lambda: client.get(f"{API}/clauses/?standard={small.pk}"))
    large = make_standard("TST 2", 12)
    assert count_queries(lambda: client.get(f"{API}/standards/")) == standards
    assert count_queries(lambda: client.get(f"{API}/clauses/?standard={large.pk}")) == clauses
