"""The documents a clause's page lists: the provider `standards.evidence` asks for them.

A controlled document can cover a mandatory "maintain" item, a record a "retain" item; either
only while it is effective. Obsolete documents no longer serve anything and are left out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from typing import Any

from django.contrib.contenttypes.models import ContentType

from integrum.documents.models import Document
from integrum.standards.evidence import EvidenceRecord, register_provider
from integrum.standards.models import ClauseLink, MandatoryDocument

STATUS_CSS = {
    Document.Status.DRAFT: "badge--muted",
    Document.Status.EFFECTIVE: "badge--done",
}


def evidence_record(document: Document) -> EvidenceRecord:
    """How a document reads on a clause's page (uses its selected current revision)."""
    effective = document.status == Document.Status.EFFECTIVE
    status = document.get_status_display()
    if effective and document.current_revision is not None:
        status = f"{status}, rev. {document.current_revision.label}"
    return EvidenceRecord(
        label=f"{document.reference} {document.title}",
        reference=document.reference,
        url=document.get_absolute_url(),
        status_label=status,
        status_css=STATUS_CSS.get(Document.Status(document.status), "badge--muted"),
        kind_label=document.get_kind_display(),
        covers=MandatoryDocument.Kind.RETAIN if document.is_record else MandatoryDocument.Kind.MAINTAIN,
        effective=effective,
    )


def records_for_clauses(
    user: Any, organisation: Any, clause_ids: Collection[int]
) -> dict[int, list[EvidenceRecord]]:
    """The organisation's documents the user may see, linked to each clause (two queries)."""
    links = ClauseLink.objects.filter(
        organisation=organisation,
        clause_id__in=clause_ids,
        target_type=ContentType.objects.get_for_model(Document),
    ).values_list("clause_id", "target_id")
    clauses_of: dict[int, list[int]] = defaultdict(list)
    for clause_id, target_id in links:
        clauses_of[int(target_id)].append(clause_id)
    if not clauses_of:
        return {}
    documents = (
        Document.objects.visible_to(user)
        .filter(organisation=organisation, pk__in=list(clauses_of))
        .exclude(status=Document.Status.OBSOLETE)
        .select_related("current_revision")
    )
    found: dict[int, list[EvidenceRecord]] = defaultdict(list)
    for document in documents:
        record = evidence_record(document)
        for clause_id in clauses_of[document.pk]:
            found[clause_id].append(record)
    return found


def register() -> None:
    register_provider(records_for_clauses)
