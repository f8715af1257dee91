"""The audit pages for every persona, bad input, the checklist with htmx, the report PDF, the
findings export and query-count guards."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from integrum.audits import services
from integrum.audits.models import Audit, Auditor, AuditProgramme, ChecklistItem, Finding, GradeDefinition
from integrum.audits.tests.factories import clause, iso9001, iso14001, make_audit, make_process, started
from integrum.audits.tests.test_services import PNG
from integrum.core.models import Attachment

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"audits:{name}", args=args)


def body(response):
    return response.content.decode()


@pytest.fixture
def world(standards, organisation, sites, contributor, manager, viewer):
    """A programme, an auditor, an audit in progress with a finding, and a planned audit."""
    programme = services.programme_create(
        organisation=organisation,
        title="Internal audits 2026",
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2026, 12, 31),
        standards=[iso9001()],
    )
    process = make_process(organisation, "Purchasing", owner=contributor)
    auditor = services.auditor_create(organisation=organisation, user=manager, own_processes=[process])
    audit = started(
        make_audit(organisation, lead=contributor, programme=programme, processes=[process]), contributor
    )
    item = audit.checklist.first()
    finding = services.finding_create(
        audit=audit,
        grade="minor",
        clause=item.clause,
        statement="Supplier not approved",
        evidence="PO 4411",
        user=contributor,
        checklist_item=item,
        site=sites[0],
    )
    planned = make_audit(organisation, lead=contributor, programme=programme, title="Stores")
    grade = services.grade_definitions(organisation)["major"]
    return {
        "programme": programme,
        "auditor": auditor,
        "audit": audit,
        "item": item,
        "finding": finding,
        "planned": planned,
        "grade": grade,
        "process": process,
    }


def read_urls(w):
    return [
        url("programme_list"),
        url("programme_detail", w["programme"].pk),
        url("auditor_list"),
        url("audit_list"),
        url("audit_detail", w["audit"].pk),
        url("audit_checklist", w["audit"].pk),
        url("audit_report", w["audit"].pk),
        url("finding_list"),
        url("finding_detail", w["finding"].pk),
        url("grade_list"),
    ]


def object_urls(w):
    return [
        url("programme_detail", w["programme"].pk),
        url("programme_update", w["programme"].pk),
        url("auditor_update", w["auditor"].pk),
        url("audit_detail", w["audit"].pk),
        url("audit_update", w["audit"].pk),
        url("audit_checklist", w["audit"].pk),
        url("audit_report", w["audit"].pk),
        url("audit_report_pdf", w["audit"].pk),
        url("finding_detail", w["finding"].pk),
        url("finding_update", w["finding"].pk),
    ]


def post_urls(w):
    return [
        url("programme_delete", w["programme"].pk),
        url("auditor_delete", w["auditor"].pk),
        url("audit_delete", w["planned"].pk),
        url("audit_transition", w["audit"].pk),
        url("checklist_generate", w["planned"].pk),
        url("checklist_add", w["audit"].pk),
        url("checklist_answer", w["item"].pk),
        url("finding_delete", w["finding"].pk),
        url("grade_update", w["grade"].pk),
    ]


# --- Personas --------------------------------------------------------------------------------


def test_every_page_reads_for_a_viewer(world, as_viewer):
    for address in read_urls(world):
        response = as_viewer.get(address)
        assert response.status_code == 200, address
    assert "Supplier not approved" in body(as_viewer.get(url("finding_list")))


def test_viewer_cannot_write(world, as_viewer):
    for address in [
        url("programme_create"),
        url("audit_create"),
        url("finding_create"),
        url("auditor_create"),
        url("audit_update", world["audit"].pk),
    ]:
        assert as_viewer.get(address).status_code == 403, address
    before = (
        Audit.objects.count(),
        ChecklistItem.objects.count(),
        Finding.objects.count(),
        AuditProgramme.objects.count(),
    )
    for address in post_urls(world):
        assert (
            as_viewer.post(
                address, {"to": "cancelled", "question": "Q?", "answer": "conforming", "version": 1}
            ).status_code
            == 403
        ), address
    after = (
        Audit.objects.count(),
        ChecklistItem.objects.count(),
        Finding.objects.count(),
        AuditProgramme.objects.count(),
    )
    assert before == after
    assert Audit.objects.get(pk=world["audit"].pk).status == "in_progress"


def test_outsider_gets_404_everywhere(world, as_outsider):
    for address in object_urls(world):
        assert as_outsider.get(address).status_code == 404, address
    for address in post_urls(world):
        assert as_outsider.post(address, {"to": "cancelled"}).status_code == 404, address
    assert as_outsider.get(url("finding_create") + f"?item={world['item'].pk}").status_code == 404
    for address in (url("audit_list"), url("finding_list"), url("programme_list")):
        text = body(as_outsider.get(address))
        assert world["audit"].reference not in text and world["finding"].reference not in text
    assert Finding.objects.count() == 1


def test_contributor_cannot_configure_or_delete(world, as_contributor):
    assert as_contributor.get(url("auditor_create")).status_code == 403
    assert as_contributor.post(url("audit_delete", world["planned"].pk)).status_code == 403
    assert (
        as_contributor.post(
            url("grade_update", world["grade"].pk), {"definition": "x", "version": 1}
        ).status_code
        == 403
    )
    assert Audit.objects.filter(pk=world["planned"].pk).exists()


# --- Writes ----------------------------------------------------------------------------------


def test_contributor_plans_an_audit_and_sees_independence_warnings(
    world, as_contributor, contributor, organisation
):
    response = as_contributor.post(
        url("audit_create"),
        {
            "title": "Purchasing follow-up",
            "programme": world["programme"].pk,
            "scope": "Purchasing",
            "standards": [iso9001().pk],
            "clauses": [clause("8.4").pk],
            "processes": [world["process"].pk],
            "lead_auditor": contributor.pk,
            "planned_start": "2026-06-01",
            "planned_end": "2026-06-02",
            "version": 1,
        },
        follow=True,
    )
    assert response.status_code == 200
    audit = Audit.objects.get(title="Purchasing follow-up")
    text = body(response)
    assert "Independence" in text and "owns" in text
    response = as_contributor.post(url("checklist_generate", audit.pk), follow=True)
    assert audit.checklist.count() > 0
    assert "question(s) added" in body(response)


def test_bad_audit_input_changes_nothing(world, as_contributor, contributor):
    before = Audit.objects.count()
    response = as_contributor.post(
        url("audit_create"),
        {
            "title": "Bad",
            "scope": "x",
            "standards": [iso9001().pk],
            "clauses": [
                clause(
                    "6.1.2",
                    standard=iso14001(),
                ).pk
            ],
            "planned_start": "2026-06-02",
            "planned_end": "2026-06-01",
            "version": 1,
        },
    )
    assert response.status_code == 400
    assert Audit.objects.count() == before


def test_transition_buttons_and_refusal(world, as_contributor):
    audit = world["audit"]
    response = as_contributor.post(url("audit_transition", audit.pk), {"to": "reported"}, follow=True)
    assert "cannot be reported yet" in body(response)
    assert Audit.objects.get(pk=audit.pk).status == "in_progress"
    response = as_contributor.post(url("audit_transition", audit.pk), {"to": "closed"}, follow=True)
    assert "cannot go from in progress to closed" in body(response)


def test_answer_with_htmx_returns_the_card_and_saves_evidence(world, as_contributor, contributor):
    item = world["item"]
    response = as_contributor.post(
        url("checklist_answer", item.pk),
        {
            "answer": "nonconforming",
            "notes": "No approval record",
            "version": item.version,
            "evidence": SimpleUploadedFile("photo.png", PNG, "image/png"),
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    text = body(response)
    assert text.startswith("<article") and "Saved." in text and "photo.png" in text
    item.refresh_from_db()
    assert item.answer == "nonconforming" and item.answered_by == contributor
    assert Attachment.objects.filter(object_id=str(item.pk)).count() == 1


def test_answer_refused_without_notes_keeps_the_item(world, as_contributor):
    item = world["item"]
    response = as_contributor.post(
        url("checklist_answer", item.pk),
        {"answer": "observation", "notes": "", "version": item.version},
        HTTP_HX_REQUEST="true",
    )
    assert "Not saved" in body(response) and "needs notes" in body(response)
    item.refresh_from_db()
    assert item.answer == ""
    response = as_contributor.post(
        url("checklist_answer", item.pk), {"answer": "conforming", "version": item.version}
    )
    assert response.status_code == 302 and response["Location"].endswith(f"#item-{item.pk}")
    item.refresh_from_db()
    assert item.answer == "conforming"


def test_stale_answer_is_refused(world, as_contributor):
    item = world["item"]
    response = as_contributor.post(
        url("checklist_answer", item.pk),
        {"answer": "conforming", "version": item.version + 5},
        HTTP_HX_REQUEST="true",
    )
    assert "Someone else saved" in body(response)
    item.refresh_from_db()
    assert item.answer == ""


def test_custom_question(world, as_contributor):
    audit = world["audit"]
    count = audit.checklist.count()
    as_contributor.post(url("checklist_add", audit.pk), {"question": ""})
    assert audit.checklist.count() == count
    as_contributor.post(url("checklist_add", audit.pk), {"question": "Is the approved supplier list signed?"})
    assert audit.checklist.filter(is_custom=True).count() == 1


def test_finding_form_from_an_item_prefills_the_clause(world, as_contributor, contributor):
    item = world["item"]
    response = as_contributor.get(url("finding_create") + f"?item={item.pk}")
    assert response.status_code == 200
    assert f'value="{item.clause_id}" selected' in body(response)
    before = Finding.objects.count()
    response = as_contributor.post(
        url("finding_create"),
        {
            "audit": world["audit"].pk,
            "checklist_item": item.pk,
            "grade": "observation",
            "clause": item.clause_id,
            "statement": "List not reviewed",
            "evidence": "",
            "version": 1,
        },
    )
    assert response.status_code == 302
    assert Finding.objects.count() == before + 1
    response = as_contributor.post(
        url("finding_create"),
        {
            "audit": world["audit"].pk,
            "grade": "minor",
            "clause": clause("8.1", iso14001()).pk,
            "statement": "x",
            "version": 1,
        },
    )
    assert response.status_code == 400
    assert Finding.objects.count() == before + 1


def test_finding_detail_shows_grade_meaning(world, as_viewer):
    text = body(as_viewer.get(url("finding_detail", world["finding"].pk)))
    assert "does not put in doubt" in text


def test_manager_deletes_and_configures(world, as_manager, organisation):
    assert as_manager.post(url("audit_delete", world["planned"].pk)).status_code == 302
    assert not Audit.objects.filter(pk=world["planned"].pk).exists()
    response = as_manager.post(url("audit_delete", world["audit"].pk), follow=True)
    assert "only a planned audit" in body(response)
    grade = world["grade"]
    assert (
        as_manager.post(
            url("grade_update", grade.pk), {"definition": "", "version": grade.version}
        ).status_code
        == 400
    )
    response = as_manager.post(
        url("grade_update", grade.pk),
        {"definition": "Systemic gap", "response": "", "version": grade.version},
    )
    assert response.status_code == 302
    assert GradeDefinition.objects.get(pk=grade.pk).definition == "Systemic gap"
    assert as_manager.post(url("auditor_delete", world["auditor"].pk)).status_code == 302
    assert not Auditor.objects.exists()


# --- Report and export -----------------------------------------------------------------------


def test_report_pdf_is_a_pdf(world, as_viewer):
    response = as_viewer.get(url("audit_report_pdf", world["audit"].pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_report_html_lists_findings_and_definitions(world, as_viewer):
    text = body(as_viewer.get(url("audit_report", world["audit"].pk)))
    assert world["finding"].reference in text and "Minor nonconformity" in text
    assert "Grades used" in text and "Independence" in text


def test_findings_export_opens_with_the_rows(world, as_viewer):
    response = as_viewer.get(url("finding_list") + "?export=xlsx&grade=minor")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("Reference", "Audit", "Grade", "Clause")
    assert rows[1][0] == world["finding"].reference and rows[1][2] == "Minor nonconformity"
    assert len(rows) == 2


def test_programme_page_shows_plan_and_timeline(world, as_viewer):
    text = body(as_viewer.get(url("programme_detail", world["programme"].pk)))
    assert "Plan by process" in text and "Purchasing" in text
    assert "<svg" in text and "timeline__planned" in text


# --- Query counts ----------------------------------------------------------------------------


def _more(world, organisation, contributor, n=5):
    for i in range(n):
        process = make_process(organisation, f"Process {i}", owner=contributor)
        audit = make_audit(
            organisation, lead=contributor, programme=world["programme"], processes=[process], title=f"A{i}"
        )
        audit = started(audit, contributor)
        item = audit.checklist.first()
        services.finding_create(
            audit=audit,
            grade="ofi",
            clause=item.clause,
            statement=f"S{i}",
            evidence="",
            user=contributor,
            checklist_item=item,
            process=process,
        )
        services.finding_create(
            audit=world["audit"],
            grade="minor",
            clause=item.clause,
            statement=f"T{i}",
            evidence="",
            user=contributor,
            process=process,
        )
    world["audit"].processes.add(
        *[p for p in world["audit"].processes.model.objects.filter(name__startswith="Process")]
    )
    world["audit"].team.add(contributor)


@pytest.mark.parametrize(
    "name",
    [
        "programme_list",
        "programme_detail",
        "auditor_list",
        "audit_list",
        "audit_detail",
        "audit_checklist",
        "finding_list",
        "finding_detail",
        "audit_report",
    ],
)
def test_query_counts_do_not_grow(world, as_viewer, organisation, contributor, count_queries, name):
    args = {
        "programme_detail": [world["programme"].pk],
        "audit_detail": [world["audit"].pk],
        "audit_checklist": [world["audit"].pk],
        "finding_detail": [world["finding"].pk],
        "audit_report": [world["audit"].pk],
    }.get(name, [])
    address = url(name, *args)
    few = count_queries(lambda: as_viewer.get(address))
    _more(world, organisation, contributor)
    if name == "audit_checklist":
        for i in range(5):
            services.checklist_item_add(audit=world["audit"], question=f"Extra {i}?")
    many = count_queries(lambda: as_viewer.get(address))
    assert few == many, f"{name}: {few} then {many} queries"
