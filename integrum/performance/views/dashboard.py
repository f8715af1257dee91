"""Environmental performance (ISO 14001:2015 9.1.1): the dashboard and the annual report."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import NoReverseMatch, reverse
from django.utils.safestring import SafeString
from django.views.generic import TemplateView

from integrum.core.charts import Series, bar_chart
from integrum.core.exports import XLSX_TYPE, pdf_response
from integrum.core.permissions import WRITE
from integrum.core.views import OrganisationMixin
from integrum.performance import report as annual
from integrum.performance.dashboard import MONTH_LABELS, Dashboard, Line, dashboard

THIS_YEAR_FILL, LAST_YEAR_FILL = "#1f5f8b", "#a9bfd0"
SCOPE_FILLS = {"scope_1": "#1f5f8b", "scope_2_location": "#3c9a8f", "scope_3": "#c98a2b"}


def _number_param(request: HttpRequest, name: str) -> int | None:
    """A whole-number filter from the query string; anything else is a page that does not exist."""
    value = request.GET.get(name, "").strip()
    if not value:
        return None
    if not value.isdigit() or len(value) > 18:
        raise Http404(f"“{value}” is not a {name}.")
    return int(value)


def _link(name: str, query: str = "") -> str:
    """A page of another app, or "" while that page does not exist."""
    try:
        return reverse(name) + query
    except NoReverseMatch:
        return ""


def links(year: int) -> dict[str, str]:
    return {
        "meters": _link("measurement:meter_list"),
        "inventory_create": _link("ghg:inventory_create", f"?year={year}"),
    }


def compare_chart(title: str, line: Line, year: int) -> SafeString:
    """A line's months this year beside the same months of the year before."""
    return bar_chart(
        title,
        MONTH_LABELS,
        [
            Series(str(year), "chart__bar--current", THIS_YEAR_FILL, [float(v) for v in line.months]),
            Series(
                str(year - 1),
                "chart__bar--previous",
                LAST_YEAR_FILL,
                [float(v) for v in line.previous_months],
            ),
        ],
        unit=line.unit,
    )


def scope_chart(data: Dashboard) -> SafeString:
    lines = data.emissions.lines
    return bar_chart(
        f"Emissions by scope and month, {data.view.year} (scope 2 location-based)",
        MONTH_LABELS,
        [
            Series(
                lines[key].label,
                f"chart__bar--{key.replace('_', '-')}",
                fill,
                [float(v) for v in lines[key].months],
            )
            for key, fill in SCOPE_FILLS.items()
        ],
        unit="t CO₂e",
        stacked=True,
    )


def charts(data: Dashboard) -> dict[str, SafeString]:
    year = data.view.year
    found = {}
    if data.energy_total.has_data:
        found["energy"] = compare_chart(
            f"Energy use by month, {year} and {year - 1}", data.energy_total, year
        )
    if data.water.has_data:
        found["water"] = compare_chart(f"Water use by month, {year} and {year - 1}", data.water, year)
    if data.waste_total.has_data:
        found["waste"] = compare_chart(f"Waste by month, {year} and {year - 1}", data.waste_total, year)
    if data.emissions.total.has_data:
        found["scopes"] = scope_chart(data)
        found["emissions"] = compare_chart(
            f"Emissions by month, {year} and {year - 1} (location-based)", data.emissions.total, year
        )
    return found


class DashboardView(OrganisationMixin, TemplateView):
    """Energy, water, waste, materials and emissions of a year against the year before, with
    intensities and the environmental objectives; `?year=` and `?site=` choose what is shown."""

    template_name = "performance/dashboard.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        try:
            data = dashboard(
                self.request.user,
                self.organisation,
                year=_number_param(self.request, "year"),
                site_id=_number_param(self.request, "site"),
            )
        except LookupError as error:
            raise Http404(str(error)) from error
        query = f"?site={data.view.site.pk}" if data.view.site else ""
        context.update(
            data=data,
            view=data.view,
            emissions=data.emissions,
            charts=charts(data),
            year_choices=sorted({*data.years, data.view.year}, reverse=True),
            site_query=query,
            links=links(data.view.year),
            can_write=self.can(WRITE),
        )
        return context


class ReportView(OrganisationMixin, TemplateView):
    """The annual environmental performance report for a year: `/` previews it, `.pdf` and
    `.xlsx` download it. `?site=` narrows it to one site."""

    template_name = "performance/report.html"
    format = "html"

    def report(self) -> annual.Report:
        try:
            return annual.annual_report(
                self.request.user,
                self.organisation,
                year=self.kwargs["year"],
                site_id=_number_param(self.request, "site"),
            )
        except LookupError as error:
            raise Http404(str(error)) from error

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        report = kwargs.get("report") or self.report()
        data = report.dashboard
        context.update(
            report=report,
            data=data,
            view=data.view,
            emissions=data.emissions,
            charts=charts(data),
            organisation=self.organisation,
            site_query=f"?site={data.view.site.pk}" if data.view.site else "",
            pdf=self.format == "pdf",
        )
        return context

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if self.format == "html":
            return super().get(request, *args, **kwargs)
        report = self.report()
        stem = f"environmental-performance-{report.year}"
        if report.view.site:
            stem += f"-{report.view.site.code.lower()}"
        if self.format == "xlsx":
            response = HttpResponse(annual.workbook(report), content_type=XLSX_TYPE)
            response["Content-Disposition"] = f'attachment; filename="{stem}.xlsx"'
            return response
        return pdf_response(stem, self.template_name, self.get_context_data(report=report), request)
