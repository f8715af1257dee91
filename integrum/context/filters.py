"""Filters of the context registers, shared by the list pages and the API collections."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet

from integrum.context.models import (
    PESTLE,
    SWOT,
    ContextIssue,
    InterestedParty,
    OrganisationalRole,
    Origin,
    PartyRequirement,
    Process,
    ProcessInteraction,
    Scope,
)
from integrum.core.filters import (
    IdFilter,
    OrganisationFilterSet,
    checkbox_choices,
    member_choices,
    site_choices,
    yes_no_filter,
)
from integrum.standards.models import Standard


def _standard_filter(**kwargs: Any) -> django_filters.ModelChoiceFilter:
    return django_filters.ModelChoiceFilter(
        queryset=Standard.objects.all(), empty_label="Any standard", method="filter_standard", **kwargs
    )


class StandardsMixin:
    """Records with no standard concern both, so they match any standard."""

    def filter_standard(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        if not value:
            return queryset
        ids = queryset.model.standards.through.objects.filter(standard=value).values(
            queryset.model._meta.model_name
        )
        no_standard = ~Q(
            pk__in=queryset.model.standards.through.objects.values(queryset.model._meta.model_name)
        )
        return queryset.filter(Q(pk__in=ids) | no_standard)


def _search(queryset: QuerySet[Any], value: str, text_field: str) -> QuerySet[Any]:
    value = value.strip()
    if not value:
        return queryset
    return queryset.filter(Q(reference__iexact=value) | Q(**{f"{text_field}__icontains": value}))


class ContextIssueFilterSet(StandardsMixin, OrganisationFilterSet):
    """Filters of the context issue register and the `context-issues/` endpoint."""

    q = django_filters.CharFilter(method="search", label="Reference or title")
    origin = django_filters.ChoiceFilter(
        choices=Origin.choices, empty_label="Any", label="Internal or external"
    )
    category = checkbox_choices(PESTLE + SWOT)
    effect = django_filters.ChoiceFilter(choices=ContextIssue.Effect.choices, empty_label="Any")
    status = checkbox_choices(ContextIssue.Status.choices)
    standard = _standard_filter()
    climate_related = yes_no_filter(label="Climate-related")
    environmental_condition = yes_no_filter(label="Environmental condition")
    owner = django_filters.ModelChoiceFilter(queryset=member_choices(), empty_label="Anyone")
    ordering = django_filters.OrderingFilter(
        fields=(
            ("number", "reference"),
            ("title", "title"),
            ("category", "category"),
            ("review_date", "review"),
        ),
        label="Sort by",
    )

    class Meta:
        model = ContextIssue
        fields: list[str] = []

    def search(self, queryset: QuerySet[ContextIssue], name: str, value: str) -> QuerySet[ContextIssue]:
        return _search(queryset, value, "title")


class InterestedPartyFilterSet(StandardsMixin, OrganisationFilterSet):
    """Filters of the interested party register and the `interested-parties/` endpoint."""

    q = django_filters.CharFilter(method="search", label="Reference or name")
    origin = django_filters.ChoiceFilter(
        choices=Origin.choices, empty_label="Any", label="Internal or external"
    )
    kind = checkbox_choices(InterestedParty.Kind.choices)
    climate_related = yes_no_filter(label="Climate-related")
    standard = _standard_filter()
    ordering = django_filters.OrderingFilter(
        fields=(("number", "reference"), ("name", "name"), ("kind", "kind")), label="Sort by"
    )

    class Meta:
        model = InterestedParty
        fields: list[str] = []

    def search(self, queryset: QuerySet[InterestedParty], name: str, value: str) -> QuerySet[InterestedParty]:
        return _search(queryset, value, "name")


class PartyRequirementFilterSet(OrganisationFilterSet):
    """Filters of the `party-requirements/` endpoint."""

    party = IdFilter(field_name="party_id", label="Interested party (id)")
    adopted = yes_no_filter()
    becomes_obligation = yes_no_filter(label="Becomes a compliance obligation")
    climate_related = yes_no_filter(label="Climate-related")

    class Meta:
        model = PartyRequirement
        fields: list[str] = []


class ScopeFilterSet(OrganisationFilterSet):
    """Filters of the scope list and the `scopes/` endpoint."""

    standard = django_filters.ModelChoiceFilter(queryset=Standard.objects.all(), empty_label="Any standard")

    class Meta:
        model = Scope
        fields: list[str] = []


class ProcessFilterSet(OrganisationFilterSet):
    """Filters of the process register and the `processes/` endpoint."""

    q = django_filters.CharFilter(method="search", label="Reference or name")
    status = checkbox_choices(Process.Status.choices)
    owner = django_filters.ModelChoiceFilter(queryset=member_choices(), empty_label="Anyone")
    site = django_filters.ModelChoiceFilter(
        queryset=site_choices(), empty_label="Any site", method="filter_site", label="Site"
    )
    ordering = django_filters.OrderingFilter(
        fields=(("number", "reference"), ("name", "name"), ("status", "status")), label="Sort by"
    )

    class Meta:
        model = Process
        fields: list[str] = []

    def search(self, queryset: QuerySet[Process], name: str, value: str) -> QuerySet[Process]:
        return _search(queryset, value, "name")

    def filter_site(self, queryset: QuerySet[Process], name: str, value: Any) -> QuerySet[Process]:
        # A process of no particular site runs at every site.
        if not value:
            return queryset
        at_site = Process.sites.through.objects.filter(site=value).values("process")
        anywhere = ~Q(pk__in=Process.sites.through.objects.values("process"))
        return queryset.filter(Q(pk__in=at_site) | anywhere)


class ProcessInteractionFilterSet(OrganisationFilterSet):
    """Filters of the `process-interactions/` endpoint."""

    process = IdFilter(method="filter_process", label="Either end is this process (id)")
    from_process = IdFilter(field_name="from_process_id", label="Feeding process (id)")
    to_process = IdFilter(field_name="to_process_id", label="Fed process (id)")

    class Meta:
        model = ProcessInteraction
        fields: list[str] = []

    def filter_process(self, queryset: QuerySet[ProcessInteraction], name: str, value: Any) -> QuerySet[Any]:
        return queryset.filter(Q(from_process_id=value) | Q(to_process_id=value)) if value else queryset


class OrganisationalRoleFilterSet(StandardsMixin, OrganisationFilterSet):
    """Filters of the roles list and the `organisational-roles/` endpoint."""

    q = django_filters.CharFilter(method="search", label="Reference or title")
    holder = django_filters.ModelChoiceFilter(
        queryset=member_choices(), empty_label="Anyone", method="filter_holder", label="Held by"
    )
    standard = _standard_filter()
    ordering = django_filters.OrderingFilter(
        fields=(("number", "reference"), ("title", "title")), label="Sort by"
    )

    class Meta:
        model = OrganisationalRole
        fields: list[str] = []

    def search(self, queryset: QuerySet[OrganisationalRole], name: str, value: str) -> QuerySet[Any]:
        return _search(queryset, value, "title")

    def filter_holder(self, queryset: QuerySet[OrganisationalRole], name: str, value: Any) -> QuerySet[Any]:
        if not value:
            return queryset
        held = OrganisationalRole.holders.through.objects.filter(user=value).values("organisationalrole")
        return queryset.filter(pk__in=held)
