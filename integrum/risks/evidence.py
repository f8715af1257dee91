"""The risks a clause's page lists: the provider `standards.evidence` asks for them.

A risk serves ISO 9001 6.1, 6.1.1 and 6.1.2, and ISO 14001 6.1.1 and 6.1.4, for each standard it
concerns, without anyone linking it by hand. Open and treated risks are the documented
information ISO 14001 6.1.1 asks to maintain; closed ones no longer serve anything.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from typing import Any

from django.db.models import Q

from integrum.risks.models import Risk
from integrum.standards.evidence import EvidenceRecord, register_provider
from integrum.standards.models import MandatoryDocument

# Standard code → the clause numbers a risk register serves in it.
CLAUSES = {
    "ISO 9001": ("6.1", "6.1.1", "6.1.2"),
    "ISO 14001": ("6.1.1", "6.1.4"),
}

# A clause page is a summary: beyond this many risks it links to the register instead.
LIMIT = 200

STATUS_CSS = {Risk.Status.OPEN: "badge--progress", Risk.Status.TREATED: "badge--done"}


def evidence_record(risk: Risk) -> EvidenceRecord:
    return EvidenceRecord(
        label=f"{risk.reference} {risk.title}",
        reference=risk.reference,
        url=risk.get_absolute_url(),
        status_label=f"{risk.get_status_display()}, {risk.get_inherent_level_display().lower()}",
        status_css=STATUS_CSS.get(Risk.Status(risk.status), "badge--muted"),
        kind_label=risk.get_kind_display(),
        covers=MandatoryDocument.Kind.MAINTAIN,
        effective=True,
    )


def records_for_clauses(
    user: Any, organisation: Any, clause_ids: Collection[int]
) -> dict[int, list[EvidenceRecord]]:
    """The organisation's open and treated risks for each risk clause asked for.

    One query finds (risk, clause) pairs through the standards each risk concerns; a second reads
    those risks, only when there are any.
    """
    serves = Q()
    for code, numbers in CLAUSES.items():
        serves |= Q(standards__code=code, standards__clauses__number__in=numbers)
    pairs = list(
        Risk.objects.visible_to(user)
        .filter(organisation=organisation)
        .active()
        .filter(serves, standards__clauses__pk__in=list(clause_ids))
        .order_by("number")
        .values_list("pk", "standards__clauses__pk")[: LIMIT * 5]
    )
    if not pairs:
        return {}
    risks = {risk.pk: evidence_record(risk) for risk in Risk.objects.filter(pk__in={pk for pk, _ in pairs})}
    found: dict[int, list[EvidenceRecord]] = defaultdict(list)
    for risk_id, clause_id in pairs:
        found[clause_id].append(risks[risk_id])
    return found


def register() -> None:
    register_provider(records_for_clauses)
