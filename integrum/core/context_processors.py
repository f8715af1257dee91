from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from integrum.core.navigation import navigation_for
from integrum.core.permissions import memberships_of


def shell(request: HttpRequest) -> dict[str, Any]:
    """What the app shell (header, organisation switcher, PDCA menu) needs on every page."""
    membership = getattr(request, "membership", None)
    if membership is None:
        return {}
    return {
        "current_membership": membership,
        "current_organisation": membership.organisation,
        "user_memberships": memberships_of(request.user),
        "navigation": navigation_for(request),
    }
