"""Text of a revision for full-text search: read from PDF, DOCX and TXT files, or the body."""

from __future__ import annotations

import io
import re
import zipfile
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from integrum.documents.models import DocumentRevision

# Text beyond this is not indexed: search needs the words, not every page of a 500-page manual.
MAX_TEXT = 1_000_000


def extract(data: bytes, mime_type: str) -> str:
    """The readable text of a file, or "" for kinds without text (images, spreadsheets)."""
    if mime_type == "text/plain":
        return data.decode("utf-8", errors="replace")[:MAX_TEXT]
    if mime_type == "application/pdf":
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(data))
        return "\n".join(page.extract_text() or "" for page in reader.pages)[:MAX_TEXT]
    if mime_type.endswith("wordprocessingml.document"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            xml = archive.read("word/document.xml").decode("utf-8", errors="replace")
        paragraphs = re.split(r"</w:p>", xml)
        return "\n".join(re.sub(r"<[^>]+>", "", p) for p in paragraphs).strip()[:MAX_TEXT]
    return ""


def request_extraction(revision: DocumentRevision) -> None:
    """Fill `extracted_text` from the revision's file or body, and refresh the search text."""
    from integrum.documents.models import DocumentRevision

    if revision.has_file:
        revision.file.open("rb")
        try:
            data = revision.file.read()
        finally:
            revision.file.close()
        try:
            content = extract(data, revision.mime_type)
            status = DocumentRevision.TextStatus.DONE if content else DocumentRevision.TextStatus.NONE
        except Exception:  # a damaged file must not block the upload; it is just not searchable
            content, status = "", DocumentRevision.TextStatus.FAILED
    else:
        content, status = revision.body, DocumentRevision.TextStatus.DONE
    DocumentRevision.objects.filter(pk=revision.pk).update(extracted_text=content, text_status=status)
    revision.extracted_text, revision.text_status = content, status
