"""The document control pages: each persona, bad input, malicious uploads, query counts."""

from __future__ import annotations

import datetime
import functools
import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from integrum.conftest import PASSWORD, add_member
from integrum.core.models import ObjectChange, Role, Site
from integrum.documents import services
from integrum.documents.models import (
    Acknowledgement,
    ApprovalStep,
    Document,
    DocumentRevision,
    Kind,
    NumberingRule,
    PeriodicReview,
)
from integrum.documents.services import StepSpec
from integrum.documents.tests.factories import (
    make_document,
    make_effective,
    make_revision,
    pdf_bytes,
)
from integrum.standards.models import Clause
from integrum.standards.services import clauses_of

pytestmark = pytest.mark.django_db

R = DocumentRevision.Status


def url(name: str, *args: Any) -> str:
    return reverse(f"documents:{name}", args=args)


def body(response: Any) -> str:
    return response.content.decode()


def stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def snapshot() -> tuple[int, int, int, int, int]:
    """Counts that must not move when a request is refused."""
    return (
        ObjectChange.objects.count(),
        Document.objects.count(),
        DocumentRevision.objects.count(),
        ApprovalStep.objects.count(),
        Acknowledgement.objects.count(),
    )


@pytest.fixture(autouse=True)
def _forget_password_attempts() -> Any:
    """Wrong signature passwords are counted in the cache; leave no count to the next test."""
    yield
    cache.clear()


@pytest.fixture
def draft(organisation, contributor):
    return make_document(organisation, contributor, title="Control of spills")


@pytest.fixture
def effective(organisation, contributor, manager, viewer):
    """An effective procedure distributed to the viewer, approved by the manager."""
    document = make_document(
        organisation, contributor, title="Waste segregation", distribution_users=[viewer]
    )
    make_effective(document, contributor, manager, PASSWORD)
    document.refresh_from_db()
    return document


@pytest.fixture
def in_review(organisation, contributor, manager):
    """A draft revision sent to the manager for approval."""
    document = make_document(organisation, contributor, title="Bund inspection")
    revision = make_revision(document, contributor)
    services.revision_submit(revision=revision, steps=[StepSpec(kind="approve", assignee=manager)])
    return revision


# --- The register ----------------------------------------------------------------------------


def test_the_register_lists_documents_with_status_review_and_tab_counts(
    as_viewer, organisation, contributor, manager, effective, draft, sites
):
    overdue = make_document(organisation, contributor, title="Old procedure")
    make_effective(overdue, contributor, manager, PASSWORD)
    Document.objects.filter(pk=overdue.pk).update(
        next_review_date=timezone.localdate() - datetime.timedelta(days=3)
    )
    Document.objects.filter(pk=effective.pk).update(
        next_review_date=timezone.localdate() + datetime.timedelta(days=10)
    )
    draft.sites.set([sites[0]])
    response = as_viewer.get(url("document_list"))
    assert response.status_code == 200
    html = body(response)
    for document in (effective, draft, overdue):
        assert document.reference in html
    assert 'badge badge--danger">Overdue' in html and 'badge badge--due">Due' in html
    assert "BHM" in html
    assert response.context["tabs"] == {"all": 3, "effective": 2, "draft": 1, "due": 2, "overdue": 1}
    overdue_only = body(as_viewer.get(url("document_list") + "?review=overdue"))
    assert overdue.reference in overdue_only and draft.reference not in overdue_only
    # The menu lists the register under Do with its clause.
    assert 'href="/documents/"' in html and "7.5" in html


def test_the_empty_register_explains_clause_7_5_and_offers_create_and_import(as_contributor, as_viewer):
    html = body(as_contributor.get(url("document_list")))
    assert "No documents yet" in html and "7.5" in html
    assert url("document_create") in html and url("document_import") in html
    viewer_html = body(as_viewer.get(url("document_list")))
    assert "No documents yet" in viewer_html and url("document_create") not in viewer_html


def test_the_register_exports_the_filtered_list(as_viewer, organisation, contributor, draft, effective):
    response = as_viewer.get(url("document_list") + "?status=effective&export=xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(response.content)).active.values)
    assert rows[0][:4] == ("Reference", "Title", "Type", "Status")
    assert [row[0] for row in rows[1:]] == [effective.reference]
    assert rows[1][4] == "1"


def test_outsiders_see_nothing_in_the_register_or_its_export(as_outsider, effective, draft):
    html = body(as_outsider.get(url("document_list")))
    assert effective.reference not in html and draft.reference not in html
    export = as_outsider.get(url("document_list") + "?export=xlsx")
    rows = list(load_workbook(io.BytesIO(export.content)).active.values)
    assert len(rows) == 1


def test_the_register_costs_the_same_queries_for_2_or_30_documents(
    as_viewer, organisation, contributor, sites, count_queries
):
    def queries(total: int) -> int:
        while Document.objects.count() < total:
            make_document(organisation, contributor, sites=[sites[Document.objects.count() % 2]])
        return count_queries(lambda: as_viewer.get(url("document_list")))

    assert queries(2) == queries(30) <= 14


# --- Creating and editing documents ----------------------------------------------------------


def test_a_contributor_creates_a_document_with_clauses_sites_and_distribution(
    as_contributor, contributor, viewer, organisation, sites, standards
):
    clauses = list(Clause.objects.filter(number="5.2"))
    assert len(clauses) == 2  # 5.2 of each standard
    page = as_contributor.get(url("document_create"))
    assert page.status_code == 200 and "ISO 9001:2015/5.2" in body(page)
    response = as_contributor.post(
        url("document_create"),
        {
            "kind": Kind.POLICY,
            "title": "Quality and environmental policy",
            "owner": contributor.pk,
            "sites": [sites[0].pk],
            "confidentiality": "public",
            "review_interval_months": 12,
            "clauses": [c.pk for c in clauses],
            "distribution_users": [viewer.pk],
            "distribution_roles": [Role.CONTRIBUTOR],
            "retention_months": 99,  # ignored: not a record
            "version": 1,
        },
    )
    document = Document.objects.get()
    assert response.status_code == 302 and response.url == document.get_absolute_url()
    assert (document.reference, document.kind, document.review_interval_months) == ("POL-001", "policy", 12)
    assert list(document.sites.all()) == [sites[0]]
    assert set(clauses_of(document)) == set(clauses)
    assert list(document.distribution_users.all()) == [viewer]
    assert document.distribution_roles == [Role.CONTRIBUTOR] and document.retention_months is None
    assert ObjectChange.objects.for_object(document).first().actor_id == contributor.pk
    detail = body(as_contributor.get(document.get_absolute_url()))
    assert "ISO 9001:2015/5.2" in detail and "ISO 14001:2015/5.2" in detail


def test_a_record_keeps_its_retention_disposal_date_and_legal_hold(as_contributor, contributor):
    as_contributor.post(
        url("document_create"),
        {
            "kind": Kind.RECORD,
            "title": "Calibration certificates 2025",
            "owner": contributor.pk,
            "confidentiality": "internal",
            "review_interval_months": 24,
            "retention_months": 72,
            "disposal_date": "2031-12-31",
            "legal_hold": "on",
            "version": 1,
        },
    )
    record = Document.objects.get()
    assert (record.retention_months, record.disposal_date, record.legal_hold) == (
        72,
        datetime.date(2031, 12, 31),
        True,
    )
    html = body(as_contributor.get(record.get_absolute_url()))
    assert "Record keeping" in html and "On hold" in html


@pytest.mark.parametrize(
    "change, message",
    [
        ({"title": ""}, "This field is required."),
        ({"owner": "foreign-owner"}, "Select a valid choice"),
        ({"sites": "foreign-site"}, "Select a valid choice"),
        ({"clauses": [987654]}, "Select a valid choice"),
        ({"distribution_users": "foreign-owner"}, "Select a valid choice"),
        ({"distribution_roles": ["emperor"]}, "Select a valid choice"),
        ({"kind": "memo"}, "Select a valid choice"),
        ({"review_interval_months": 0}, "greater than or equal to 1"),
    ],
)
def test_bad_document_input_is_refused_and_saves_nothing(
    as_contributor, contributor, outsider, other_organisation, change, message
):
    foreign_site = Site.objects.create(organisation=other_organisation, name="Elsewhere", code="ELS")
    data: dict[str, Any] = {
        "kind": Kind.PROCEDURE,
        "title": "Control of spills",
        "owner": contributor.pk,
        "confidentiality": "internal",
        "review_interval_months": 24,
        "version": 1,
    }
    data.update(change)
    for key, value in data.items():
        if value == "foreign-owner":
            data[key] = outsider.pk
        elif value == "foreign-site":
            data[key] = foreign_site.pk
    before = snapshot()
    response = as_contributor.post(url("document_create"), data)
    assert response.status_code == 400 and message in body(response)
    assert snapshot() == before


def test_an_edit_on_a_stale_version_is_refused(as_contributor, contributor, draft):
    edit = url("document_update", draft.pk)
    page = as_contributor.get(edit)
    assert page.status_code == 200 and "Fixed once the document is numbered" in body(page)
    data = {
        "kind": Kind.POLICY,  # disabled: the type stays what it was
        "title": "Control of spills and leaks",
        "owner": contributor.pk,
        "confidentiality": "internal",
        "review_interval_months": 36,
        "version": draft.version,
    }
    assert as_contributor.post(edit, data).status_code == 302
    draft.refresh_from_db()
    assert (draft.title, draft.kind, draft.review_interval_months) == (
        "Control of spills and leaks",
        Kind.PROCEDURE,
        36,
    )
    before = snapshot()
    response = as_contributor.post(edit, {**data, "title": "Lost update"})
    assert response.status_code == 400 and "changed by someone else" in body(response)
    assert Document.objects.get(pk=draft.pk).title == "Control of spills and leaks"
    assert snapshot() == before


def test_an_obsolete_document_is_neither_edited_nor_revised(as_manager, effective):
    services.document_withdraw(document=effective, reason="Replaced.")
    assert as_manager.get(url("document_update", effective.pk)).status_code == 403
    response = as_manager.get(url("revision_create", effective.pk), follow=True)
    assert "obsolete: it takes no new revision" in body(response)
    before = snapshot()
    response = as_manager.post(
        url("revision_create", effective.pk), {"change_summary": "x", "routing": "sequence", "body": "y"}
    )
    assert response.status_code == 400 and "obsolete" in body(response)
    assert snapshot() == before


# --- Personas on every view ------------------------------------------------------------------


def id_urls(document: Document, revision: DocumentRevision, step: ApprovalStep) -> list[str]:
    return [
        url("document_detail", document.pk),
        url("document_update", document.pk),
        url("document_review", document.pk),
        url("document_withdraw", document.pk),
        url("document_delete", document.pk),
        url("revision_create", document.pk),
        url("revision_detail", revision.pk),
        url("revision_update", revision.pk),
        url("revision_submit", revision.pk),
        url("revision_acknowledge", revision.pk),
        url("step_sign", step.pk),
        url("step_reject", step.pk),
    ]


def test_outsiders_get_404_on_every_id_and_change_nothing(as_outsider, in_review):
    step = in_review.steps.get()
    before = snapshot()
    for address in id_urls(in_review.document, in_review, step):
        assert as_outsider.get(address).status_code == 404, address
        response = as_outsider.post(
            address,
            {
                "title": "Hijacked",
                "reason": "Because",
                "outcome": "confirmed",
                f"sign{step.pk}-password": PASSWORD,
                f"reject{step.pk}-reason": "No",
                "version": 1,
            },
        )
        assert response.status_code == 404, address
    assert snapshot() == before
    assert DocumentRevision.objects.get(pk=in_review.pk).status == R.IN_REVIEW


def test_viewers_read_every_page_but_every_write_is_refused(as_viewer, in_review, effective):
    step = in_review.steps.get()
    for address in [url("document_detail", in_review.document_id), url("revision_detail", in_review.pk)]:
        assert as_viewer.get(address).status_code == 200
    writes = [
        url("document_create"),
        url("document_update", effective.pk),
        url("document_review", effective.pk),
        url("document_withdraw", effective.pk),
        url("document_delete", in_review.document_id),
        url("revision_create", effective.pk),
        url("revision_update", in_review.pk),
        url("revision_submit", in_review.pk),
        url("step_sign", step.pk),
        url("step_reject", step.pk),
        url("numbering"),
    ]
    before = snapshot()
    for address in writes:
        response = as_viewer.post(
            address,
            {
                "title": "Changed",
                "kind": "procedure",
                "change_summary": "x",
                "body": "y",
                "reason": "z",
                "outcome": "confirmed",
                "version": 1,
            },
        )
        assert response.status_code == 403, address
    for address in [url("document_create"), url("revision_create", effective.pk), url("numbering")]:
        assert as_viewer.get(address).status_code == 403
    assert snapshot() == before
    html = body(as_viewer.get(effective.get_absolute_url()))
    assert (
        url("document_update", effective.pk) not in html and url("revision_create", effective.pk) not in html
    )
    assert url("document_withdraw", effective.pk) not in html


def test_contributors_neither_withdraw_nor_delete_nor_number(as_contributor, effective, draft):
    before = snapshot()
    assert as_contributor.post(url("document_withdraw", effective.pk), {"reason": "x"}).status_code == 403
    assert as_contributor.post(url("document_delete", draft.pk)).status_code == 403
    assert as_contributor.get(url("numbering")).status_code == 403
    assert snapshot() == before


def test_post_only_steps_refuse_get(as_manager, in_review, effective):
    for address in [
        url("document_review", effective.pk),
        url("document_withdraw", effective.pk),
        url("document_delete", effective.pk),
        url("revision_acknowledge", in_review.pk),
        url("step_sign", in_review.steps.get().pk),
        url("step_reject", in_review.steps.get().pk),
    ]:
        assert as_manager.get(address).status_code == 405


# --- The document page -----------------------------------------------------------------------


def test_the_document_page_shows_the_current_revision_signatures_and_readers(
    as_contributor, effective, manager, viewer
):
    html = body(as_contributor.get(effective.get_absolute_url()))
    assert effective.reference in html and 'badge badge--done">Effective' in html
    assert f"Approved by {manager}" in html
    assert url("acknowledgement_export", effective.pk) in html
    assert "0 of 1 have confirmed" in html and str(viewer) in html
    assert url("revision_create", effective.pk) in html  # nothing in progress: a new revision may start
    assert url("document_withdraw", effective.pk) not in html  # contributors do not withdraw
    # Text written in the app: no download links.
    assert "?copy=" not in html


def test_the_document_page_costs_the_same_queries_with_more_revisions_and_readers(
    as_viewer, organisation, contributor, manager, viewer, admin_user, count_queries
):
    document = make_document(
        organisation, contributor, distribution_users=[viewer], distribution_roles=[Role.MANAGER, Role.ADMIN]
    )
    make_effective(document, contributor, manager, PASSWORD)
    few = count_queries(lambda: as_viewer.get(document.get_absolute_url()))
    for label in ("2", "3", "4"):
        make_effective(document, contributor, manager, PASSWORD, change_summary=f"Issue {label}.")
    current = Document.objects.get(pk=document.pk).current_revision
    services.acknowledge(revision=current, user=manager)
    services.acknowledge(revision=current, user=admin_user)
    assert count_queries(lambda: as_viewer.get(document.get_absolute_url())) == few
    assert few <= 22


def test_the_revision_page_costs_the_same_queries_with_more_steps(
    as_manager, organisation, contributor, manager, admin_user, count_queries
):
    def queries(approvers: list[Any]) -> int:
        document = make_document(organisation, contributor)
        revision = make_revision(document, contributor, routing="parallel")
        services.revision_submit(
            revision=revision, steps=[StepSpec(kind="approve", assignee=user) for user in approvers]
        )
        return count_queries(lambda: as_manager.get(revision.get_absolute_url()))

    assert queries([manager]) == queries([manager, contributor, admin_user, contributor, admin_user]) <= 16


# --- Revisions: text and uploads -------------------------------------------------------------


def test_a_revision_written_in_the_app_is_shown_as_safe_markdown(as_contributor, contributor, draft):
    response = as_contributor.post(
        url("revision_create", draft.pk),
        {
            "change_summary": "First issue.",
            "routing": "sequence",
            "body": "# Spills\n\n**Every** bund has a kit.\n\n<script>alert(1)</script>\n\n[x](javascript:alert(2))",
        },
    )
    revision = DocumentRevision.objects.get()
    assert response.status_code == 302 and response.url == revision.get_absolute_url()
    assert (revision.label, revision.status, revision.created_by) == ("1", R.DRAFT, contributor)
    html = body(as_contributor.get(revision.get_absolute_url()))
    assert "<h1>Spills</h1>" in html and "<strong>Every</strong>" in html
    assert "<script>alert(1)" not in html and "&lt;script&gt;" in html
    assert 'href="javascript:' not in html


def test_a_pdf_revision_is_uploaded_and_offered_as_original_and_stamped_copies(as_contributor, draft):
    upload = io.BytesIO(pdf_bytes())
    upload.name = "spills.pdf"
    response = as_contributor.post(
        url("revision_create", draft.pk),
        {"change_summary": "Scanned issue.", "routing": "parallel", "label": "A", "file": upload},
    )
    revision = DocumentRevision.objects.get()
    assert response.status_code == 302
    assert (revision.label, revision.original_name, revision.mime_type, revision.routing) == (
        "A",
        "spills.pdf",
        "application/pdf",
        "parallel",
    )
    html = body(as_contributor.get(revision.get_absolute_url()))
    assert revision.sha256 in html
    download = url("revision_download", revision.pk)
    for copy in ("original", "controlled", "uncontrolled"):
        assert f"{download}?copy={copy}" in html


@pytest.mark.parametrize(
    "data, message",
    [
        ({"change_summary": "x", "routing": "sequence"}, "either a file or text"),
        ({"change_summary": "", "routing": "sequence", "body": "Text"}, "This field is required."),
        ({"change_summary": "x", "routing": "sideways", "body": "Text"}, "Select a valid choice"),
    ],
)
def test_a_revision_needs_a_summary_and_a_file_or_text(as_contributor, draft, data, message):
    before = snapshot()
    response = as_contributor.post(url("revision_create", draft.pk), data)
    assert response.status_code == 400 and message in body(response)
    assert snapshot() == before


def test_a_revision_cannot_have_both_a_file_and_text(as_contributor, draft):
    upload = io.BytesIO(pdf_bytes())
    upload.name = "spills.pdf"
    response = as_contributor.post(
        url("revision_create", draft.pk),
        {"change_summary": "x", "routing": "sequence", "body": "Text", "file": upload},
    )
    assert response.status_code == 400 and "not both" in body(response)
    assert not DocumentRevision.objects.exists() and stored_files() == []


def test_a_second_revision_waits_until_the_first_is_finished(as_contributor, contributor, draft):
    pending = make_revision(draft, contributor)
    assert as_contributor.get(url("revision_create", draft.pk)).url == pending.get_absolute_url()
    before = snapshot()
    response = as_contributor.post(
        url("revision_create", draft.pk), {"change_summary": "x", "routing": "sequence", "body": "Text"}
    )
    assert response.status_code == 400 and "already has a revision in progress" in body(response)
    assert snapshot() == before


@functools.cache
def zip_bomb_docx() -> bytes:
    """A small DOCX whose document.xml unpacks to ~350 MB of zeros."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
        )
        archive.writestr("_rels/.rels", "<Relationships/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            zeros = b"\0" * (1 << 20)
            for _ in range(350):
                member.write(zeros)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "name, make, message",
    [
        ("procedure.pdf", lambda: b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 4000, "not a PDF file"),
        ("notes.txt", lambda: b"spill kit " * 120_000, "the limit is 1 MB"),
        ("procedure.docx", zip_bomb_docx, "refused as unsafe"),
        ("setup.exe", lambda: b"MZ\x90\x00" + b"\x00" * 100, "not accepted"),
    ],
    ids=["renamed-executable", "oversized", "zip-bomb-docx", "executable"],
)
def test_malicious_uploads_are_refused_with_a_clear_error_and_nothing_stored(
    as_contributor, draft, settings, name, make, message
):
    settings.INTEGRUM_UPLOAD_MAX_BYTES = 1024 * 1024
    upload = io.BytesIO(make())
    upload.name = name
    before = snapshot()
    response = as_contributor.post(
        url("revision_create", draft.pk), {"change_summary": "x", "routing": "sequence", "file": upload}
    )
    assert response.status_code == 400
    assert message in body(response)
    assert snapshot() == before
    assert not DocumentRevision.objects.exists() and stored_files() == []


def test_a_path_in_the_file_name_is_stored_as_the_bare_name(as_contributor, draft):
    boundary = "IntegrumBoundary"
    parts = []
    for field, value in {"change_summary": "Scanned.", "routing": "sequence"}.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"\r\n\r\n{value}\r\n'.encode()
        )
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
        f'filename="../../../etc/cron.d/spills.pdf"\r\nContent-Type: application/pdf\r\n\r\n'.encode()
        + pdf_bytes()
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    response = as_contributor.post(
        url("revision_create", draft.pk),
        data=b"".join(parts),
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code == 302
    revision = DocumentRevision.objects.get()
    assert revision.original_name == "spills.pdf"
    media = Path(settings.MEDIA_ROOT).resolve()
    (stored,) = stored_files()
    assert stored.resolve().is_relative_to(media) and ".." not in revision.file.name
    assert stored.name == revision.storage_name


# --- Editing and submitting a draft ----------------------------------------------------------


def test_a_draft_is_edited_and_a_stale_edit_refused(as_contributor, contributor, draft):
    revision = make_revision(draft, contributor)
    edit = url("revision_update", revision.pk)
    assert as_contributor.get(edit).status_code == 200
    data = {
        "label": "1",
        "change_summary": "First issue, reworded.",
        "routing": "parallel",
        "body": "Two kits per bund.",
        "effective_date": "2030-01-01",
        "version": revision.version,
    }
    assert as_contributor.post(edit, data).status_code == 302
    revision.refresh_from_db()
    assert (revision.body, revision.routing, revision.effective_date) == (
        "Two kits per bund.",
        "parallel",
        datetime.date(2030, 1, 1),
    )
    before = snapshot()
    response = as_contributor.post(edit, {**data, "body": "Lost"})
    assert response.status_code == 400 and "changed by someone else" in body(response)
    assert snapshot() == before and DocumentRevision.objects.get(pk=revision.pk).body == "Two kits per bund."


def test_only_a_draft_is_edited(as_contributor, in_review):
    response = as_contributor.get(url("revision_update", in_review.pk), follow=True)
    assert "Only a draft revision can be edited." in body(response)
    before = snapshot()
    response = as_contributor.post(
        url("revision_update", in_review.pk),
        {
            "label": "1",
            "change_summary": "x",
            "routing": "sequence",
            "body": "y",
            "version": in_review.version,
        },
    )
    assert response.status_code == 400 and "Only a draft revision can be edited." in body(response)
    assert snapshot() == before


def submit_data(revision: DocumentRevision, **steps: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"version": revision.version, "routing": "sequence", "effective_date": ""}
    for index in range(1, 7):
        data[f"step{index}_kind"] = "approve"
    data.update(steps)
    return data


def test_a_draft_is_sent_to_a_reviewer_and_a_role_in_parallel(as_contributor, contributor, manager, draft):
    revision = make_revision(draft, contributor)
    page = as_contributor.get(url("revision_submit", revision.pk))
    assert page.status_code == 200 and "Step 6: person" in body(page)
    response = as_contributor.post(
        url("revision_submit", revision.pk),
        submit_data(
            revision,
            routing="parallel",
            effective_date="2031-06-01",
            step1_kind="review",
            step1_user=contributor.pk,
            step2_role=Role.MANAGER,
        ),
    )
    assert response.status_code == 302
    revision.refresh_from_db()
    assert (revision.status, revision.routing, revision.effective_date) == (
        R.IN_REVIEW,
        "parallel",
        datetime.date(2031, 6, 1),
    )
    steps = list(revision.steps.order_by("pk").values_list("kind", "assignee", "role", "position"))
    assert steps == [("review", contributor.pk, "", 1), ("approve", None, Role.MANAGER, 1)]


@pytest.mark.parametrize(
    "steps, message",
    [
        ({}, "Name at least one approver."),
        ({"step1_kind": "review", "step1_user": "@manager"}, "Name at least one approver."),
        ({"step1_user": "@manager", "step1_role": Role.MANAGER}, "a person or a role, not both"),
        ({"step1_user": "@outsider"}, "Select a valid choice"),
        ({"step1_user": "@viewer"}, "Select a valid choice"),
        ({"step1_role": Role.VIEWER}, "Select a valid choice"),
        ({"step1_kind": "sign", "step1_user": "@manager"}, "Select a valid choice"),
        ({"step1_user": "@manager", "version": 99}, "changed by someone else"),
        ({"step1_user": "@manager", "effective_date": "31/31/2030"}, "Enter a valid date"),
    ],
)
def test_a_submission_without_a_valid_approver_changes_nothing(
    as_contributor, contributor, manager, viewer, outsider, draft, steps, message
):
    revision = make_revision(draft, contributor)
    people = {"@manager": manager.pk, "@outsider": outsider.pk, "@viewer": viewer.pk}
    data = submit_data(
        revision, **{k: people.get(v, v) if isinstance(v, str) else v for k, v in steps.items()}
    )
    before = snapshot()
    response = as_contributor.post(url("revision_submit", revision.pk), data)
    assert response.status_code == 400 and message in body(response)
    assert snapshot() == before
    assert DocumentRevision.objects.get(pk=revision.pk).status == R.DRAFT


def test_a_revision_in_review_is_not_submitted_again(as_contributor, manager, in_review):
    before = snapshot()
    response = as_contributor.post(
        url("revision_submit", in_review.pk), submit_data(in_review, step1_user=manager.pk), follow=True
    )
    assert "only a draft is sent for approval" in body(response)
    assert snapshot() == before


# --- Signatures ------------------------------------------------------------------------------


def test_the_approver_signs_with_the_password_and_the_revision_becomes_effective(
    as_manager, manager, in_review
):
    step = in_review.steps.get()
    page = body(as_manager.get(in_review.get_absolute_url()))
    assert "By entering my password I sign this revision as <strong>Approved</strong>" in page
    assert url("step_sign", step.pk) in page and url("step_reject", step.pk) in page
    response = as_manager.post(
        url("step_sign", step.pk), {f"sign{step.pk}-password": PASSWORD, f"sign{step.pk}-comment": "Fine."}
    )
    assert response.status_code == 302
    in_review.refresh_from_db()
    step.refresh_from_db()
    assert (
        in_review.status == R.EFFECTIVE
        and Document.objects.get(pk=in_review.document_id).status == "effective"
    )
    assert (step.signed_by, step.meaning, step.comment) == (manager, "Approved", "Fine.")
    signature = ObjectChange.objects.get(action=ObjectChange.Action.SIGNATURE)
    assert signature.actor_id == manager.pk and "Approved by" in signature.message
    follow = body(as_manager.get(response.url))
    assert f"Approved by {manager}" in follow and url("step_sign", step.pk) not in follow


def test_a_wrong_password_is_shown_beside_the_field_and_nothing_is_recorded(as_manager, in_review):
    step = in_review.steps.get()
    before = snapshot()
    response = as_manager.post(url("step_sign", step.pk), {f"sign{step.pk}-password": "not-my-password"})
    assert response.status_code == 400
    html = body(response)
    assert 'class="field__errors" role="alert">The password is not correct' in html
    assert snapshot() == before
    assert ApprovalStep.objects.get(pk=step.pk).status == ApprovalStep.Status.PENDING
    empty = as_manager.post(url("step_sign", step.pk), {f"sign{step.pk}-password": ""})
    assert empty.status_code == 400 and "This field is required." in body(empty)
    assert snapshot() == before


def test_signing_twice_or_someone_elses_step_is_refused_with_a_reason(as_manager, as_contributor, in_review):
    step = in_review.steps.get()
    before = snapshot()
    response = as_contributor.post(
        url("step_sign", step.pk), {f"sign{step.pk}-password": PASSWORD}, follow=True
    )
    assert "not yours to give" in body(response)
    assert snapshot() == before
    assert "By entering my password" not in body(as_contributor.get(in_review.get_absolute_url()))
    as_manager.post(url("step_sign", step.pk), {f"sign{step.pk}-password": PASSWORD})
    after_first = snapshot()
    again = as_manager.post(url("step_sign", step.pk), {f"sign{step.pk}-password": PASSWORD}, follow=True)
    assert "not waiting for signatures" in body(again)
    assert snapshot() == after_first


def test_a_later_step_in_sequence_waits_for_the_earlier_one(as_manager, contributor, manager, draft):
    revision = make_revision(draft, contributor)
    services.revision_submit(
        revision=revision,
        steps=[StepSpec(kind="review", assignee=contributor), StepSpec(kind="approve", assignee=manager)],
    )
    approval = revision.steps.get(kind="approve")
    assert "By entering my password" not in body(as_manager.get(revision.get_absolute_url()))
    before = snapshot()
    response = as_manager.post(
        url("step_sign", approval.pk), {f"sign{approval.pk}-password": PASSWORD}, follow=True
    )
    assert "Earlier reviewers or approvers have not signed yet." in body(response)
    assert snapshot() == before


def test_a_rejection_needs_a_reason_and_returns_the_revision_to_draft(as_manager, in_review):
    step = in_review.steps.get()
    before = snapshot()
    response = as_manager.post(url("step_reject", step.pk), {f"reject{step.pk}-reason": "  "})
    assert response.status_code == 400 and "This field is required." in body(response)
    assert snapshot() == before and DocumentRevision.objects.get(pk=in_review.pk).status == R.IN_REVIEW
    response = as_manager.post(
        url("step_reject", step.pk), {f"reject{step.pk}-reason": "Section 3 contradicts WI-004."}
    )
    assert response.status_code == 302
    in_review.refresh_from_db()
    assert in_review.status == R.DRAFT and in_review.rejection_reason == "Section 3 contradicts WI-004."
    assert "Section 3 contradicts WI-004." in body(as_manager.get(in_review.get_absolute_url()))


# --- Read and acknowledge --------------------------------------------------------------------


def test_a_distributed_viewer_acknowledges_the_effective_revision_once(as_viewer, viewer, effective):
    page = body(as_viewer.get(effective.get_absolute_url()))
    current = effective.current_revision
    assert url("revision_acknowledge", current.pk) in page and "I have read it" in page
    response = as_viewer.post(url("revision_acknowledge", current.pk), follow=True)
    assert "you have read" in body(response)
    assert Acknowledgement.objects.get().user == viewer
    html = body(as_viewer.get(effective.get_absolute_url()))
    assert "1 of 1 have confirmed" in html and "I have read it" not in html
    before = snapshot()
    again = as_viewer.post(url("revision_acknowledge", current.pk), follow=True)
    assert "already acknowledged" in body(again)
    assert snapshot() == before


def test_a_draft_or_an_undistributed_document_cannot_be_acknowledged(
    as_viewer, as_contributor, effective, contributor, draft
):
    revision = make_revision(draft, contributor)
    before = snapshot()
    response = as_viewer.post(url("revision_acknowledge", revision.pk), follow=True)
    assert "Only the effective revision is acknowledged." in body(response)
    response = as_contributor.post(url("revision_acknowledge", effective.current_revision_id), follow=True)
    assert "not distributed to you" in body(response)
    assert snapshot() == before
    assert "I have read it" not in body(as_contributor.get(effective.get_absolute_url()))


# --- Periodic review, withdrawal, deletion ---------------------------------------------------


def test_the_owner_confirms_a_periodic_review(as_contributor, effective):
    Document.objects.filter(pk=effective.pk).update(next_review_date=timezone.localdate())
    response = as_contributor.post(
        url("document_review", effective.pk), {"outcome": "confirmed", "comment": "Still right."}
    )
    assert response.status_code == 302
    review = PeriodicReview.objects.get()
    assert (review.outcome, review.comment) == ("confirmed", "Still right.")
    assert Document.objects.get(pk=effective.pk).next_review_date > timezone.localdate()


def test_a_review_that_starts_a_new_revision_leads_to_the_revision_form(as_manager, effective):
    response = as_manager.post(url("document_review", effective.pk), {"outcome": "revision"})
    assert response.status_code == 302 and response.url == url("revision_create", effective.pk)
    assert PeriodicReview.objects.get().outcome == "revision"


def test_only_the_owner_or_a_manager_reviews_and_only_an_effective_document(
    organisation, manager, as_contributor, as_manager, contributor, draft
):
    someone_elses = make_document(organisation, manager, title="Manager's own")
    make_effective(someone_elses, manager, manager, PASSWORD)
    before = snapshot()
    assert (
        as_contributor.post(url("document_review", someone_elses.pk), {"outcome": "confirmed"}).status_code
        == 403
    )
    response = as_manager.post(url("document_review", draft.pk), {"outcome": "confirmed"}, follow=True)
    assert "Only an effective document is reviewed." in body(response)
    response = as_manager.post(url("document_review", someone_elses.pk), {"outcome": "maybe"}, follow=True)
    assert "Choose the outcome" in body(response)
    assert snapshot() == before and not PeriodicReview.objects.exists()


def test_a_manager_withdraws_a_document_with_a_reason(as_manager, effective):
    before = snapshot()
    response = as_manager.post(url("document_withdraw", effective.pk), {"reason": " "}, follow=True)
    assert "say why" in body(response)
    assert snapshot() == before
    as_manager.post(url("document_withdraw", effective.pk), {"reason": "Replaced by the site manual."})
    effective.refresh_from_db()
    assert effective.status == Document.Status.OBSOLETE
    html = body(as_manager.get(effective.get_absolute_url()))
    assert "Replaced by the site manual." in html and url("document_withdraw", effective.pk) not in html
    again = as_manager.post(url("document_withdraw", effective.pk), {"reason": "Again"}, follow=True)
    assert "already obsolete" in body(again)


def test_deletion_follows_the_rules_of_documents_and_records(
    as_manager, organisation, contributor, effective, draft
):
    page = body(as_manager.get(effective.get_absolute_url()))
    assert "withdraw it instead" in page and url("document_delete", effective.pk) not in page
    before = snapshot()
    response = as_manager.post(url("document_delete", effective.pk), follow=True)
    assert "withdrawn, not deleted" in body(response)
    record = make_document(organisation, contributor, kind=Kind.RECORD, title="Drill log", legal_hold=True)
    response = as_manager.post(url("document_delete", record.pk), follow=True)
    assert "legal hold" in body(response)
    assert Document.objects.filter(pk__in=[effective.pk, record.pk]).count() == 2
    assert snapshot()[1:] == (before[1] + 1, *before[2:])
    Document.objects.filter(pk=record.pk).update(
        legal_hold=False, disposal_date=timezone.localdate() + datetime.timedelta(days=9)
    )
    response = as_manager.post(url("document_delete", record.pk), follow=True)
    assert "must be kept until" in body(response) and Document.objects.filter(pk=record.pk).exists()
    assert url("document_delete", draft.pk) in body(as_manager.get(draft.get_absolute_url()))
    response = as_manager.post(url("document_delete", draft.pk))
    assert response.status_code == 302 and response.url == url("document_list")
    assert not Document.objects.filter(pk=draft.pk).exists()


# --- Numbering -------------------------------------------------------------------------------


def test_an_administrator_sets_the_numbering_and_new_documents_follow_it(
    as_admin, as_manager, organisation, contributor
):
    assert as_manager.get(url("numbering")).status_code == 403
    page = as_admin.get(url("numbering"))
    assert page.status_code == 200 and "PRO-001" in body(page)
    data = {}
    for kind, prefix in [(k, p) for k, p in services.DEFAULT_PREFIXES.items()]:
        data[f"{kind}_prefix"], data[f"{kind}_padding"], data[f"{kind}_version"] = prefix, 3, ""
    data["procedure_prefix"], data["procedure_padding"] = "qp", 4
    response = as_admin.post(url("numbering"), data)
    assert response.status_code == 302
    assert list(NumberingRule.objects.values_list("kind", "prefix", "padding")) == [("procedure", "QP", 4)]
    assert make_document(organisation, contributor).reference == "QP-0001"
    assert "QP-0001" in body(as_admin.get(url("numbering")))


@pytest.mark.parametrize(
    "change, message",
    [
        ({"procedure_prefix": "P R"}, "capital letters, digits or hyphens"),
        ({"procedure_prefix": "POL"}, "already uses POL"),
        ({"procedure_padding": 12}, "less than or equal to 8"),
    ],
)
def test_bad_numbering_is_refused(as_admin, change, message):
    data = {}
    for kind, prefix in services.DEFAULT_PREFIXES.items():
        data[f"{kind}_prefix"], data[f"{kind}_padding"], data[f"{kind}_version"] = prefix, 3, ""
    data.update(change)
    before = snapshot()
    response = as_admin.post(url("numbering"), data)
    assert response.status_code == 400 and message in body(response)
    assert snapshot() == before and not NumberingRule.objects.exists()


def test_a_viewer_here_who_manages_elsewhere_is_not_offered_as_a_signer(
    as_contributor, contributor, outsider, organisation, draft
):
    add_member(organisation, outsider, Role.VIEWER)  # manager in their own organisation
    revision = make_revision(draft, contributor)
    page = body(as_contributor.get(url("revision_submit", revision.pk)))
    assert f'value="{outsider.pk}"' not in page
    before = snapshot()
    response = as_contributor.post(
        url("revision_submit", revision.pk), submit_data(revision, step1_user=outsider.pk)
    )
    assert response.status_code == 400 and "Select a valid choice" in body(response)
    assert snapshot() == before
