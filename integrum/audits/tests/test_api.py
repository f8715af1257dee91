"""The audit endpoints for every persona: CRUD, steps, checklist, findings, grades and the report."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from integrum.audits import services
from integrum.audits.models import Audit, Auditor, AuditProgramme, ChecklistItem, Finding, GradeDefinition
from integrum.audits.tests.factories import clause, iso9001, iso14001, make_audit, make_process, started
from integrum.core.models import ObjectChange
from integrum.core.tests.test_api import api_client, error_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("standards")]

API = "/api/v1"
audit_date = datetime.date


@pytest.fixture
def audit(organisation, contributor):
    return started(make_audit(organisation, lead=contributor), contributor)


@pytest.fixture
def finding(audit, contributor):
    item = audit.checklist.first()
    return services.finding_create(
        audit=audit,
        grade="minor",
        clause=item.clause,
        statement="Gap",
        evidence="",
        user=contributor,
        checklist_item=item,
    )


def counts():
    return (
        ObjectChange.objects.count(),
        Audit.objects.count(),
        ChecklistItem.objects.count(),
        Finding.objects.count(),
        AuditProgramme.objects.count(),
        Auditor.objects.count(),
    )


def test_viewer_reads_audits_with_computed_fields(viewer, audit, finding):
    client = api_client(viewer)
    body = client.get(f"{API}/audits/").json()
    row = body["results"][0]
    assert row["reference"] == audit.reference and row["status"] == "in_progress"
    assert row["allowed_transitions"] == ["reported", "cancelled"]
    assert any("not a registered auditor" in w for w in row["independence_warnings"])
    checklist = client.get(f"{API}/audits/{audit.pk}/checklist/").json()
    assert len(checklist) == audit.checklist.count()
    assert client.get(f"{API}/findings/").json()["results"][0]["reference"] == finding.reference
    assert client.get(f"{API}/checklist-items/?audit={audit.pk}").json()["count"] == audit.checklist.count()
    grades = client.get(f"{API}/grade-definitions/").json()
    assert {g["grade"] for g in grades["results"]} == {"major", "minor", "observation", "ofi"}
    response = client.get(f"{API}/audits/{audit.pk}/report/")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")


def test_viewer_cannot_write(viewer, audit, finding):
    client = api_client(viewer)
    before = counts()
    item = audit.checklist.first()
    error_of(client.post(f"{API}/audits/{audit.pk}/transition/", {"to": "cancelled"}, format="json"), 403)
    error_of(
        client.patch(
            f"{API}/checklist-items/{item.pk}/",
            {"answer": "conforming", "version": item.version},
            format="json",
        ),
        403,
    )
    error_of(
        client.post(
            f"{API}/findings/",
            {"audit": audit.pk, "grade": "ofi", "clause": item.clause_id, "statement": "x"},
            format="json",
        ),
        403,
    )
    error_of(
        client.post(
            f"{API}/audit-programmes/",
            {"title": "P", "start_date": "2026-01-01", "end_date": "2026-12-31", "standards": ["ISO 9001"]},
            format="json",
        ),
        403,
    )
    error_of(client.delete(f"{API}/findings/{finding.pk}/"), 403)
    assert counts() == before


def test_outsider_gets_404(outsider, audit, finding):
    client = api_client(outsider)
    item = audit.checklist.first()
    for address in (
        f"{API}/audits/{audit.pk}/",
        f"{API}/audits/{audit.pk}/checklist/",
        f"{API}/audits/{audit.pk}/report/",
        f"{API}/findings/{finding.pk}/",
        f"{API}/checklist-items/{item.pk}/",
    ):
        error_of(client.get(address), 404)
    error_of(client.post(f"{API}/audits/{audit.pk}/transition/", {"to": "cancelled"}, format="json"), 404)
    error_of(
        client.patch(
            f"{API}/checklist-items/{item.pk}/", {"answer": "conforming", "version": 1}, format="json"
        ),
        404,
    )
    assert client.get(f"{API}/audits/").json()["count"] == 0
    assert Audit.objects.get(pk=audit.pk).status == "in_progress"


@pytest.fixture
def programme(organisation):
    return services.programme_create(
        organisation=organisation,
        title="Programme 2026",
        start_date=audit_date(2026, 1, 1),
        end_date=audit_date(2026, 12, 31),
        standards=[iso9001()],
    )


@pytest.fixture
def auditor(organisation, manager):
    return services.auditor_create(organisation=organisation, user=manager, standards=[iso9001()])


def every_record_endpoint(audit, finding, programme, auditor):
    """(method, address, body) for every endpoint that names one record."""
    grade = services.grade_definitions(audit.organisation)["minor"]
    item = audit.checklist.first()
    return [
        ("get", f"{API}/audit-programmes/{programme.pk}/", None),
        ("get", f"{API}/audit-programmes/{programme.pk}/plan/", None),
        (
            "patch",
            f"{API}/audit-programmes/{programme.pk}/",
            {"title": "Theirs", "version": programme.version},
        ),
        ("delete", f"{API}/audit-programmes/{programme.pk}/", None),
        ("get", f"{API}/auditors/{auditor.pk}/", None),
        ("patch", f"{API}/auditors/{auditor.pk}/", {"qualifications": "x", "version": auditor.version}),
        ("delete", f"{API}/auditors/{auditor.pk}/", None),
        ("patch", f"{API}/audits/{audit.pk}/", {"title": "Theirs", "version": audit.version}),
        ("delete", f"{API}/audits/{audit.pk}/", None),
        ("post", f"{API}/audits/{audit.pk}/generate-checklist/", {}),
        ("post", f"{API}/checklist-items/", {"audit": audit.pk, "question": "Ours?"}),
        ("patch", f"{API}/findings/{finding.pk}/", {"statement": "Theirs", "version": finding.version}),
        ("delete", f"{API}/findings/{finding.pk}/", None),
        ("get", f"{API}/grade-definitions/{grade.pk}/", None),
        ("patch", f"{API}/grade-definitions/{grade.pk}/", {"definition": "x", "version": grade.version}),
        ("get", f"{API}/checklist-items/{item.pk}/", None),
    ]


def test_an_outsider_gets_404_from_every_record_endpoint_and_changes_nothing(
    outsider, audit, finding, programme, auditor
):
    client = api_client(outsider)
    endpoints = every_record_endpoint(audit, finding, programme, auditor)
    before = counts()
    for method, address, body in endpoints:
        response = (
            getattr(client, method)(address, body, format="json")
            if body is not None
            else getattr(client, method)(address)
        )
        # A record of another organisation does not exist for them; a POST naming it is refused.
        assert response.status_code in (400, 404), (method, address, response.status_code)
    assert counts() == before
    for collection in ("audit-programmes", "auditors", "audits", "findings", "checklist-items"):
        assert client.get(f"{API}/{collection}/").json()["count"] == 0, collection


def test_a_viewer_reads_every_record_endpoint_and_writes_none(viewer, audit, finding, programme, auditor):
    client = api_client(viewer)
    endpoints = every_record_endpoint(audit, finding, programme, auditor)
    before = counts()
    for method, address, body in endpoints:
        if method == "get":
            assert client.get(address).status_code == 200, address
        else:
            call = getattr(client, method)
            response = call(address, body, format="json") if body is not None else call(address)
            assert response.status_code == 403, (method, address, response.status_code)
    assert counts() == before


def test_contributor_runs_an_audit_through_the_api(organisation, contributor):
    client = api_client(contributor)
    process = make_process(organisation, "Welding")
    response = client.post(
        f"{API}/audits/",
        {
            "title": "Welding",
            "scope": "Weld shop",
            "standards": ["ISO 9001"],
            "clauses": [clause("8.5.1").pk],
            "processes": [process.pk],
            "lead_auditor": contributor.pk,
            "planned_start": "2026-05-04",
            "planned_end": "2026-05-04",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    generated = client.post(f"{API}/audits/{pk}/generate-checklist/").json()
    assert generated["added"] == len(generated["checklist"]) > 0
    custom = client.post(
        f"{API}/checklist-items/", {"audit": pk, "question": "Are weld procedures qualified?"}, format="json"
    )
    assert custom.status_code == 201 and custom.json()["is_custom"]
    for to in ("prepared", "in_progress"):
        assert client.post(f"{API}/audits/{pk}/transition/", {"to": to}, format="json").status_code == 200
    items = client.get(f"{API}/audits/{pk}/checklist/").json()
    first = items[0]
    error_of(
        client.patch(
            f"{API}/checklist-items/{first['id']}/",
            {"answer": "nonconforming", "version": first["version"]},
            format="json",
        ),
        400,
    )
    for item in items:
        answer = "nonconforming" if item is first else "conforming"
        response = client.patch(
            f"{API}/checklist-items/{item['id']}/",
            {"answer": answer, "notes": "Seen", "version": item["version"]},
            format="json",
        )
        assert response.status_code == 200, response.content
    error = error_of(client.post(f"{API}/audits/{pk}/transition/", {"to": "reported"}, format="json"), 400)
    assert "summary" in error["message"]
    response = client.post(
        f"{API}/findings/",
        {
            "audit": pk,
            "checklist_item": first["id"],
            "grade": "minor",
            "clause": clause("8.5.1").pk,
            "statement": "WPS expired",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    audit = client.get(f"{API}/audits/{pk}/").json()
    assert (
        client.patch(
            f"{API}/audits/{pk}/", {"summary": "One minor gap.", "version": audit["version"]}, format="json"
        ).status_code
        == 200
    )
    body = client.post(f"{API}/audits/{pk}/transition/", {"to": "reported"}, format="json").json()
    assert body["status"] == "reported" and body["allowed_transitions"] == ["in_progress", "closed"]
    error = error_of(client.post(f"{API}/audits/{pk}/transition/", {"to": "planned"}, format="json"), 400)
    assert "reported" in error["message"] and "planned" in error["message"]


def test_bad_input_changes_nothing(contributor, audit):
    client = api_client(contributor)
    before = counts()
    error_of(
        client.post(
            f"{API}/audits/",
            {
                "title": "x",
                "scope": "y",
                "standards": ["ISO 9001"],
                "clauses": [clause("6.1.2", iso14001()).pk],
                "planned_start": "2026-01-02",
                "planned_end": "2026-01-01",
            },
            format="json",
        ),
        400,
    )
    error_of(
        client.post(
            f"{API}/findings/",
            {"audit": audit.pk, "grade": "minor", "clause": clause("8.1", iso14001()).pk, "statement": "x"},
            format="json",
        ),
        400,
    )
    error_of(client.post(f"{API}/audits/{audit.pk}/transition/", {"to": "nowhere"}, format="json"), 400)
    item = audit.checklist.first()
    error_of(
        client.patch(
            f"{API}/checklist-items/{item.pk}/",
            {"answer": "conforming", "version": item.version + 3},
            format="json",
        ),
        409,
    )
    assert counts() == before


def test_manager_configures_auditors_grades_and_deletes(organisation, manager, contributor, audit, finding):
    client = api_client(manager)
    response = client.post(
        f"{API}/auditors/", {"user": contributor.pk, "standards": ["ISO 9001"]}, format="json"
    )
    assert response.status_code == 201, response.content
    error_of(api_client(contributor).post(f"{API}/auditors/", {"user": manager.pk}, format="json"), 403)
    grades = client.get(f"{API}/grade-definitions/").json()["results"]
    major = next(g for g in grades if g["grade"] == "major")
    error_of(
        api_client(contributor).patch(
            f"{API}/grade-definitions/{major['id']}/",
            {"definition": "x", "version": major["version"]},
            format="json",
        ),
        403,
    )
    response = client.patch(
        f"{API}/grade-definitions/{major['id']}/",
        {"definition": "Systemic", "version": major["version"]},
        format="json",
    )
    assert response.status_code == 200
    assert GradeDefinition.objects.get(pk=major["id"]).definition == "Systemic"
    assert client.delete(f"{API}/findings/{finding.pk}/").status_code == 204
    error = error_of(client.delete(f"{API}/audits/{audit.pk}/"), 400)
    assert "planned" in error["message"]


def test_programme_and_its_plan(organisation, contributor):
    client = api_client(contributor)
    response = client.post(
        f"{API}/audit-programmes/",
        {
            "title": "2026",
            "start_date": "2026-01-01",
            "end_date": "2026-12-31",
            "standards": ["ISO 9001", "ISO 14001"],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    make_process(organisation, "Welding")
    plan = client.get(f"{API}/audit-programmes/{response.json()['id']}/plan/").json()
    assert (
        plan[0]["process_name"] == "Welding"
        and plan[0]["interval_months"] == 12
        and plan[0]["due_not_planned"]
    )


def test_audit_list_query_count_does_not_grow(organisation, viewer, contributor):
    make_audit(organisation, lead=contributor, team=[viewer])
    client = api_client(viewer)

    def run():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"{API}/audits/").status_code == 200
        return len(captured)

    few = run()
    for i in range(5):
        make_audit(
            organisation,
            lead=contributor,
            team=[viewer],
            processes=[make_process(organisation, f"P{i}")],
            clauses=[clause("8.4.1")],
            standards=[iso9001()],
        )
    assert run() == few
