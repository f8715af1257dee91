"""Working out an inventory's emissions from monthly meter totals and one factor dataset.

Pure in the sense that matters: the same totals, sources, instruments, dataset and GWP set give
the same results, so a closed year can be reproduced and a restatement compared line by line.
Raw readings are never read; `MonthlyTotal` is enough.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from integrum.core.dates import add_months
from integrum.ghg.models import (
    ContractualInstrument,
    EmissionFactor,
    EmissionSource,
    Gas,
    GwpSet,
    Inventory,
    InventoryResult,
)
from integrum.measurement import units
from integrum.measurement.models import MonthlyTotal

GWP: dict[str, dict[str, Decimal]] = {
    GwpSet.AR4: {Gas.CO2: Decimal(1), Gas.CH4: Decimal(25), Gas.N2O: Decimal(298)},
    GwpSet.AR5: {Gas.CO2: Decimal(1), Gas.CH4: Decimal(28), Gas.N2O: Decimal(265)},
    GwpSet.AR6: {Gas.CO2: Decimal(1), Gas.CH4: Decimal("27.9"), Gas.N2O: Decimal(273)},
}
# Published masses come in kilograms, grams or pounds of the gas.
MASS_TO_KG = {"kg": Decimal(1), "g": Decimal("0.001"), "lb": Decimal("0.45359237"), "t": Decimal(1000)}
PLACES = Decimal("0.000001")


@dataclass
class Outcome:
    results: list[InventoryResult] = field(default_factory=list)
    # Sources that could not be calculated, with the reason, for the inventory page.
    problems: list[str] = field(default_factory=list)


def calculate(inventory: Inventory) -> Outcome:
    outcome = Outcome()
    dataset = inventory.dataset
    year_start, year_end = dt.date(inventory.year, 1, 1), dt.date(inventory.year, 12, 1)
    sources = list(
        EmissionSource.objects.filter(organisation_id=inventory.organisation_id)
        .select_related("meter")
        .order_by("meter__code", "pk")
    )
    keys = {source.factor_key for source in sources if source.family == dataset.family}
    factors: dict[str, list[EmissionFactor]] = defaultdict(list)
    for factor in EmissionFactor.objects.filter(dataset=dataset, key__in=keys):
        factors[factor.key].append(factor)
    totals: dict[int, list[MonthlyTotal]] = defaultdict(list)
    for total in MonthlyTotal.objects.filter(
        meter_id__in={source.meter_id for source in sources}, month__gte=year_start, month__lte=year_end
    ).order_by("month"):
        totals[total.meter_id].append(total)
    market = _MarketInstruments(inventory)

    for source in sources:
        if not totals.get(source.meter_id):
            continue
        if source.family != dataset.family:
            outcome.problems.append(
                f"{source}: mapped to a {source.family} factor, but this inventory uses {dataset.identifier}."
            )
            continue
        rows = factors.get(source.factor_key)
        if not rows:
            outcome.problems.append(f"{source}: {dataset.identifier} has no factor “{source.factor_key}”.")
            continue
        try:
            per_unit = _per_unit_co2e(inventory, rows)
            to_factor_unit = units.multiplier(source.meter.unit, rows[0].unit)
        except (units.UnitError, _CannotConvert) as problem:
            outcome.problems.append(f"{source}: {problem}")
            continue
        if not any(co2e for *_, co2e in per_unit):
            # Publishers have printed 0 where a factor was unavailable; say so rather than let a
            # real activity count as no emissions without anyone noticing.
            outcome.problems.append(
                f"{source}: the factor “{source.factor_key}” is 0 in {dataset.identifier}; "
                "check that the publisher means no emissions rather than no factor."
            )
        for total in totals[source.meter_id]:
            quantity = total.quantity * to_factor_unit
            is_scope_2 = bool(source.scope2_basis)
            method = InventoryResult.Method.LOCATION if is_scope_2 else InventoryResult.Method.NONE
            for factor, gas, gas_kg_per_unit, co2e_per_unit in per_unit:
                outcome.results.append(
                    _result(
                        inventory,
                        source,
                        total,
                        method,
                        gas,
                        quantity,
                        factor.unit,
                        factor,
                        gas_kg_per_unit,
                        co2e_per_unit,
                    )
                )
            if is_scope_2:
                outcome.results.extend(market.results_for(source, total, quantity, rows[0].unit, per_unit))
    outcome.problems.extend(market.problems)
    return outcome


class _CannotConvert(Exception):
    pass


def _per_unit_co2e(
    inventory: Inventory, rows: list[EmissionFactor]
) -> list[tuple[EmissionFactor, str, Decimal, Decimal]]:
    """(factor, gas, kg of gas per unit, kg CO2e per unit) for each gas the dataset splits out,
    in the inventory's GWP set; the dataset's own CO2e figure when it gives no split."""
    dataset = inventory.dataset
    gwp = GWP[inventory.gwp_set]
    by_gas = {row.ghg: row for row in rows}
    split = [by_gas[gas] for gas in (Gas.CO2, Gas.CH4, Gas.N2O) if gas in by_gas]
    if not split:
        total = by_gas.get(Gas.CO2E)
        if total is None:
            raise _CannotConvert("the factor has no CO₂e value.")
        if inventory.gwp_set != dataset.gwp_set:
            raise _CannotConvert(
                f"the factor is given only as CO₂e in {dataset.gwp_set}; it cannot be expressed in {inventory.gwp_set}."
            )
        return [(total, Gas.CO2E, total.value, total.value)]
    out = []
    for row in split:
        if dataset.gases_in_co2e:
            # The publisher multiplied each gas by its own GWP set; undo that to get the mass.
            gas_kg = row.value / GWP[dataset.gwp_set][row.ghg]
        else:
            gas_kg = row.value * _mass_to_kg(row.value_unit)
        out.append((row, row.ghg, gas_kg, gas_kg * gwp[row.ghg]))
    return out


def _mass_to_kg(value_unit: str) -> Decimal:
    mass = value_unit.split()[0].lower() if value_unit else ""
    if mass not in MASS_TO_KG:
        raise _CannotConvert(f"unknown mass unit “{value_unit}”.")
    return MASS_TO_KG[mass]


def _result(
    inventory: Inventory,
    source: EmissionSource,
    total: MonthlyTotal,
    method: str,
    gas: str,
    quantity: Decimal,
    unit: str,
    factor: EmissionFactor | None,
    gas_kg_per_unit: Decimal,
    co2e_per_unit: Decimal,
    instrument: ContractualInstrument | None = None,
) -> InventoryResult:
    return InventoryResult(
        inventory=inventory,
        organisation_id=inventory.organisation_id,
        site_id=total.site_id,
        source=source,
        month=total.month,
        scope=source.scope,
        scope3_category=source.scope3_category,
        method=method,
        ghg=gas,
        activity_quantity=quantity.quantize(PLACES),
        activity_unit=unit,
        factor=factor,
        instrument=instrument,
        dataset=inventory.dataset,
        gas_kg=(quantity * gas_kg_per_unit).quantize(PLACES),
        co2e_kg=(quantity * co2e_per_unit).quantize(PLACES),
    )


class _MarketInstruments:
    """Market-based scope 2 (GHG Protocol Scope 2 Guidance): certificates and PPAs first, then
    a supplier's own rate, then the residual mix (or, when none is set, the grid factor)."""

    def __init__(self, inventory: Inventory) -> None:
        self.inventory = inventory
        self.problems: list[str] = []
        instruments = list(
            ContractualInstrument.objects.filter(
                organisation_id=inventory.organisation_id,
                start__lte=dt.date(inventory.year, 12, 31),
                end__gte=dt.date(inventory.year, 1, 1),
            ).order_by("start", "pk")
        )
        # kWh of certificates/PPAs still unused, per instrument and month (spread by days).
        self.remaining: dict[tuple[int, dt.date], Decimal] = {}
        self.instruments = instruments
        for instrument in instruments:
            if instrument.covered_kwh is None:
                continue
            days = Decimal((instrument.end - instrument.start).days + 1)
            for month in _months(instrument.start, instrument.end):
                overlap = _overlap_days(instrument.start, instrument.end, month)
                self.remaining[(instrument.pk, month)] = instrument.covered_kwh * Decimal(overlap) / days
        if inventory.residual_mix_factor is None:
            self.problems.append(
                "No residual mix factor is set: market-based scope 2 uses the grid average factor "
                "for electricity not covered by an instrument."
            )

    def _applies(self, instrument: ContractualInstrument, site_id: int, month: dt.date) -> bool:
        return (instrument.site_id in (None, site_id)) and _overlap_days(
            instrument.start, instrument.end, month
        ) > 0

    def results_for(
        self,
        source: EmissionSource,
        total: MonthlyTotal,
        quantity: Decimal,
        unit: str,
        location_rates: list[tuple[Any, str, Decimal, Decimal]],
    ) -> list[InventoryResult]:
        market = InventoryResult.Method.MARKET
        if source.scope2_basis != EmissionSource.Scope2Basis.ELECTRICITY:
            # Heat and steam: no instruments; both methods carry the same figure.
            return [
                _result(self.inventory, source, total, market, gas, quantity, unit, factor, gas_kg, co2e)
                for factor, gas, gas_kg, co2e in location_rates
            ]
        try:
            kwh = quantity * units.multiplier(unit, "kWh")
        except units.UnitError:
            self.problems.append(f"{source}: electricity in {unit} cannot be expressed in kWh.")
            return []
        results = []
        left = kwh
        for instrument in self.instruments:
            if left <= 0 or not self._applies(instrument, total.site_id, total.month):
                continue
            if instrument.covered_kwh is None:
                continue
            key = (instrument.pk, total.month)
            used = min(left, self.remaining.get(key, Decimal(0)))
            if used <= 0:
                continue
            self.remaining[key] -= used
            left -= used
            rate = instrument.emission_rate
            results.append(
                _result(
                    self.inventory, source, total, market, Gas.CO2E, used, "kWh", None, rate, rate, instrument
                )
            )
        if left > 0:
            supplier = next(
                (
                    instrument
                    for instrument in self.instruments
                    if instrument.covered_kwh is None
                    and self._applies(instrument, total.site_id, total.month)
                ),
                None,
            )
            if supplier is not None:
                rate = supplier.emission_rate
                results.append(
                    _result(
                        self.inventory,
                        source,
                        total,
                        market,
                        Gas.CO2E,
                        left,
                        "kWh",
                        None,
                        rate,
                        rate,
                        supplier,
                    )
                )
            elif self.inventory.residual_mix_factor is not None:
                rate = self.inventory.residual_mix_factor
                results.append(
                    _result(self.inventory, source, total, market, Gas.CO2E, left, "kWh", None, rate, rate)
                )
            else:
                share = left / kwh
                for factor, gas, gas_kg, co2e in location_rates:
                    results.append(
                        _result(
                            self.inventory,
                            source,
                            total,
                            market,
                            gas,
                            quantity * share,
                            unit,
                            factor,
                            gas_kg,
                            co2e,
                        )
                    )
        return results


def _months(start: dt.date, end: dt.date) -> list[dt.date]:
    months, cursor = [], start.replace(day=1)
    while cursor <= end:
        months.append(cursor)
        cursor = add_months(cursor, 1)
    return months


def _overlap_days(start: dt.date, end: dt.date, month: dt.date) -> int:
    month_end = add_months(month, 1) - dt.timedelta(days=1)
    return max(0, (min(end, month_end) - max(start, month)).days + 1)


# --- Totals ----------------------------------------------------------------------------------------


def totals(results: Any) -> dict[str, Decimal]:
    """Headline totals in kg CO2e: scope 1, scope 2 both ways, scope 3, and the two grand totals."""
    sums: defaultdict[str, Decimal] = defaultdict(Decimal)
    for scope, method, co2e in results:
        if scope == 1:
            sums["scope_1"] += co2e
        elif scope == 2:
            sums["scope_2_market" if method == InventoryResult.Method.MARKET else "scope_2_location"] += co2e
        elif scope == 3:
            sums["scope_3"] += co2e
    out = {key: sums[key] for key in ("scope_1", "scope_2_location", "scope_2_market", "scope_3")}
    out["total_location"] = out["scope_1"] + out["scope_2_location"] + out["scope_3"]
    out["total_market"] = out["scope_1"] + out["scope_2_market"] + out["scope_3"]
    return out
