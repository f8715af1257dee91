"""The inventory pages: list, create, detail with its breakdowns, settings, recalculate, close,
restate and export; every persona on every page; query counts that do not grow with the data."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from integrum.conftest import add_member, client_for, make_user
from integrum.core.models import ObjectChange, Role
from integrum.ghg import services
from integrum.ghg.models import Gas, GwpSet, Inventory, InventoryResult, Restatement
from integrum.ghg.tests.factories import DESNZ_2024_LIKE, make_dataset, make_meter
from integrum.measurement.models import Meter, MonthlyTotal

pytestmark = pytest.mark.django_db


# --- Shared set-up (the API and source tests build on these) ----------------------------------


def add_total(meter: Meter, month: str, quantity: str) -> MonthlyTotal:
    """A month's total as the reading pipeline leaves it; the calculation reads nothing else."""
    return MonthlyTotal.objects.create(
        organisation_id=meter.organisation_id,
        site_id=meter.site_id,
        meter=meter,
        month=dt.date.fromisoformat(f"{month}-01"),
        quantity=Decimal(quantity),
        reading_count=1,
    )


def build_world(organisation: Any, sites: Any) -> SimpleNamespace:
    """The three worked checks: 10,000 kWh gas and 10,000 kWh grid electricity at Birmingham,
    1,000 litres of diesel at Leeds, all in March 2024, mapped to a DESNZ-like dataset."""
    dataset = make_dataset("test-2024", factors=DESNZ_2024_LIKE)
    gas = make_meter(organisation, sites[0], "G1", Meter.Kind.GAS, "kWh")
    grid = make_meter(organisation, sites[0], "E1", Meter.Kind.ELECTRICITY, "kWh")
    diesel = make_meter(organisation, sites[1], "D1", Meter.Kind.FUEL, "litres")
    sources = [
        services.source_create(
            organisation=organisation, meter=gas, family="test", factor_key="gas", scope=1
        ),
        services.source_create(
            organisation=organisation,
            meter=grid,
            family="test",
            factor_key="grid",
            scope=2,
            scope2_basis="electricity",
        ),
        services.source_create(
            organisation=organisation, meter=diesel, family="test", factor_key="diesel", scope=1
        ),
    ]
    add_total(gas, "2024-03", "10000")
    add_total(grid, "2024-03", "10000")
    add_total(diesel, "2024-03", "1000")
    return SimpleNamespace(
        organisation=organisation,
        sites=sites,
        dataset=dataset,
        gas=gas,
        grid=grid,
        diesel=diesel,
        sources=sources,
    )


def leeds_member(organisation: Any, sites: Any, role: str = Role.VIEWER) -> Any:
    """A member limited to the Leeds depot, where only the diesel is."""
    user = make_user(f"lee.{role}@acme.test", "Lee", "Leeds")
    add_member(organisation, user, role, sites=[sites[1]])
    return user


@pytest.fixture
def world(organisation: Any, sites: Any) -> SimpleNamespace:
    return build_world(organisation, sites)


@pytest.fixture
def inventory(world: SimpleNamespace) -> Inventory:
    return services.inventory_create(organisation=world.organisation, year=2024, dataset=world.dataset)


@pytest.fixture
def leeds_viewer(organisation: Any, sites: Any) -> Any:
    return leeds_member(organisation, sites)


def url(name: str, *args: Any) -> str:
    return reverse(f"ghg:{name}", args=args)


def messages_of(response: Any) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def state(inventory: Inventory) -> tuple[Any, ...]:
    """What must not move when a step is refused."""
    inventory.refresh_from_db()
    results = sorted(InventoryResult.objects.filter(inventory=inventory).values_list("co2e_kg", flat=True))
    return (
        inventory.status,
        inventory.dataset_id,
        inventory.gwp_set,
        inventory.version,
        inventory.residual_mix_factor,
        Restatement.objects.filter(inventory=inventory).count(),
        results,
        ObjectChange.objects.count(),
    )


# --- Reading ----------------------------------------------------------------------------------


def test_a_viewer_reads_the_list_and_the_detail_with_every_breakdown(as_viewer, inventory, world):
    response = as_viewer.get(url("inventory_list"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "test-2024" in page and "4.34 t" in page and "2.07 t" in page
    assert "New inventory" not in page  # a viewer gets no button that would then refuse

    response = as_viewer.get(url("inventory_detail", inventory.pk))
    assert response.status_code == 200
    page = response.content.decode()
    breakdown = response.context["breakdown"]
    assert breakdown.totals["scope_1"] == Decimal("4.34179")
    assert breakdown.totals["scope_2_location"] == breakdown.totals["scope_2_market"] == Decimal("2.0705")
    # licence attribution shown where the factors are used, with the GWP set
    assert "Test licence" in page and "Test data." in page and "IPCC AR5" in page
    assert "Scope 2, location-based" in page and "Scope 2, market-based" in page
    assert [row["code"] for row in breakdown.by_site] == ["BHM", "LDS"]
    assert breakdown.by_site[1]["scope_1"] == Decimal("2.51279")
    march = breakdown.by_month[2]
    assert march["has_data"] and march["total_location"] == Decimal("6.41229")
    assert not breakdown.by_month[0]["has_data"] and len(breakdown.by_month) == 12
    ch4 = next(row for row in breakdown.by_gas if row["ghg"] == Gas.CH4)
    # masses: the CO2e of gas (0.1 kg) and grid (0.321429 kg) over AR5's 28; both methods alike here
    assert ch4["location_gas_kg"] == ch4["market_gas_kg"] == Decimal("0.421429")
    # per source: activity, unit, factor value and the publisher's id of the factor row
    gas_co2 = next(row for row in breakdown.by_source if row["meter"] == "G1" and row["ghg"] == Gas.CO2)
    assert (gas_co2["activity"], gas_co2["activity_unit"], gas_co2["rate"], gas_co2["factor_id"]) == (
        Decimal("10000"),
        "kWh (Gross CV)",
        Decimal("0.18253"),
        "gas:CO2",
    )
    assert "gas:CO2" in page
    # no residual mix: the problem is listed on the page
    assert "residual mix" in page


def test_a_site_limited_member_sees_only_their_sites_results(leeds_viewer, inventory):
    client = client_for(leeds_viewer)
    response = client.get(url("inventory_detail", inventory.pk))
    assert response.status_code == 200
    breakdown = response.context["breakdown"]
    assert breakdown.totals["scope_1"] == Decimal("2.51279") and breakdown.totals["scope_2_location"] == 0
    assert [row["code"] for row in breakdown.by_site] == ["LDS"]
    assert {row["meter"] for row in breakdown.by_source} == {"D1"}
    assert "only: LDS" in response.content.decode()
    listing = client.get(url("inventory_list")).content.decode()
    assert "2.51 t" in listing and "4.34 t" not in listing


def test_an_outsider_sees_nothing(as_outsider, inventory, world):
    listing = as_outsider.get(url("inventory_list"))
    assert listing.status_code == 200 and "test-2024" not in listing.content.decode()
    before = state(inventory)
    for name in (
        "inventory_detail",
        "inventory_update",
        "inventory_close",
        "inventory_restate",
        "inventory_export",
    ):
        assert as_outsider.get(url(name, inventory.pk)).status_code == 404, name
    for name in ("inventory_update", "inventory_recalculate", "inventory_close", "inventory_restate"):
        assert as_outsider.post(url(name, inventory.pk), {"reason": "x"}).status_code == 404, name
    assert state(inventory) == before


def test_the_menu_lists_the_inventory_under_check(as_viewer):
    page = as_viewer.get(url("inventory_list")).content.decode()
    assert "GHG inventory" in page and url("inventory_list") in page


def test_the_export_holds_every_result_and_the_attribution(as_viewer, inventory):
    from openpyxl import load_workbook

    response = as_viewer.get(url("inventory_export", inventory.pk))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Month" and "Factor id" in rows[0]
    data = [row for row in rows[1:] if row and isinstance(row[4], int)]
    assert len(data) == InventoryResult.objects.filter(inventory=inventory).count()
    assert sum(Decimal(str(row[15])) for row in data if row[6] != "Market-based") == Decimal("6412.29")
    flat = [cell for row in rows for cell in row if cell]
    assert "Test licence" in flat and "Test data." in flat


def test_a_site_limited_export_leaves_out_other_sites(leeds_viewer, inventory):
    from openpyxl import load_workbook

    response = client_for(leeds_viewer).get(url("inventory_export", inventory.pk))
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert {row[1] for row in rows[1:] if row and isinstance(row[4], int)} == {"LDS"}


# --- Writing ----------------------------------------------------------------------------------


def test_a_contributor_creates_an_inventory_with_the_datasets_gwp_set(as_contributor, world):
    response = as_contributor.get(url("inventory_create"))
    assert response.status_code == 200 and "test-2024" in response.content.decode()
    response = as_contributor.post(
        url("inventory_create"),
        {"year": 2024, "dataset": world.dataset.pk, "gwp_set": "", "notes": "First year", "version": 1},
    )
    assert response.status_code == 302, response.context["form"].errors
    inventory = Inventory.objects.get()
    assert response.status_code == 302 and response["Location"] == inventory.get_absolute_url()
    assert inventory.gwp_set == GwpSet.AR5 and inventory.notes == "First year"
    assert InventoryResult.objects.filter(inventory=inventory).exists()


def test_bad_inventory_input_changes_nothing(as_contributor, inventory, world):
    before = state(inventory)
    for data in (
        {"year": 2024, "dataset": world.dataset.pk},  # year taken
        {"year": 1200, "dataset": world.dataset.pk},
        {"year": 2025, "dataset": 999999},
        {"year": 2025, "dataset": world.dataset.pk, "gwp_set": "AR9"},
        {"year": 2025, "dataset": world.dataset.pk, "residual_mix_factor": "-1"},
    ):
        response = as_contributor.post(url("inventory_create"), {**data, "version": 1})
        assert response.status_code == 400, data
    assert (
        "There is already an inventory for 2024"
        in as_contributor.post(
            url("inventory_create"), {"year": 2024, "dataset": world.dataset.pk, "version": 1}
        ).content.decode()
    )
    assert Inventory.objects.count() == 1 and state(inventory) == before


def test_settings_change_an_open_inventory_and_its_results(as_contributor, inventory):
    response = as_contributor.get(url("inventory_update", inventory.pk))
    assert response.status_code == 200
    response = as_contributor.post(
        url("inventory_update", inventory.pk),
        {
            "dataset": inventory.dataset_id,
            "gwp_set": "",
            "residual_mix_factor": "0.3",
            "notes": "",
            "version": inventory.version,
        },
    )
    assert response.status_code == 302
    inventory.refresh_from_db()
    assert inventory.residual_mix_factor == Decimal("0.3")
    assert services.inventory_totals(inventory)["scope_2_market"] == Decimal("3000")
    # a stale version is refused and changes nothing
    before = state(inventory)
    response = as_contributor.post(
        url("inventory_update", inventory.pk),
        {"dataset": inventory.dataset_id, "gwp_set": "AR6", "residual_mix_factor": "0.5", "version": 1},
    )
    assert response.status_code == 400 and "changed by someone else" in response.content.decode()
    assert state(inventory) == before


def test_recalculate_picks_up_new_data_while_open(as_contributor, inventory, world):
    add_total(world.gas, "2024-04", "10000")
    response = as_contributor.post(url("inventory_recalculate", inventory.pk))
    assert response.status_code == 302
    assert services.inventory_totals(inventory)["scope_1"] == Decimal("6170.79")


def test_a_viewer_cannot_write(as_viewer, inventory, world):
    before = state(inventory)
    assert as_viewer.get(url("inventory_create")).status_code == 403
    assert (
        as_viewer.post(url("inventory_create"), {"year": 2025, "dataset": world.dataset.pk}).status_code
        == 403
    )
    assert as_viewer.get(url("inventory_update", inventory.pk)).status_code == 403
    for name in ("inventory_update", "inventory_recalculate", "inventory_close", "inventory_restate"):
        assert as_viewer.post(url(name, inventory.pk), {"reason": "x"}).status_code == 403, name
    assert state(inventory) == before and Inventory.objects.count() == 1


def test_only_managers_close_and_restate(as_contributor, inventory, world):
    before = state(inventory)
    assert as_contributor.get(url("inventory_close", inventory.pk)).status_code == 403
    assert as_contributor.post(url("inventory_close", inventory.pk)).status_code == 403
    assert (
        as_contributor.post(
            url("inventory_restate", inventory.pk), {"dataset": world.dataset.pk, "reason": "x"}
        ).status_code
        == 403
    )
    page = as_contributor.get(url("inventory_detail", inventory.pk)).content.decode()
    assert "Recalculate" in page and "Close the year" not in page
    assert state(inventory) == before


def test_a_manager_closes_after_confirming_and_restates_with_a_reason(as_manager, manager, inventory, world):
    page = as_manager.get(url("inventory_detail", inventory.pk)).content.decode()
    assert "Close the year" in page
    confirm = as_manager.get(url("inventory_close", inventory.pk))
    assert (
        confirm.status_code == 200
        and "final" in confirm.content.decode()
        and "residual mix" in confirm.content.decode()
    )
    response = as_manager.post(url("inventory_close", inventory.pk))
    assert response.status_code == 302
    inventory.refresh_from_db()
    assert inventory.status == Inventory.Status.CLOSED and inventory.closed_by == manager
    assert (
        ObjectChange.objects.for_object(inventory)
        .filter(action=ObjectChange.Action.TRANSITION, message__contains="closed")
        .exists()
    )

    # closed: no settings, no recalculation, no second close; each refused and nothing moves
    before = state(inventory)
    response = as_manager.post(url("inventory_close", inventory.pk))
    assert "already closed" in " ".join(messages_of(response))
    response = as_manager.post(url("inventory_recalculate", inventory.pk))
    assert "closed" in " ".join(messages_of(response))
    assert as_manager.get(url("inventory_update", inventory.pk)).status_code == 302
    response = as_manager.post(
        url("inventory_update", inventory.pk),
        {"dataset": inventory.dataset_id, "gwp_set": "AR6", "version": inventory.version},
    )
    assert response.status_code == 400 and "restate" in response.content.decode()
    assert as_manager.get(url("inventory_close", inventory.pk)).status_code == 302
    assert state(inventory) == before

    # restating needs a reason
    newer = make_dataset("test-2025", factors=[("gas", 1, "kWh", Gas.CO2E, "0.2", "kg CO2e")])
    form = as_manager.get(url("inventory_restate", inventory.pk))
    assert form.status_code == 200 and "test-2025" in form.content.decode()
    before = state(inventory)
    response = as_manager.post(url("inventory_restate", inventory.pk), {"dataset": newer.pk, "reason": "  "})
    assert response.status_code == 400 and state(inventory) == before
    response = as_manager.post(
        url("inventory_restate", inventory.pk),
        {"dataset": newer.pk, "gwp_set": "", "reason": "Corrected gas factor"},
    )
    assert response.status_code == 302
    inventory.refresh_from_db()
    assert inventory.dataset == newer and inventory.status == Inventory.Status.CLOSED
    page = as_manager.get(url("inventory_detail", inventory.pk)).content.decode()
    assert "Corrected gas factor" in page and "test-2025" in page
    restatement = Restatement.objects.get()
    assert Decimal(restatement.totals_before["scope_1"]) == Decimal("4341.79")
    assert Decimal(restatement.totals_after["scope_1"]) == Decimal("2000")  # only gas has a factor in 2025
    assert "has no factor “diesel”" in page


def test_an_open_inventory_is_not_restated(as_manager, inventory, world):
    before = state(inventory)
    response = as_manager.get(url("inventory_restate", inventory.pk))
    assert response.status_code == 302
    response = as_manager.post(
        url("inventory_restate", inventory.pk), {"dataset": world.dataset.pk, "reason": "x"}
    )
    assert response.status_code == 400 and "Only a closed inventory" in response.content.decode()
    assert state(inventory) == before


def test_data_changed_after_closing_is_flagged_on_the_pages(as_manager, manager, inventory, world):
    services.inventory_close(inventory, user=manager)
    services.refresh_after_readings(organisation_id=world.organisation.pk, months=[dt.date(2024, 5, 1)])
    assert "Data changed since closing" in as_manager.get(url("inventory_list")).content.decode()
    page = as_manager.get(url("inventory_detail", inventory.pk)).content.decode()
    assert "changed after the inventory was closed" in page


# --- Query counts -----------------------------------------------------------------------------


def test_the_list_costs_the_same_for_few_and_many_inventories(as_viewer, world, count_queries):
    services.inventory_create(organisation=world.organisation, year=2024, dataset=world.dataset)
    few = count_queries(lambda: as_viewer.get(url("inventory_list")))
    for year in range(2019, 2024):
        services.inventory_create(organisation=world.organisation, year=year, dataset=world.dataset)
    many = count_queries(lambda: as_viewer.get(url("inventory_list")))
    assert few == many


def test_the_detail_costs_the_same_for_few_and_many_sources_and_months(
    as_viewer, manager, world, count_queries
):
    inventory = services.inventory_create(organisation=world.organisation, year=2024, dataset=world.dataset)
    few = count_queries(lambda: as_viewer.get(url("inventory_detail", inventory.pk)))
    for number in range(6):
        meter = make_meter(world.organisation, world.sites[number % 2], f"X{number}", Meter.Kind.GAS, "kWh")
        services.source_create(
            organisation=world.organisation, meter=meter, family="test", factor_key="gas", scope=1
        )
        for month in range(1, 13):
            add_total(meter, f"2024-{month:02d}", "100")
    services.inventory_recalculate(inventory)
    services.inventory_close(inventory, user=manager)
    newer = make_dataset("test-2025", factors=DESNZ_2024_LIKE)
    services.inventory_restate(inventory, dataset=newer, reason="New edition", user=manager)
    many = count_queries(lambda: as_viewer.get(url("inventory_detail", inventory.pk)))
    assert few == many
