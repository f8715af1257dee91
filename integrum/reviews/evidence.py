"""Clause evidence from this app: the management reviews serve 9.3 (and 9.3.1–9.3.3 of ISO 9001)
of the standards each covers. Their results are documented information both standards ask to
retain; a signed review is the retained record."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from typing import Any

from django.urls import reverse

from integrum.reviews.models import ManagementReview
from integrum.standards.evidence import EvidenceRecord, register_provider
from integrum.standards.models import MandatoryDocument

CLAUSES = ("9.3", "9.3.1", "9.3.2", "9.3.3")
LIMIT = 200


def records_for_clauses(
    user: Any, organisation: Any, clause_ids: Collection[int]
) -> dict[int, list[EvidenceRecord]]:
    """Reviews that are not cancelled, for the 9.3 clauses of their standards (one query)."""
    found: dict[int, list[EvidenceRecord]] = defaultdict(list)
    if not clause_ids:
        return found
    rows = (
        ManagementReview.objects.visible_to(user)
        .filter(
            organisation=organisation,
            standards__clauses__pk__in=list(clause_ids),
            standards__clauses__number__in=CLAUSES,
        )
        .exclude(status=ManagementReview.Status.CANCELLED)
        .values_list("pk", "reference", "title", "status", "standards__clauses__pk")
        .order_by("-scheduled_for")[: LIMIT * 4]
    )
    labels = dict(ManagementReview.Status.choices)
    for pk, reference, title, status, clause_id in rows:
        signed = status == ManagementReview.Status.SIGNED
        found[clause_id].append(
            EvidenceRecord(
                label=f"{reference} {title}",
                reference=reference,
                url=reverse("reviews:review_detail", args=[pk]),
                status_label=labels[status],
                status_css="badge--done" if signed else "badge--progress",
                kind_label="Management review",
                covers=MandatoryDocument.Kind.RETAIN,
                effective=signed,
            )
        )
    return found


def register() -> None:
    register_provider(records_for_clauses)
