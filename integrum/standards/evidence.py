"""What an organisation has that serves a clause, gathered from apps `standards` may not import.

Documents, processes and register entries live in apps to the right of `standards` and point at
clauses through `ClauseLink`. Each such app registers a provider in its `AppConfig.ready()`:

    register_provider(records_for_clauses)

where `records_for_clauses(user, organisation, clause_ids)` returns, for each clause id, the
records linked to exactly that clause that the user may see, in a fixed number of queries.

A record linked to a clause also serves every sub-clause under it: the policy linked to ISO 9001
5.2 serves 5.2.2, where the standard asks for the policy as documented information.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from integrum.standards.models import Clause, MandatoryDocument


@dataclass(frozen=True)
class EvidenceRecord:
    """One record seen from a clause: enough to show it as a link with a status badge."""

    label: str  # "PRO-004 Control of documented information"
    reference: str  # "PRO-004", what the coverage of a mandatory item names
    url: str
    status_label: str
    status_css: str  # a badge modifier: "badge--done", "badge--muted", …
    kind_label: str  # "Procedure", "Record", …
    covers: str | None  # MandatoryDocument.Kind it can satisfy: "maintain", "retain" or None
    effective: bool  # in force (an effective document, a current record)
    via: str = ""  # the ancestor clause's number when the record is linked to that one


Provider = Callable[[Any, Any, Collection[int]], dict[int, list[EvidenceRecord]]]

_providers: list[Provider] = []


def register_provider(provider: Provider) -> None:
    """Add an app's provider (registering the same function twice keeps one)."""
    if provider not in _providers:
        _providers.append(provider)


def records_for_clauses(
    user: Any, organisation: Any, clause_ids: Collection[int]
) -> dict[int, list[EvidenceRecord]]:
    """Records linked to each of these clauses, from every provider, ordered by label."""
    found: dict[int, list[EvidenceRecord]] = defaultdict(list)
    if not clause_ids:
        return found
    for provider in _providers:
        for clause_id, records in provider(user, organisation, clause_ids).items():
            found[clause_id].extend(records)
    for records in found.values():
        records.sort(key=lambda record: record.label)
    return found


def _ancestry(clauses: Iterable[Clause]) -> dict[int, list[tuple[int, str]]]:
    """For each clause, (id, number) of itself then its ancestors, nearest first (one query)."""
    clauses = list(clauses)
    wanted: set[tuple[int, str]] = set()
    for clause in clauses:
        parts = clause.number.split(".")
        wanted.update((clause.standard_id, ".".join(parts[:n])) for n in range(1, len(parts)))
    by_number: dict[tuple[int, str], int] = {}
    if wanted:
        rows = Clause.objects.filter(
            standard_id__in={standard_id for standard_id, _ in wanted},
            number__in={number for _, number in wanted},
        ).values_list("standard_id", "number", "pk")
        by_number = {(standard_id, number): pk for standard_id, number, pk in rows}
    ancestry: dict[int, list[tuple[int, str]]] = {}
    for clause in clauses:
        parts = clause.number.split(".")
        chain = [(clause.pk, clause.number)]
        for n in range(len(parts) - 1, 0, -1):
            number = ".".join(parts[:n])
            if (clause.standard_id, number) in by_number:
                chain.append((by_number[(clause.standard_id, number)], number))
        ancestry[clause.pk] = chain
    return ancestry


def serving(user: Any, organisation: Any, clauses: Iterable[Clause]) -> dict[int, list[EvidenceRecord]]:
    """The records serving each clause: linked to it, or to a clause above it (marked `via`).

    Costs one query for the ancestors plus each provider's fixed number, however many clauses.
    """
    ancestry = _ancestry(clauses)
    linked = records_for_clauses(user, organisation, {pk for chain in ancestry.values() for pk, _ in chain})
    result: dict[int, list[EvidenceRecord]] = {}
    for clause_id, chain in ancestry.items():
        records: list[EvidenceRecord] = []
        seen: set[EvidenceRecord] = set()
        for position, (pk, number) in enumerate(chain):
            for record in linked.get(pk, []):
                if record in seen:  # linked to the clause and to one above it: shown once
                    continue
                seen.add(record)
                records.append(dataclasses.replace(record, via=number) if position else record)
        result[clause_id] = records
    return result


@dataclass
class ItemCoverage:
    """One mandatory documented information item and the effective records that satisfy it."""

    item: MandatoryDocument
    covered_by: list[EvidenceRecord] = field(default_factory=list)

    @property
    def covered(self) -> bool:
        return bool(self.covered_by)


@dataclass
class ClauseCoverage:
    """The mandatory items of one clause; `covered` of `required` are satisfied."""

    items: list[ItemCoverage] = field(default_factory=list)

    @property
    def required(self) -> int:
        return len(self.items)

    @property
    def covered(self) -> int:
        return sum(1 for item in self.items if item.covered)

    @property
    def complete(self) -> bool:
        return self.covered == self.required


def coverage(
    user: Any,
    organisation: Any,
    clauses: Iterable[Clause],
    records: dict[int, list[EvidenceRecord]] | None = None,
) -> dict[int, ClauseCoverage]:
    """For each of the clauses with mandatory documented information, which items are covered.

    A "maintain" item is covered by an effective controlled document, a "retain" item by an
    effective record, either linked to the clause or to one above it. `clauses` may be a queryset
    (read as a subquery); pass `records` from `serving()` when the page already has them.
    Costs one query, plus `serving()`'s when some clause has items and no `records` are given.
    """
    wanted = clauses if isinstance(clauses, QuerySet) else [clause.pk for clause in clauses]
    items = list(
        MandatoryDocument.objects.filter(clause__in=wanted)
        .select_related("clause")
        .order_by("clause_id", "position")
    )
    if records is None:
        records = (
            serving(user, organisation, {item.clause_id: item.clause for item in items}.values())
            if items
            else {}
        )
    result: dict[int, ClauseCoverage] = {}
    for item in items:
        covered_by = [r for r in records.get(item.clause_id, []) if r.effective and r.covers == item.kind]
        result.setdefault(item.clause_id, ClauseCoverage()).items.append(ItemCoverage(item, covered_by))
    return result


def totals(clause_coverage: Iterable[ClauseCoverage]) -> tuple[int, int]:
    """(covered, required) over several clauses."""
    covered = required = 0
    for entry in clause_coverage:
        covered += entry.covered
        required += entry.required
    return covered, required
