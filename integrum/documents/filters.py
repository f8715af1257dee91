from __future__ import annotations

import datetime
from typing import Any

import django_filters
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet
from django.utils import timezone

from integrum.core.filters import (
    IdFilter,
    OrganisationFilterSet,
    checkbox_choices,
    member_choices,
    site_choices,
)
from integrum.documents.models import Document, Kind
from integrum.standards.models import ClauseLink


class DocumentFilterSet(OrganisationFilterSet):
    """Filters of the document register page and the `documents/` endpoint."""

    q = django_filters.CharFilter(method="search", label="Number or title")
    kind = checkbox_choices(Kind.choices, label="Type")
    status = checkbox_choices(Document.Status.choices)
    owner = django_filters.ModelChoiceFilter(queryset=member_choices(), empty_label="Anyone")
    site = django_filters.ModelChoiceFilter(
        queryset=site_choices(), empty_label="Any site", method="filter_site", label="Site"
    )
    clause = IdFilter(method="filter_clause", label="Serves clause (id)")
    review = django_filters.ChoiceFilter(
        choices=[("due", "Due within 30 days"), ("overdue", "Overdue")],
        method="filter_review",
        label="Periodic review",
        empty_label="Any",
    )
    confidentiality = django_filters.ChoiceFilter(choices=Document.Confidentiality.choices, empty_label="Any")
    ordering = django_filters.OrderingFilter(
        fields=(
            ("reference", "reference"),
            ("title", "title"),
            ("next_review_date", "review"),
            ("updated_at", "updated"),
        ),
        label="Sort by",
    )

    class Meta:
        model = Document
        fields: list[str] = []

    def search(self, queryset: QuerySet[Document], name: str, value: str) -> QuerySet[Document]:
        value = value.strip()
        return queryset.filter(Q(reference__iexact=value) | Q(title__icontains=value)) if value else queryset

    def filter_site(self, queryset: QuerySet[Document], name: str, value: Any) -> QuerySet[Document]:
        # A document for no particular site applies to every site.
        return queryset.filter(Q(sites=value) | Q(sites__isnull=True)).distinct() if value else queryset

    def filter_clause(self, queryset: QuerySet[Document], name: str, value: Any) -> QuerySet[Document]:
        if not value:
            return queryset
        ids = ClauseLink.objects.filter(
            clause_id=value, target_type=ContentType.objects.get_for_model(Document)
        ).values_list("target_id", flat=True)
        return queryset.filter(pk__in=[int(i) for i in ids])

    def filter_review(self, queryset: QuerySet[Document], name: str, value: str) -> QuerySet[Document]:
        today = timezone.localdate()
        effective = queryset.filter(status=Document.Status.EFFECTIVE)
        if value == "overdue":
            return effective.filter(next_review_date__lt=today)
        if value == "due":
            return effective.filter(next_review_date__lte=today + datetime.timedelta(days=30))
        return queryset
