"""Text of a revision for full-text search: read from PDF, DOCX and TXT files, or the body.

Small files are read during the upload; a file larger than settings.INTEGRUM_TEXT_INLINE_BYTES
is read in the background by `documents.tasks.extract_revision_text` (run by `integrum
db_worker`, which `integrum serve` starts), and its revision shows "Extracting" until then. When
the text arrives for the document's current revision, the document's search text is refreshed.
"""

from __future__ import annotations

import html
import io
import logging
import re
import zipfile
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction

if TYPE_CHECKING:
    from integrum.documents.models import DocumentRevision

logger = logging.getLogger(__name__)

# Text beyond this is not indexed: search needs the words, not every page of a 500-page manual.
MAX_TEXT = 1_000_000
# The most of a DOCX's document.xml that is read (check_upload already refuses zip bombs).
MAX_DOCX_XML = 50 * 1024 * 1024

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TEXT_KINDS = {"text/plain", "text/csv"}
# Kinds of file whose text is read; others (images, spreadsheets, slides) have none for search.
READABLE = {PDF, DOCX, *TEXT_KINDS}

# Control characters other than tab and newline: NUL is refused by PostgreSQL in text columns,
# and none of them belongs in a search index or a snippet.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean(text: str) -> str:
    """Text fit for the index: unified line ends, no control characters, at most MAX_TEXT long."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text).strip()[:MAX_TEXT]


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    parts: list[str] = []
    length = 0
    for page in reader.pages:
        page_text = page.extract_text() or ""
        parts.append(page_text)
        length += len(page_text)
        if length >= MAX_TEXT:
            break
    return "\n".join(parts)


_DOCX_BREAKS = re.compile(r"</w:p>|<w:br\b[^>]*/>|<w:cr\b[^>]*/>")
_DOCX_TABS = re.compile(r"<w:tab\b[^>]*/>")
_TAGS = re.compile(r"<[^>]*>")


def _docx_text(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive, archive.open("word/document.xml") as part:
        xml = part.read(MAX_DOCX_XML).decode("utf-8", errors="replace")
    # Only the body: headers of the XML and the section properties carry no words.
    xml = _DOCX_BREAKS.sub("\n", xml)
    xml = _DOCX_TABS.sub("\t", xml)
    return html.unescape(_TAGS.sub("", xml))


def extract(data: bytes, mime_type: str) -> str:
    """The readable text of a file, or "" for kinds without text (images, spreadsheets).

    Raises whatever the reader raises on a damaged file; callers record that as "failed".
    """
    if mime_type in TEXT_KINDS:
        return clean(_decode(data[: MAX_TEXT * 4]))
    if mime_type == PDF:
        return clean(_pdf_text(data))
    if mime_type == DOCX:
        return clean(_docx_text(data))
    return ""


def _read_file(revision: DocumentRevision) -> tuple[str, str]:
    """(text, status) of a revision's file; a damaged file gives ("", failed), never an error."""
    from integrum.documents.models import DocumentRevision

    Status = DocumentRevision.TextStatus
    if revision.mime_type not in READABLE:
        return "", Status.NONE
    try:
        with revision.file.open("rb") as handle:
            data = handle.read()
        content = extract(data, revision.mime_type)
    except Exception:  # a damaged file must not block the upload; it is just not searchable
        logger.warning("Could not read the text of revision %s", revision.pk, exc_info=True)
        return "", Status.FAILED
    return content, (Status.DONE if content else Status.NONE)


def store(revision_id: int, content: str, status: str) -> None:
    """Save a revision's text; if it is its document's current revision, refresh the search text.

    The revision row is locked before the document, as `revision_make_effective` does, so a
    revision becoming effective while its text is being stored always ends with the text indexed.
    """
    from integrum.documents.models import Document, DocumentRevision
    from integrum.documents.services import _refresh_search_text

    with transaction.atomic():
        if not DocumentRevision.objects.filter(pk=revision_id).update(
            extracted_text=content, text_status=status
        ):
            return  # deleted meanwhile
        document = (
            Document.objects.select_for_update(of=("self",))
            .select_related("current_revision")
            .filter(revisions__pk=revision_id)
            .first()
        )
        if document is not None and document.current_revision_id == revision_id:
            _refresh_search_text(document)
            Document.objects.filter(pk=document.pk).update(search_text=document.search_text)


def extract_and_store(revision_id: int) -> str:
    """Read and store the text of a revision's file (the background task's work); its status."""
    from integrum.documents.models import DocumentRevision

    revision = DocumentRevision.objects.filter(pk=revision_id).first()
    if revision is None:
        return "gone"
    status: str
    if not revision.has_file:
        content, status = clean(revision.body), DocumentRevision.TextStatus.DONE
    else:
        content, status = _read_file(revision)  # slow for a large file: outside any transaction
    store(revision_id, content, status)
    return str(status)


def request_extraction(revision: DocumentRevision) -> None:
    """Fill `extracted_text` from the revision's file or body, and refresh the search text.

    A large readable file is queued for the background worker instead: its text status is
    "pending" until the task has run. The task is queued in the caller's transaction, so with
    the database queue it exists exactly when the revision does.
    """
    from integrum.documents.models import DocumentRevision
    from integrum.documents.tasks import extract_revision_text

    Status = DocumentRevision.TextStatus
    status: str
    if not revision.has_file:
        content, status = clean(revision.body), (Status.DONE if revision.body.strip() else Status.NONE)
    elif revision.mime_type in READABLE and (revision.size or 0) > settings.INTEGRUM_TEXT_INLINE_BYTES:
        DocumentRevision.objects.filter(pk=revision.pk).update(extracted_text="", text_status=Status.PENDING)
        revision.extracted_text, revision.text_status = "", Status.PENDING
        extract_revision_text.enqueue(revision.pk)
        revision.refresh_from_db(fields=["extracted_text", "text_status"])  # an immediate backend ran it
        return
    else:
        content, status = _read_file(revision)
    store(revision.pk, content, status)
    revision.extracted_text, revision.text_status = content, status
