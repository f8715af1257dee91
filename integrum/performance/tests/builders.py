"""Plain builders for the KPI and objective tests; meters, totals and inventory rows are made with
the ORM directly (the series read them, they do not care how they were written)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from integrum.ghg.models import FactorDataset, GwpSet, Inventory, InventoryResult
from integrum.measurement.models import Meter, MonthlyTotal, SiteFigure
from integrum.performance import services
from integrum.performance.models import Kpi
from integrum.standards.models import Standard


def both_standards() -> list[Standard]:
    return list(Standard.objects.filter(code__in=["ISO 9001", "ISO 14001"]))


def iso(code: str) -> Standard:
    return Standard.objects.get(code=code)


def make_kpi(organisation: Any, **fields: Any) -> Kpi:
    values: dict[str, Any] = {
        "name": "Customer complaints",
        "unit": "complaints",
        "direction": Kpi.Direction.LOWER,
        "standards": both_standards(),
    }
    values.update(fields)
    return services.kpi_create(organisation=organisation, **values)


def make_objective(organisation: Any, **fields: Any) -> Any:
    values: dict[str, Any] = {
        "title": "Fewer complaints",
        "statement": "Halve customer complaints so that customers stay.",
        "start_date": dt.date(2025, 1, 1),
        "due_date": dt.date(2025, 12, 31),
        "standards": both_standards(),
    }
    values.update(fields)
    return services.objective_create(organisation=organisation, **values)


def make_meter(
    organisation: Any, site: Any, code: str, kind: str = Meter.Kind.ELECTRICITY, unit: str = "kWh"
) -> Meter:
    return Meter.objects.create(
        organisation=organisation, site=site, code=code, name=code, kind=kind, unit=unit
    )


def total(meter: Meter, month: dt.date, quantity: Any, estimated: Any = 0) -> MonthlyTotal:
    return MonthlyTotal.objects.create(
        organisation_id=meter.organisation_id,
        site_id=meter.site_id,
        meter=meter,
        month=month,
        quantity=Decimal(str(quantity)),
        estimated_quantity=Decimal(str(estimated)),
        reading_count=1,
    )


def figure(organisation: Any, site: Any, kind: str, month: dt.date, value: Any) -> SiteFigure:
    return SiteFigure.objects.create(
        organisation=organisation, site=site, kind=kind, month=month, value=Decimal(str(value))
    )


def make_dataset() -> FactorDataset:
    return FactorDataset.objects.create(
        identifier="test-2025",
        publisher="Test publisher",
        family="test",
        name="Test factors 2025",
        edition=2025,
        version="1",
        format=FactorDataset.Format.DESNZ_FLAT,
        licence="Test licence",
        attribution="Test data.",
        gwp_set=GwpSet.AR5,
        gases_in_co2e=True,
        file_name="test.xlsx",
        sha256="0" * 64,
    )


def make_inventory(organisation: Any, year: int = 2025) -> Inventory:
    dataset = FactorDataset.objects.first() or make_dataset()
    return Inventory.objects.create(organisation=organisation, year=year, dataset=dataset, gwp_set=GwpSet.AR5)


def result(
    inventory: Inventory,
    site: Any,
    month: dt.date,
    scope: int,
    co2e_kg: Any,
    method: str = "",
    source: Any = None,
) -> InventoryResult:
    return InventoryResult.objects.create(
        inventory=inventory,
        organisation_id=inventory.organisation_id,
        site=site,
        source=source,
        month=month,
        scope=scope,
        method=method,
        ghg="CO2e",
        activity_quantity=Decimal(1),
        activity_unit="kWh",
        dataset=inventory.dataset,
        gas_kg=Decimal(str(co2e_kg)),
        co2e_kg=Decimal(str(co2e_kg)),
    )


def month(year: int, number: int) -> dt.date:
    return dt.date(year, number, 1)
