"""Filter helpers shared by every app's FilterSets (used by the HTML lists and the API alike)."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django_filters.widgets import BooleanWidget
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from integrum.core.models import Site, User
from integrum.core.permissions import memberships_of

# The largest id any database we support stores: ids beyond it get a 400, not a database overflow.
MAX_ID = 2**63 - 1


class IdFormField(forms.IntegerField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_value=1, max_value=MAX_ID, **kwargs)


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.Filter):
    """An id: a whole number (django-filter's NumberFilter also takes decimals)."""

    field_class = IdFormField


class YesNoAnyWidget(BooleanWidget):
    """A yes/no filter whose unset state reads "Any" rather than "Unknown"."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.choices = (("", "Any"), ("true", "Yes"), ("false", "No"))


def yes_no_filter(**kwargs: Any) -> django_filters.BooleanFilter:
    return django_filters.BooleanFilter(widget=YesNoAnyWidget, **kwargs)


def checkbox_choices(choices: Any, **kwargs: Any) -> django_filters.MultipleChoiceFilter:
    """Several values of a short list, as checkboxes (a multi-select box needs Ctrl-click)."""
    return django_filters.MultipleChoiceFilter(choices=choices, widget=forms.CheckboxSelectMultiple, **kwargs)


class OrganisationFilterSet(django_filters.FilterSet):
    """Limits the choices of people and sites to what the requester may see.

    On a page that is the current organisation; in the API every organisation the user is in.
    """

    def __init__(self, *args: Any, request: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, request=request, **kwargs)
        user = getattr(request, "user", None)
        current = getattr(request, "organisation", None)
        org_ids = [m.organisation_id for m in memberships_of(user)] if user is not None else []
        if current is not None and not getattr(request, "is_api", False):
            org_ids = [current.pk]
        for filter_ in self.filters.values():
            queryset = getattr(filter_, "queryset", None)
            if not isinstance(queryset, QuerySet):
                continue
            if queryset.model is User:
                filter_.queryset = User.objects.filter(memberships__organisation_id__in=org_ids).distinct()
            elif queryset.model is Site:
                filter_.queryset = Site.objects.filter(organisation_id__in=org_ids)


def member_choices() -> QuerySet[User]:
    """Placeholder queryset, narrowed per request by OrganisationFilterSet."""
    return User.objects.none()


def site_choices() -> QuerySet[Site]:
    return Site.objects.none()
