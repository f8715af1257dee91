from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from integrum.actions.models import Action
from integrum.assessments.models import AssessmentItem
from integrum.assessments.services import assessment_create, assessment_item_update
from integrum.core.models import Attachment, ObjectChange
from integrum.standards.models import Standard

pytestmark = pytest.mark.django_db

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def assessment(organisation, standards):
    return assessment_create(
        organisation=organisation,
        title="Readiness 2026",
        standards=list(Standard.objects.all()),
        integrated=True,
    )


@pytest.fixture
def item(assessment):
    return assessment.items.get(clauses__standard__code="ISO 9001", clauses__number="4.1")


def item_data(item, **changes):
    data = {
        "status": item.status,
        "notes": item.notes,
        "justification": "",
        "owner": "",
        "target_date": "",
        "version": item.version,
    }
    data.update(changes)
    return data


def test_it_shows_the_gap_analysis_with_readiness_and_chart(as_viewer, assessment):
    body = as_viewer.get(assessment.get_absolute_url()).content.decode()
    assert "ISO 9001:2015" in body and "ISO 14001:2015" in body
    assert "<svg" in body and "Readiness by clause" in body
    assert 'data-clause="8.2"' in body


def test_it_filters_to_open_gaps(as_viewer, assessment, item):
    assessment_item_update(item=item, version=item.version, status="met")
    body = as_viewer.get(assessment.get_absolute_url() + "?open_gaps=true").content.decode()
    assert 'data-clause="4.1"' not in body and 'data-clause="4.2"' in body


def test_it_changes_a_clause_status_and_readiness(as_contributor, assessment, item):
    before = as_contributor.get(assessment.get_absolute_url()).context["readiness"][0].overall.percent
    response = as_contributor.post(
        item.get_absolute_url(), item_data(item, status="met", notes="Context review minuted.")
    )
    assert response.status_code == 302
    after = as_contributor.get(assessment.get_absolute_url()).context["readiness"][0].overall.percent
    assert after > before
    assert ObjectChange.objects.for_object(item).first().after["status"] == "met"


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"status": "bogus"}, "Select a valid choice"),
        ({"status": "not_applicable", "justification": "Nope"}, "Select a valid choice"),
    ],
)
def test_it_refuses_bad_input_and_changes_nothing(as_contributor, item, changes, message):
    count = ObjectChange.objects.count()
    response = as_contributor.post(item.get_absolute_url(), item_data(item, **changes))
    assert response.status_code == 400 and message in response.content.decode()
    assert AssessmentItem.objects.get(pk=item.pk).status == "not_assessed"
    assert ObjectChange.objects.count() == count


def test_it_refuses_not_applicable_without_justification(as_contributor, assessment):
    design = assessment.items.get(clauses__number="8.3.1")
    response = as_contributor.post(design.get_absolute_url(), item_data(design, status="not_applicable"))
    assert response.status_code == 400 and "Explain why" in response.content.decode()
    ok = as_contributor.post(
        design.get_absolute_url(),
        item_data(design, status="not_applicable", justification="We make to print."),
    )
    assert ok.status_code == 302


def test_it_refuses_a_stale_edit(as_contributor, item):
    as_contributor.post(item.get_absolute_url(), item_data(item, status="met"))
    response = as_contributor.post(item.get_absolute_url(), item_data(item, status="not_met"))
    assert response.status_code == 400 and "changed by someone else" in response.content.decode()
    assert AssessmentItem.objects.get(pk=item.pk).status == "met"


def test_it_keeps_viewers_and_outsiders_out(as_viewer, as_outsider, assessment, item):
    assert as_viewer.post(item.get_absolute_url(), item_data(item, status="met")).status_code == 403
    assert as_outsider.get(assessment.get_absolute_url()).status_code == 404
    assert as_outsider.get(item.get_absolute_url()).status_code == 404
    assert as_outsider.get(assessment.get_absolute_url() + "?export=xlsx").status_code == 404
    assert as_outsider.post(item.get_absolute_url(), item_data(item, status="met")).status_code == 404
    for name in ("item_action_create", "item_evidence_upload", "item_evidence_link"):
        assert as_outsider.post(reverse(f"assessments:{name}", args=[item.pk])).status_code == 404
        assert as_viewer.post(reverse(f"assessments:{name}", args=[item.pk])).status_code == 403
    assert AssessmentItem.objects.get(pk=item.pk).status == "not_assessed"
    assert "Readiness 2026" not in as_outsider.get(reverse("assessments:assessment_list")).content.decode()


def test_it_creates_an_assessment_from_the_form(as_contributor, standards):
    quality = Standard.objects.get(code="ISO 9001")
    response = as_contributor.post(
        reverse("assessments:assessment_create"),
        {"title": "Quality only", "standards": [quality.pk], "integrated": "on", "version": 1},
    )
    assert response.status_code == 302
    assert (
        AssessmentItem.objects.filter(assessment__title="Quality only").count()
        == quality.clauses.filter(is_leaf=True).count()
    )


def test_it_raises_an_action_from_a_gap(as_contributor, contributor, item):
    response = as_contributor.post(
        reverse("assessments:item_action_create", args=[item.pk]),
        {
            "title": "Write the context analysis",
            "owner": contributor.pk,
            "priority": "high",
            "due_date": "2030-01-10",
        },
    )
    assert response.status_code == 302
    action = Action.objects.get()
    assert action.source == item and action.owner == contributor
    assert action.reference in as_contributor.get(item.get_absolute_url()).content.decode()


def test_it_attaches_evidence_and_serves_it_only_to_members(as_contributor, as_outsider, item):
    upload = io.BytesIO(PDF_BYTES)
    upload.name = "context-review.pdf"
    as_contributor.post(reverse("assessments:item_evidence_upload", args=[item.pk]), {"file": upload})
    attachment = Attachment.objects.get()
    download = as_contributor.get(reverse("core:attachment_download", args=[attachment.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF_BYTES
    assert as_outsider.get(reverse("core:attachment_download", args=[attachment.pk])).status_code == 404


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("setup.pdf", b"MZ\x90\x00" + b"\x00" * 200, "not a PDF file"),
        ("notes.exe", b"MZ\x90\x00" + b"\x00" * 200, "not accepted"),
        ("../../etc/passwd.txt", b"root:x:0:0", None),
    ],
)
def test_it_checks_uploads_by_content(as_contributor, item, name, content, message):
    upload = io.BytesIO(content)
    upload.name = name
    response = as_contributor.post(
        reverse("assessments:item_evidence_upload", args=[item.pk]), {"file": upload}, follow=True
    )
    if message is None:  # a path in the name is reduced to the name itself
        assert Attachment.objects.get().original_name == "passwd.txt"
    else:
        assert message in response.content.decode()
        assert not Attachment.objects.exists()


def test_it_refuses_an_oversized_upload(as_contributor, item, settings):
    settings.INTEGRUM_UPLOAD_MAX_BYTES = 1024
    upload = io.BytesIO(b"a" * 2048)
    upload.name = "big.txt"
    response = as_contributor.post(
        reverse("assessments:item_evidence_upload", args=[item.pk]), {"file": upload}, follow=True
    )
    assert "the limit is" in response.content.decode()
    assert not Attachment.objects.exists()


def test_it_links_a_record_as_evidence(as_contributor, organisation, other_organisation, manager, item):
    from integrum.actions.tests.factories import make_action

    ours = make_action(organisation, manager, title="Context workshop held")
    theirs = make_action(other_organisation, None, title="Context workshop elsewhere")
    found = as_contributor.get(item.get_absolute_url() + "?q=workshop").content.decode()
    assert ours.title in found and theirs.title not in found
    url = reverse("assessments:item_evidence_link", args=[item.pk])
    as_contributor.post(url, {"type": "actions.action", "id": theirs.pk})
    assert not item.evidence_links.exists()
    as_contributor.post(url, {"type": "actions.action", "id": ours.pk})
    assert item.evidence_links.get().target == ours


def test_it_exports_xlsx_and_a_pdf_report(as_viewer, assessment, item):
    assessment_item_update(
        item=item, version=item.version, status="partly_met", notes="Context reviewed, climate missing"
    )
    xlsx = as_viewer.get(assessment.get_absolute_url() + "?export=xlsx")
    rows = list(load_workbook(io.BytesIO(xlsx.content)).active.values)
    assert rows[0][0] == "Clause" and any(r[3] == "Partly met" for r in rows[1:])
    pdf = as_viewer.get(assessment.get_absolute_url() + "?export=pdf")
    assert pdf["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Readiness 2026" in text and "climate missing" in text


def test_the_gap_analysis_page_costs_a_constant_number_of_queries(as_viewer, assessment, count_queries):
    first = count_queries(lambda: as_viewer.get(assessment.get_absolute_url()))
    for item in assessment.items.all()[:20]:
        assessment_item_update(item=item, version=item.version, status="met")
    assert count_queries(lambda: as_viewer.get(assessment.get_absolute_url())) == first <= 16
