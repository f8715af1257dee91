"""Meters and their readings (ISO 14001:2015 9.1.1): the list, a meter's monthly totals and
readings, entering a reading."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import InvalidPage, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views import View

from integrum.core.charts import Series, bar_chart
from integrum.core.permissions import MANAGE, WRITE
from integrum.core.views import (
    ObjectDeleteView,
    ObjectDetailView,
    ObjectFormView,
    ObjectListView,
    ObjectMixin,
    apply_validation_error,
    error_text,
)
from integrum.measurement import services
from integrum.measurement.filters import MeterFilterSet
from integrum.measurement.forms import READING_FIELD_OF, MeterForm, ReadingForm
from integrum.measurement.models import Meter, MonthlyTotal, Quality, Reading, ReadingBatch

CHART_MONTHS = 12
TABLE_MONTHS = 24
READINGS_PER_PAGE = 50


class MeterListView(ObjectListView):
    model = Meter
    filterset_class = MeterFilterSet
    template_name = "measurement/meter_list.html"

    def get_queryset(self) -> QuerySet[Meter]:
        return super().get_queryset().select_related("site")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["can_write"] = self.can(WRITE)
        return context


class MeterFormView(ObjectFormView):
    model = Meter
    form_class = MeterForm

    def get_queryset(self) -> QuerySet[Meter]:
        return super().get_queryset().select_related("site")

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def save(self, form: Any) -> Any:
        fields = form.service_fields()
        if self.object is None:
            return services.meter_create(organisation=self.organisation, user=self.request.user, **fields)  # type: ignore[arg-type]
        return services.meter_update(
            meter=Meter.objects.get(pk=self.object.pk),
            version=form.cleaned_data["version"],
            user=self.request.user,  # type: ignore[arg-type]
            **fields,
        )

    def get_title(self) -> str:
        return f"Edit meter {self.object.code}" if self.object else "New meter"

    def cancel_url(self) -> str:
        return self.object.get_absolute_url() if self.object else reverse("measurement:meter_list")


def monthly_chart(totals: list[MonthlyTotal], unit: str) -> Any:
    """Bars of the latest months, the estimated part stacked on the rest."""
    if not totals:
        return None
    categories = [f"{total.month:%b %y}" for total in totals]
    firm = [float(total.quantity - total.estimated_quantity) for total in totals]
    estimated = [float(total.estimated_quantity) for total in totals]
    series = [Series("Measured or invoiced", "chart__bar--environment", "#2f7d4f", firm)]
    if any(estimated):
        series.append(Series("Estimated", "chart__bar--estimated", "#a9c9b4", estimated))
    return bar_chart("Amount used per month", categories, series, unit=unit, stacked=True)


class MeterDetailView(ObjectDetailView):
    """A meter with its monthly totals (chart and table), latest readings and batches; a
    contributor enters a reading here (POST)."""

    model = Meter
    template_name = "measurement/meter_detail.html"

    def get_queryset(self) -> QuerySet[Meter]:
        return super().get_queryset().select_related("site")

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = self.get_object()
        if not self.can(WRITE):
            raise PermissionDenied("Entering readings needs the contributor role.")
        form = ReadingForm(request.POST, meter=self.object)
        if form.is_valid():
            try:
                batch = services.readings_enter(
                    organisation=self.organisation,
                    user=request.user,  # type: ignore[arg-type]
                    meter=self.object,
                    **form.service_fields(),
                )
            except ValidationError as error:
                if hasattr(error, "error_dict"):
                    error = ValidationError(
                        {
                            READING_FIELD_OF.get(name, name): problems
                            for name, problems in error.error_dict.items()
                        }
                    )
                apply_validation_error(form, error)
            else:
                messages.success(request, f"Reading recorded for {self.object.code}. {batch.message}")
                return redirect(self.object)
        return self.render_to_response(self.get_context_data(reading_form=form), status=400)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        meter = self.object
        totals = list(MonthlyTotal.objects.filter(meter=meter).order_by("-month")[:TABLE_MONTHS])
        context["totals"] = totals
        context["chart"] = monthly_chart(list(reversed(totals[:CHART_MONTHS])), meter.unit)
        paginator = Paginator(Reading.objects.filter(meter=meter).order_by("-start"), READINGS_PER_PAGE)
        try:
            page = paginator.page(self.request.GET.get("page") or 1)
        except InvalidPage:
            page = paginator.page(1)
        context["page_obj"] = page
        context["readings"] = page.object_list
        context["querystring"] = ""
        context["batches"] = (
            ReadingBatch.objects.visible_to(self.request.user)
            .filter(meters=meter)
            .select_related("created_by")
            .order_by("-created_at")[:10]
        )
        context["can_manage"] = self.can(MANAGE)
        if context["can_write"] and meter.is_active:
            context["reading_form"] = kwargs.get("reading_form") or ReadingForm(meter=meter)
        context["year_total"] = sum((total.quantity for total in totals[:12]), Decimal(0))
        context["estimated"] = Quality.ESTIMATED
        return context


class MeterActivationView(ObjectMixin, View):
    """POST: take a meter out of use, or back into use (managers)."""

    model = Meter
    required_role = MANAGE

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        meter = self.get_object()
        try:
            if meter.is_active:
                services.meter_deactivate(meter=meter)
                messages.success(request, f"Meter {meter.code} is out of use; its readings stay.")
            else:
                services.meter_reactivate(meter=meter)
                messages.success(request, f"Meter {meter.code} is in use again.")
        except ValidationError as error:
            messages.error(request, error_text(error))
        return redirect(meter)


class MeterDeleteView(ObjectDeleteView):
    """POST: delete a meter that never had a reading (managers)."""

    model = Meter
    service = services.meter_delete
    keyword = "meter"
    list_url = "measurement:meter_list"
