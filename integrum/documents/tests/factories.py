from __future__ import annotations

import functools
from typing import Any

from integrum.core.files import in_memory
from integrum.core.models import Organisation, User
from integrum.documents.models import Document, DocumentRevision, Kind
from integrum.documents.services import (
    StepSpec,
    document_create,
    revision_create,
    revision_sign,
    revision_submit,
)


@functools.cache
def pdf_bytes(text: str = "Spill kit check: every bund has one.") -> bytes:
    """A real PDF with `text` on its page (made once per text)."""
    from weasyprint import HTML

    return bytes(HTML(string=f"<p>{text}</p>").write_pdf())


def make_document(organisation: Organisation, owner: User, **overrides: Any) -> Document:
    fields: dict[str, Any] = {"kind": Kind.PROCEDURE, "title": "Control of spills"}
    fields.update(overrides)
    return document_create(organisation=organisation, owner=owner, **fields)


def make_revision(document: Document, user: User, **overrides: Any) -> DocumentRevision:
    fields: dict[str, Any] = {"change_summary": "First issue.", "body": "Keep a spill kit at every bund."}
    fields.update(overrides)
    return revision_create(document=document, created_by=user, **fields)


def pdf_upload(name: str = "spills.pdf", text: str = "Spill kit check: every bund has one.") -> Any:
    return in_memory(pdf_bytes(text), name)


def make_effective(
    document: Document, author: User, approver: User, password: str, **overrides: Any
) -> DocumentRevision:
    """A revision taken through a one-step approval to effective."""
    revision = make_revision(document, author, **overrides)
    revision_submit(revision=revision, steps=[StepSpec(kind="approve", assignee=approver)])
    revision_sign(step=revision.steps.get(), user=approver, password=password)
    revision.refresh_from_db()
    return revision
