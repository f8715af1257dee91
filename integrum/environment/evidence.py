"""What ISO 14001 clause pages and the gap analysis list from this app, without any ClauseLink:
the provider answers by standard and clause number.

- 6.1.2 environmental aspects: the aspect register, the list of significant aspects and the
  significance method in force (together the documented information 6.1.2 asks to maintain);
- 6.1.3 compliance obligations: the register and each active obligation;
- 9.1.2 evaluation of compliance: the latest completed evaluations (records to retain).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from typing import Any

from django.db.models import Count, Q
from django.urls import reverse

from integrum.environment.models import (
    Aspect,
    ComplianceEvaluation,
    ComplianceObligation,
    SignificanceMethod,
)
from integrum.standards.evidence import EvidenceRecord, register_provider
from integrum.standards.models import Clause, MandatoryDocument

STANDARD = "ISO 14001"
ASPECTS, OBLIGATIONS, EVALUATIONS = "6.1.2", "6.1.3", "9.1.2"
# Individual records listed per clause; the register entry leads to the rest.
MAX_RECORDS = 50


def _aspect_records(user: Any, organisation: Any) -> list[EvidenceRecord]:
    counts = (
        Aspect.objects.visible_to(user)
        .filter(organisation=organisation)
        .aggregate(all=Count("pk"), significant=Count("pk", filter=Q(significant=True)))
    )
    records = [
        EvidenceRecord(
            label=f"Aspect register: {counts['all']} aspect{'s' if counts['all'] != 1 else ''}",
            reference="ASP",
            url=reverse("environment:aspect_list"),
            status_label="Maintained" if counts["all"] else "Empty",
            status_css="badge--done" if counts["all"] else "badge--muted",
            kind_label="Register",
            covers=MandatoryDocument.Kind.MAINTAIN,
            effective=bool(counts["all"]),
        ),
        EvidenceRecord(
            label=f"Significant aspects: {counts['significant']}",
            reference="ASP-SIGNIFICANT",
            url=reverse("environment:aspect_significant"),
            status_label="Determined" if counts["significant"] else "None yet",
            status_css="badge--done" if counts["significant"] else "badge--muted",
            kind_label="List",
            covers=MandatoryDocument.Kind.MAINTAIN,
            effective=bool(counts["significant"]),
        ),
    ]
    method = SignificanceMethod.objects.filter(organisation=organisation, is_current=True).first()
    if method is not None:
        records.append(
            EvidenceRecord(
                label=f"Significance criteria: {method}",
                reference=f"METHOD-{method.revision}",
                url=method.get_absolute_url(),
                status_label="In force",
                status_css="badge--done",
                kind_label="Method",
                covers=MandatoryDocument.Kind.MAINTAIN,
                effective=True,
            )
        )
    return records


def _obligation_records(user: Any, organisation: Any) -> list[EvidenceRecord]:
    obligations = list(
        ComplianceObligation.objects.visible_to(user)
        .filter(organisation=organisation, status=ComplianceObligation.Status.ACTIVE)
        .order_by("number")[:MAX_RECORDS]
    )
    return [
        EvidenceRecord(
            label=str(obligation),
            reference=obligation.reference,
            url=obligation.get_absolute_url(),
            status_label="Active",
            status_css="badge--done",
            kind_label=obligation.get_kind_display(),
            covers=MandatoryDocument.Kind.MAINTAIN,
            effective=True,
        )
        for obligation in obligations
    ]


def _evaluation_records(user: Any, organisation: Any) -> list[EvidenceRecord]:
    evaluations = list(
        ComplianceEvaluation.objects.visible_to(user)
        .filter(organisation=organisation, status=ComplianceEvaluation.Status.COMPLETED)
        .select_related("obligation")
        .order_by("-evaluated_on", "-number")[:MAX_RECORDS]
    )
    return [
        EvidenceRecord(
            label=f"{evaluation.reference} {evaluation.obligation.title}",
            reference=evaluation.reference,
            url=evaluation.get_absolute_url(),
            status_label=f"{evaluation.get_result_display()}, {evaluation.evaluated_on:%d %b %Y}",
            status_css=evaluation.result_css,
            kind_label="Evaluation of compliance",
            covers=MandatoryDocument.Kind.RETAIN,
            effective=True,
        )
        for evaluation in evaluations
    ]


BUILDERS = {ASPECTS: _aspect_records, OBLIGATIONS: _obligation_records, EVALUATIONS: _evaluation_records}


def records_for_clauses(
    user: Any, organisation: Any, clause_ids: Collection[int]
) -> dict[int, list[EvidenceRecord]]:
    """Answer for ISO 14001 6.1.2, 6.1.3 and 9.1.2 (a fixed number of queries, whatever is asked)."""
    clauses = Clause.objects.filter(
        pk__in=list(clause_ids), standard__code=STANDARD, number__in=list(BUILDERS)
    ).values_list("pk", "number")
    by_number: dict[str, list[int]] = defaultdict(list)
    for pk, number in clauses:
        by_number[number].append(pk)
    found: dict[int, list[EvidenceRecord]] = {}
    for number, pks in by_number.items():
        records = BUILDERS[number](user, organisation)
        for pk in pks:
            found[pk] = list(records)
    return found


def register() -> None:
    register_provider(records_for_clauses)
