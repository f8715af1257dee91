from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.views.generic import TemplateView

from integrum.core.views import OrganisationMixin
from integrum.reports.selectors import headlines, my_work


class HomeView(OrganisationMixin, TemplateView):
    """Home is "my work" first, then the organisation's headline figures."""

    template_name = "reports/home.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["work"] = my_work(self.request.user, self.organisation, limit=8)
        context["headlines"] = headlines(self.request.user, self.organisation)
        context["today"] = timezone.localdate()
        return context


class MyWorkView(OrganisationMixin, TemplateView):
    template_name = "reports/my_work.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["work"] = my_work(self.request.user, self.organisation)
        context["today"] = timezone.localdate()
        return context
