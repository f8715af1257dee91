from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from integrum.core.changelog import request_actor
from integrum.core.permissions import memberships_of

SESSION_KEY = "organisation_id"

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class ActorMiddleware:
    """Attributes every write made while handling the request to the request's user."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with request_actor(request):
            return self.get_response(request)


class OrganisationMiddleware:
    """Sets `request.membership` and `request.organisation`: the organisation the user works in now.

    It is the one chosen with the switcher (kept in the session) if the user still belongs to it,
    else their first one; None for anonymous users and people without any membership.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        memberships = memberships_of(request.user)
        chosen = request.session.get(SESSION_KEY) if memberships else None
        membership = next((m for m in memberships if m.organisation_id == chosen), None)
        if membership is None and memberships:
            membership = memberships[0]
        request.membership = membership  # type: ignore[attr-defined]
        request.organisation = membership.organisation if membership else None  # type: ignore[attr-defined]
        return self.get_response(request)


class ContentSecurityPolicyMiddleware:
    """No inline script anywhere: every script is a file served by the app itself."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response
