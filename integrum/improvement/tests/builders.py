"""Records the improvement tests start from: findings, failed evaluations, nonconformities at
every stage of their life."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from integrum.actions.models import Action
from integrum.actions.services import action_transition
from integrum.audits.models import Audit, Finding
from integrum.core.models import Organisation, User
from integrum.improvement import services
from integrum.improvement.models import CauseEntry, Nonconformity
from integrum.standards.models import Clause, Standard


def make_audit(organisation: Organisation, **fields: Any) -> Audit:
    """An audit in progress (through `audits.services` where it is, the status set directly)."""
    from integrum.audits import services as audit_services

    today = timezone.localdate()
    values: dict[str, Any] = {
        "title": "Production and dispatch",
        "scope": "Moulding, finishing and dispatch at all sites",
        "planned_start": today - datetime.timedelta(days=7),
        "planned_end": today - datetime.timedelta(days=6),
        "standards": list(Standard.objects.all()),
    }
    values.update(fields)
    audit = audit_services.audit_create(organisation=organisation, **values)
    Audit.objects.filter(pk=audit.pk).update(
        status=Audit.Status.IN_PROGRESS, started_on=values["planned_start"]
    )
    audit.refresh_from_db()
    return audit


def make_finding(
    organisation: Organisation, grade: str = "major", audit: Audit | None = None, **fields: Any
) -> Finding:
    from integrum.audits import services as audit_services

    audit = audit or make_audit(organisation)
    values: dict[str, Any] = {
        "grade": grade,
        "clause": Clause.objects.get(standard__code="ISO 9001", number="8.5.1"),
        "statement": "Two batches of housings were released without the final dimensional check.",
        "evidence": "Batch records 4471 and 4473; no CMM report attached.",
        "user": None,
    }
    values.update(fields)
    return audit_services.finding_create(audit=audit, **values)


def make_nc(organisation: Organisation, user: User | None = None, **fields: Any) -> Nonconformity:
    values: dict[str, Any] = {
        "title": "Hydraulic oil leak at press 4",
        "description": "Oil dripping from the hydraulic hose of press 4 onto the floor near the drain.",
        "detected_on": timezone.localdate(),
        "user": user,
        "source": Nonconformity.Source.PROCESS if "process" in fields else Nonconformity.Source.COMPLAINT,
        "source_detail": "" if "process" in fields else "Complaint CC-102 from Acme Pumps",
        "severity": Nonconformity.Severity.MINOR,
    }
    values.update(fields)
    return services.nc_create(organisation=organisation, **values)


def analyse(nc: Nonconformity, user: User | None = None, *, owner: User | None = None) -> Action:
    """Root cause, category, similar assessed and one corrective action: ready to start actions."""
    services.cause_add(nc=nc, method=CauseEntry.Method.FIVE_WHYS, text="The hose burst.")
    nc.refresh_from_db()
    services.nc_update(
        nc=nc,
        version=nc.version,
        root_cause="No preventive replacement interval for hydraulic hoses.",
        cause_category="machine",
        similar=Nonconformity.Similar.COULD_OCCUR,
        similar_note="Presses 1-3 have the same hoses.",
    )
    return services.nc_action_create(
        nc=nc, title="Set a hose replacement interval", created_by=user, owner=owner
    )


def finish(action: Action) -> Action:
    action.refresh_from_db()
    return action_transition(action=action, to=Action.Status.DONE, outcome="Done and checked.")


def to_action(nc: Nonconformity, user: User) -> Nonconformity:
    analyse(nc, user)
    return services.nc_start_actions(nc=nc, user=user)


def to_verification(nc: Nonconformity, user: User) -> Nonconformity:
    nc = to_action(nc, user)
    for action in Action.objects.raised_by(nc):
        finish(action)
    return services.nc_request_verification(nc=nc, user=user)


def to_closed(nc: Nonconformity, user: User) -> Nonconformity:
    nc = to_verification(nc, user)
    return services.nc_record_effectiveness(
        nc=nc, result=Nonconformity.Effectiveness.EFFECTIVE, note="No leak in 30 days.", user=user
    )
