"""What the clause pages and the gap analysis list from this app, without any ClauseLink: the
provider answers by standard and clause number, for each standard a record concerns.

- 6.2, 6.2.1 and 6.2.2: the objectives that are not cancelled (the documented information on
  objectives that 6.2.1 asks to maintain; their plans serve 6.2.2);
- 9.1.1: the active KPIs, whose values are the retained results of monitoring and measurement
  once they have any (a computed KPI always has its data behind it).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from typing import Any

from django.db.models import BooleanField, DateField, Exists, F, OuterRef, Value
from django.urls import reverse

from integrum.performance.models import Kpi, KpiValue, Objective
from integrum.standards.evidence import EvidenceRecord, register_provider
from integrum.standards.models import MandatoryDocument

OBJECTIVE_CLAUSES = ("6.2", "6.2.1", "6.2.2")
KPI_CLAUSES = ("9.1.1",)
# A clause page is a summary: beyond this many records it links to the list instead.
LIMIT = 200


def _objective_record(pk: int, reference: str, title: str, due: Any) -> EvidenceRecord:
    return EvidenceRecord(
        label=f"{reference} {title}",
        reference=reference,
        url=reverse("performance:objective_detail", args=[pk]),
        status_label=f"Due {due:%d %b %Y}",
        status_css="badge--progress",
        kind_label="Objective",
        covers=MandatoryDocument.Kind.MAINTAIN,
        effective=True,
    )


def _kpi_record(pk: int, reference: str, name: str, has_results: bool) -> EvidenceRecord:
    return EvidenceRecord(
        label=f"{reference} {name}",
        reference=reference,
        url=reverse("performance:kpi_detail", args=[pk]),
        status_label="Results recorded" if has_results else "No value yet",
        status_css="badge--done" if has_results else "badge--muted",
        kind_label="KPI",
        covers=MandatoryDocument.Kind.RETAIN,
        effective=has_results,
    )


COLUMNS = ("kind", "pk", "reference", "label", "due", "origin", "has_values", "clause")


def records_for_clauses(
    user: Any, organisation: Any, clause_ids: Collection[int]
) -> dict[int, list[EvidenceRecord]]:
    """Objectives for 6.2.x and KPIs for 9.1.1 of the standards each concerns, reached through the
    records' standards: one query (a union of both), whatever the number of records."""
    wanted = list(clause_ids)
    found: dict[int, list[EvidenceRecord]] = defaultdict(list)
    if not wanted:
        return found
    objectives = (
        Objective.objects.visible_to(user)
        .filter(
            organisation=organisation,
            is_cancelled=False,
            standards__clauses__pk__in=wanted,
            standards__clauses__number__in=OBJECTIVE_CLAUSES,
        )
        .annotate(
            kind=Value("objective"),
            label=F("title"),
            due=F("due_date"),
            origin=Value(""),
            has_values=Value(True, output_field=BooleanField()),
            clause=F("standards__clauses__pk"),
        )
        .values_list(*COLUMNS)
    )
    kpis = (
        Kpi.objects.visible_to(user)
        .filter(
            organisation=organisation,
            is_active=True,
            standards__clauses__pk__in=wanted,
            standards__clauses__number__in=KPI_CLAUSES,
        )
        .annotate(
            kind=Value("kpi"),
            label=F("name"),
            due=Value(None, output_field=DateField()),
            origin=F("source"),
            has_values=Exists(KpiValue.objects.filter(kpi_id=OuterRef("pk"))),
            clause=F("standards__clauses__pk"),
        )
        .values_list(*COLUMNS)
    )
    rows = objectives.order_by().union(kpis.order_by(), all=True).order_by("kind", "reference")[: LIMIT * 8]
    for kind, pk, reference, label, due, origin, has_values, clause_id in rows:
        if kind == "objective":
            found[clause_id].append(_objective_record(pk, reference, label, due))
        else:
            # A computed KPI always has its data behind it: the meter totals or the inventory.
            has_results = bool(has_values) or origin != Kpi.Source.MANUAL
            found[clause_id].append(_kpi_record(pk, reference, label, has_results))
    return found


def register() -> None:
    register_provider(records_for_clauses)
