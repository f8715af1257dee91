"""Key performance indicators (ISO 9001/14001 9.1.1): the list with each KPI's latest value, a KPI
with its trend, values and value entry, its form, and importing and exporting values."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views import View

from integrum.core.models import Site, StaleEdit
from integrum.core.permissions import MANAGE, WRITE
from integrum.core.tabular import RegisterImportView, export_response
from integrum.core.views import (
    ObjectDeleteView,
    ObjectDetailView,
    ObjectFormView,
    ObjectListView,
    ObjectMixin,
    apply_validation_error,
    error_text,
)
from integrum.performance import services
from integrum.performance.filters import KpiFilterSet
from integrum.performance.forms import KpiForm, KpiValueForm
from integrum.performance.models import Kpi, KpiValue, Objective
from integrum.performance.periods import parse_period, period_key
from integrum.performance.selectors import default_window, kpi_series, latest_values, rag
from integrum.performance.tabular import KpiValueSpec
from integrum.performance.views.common import kpi_chart, recordable_sites, sites_of


class KpiListView(ObjectListView):
    model = Kpi
    filterset_class = KpiFilterSet
    template_name = "performance/kpi_list.html"

    def get_queryset(self) -> QuerySet[Kpi]:
        return super().get_queryset().select_related("owner").prefetch_related("standards", "sites")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        kpis = list(context["object_list"])
        latest = latest_values(kpis, sites=sites_of(self.request))
        context["rows"] = [(kpi, latest[kpi.pk]) for kpi in kpis]
        context["tabs"] = self.scoped(Kpi).aggregate(
            all=Count("pk"),
            active=Count("pk", filter=Q(is_active=True)),
            computed=Count("pk", filter=~Q(source=Kpi.Source.MANUAL)),
        )
        context["can_write"] = self.can(WRITE)
        return context


@dataclass(frozen=True)
class ExportPoint:
    """A computed value, written out in the same columns as an entered one."""

    kpi: Kpi
    period: datetime.date
    value: Any
    quality: str
    site: Site | None = None
    note: str = "Computed"


class KpiDetailView(ObjectDetailView):
    model = Kpi
    template_name = "performance/kpi_detail.html"

    def get_queryset(self) -> QuerySet[Kpi]:
        return super().get_queryset().select_related("owner").prefetch_related("standards", "sites")

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        fmt = request.GET.get("export")
        if fmt in ("csv", "xlsx"):
            self.object = self.get_object()
            return self.export(fmt)
        return super().get(request, *args, **kwargs)

    def values(self) -> QuerySet[KpiValue]:
        return (
            KpiValue.objects.visible_to(self.request.user)
            .filter(kpi=self.object)
            .select_related("site", "entered_by", "kpi")
            .order_by("-period", "site__code")
        )

    def window(self) -> tuple[datetime.date, datetime.date]:
        kpi = self.object
        start, end = default_window(kpi)
        try:
            if self.request.GET.get("from"):
                start = parse_period(self.request.GET["from"], kpi.frequency)
            if self.request.GET.get("to"):
                end = parse_period(self.request.GET["to"], kpi.frequency)
        except ValidationError as error:
            messages.warning(self.request, f"The period asked for is not valid: {error_text(error)}")
            return default_window(kpi)
        if end < start:
            start, end = end, start
        return start, end

    def chosen_site(self) -> Site | None:
        raw = self.request.GET.get("site", "")
        if not raw.isdigit():
            return None
        return recordable_sites(self.request, self.object).filter(pk=int(raw)).first()

    def series_sites(self) -> list[int] | None:
        site = self.chosen_site()
        return [site.pk] if site is not None else sites_of(self.request)

    def export(self, fmt: str) -> HttpResponse:
        kpi = self.object
        if kpi.source == Kpi.Source.MANUAL:
            return export_response(KpiValueSpec(), self.values().order_by("period", "site__code"), fmt)
        start, end = self.window()
        series = kpi_series(kpi, start=start, end=end, sites=self.series_sites())
        points = [
            ExportPoint(kpi, p.period, p.value, p.quality) for p in series.points if p.value is not None
        ]
        return export_response(KpiValueSpec(), points, fmt)

    def get_context_data(self, form: KpiValueForm | None = None, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        kpi = self.object
        start, end = self.window()
        series = kpi_series(kpi, start=start, end=end, sites=self.series_sites())
        latest = series.latest
        context.update(
            series=series,
            chart=kpi_chart(series),
            latest=latest,
            latest_rag=rag(kpi, latest.value if latest else None),
            window_from=period_key(start, kpi.frequency),
            window_to=period_key(end, kpi.frequency),
            site=self.chosen_site(),
            site_choices=recordable_sites(self.request, kpi),
            objectives=Objective.objects.visible_to(self.request.user)
            .filter(kpi=kpi)
            .select_related("owner"),
            can_manage=self.can(MANAGE),
        )
        if kpi.source == Kpi.Source.MANUAL:
            context["values"] = self.values()[:200]
            if context["can_write"] and kpi.is_active:
                context["value_form"] = form or self.value_form()
        return context

    def value_form(self) -> KpiValueForm:
        kpi, sites = self.object, recordable_sites(self.request, self.object)
        edit = self.request.GET.get("edit", "")
        if edit.isdigit():
            value = self.values().filter(pk=int(edit)).first()
            if value is not None:
                return KpiValueForm.for_value(value, kpi=kpi, sites=sites)
        return KpiValueForm(kpi=kpi, sites=sites)


class KpiValueRecordView(KpiDetailView):
    """POST a value from the KPI's page; a refusal shows the page again with the form's errors."""

    required_role = WRITE

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = self.get_object()
        kpi = self.object
        form = KpiValueForm(request.POST, kpi=kpi, sites=recordable_sites(request, kpi))
        if form.is_valid():
            data = form.cleaned_data
            try:
                value = services.kpi_value_record(
                    kpi=kpi,
                    period=data["period"],
                    site=data["site"],
                    value=data["value"],
                    quality=data["quality"],
                    note=data["note"],
                    version=data["version"],
                    user=request.user,  # type: ignore[arg-type]
                )
            except StaleEdit as error:
                form.add_error(None, str(error))
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, f"Recorded {value}.")
                return redirect(kpi)
        context = self.get_context_data(form=form)
        return self.render_to_response(context, status=400)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return redirect(reverse("performance:kpi_detail", args=[kwargs["pk"]]))


class KpiValueDeleteView(ObjectMixin, View):
    model = Kpi
    required_role = MANAGE

    def post(self, request: HttpRequest, pk: int, value_pk: int) -> HttpResponse:
        kpi = self.get_object()
        value = get_object_or_404(KpiValue.objects.visible_to(request.user).filter(kpi=kpi), pk=value_pk)
        label = str(value)
        services.kpi_value_delete(kpi_value=value)
        messages.success(request, f"Removed the value {label}.")
        return redirect(kpi)


class KpiFormView(ObjectFormView):
    model = Kpi
    form_class = KpiForm

    def get_queryset(self) -> QuerySet[Kpi]:
        return super().get_queryset().prefetch_related("standards", "sites")

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        if self.object is None:
            kwargs["initial"] = {"owner": self.request.user.pk}
        return kwargs

    def save(self, form: Any) -> Any:
        fields = form.service_fields()
        if self.object is None:
            return services.kpi_create(organisation=self.organisation, **fields)
        return services.kpi_update(
            kpi=Kpi.objects.get(pk=self.object.pk), version=form.cleaned_data["version"], **fields
        )

    def get_title(self) -> str:
        return f"Edit {self.object.reference}" if self.object else "New KPI"

    def cancel_url(self) -> str:
        return self.object.get_absolute_url() if self.object else reverse("performance:kpi_list")

    def success_message(self, obj: Any) -> str:
        return f"Saved {obj.reference}." if self.object else f"{obj.reference} defined."


class KpiDeleteView(ObjectDeleteView):
    model = Kpi
    service = services.kpi_delete
    keyword = "kpi"
    list_url = "performance:kpi_list"


class KpiValueImportView(RegisterImportView):
    spec_class = KpiValueSpec
    back_url_name = "performance:kpi_list"
