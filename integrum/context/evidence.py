"""The context registers as evidence on clause pages, without anybody creating clause links.

The provider answers by clause number: context issues and the climate-change determination serve
4.1, interested parties 4.2, the scope of the clause's standard 4.3, processes 4.4 and roles 5.3,
in both standards. A record tied to some standards serves only those; one tied to none serves
both. The scope statement covers the "maintain" documented information of 4.3.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from typing import Any

from integrum.context.models import (
    ClimateDetermination,
    ContextIssue,
    InterestedParty,
    OrganisationalRole,
    Process,
    Scope,
)
from integrum.standards.evidence import EvidenceRecord, register_provider
from integrum.standards.models import Clause, MandatoryDocument

# Most records of one register shown on a clause's page (the register's page has them all).
LIMIT = 100

CLAUSES = {"4.1", "4.2", "4.3", "4.4", "5.3"}


def _standard_ids(obj: Any) -> set[int]:
    return {standard.pk for standard in obj.standards.all()}


def _serves(obj: Any, standard_id: int) -> bool:
    ids = _standard_ids(obj)
    return not ids or standard_id in ids


def records_for_clauses(
    user: Any, organisation: Any, clause_ids: Collection[int]
) -> dict[int, list[EvidenceRecord]]:
    """One query for the clauses, then at most two per register that a clause asks for."""
    clauses = list(
        Clause.objects.filter(pk__in=clause_ids, number__in=CLAUSES).values_list(
            "pk", "number", "standard_id"
        )
    )
    if not clauses:
        return {}
    numbers = {number for _, number, _ in clauses}
    found: dict[int, list[EvidenceRecord]] = defaultdict(list)

    def scoped(model: Any) -> Any:
        return model.objects.visible_to(user).filter(organisation=organisation)

    by_number: dict[str, list[tuple[Any, EvidenceRecord]]] = defaultdict(list)
    if "4.1" in numbers:
        issues = scoped(ContextIssue).filter(status=ContextIssue.Status.ACTIVE).prefetch_related("standards")
        for issue in issues.order_by("number")[:LIMIT]:
            record = EvidenceRecord(
                label=str(issue),
                reference=issue.reference,
                url=issue.get_absolute_url(),
                status_label=issue.get_status_display(),
                status_css="badge--done",
                kind_label="Context issue",
                covers=None,
                effective=True,
            )
            by_number["4.1"].append((issue, record))
        determination = scoped(ClimateDetermination).first()
        if determination is not None:
            record = EvidenceRecord(
                label=f"Climate change determination: {'relevant' if determination.relevant else 'not relevant'}",
                reference="",
                url=determination.get_absolute_url(),
                status_label=f"Decided {determination.decided_on:%-d %b %Y}",
                status_css="badge--done",
                kind_label="Climate change determination",
                covers=None,
                effective=True,
            )
            by_number["4.1"].append((None, record))
    if "4.2" in numbers:
        for party in scoped(InterestedParty).prefetch_related("standards").order_by("number")[:LIMIT]:
            record = EvidenceRecord(
                label=str(party),
                reference=party.reference,
                url=party.get_absolute_url(),
                status_label=party.get_kind_display(),
                status_css="badge--muted",
                kind_label="Interested party",
                covers=None,
                effective=True,
            )
            by_number["4.2"].append((party, record))
    scopes: dict[int, Scope] = {}
    if "4.3" in numbers:
        scopes = {scope.standard_id: scope for scope in scoped(Scope).select_related("standard")}
    if "4.4" in numbers:
        processes = scoped(Process).exclude(status=Process.Status.RETIRED).order_by("number")[:LIMIT]
        for process in processes:
            active = process.status == Process.Status.ACTIVE
            record = EvidenceRecord(
                label=str(process),
                reference=process.reference,
                url=process.get_absolute_url(),
                status_label=process.get_status_display(),
                status_css="badge--done" if active else "badge--muted",
                kind_label="Process",
                covers=None,
                effective=active,
            )
            by_number["4.4"].append((None, record))
    if "5.3" in numbers:
        for role in scoped(OrganisationalRole).prefetch_related("standards").order_by("number")[:LIMIT]:
            record = EvidenceRecord(
                label=str(role),
                reference=role.reference,
                url=role.get_absolute_url(),
                status_label="Role",
                status_css="badge--muted",
                kind_label="Role and authorities",
                covers=None,
                effective=True,
            )
            by_number["5.3"].append((role, record))
    for clause_id, number, standard_id in clauses:
        if number == "4.3":
            scope = scopes.get(standard_id)
            if scope is not None:
                found[clause_id].append(
                    EvidenceRecord(
                        label=f"Scope statement for {scope.standard}",
                        reference=f"Scope {scope.standard}",
                        url=scope.get_absolute_url(),
                        status_label=f"Version {scope.version}",
                        status_css="badge--done",
                        kind_label="Scope",
                        covers=MandatoryDocument.Kind.MAINTAIN,
                        effective=True,
                    )
                )
            continue
        for obj, record in by_number.get(number, []):
            if obj is None or _serves(obj, standard_id):
                found[clause_id].append(record)
    return found


def register() -> None:
    register_provider(records_for_clauses)
