"""Background tasks of document control, run by `integrum db_worker` (started by `integrum serve`)."""

from __future__ import annotations

from django_tasks import task

from integrum.documents import text


@task()
def extract_revision_text(revision_id: int) -> str:
    """Read the text of a large revision file for search; returns the text status it ended with."""
    return text.extract_and_store(revision_id)
