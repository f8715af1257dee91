"""FilterSets of the GHG registers and of an inventory's results, shared by the pages and the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from integrum.core.filters import IdFilter, OrganisationFilterSet, site_choices, yes_no_filter
from integrum.ghg.models import (
    ContractualInstrument,
    EmissionSource,
    Gas,
    Inventory,
    InventoryResult,
    Scope,
    Scope3Category,
)


class YearField(forms.IntegerField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_value=1, max_value=9999, **kwargs)


@extend_schema_field(OpenApiTypes.INT)
class YearFilter(django_filters.Filter):
    field_class = YearField


class InventoryFilterSet(OrganisationFilterSet):
    year = YearFilter(label="Year")
    status = django_filters.ChoiceFilter(choices=Inventory.Status.choices, empty_label="Any status")
    changed_since_close = yes_no_filter(label="Data changed since closing")

    class Meta:
        model = Inventory
        fields: list[str] = []


class EmissionSourceFilterSet(OrganisationFilterSet):
    q = django_filters.CharFilter(method="search", label="Meter, label or factor")
    scope = django_filters.ChoiceFilter(choices=Scope.choices, empty_label="Any scope")
    family = django_filters.CharFilter(label="Dataset family")
    site = django_filters.ModelChoiceFilter(
        queryset=site_choices(), field_name="meter__site", empty_label="Any site", label="Site"
    )
    meter = IdFilter(field_name="meter_id", label="Meter (id)")

    class Meta:
        model = EmissionSource
        fields: list[str] = []

    def search(self, queryset: QuerySet[EmissionSource], name: str, value: str) -> QuerySet[EmissionSource]:
        for word in value.split():
            queryset = queryset.filter(
                Q(label__icontains=word)
                | Q(factor_key__icontains=word)
                | Q(meter__code__icontains=word)
                | Q(meter__name__icontains=word)
            )
        return queryset


class InstrumentFilterSet(OrganisationFilterSet):
    kind = django_filters.ChoiceFilter(choices=ContractualInstrument.Kind.choices, empty_label="Any kind")
    site = django_filters.ModelChoiceFilter(queryset=site_choices(), empty_label="Any site", label="Site")
    year = YearFilter(method="in_year", label="In force in year")

    class Meta:
        model = ContractualInstrument
        fields: list[str] = []

    def in_year(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        if not value:
            return queryset
        year = int(value)
        return queryset.filter(start__lte=dt.date(year, 12, 31), end__gte=dt.date(year, 1, 1))


class MonthField(forms.DateField):
    """A month as YYYY-MM (or any date in it): the first day of that month."""

    input_formats = ["%Y-%m", "%Y-%m-%d"]

    def to_python(self, value: Any) -> dt.date | None:
        day = super().to_python(value)
        return day.replace(day=1) if day else None


class MonthFilter(django_filters.DateFilter):
    field_class = MonthField


class InventoryResultFilterSet(OrganisationFilterSet):
    """Filters of an inventory's `results/`."""

    scope = django_filters.ChoiceFilter(choices=Scope.choices)
    scope3_category = django_filters.ChoiceFilter(choices=Scope3Category.choices)
    method = django_filters.ChoiceFilter(
        choices=[
            (InventoryResult.Method.LOCATION, "Location-based"),
            (InventoryResult.Method.MARKET, "Market-based"),
            ("none", "Not scope 2"),
        ],
        method="by_method",
        label="Scope 2 method",
    )
    site = django_filters.ModelChoiceFilter(queryset=site_choices(), label="Site")
    month = MonthFilter(label="Month (YYYY-MM)")
    ghg = django_filters.ChoiceFilter(choices=Gas.choices, label="Gas")
    source = IdFilter(field_name="source_id", label="Emission source (id)")

    class Meta:
        model = InventoryResult
        fields: list[str] = []

    def by_method(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        if not value:
            return queryset
        return queryset.filter(method="" if value == "none" else value)
