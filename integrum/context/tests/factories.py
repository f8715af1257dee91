from __future__ import annotations

from typing import Any

from integrum.context import services
from integrum.context.models import ContextIssue, InterestedParty, OrganisationalRole, Process, Scope
from integrum.core.models import Organisation
from integrum.standards.models import Standard


def make_issue(organisation: Organisation, **fields: Any) -> ContextIssue:
    values: dict[str, Any] = {
        "title": "Skills shortage in the region",
        "origin": "external",
        "category": "social",
    }
    values.update(fields)
    return services.context_issue_create(organisation=organisation, **values)


def make_party(organisation: Organisation, **fields: Any) -> InterestedParty:
    values: dict[str, Any] = {"name": "Local residents", "origin": "external", "kind": "neighbour"}
    values.update(fields)
    return services.interested_party_create(organisation=organisation, **values)


def make_process(organisation: Organisation, **fields: Any) -> Process:
    values: dict[str, Any] = {"name": "Sales"}
    values.update(fields)
    return services.process_create(organisation=organisation, **values)


def make_role(organisation: Organisation, **fields: Any) -> OrganisationalRole:
    values: dict[str, Any] = {"title": "Management representative"}
    values.update(fields)
    return services.organisational_role_create(organisation=organisation, **values)


def iso(code: str) -> Standard:
    return Standard.objects.get(code=code)


def make_scope(organisation: Organisation, code: str = "ISO 9001", **fields: Any) -> Scope:
    values: dict[str, Any] = {"statement": "Design and manufacture of aluminium castings."}
    values.update(fields)
    return services.scope_create(organisation=organisation, standard=iso(code), **values)
