"""Migration: importing a document register (CSV or XLSX) with its files, dry run first, all or nothing."""

from __future__ import annotations

import datetime
import io
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from integrum.conftest import PASSWORD
from integrum.core.models import ObjectChange
from integrum.documents import importing, services
from integrum.documents.models import Document, DocumentRevision, Kind
from integrum.documents.tests.factories import make_document, make_revision, pdf_bytes

pytestmark = pytest.mark.django_db

HEADINGS = ["Number", "Title", "Type", "Owner", "Revision", "Approval date", "Approver", "File name"]
GOOD_ROWS = [
    [
        "QP-01",
        "Control of documents",
        "procedure",
        "carl@acme.test",
        "C",
        "2021-03-04",
        "J. Smith",
        "qp01.pdf",
    ],
    [
        "POL/1",
        "Quality and environmental policy",
        "POLICY",
        "mia@acme.test",
        "4",
        "15/06/2023",
        "",
        "Policy.PDF",
    ],
]
URL = "/documents/import/"


def csv_register(rows, headings=HEADINGS) -> bytes:
    lines = [",".join(headings)] + [",".join(f'"{value}"' for value in row) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def xlsx_register(rows, headings=HEADINGS) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headings)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def zip_of(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


def good_files() -> dict[str, bytes]:
    # Files sit in folders in the ZIP and are found by their own name, whatever its case.
    return {
        "procedures/qp01.pdf": pdf_bytes("Documents are controlled."),
        "policy/policy.pdf": pdf_bytes("We care."),
    }


def stored_files() -> list[Path]:
    return [path for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file()]


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def check(client, register_name: str, register: bytes, files: bytes):
    return client.post(
        URL,
        {"step": "check", "register": upload(register_name, register), "archive": upload("files.zip", files)},
    )


def assert_imported(organisation, contributor, manager):
    first = Document.objects.get(organisation=organisation, reference="QP-01")
    second = Document.objects.get(organisation=organisation, reference="POL/1")
    assert (first.kind, first.title, first.owner, first.status) == (
        Kind.PROCEDURE,
        "Control of documents",
        contributor,
        Document.Status.EFFECTIVE,
    )
    assert (second.kind, second.owner, second.status) == (Kind.POLICY, manager, Document.Status.EFFECTIVE)
    revision = first.current_revision
    assert (revision.label, revision.status, revision.effective_date) == (
        "C",
        DocumentRevision.Status.EFFECTIVE,
        datetime.date(2021, 3, 4),
    )
    assert (revision.legacy_approved_on, revision.legacy_approver) == (datetime.date(2021, 3, 4), "J. Smith")
    assert revision.original_name == "qp01.pdf" and revision.sha256
    assert "Documents are controlled." in revision.extracted_text
    assert revision.file.open("rb").read() == pdf_bytes("Documents are controlled.")
    policy = second.current_revision
    assert (policy.label, policy.legacy_approved_on, policy.legacy_approver) == (
        "4",
        datetime.date(2023, 6, 15),
        "",
    )
    assert ObjectChange.objects.filter(message="Imported: approved on 2021-03-04 by J. Smith").exists()
    assert ObjectChange.objects.filter(message="Imported: approved on 2023-06-15").exists()


# --- The page --------------------------------------------------------------------------------


def test_it_checks_then_imports_a_csv_register_with_a_zip(organisation, as_contributor, contributor, manager):
    response = check(as_contributor, "register.csv", csv_register(GOOD_ROWS), zip_of(good_files()))
    page = response.content.decode()
    assert response.status_code == 200 and "Import 2 documents" in page
    assert "Control of documents" in page and "QP-01" in page
    assert not Document.objects.exists()  # the check writes nothing
    token = as_contributor.session["documents_import"]["token"]
    response = as_contributor.post(URL, {"step": "import", "token": token})
    assert response.status_code == 302 and response["Location"] == reverse("documents:document_list")
    assert_imported(organisation, contributor, manager)
    assert not (Path(settings.MEDIA_ROOT) / "import-staging" / token).exists()
    assert "documents_import" not in as_contributor.session


def test_it_imports_an_xlsx_register_with_dates_and_type_labels(
    organisation, as_contributor, contributor, manager
):
    rows = [
        [*GOOD_ROWS[0][:5], datetime.datetime(2021, 3, 4), "J. Smith", "qp01.pdf"],
        [
            "POL/1",
            "Quality and environmental policy",
            "Policy",
            "MIA@acme.test",
            4,
            "15/06/2023",
            None,
            "policy.pdf",
        ],
        [
            "WI-7",
            "Spill response",
            "Work instruction",
            "carl@acme.test",
            1.0,
            "2020-01-31",
            "A. Lee",
            "wi7.txt",
        ],
    ]
    files = {**good_files(), "wi7.txt": b"Stop, contain, report.\n"}
    response = check(as_contributor, "register.xlsx", xlsx_register(rows), zip_of(files))
    assert "Import 3 documents" in response.content.decode()
    response = as_contributor.post(
        URL, {"step": "import", "token": as_contributor.session["documents_import"]["token"]}
    )
    assert response.status_code == 302
    assert_imported(organisation, contributor, manager)
    instruction = Document.objects.get(reference="WI-7")
    assert instruction.kind == Kind.WORK_INSTRUCTION and instruction.current_revision.label == "1"


def test_it_lists_every_row_error_and_writes_nothing(organisation, as_contributor, contributor, manager):
    existing = make_document(organisation, contributor, title="Already here")
    make_revision(existing, contributor)
    changes_before = ObjectChange.objects.count()
    files_before = stored_files()
    rows = [
        ["QP-01", "Good row", "procedure", "carl@acme.test", "1", "2021-03-04", "J. Smith", "qp01.pdf"],
        ["QP-02", "Unknown type", "memo", "carl@acme.test", "1", "2021-03-04", "", "qp01.pdf"],
        ["QP-03", "Unknown owner", "form", "nobody@acme.test", "1", "2021-03-04", "", "qp01.pdf"],
        ["QP-04", "Bad date", "form", "carl@acme.test", "1", "31/02/2021", "", "qp01.pdf"],
        ["QP-01", "Duplicate number", "form", "carl@acme.test", "1", "2021-03-04", "", "qp01.pdf"],
        ["QP-05", "Missing file", "form", "carl@acme.test", "1", "2021-03-04", "", "nowhere.pdf"],
        ["QP-06", "Renamed program", "form", "carl@acme.test", "1", "2021-03-04", "", "tool.pdf"],
        ["QP-07", "Path traversal", "form", "carl@acme.test", "1", "2021-03-04", "", "evil.pdf"],
        [existing.reference, "Number taken", "form", "carl@acme.test", "1", "2021-03-04", "", "qp01.pdf"],
        ["QP-08", "", "form", "carl@acme.test", "1", "2021-03-04", "", "qp01.pdf"],
        ["QP-09", "Zip bomb", "form", "carl@acme.test", "1", "2021-03-04", "", "bomb.txt"],
    ]
    files = {
        "qp01.pdf": pdf_bytes("Documents are controlled."),
        "bin/tool.pdf": b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 2000,
        "../../evil.pdf": pdf_bytes("Outside."),
        "bomb.txt": b"0" * (20 * 1024 * 1024),
    }
    response = check(as_contributor, "register.csv", csv_register(rows), zip_of(files))
    page = response.content.decode()
    assert response.status_code == 200 and "Import 1 document" not in page
    assert "documents_import" not in as_contributor.session
    assert "10 problems in the register" in page
    register = upload("register.csv", csv_register(rows))
    source = importing.ZipSource(io.BytesIO(zip_of(files)))
    result = importing.run_import(
        organisation=organisation, user=contributor, register=register, files=source, commit=True
    )
    found = {(error.row, error.column): error.message for error in result.errors}
    assert sorted(found) == [
        (3, "type"),
        (4, "owner"),
        (5, "approval date"),
        (6, "number"),
        (7, "file name"),
        (8, "file name"),
        (9, "file name"),
        (10, "number"),
        (11, "title"),
        (12, "file name"),
    ]
    assert "“memo” is not a type of document" in found[(3, "type")]
    assert "nobody@acme.test is not a member" in found[(4, "owner")]
    assert "is not a date" in found[(5, "approval date")]
    assert "QP-01 is also on row 2" in found[(6, "number")]
    assert "no file named “nowhere.pdf”" in found[(7, "file name")]
    assert "not a PDF file" in found[(8, "file name")]
    assert "unsafe path" in found[(9, "file name")] and "../../evil.pdf" in found[(9, "file name")]
    assert "already used" in found[(10, "number")]
    assert "refused as unsafe" in found[(12, "file name")]
    for message in found.values():
        assert escape(message) in page
    assert not result.created and len(result.rows) == 1  # the good row was not imported either
    assert Document.objects.count() == 1 and DocumentRevision.objects.count() == 1
    assert ObjectChange.objects.count() == changes_before
    assert stored_files() == files_before


def test_it_explains_wrong_columns(organisation, as_contributor):
    headings = ["Ref", "Title", "Type", "Owner", "Revision", "Approver", "File"]
    response = check(as_contributor, "register.csv", csv_register([], headings), zip_of(good_files()))
    page = response.content.decode()
    assert "The register has no “number”, “approval date” column" in page
    assert "The first row must name the columns: number, title, type" in page
    assert "documents_import" not in as_contributor.session


def test_it_refuses_a_register_or_zip_it_cannot_read(organisation, contributor):
    def run(register, files):
        return importing.check_register(organisation=organisation, register=register, files=files)

    zipped = importing.ZipSource(io.BytesIO(zip_of(good_files())))
    assert run(upload("register.pdf", pdf_bytes()), zipped).problems == [
        "The register must be a CSV or XLSX file."
    ]
    assert "not a XLSX file" in run(upload("register.xlsx", b"number,title\n"), zipped).problems[0]
    not_zip = importing.ZipSource(io.BytesIO(b"this is not a zip"))
    assert "could not be opened" in run(upload("register.csv", csv_register(GOOD_ROWS)), not_zip).problems[0]


def test_it_lets_contributors_in_and_keeps_viewers_and_strangers_out(as_viewer, as_contributor, client):
    assert as_contributor.get(URL).status_code == 200
    assert as_viewer.get(URL).status_code == 403
    assert as_viewer.post(URL, {"step": "import", "token": "0" * 32}).status_code == 403
    assert client.get(URL).status_code == 302


def test_it_refuses_an_import_step_without_a_checked_upload(
    organisation, as_contributor, contributor, manager
):
    response = as_contributor.post(URL, {"step": "import", "token": "f" * 32})
    assert response.status_code == 302 and response["Location"] == URL
    assert not Document.objects.exists()


def test_it_rechecks_at_import_time(organisation, as_contributor, contributor, manager):
    check(as_contributor, "register.csv", csv_register(GOOD_ROWS), zip_of(good_files()))
    # Someone takes one of the numbers between the check and the import.
    services.document_create(
        organisation=organisation, kind="form", title="Taken", owner=manager, reference="QP-01"
    )
    response = as_contributor.post(
        URL, {"step": "import", "token": as_contributor.session["documents_import"]["token"]}
    )
    assert response.status_code == 200 and "Nothing was imported" in response.content.decode()
    assert Document.objects.count() == 1
    assert not (Path(settings.MEDIA_ROOT) / "import-staging").exists() or not any(
        (Path(settings.MEDIA_ROOT) / "import-staging").iterdir()
    )


def test_it_makes_an_imported_revision_effective_only_from_draft(organisation, contributor, manager):
    from integrum.documents.tests.factories import make_effective

    revision = make_effective(make_document(organisation, contributor), contributor, manager, PASSWORD)
    with pytest.raises(ValidationError, match="cannot become approved"):
        services.revision_import_approved(
            revision=revision, approved_on=datetime.date(2020, 1, 1), approver="X"
        )


# --- The command -----------------------------------------------------------------------------


def write_folder(tmp_path: Path, rows, files: dict[str, bytes]) -> tuple[Path, Path]:
    register = tmp_path / "register.csv"
    register.write_bytes(csv_register(rows))
    folder = tmp_path / "files"
    for name, data in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return register, folder


def test_it_dry_runs_and_commits_from_the_command_line(organisation, contributor, manager, tmp_path):
    register, folder = write_folder(tmp_path, GOOD_ROWS, good_files())
    arguments = ["documents", "import", str(register), "--files", str(folder), "--organisation", "acme"]
    out = io.StringIO()
    call_command(*arguments, "--as", "carl@acme.test", stdout=out)
    assert "Dry run: 2 documents would be imported" in out.getvalue()
    assert not Document.objects.exists()
    out = io.StringIO()
    call_command(*arguments, "--as", "CARL@acme.test", "--commit", stdout=out)
    assert "Imported 2 documents into Acme Castings Ltd." in out.getvalue()
    assert_imported(organisation, contributor, manager)
    entry = ObjectChange.objects.get(message="Imported: approved on 2021-03-04 by J. Smith")
    assert entry.actor_id == contributor.pk  # the writes are recorded as the person named by --as


def test_it_commits_from_a_zip_on_the_command_line(organisation, contributor, manager, tmp_path):
    register = tmp_path / "register.xlsx"
    register.write_bytes(xlsx_register(GOOD_ROWS))
    archive = tmp_path / "files.zip"
    archive.write_bytes(zip_of(good_files()))
    call_command(
        "documents",
        "import",
        str(register),
        "--files",
        str(archive),
        "--organisation",
        "acme",
        "--as",
        "carl@acme.test",
        "--commit",
        stdout=io.StringIO(),
    )
    assert_imported(organisation, contributor, manager)


def test_it_prints_row_errors_and_exits_1_from_the_command_line(organisation, contributor, tmp_path):
    rows = [GOOD_ROWS[0], ["QP-02", "Bad", "memo", "carl@acme.test", "1", "yesterday", "", "qp01.pdf"]]
    register, folder = write_folder(tmp_path, rows, good_files())
    (folder / "link.pdf").symlink_to("/etc/passwd")
    rows.append(["QP-03", "Linked", "form", "carl@acme.test", "1", "2021-01-01", "", "link.pdf"])
    register.write_bytes(csv_register(rows))
    err = io.StringIO()
    with pytest.raises(CommandError, match="3 problems found: nothing was imported") as raised:
        call_command(
            "documents",
            "import",
            str(register),
            "--files",
            str(folder),
            "--organisation",
            "acme",
            "--as",
            "carl@acme.test",
            "--commit",
            stderr=err,
        )
    assert raised.value.returncode == 1
    lines = err.getvalue().splitlines()
    assert any(line.startswith("row 3, type: “memo”") for line in lines)
    assert any(line.startswith("row 3, approval date:") for line in lines)
    assert any(line.startswith("row 4, file name:") and "was not read" in line for line in lines)
    assert not Document.objects.exists()


def test_it_refuses_an_unknown_organisation_or_a_viewer_on_the_command_line(organisation, viewer, tmp_path):
    register, folder = write_folder(tmp_path, GOOD_ROWS, good_files())
    base = ["documents", "import", str(register), "--files", str(folder)]
    with pytest.raises(CommandError, match="No organisation"):
        call_command(*base, "--organisation", "nope", "--as", "vera@acme.test")
    with pytest.raises(CommandError, match="importing needs a contributor"):
        call_command(*base, "--organisation", "acme", "--as", "vera@acme.test")
    with pytest.raises(CommandError, match="not a member"):
        call_command(*base, "--organisation", "acme", "--as", "otto@other.test")


def test_it_publishes_revisions_whose_date_has_come(organisation, contributor, manager):
    document = make_document(organisation, contributor)
    revision = make_revision(document, contributor)
    tomorrow = timezone.localdate() + datetime.timedelta(days=2)
    services.revision_submit(
        revision=revision,
        steps=[services.StepSpec(kind="approve", assignee=manager)],
        effective_date=tomorrow,
    )
    services.revision_sign(step=revision.steps.get(), user=manager, password=PASSWORD)
    out = io.StringIO()
    call_command("documents", "publish", stdout=out)
    assert out.getvalue().strip() == "0 revisions became effective."
    DocumentRevision.objects.filter(pk=revision.pk).update(effective_date=timezone.localdate())
    out = io.StringIO()
    call_command("documents", "publish", stdout=out)
    assert out.getvalue().strip() == "1 revision became effective."
    assert DocumentRevision.objects.get(pk=revision.pk).status == DocumentRevision.Status.EFFECTIVE
