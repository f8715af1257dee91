"""Background tasks of environmental data, run by `integrum db_worker` (started by `integrum serve`)."""

from __future__ import annotations

from django_tasks import task

from integrum.measurement import services


@task()
def process_reading_batch(batch_id: int, user_id: int | None, commit: bool) -> str:
    """Check an uploaded file of readings and stop at the dry run, or commit it; returns the
    batch's status."""
    return services.batch_process(batch_id=batch_id, user_id=user_id, commit=commit)
