"""One FilterSet per list, shared by the pages and the API."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet

from integrum.audits.models import Audit, Auditor, AuditProgramme, ChecklistItem, Finding, Grade
from integrum.core.filters import (
    IdFilter,
    OrganisationFilterSet,
    checkbox_choices,
    member_choices,
    site_choices,
    yes_no_filter,
)
from integrum.standards.models import Standard


class ProgrammeFilterSet(OrganisationFilterSet):
    """Filters of the programme list and the `audit-programmes/` endpoint."""

    q = django_filters.CharFilter(method="search", label="Reference or title")
    year = django_filters.NumberFilter(method="filter_year", label="Covering year")

    class Meta:
        model = AuditProgramme
        fields: list[str] = []

    def search(self, queryset: QuerySet[AuditProgramme], name: str, value: str) -> QuerySet[AuditProgramme]:
        value = value.strip()
        return queryset.filter(Q(reference__iexact=value) | Q(title__icontains=value)) if value else queryset

    def filter_year(
        self, queryset: QuerySet[AuditProgramme], name: str, value: int
    ) -> QuerySet[AuditProgramme]:
        if not value:
            return queryset
        return queryset.filter(start_date__year__lte=value, end_date__year__gte=value)


class AuditorFilterSet(OrganisationFilterSet):
    """Filters of the auditor register and the `auditors/` endpoint."""

    active = yes_no_filter(field_name="is_active", label="Active")

    class Meta:
        model = Auditor
        fields: list[str] = []


class AuditFilterSet(OrganisationFilterSet):
    """Filters of the audit list and the `audits/` endpoint."""

    q = django_filters.CharFilter(method="search", label="Reference or title")
    status = checkbox_choices(Audit.Status.choices, label="Status")
    standard = django_filters.ModelChoiceFilter(
        queryset=Standard.objects.all(),
        method="filter_standard",
        label="Standard",
        empty_label="Any standard",
    )
    site = django_filters.ModelChoiceFilter(
        queryset=site_choices(), method="filter_site", label="Site", empty_label="Any site"
    )
    lead_auditor = django_filters.ModelChoiceFilter(queryset=member_choices(), empty_label="Anyone")
    programme = IdFilter(field_name="programme", label="Programme (id)")
    year = django_filters.NumberFilter(field_name="planned_start", lookup_expr="year", label="Year")
    ordering = django_filters.OrderingFilter(
        fields=(("number", "reference"), ("planned_start", "planned_start"), ("title", "title")),
        label="Sort by",
    )

    class Meta:
        model = Audit
        fields: list[str] = []

    def search(self, queryset: QuerySet[Audit], name: str, value: str) -> QuerySet[Audit]:
        value = value.strip()
        return queryset.filter(Q(reference__iexact=value) | Q(title__icontains=value)) if value else queryset

    def filter_standard(
        self, queryset: QuerySet[Audit], name: str, value: Standard | None
    ) -> QuerySet[Audit]:
        if not value:
            return queryset
        return queryset.filter(
            pk__in=Audit.standards.through.objects.filter(standard=value).values("audit_id")
        )

    def filter_site(self, queryset: QuerySet[Audit], name: str, value: Any) -> QuerySet[Audit]:
        if not value:
            return queryset
        return queryset.filter(pk__in=Audit.sites.through.objects.filter(site=value).values("audit_id"))


class FindingFilterSet(OrganisationFilterSet):
    """Filters of the finding list, its XLSX export and the `findings/` endpoint."""

    q = django_filters.CharFilter(method="search", label="Reference or words")
    grade = checkbox_choices(Grade.choices, label="Grade")
    standard = django_filters.ModelChoiceFilter(
        queryset=Standard.objects.all(),
        field_name="clause__standard",
        label="Standard",
        empty_label="Any standard",
    )
    audit = IdFilter(field_name="audit", label="Audit (id)")
    site = django_filters.ModelChoiceFilter(queryset=site_choices(), empty_label="Any site")
    ordering = django_filters.OrderingFilter(
        fields=(("number", "reference"), ("created_at", "created"), ("grade", "grade")), label="Sort by"
    )

    class Meta:
        model = Finding
        fields: list[str] = []

    def search(self, queryset: QuerySet[Finding], name: str, value: str) -> QuerySet[Finding]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(reference__iexact=value) | Q(statement__icontains=value))


class ChecklistItemFilterSet(OrganisationFilterSet):
    """Filters of the `checklist-items/` endpoint."""

    audit = IdFilter(field_name="audit", label="Audit (id)")
    answer = checkbox_choices(ChecklistItem.Answer.choices, label="Answer (empty: not answered)")

    class Meta:
        model = ChecklistItem
        fields: list[str] = []
