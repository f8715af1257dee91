"""What the environment pages share."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from integrum.core.tabular import RegisterSpec, export_response


class ExportMixin:
    """`?export=csv|xlsx` on a list page downloads the filtered list in the import's columns."""

    spec_class: ClassVar[type[RegisterSpec]]
    filterset_class: ClassVar[Any]
    request: HttpRequest

    def export_queryset(self) -> QuerySet[Any]:
        return self.get_queryset()  # type: ignore[attr-defined]  # the list view's

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        fmt = request.GET.get("export")
        if fmt in ("csv", "xlsx"):
            filterset = self.filterset_class(request.GET, queryset=self.export_queryset(), request=request)
            rows = filterset.qs if filterset.is_valid() else self.export_queryset().none()
            return export_response(self.spec_class(), rows.iterator(chunk_size=2000), fmt)
        return super().get(request, *args, **kwargs)  # type: ignore[misc]
