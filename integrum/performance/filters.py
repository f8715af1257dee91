"""One FilterSet per list, shared by the pages and the API."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet

from integrum.core.filters import (
    IdFilter,
    OrganisationFilterSet,
    checkbox_choices,
    member_choices,
    site_choices,
    yes_no_filter,
)
from integrum.measurement.models import Quality
from integrum.performance.models import Kpi, KpiValue, Objective
from integrum.standards.models import Standard

DATE_INPUT = forms.DateInput(attrs={"type": "date"})


def _standards_filter() -> django_filters.ModelMultipleChoiceFilter:
    return django_filters.ModelMultipleChoiceFilter(
        queryset=Standard.objects.all(),
        method="filter_standards",
        widget=forms.CheckboxSelectMultiple,
        label="Standards",
    )


class KpiFilterSet(OrganisationFilterSet):
    """Filters of the KPI list and the `kpis/` endpoint."""

    q = django_filters.CharFilter(method="search", label="Reference or name")
    standard = _standards_filter()
    source = checkbox_choices(Kpi.Source.choices, label="Source")
    owner = django_filters.ModelChoiceFilter(queryset=member_choices(), empty_label="Anyone")
    active = yes_no_filter(field_name="is_active", label="Active")
    ordering = django_filters.OrderingFilter(
        fields=(("number", "reference"), ("name", "name"), ("updated_at", "updated")), label="Sort by"
    )

    class Meta:
        model = Kpi
        fields: list[str] = []

    def search(self, queryset: QuerySet[Kpi], name: str, value: str) -> QuerySet[Kpi]:
        value = value.strip()
        return queryset.filter(Q(reference__iexact=value) | Q(name__icontains=value)) if value else queryset

    def filter_standards(self, queryset: QuerySet[Kpi], name: str, value: Any) -> QuerySet[Kpi]:
        if not value:
            return queryset
        return queryset.filter(
            pk__in=Kpi.standards.through.objects.filter(standard__in=value).values("kpi_id")
        )


# The status of an objective is computed from its KPI, not stored: the list pages and the API
# filter on it after computing it for the rows the other filters leave.
STATUS_CHOICES = Objective.Status.choices


class ObjectiveFilterSet(OrganisationFilterSet):
    """Filters of the objective list and the `objectives/` endpoint (`status` is applied by the view)."""

    q = django_filters.CharFilter(method="search", label="Reference or words")
    standard = _standards_filter()
    status = checkbox_choices(STATUS_CHOICES, method="filter_status", label="Status")
    owner = django_filters.ModelChoiceFilter(queryset=member_choices(), empty_label="Anyone")
    kpi = IdFilter(field_name="kpi", label="Measured by KPI (id)")
    due_after = django_filters.DateFilter(
        field_name="due_date", lookup_expr="gte", label="Due on or after", widget=DATE_INPUT
    )
    due_before = django_filters.DateFilter(
        field_name="due_date", lookup_expr="lte", label="Due on or before", widget=DATE_INPUT
    )
    ordering = django_filters.OrderingFilter(
        fields=(("number", "reference"), ("due_date", "due_date"), ("title", "title")), label="Sort by"
    )

    class Meta:
        model = Objective
        fields: list[str] = []

    def search(self, queryset: QuerySet[Objective], name: str, value: str) -> QuerySet[Objective]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(reference__iexact=value) | Q(title__icontains=value) | Q(statement__icontains=value)
        )

    def filter_standards(self, queryset: QuerySet[Objective], name: str, value: Any) -> QuerySet[Objective]:
        if not value:
            return queryset
        return queryset.filter(
            pk__in=Objective.standards.through.objects.filter(standard__in=value).values("objective_id")
        )

    def filter_status(self, queryset: QuerySet[Objective], name: str, value: Any) -> QuerySet[Objective]:
        # Only "cancelled" is stored; the others are computed and applied by `filter_by_status`.
        if not value:
            return queryset
        if Objective.Status.CANCELLED not in value:
            return queryset.filter(is_cancelled=False)
        if len(value) == 1:
            return queryset.filter(is_cancelled=True)
        return queryset

    @property
    def statuses(self) -> list[str]:
        """The statuses asked for, once the form is valid."""
        return list(self.form.cleaned_data.get("status") or []) if self.is_valid() else []


class KpiValueFilterSet(OrganisationFilterSet):
    """Filters of the `kpi-values/` endpoint."""

    kpi = IdFilter(field_name="kpi", label="KPI (id)")
    site = django_filters.ModelChoiceFilter(queryset=site_choices(), empty_label="Any site")
    whole = yes_no_filter(field_name="site", lookup_expr="isnull", label="For the whole KPI (no site)")
    period_from = django_filters.DateFilter(field_name="period", lookup_expr="gte", label="Period from")
    period_to = django_filters.DateFilter(field_name="period", lookup_expr="lte", label="Period to")
    quality = checkbox_choices(Quality.choices, label="Quality")
    ordering = django_filters.OrderingFilter(
        fields=(("period", "period"), ("updated_at", "updated")), label="Sort by"
    )

    class Meta:
        model = KpiValue
        fields: list[str] = []
