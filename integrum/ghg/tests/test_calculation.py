"""Inventory calculation: scopes, gases and GWP sets, market-based scope 2, restatement rules."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from integrum.core.models import ObjectChange
from integrum.ghg import services
from integrum.ghg.models import ContractualInstrument, EmissionSource, Gas, GwpSet, Inventory, InventoryResult
from integrum.ghg.tests.factories import DESNZ_2024_LIKE, add_reading, make_dataset, make_meter
from integrum.measurement.models import Meter

pytestmark = pytest.mark.django_db(transaction=True)  # readings_committed fires on commit


@pytest.fixture
def setup(organisation, sites):
    dataset = make_dataset("test-2024", factors=DESNZ_2024_LIKE)
    gas = make_meter(organisation, sites[0], "G1", Meter.Kind.GAS, "kWh")
    grid = make_meter(organisation, sites[0], "E1", Meter.Kind.ELECTRICITY, "kWh")
    diesel = make_meter(organisation, sites[1], "D1", Meter.Kind.FUEL, "litres")
    for meter, key, scope, basis in (
        (gas, "gas", 1, ""),
        (grid, "grid", 2, "electricity"),
        (diesel, "diesel", 1, ""),
    ):
        EmissionSource.objects.create(
            organisation=organisation,
            meter=meter,
            family="test",
            factor_key=key,
            scope=scope,
            scope2_basis=basis,
        )
    return dataset, gas, grid, diesel


def total(inventory, **filters):
    return sum(r.co2e_kg for r in InventoryResult.objects.filter(inventory=inventory, **filters))


def test_worked_checks_and_per_gas_results(organisation, setup):
    dataset, gas, grid, diesel = setup
    add_reading(organisation, gas, "2024-03-01", "2024-04-01", "10000")
    add_reading(organisation, grid, "2024-03-01", "2024-04-01", "10", unit="MWh")
    add_reading(organisation, diesel, "2024-03-01", "2024-04-01", "1000")
    inventory = services.inventory_create(organisation=organisation, year=2024, dataset=dataset)
    assert total(inventory, source__meter=gas) == Decimal("1829.0")
    assert total(inventory, source__meter=grid, method="location") == Decimal("2070.5")
    assert total(inventory, source__meter=diesel) == Decimal("2512.79")
    # gas is split into its three gases; CH4 mass is its CO2e over the dataset's GWP (AR5: 28)
    ch4 = InventoryResult.objects.get(inventory=inventory, source__meter=gas, ghg=Gas.CH4)
    assert (
        ch4.gas_kg == Decimal("0.100000")
        and ch4.dataset == dataset
        and ch4.factor.value == Decimal("0.00028")
    )
    totals = services.inventory_totals(inventory)
    assert totals["scope_1"] == Decimal("4341.79")
    # no residual mix and no instruments: market-based falls back to the grid factor, and says so
    assert totals["scope_2_market"] == Decimal("2070.5")
    assert "residual mix" in inventory.problems[0]


def test_other_gwp_set_recomputes_from_gas_masses_and_refuses_unsplit_factors(organisation, setup):
    dataset, gas, _grid, diesel = setup
    add_reading(organisation, gas, "2024-03-01", "2024-04-01", "10000")
    add_reading(organisation, diesel, "2024-03-01", "2024-04-01", "1000")
    inventory = services.inventory_create(
        organisation=organisation, year=2024, dataset=dataset, gwp_set=GwpSet.AR6
    )
    ch4 = InventoryResult.objects.get(inventory=inventory, ghg=Gas.CH4)
    assert ch4.co2e_kg == Decimal("2.790000")  # 0.1 kg CH4 × 27.9
    assert not InventoryResult.objects.filter(inventory=inventory, source__meter=diesel).exists()
    assert any("cannot be expressed in AR6" in problem for problem in inventory.problems)


def test_a_zero_factor_is_applied_but_flagged(organisation, sites):
    dataset = make_dataset("zero-2024", factors=[("ev", 1, "kWh", Gas.CO2E, "0", "kg CO2e")])
    meter = make_meter(organisation, sites[0], "EV1", Meter.Kind.ELECTRICITY, "kWh")
    EmissionSource.objects.create(
        organisation=organisation, meter=meter, family="zero", factor_key="ev", scope=1
    )
    add_reading(organisation, meter, "2024-03-01", "2024-04-01", "500")
    inventory = services.inventory_create(organisation=organisation, year=2024, dataset=dataset)
    assert total(inventory) == 0
    assert any("is 0 in zero-2024" in problem for problem in inventory.problems)


def test_market_based_uses_certificates_then_supplier_rate(organisation, sites, setup):
    dataset, _gas, grid, _diesel = setup
    add_reading(organisation, grid, "2024-01-01", "2024-02-01", "10000")
    ContractualInstrument.objects.create(
        organisation=organisation,
        kind="certificate",
        supplier="Green Co",
        start=date(2024, 1, 1),
        end=date(2024, 1, 31),
        emission_rate=0,
        covered_kwh=6000,
    )
    ContractualInstrument.objects.create(
        organisation=organisation,
        kind="supplier",
        supplier="Power Co",
        start=date(2024, 1, 1),
        end=date(2024, 12, 31),
        emission_rate=Decimal("0.1"),
    )
    inventory = services.inventory_create(organisation=organisation, year=2024, dataset=dataset)
    assert total(inventory, method="market") == Decimal("400")  # 4,000 uncovered kWh × 0.1
    assert total(inventory, method="location") == Decimal("2070.5")


def test_readings_follow_into_open_inventories_but_not_closed_ones(organisation, admin_user, setup):
    dataset, gas, _grid, _diesel = setup
    add_reading(organisation, gas, "2024-03-01", "2024-04-01", "10000")
    inventory = services.inventory_create(organisation=organisation, year=2024, dataset=dataset)
    add_reading(organisation, gas, "2024-04-01", "2024-05-01", "10000")
    assert total(inventory) == Decimal("3658.0")
    services.inventory_close(inventory, user=admin_user)
    add_reading(organisation, gas, "2024-05-01", "2024-06-01", "10000")
    inventory.refresh_from_db()
    assert total(inventory) == Decimal("3658.0") and inventory.changed_since_close
    with pytest.raises(ValidationError):
        services.inventory_recalculate(inventory)
    with pytest.raises(ValidationError):
        services.inventory_update(inventory, gwp_set=GwpSet.AR6)


def test_restatement_is_explicit_and_logged(organisation, admin_user, setup):
    dataset, gas, _grid, _diesel = setup
    newer = make_dataset("test-2025", factors=[("gas", 1, "kWh", Gas.CO2E, "0.2", "kg CO2e")])
    add_reading(organisation, gas, "2024-03-01", "2024-04-01", "10000")
    inventory = services.inventory_create(organisation=organisation, year=2024, dataset=dataset)
    services.inventory_close(inventory, user=admin_user)
    with pytest.raises(ValidationError):
        services.inventory_restate(inventory, dataset=newer, reason=" ", user=admin_user)
    restatement = services.inventory_restate(
        inventory, dataset=newer, reason="Corrected factor", user=admin_user
    )
    assert Decimal(restatement.totals_before["scope_1"]) == Decimal("1829")
    assert Decimal(restatement.totals_after["scope_1"]) == Decimal("2000")
    assert InventoryResult.objects.filter(inventory=inventory).get().dataset == newer
    inventory.refresh_from_db()
    assert inventory.status == Inventory.Status.CLOSED and inventory.dataset == newer
    assert (
        ObjectChange.objects.for_object(inventory)
        .filter(action=ObjectChange.Action.TRANSITION, message__startswith="Restated from test-2024")
        .exists()
    )


@pytest.fixture
def desnz_2024(db):
    from integrum.ghg.factors import dataset_import
    from integrum.ghg.tests.test_factors import FLAT_2024

    return dataset_import(name=FLAT_2024.name, data=FLAT_2024.read_bytes())


def test_the_2024_worked_checks_on_the_official_flat_file(organisation, sites, desnz_2024):
    """10,000 kWh of gas → 1,829.0 kg; 10,000 kWh of UK grid electricity → 2,070.5 kg;
    1,000 litres of diesel → 2,512.79 kg CO2e (DESNZ 2024 v1.1)."""
    checks = [
        ("G1", Meter.Kind.GAS, "kWh", "1_100_1004_6", 1, "", "10000", Decimal("1829.0")),
        ("E1", Meter.Kind.ELECTRICITY, "kWh", "7_400_4000_5", 2, "electricity", "10000", Decimal("2070.5")),
        ("D1", Meter.Kind.FUEL, "litres", "1_101_1011_8", 1, "", "1000", Decimal("2512.79")),
    ]
    for code, kind, unit, key, scope, basis, amount, _ in checks:
        meter = make_meter(organisation, sites[0], code, kind, unit)
        EmissionSource.objects.create(
            organisation=organisation,
            meter=meter,
            family="desnz",
            factor_key=key,
            scope=scope,
            scope2_basis=basis,
        )
        add_reading(organisation, meter, "2024-05-01", "2024-06-01", amount)
    inventory = services.inventory_create(organisation=organisation, year=2024, dataset=desnz_2024)
    for code, *_, expected in checks:
        assert total(inventory, source__meter__code=code, method__in=["", "location"]) == expected, code
    # The gas split is recorded per gas, each with the publisher's factor identifier.
    gases = InventoryResult.objects.filter(inventory=inventory, source__meter__code="G1")
    assert {(r.ghg, r.factor.external_id) for r in gases} == {
        (Gas.CO2, "1_100_1004_6_2"),
        (Gas.CH4, "1_100_1004_6_3"),
        (Gas.N2O, "1_100_1004_6_4"),
    }
