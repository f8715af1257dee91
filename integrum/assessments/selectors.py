"""Readiness: how far an assessment is from meeting each standard, per Harmonized Structure clause."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count

from integrum.assessments.models import Assessment, AssessmentItem
from integrum.standards.models import Standard

GROUPS = [str(n) for n in range(4, 11)]
GROUP_TITLES = {
    "4": "Context",
    "5": "Leadership",
    "6": "Planning",
    "7": "Support",
    "8": "Operation",
    "9": "Performance evaluation",
    "10": "Improvement",
}


@dataclass
class Readiness:
    """Counts of items by status and the resulting score (0–100 %) for one standard and group."""

    counts: dict[str, int] = field(default_factory=dict)

    @property
    def applicable(self) -> int:
        return sum(n for status, n in self.counts.items() if status != AssessmentItem.Status.NOT_APPLICABLE)

    @property
    def percent(self) -> float | None:
        if not self.applicable:
            return None
        scores = {str(status): score for status, score in AssessmentItem.SCORES.items()}
        points = sum(scores.get(status, 0.0) * n for status, n in self.counts.items())
        return round(100 * points / self.applicable, 1)

    @property
    def open_gaps(self) -> int:
        return sum(self.counts.get(s, 0) for s in AssessmentItem.OPEN_STATUSES)

    @property
    def assessed(self) -> int:
        return sum(n for s, n in self.counts.items() if s != AssessmentItem.Status.NOT_ASSESSED)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class StandardReadiness:
    standard: Standard
    overall: Readiness
    groups: dict[str, Readiness]


def readiness(assessment: Assessment) -> list[StandardReadiness]:
    """Readiness per standard and clause group, in one aggregate query.

    An integrated item covering clauses of both standards counts once for each of them.
    """
    rows = (
        AssessmentItem.clauses.through.objects.filter(assessmentitem__assessment=assessment)
        .values("clause__standard_id", "assessmentitem__group", "assessmentitem__status")
        .annotate(n=Count("assessmentitem_id", distinct=True))
    )
    per_standard: dict[int, dict[str, Readiness]] = defaultdict(lambda: defaultdict(Readiness))
    overall: dict[int, Readiness] = defaultdict(Readiness)
    for row in rows:
        standard_id, group, status, n = (
            row["clause__standard_id"],
            row["assessmentitem__group"],
            row["assessmentitem__status"],
            row["n"],
        )
        counts = per_standard[standard_id][group].counts
        counts[status] = counts.get(status, 0) + n
        overall[standard_id].counts[status] = overall[standard_id].counts.get(status, 0) + n
    standards = sorted(assessment.standards.all(), key=lambda s: s.display_order)
    return [
        StandardReadiness(
            standard=standard,
            overall=overall[standard.pk],
            groups={group: per_standard[standard.pk][group] for group in GROUPS},
        )
        for standard in standards
    ]


# --- Readiness warnings ----------------------------------------------------------------------
# Apps to the right register checks of things an auditor will ask for that no clause status
# captures (e.g. `context`: the climate-change determination of Amd 1:2024). The gap analysis
# page and its report show each warning while it holds.

ReadinessCheck = Callable[[Any], str | None]
_readiness_checks: list[ReadinessCheck] = []


def register_readiness_check(check: ReadinessCheck) -> None:
    if check not in _readiness_checks:
        _readiness_checks.append(check)


def readiness_warnings(organisation: Any) -> list[str]:
    return [message for check in _readiness_checks if (message := check(organisation))]
