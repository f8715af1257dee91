"""The one FilterSet of the nonconformity list, used by the page and the `nonconformities/` API."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone

from integrum.core.filters import (
    OrganisationFilterSet,
    checkbox_choices,
    member_choices,
    site_choices,
    yes_no_filter,
)
from integrum.improvement.models import Nonconformity

DATE_INPUT = forms.DateInput(attrs={"type": "date"})
NC = Nonconformity


class NonconformityFilterSet(OrganisationFilterSet):
    q = django_filters.CharFilter(method="search", label="Reference or words")
    status = checkbox_choices(NC.Status.choices, label="Status")
    open = yes_no_filter(method="filter_open", label="Still open")
    source = checkbox_choices(NC.Source.choices, label="Source")
    severity = checkbox_choices(NC.Severity.choices, label="Severity")
    site = django_filters.ModelChoiceFilter(queryset=site_choices(), empty_label="Any site")
    owner = django_filters.ModelChoiceFilter(queryset=member_choices(), empty_label="Anyone")
    verification_due = yes_no_filter(method="filter_verification_due", label="Effectiveness check due")
    detected_from = django_filters.DateFilter(
        field_name="detected_on", lookup_expr="gte", label="Found from", widget=DATE_INPUT
    )
    detected_to = django_filters.DateFilter(
        field_name="detected_on", lookup_expr="lte", label="Found until", widget=DATE_INPUT
    )
    ordering = django_filters.OrderingFilter(
        fields=(
            ("number", "reference"),
            ("detected_on", "detected_on"),
            ("effectiveness_due", "effectiveness_due"),
        ),
        label="Sort by",
    )

    class Meta:
        model = Nonconformity
        fields: list[str] = []

    def search(self, queryset: QuerySet[NC], name: str, value: str) -> QuerySet[NC]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(reference__iexact=value) | Q(title__icontains=value))

    def filter_open(self, queryset: QuerySet[NC], name: str, value: Any) -> QuerySet[NC]:
        if value is None:
            return queryset
        condition = Q(status__in=NC.OPEN_STATUSES)
        return queryset.filter(condition) if value else queryset.exclude(condition)

    def filter_verification_due(self, queryset: QuerySet[NC], name: str, value: Any) -> QuerySet[NC]:
        if value is None:
            return queryset
        condition = Q(status=NC.Status.VERIFICATION, effectiveness_due__lte=timezone.localdate())
        return queryset.filter(condition) if value else queryset.exclude(condition)
