"""What the clause pages list from this app: for 9.2 and 9.2.2 of each standard a programme or
audit covers, the audit programmes (evidence that the programme is implemented) and the reported
or closed audits (evidence of the audit results), both retained documented information."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from typing import Any

from django.urls import reverse

from integrum.audits.models import Audit, AuditProgramme
from integrum.standards.evidence import EvidenceRecord, register_provider
from integrum.standards.models import Clause, MandatoryDocument

AUDIT_CLAUSES = ("9.2", "9.2.2")
LIMIT = 200


def records_for_clauses(
    user: Any, organisation: Any, clause_ids: Collection[int]
) -> dict[int, list[EvidenceRecord]]:
    """Three queries whatever the number of records."""
    found: dict[int, list[EvidenceRecord]] = defaultdict(list)
    clauses = list(
        Clause.objects.filter(pk__in=list(clause_ids), number__in=AUDIT_CLAUSES).values_list(
            "pk", "standard_id"
        )
    )
    if not clauses:
        return found
    by_standard: dict[int, list[int]] = defaultdict(list)
    for clause_id, standard_id in clauses:
        by_standard[standard_id].append(clause_id)
    programmes = (
        AuditProgramme.objects.visible_to(user)
        .filter(organisation=organisation, standards__in=list(by_standard))
        .values_list("pk", "reference", "title", "end_date", "standards")
        .order_by("-start_date")[:LIMIT]
    )
    for pk, reference, title, end_date, standard_id in programmes:
        record = EvidenceRecord(
            label=f"{reference} {title}",
            reference=reference,
            url=reverse("audits:programme_detail", args=[pk]),
            status_label=f"Until {end_date:%d %b %Y}",
            status_css="badge--progress",
            kind_label="Audit programme",
            covers=MandatoryDocument.Kind.RETAIN,
            effective=True,
        )
        for clause_id in by_standard[standard_id]:
            found[clause_id].append(record)
    audits = (
        Audit.objects.visible_to(user)
        .filter(organisation=organisation, standards__in=list(by_standard), status__in=Audit.DONE_STATUSES)
        .values_list("pk", "reference", "title", "reported_on", "status", "standards")
        .order_by("-reported_on")[:LIMIT]
    )
    for pk, reference, title, reported_on, status, standard_id in audits:
        record = EvidenceRecord(
            label=f"{reference} {title}",
            reference=reference,
            url=reverse("audits:audit_report", args=[pk]),
            status_label=f"Reported {reported_on:%d %b %Y}" if reported_on else Audit.Status(status).label,
            status_css="badge--done",
            kind_label="Audit report",
            covers=MandatoryDocument.Kind.RETAIN,
            effective=True,
        )
        for clause_id in by_standard[standard_id]:
            found[clause_id].append(record)
    return found


def register() -> None:
    register_provider(records_for_clauses)
