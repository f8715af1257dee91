"""Controlled access to revision files (downloads, stamped copies) and the acknowledgement export."""

from __future__ import annotations

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader, PdfWriter

from integrum.conftest import PASSWORD
from integrum.core.files import in_memory
from integrum.documents import services, stamping
from integrum.documents.models import Acknowledgement, Download
from integrum.documents.tests.factories import make_document, make_effective, make_revision, pdf_upload

pytestmark = pytest.mark.django_db

ORIGINAL_TEXT = "Spill kit check: every bund has one."


@pytest.fixture
def document(organisation, contributor, viewer):
    return make_document(organisation, contributor, distribution_users=[viewer])


@pytest.fixture
def effective(document, contributor, manager):
    """Revision 1 of the document, a PDF, in force."""
    return make_effective(document, contributor, manager, PASSWORD, body="", upload=pdf_upload())


def download(client, revision, copy=None):
    url = reverse("documents:revision_download", args=[revision.pk])
    return client.get(url, {"copy": copy} if copy else {})


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


# --- Downloads by persona --------------------------------------------------------------------


def test_it_gives_a_viewer_the_original_file_and_logs_it(as_viewer, viewer, effective):
    response = download(as_viewer, effective)
    assert response.status_code == 200
    assert body(response) == effective.file.open("rb").read()
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="spills.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    logged = Download.objects.get()
    assert (logged.revision, logged.user, logged.copy, logged.address) == (
        effective,
        viewer,
        Download.Copy.ORIGINAL,
        "127.0.0.1",
    )
    assert logged.organisation_id == effective.organisation_id


def test_it_hides_every_revision_from_outsiders(as_outsider, effective):
    for copy in (None, "controlled", "uncontrolled"):
        assert download(as_outsider, effective, copy).status_code == 404
    assert not Download.objects.exists()


def test_it_sends_anonymous_people_to_sign_in(client, effective):
    response = download(client, effective)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert not Download.objects.exists()


def test_it_logs_one_row_per_download_and_copy_kind(as_viewer, as_manager, effective):
    for client, copy in ((as_viewer, None), (as_viewer, "controlled"), (as_manager, "uncontrolled")):
        assert download(client, effective, copy).status_code == 200
    assert sorted(Download.objects.values_list("copy", flat=True)) == [
        "controlled",
        "original",
        "uncontrolled",
    ]


def test_it_404s_a_revision_written_in_the_app(as_viewer, document, contributor, manager):
    revision = make_effective(document, contributor, manager, PASSWORD)  # text, no file
    assert download(as_viewer, revision).status_code == 404
    assert not Download.objects.exists()


def test_it_serves_other_files_with_their_own_type_and_a_safe_name(as_viewer, document, contributor, manager):
    revision = make_effective(
        document, contributor, manager, PASSWORD, body="", upload=in_memory(b"Bund checks.\n", "bunds.txt")
    )
    type(revision).objects.filter(pk=revision.pk).update(original_name='a"b\r\nSet-Cookie: x.txt')
    response = download(as_viewer, revision)
    assert response.status_code == 200 and body(response) == b"Bund checks.\n"
    assert response["Content-Type"] == "text/plain"
    assert "\n" not in response["Content-Disposition"] and "\r" not in response["Content-Disposition"]
    assert response["Content-Disposition"].startswith("attachment;")


# --- Stamped copies --------------------------------------------------------------------------


def test_it_stamps_a_controlled_copy_of_the_effective_revision(as_viewer, viewer, effective):
    response = download(as_viewer, effective, "controlled")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="spills (controlled copy).pdf"'
    text = pdf_text(response.content)
    effective_on = effective.effective_date
    assert f"Controlled copy — revision 1, effective {effective_on:%-d %b %Y}" in text
    assert ORIGINAL_TEXT in text
    assert effective.document.reference in text and "Vera Viewer" in text
    assert Download.objects.get().copy == Download.Copy.CONTROLLED


def test_it_stamps_an_uncontrolled_copy(as_viewer, effective):
    response = download(as_viewer, effective, "uncontrolled")
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert "Uncontrolled when printed" in text and ORIGINAL_TEXT in text
    assert "printed by Vera Viewer" in text
    assert Download.objects.get().copy == Download.Copy.UNCONTROLLED


def test_it_refuses_to_stamp_a_file_that_is_not_a_pdf(as_viewer, document, contributor, manager):
    revision = make_effective(
        document, contributor, manager, PASSWORD, body="", upload=in_memory(b"Bund checks.\n", "bunds.txt")
    )
    for copy in ("controlled", "uncontrolled"):
        response = download(as_viewer, revision, copy)
        assert response.status_code == 400
        assert "Only a PDF can be stamped" in response.content.decode()
    assert not Download.objects.exists()
    assert download(as_viewer, revision).status_code == 200


def test_it_refuses_stamped_copies_of_a_superseded_revision(
    as_viewer, document, effective, contributor, manager
):
    make_effective(
        document,
        contributor,
        manager,
        PASSWORD,
        body="",
        upload=pdf_upload(text="Two kits now."),
        change_summary="More.",
    )
    effective.refresh_from_db()
    assert effective.status == "superseded"
    for copy in ("controlled", "uncontrolled"):
        response = download(as_viewer, effective, copy)
        assert response.status_code == 400
        assert "Revision 1 is superseded" in response.content.decode()
    assert not Download.objects.exists()
    assert download(as_viewer, effective).status_code == 200  # the record stays readable
    assert Download.objects.get().copy == Download.Copy.ORIGINAL


def test_it_issues_controlled_copies_only_of_the_effective_revision(as_viewer, document, contributor):
    draft = make_revision(document, contributor, body="", upload=pdf_upload())
    response = download(as_viewer, draft, "controlled")
    assert response.status_code == 400 and "Only the effective revision" in response.content.decode()
    assert (
        download(as_viewer, draft, "uncontrolled").status_code == 200
    )  # a draft may be printed, uncontrolled
    assert download(as_viewer, draft, "photocopy").status_code == 400
    assert list(Download.objects.values_list("copy", flat=True)) == ["uncontrolled"]


def test_it_stamps_every_page_whatever_its_size_and_rotation():
    from weasyprint import HTML

    source = HTML(
        string="<style>@page{size:A4 landscape}</style><p>First page</p>"
        "<p style='page-break-before:always'>Second page</p>"
    ).write_pdf()
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(source)))
    rotated = PdfReader(io.BytesIO(HTML(string="<p>Turned page</p>").write_pdf())).pages[0]
    rotated.rotate(90)
    writer.add_page(rotated)
    data = io.BytesIO()
    writer.write(data)
    stamp = stamping.controlled_stamp(
        reference="PRO-001",
        title="Spills",
        label="B",
        effective=datetime.date(2024, 3, 1),
        who="Vera Viewer",
        at=timezone.now(),
    )
    pages = PdfReader(io.BytesIO(stamping.stamp_pdf(data.getvalue(), stamp))).pages
    assert len(pages) == 3
    for page, original in zip(pages, ("First page", "Second page", "Turned page"), strict=True):
        text = page.extract_text()
        assert "Controlled copy — revision B, effective 1 Mar 2024" in text and original in text
        assert "PRO-001 Spills" in text


def test_it_refuses_to_stamp_a_damaged_pdf():
    stamp = stamping.uncontrolled_stamp(reference="X", title="Y", label="1", who="Z", at=timezone.now())
    with pytest.raises(Exception, match="could not be read"):
        stamping.stamp_pdf(b"%PDF-1.7\nnot really", stamp)


# --- Acknowledgement export ------------------------------------------------------------------


def read_sheet(response):
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_it_exports_who_has_read_the_current_revision(as_viewer, viewer, manager, document, effective):
    document.refresh_from_db()
    services.document_update(document=document, version=document.version, distribution_roles=["manager"])
    services.acknowledge(revision=effective, user=viewer)
    response = as_viewer.get(reverse("documents:acknowledgement_export", args=[document.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = read_sheet(response)
    assert rows[0] == ["Person", "Email", "Role", "Acknowledged", "Acknowledged at"]
    assert [row[:4] for row in rows[1:]] == [
        ["Mia Manager", "mia@acme.test", "Manager", "no"],
        ["Vera Viewer", "vera@acme.test", "Viewer", "yes"],
    ]
    acknowledged_at = Acknowledgement.objects.get().acknowledged_at
    expected = timezone.localtime(acknowledged_at).replace(tzinfo=None)
    assert abs(rows[2][4] - expected) < datetime.timedelta(seconds=1)
    assert rows[1][4] is None


def test_it_exports_acknowledgements_in_constant_queries(
    organisation, as_viewer, count_queries, document, effective
):
    from integrum.conftest import add_member, make_user

    url = reverse("documents:acknowledgement_export", args=[document.pk])
    document.refresh_from_db()
    services.document_update(document=document, version=document.version, distribution_roles=["viewer"])
    few = count_queries(lambda: as_viewer.get(url))
    for index in range(5):
        user = make_user(f"reader{index}@acme.test", "Reader", str(index))
        add_member(organisation, user, "viewer")
        services.acknowledge(revision=effective, user=user)
    many = count_queries(lambda: as_viewer.get(url))
    assert len(read_sheet(as_viewer.get(url))) == 7
    assert few == many


def test_it_hides_the_acknowledgement_export_from_outsiders(as_outsider, client, document):
    url = reverse("documents:acknowledgement_export", args=[document.pk])
    assert as_outsider.get(url).status_code == 404
    assert client.get(url).status_code == 302
