"""Pieces every context register page shares: list with export, detail with history, delete."""

from __future__ import annotations

from typing import Any, ClassVar

from django.http import HttpRequest, HttpResponse

from integrum.core.permissions import MANAGE, WRITE
from integrum.core.relations import related_to
from integrum.core.tabular import export_response
from integrum.core.views import ObjectDetailView, ObjectListView, history_of


class RegisterListView(ObjectListView):
    """A register's list: filters, sorting, and export of the filtered list (?export=xlsx or csv)."""

    spec_class: ClassVar[Any] = None  # the register's `tabular` spec, for export

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["can_write"] = self.can(WRITE)
        context["can_manage"] = self.can(MANAGE)
        return context

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        fmt = request.GET.get("export")
        if fmt in ("xlsx", "csv") and self.spec_class is not None:
            return self.export(fmt)
        return super().get(request, *args, **kwargs)

    def export(self, fmt: str) -> HttpResponse:
        filterset = self.filterset_class(self.request.GET, queryset=self.get_queryset(), request=self.request)
        rows = filterset.qs if filterset.is_valid() else self.get_queryset().none()
        return export_response(self.spec_class(), rows.iterator(chunk_size=2000), fmt)


class RegisterDetailView(ObjectDetailView):
    """A record with its history and the records of apps to the right that relate to it (risks, …)."""

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["history"] = history_of(self.object)
        context["related"] = related_to(self.object, self.request.user)
        context["can_manage"] = self.can(MANAGE)
        return context
