"""Checks every service makes on ids it is given: people and sites must belong to the organisation."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError

from integrum.core.models import Membership, Organisation, Site, User


def check_known_fields(fields: Iterable[str], allowed: Iterable[str], what: str) -> None:
    """Refuse a keyword a service does not take, naming it (a typo must not be dropped silently)."""
    unknown = set(fields) - set(allowed)
    if unknown:
        raise ValidationError(f"Unknown fields of {what}: {', '.join(sorted(unknown))}.")


def check_member(organisation: Organisation, user: User | None, field: str) -> None:
    if user is not None and not Membership.objects.filter(organisation=organisation, user=user).exists():
        raise ValidationError({field: f"{user} is not a member of {organisation}."})


def check_members(organisation: Organisation, users: Iterable[User], field: str) -> None:
    """All of them in one query."""
    people = list(users)
    members = set(
        Membership.objects.filter(organisation=organisation, user_id__in=[u.pk for u in people]).values_list(
            "user_id", flat=True
        )
    )
    strangers = [str(user) for user in people if user.pk not in members]
    if strangers:
        raise ValidationError({field: f"{', '.join(strangers)} is not a member of {organisation}."})


def check_sites(organisation: Organisation, sites: Iterable[Site]) -> list[Site]:
    site_list = list(sites)
    if any(site.organisation_id != organisation.pk for site in site_list):
        raise ValidationError({"sites": "Choose sites of the organisation."})
    return site_list
