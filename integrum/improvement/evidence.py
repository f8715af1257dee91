"""What clause 10.2 pages list from this app: the nonconformities themselves, whose nature,
actions and results are documented information to retain (10.2.2)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from typing import Any

from django.urls import reverse

from integrum.improvement.models import Nonconformity
from integrum.standards.evidence import EvidenceRecord, register_provider
from integrum.standards.models import Clause, MandatoryDocument

CLAUSES = ("10.2", "10.2.1", "10.2.2")
# A clause page is a summary: beyond this many records it links to the list instead.
LIMIT = 200


def records_for_clauses(
    user: Any, organisation: Any, clause_ids: Collection[int]
) -> dict[int, list[EvidenceRecord]]:
    """The latest nonconformities for each 10.2 clause asked for: two queries."""
    found: dict[int, list[EvidenceRecord]] = defaultdict(list)
    clauses = list(
        Clause.objects.filter(pk__in=list(clause_ids), number__in=CLAUSES).values_list("pk", flat=True)
    )
    if not clauses:
        return found
    rows = (
        Nonconformity.objects.visible_to(user)
        .filter(organisation=organisation)
        .exclude(status=Nonconformity.Status.REJECTED)
        .order_by("-number")
        .values_list("pk", "reference", "title", "status")[:LIMIT]
    )
    labels = dict(Nonconformity.Status.choices)
    records = [
        EvidenceRecord(
            label=f"{reference} {title}",
            reference=reference,
            url=reverse("improvement:nc_detail", args=[pk]),
            status_label=str(labels[status]),
            status_css="badge--done" if status == Nonconformity.Status.CLOSED else "badge--progress",
            kind_label="Nonconformity",
            covers=MandatoryDocument.Kind.RETAIN,
            effective=True,
        )
        for pk, reference, title, status in rows
    ]
    for clause_id in clauses:
        found[clause_id] = list(records)
    return found


def register() -> None:
    register_provider(records_for_clauses)
