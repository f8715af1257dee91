"""The one FilterSet of the review list, used by the page and the API."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet

from integrum.core.filters import OrganisationFilterSet, checkbox_choices, member_choices
from integrum.reviews.models import ManagementReview


class ReviewFilterSet(OrganisationFilterSet):
    q = django_filters.CharFilter(method="search", label="Reference or title")
    status = checkbox_choices(ManagementReview.Status.choices, label="Status")
    chair = django_filters.ModelChoiceFilter(queryset=member_choices(), empty_label="Anyone")
    year = django_filters.NumberFilter(field_name="scheduled_for", lookup_expr="year", label="Year")
    ordering = django_filters.OrderingFilter(
        fields=(("scheduled_for", "scheduled"), ("number", "reference"), ("updated_at", "updated")),
        label="Sort by",
    )

    class Meta:
        model = ManagementReview
        fields: list[str] = []

    def search(
        self, queryset: QuerySet[ManagementReview], name: str, value: Any
    ) -> QuerySet[ManagementReview]:
        value = value.strip()
        return queryset.filter(Q(reference__iexact=value) | Q(title__icontains=value)) if value else queryset
