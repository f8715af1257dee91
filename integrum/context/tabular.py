"""The context registers as spreadsheets: the columns each export writes and each import reads.

An exported file imports again as it is (the reference column is ignored on import: new records
get the organisation's next references).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any, ClassVar

from django.core.exceptions import ValidationError

from integrum.context import services
from integrum.context.models import (
    PESTLE,
    SWOT,
    ContextIssue,
    InterestedParty,
    OrganisationalRole,
    Origin,
    Process,
    Scope,
)
from integrum.core.models import Site, User
from integrum.core.tabular import Column, RegisterSpec
from integrum.standards.models import Standard

YES = {"yes", "y", "true", "1", "x"}
NO = {"no", "n", "false", "0", ""}


def choice(value: str, choices: Sequence[tuple[str, Any]], column: str) -> str:
    """A choice given by its value or its label, in any case."""
    wanted = value.strip().lower()
    for key, label in choices:
        if wanted in (str(key).lower(), str(label).lower()):
            return str(key)
    allowed = ", ".join(str(label).lower() for _, label in choices)
    raise ValidationError({column: f"“{value}” is not one of: {allowed}."})


def yes_no(value: str, column: str) -> bool:
    wanted = value.strip().lower()
    if wanted in YES:
        return True
    if wanted in NO:
        return False
    raise ValidationError({column: f"Write yes or no, not “{value}”."})


def date(value: str, column: str) -> datetime.date | None:
    text = value.strip()
    if not text:
        return None
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValidationError({column: f"“{value}” is not a date: write it 2025-03-31 or 31/03/2025."})


def member(value: str, organisation: Any, column: str) -> User | None:
    email = value.strip().lower()
    if not email:
        return None
    user = User.objects.filter(email__iexact=email, memberships__organisation=organisation).first()
    if user is None:
        raise ValidationError({column: f"{email} is not a member of {organisation}."})
    return user


def members(value: str, organisation: Any, column: str) -> list[User]:
    return [user for part in _split(value) if (user := member(part, organisation, column)) is not None]


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.replace(",", ";").split(";") if part.strip()]


def standard(value: str, column: str) -> Standard:
    """ISO 9001:2015, or ISO 9001 (its latest edition in the library)."""
    text = value.strip()
    code, _, edition = text.partition(":")
    found = Standard.objects.filter(code__iexact=code.strip())
    if edition:
        found = found.filter(edition=edition.strip())
    result = found.order_by("-edition").first()
    if result is None:
        known = ", ".join(s.key for s in Standard.objects.all())
        raise ValidationError({column: f"“{text}” is not a standard of the library ({known})."})
    return result


def standards(value: str, column: str) -> list[Standard]:
    return [standard(part, column) for part in _split(value)]


def sites(value: str, organisation: Any, column: str) -> list[Site]:
    codes = [code.upper() for code in _split(value)]
    found = {
        site.code.upper(): site for site in Site.objects.filter(organisation=organisation, code__in=codes)
    }
    unknown = [code for code in codes if code not in found]
    if unknown:
        raise ValidationError({column: f"No site has the code {', '.join(unknown)}."})
    return [found[code] for code in codes]


def _email(user: User | None) -> str:
    return user.email if user is not None else ""


def _keys(objs: Any) -> str:
    return "; ".join(obj.key for obj in objs)


def _yes(value: bool) -> str:
    return "yes" if value else "no"


class _Row:
    """Collects the problems of every column of a row, so that the dry run reports them all at once."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def __call__(self, convert: Any, *args: Any) -> Any:
        try:
            return convert(*args)
        except ValidationError as error:
            for column, messages in error.message_dict.items():
                self.errors.setdefault(column, []).extend(messages)
            return None

    def done(self, data: dict[str, Any]) -> dict[str, Any]:
        if self.errors:
            raise ValidationError(self.errors)
        return data


class _Spec(RegisterSpec):
    model: ClassVar[Any]
    name_field: ClassVar[str]

    def unique_key(self, data: dict[str, Any]) -> Any:
        return str(data[self.name_field]).strip().lower()

    def refuse_existing(self, value: str, organisation: Any, column: str) -> None:
        clash = self.model.objects.filter(
            organisation=organisation, **{f"{self.name_field}__iexact": value}
        ).first()
        if clash is not None:
            raise ValidationError({column: f"{clash.reference} already has this {column.lower()}."})


class ContextIssueSpec(_Spec):
    name = "context issues"
    model = ContextIssue
    name_field = "title"
    columns: ClassVar[Sequence[Column]] = (
        Column("Reference", help="Ignored on import: new issues get the next references."),
        Column("Title", required=True),
        Column("Description"),
        Column("Internal or external", required=True, help="internal or external"),
        Column("Category", required=True, help="PESTLE or SWOT: " + ", ".join(v for v, _ in PESTLE + SWOT)),
        Column("Effect", help="positive, negative (default) or mixed"),
        Column("Standards", help="e.g. ISO 9001:2015; ISO 14001:2015 — empty: both"),
        Column("Environmental condition", help="yes or no"),
        Column("Climate-related", help="yes or no"),
        Column("Owner", help="a member's email"),
        Column("Review date", help="2025-03-31 or 31/03/2025"),
        Column("Status", help="active (default) or closed"),
    )

    def parse_row(self, values: dict[str, str], *, organisation: Any, user: Any) -> dict[str, Any]:
        r = _Row()
        r(self.refuse_existing, values["Title"], organisation, "Title")
        return r.done(
            {
                "title": values["Title"],
                "description": values.get("Description", ""),
                "origin": r(choice, values["Internal or external"], Origin.choices, "Internal or external"),
                "category": r(choice, values["Category"], PESTLE + SWOT, "Category"),
                "effect": r(
                    choice, values.get("Effect") or "negative", ContextIssue.Effect.choices, "Effect"
                ),
                "standards": r(standards, values.get("Standards", ""), "Standards"),
                "environmental_condition": r(
                    yes_no, values.get("Environmental condition", ""), "Environmental condition"
                ),
                "climate_related": r(yes_no, values.get("Climate-related", ""), "Climate-related"),
                "owner": r(member, values.get("Owner", ""), organisation, "Owner"),
                "review_date": r(date, values.get("Review date", ""), "Review date"),
                "status": r(choice, values.get("Status") or "active", ContextIssue.Status.choices, "Status"),
            }
        )

    def create(self, data: dict[str, Any], *, organisation: Any, user: Any) -> Any:
        return services.context_issue_create(organisation=organisation, **data)

    def export_row(self, obj: ContextIssue) -> list[Any]:
        return [
            obj.reference,
            obj.title,
            obj.description,
            obj.origin,
            obj.category,
            obj.effect,
            _keys(obj.standards.all()),
            _yes(obj.environmental_condition),
            _yes(obj.climate_related),
            _email(obj.owner),
            obj.review_date,
            obj.status,
        ]


class InterestedPartySpec(_Spec):
    name = "interested parties"
    model = InterestedParty
    name_field = "name"
    columns: ClassVar[Sequence[Column]] = (
        Column("Reference", help="Ignored on import."),
        Column("Name", required=True),
        Column("Internal or external", required=True, help="internal or external"),
        Column("Kind", required=True, help=", ".join(v for v, _ in InterestedParty.Kind.choices)),
        Column("Description"),
        Column("Climate-related", help="yes or no"),
        Column("Standards", help="e.g. ISO 14001:2015 — empty: both"),
    )

    def parse_row(self, values: dict[str, str], *, organisation: Any, user: Any) -> dict[str, Any]:
        r = _Row()
        r(self.refuse_existing, values["Name"], organisation, "Name")
        return r.done(
            {
                "name": values["Name"],
                "origin": r(choice, values["Internal or external"], Origin.choices, "Internal or external"),
                "kind": r(choice, values["Kind"], InterestedParty.Kind.choices, "Kind"),
                "description": values.get("Description", ""),
                "climate_related": r(yes_no, values.get("Climate-related", ""), "Climate-related"),
                "standards": r(standards, values.get("Standards", ""), "Standards"),
            }
        )

    def create(self, data: dict[str, Any], *, organisation: Any, user: Any) -> Any:
        return services.interested_party_create(organisation=organisation, **data)

    def export_row(self, obj: InterestedParty) -> list[Any]:
        return [
            obj.reference,
            obj.name,
            obj.origin,
            obj.kind,
            obj.description,
            _yes(obj.climate_related),
            _keys(obj.standards.all()),
        ]


class ScopeSpec(RegisterSpec):
    name = "scopes"
    columns: ClassVar[Sequence[Column]] = (
        Column("Standard", required=True, help="e.g. ISO 9001:2015; one scope per standard"),
        Column("Scope statement", required=True),
        Column("Products and services"),
        Column("Life-cycle considerations"),
        Column("Boundaries"),
        Column("Sites", help="site codes, e.g. BHM; LDS — empty: every site"),
    )

    def unique_key(self, data: dict[str, Any]) -> Any:
        return data["standard"].pk

    def parse_row(self, values: dict[str, str], *, organisation: Any, user: Any) -> dict[str, Any]:
        r = _Row()
        found = standard(values["Standard"], "Standard")
        if Scope.objects.filter(organisation=organisation, standard=found).exists():
            raise ValidationError({"Standard": f"There is already a scope for {found}: edit it instead."})
        return r.done(
            {
                "standard": found,
                "statement": values["Scope statement"],
                "products_services": values.get("Products and services", ""),
                "lifecycle": values.get("Life-cycle considerations", ""),
                "boundaries": values.get("Boundaries", ""),
                "sites": r(sites, values.get("Sites", ""), organisation, "Sites"),
            }
        )

    def create(self, data: dict[str, Any], *, organisation: Any, user: Any) -> Any:
        return services.scope_create(organisation=organisation, **data)

    def export_row(self, obj: Scope) -> list[Any]:
        return [
            obj.standard.key,
            obj.statement,
            obj.products_services,
            obj.lifecycle,
            obj.boundaries,
            "; ".join(site.code for site in obj.sites.all()),
        ]


class ProcessSpec(_Spec):
    name = "processes"
    model = Process
    name_field = "name"
    columns: ClassVar[Sequence[Column]] = (
        Column("Reference", help="Ignored on import."),
        Column("Name", required=True),
        Column("Purpose"),
        Column("Owner", help="a member's email"),
        Column("Inputs"),
        Column("Outputs"),
        Column("Resources"),
        Column("Criteria"),
        Column("KPIs"),
        Column("Sites", help="site codes — empty: every site"),
        Column("Status", help="draft, active (default) or retired"),
    )

    def parse_row(self, values: dict[str, str], *, organisation: Any, user: Any) -> dict[str, Any]:
        r = _Row()
        r(self.refuse_existing, values["Name"], organisation, "Name")
        return r.done(
            {
                "name": values["Name"],
                "purpose": values.get("Purpose", ""),
                "owner": r(member, values.get("Owner", ""), organisation, "Owner"),
                "inputs": values.get("Inputs", ""),
                "outputs": values.get("Outputs", ""),
                "resources": values.get("Resources", ""),
                "criteria": values.get("Criteria", ""),
                "kpis": values.get("KPIs", ""),
                "sites": r(sites, values.get("Sites", ""), organisation, "Sites"),
                "status": r(choice, values.get("Status") or "active", Process.Status.choices, "Status"),
            }
        )

    def create(self, data: dict[str, Any], *, organisation: Any, user: Any) -> Any:
        return services.process_create(organisation=organisation, **data)

    def export_row(self, obj: Process) -> list[Any]:
        return [
            obj.reference,
            obj.name,
            obj.purpose,
            _email(obj.owner),
            obj.inputs,
            obj.outputs,
            obj.resources,
            obj.criteria,
            obj.kpis,
            "; ".join(site.code for site in obj.sites.all()),
            obj.status,
        ]


class OrganisationalRoleSpec(_Spec):
    name = "roles"
    model = OrganisationalRole
    name_field = "title"
    columns: ClassVar[Sequence[Column]] = (
        Column("Reference", help="Ignored on import."),
        Column("Title", required=True),
        Column("Responsibilities"),
        Column("Authorities"),
        Column("Reports to", help="the title of a role already in the register"),
        Column("Holders", help="members' emails, separated by semicolons"),
        Column("Standards", help="e.g. ISO 9001:2015 — empty: both"),
    )

    def parse_row(self, values: dict[str, str], *, organisation: Any, user: Any) -> dict[str, Any]:
        r = _Row()
        r(self.refuse_existing, values["Title"], organisation, "Title")
        boss = None
        if values.get("Reports to"):
            boss = OrganisationalRole.objects.filter(
                organisation=organisation, title__iexact=values["Reports to"]
            ).first()
            if boss is None:
                raise ValidationError({"Reports to": f"No role is called “{values['Reports to']}”."})
        return r.done(
            {
                "title": values["Title"],
                "responsibilities": values.get("Responsibilities", ""),
                "authorities": values.get("Authorities", ""),
                "reports_to": boss,
                "holders": r(members, values.get("Holders", ""), organisation, "Holders"),
                "standards": r(standards, values.get("Standards", ""), "Standards"),
            }
        )

    def create(self, data: dict[str, Any], *, organisation: Any, user: Any) -> Any:
        return services.organisational_role_create(organisation=organisation, **data)

    def export_row(self, obj: OrganisationalRole) -> list[Any]:
        return [
            obj.reference,
            obj.title,
            obj.responsibilities,
            obj.authorities,
            obj.reports_to.title if obj.reports_to else "",
            "; ".join(user.email for user in obj.holders.all()),
            _keys(obj.standards.all()),
        ]
