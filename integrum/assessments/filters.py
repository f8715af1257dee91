from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet

from integrum.assessments.models import Assessment, AssessmentItem
from integrum.core.filters import (
    IdFilter,
    OrganisationFilterSet,
    checkbox_choices,
    member_choices,
    yes_no_filter,
)


class AssessmentFilterSet(OrganisationFilterSet):
    status = django_filters.ChoiceFilter(choices=Assessment.Status.choices, empty_label="Any")

    class Meta:
        model = Assessment
        fields: list[str] = []


class AssessmentItemFilterSet(OrganisationFilterSet):
    """Filters of an assessment's clause table and the `assessment-items/` endpoint."""

    assessment = IdFilter(field_name="assessment_id")
    status = checkbox_choices(AssessmentItem.Status.choices)
    group = django_filters.ChoiceFilter(
        choices=[(str(n), f"Clause {n}") for n in range(4, 11)], label="Clause", empty_label="All"
    )
    owner = django_filters.ModelChoiceFilter(queryset=member_choices(), empty_label="Anyone")
    open_gaps = yes_no_filter(method="filter_open", label="Open gaps only")

    class Meta:
        model = AssessmentItem
        fields: list[str] = []

    def filter_open(
        self, queryset: QuerySet[AssessmentItem], name: str, value: Any
    ) -> QuerySet[AssessmentItem]:
        if value:
            return queryset.filter(status__in=AssessmentItem.OPEN_STATUSES)
        return queryset
