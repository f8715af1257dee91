from __future__ import annotations

import functools
from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from integrum.actions.models import Action
from integrum.actions.selectors import age_condition, overdue_condition, source_choices, source_condition
from integrum.core.filters import (
    OrganisationFilterSet,
    checkbox_choices,
    member_choices,
    site_choices,
    yes_no_filter,
)
from integrum.core.permissions import memberships_of

# A century: plenty for the age of an action, and far from overflowing a date calculation.
MAX_DAYS = 36_500


class DaysFormField(forms.IntegerField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_value=0, max_value=MAX_DAYS, **kwargs)


@extend_schema_field(OpenApiTypes.INT)
class DaysFilter(django_filters.Filter):
    """A whole number of days (0 or more)."""

    field_class = DaysFormField


class ActionFilterSet(OrganisationFilterSet):
    """Filters of the action list page, the `actions/` endpoint and the links of the ageing view."""

    q = django_filters.CharFilter(method="search", label="Search")
    status = checkbox_choices(Action.Status.choices)
    priority = checkbox_choices(Action.Priority.choices)
    owner = django_filters.ModelChoiceFilter(
        queryset=member_choices(),
        empty_label="Anyone",
        null_label="No owner",
        help_text="Id of a member; `null` for actions nobody owns.",
    )
    site = django_filters.ModelChoiceFilter(queryset=site_choices(), empty_label="Any site")
    source = django_filters.ChoiceFilter(
        method="filter_source",
        label="Raised from",
        empty_label="Any record",
        help_text="Kind of record that raised the action, as app.model (e.g. improvement.nonconformity), "
        "or `none` for actions raised on their own.",
    )
    overdue = yes_no_filter(method="filter_overdue", label="Overdue")
    due_before = django_filters.DateFilter(field_name="due_date", lookup_expr="lte", label="Due on or before")
    age_min = DaysFilter(
        method="filter_age_min",
        label="Raised at least (days ago)",
        help_text="Only actions raised this many whole days ago or earlier.",
    )
    age_max = DaysFilter(
        method="filter_age_max",
        label="Raised at most (days ago)",
        help_text="Only actions raised this many whole days ago or later.",
    )
    overdue_min = DaysFilter(
        method="filter_overdue_min",
        label="Overdue by at least (days)",
        help_text="Only open actions at least this many days past their due date (and at least one).",
    )
    overdue_max = DaysFilter(
        method="filter_overdue_max",
        label="Overdue by at most (days)",
        help_text="Only open actions overdue by at most this many days.",
    )
    ordering = django_filters.OrderingFilter(
        fields=(
            ("number", "reference"),
            ("due_date", "due_date"),
            ("priority", "priority"),
            ("status", "status"),
        ),
        label="Sort by",
    )

    class Meta:
        model = Action
        fields: list[str] = []

    def __init__(self, *args: Any, request: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, request=request, **kwargs)
        user = getattr(request, "user", None)
        current = getattr(request, "organisation", None)
        org_ids = [m.organisation_id for m in memberships_of(user)] if user is not None else []
        if current is not None and not getattr(request, "is_api", False):
            org_ids = [current.pk]
        # Evaluated only when the form is shown or a value checked: no query on other requests.
        self.filters["source"].extra["choices"] = functools.cache(lambda: source_choices(org_ids))

    def filter_queryset(self, queryset: QuerySet[Action]) -> QuerySet[Action]:
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        overdue_view = data.get("overdue") or any(
            data.get(name) is not None for name in ("overdue_min", "overdue_max")
        )
        if overdue_view and not data.get("ordering"):
            # Overdue actions: the longest overdue first.
            queryset = queryset.order_by("due_date", "number")
        return queryset

    def search(self, queryset: QuerySet[Action], name: str, value: str) -> QuerySet[Action]:
        value = value.strip()
        return queryset.filter(Q(reference__iexact=value) | Q(title__icontains=value)) if value else queryset

    def filter_source(self, queryset: QuerySet[Action], name: str, value: str) -> QuerySet[Action]:
        return queryset.filter(source_condition(value)) if value else queryset

    def filter_overdue(self, queryset: QuerySet[Action], name: str, value: Any) -> QuerySet[Action]:
        if value is None:
            return queryset
        overdue = Q(status__in=Action.OPEN_STATUSES, due_date__lt=timezone.localdate())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)

    def filter_age_min(self, queryset: QuerySet[Action], name: str, value: int | None) -> QuerySet[Action]:
        return (
            queryset if value is None else queryset.filter(age_condition(value, None, timezone.localdate()))
        )

    def filter_age_max(self, queryset: QuerySet[Action], name: str, value: int | None) -> QuerySet[Action]:
        return (
            queryset if value is None else queryset.filter(age_condition(None, value, timezone.localdate()))
        )

    def filter_overdue_min(
        self, queryset: QuerySet[Action], name: str, value: int | None
    ) -> QuerySet[Action]:
        if value is None:
            return queryset
        return queryset.filter(overdue_condition(value, None, timezone.localdate()))

    def filter_overdue_max(
        self, queryset: QuerySet[Action], name: str, value: int | None
    ) -> QuerySet[Action]:
        if value is None:
            return queryset
        return queryset.filter(overdue_condition(None, value, timezone.localdate()))
