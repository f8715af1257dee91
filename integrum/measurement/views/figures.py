"""Site figures: output, floor area and head count per month, the denominators of intensity
ratios (e.g. kWh per tonne of castings)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse

from integrum.core.permissions import MANAGE, WRITE
from integrum.core.views import ObjectDeleteView, ObjectFormView, ObjectListView
from integrum.measurement import services
from integrum.measurement.filters import SiteFigureFilterSet
from integrum.measurement.forms import SiteFigureForm
from integrum.measurement.models import SiteFigure


class SiteFigureListView(ObjectListView):
    model = SiteFigure
    filterset_class = SiteFigureFilterSet
    template_name = "measurement/figure_list.html"

    def get_queryset(self) -> QuerySet[SiteFigure]:
        return super().get_queryset().select_related("site").order_by("-month", "kind", "site__name")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["can_write"] = self.can(WRITE)
        context["can_manage"] = self.can(MANAGE)
        return context


class SiteFigureFormView(ObjectFormView):
    model = SiteFigure
    form_class = SiteFigureForm

    def get_queryset(self) -> QuerySet[SiteFigure]:
        return super().get_queryset().select_related("site")

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        if self.object is None:
            initial = {"kind": self.request.GET.get("kind") or SiteFigure.Kind.OUTPUT}
            kwargs["initial"] = initial
        return kwargs

    def save(self, form: Any) -> Any:
        fields = form.service_fields()
        if self.object is None:
            return services.site_figure_create(
                organisation=self.organisation,
                user=self.request.user,  # type: ignore[arg-type]
                **fields,
            )
        return services.site_figure_update(
            figure=SiteFigure.objects.get(pk=self.object.pk),
            version=form.cleaned_data["version"],
            user=self.request.user,  # type: ignore[arg-type]
            **fields,
        )

    def get_title(self) -> str:
        return f"Edit {self.object}" if self.object else "New site figure"

    def success_url(self, obj: Any) -> str:
        return reverse("measurement:figure_list")

    def cancel_url(self) -> str:
        return reverse("measurement:figure_list")


class SiteFigureDeleteView(ObjectDeleteView):
    model = SiteFigure
    list_url = "measurement:figure_list"

    def delete(self, obj: Any) -> None:
        services.site_figure_delete(figure=obj, user=self.request.user)  # type: ignore[arg-type]
