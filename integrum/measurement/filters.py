"""One FilterSet per list of environmental data, shared by the pages and the API."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet

from integrum.core.filters import (
    IdFilter,
    OrganisationFilterSet,
    checkbox_choices,
    site_choices,
    yes_no_filter,
)
from integrum.measurement.models import Meter, MonthlyTotal, Quality, Reading, ReadingBatch, SiteFigure


class MeterFilterSet(OrganisationFilterSet):
    """Filters of the meter list and the `meters/` endpoint."""

    q = django_filters.CharFilter(method="search", label="Code or words")
    site = django_filters.ModelChoiceFilter(queryset=site_choices(), empty_label="Any site", label="Site")
    kind = checkbox_choices(Meter.Kind.choices, label="Kind")
    active = yes_no_filter(field_name="is_active", label="In use")
    ordering = django_filters.OrderingFilter(
        fields=(("code", "code"), ("name", "name"), ("site__name", "site"), ("updated_at", "updated")),
        label="Sort by",
    )

    class Meta:
        model = Meter
        fields: list[str] = []

    def search(self, queryset: QuerySet[Meter], name: str, value: str) -> QuerySet[Meter]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(code__icontains=value)
            | Q(name__icontains=value)
            | Q(supplier__icontains=value)
            | Q(fuel__icontains=value)
            | Q(waste_stream__icontains=value)
        )


def _period_filters(field_name: str, date_only: bool) -> tuple[django_filters.Filter, django_filters.Filter]:
    kind = django_filters.DateFilter if date_only else django_filters.IsoDateTimeFilter
    return (
        kind(field_name=field_name, lookup_expr="gte", label="From (inclusive)"),
        kind(field_name=field_name, lookup_expr="lt", label="To (exclusive)"),
    )


class ReadingFilterSet(OrganisationFilterSet):
    """Filters of the `readings/` endpoint: `meter`, `site`, `from` and `to` (on the start), `batch`."""

    meter = IdFilter(field_name="meter", label="Meter (id)")
    site = django_filters.ModelChoiceFilter(queryset=site_choices(), field_name="meter__site", label="Site")
    batch = IdFilter(field_name="batch", label="Batch (id)")
    quality = django_filters.ChoiceFilter(choices=Quality.choices)
    outlier = yes_no_filter(field_name="is_outlier", label="Flagged as outlier")

    class Meta:
        model = Reading
        fields: list[str] = []


class MonthlyTotalFilterSet(OrganisationFilterSet):
    """Filters of the `monthly-totals/` endpoint; `from` and `to` are months (first days)."""

    meter = IdFilter(field_name="meter", label="Meter (id)")
    site = django_filters.ModelChoiceFilter(queryset=site_choices(), label="Site")
    kind = django_filters.ChoiceFilter(
        field_name="meter__kind", choices=Meter.Kind.choices, label="Kind of meter"
    )

    class Meta:
        model = MonthlyTotal
        fields: list[str] = []


class BatchFilterSet(OrganisationFilterSet):
    """Filters of the batch list and the `reading-batches/` endpoint."""

    status = checkbox_choices(ReadingBatch.Status.choices)
    source = django_filters.ChoiceFilter(choices=ReadingBatch.Source.choices, empty_label="Any source")

    class Meta:
        model = ReadingBatch
        fields: list[str] = []


class SiteFigureFilterSet(OrganisationFilterSet):
    """Filters of the site figures list and the `site-figures/` endpoint."""

    site = django_filters.ModelChoiceFilter(queryset=site_choices(), empty_label="Any site", label="Site")
    organisation_wide = yes_no_filter(
        field_name="site", lookup_expr="isnull", label="For the whole organisation"
    )
    kind = django_filters.ChoiceFilter(choices=SiteFigure.Kind.choices, empty_label="Any kind")

    class Meta:
        model = SiteFigure
        fields: list[str] = []


# `from` and `to` are Python keywords, so these filters are added by name.
for filterset, field_name, date_only in (
    (ReadingFilterSet, "start", False),
    (MonthlyTotalFilterSet, "month", True),
    (SiteFigureFilterSet, "month", True),
):
    after, before = _period_filters(field_name, date_only)
    filterset.base_filters["from"] = after
    filterset.base_filters["to"] = before
