"""KPI values in and out of spreadsheets (`core.tabular`).

An import writes values of KPIs entered by hand; a value already there for the same KPI, site and
period is replaced (the change log keeps the old one). The file is checked first and written
all or nothing.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from integrum.core.models import Site
from integrum.core.permissions import membership_in
from integrum.core.tabular import Column, RegisterSpec
from integrum.measurement.models import Quality
from integrum.performance import services
from integrum.performance.models import Kpi, KpiValue
from integrum.performance.periods import parse_period, period_key


def _quality(text: str) -> str:
    value = text.strip().lower()
    if not value:
        return Quality.MEASURED
    for stored, label in Quality.choices:
        if value in (stored, str(label).lower()):
            return stored
    raise ValidationError({"Quality": f"“{text}” is not one of: measured, estimated, invoiced."})


class KpiValueSpec(RegisterSpec):
    name = "KPI values"
    columns = (
        Column("KPI", required=True, help="Reference of a KPI entered by hand, e.g. KPI-0003."),
        Column("Site", help="Site code; empty: a value for the whole KPI."),
        Column(
            "Period",
            required=True,
            help="2025-03 (monthly), 2025-Q1 (quarterly) or 2025 (yearly); a date works too.",
        ),
        Column("Value", required=True, help="A number in the KPI's unit; a decimal point or comma."),
        Column("Quality", help="Measured, Estimated or Invoiced; default Measured."),
        Column("Note"),
    )

    def __init__(self) -> None:
        # Rows of one file name the same few KPIs and sites: look each up once.
        self._kpis: dict[tuple[int, str], Kpi | None] = {}
        self._sites: dict[tuple[int, str], Site | None] = {}

    def _kpi(self, organisation: Any, reference: str) -> Kpi:
        key = (organisation.pk, reference.strip().upper())
        if key not in self._kpis:
            self._kpis[key] = (
                Kpi.objects.filter(organisation=organisation, reference__iexact=key[1])
                .prefetch_related("sites")
                .first()
            )
        kpi = self._kpis[key]
        if kpi is None:
            raise ValidationError({"KPI": f"No KPI has the reference {reference}."})
        if kpi.source != Kpi.Source.MANUAL:
            raise ValidationError(
                {"KPI": f"{kpi.reference} is {kpi.get_source_display().lower()}: it takes no values."}
            )
        if not kpi.is_active:
            raise ValidationError({"KPI": f"{kpi.reference} is not active."})
        return kpi

    def _site(self, organisation: Any, code: str) -> Site | None:
        code = code.strip().upper()
        if not code:
            return None
        key = (organisation.pk, code)
        if key not in self._sites:
            self._sites[key] = Site.objects.filter(organisation=organisation, code__iexact=code).first()
        site = self._sites[key]
        if site is None:
            raise ValidationError({"Site": f"No site has the code {code}."})
        return site

    def parse_row(self, values: dict[str, str], *, organisation: Any, user: Any) -> dict[str, Any]:
        kpi = self._kpi(organisation, values["KPI"])
        site = self._site(organisation, values.get("Site", ""))
        limited = [s.pk for s in kpi.sites.all()]
        if site is not None and limited and site.pk not in limited:
            raise ValidationError({"Site": f"{kpi.reference} does not cover {site.code}."})
        membership = membership_in(user, organisation.pk)
        own = membership.site_ids if membership is not None else []
        if own and (site is None or site.pk not in own):
            raise ValidationError({"Site": "You work on some sites only: give one of your sites' codes."})
        try:
            period = parse_period(values["Period"], kpi.frequency)
        except ValidationError as error:
            raise ValidationError({"Period": " ".join(error.messages)}) from None
        if period > timezone.localdate():
            raise ValidationError({"Period": f"{values['Period']} has not started yet."})
        text = values["Value"].strip().replace(" ", "")
        if text.count(",") == 1 and "." not in text:
            text = text.replace(",", ".")
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise ValidationError({"Value": f"“{values['Value']}” is not a number."}) from None
        if not value.is_finite() or abs(value) >= Decimal(10) ** 16:
            raise ValidationError({"Value": f"“{values['Value']}” is not a number we can keep."})
        return {
            "kpi": kpi,
            "site": site,
            "period": period,
            "value": value,
            "quality": _quality(values.get("Quality", "")),
            "note": values.get("Note", "")[:300],
        }

    def unique_key(self, data: dict[str, Any]) -> Any:
        return (data["kpi"].pk, data["site"].pk if data["site"] else None, data["period"])

    def create(self, data: dict[str, Any], *, organisation: Any, user: Any) -> KpiValue:
        return services.kpi_value_record(user=user, origin=KpiValue.Origin.IMPORT, **data)

    def export_row(self, obj: Any) -> list[Any]:
        """A stored value, or a computed point (`ExportPoint`)."""
        kpi = obj.kpi
        return [
            kpi.reference,
            obj.site.code if obj.site is not None else "",
            period_key(obj.period, kpi.frequency),
            float(obj.value) if obj.value is not None else None,
            Quality(obj.quality).label if obj.quality else "",
            obj.note,
        ]
