from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from integrum.core.filters import OrganisationFilterSet, checkbox_choices, member_choices, yes_no_filter
from integrum.risks import sources
from integrum.risks.models import Level, Risk
from integrum.risks.scoring import MAX_SIZE
from integrum.standards.models import Standard

CELL_PARAMETERS = (
    "inherent_likelihood",
    "inherent_consequence",
    "residual_likelihood",
    "residual_consequence",
)


class LevelFormField(forms.IntegerField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_value=1, max_value=MAX_SIZE, **kwargs)


@extend_schema_field(OpenApiTypes.INT)
class LevelFilter(django_filters.Filter):
    """A likelihood or consequence level, 1 to 5: a cell of the heat map."""

    field_class = LevelFormField


def source_kind_choices() -> list[tuple[str, str]]:
    return [(key, label) for key, label in sources.SOURCE_KINDS.items()]


class RiskFilterSet(OrganisationFilterSet):
    """Filters of the risk register page (and its heat-map cells) and the `risks/` endpoint."""

    q = django_filters.CharFilter(method="search", label="Search")
    kind = checkbox_choices(Risk.Kind.choices, label="Type")
    status = checkbox_choices(Risk.Status.choices)
    inherent_band = checkbox_choices(Level.choices, field_name="inherent_level", label="Inherent band")
    residual_band = checkbox_choices(Level.choices, field_name="residual_level", label="Residual band")
    owner = django_filters.ModelChoiceFilter(queryset=member_choices(), empty_label="Anyone")
    standard = django_filters.ModelMultipleChoiceFilter(
        queryset=Standard.objects.all(),
        method="filter_standards",
        widget=forms.CheckboxSelectMultiple,
        label="Standards",
    )
    source_type = django_filters.ChoiceFilter(
        choices=source_kind_choices, method="filter_source_type", label="Source", empty_label="Any source"
    )
    review_due = yes_no_filter(method="filter_review_due", label="Review due")
    inherent_likelihood = LevelFilter(label="Inherent likelihood")
    inherent_consequence = LevelFilter(label="Inherent consequence")
    residual_likelihood = LevelFilter(label="Residual likelihood")
    residual_consequence = LevelFilter(label="Residual consequence")
    ordering = django_filters.OrderingFilter(
        fields=(
            ("number", "reference"),
            ("title", "title"),
            ("inherent_score", "inherent_score"),
            ("residual_score", "residual_score"),
            ("review_date", "review_date"),
            ("status", "status"),
        ),
        label="Sort by",
    )

    class Meta:
        model = Risk
        fields: list[str] = []

    def search(self, queryset: QuerySet[Risk], name: str, value: str) -> QuerySet[Risk]:
        value = value.strip()
        return queryset.filter(Q(reference__iexact=value) | Q(title__icontains=value)) if value else queryset

    def filter_standards(self, queryset: QuerySet[Risk], name: str, value: Any) -> QuerySet[Risk]:
        if not value:
            return queryset
        through = Risk.standards.through.objects.filter(standard__in=value).values("risk_id")
        return queryset.filter(pk__in=through)

    def filter_source_type(self, queryset: QuerySet[Risk], name: str, value: str) -> QuerySet[Risk]:
        if not value:
            return queryset
        content_type = sources.content_type_for(value)
        return queryset.filter(source_type=content_type) if content_type else queryset.none()

    def filter_review_due(self, queryset: QuerySet[Risk], name: str, value: Any) -> QuerySet[Risk]:
        if value is None:
            return queryset
        from django.utils import timezone

        due = Q(review_date__lte=timezone.localdate()) & ~Q(status=Risk.Status.CLOSED)
        return queryset.filter(due) if value else queryset.exclude(due)
