from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.generic import TemplateView

from integrum.core import linking
from integrum.core.views import OrganisationMixin
from integrum.documents.search import search_documents
from integrum.reports.selectors import headlines, my_work
from integrum.standards.models import Clause


class HomeView(OrganisationMixin, TemplateView):
    """Home is "my work" first, then the organisation's headline figures."""

    template_name = "reports/home.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["work"] = my_work(self.request.user, self.organisation, limit=8)
        context["headlines"] = headlines(self.request.user, self.organisation)
        context["today"] = timezone.localdate()
        return context


class SearchView(OrganisationMixin, TemplateView):
    """The search box in the top bar: an exact reference opens the record, words list matches."""

    template_name = "reports/search.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        query = request.GET.get("q", "").strip()
        record = linking.find_by_reference(request.user, self.organisation, query) if query else None
        if record is not None:
            return redirect(record)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        query = self.request.GET.get("q", "").strip()
        context["query"] = query
        context["results"] = linking.search(self.request.user, self.organisation, query, limit=25)
        # Words inside documents come from the full-text index, with the passage that matched.
        context["document_hits"] = (
            search_documents(user=self.request.user, organisation=self.organisation, query=query, limit=10)  # type: ignore[arg-type]
            if query
            else []
        )
        context["clauses"] = (
            Clause.objects.filter(Q(title__icontains=query) | Q(number=query)).select_related("standard")[:25]
            if query
            else []
        )
        return context


class MyWorkView(OrganisationMixin, TemplateView):
    template_name = "reports/my_work.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["work"] = my_work(self.request.user, self.organisation)
        context["today"] = timezone.localdate()
        return context
