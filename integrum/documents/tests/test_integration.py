"""Documents seen from the rest of the system: the clause and standard pages of the library, and
the gap analysis (its "linked by clause" list and its evidence picker)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from integrum.assessments.models import AssessmentItem, EvidenceLink
from integrum.assessments.services import assessment_create
from integrum.conftest import PASSWORD
from integrum.core.models import Organisation, User
from integrum.documents.models import Document, Kind
from integrum.documents.services import document_withdraw
from integrum.documents.tests.factories import make_document, make_effective
from integrum.standards.models import Clause, Standard

pytestmark = pytest.mark.django_db


def clause_at(code: str, number: str) -> Clause:
    return Clause.objects.get(standard__code=code, standard__edition="2015", number=number)


def text(response: Any) -> str:
    assert response.status_code == 200
    return str(response.content.decode())


def effective(
    organisation: Organisation, author: User, approver: User, clauses: list[Clause], **fields: Any
) -> Document:
    document = make_document(organisation, author, clauses=clauses, **fields)
    make_effective(document, author, approver, PASSWORD)
    document.refresh_from_db()
    return document


def coverage_line(html: str, description_start: str) -> str:
    """The coverage paragraph under one mandatory item of a clause page."""
    match = re.search(rf"{re.escape(description_start)}.*?<p class=\"coverage\">(.*?)</p>", html, re.S)
    assert match, f"no mandatory item starting {description_start!r}"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", match.group(1))).strip()


# --- The clause page ---------------------------------------------------------------------------


def test_it_lists_the_documents_that_serve_a_clause_with_their_status(
    standards: None, organisation: Organisation, manager: User, contributor: User, as_viewer: Client
) -> None:
    emergency = clause_at("ISO 14001", "8.2")
    plan = effective(organisation, contributor, manager, [emergency], title="Spill response plan")
    draft = make_document(organisation, contributor, title="Fire drill routine", clauses=[emergency])
    gone = effective(organisation, contributor, manager, [emergency], title="Old flood plan")
    document_withdraw(document=gone, reason="Merged into the spill response plan.")

    html = text(as_viewer.get(emergency.get_absolute_url()))

    assert "Documents and records that serve this clause" in html
    assert f'href="{plan.get_absolute_url()}">{plan.reference} Spill response plan</a>' in html
    assert 'class="badge badge--done">Effective, rev. 1</span>' in html
    assert f"{draft.reference} Fire drill routine" in html and "badge--muted" in html
    assert "Old flood plan" not in html  # obsolete documents serve nothing
    assert coverage_line(html, "Information needed to have confidence that emergency") == (
        f"Covered by {plan.reference} (effective, rev. 1)"
    )


def test_a_draft_leaves_a_mandatory_item_not_covered(
    standards: None, organisation: Organisation, contributor: User, as_viewer: Client
) -> None:
    emergency = clause_at("ISO 14001", "8.2")
    make_document(organisation, contributor, title="Spill response plan", clauses=[emergency])

    html = text(as_viewer.get(emergency.get_absolute_url()))

    line = coverage_line(html, "Information needed to have confidence that emergency")
    assert line.startswith("Not covered yet")
    assert 'class="badge badge--due">Not covered yet' in html


def test_the_policy_linked_to_5_2_covers_the_policy_items_of_both_standards(
    standards: None, organisation: Organisation, manager: User, admin_user: User, as_viewer: Client
) -> None:
    policy = effective(
        organisation,
        manager,
        admin_user,
        [clause_at("ISO 9001", "5.2"), clause_at("ISO 14001", "5.2")],
        kind=Kind.POLICY,
        title="Quality and environmental policy",
    )

    quality = text(as_viewer.get(clause_at("ISO 9001", "5.2.2").get_absolute_url()))
    environment = text(as_viewer.get(clause_at("ISO 14001", "5.2").get_absolute_url()))

    assert (
        coverage_line(quality, "The quality policy") == f"Covered by {policy.reference} (effective, rev. 1)"
    )
    assert "serves 5.2 as a whole" in quality
    assert coverage_line(environment, "The environmental policy") == (
        f"Covered by {policy.reference} (effective, rev. 1)"
    )


def test_a_record_covers_what_is_retained_and_a_procedure_does_not(
    standards: None, organisation: Organisation, manager: User, contributor: User, as_viewer: Client
) -> None:
    audit = clause_at("ISO 9001", "9.2.2")
    effective(organisation, contributor, manager, [audit], title="Internal audit procedure")
    html = text(as_viewer.get(audit.get_absolute_url()))
    assert coverage_line(html, "Evidence that the audit programme").startswith("Not covered yet")

    record = effective(
        organisation, contributor, manager, [audit], kind=Kind.RECORD, title="Audit reports 2026"
    )
    html = text(as_viewer.get(audit.get_absolute_url()))
    assert coverage_line(html, "Evidence that the audit programme") == (
        f"Covered by {record.reference} (effective, rev. 1)"
    )


def test_it_never_shows_another_organisations_documents(
    standards: None,
    organisation: Organisation,
    manager: User,
    other_organisation: Organisation,
    outsider: User,
    as_viewer: Client,
    as_outsider: Client,
) -> None:
    emergency = clause_at("ISO 14001", "8.2")
    ours = effective(organisation, manager, manager, [emergency], title="Our spill response plan")

    theirs = text(as_outsider.get(emergency.get_absolute_url()))
    assert "Our spill response plan" not in theirs and ours.get_absolute_url() not in theirs
    assert coverage_line(theirs, "Information needed to have confidence that emergency").startswith(
        "Not covered yet"
    )
    effective(other_organisation, outsider, outsider, [emergency], title="Their spill response plan")
    assert "Their spill response plan" not in text(as_viewer.get(emergency.get_absolute_url()))


def test_the_clause_page_costs_the_same_queries_for_one_document_or_many(
    standards: None,
    organisation: Organisation,
    manager: User,
    contributor: User,
    as_viewer: Client,
    count_queries: Any,
) -> None:
    section, emergency = clause_at("ISO 14001", "8"), clause_at("ISO 14001", "8.2")
    effective(organisation, contributor, manager, [emergency], title="Spill response plan")
    url = emergency.get_absolute_url()
    one = count_queries(lambda: as_viewer.get(url))

    for number in range(5):
        effective(organisation, contributor, manager, [emergency, section], title=f"Drill {number}")
    make_document(organisation, contributor, kind=Kind.RECORD, title="Drill log", clauses=[section])

    assert count_queries(lambda: as_viewer.get(url)) == one


# --- The standard page -------------------------------------------------------------------------


def test_the_standard_page_sums_up_the_covered_items_and_marks_each_clause(
    standards: None, organisation: Organisation, manager: User, contributor: User, as_viewer: Client
) -> None:
    environment = Standard.objects.get(code="ISO 14001")
    effective(organisation, contributor, manager, [clause_at("ISO 14001", "5.2")], kind=Kind.POLICY)
    make_document(organisation, contributor, clauses=[clause_at("ISO 14001", "8.2")])

    html = text(as_viewer.get(environment.get_absolute_url()))

    assert "1 of 15 mandatory items covered" in html
    row = re.search(r">5\.2</span>.*?</li>", html, re.S)
    assert row and 'class="badge badge--done" title="Mandatory items covered' in row.group(0)
    assert "1/1 covered" in row.group(0)
    row = re.search(r">8\.2</span>.*?</li>", html, re.S)
    assert row and "badge--due" in row.group(0) and "0/1 covered" in row.group(0)


def test_the_standard_page_costs_the_same_queries_for_few_documents_or_many(
    standards: None,
    organisation: Organisation,
    manager: User,
    contributor: User,
    as_viewer: Client,
    count_queries: Any,
) -> None:
    environment = Standard.objects.get(code="ISO 14001")
    effective(organisation, contributor, manager, [clause_at("ISO 14001", "5.2")], kind=Kind.POLICY)
    few = count_queries(lambda: as_viewer.get(environment.get_absolute_url()))

    for number in ("4.3", "6.1.2", "6.1.3", "8.1", "8.2"):
        effective(organisation, contributor, manager, [clause_at("ISO 14001", number)], title=number)
    effective(organisation, contributor, manager, [clause_at("ISO 14001", "9")], kind=Kind.RECORD)

    many = count_queries(lambda: as_viewer.get(environment.get_absolute_url()))
    assert many == few
    assert "10 of 15 mandatory items covered" in text(as_viewer.get(environment.get_absolute_url()))


# --- The gap analysis --------------------------------------------------------------------------


@pytest.fixture
def item(standards: None, organisation: Organisation, manager: User) -> AssessmentItem:
    """The integrated gap analysis item of 7.5.1, shared by ISO 9001 and ISO 14001."""
    assessment = assessment_create(
        organisation=organisation, title="Gaps", standards=list(Standard.objects.all()), owner=manager
    )
    return assessment.items.get(clauses__standard__code="ISO 9001", clauses__number="7.5.1")


def test_the_gap_item_shows_the_documents_linked_by_its_clauses(
    item: AssessmentItem, organisation: Organisation, manager: User, contributor: User, as_viewer: Client
) -> None:
    procedure = effective(
        organisation,
        contributor,
        manager,
        [clause_at("ISO 9001", "7.5.1"), clause_at("ISO 14001", "7.5.1")],
        title="Control of documented information",
    )
    manual = effective(
        organisation,
        contributor,
        manager,
        [clause_at("ISO 14001", "7.5")],
        kind=Kind.MANUAL,
        title="IMS manual",
    )
    effective(organisation, contributor, manager, [clause_at("ISO 9001", "7.4")], title="Communication")

    html = text(as_viewer.get(item.get_absolute_url()))

    listed = html[html.index("Linked by clause") : html.index("Actions to close the gap")]
    assert listed.count(f"{procedure.reference} Control of documented information") == 1
    assert f"{manual.reference} IMS manual" in listed
    assert "Communication" not in listed


def test_the_gap_item_says_when_nothing_is_linked_by_its_clauses(
    item: AssessmentItem, as_viewer: Client
) -> None:
    assert "No document or record names this clause yet." in text(as_viewer.get(item.get_absolute_url()))


def test_the_evidence_picker_finds_and_links_a_document(
    item: AssessmentItem, organisation: Organisation, contributor: User, as_contributor: Client
) -> None:
    document = make_document(organisation, contributor, title="Document register and retention table")

    by_reference = text(as_contributor.get(item.get_absolute_url(), {"q": document.reference.lower()}))
    by_title = text(as_contributor.get(item.get_absolute_url(), {"q": "retention table"}))

    for html in (by_reference, by_title):
        assert f'<span class="muted">Document</span> {document}' in html
        assert 'name="type" value="documents.document"' in html
    response = as_contributor.post(
        reverse("assessments:item_evidence_link", args=[item.pk]),
        {"type": "documents.document", "id": document.pk},
    )
    assert response.status_code == 302
    link = EvidenceLink.objects.get(item=item)
    assert (link.target, link.label) == (document, str(document))


def test_the_evidence_picker_never_offers_an_outsiders_document(
    item: AssessmentItem,
    other_organisation: Organisation,
    outsider: User,
    as_contributor: Client,
) -> None:
    theirs = make_document(other_organisation, outsider, title="Document register and retention table")

    html = text(as_contributor.get(item.get_absolute_url(), {"q": "retention"}))
    assert "Document register" not in html and "Nothing found for" in html
    html = text(as_contributor.get(item.get_absolute_url(), {"q": theirs.reference}))
    assert f'name="id" value="{theirs.pk}"' not in html

    as_contributor.post(
        reverse("assessments:item_evidence_link", args=[item.pk]),
        {"type": "documents.document", "id": theirs.pk},
    )
    assert not EvidenceLink.objects.filter(item=item).exists()


def test_the_gap_item_costs_the_same_queries_for_one_linked_document_or_many(
    item: AssessmentItem,
    organisation: Organisation,
    manager: User,
    contributor: User,
    as_viewer: Client,
    count_queries: Any,
) -> None:
    clauses = [clause_at("ISO 9001", "7.5.1"), clause_at("ISO 14001", "7.5.1")]
    effective(organisation, contributor, manager, clauses, title="Control of documented information")
    one = count_queries(lambda: as_viewer.get(item.get_absolute_url()))

    for number in range(5):
        effective(organisation, contributor, manager, clauses, title=f"Form {number}", kind=Kind.FORM)

    assert count_queries(lambda: as_viewer.get(item.get_absolute_url())) == one


# --- The demo ----------------------------------------------------------------------------------


def run_demo(settings: Any, tmp_path: Any) -> str:
    import io

    from django.core.management import call_command

    settings.DATA_DIR = tmp_path / "data"
    out = io.StringIO()
    call_command("demo", "--no-serve", stdout=out)
    return out.getvalue()


def test_the_demo_has_a_register_with_work_waiting_for_helen(settings: Any, tmp_path: Any) -> None:
    from integrum.core.changelog import verify_chain
    from integrum.core.management.commands.demo import DEMO_SLUG, LOGIN_EMAIL
    from integrum.documents.models import NumberingRule
    from integrum.reports.selectors import my_work
    from integrum.standards import evidence

    run_demo(settings, tmp_path)
    northwind = Organisation.objects.get(slug=DEMO_SLUG)
    documents = {d.title: d for d in Document.objects.filter(organisation=northwind)}
    assert {d.kind for d in documents.values()} == {Kind.POLICY, Kind.MANUAL, Kind.PROCEDURE, Kind.RECORD}
    assert all(d.status == Document.Status.EFFECTIVE for d in documents.values())
    assert NumberingRule.objects.filter(organisation=northwind).count() == len(Kind.values)
    policy = documents["Quality and environmental policy"]
    assert policy.reference == "POL-001"
    record = documents["Waste transfer notes 2025"]
    assert (record.retention_months, record.legal_hold, record.disposal_date is not None) == (36, False, True)
    assert any(d.current_revision.has_file for d in documents.values())
    assert any(not d.current_revision.has_file for d in documents.values())

    helen = User.objects.get(email=LOGIN_EMAIL)
    work = my_work(helen, northwind)
    assert [d.title for d in work.reviews] == ["Integrated management system manual"]
    assert work.reviews[0].review_state == "overdue"
    assert [(s.revision.document.title, s.revision.label) for s in work.approvals] == [
        ("Nonconformity and corrective action", "2")
    ]
    assert policy in work.to_read
    assert policy.current_revision.acknowledgements.count() >= 2

    quality_policy = clause_at("ISO 9001", "5.2.2")
    covered = evidence.coverage(helen, northwind, [quality_policy])[quality_policy.pk]
    assert [r.reference for r in covered.items[0].covered_by] == ["POL-001"]
    assert verify_chain().ok


def test_the_demo_adds_a_register_to_an_older_demo_once(
    settings: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from integrum.core.management.commands import demo

    monkeypatch.setattr(demo, "seed_documents", lambda *args: None)
    run_demo(settings, tmp_path)  # a demo made before document control
    monkeypatch.undo()
    assert not Document.objects.exists()

    assert "its document register was added" in run_demo(settings, tmp_path)
    count = Document.objects.count()
    assert count > 0
    assert "nothing to add" in run_demo(settings, tmp_path)
    assert Document.objects.count() == count
