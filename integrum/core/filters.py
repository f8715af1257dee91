"""Filter helpers shared by every app's FilterSets (used by the HTML lists and the API alike)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet

from integrum.core.models import Site, User
from integrum.core.permissions import memberships_of


class OrganisationFilterSet(django_filters.FilterSet):
    """Limits the choices of people and sites to what the requester may see."""

    def __init__(self, *args: Any, request: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, request=request, **kwargs)
        user = getattr(request, "user", None)
        current = getattr(request, "organisation", None)
        org_ids = [m.organisation_id for m in memberships_of(user)] if user is not None else []
        if current is not None and not getattr(request, "is_api", False):
            org_ids = [current.pk]
        for name, filter_ in self.filters.items():
            queryset = getattr(filter_, "queryset", None)
            if not isinstance(queryset, QuerySet):
                continue
            if queryset.model is User:
                filter_.queryset = User.objects.filter(memberships__organisation_id__in=org_ids).distinct()
            elif queryset.model is Site:
                filter_.queryset = Site.objects.filter(organisation_id__in=org_ids)
            self.filters[name] = filter_


def member_choices() -> QuerySet[User]:
    """Placeholder queryset, narrowed per request by OrganisationFilterSet."""
    return User.objects.none()


def site_choices() -> QuerySet[Site]:
    return Site.objects.none()
