"""One FilterSet per register, shared by the list pages and the API."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from integrum.core.filters import (
    IdFilter,
    OrganisationFilterSet,
    checkbox_choices,
    member_choices,
    site_choices,
    yes_no_filter,
)
from integrum.environment.models import Aspect, ComplianceEvaluation, ComplianceObligation


def _by_site(queryset: QuerySet[Any], value: Any) -> QuerySet[Any]:
    # A record for no particular site applies to every site.
    if not value:
        return queryset
    return queryset.filter(Q(sites=value) | Q(sites__isnull=True)).distinct()


class NullsLastOrdering(django_filters.OrderingFilter):
    """Sorting that keeps empty values (e.g. aspects not scored yet) last on every database."""

    def get_ordering_value(self, param: str) -> Any:
        value = super().get_ordering_value(param)
        descending = value.startswith("-")
        expression = F(value.lstrip("-"))
        return expression.desc(nulls_last=True) if descending else expression.asc(nulls_last=True)


class AspectFilterSet(OrganisationFilterSet):
    """Filters of the aspect register, the significant aspects page and the `aspects/` endpoint."""

    q = django_filters.CharFilter(method="search", label="Reference or words")
    significant = yes_no_filter(label="Significant")
    impact_type = checkbox_choices(Aspect.ImpactType.choices, label="Impact")
    condition = checkbox_choices(Aspect.Condition.choices)
    lifecycle_stage = django_filters.ChoiceFilter(
        choices=Aspect.LifeCycleStage.choices, empty_label="Any stage", label="Life-cycle stage"
    )
    control = django_filters.ChoiceFilter(choices=Aspect.Control.choices, empty_label="Any", label="Control")
    owner = django_filters.ModelChoiceFilter(queryset=member_choices(), empty_label="Anyone")
    site = django_filters.ModelChoiceFilter(
        queryset=site_choices(), empty_label="Any site", method="filter_site", label="Site"
    )
    obligation = IdFilter(field_name="obligations", label="Linked to obligation (id)")
    ordering = NullsLastOrdering(
        fields=(
            ("number", "reference"),
            ("score", "score"),
            ("activity", "activity"),
            ("updated_at", "updated"),
        ),
        label="Sort by",
    )

    class Meta:
        model = Aspect
        fields: list[str] = []

    def search(self, queryset: QuerySet[Aspect], name: str, value: str) -> QuerySet[Aspect]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(reference__iexact=value)
            | Q(activity__icontains=value)
            | Q(aspect__icontains=value)
            | Q(impact__icontains=value)
        )

    def filter_site(self, queryset: QuerySet[Aspect], name: str, value: Any) -> QuerySet[Aspect]:
        return _by_site(queryset, value)


class ObligationFilterSet(OrganisationFilterSet):
    """Filters of the compliance obligations register and the `obligations/` endpoint."""

    q = django_filters.CharFilter(method="search", label="Reference or words")
    kind = checkbox_choices(ComplianceObligation.Kind.choices, label="Kind")
    status = checkbox_choices(ComplianceObligation.Status.choices)
    jurisdiction = django_filters.CharFilter(lookup_expr="icontains")
    owner = django_filters.ModelChoiceFilter(queryset=member_choices(), empty_label="Anyone")
    site = django_filters.ModelChoiceFilter(
        queryset=site_choices(), empty_label="Any site", method="filter_site", label="Site"
    )
    ordering = django_filters.OrderingFilter(
        fields=(("number", "reference"), ("title", "title"), ("updated_at", "updated")),
        label="Sort by",
    )

    class Meta:
        model = ComplianceObligation
        fields: list[str] = []

    def search(
        self, queryset: QuerySet[ComplianceObligation], name: str, value: str
    ) -> QuerySet[ComplianceObligation]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(reference__iexact=value) | Q(title__icontains=value) | Q(source_reference__icontains=value)
        )

    def filter_site(
        self, queryset: QuerySet[ComplianceObligation], name: str, value: Any
    ) -> QuerySet[ComplianceObligation]:
        return _by_site(queryset, value)


class EvaluationFilterSet(OrganisationFilterSet):
    """Filters of the evaluation of compliance list and the `compliance-evaluations/` endpoint."""

    q = django_filters.CharFilter(method="search", label="Reference or obligation")
    status = checkbox_choices(ComplianceEvaluation.Status.choices)
    result = checkbox_choices(ComplianceEvaluation.Result.choices)
    obligation = IdFilter(field_name="obligation", label="Obligation (id)")
    evaluator = django_filters.ModelChoiceFilter(queryset=member_choices(), empty_label="Anyone")
    overdue = yes_no_filter(method="filter_overdue", label="Overdue")
    due_before = django_filters.DateFilter(field_name="due_date", lookup_expr="lte", label="Due on or before")
    ordering = NullsLastOrdering(
        fields=(("due_date", "due_date"), ("number", "reference"), ("evaluated_on", "evaluated_on")),
        label="Sort by",
    )

    class Meta:
        model = ComplianceEvaluation
        fields: list[str] = []

    def search(
        self, queryset: QuerySet[ComplianceEvaluation], name: str, value: str
    ) -> QuerySet[ComplianceEvaluation]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(reference__iexact=value)
            | Q(obligation__reference__iexact=value)
            | Q(obligation__title__icontains=value)
        )

    def filter_overdue(
        self, queryset: QuerySet[ComplianceEvaluation], name: str, value: Any
    ) -> QuerySet[ComplianceEvaluation]:
        if value is None:
            return queryset
        overdue = Q(
            status=ComplianceEvaluation.Status.SCHEDULED,
            obligation__status=ComplianceObligation.Status.ACTIVE,
            due_date__lt=timezone.localdate(),
        )
        return queryset.filter(overdue) if value else queryset.exclude(overdue)
