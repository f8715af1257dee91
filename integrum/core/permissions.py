"""Who may do what: the one place where roles are checked.

Pages and API endpoints ask `can(user, organisation_id, Role.X)`; querysets use
`Model.objects.visible_to(user)`, which reads the same memberships.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from integrum.core.models import Membership, Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from integrum.core.models import User


def memberships_of(user: User | AnonymousUser) -> list[Membership]:
    """The user's memberships with their site limits; loaded once per user object (two queries)."""
    if not user.is_authenticated:
        return []
    cached: list[Membership] | None = getattr(user, "_integrum_memberships", None)
    if cached is None:
        cached = list(
            Membership.objects.filter(user=user).select_related("organisation").prefetch_related("sites")
        )
        user._integrum_memberships = cached  # type: ignore[attr-defined]
    return cached


def forget_memberships(user: User | AnonymousUser) -> None:
    """Drop the cached memberships, after they changed within the same request or test."""
    user.__dict__.pop("_integrum_memberships", None)


def membership_in(user: User | AnonymousUser, organisation_id: int | None) -> Membership | None:
    for membership in memberships_of(user):
        if membership.organisation_id == organisation_id:
            return membership
    return None


def can(user: User | AnonymousUser, organisation_id: int | None, minimum: str) -> bool:
    """True if the user holds at least the `minimum` role in the organisation."""
    membership = membership_in(user, organisation_id)
    return membership is not None and membership.has_role(minimum)


# What each kind of operation needs, for the generic views and the API.
READ = Role.VIEWER
WRITE = Role.CONTRIBUTOR
MANAGE = Role.MANAGER
ADMINISTER = Role.ADMIN
