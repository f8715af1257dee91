"""Small hand-made datasets for calculation tests; the shipped files are tested in test_factors."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from integrum.ghg.models import EmissionFactor, FactorDataset, Gas, GwpSet
from integrum.measurement import readings
from integrum.measurement.models import Meter, ReadingBatch


def make_dataset(
    identifier: str = "test-2024",
    *,
    gases_in_co2e: bool = True,
    gwp_set: str = GwpSet.AR5,
    factors: Sequence[tuple[str, int, str, str, str, str]] = (),
) -> FactorDataset:
    """`factors`: (key, scope, unit, ghg, value, value_unit)."""
    family, edition = identifier.rsplit("-", 1)
    dataset = FactorDataset.objects.create(
        identifier=identifier,
        publisher="Test publisher",
        family=family,
        name=identifier,
        edition=int(edition),
        version="1",
        format=FactorDataset.Format.DESNZ_FLAT,
        licence="Test licence",
        attribution="Test data.",
        gwp_set=gwp_set,
        gases_in_co2e=gases_in_co2e,
        file_name="test.xlsx",
        sha256=identifier,
    )
    EmissionFactor.objects.bulk_create(
        EmissionFactor(
            dataset=dataset,
            external_id=f"{key}:{ghg}",
            key=key,
            scope=scope,
            category="Test",
            activity=key,
            unit=unit,
            ghg=ghg,
            value=Decimal(value),
            value_unit=value_unit,
        )
        for key, scope, unit, ghg, value, value_unit in factors
    )
    return dataset


# DESNZ 2024 values of the three worked checks (kg CO2e per unit, with the gas split).
DESNZ_2024_LIKE = [
    ("gas", 1, "kWh (Gross CV)", Gas.CO2E, "0.18290", "kg CO2e"),
    ("gas", 1, "kWh (Gross CV)", Gas.CO2, "0.18253", "kg CO2e"),
    ("gas", 1, "kWh (Gross CV)", Gas.CH4, "0.00028", "kg CO2e"),
    ("gas", 1, "kWh (Gross CV)", Gas.N2O, "0.00009", "kg CO2e"),
    ("grid", 2, "kWh", Gas.CO2E, "0.20705", "kg CO2e"),
    ("grid", 2, "kWh", Gas.CO2, "0.20493", "kg CO2e"),
    ("grid", 2, "kWh", Gas.CH4, "0.00090", "kg CO2e"),
    ("grid", 2, "kWh", Gas.N2O, "0.00122", "kg CO2e"),
    ("diesel", 1, "litres", Gas.CO2E, "2.51279", "kg CO2e"),
]


def make_meter(organisation: Any, site: Any, code: str, kind: str, unit: str) -> Meter:
    return Meter.objects.create(
        organisation=organisation, site=site, code=code, name=code, kind=kind, unit=unit
    )


def add_reading(organisation: Any, meter: Meter, start: str, end: str, value: str, unit: str = "") -> None:
    row = readings.Row(number=2, meter=meter.code, start=start, end=end, value=value, unit=unit)
    result = readings.check(organisation, [row], meters=[meter])
    assert result.ok, result.errors
    batch = ReadingBatch.objects.create(organisation=organisation, source=ReadingBatch.Source.MANUAL)
    readings.commit(batch, result)
