from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone

from integrum.actions.models import Action
from integrum.core.filters import (
    OrganisationFilterSet,
    checkbox_choices,
    member_choices,
    site_choices,
    yes_no_filter,
)


class ActionFilterSet(OrganisationFilterSet):
    """Filters of the action list page and the `actions/` endpoint."""

    q = django_filters.CharFilter(method="search", label="Search")
    status = checkbox_choices(Action.Status.choices)
    priority = checkbox_choices(Action.Priority.choices)
    owner = django_filters.ModelChoiceFilter(queryset=member_choices(), empty_label="Anyone")
    site = django_filters.ModelChoiceFilter(queryset=site_choices(), empty_label="Any site")
    overdue = yes_no_filter(method="filter_overdue", label="Overdue")
    due_before = django_filters.DateFilter(field_name="due_date", lookup_expr="lte", label="Due on or before")
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

    def search(self, queryset: QuerySet[Action], name: str, value: str) -> QuerySet[Action]:
        value = value.strip()
        return queryset.filter(Q(reference__iexact=value) | Q(title__icontains=value)) if value else queryset

    def filter_overdue(self, queryset: QuerySet[Action], name: str, value: Any) -> QuerySet[Action]:
        if value is None:
            return queryset
        overdue = Q(status__in=Action.OPEN_STATUSES, due_date__lt=timezone.localdate())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)
