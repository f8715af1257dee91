"""What the KPI and objective pages share: the sites a member's figures cover and the trend chart."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils.safestring import SafeString

from integrum.core.charts import ReferenceLine, line_chart
from integrum.core.models import Site
from integrum.performance.models import Kpi
from integrum.performance.selectors import Series, member_sites

TARGET_STROKE = "#2f7d4f"
WARNING_STROKE = "#b7791f"
BASELINE_STROKE = "#6b7580"


def sites_of(request: Any) -> list[int] | None:
    """The current member's site limit (None: every site)."""
    return member_sites(request.user, request.organisation)


def recordable_sites(request: Any, kpi: Kpi) -> QuerySet[Site]:
    """Sites the member may enter values of the KPI for: the KPI's sites (or all), within their own."""
    sites = Site.objects.filter(organisation=request.organisation)
    limited = [site.pk for site in kpi.sites.all()]
    if limited:
        sites = sites.filter(pk__in=limited)
    own = sites_of(request)
    if own:
        sites = sites.filter(pk__in=own)
    return sites.order_by("code")


def kpi_chart(
    series: Series,
    *,
    title: str = "",
    target: Decimal | None = None,
    baseline: Decimal | None = None,
    extra: Iterable[ReferenceLine] = (),
) -> SafeString:
    """The KPI's trend with its target and warning threshold (or an objective's target) as lines."""
    kpi = series.kpi
    references = []
    target = kpi.target if target is None else target
    if target is not None:
        references.append(
            ReferenceLine("Target", float(target), stroke=TARGET_STROKE, css_class="chart__ref--target")
        )
    if kpi.warning_threshold is not None:
        references.append(
            ReferenceLine(
                "Warning",
                float(kpi.warning_threshold),
                stroke=WARNING_STROKE,
                css_class="chart__ref--warning",
            )
        )
    if baseline is not None:
        references.append(
            ReferenceLine(
                "Baseline", float(baseline), stroke=BASELINE_STROKE, css_class="chart__ref--baseline"
            )
        )
    references.extend(extra)
    return line_chart(
        title or f"{kpi.reference} {kpi.name}",
        series.chart_points(),
        unit=kpi.unit,
        references=references,
        chart_id=f"kpi-{kpi.pk}",
        width=760,
    )
