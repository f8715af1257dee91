"""Units through pint: spellings, conversions both ways, refusals (property-based)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from integrum.measurement import units

amounts = st.decimals(min_value=Decimal("0.001"), max_value=Decimal("1e9"), places=3, allow_nan=False)

EQUIVALENTS = [
    ("MWh", "kWh", Decimal(1000)),
    ("GJ", "kWh", Decimal(1000) / Decimal("3.6")),
    ("MWh", "GJ", Decimal("3.6")),
    ("m³", "litres", Decimal(1000)),
    ("tonnes", "kg", Decimal(1000)),
    ("Ml", "m3", Decimal(1000)),
    ("kWh (Gross CV)", "kWh", Decimal(1)),
]


@pytest.mark.parametrize(("source", "target", "factor"), EQUIVALENTS)
def test_it_knows_the_factors_of_the_trade(source, target, factor):
    assert abs(units.multiplier(source, target) - factor) < Decimal("1e-12") * factor


@given(amount=amounts, pair=st.sampled_from(EQUIVALENTS))
@settings(max_examples=200, deadline=None)
def test_a_conversion_and_back_gives_the_amount_again(amount, pair):
    source, target, _ = pair
    there = units.convert(amount, source, target)
    back = units.convert(there, target, source)
    assert abs(back - amount) <= amount * Decimal("1e-20") + Decimal("1e-20")


@given(amount=amounts)
@settings(max_examples=100, deadline=None)
def test_mwh_kwh_and_gj_agree(amount):
    via_gj = units.convert(units.convert(amount, "MWh", "GJ"), "GJ", "kWh")
    direct = units.convert(amount, "MWh", "kWh")
    assert direct == amount * 1000
    assert abs(via_gj - direct) <= direct * Decimal("1e-20")


@given(amount=amounts)
@settings(max_examples=100, deadline=None)
def test_litres_and_cubic_metres_and_tonnes_and_kilograms(amount):
    assert units.convert(amount, "litres", "m³") * 1000 == amount
    assert units.convert(amount, "t", "kg") == amount * 1000


@given(
    pair=st.sampled_from(
        [("kWh", "m³"), ("kg", "kWh"), ("litres", "tonnes"), ("GJ", "kg"), ("m3", "MWh"), ("t", "l")]
    )
)
@settings(max_examples=30, deadline=None)
def test_incompatible_dimensions_are_refused(pair):
    source, target = pair
    with pytest.raises(units.UnitError, match="Cannot convert"):
        units.convert(Decimal(1), source, target)


@given(text=st.text(alphabet="qwxzjQWXZJ", min_size=3, max_size=12))
@settings(max_examples=100, deadline=None)
def test_unknown_units_are_refused(text):
    with pytest.raises(units.UnitError):
        units.parse_unit(f"{text}furlong")
    assert not units.is_valid(f"{text}furlong")


@pytest.mark.parametrize("text", ["", "  ", "percent", "kWh/", "(kWh", "1/0", "%", "2 kWh"])
def test_blank_dimensionless_and_nonsense_units_are_refused(text):
    assert not units.is_valid(text)


@given(text=st.text(max_size=20))
@settings(max_examples=300, deadline=None)
def test_any_text_is_either_a_unit_or_refused_with_a_message(text):
    try:
        units.parse_unit(text)
    except units.UnitError as error:
        assert str(error)


@pytest.mark.parametrize(
    ("text", "dimension"),
    [
        ("kWh", "energy"),
        ("therms", "energy"),
        ("mmBtu", "energy"),
        ("m³", "volume"),
        ("litres", "volume"),
        ("tonnes", "mass"),
    ],
)
def test_it_names_the_dimension(text, dimension):
    assert units.dimension_name(text) == dimension
