"""Text extraction for search: each kind of file, damaged files, and large files in the background."""

from __future__ import annotations

import io
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command

from integrum.conftest import PASSWORD
from integrum.core.files import in_memory
from integrum.documents import text
from integrum.documents.models import Document, DocumentRevision
from integrum.documents.search import search_documents
from integrum.documents.services import StepSpec, revision_sign, revision_submit
from integrum.documents.tests.factories import make_document, make_effective, make_revision, pdf_bytes

pytestmark = pytest.mark.django_db

S = DocumentRevision.TextStatus
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def docx_bytes(*paragraphs: str) -> bytes:
    """A minimal but genuine DOCX: content types, relationships and a body of paragraphs."""
    body = "".join(f"<w:p><w:r><w:t>{p}</w:t></w:r></w:p>" for p in paragraphs)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
            'package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        archive.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
        )
        archive.writestr(
            "word/document.xml",
            '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
            f'wordprocessingml/2006/main"><w:body>{body}</w:body></w:document>',
        )
    return buffer.getvalue()


def run_worker_once() -> None:
    """Run the database queue's worker until the queue is empty, as `integrum db_worker` would."""
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    try:
        call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0", verbosity=0)
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


# --- extract(): each kind of file ------------------------------------------------------------


def test_plain_text_is_decoded_and_cleaned():
    raw = "\ufeffSpill kit\r\nevery bund\x00\x02 checked".encode()
    assert text.extract(raw, "text/plain") == "Spill kit\nevery bund checked"


def test_text_that_is_not_utf8_is_read_as_windows_1252():
    assert text.extract("Café réception".encode("cp1252"), "text/plain") == "Café réception"


def test_pdf_text_is_extracted():
    assert "bund has one" in text.extract(pdf_bytes("Calibration of gauges: every bund has one."), text.PDF)


def test_docx_built_here_is_extracted_with_paragraphs_tabs_and_entities():
    data = docx_bytes("Waste &amp; recycling", "Skip</w:t><w:tab/><w:t>hire", "&lt;script&gt;")
    assert text.extract(data, text.DOCX).splitlines() == ["Waste & recycling", "Skip\thire", "<script>"]


def test_kinds_without_text_give_nothing():
    assert text.extract(b"\x89PNG\r\n\x1a\n....", "image/png") == ""


def test_a_damaged_pdf_raises_for_the_caller_to_record():
    with pytest.raises(Exception):  # noqa: B017 - whatever pypdf raises
        text.extract(b"%PDF-1.7\nthis is not really a PDF", text.PDF)


def test_text_is_capped():
    assert len(text.extract(b"word " * (text.MAX_TEXT // 2), "text/plain")) == text.MAX_TEXT


# --- On upload -------------------------------------------------------------------------------


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = IMMEDIATE


@pytest.mark.parametrize(
    ("name", "data", "word"),
    [
        ("gauges.pdf", lambda: pdf_bytes("Micrometer calibration interval"), "micrometer"),
        ("waste.docx", lambda: docx_bytes("Skip hire and waste transfer notes"), "transfer"),
        ("notes.txt", lambda: b"Bund inspection every Monday", "inspection"),
    ],
)
def test_each_kind_is_read_on_upload(organisation, contributor, name, data, word, immediate_tasks):
    document = make_document(organisation, contributor)
    revision = make_revision(document, contributor, body="", upload=in_memory(data(), name))
    revision.refresh_from_db()
    assert revision.text_status == S.DONE
    assert word in revision.extracted_text.lower()


def test_a_damaged_pdf_is_accepted_but_marked_unreadable(organisation, contributor, immediate_tasks):
    document = make_document(organisation, contributor)
    revision = make_revision(
        document, contributor, body="", upload=in_memory(b"%PDF-1.7\n1 0 obj broken", "broken.pdf")
    )
    revision.refresh_from_db()
    assert revision.text_status == S.FAILED
    assert revision.extracted_text == ""
    assert revision.has_file and revision.sha256  # the upload itself was stored


def test_an_image_has_no_text(organisation, contributor, immediate_tasks):
    png = (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
        b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
        b"\x00\x00IEND\xaeB`\x82"
    )
    revision = make_revision(
        make_document(organisation, contributor), contributor, body="", upload=in_memory(png, "map.png")
    )
    revision.refresh_from_db()
    assert revision.text_status == S.NONE


def test_written_text_is_its_own_text(organisation, contributor):
    revision = make_revision(make_document(organisation, contributor), contributor, body="Keep the bund dry.")
    revision.refresh_from_db()
    assert (revision.text_status, revision.extracted_text) == (S.DONE, "Keep the bund dry.")


# --- Large files: in the background ----------------------------------------------------------


def test_a_large_file_is_read_by_the_immediate_backend_right_away(
    organisation, contributor, settings, immediate_tasks
):
    settings.INTEGRUM_TEXT_INLINE_BYTES = 100
    document = make_document(organisation, contributor)
    revision = make_revision(
        document, contributor, body="", upload=in_memory(pdf_bytes("Torque wrench register"), "big.pdf")
    )
    assert revision.text_status == S.DONE
    assert "torque" in revision.extracted_text.lower()


@pytest.mark.django_db(transaction=True)
def test_a_large_file_is_queued_and_searchable_once_the_worker_ran(
    organisation, contributor, manager, settings
):
    """The database queue: the upload returns at once with the text pending; the revision becomes
    effective before the worker runs; the worker's task then puts the text in the search index."""
    settings.TASKS = DATABASE_QUEUE
    settings.INTEGRUM_TEXT_INLINE_BYTES = 100
    from django_tasks_db.models import DBTaskResult

    document = make_document(organisation, contributor, title="Tooling register")
    revision = make_revision(
        document, contributor, body="", upload=in_memory(pdf_bytes("Torque wrench verification"), "big.pdf")
    )
    revision.refresh_from_db()
    assert revision.text_status == S.PENDING
    assert DBTaskResult.objects.filter(status="READY").count() == 1
    revision_submit(revision=revision, steps=[StepSpec(kind="approve", assignee=manager)])
    revision_sign(step=revision.steps.get(), user=manager, password=PASSWORD)
    document.refresh_from_db()
    assert document.current_revision_id == revision.pk
    find = lambda: search_documents(user=manager, organisation=organisation, query="wrench")  # noqa: E731
    assert find() == []

    run_worker_once()

    revision.refresh_from_db()
    assert revision.text_status == S.DONE
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    assert [hit.document.pk for hit in find()] == [document.pk]
    assert "wrench" in Document.objects.get(pk=document.pk).search_text.lower()


@pytest.mark.django_db(transaction=True)
def test_a_task_for_a_draft_leaves_the_current_text_alone(organisation, contributor, manager, settings):
    settings.INTEGRUM_TEXT_INLINE_BYTES = 100
    settings.TASKS = DATABASE_QUEUE
    document = make_document(organisation, contributor, title="Tooling register")
    make_effective(document, contributor, manager, PASSWORD, body="Spanner sizes")
    draft = make_revision(
        document, contributor, body="", upload=in_memory(pdf_bytes("Torque wrench verification"), "big.pdf")
    )
    run_worker_once()
    draft.refresh_from_db()
    document.refresh_from_db()
    assert draft.text_status == S.DONE
    assert "spanner" in document.search_text.lower() and "wrench" not in document.search_text.lower()


@pytest.mark.django_db(transaction=True)
def test_a_damaged_large_file_ends_failed_not_pending(organisation, contributor, settings):
    settings.INTEGRUM_TEXT_INLINE_BYTES = 10
    settings.TASKS = DATABASE_QUEUE
    revision = make_revision(
        make_document(organisation, contributor),
        contributor,
        body="",
        upload=in_memory(b"%PDF-1.7\n" + b"garbage " * 10, "broken.pdf"),
    )
    run_worker_once()
    revision.refresh_from_db()
    assert revision.text_status == S.FAILED


# --- `integrum serve` runs the worker beside the server --------------------------------------


def test_the_background_worker_is_restarted_if_it_dies_and_stopped_with_the_server():
    from integrum.core.management.commands.serve import BackgroundWorker

    worker = BackgroundWorker(
        [sys.executable, "-c", "import time; time.sleep(60)"], restart_delay=0.05, grace=5
    )
    worker.start()
    try:
        first = worker.process
        first.kill()
        first.wait()
        deadline = time.monotonic() + 10
        while worker.process is first and time.monotonic() < deadline:
            time.sleep(0.05)
        second = worker.process
        assert second is not first and second.poll() is None
    finally:
        worker.stop()
    assert second.poll() is not None
    assert worker.process is second  # not started again once stopping


def children_of(pid: int) -> list[str]:
    """Command lines of a process's children (Linux /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                found.append((stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode())
        except (OSError, IndexError, ValueError):
            continue
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
def test_integrum_serve_starts_a_db_worker_and_stops_it(tmp_path):
    from integrum.core.tests.test_cli import cli_env, free_port, http_get, integrum, integrum_command

    home = tmp_path / "home"
    home.mkdir()
    env = cli_env(tmp_path / "var", home)
    assert integrum(env, "migrate", "-v0", cwd=tmp_path).returncode == 0
    port = free_port()
    server = subprocess.Popen(
        [*integrum_command(), "serve", "--port", str(port), "--workers", "1"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        status, deadline = 0, time.monotonic() + 20
        while time.monotonic() < deadline and server.poll() is None:
            try:
                status = http_get(f"http://127.0.0.1:{port}/login/")[0]
                break
            except (OSError, ConnectionError):
                time.sleep(0.2)
        assert status == 200
        workers = [cmd for cmd in children_of(server.pid) if "db_worker" in cmd]
        assert len(workers) == 1, children_of(server.pid)
    finally:
        server.send_signal(signal.SIGINT)
        try:
            out, err = server.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            out, err = server.communicate()
    assert server.returncode == 0, err
    assert "background worker" in out
    assert not [cmd for cmd in children_of(server.pid) if "db_worker" in cmd]
