"""Filters of the standards library's lists (clauses, correspondences)."""

from __future__ import annotations

from typing import ClassVar

import django_filters
from django.db.models import Q, QuerySet

from integrum.standards.models import Clause, Correspondence, Pdca, Standard


class ClauseFilterSet(django_filters.FilterSet):
    standard = django_filters.ModelChoiceFilter(queryset=Standard.objects.all())
    number = django_filters.CharFilter(label="Clause number, e.g. 8.2.1")
    pdca = django_filters.ChoiceFilter(choices=Pdca.choices, label="Plan-Do-Check-Act phase")
    is_leaf = django_filters.BooleanFilter(
        label="Only clauses without sub-clauses (what gap analyses assess)"
    )
    q = django_filters.CharFilter(method="search", label="Search number, title and summary")

    class Meta:
        model = Clause
        fields: ClassVar[list[str]] = []

    def search(self, queryset: QuerySet[Clause], name: str, value: str) -> QuerySet[Clause]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(number__startswith=value) | Q(title__icontains=value) | Q(summary__icontains=value)
        )


class CorrespondenceFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=Correspondence.Kind.choices)
    clause = django_filters.ModelChoiceFilter(
        queryset=Clause.objects.all(), method="involving_clause", label="A clause on either side"
    )
    standard = django_filters.ModelChoiceFilter(
        queryset=Standard.objects.all(), method="involving_standard", label="A standard on either side"
    )

    class Meta:
        model = Correspondence
        fields: ClassVar[list[str]] = []

    def involving_clause(
        self, queryset: QuerySet[Correspondence], name: str, value: Clause
    ) -> QuerySet[Correspondence]:
        return queryset.filter(Q(from_clause=value) | Q(to_clause=value))

    def involving_standard(
        self, queryset: QuerySet[Correspondence], name: str, value: Standard
    ) -> QuerySet[Correspondence]:
        return queryset.filter(Q(from_clause__standard=value) | Q(to_clause__standard=value))
