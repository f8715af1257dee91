"""Builders for the review tests. Nonconformities, audits and findings are made with the ORM
directly: the compilers read them and do not care how they were written."""

from __future__ import annotations

import datetime as dt
from typing import Any

from integrum.audits.models import Audit, Finding
from integrum.improvement.models import Nonconformity
from integrum.reviews import services
from integrum.reviews.models import ManagementReview
from integrum.standards.models import Clause, Standard

_numbers: dict[str, int] = {}


def _next(prefix: str) -> int:
    _numbers[prefix] = _numbers.get(prefix, 0) + 1
    return _numbers[prefix]


def both_standards() -> list[Standard]:
    return list(Standard.objects.filter(code__in=["ISO 9001", "ISO 14001"]))


def make_review(organisation: Any, **fields: Any) -> ManagementReview:
    values: dict[str, Any] = {
        "title": "Management review 2025",
        "standards": both_standards(),
        "scheduled_for": dt.date(2025, 6, 30),
        "period_start": dt.date(2025, 1, 1),
        "period_end": dt.date(2025, 6, 30),
    }
    values.update(fields)
    return services.review_create(organisation=organisation, **values)


def make_nc(organisation: Any, detected_on: dt.date, **fields: Any) -> Nonconformity:
    number = _next("nc")
    values: dict[str, Any] = {
        "title": "Porosity in housings",
        "description": "Batch rejected at final inspection.",
        "severity": Nonconformity.Severity.MINOR,
    }
    values.update(fields)
    return Nonconformity.objects.create(
        organisation=organisation,
        number=number,
        reference=f"NC-{number:04d}",
        detected_on=detected_on,
        **values,
    )


def make_audit(organisation: Any, start: dt.date, **fields: Any) -> Audit:
    number = _next("audit")
    values: dict[str, Any] = {
        "title": "Internal audit",
        "scope": "Machining, Sheffield",
        "planned_end": start,
    }
    values.update(fields)
    return Audit.objects.create(
        organisation=organisation, number=number, reference=f"AUD-{number:04d}", planned_start=start, **values
    )


def make_finding(audit: Audit, grade: str, clause_number: str = "8.5.1", code: str = "ISO 9001") -> Finding:
    organisation = audit.organisation
    number = _next("finding")
    clause = Clause.objects.get(standard__code=code, number=clause_number)
    return Finding.objects.create(
        organisation=organisation,
        number=number,
        reference=f"F-{number:04d}",
        audit=audit,
        grade=grade,
        clause=clause,
        statement="Work instruction not followed.",
    )
