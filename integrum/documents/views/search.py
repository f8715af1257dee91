"""Document control pages: full-text search over the documents' numbers, titles and text."""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, path
from django.views.generic import TemplateView

from integrum.core.views import OrganisationMixin
from integrum.documents.models import Document
from integrum.documents.search import (
    MAX_LIMIT,
    DocumentSearchFilterSet,
    parse_query,
    search_documents,
)

RESULTS = 50


class DocumentSearchView(OrganisationMixin, TemplateView):
    """Words in the documents' text, numbers and titles, narrowed by the register's filters;
    any member (viewers too) searches what they may see of the current organisation."""

    template_name = "documents/search.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        query = self.request.GET.get("q", "").strip()[:200]
        filterset = DocumentSearchFilterSet(
            self.request.GET, queryset=self.scoped(Document), request=self.request
        )
        hits = (
            search_documents(
                user=self.request.user,  # type: ignore[arg-type]
                organisation=self.organisation,
                query=query,
                filters=filterset,
                limit=min(RESULTS, MAX_LIMIT),
            )
            if query
            else []
        )
        context.update(
            query=query,
            has_words=bool(parse_query(query)),
            filter=filterset,
            hits=hits,
            more=len(hits) >= RESULTS,
        )
        return context


urlpatterns: list[URLPattern] = [
    path("search/", DocumentSearchView.as_view(), name="document_search"),
]
