"""Builders for the audit tests: records made through the services, as the pages would."""

from __future__ import annotations

import datetime as dt
from typing import Any

from integrum.audits import services
from integrum.audits.models import Audit, ChecklistItem
from integrum.context.services import process_create
from integrum.core.models import Organisation, User
from integrum.standards.models import Clause, Standard

TODAY = dt.date(2026, 3, 2)


def iso9001() -> Standard:
    return Standard.objects.get(code="ISO 9001")


def iso14001() -> Standard:
    return Standard.objects.get(code="ISO 14001")


def clause(number: str, standard: Standard | None = None) -> Clause:
    return Clause.objects.get(standard=standard or iso9001(), number=number)


def make_process(organisation: Organisation, name: str = "Purchasing", owner: User | None = None) -> Any:
    return process_create(organisation=organisation, name=name, owner=owner)


def make_audit(organisation: Organisation, lead: User | None = None, **fields: Any) -> Audit:
    values: dict[str, Any] = {
        "title": "Purchasing and supplier control",
        "scope": "Purchasing at every site, last 12 months.",
        "planned_start": TODAY,
        "planned_end": TODAY + dt.timedelta(days=1),
        "standards": [iso9001()],
        "clauses": [clause("8.4.1")],
        "lead_auditor": lead,
    }
    values.update(fields)
    return services.audit_create(organisation=organisation, **values)


def started(audit: Audit, user: User) -> Audit:
    """Generate the checklist and move the audit to in progress."""
    if not audit.checklist.exists():
        services.checklist_generate(audit=audit)
    audit = services.audit_transition(audit=audit, to="prepared", user=user)
    return services.audit_transition(audit=audit, to="in_progress", user=user)


def answer_all(audit: Audit, user: User, answer: str = "conforming") -> None:
    for item in ChecklistItem.objects.filter(audit=audit, answer=""):
        services.checklist_item_answer(
            item=item, answer=answer, notes="Seen", user=user, version=item.version
        )


def reported(audit: Audit, user: User) -> Audit:
    answer_all(audit, user)
    services.audit_update(
        audit=Audit.objects.get(pk=audit.pk),
        version=Audit.objects.get(pk=audit.pk).version,
        summary="Works well.",
    )
    return services.audit_transition(audit=Audit.objects.get(pk=audit.pk), to="reported", user=user)
