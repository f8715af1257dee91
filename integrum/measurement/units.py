"""Units of measure for environmental data, through pint: one registry, no hand-written factors.

People and publishers spell units many ways ("litres", "cubic metres", "kWh (Gross CV)",
"mmBtu"); `parse_unit` accepts those spellings, refuses anything it cannot place, and returns the
canonical pint unit. Conversions between two units are worked out once and cached, so converting
a million readings costs one multiplication each.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache

import pint

registry: pint.UnitRegistry = pint.UnitRegistry(non_int_type=Decimal)
# Energy units of the fuel and gas trade that pint does not define.
registry.define("mmBtu = 1e6 * british_thermal_unit = MMBtu")
registry.define("standard_cubic_foot = foot ** 3 = scf")

# Spellings found in invoices and factor files → a pint expression.
_SPELLINGS = {
    "m3": "m**3",
    "m³": "m**3",
    "cubic metre": "m**3",
    "cubic metres": "m**3",
    "cubic meter": "m**3",
    "cubic meters": "m**3",
    "l": "litre",
    "litres": "litre",
    "liters": "litre",
    "million litres": "megalitre",
    "ml": "megalitre",  # the water trade's Ml (megalitre), never millilitre here
    "t": "tonne",
    "tonnes": "tonne",
    "tons": "tonne",
    "metric tons": "tonne",
    "short ton": "short_ton",
    "short tons": "short_ton",
    "gallons": "gallon",
    "us gallon": "gallon",
    "kwh": "kWh",
    "mwh": "MWh",
    "gwh": "GWh",
    "gj": "GJ",
    "mj": "MJ",
    "therms": "therm",
    "mmbtu": "mmBtu",
}
# Calorific-value qualifiers ("kWh (Gross CV)") say how an energy figure was derived; the
# quantity is still energy, so the qualifier is dropped for conversion.
_QUALIFIER = re.compile(r"\s*\((gross|net)\s*cv\)\s*$|\s*\((gross|net)\)\s*$", re.IGNORECASE)

ENERGY = registry.parse_units("kWh").dimensionality
VOLUME = registry.parse_units("m**3").dimensionality
MASS = registry.parse_units("kg").dimensionality

DIMENSION_NAMES = {ENERGY: "energy", VOLUME: "volume", MASS: "mass"}


class UnitError(ValueError):
    """A unit we cannot read or cannot convert; the message is meant for the user."""


@lru_cache(maxsize=512)
def parse_unit(text: str) -> pint.Unit:
    cleaned = _QUALIFIER.sub("", (text or "").strip())
    if not cleaned:
        raise UnitError("A unit is required.")
    expression = _SPELLINGS.get(cleaned.lower(), cleaned)
    try:
        unit = registry.parse_units(expression)
    except Exception as error:  # pint's parser fails in many ways on bad text (even AssertionError)
        raise UnitError(
            f"“{text}” is not a unit we know (try kWh, MWh, GJ, m³, litres, kg or tonnes)."
        ) from error
    if unit.dimensionless:
        raise UnitError(f"“{text}” is not a unit of a physical quantity.")
    return unit


def is_valid(text: str) -> bool:
    try:
        parse_unit(text)
    except UnitError:
        return False
    return True


def dimension_name(text: str) -> str:
    """'energy', 'volume', 'mass' or the pint dimensionality for anything else."""
    dimensionality = parse_unit(text).dimensionality
    return DIMENSION_NAMES.get(dimensionality, str(dimensionality))


@lru_cache(maxsize=1024)
def multiplier(from_unit: str, to_unit: str) -> Decimal:
    """How many `to_unit` make one `from_unit`; refuses incompatible units."""
    source, target = parse_unit(from_unit), parse_unit(to_unit)
    if source.dimensionality != target.dimensionality:
        raise UnitError(
            f"Cannot convert {from_unit} ({dimension_name(from_unit)}) to {to_unit} ({dimension_name(to_unit)})."
        )
    factor = registry.Quantity(Decimal(1), source).to(target).magnitude
    return Decimal(factor)


def convert(value: Decimal, from_unit: str, to_unit: str) -> Decimal:
    if from_unit == to_unit:
        return value
    return value * multiplier(from_unit, to_unit)
