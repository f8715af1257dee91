"""Writes with rules for the context registers: numbering, tenancy of every related record, the
scope's exclusions, process interactions and the climate-change determination."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from integrum.context.models import (
    ClimateDetermination,
    ContextIssue,
    InterestedParty,
    OrganisationalRole,
    PartyRequirement,
    Process,
    ProcessInteraction,
    Scope,
    ScopeExclusion,
)
from integrum.core.models import Organisation, User
from integrum.core.numbering import format_reference, next_number
from integrum.core.validation import check_known_fields, check_member, check_members, check_sites
from integrum.standards.models import Clause, Standard

# Reference prefixes per register: CI-001, IP-001, PR-001, ROL-001.
PREFIXES = {ContextIssue: "CI", InterestedParty: "IP", Process: "PR", OrganisationalRole: "ROL"}
NUMBER_KEYS = {
    ContextIssue: "context-issue",
    InterestedParty: "interested-party",
    Process: "process",
    OrganisationalRole: "organisational-role",
}
PADDING = 3


# --- Checks ----------------------------------------------------------------------------------


def _check_standards(standards: list[Standard]) -> None:
    if any(not isinstance(standard, Standard) for standard in standards):
        raise ValidationError({"standards": "Choose standards of the library."})


def _number(obj: Any, organisation: Organisation) -> None:
    model = type(obj)
    obj.number = next_number(organisation, NUMBER_KEYS[model])
    obj.reference = format_reference(PREFIXES[model], obj.number, PADDING)


def _save(
    obj: Any,
    fields: dict[str, Any],
    m2m_names: Iterable[str],
    check: Callable[[Any, dict[str, list[Any]]], None],
) -> Any:
    """Set plain fields and many-to-many ones, check, validate, save (stale versions are refused)."""
    creating = obj._state.adding
    m2m: dict[str, list[Any]] = {}
    for name in m2m_names:
        if name in fields:
            value = fields.pop(name)
            if value is not None:
                m2m[name] = list(value)
    for name, value in fields.items():
        setattr(obj, name, value)
    check(obj, m2m)
    obj.full_clean(exclude=["number", "reference", "organisation"])
    if creating and hasattr(obj, "reference"):
        _number(obj, obj.organisation)
    obj.save()
    for name, values in m2m.items():
        getattr(obj, name).set(values)
    return obj


# --- Context issues (4.1) --------------------------------------------------------------------

ISSUE_FIELDS = {
    "title",
    "description",
    "origin",
    "category",
    "standards",
    "effect",
    "environmental_condition",
    "climate_related",
    "owner",
    "review_date",
    "status",
    "version",
}


def _check_issue(issue: ContextIssue, m2m: dict[str, list[Any]]) -> None:
    check_member(issue.organisation, issue.owner, "owner")
    _check_standards(m2m.get("standards", []))


@transaction.atomic
def context_issue_create(*, organisation: Organisation, **fields: Any) -> ContextIssue:
    """Record an internal or external issue with the organisation's next reference (CI-001)."""
    check_known_fields(fields, ISSUE_FIELDS - {"version"}, "a context issue")
    issue = ContextIssue(organisation=organisation)
    return _save(issue, fields, ["standards"], _check_issue)


@transaction.atomic
def context_issue_update(*, issue: ContextIssue, **fields: Any) -> ContextIssue:
    """Edit an issue; `version` must be the one the editor saw."""
    check_known_fields(fields, ISSUE_FIELDS, "a context issue")
    return _save(issue, fields, ["standards"], _check_issue)


@transaction.atomic
def context_issue_delete(*, issue: ContextIssue) -> None:
    issue.delete()


@transaction.atomic
def climate_determination_set(
    *,
    organisation: Organisation,
    relevant: bool,
    rationale: str,
    decided_by: User | None,
    decided_on: datetime.date | None = None,
    version: int | None = None,
) -> ClimateDetermination:
    """Record whether climate change is a relevant issue (Amd 1:2024); earlier decisions stay in history."""
    if not (rationale or "").strip():
        raise ValidationError({"rationale": "Say why climate change is, or is not, relevant."})
    if relevant not in (True, False):
        raise ValidationError({"relevant": "Say whether climate change is relevant: yes or no."})
    check_member(organisation, decided_by, "decided_by")
    determination = ClimateDetermination.objects.filter(organisation=organisation).first()
    if determination is None:
        determination = ClimateDetermination(organisation=organisation)
    elif version is not None:
        determination.version = version  # a stale edit is refused by the save
    determination.relevant = relevant
    determination.rationale = rationale.strip()
    determination.decided_by = decided_by
    determination.decided_on = decided_on or timezone.localdate()
    determination.full_clean(exclude=["organisation"])
    determination.save()
    return determination


# --- Interested parties (4.2) ----------------------------------------------------------------

PARTY_FIELDS = {"name", "origin", "kind", "description", "climate_related", "standards", "version"}
REQUIREMENT_FIELDS = {"text", "adopted", "becomes_obligation", "climate_related", "notes", "version"}


def _check_party(party: InterestedParty, m2m: dict[str, list[Any]]) -> None:
    _check_standards(m2m.get("standards", []))


@transaction.atomic
def interested_party_create(*, organisation: Organisation, **fields: Any) -> InterestedParty:
    """Record an interested party with the organisation's next reference (IP-001)."""
    check_known_fields(fields, PARTY_FIELDS - {"version"}, "an interested party")
    party = InterestedParty(organisation=organisation)
    return _save(party, fields, ["standards"], _check_party)


@transaction.atomic
def interested_party_update(*, party: InterestedParty, **fields: Any) -> InterestedParty:
    check_known_fields(fields, PARTY_FIELDS, "an interested party")
    return _save(party, fields, ["standards"], _check_party)


@transaction.atomic
def interested_party_delete(*, party: InterestedParty) -> None:
    """Delete a party and its requirements (each deletion is logged)."""
    for requirement in party.requirements.all():
        requirement.delete()
    party.delete()


def _check_requirement(requirement: PartyRequirement, m2m: dict[str, list[Any]]) -> None:
    if not (requirement.text or "").strip():
        raise ValidationError({"text": "Write the party's need or expectation."})
    if requirement.becomes_obligation and not requirement.adopted:
        raise ValidationError(
            {
                "becomes_obligation": "Only a requirement the organisation adopts can become a compliance obligation."
            }
        )


@transaction.atomic
def party_requirement_create(*, party: InterestedParty, **fields: Any) -> PartyRequirement:
    """Add a need or expectation to a party."""
    check_known_fields(fields, REQUIREMENT_FIELDS - {"version"}, "a requirement")
    requirement = PartyRequirement(organisation_id=party.organisation_id, party=party)
    return _save(requirement, fields, [], _check_requirement)


@transaction.atomic
def party_requirement_update(*, requirement: PartyRequirement, **fields: Any) -> PartyRequirement:
    check_known_fields(fields, REQUIREMENT_FIELDS, "a requirement")
    return _save(requirement, fields, [], _check_requirement)


@transaction.atomic
def party_requirement_delete(*, requirement: PartyRequirement) -> None:
    requirement.delete()


# --- Scope (4.3) -----------------------------------------------------------------------------

SCOPE_FIELDS = {"statement", "sites", "products_services", "lifecycle", "boundaries", "version"}


def _check_scope(scope: Scope, m2m: dict[str, list[Any]]) -> None:
    if not (scope.statement or "").strip():
        raise ValidationError({"statement": "Write the scope statement."})
    check_sites(scope.organisation, m2m.get("sites", []))


@transaction.atomic
def scope_create(*, organisation: Organisation, standard: Standard, **fields: Any) -> Scope:
    """Set the scope of the management system for one standard (one scope per standard)."""
    check_known_fields(fields, SCOPE_FIELDS - {"version"}, "a scope")
    if Scope.objects.filter(organisation=organisation, standard=standard).exists():
        raise ValidationError(
            {"standard": f"{organisation} already has a scope for {standard}: edit that one."}
        )
    scope = Scope(organisation=organisation, standard=standard)
    return _save(scope, fields, ["sites"], _check_scope)


@transaction.atomic
def scope_update(*, scope: Scope, **fields: Any) -> Scope:
    check_known_fields(fields, SCOPE_FIELDS, "a scope")
    return _save(scope, fields, ["sites"], _check_scope)


@transaction.atomic
def scope_delete(*, scope: Scope) -> None:
    for exclusion in scope.exclusions.all():
        exclusion.delete()
    scope.delete()


@transaction.atomic
def scope_exclusion_add(*, scope: Scope, clause: Clause, justification: str) -> ScopeExclusion:
    """Declare a requirement of the scope's standard not applicable, with its justification."""
    if clause.standard_id != scope.standard_id:
        raise ValidationError({"clause": f"{clause.reference} is not a clause of {scope.standard}."})
    if not clause.exclusion_allowed:
        raise ValidationError(
            {
                "clause": f"{clause.reference} cannot be declared not applicable: the standard allows it only "
                "for some requirements (ISO 9001, e.g. 7.1.5 or 8.3)."
            }
        )
    if not (justification or "").strip():
        raise ValidationError({"justification": "Say why the requirement does not apply."})
    if ScopeExclusion.objects.filter(scope=scope, clause=clause).exists():
        raise ValidationError({"clause": f"{clause.number} is already declared not applicable."})
    exclusion = ScopeExclusion(
        organisation_id=scope.organisation_id, scope=scope, clause=clause, justification=justification.strip()
    )
    exclusion.save()
    return exclusion


@transaction.atomic
def scope_exclusion_remove(*, exclusion: ScopeExclusion) -> None:
    exclusion.delete()


# --- Processes (4.4) -------------------------------------------------------------------------

PROCESS_FIELDS = {
    "name",
    "purpose",
    "owner",
    "inputs",
    "outputs",
    "resources",
    "criteria",
    "kpis",
    "sites",
    "status",
    "version",
}


def _check_process(process: Process, m2m: dict[str, list[Any]]) -> None:
    check_member(process.organisation, process.owner, "owner")
    check_sites(process.organisation, m2m.get("sites", []))


@transaction.atomic
def process_create(*, organisation: Organisation, **fields: Any) -> Process:
    """Add a process to the register with the organisation's next reference (PR-001)."""
    check_known_fields(fields, PROCESS_FIELDS - {"version"}, "a process")
    process = Process(organisation=organisation)
    return _save(process, fields, ["sites"], _check_process)


@transaction.atomic
def process_update(*, process: Process, **fields: Any) -> Process:
    check_known_fields(fields, PROCESS_FIELDS, "a process")
    return _save(process, fields, ["sites"], _check_process)


@transaction.atomic
def process_delete(*, process: Process) -> None:
    """Delete a process and its interactions (each deletion is logged)."""
    for interaction in ProcessInteraction.objects.filter(
        models.Q(from_process=process) | models.Q(to_process=process)
    ):
        interaction.delete()
    process.delete()


@transaction.atomic
def process_interaction_add(
    *, from_process: Process, to_process: Process, flows: str = ""
) -> ProcessInteraction:
    """Record that one process feeds another (with what flows); no loops on itself, no duplicates."""
    if from_process.organisation_id != to_process.organisation_id:
        raise ValidationError({"to_process": "Both processes must belong to the same organisation."})
    if from_process.pk == to_process.pk:
        raise ValidationError({"to_process": "A process cannot feed itself: choose another process."})
    if ProcessInteraction.objects.filter(from_process=from_process, to_process=to_process).exists():
        raise ValidationError(
            {
                "to_process": f"{from_process.reference} already feeds {to_process.reference}: edit that link instead."
            }
        )
    interaction = ProcessInteraction(
        organisation_id=from_process.organisation_id,
        from_process=from_process,
        to_process=to_process,
        flows=(flows or "").strip(),
    )
    interaction.full_clean(exclude=["organisation"])
    interaction.save()
    return interaction


@transaction.atomic
def process_interaction_remove(*, interaction: ProcessInteraction) -> None:
    interaction.delete()


# --- Roles (5.3) -----------------------------------------------------------------------------

ROLE_FIELDS = {"title", "responsibilities", "authorities", "reports_to", "holders", "standards", "version"}


def _check_role(role: OrganisationalRole, m2m: dict[str, list[Any]]) -> None:
    check_members(role.organisation, m2m.get("holders", []), "holders")
    _check_standards(m2m.get("standards", []))
    boss = role.reports_to
    if boss is None:
        return
    if boss.organisation_id != role.organisation_id:
        raise ValidationError({"reports_to": "Choose a role of the same organisation."})
    if role.pk is not None:
        seen: set[int] = set()
        while boss is not None and boss.pk not in seen:
            if boss.pk == role.pk:
                raise ValidationError(
                    {"reports_to": "A role cannot report to itself, directly or through the roles above it."}
                )
            seen.add(boss.pk)
            boss = boss.reports_to


@transaction.atomic
def organisational_role_create(*, organisation: Organisation, **fields: Any) -> OrganisationalRole:
    """Define a role with the organisation's next reference (ROL-001)."""
    check_known_fields(fields, ROLE_FIELDS - {"version"}, "a role")
    role = OrganisationalRole(organisation=organisation)
    return _save(role, fields, ["holders", "standards"], _check_role)


@transaction.atomic
def organisational_role_update(*, role: OrganisationalRole, **fields: Any) -> OrganisationalRole:
    check_known_fields(fields, ROLE_FIELDS, "a role")
    return _save(role, fields, ["holders", "standards"], _check_role)


@transaction.atomic
def organisational_role_delete(*, role: OrganisationalRole) -> None:
    """Delete a role; the roles reporting to it then report to nobody (each change is logged)."""
    for report in role.reports.all():
        report.reports_to = None
        report.save()
    role.delete()
