"""`/api/v1/ghg-inventories/`: reading with totals, creating, changing open inventories, the life
cycle actions and every refused transition, the filtered results, and every persona."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest

from integrum.core.models import ObjectChange
from integrum.core.tests.test_api import api_client, error_of
from integrum.ghg import services
from integrum.ghg.models import Gas, GwpSet, Inventory, InventoryResult
from integrum.ghg.tests.factories import make_dataset, make_meter
from integrum.ghg.tests.test_inventory_pages import add_total, build_world, leeds_member, state
from integrum.measurement.models import Meter

pytestmark = pytest.mark.django_db

API = "/api/v1/ghg-inventories"


@pytest.fixture
def world(organisation: Any, sites: Any) -> SimpleNamespace:
    return build_world(organisation, sites)


@pytest.fixture
def inventory(world: SimpleNamespace) -> Inventory:
    return services.inventory_create(organisation=world.organisation, year=2024, dataset=world.dataset)


@pytest.fixture
def leeds_viewer(organisation: Any, sites: Any) -> Any:
    return leeds_member(organisation, sites)


def detail(inventory: Inventory, action: str = "") -> str:
    return f"{API}/{inventory.pk}/{action + '/' if action else ''}"


def test_a_viewer_lists_and_reads_with_totals_and_the_dataset(viewer, inventory):
    client = api_client(viewer)
    body = client.get(f"{API}/").json()
    assert body["count"] == 1
    row = body["results"][0]
    assert (row["year"], row["dataset_identifier"], row["gwp_set"], row["status"]) == (
        2024,
        "test-2024",
        "AR5",
        "open",
    )
    assert Decimal(row["totals"]["scope_1"]) == Decimal("4341.79")
    assert (
        Decimal(row["totals"]["scope_2_location"])
        == Decimal(row["totals"]["scope_2_market"])
        == Decimal("2070.5")
    )
    assert row["dataset_attribution"] == "Test data." and row["dataset_licence"] == "Test licence"
    assert any("residual mix" in problem for problem in row["problems"])
    single = client.get(detail(inventory)).json()
    assert single["totals"] == row["totals"]
    assert client.get(f"{API}/", {"status": "closed"}).json()["count"] == 0
    assert client.get(f"{API}/", {"year": 2024}).json()["count"] == 1
    error_of(client.get(f"{API}/", {"year": "12345678901234567890"}), 400)


def test_results_are_paginated_and_filtered(viewer, inventory, world):
    client = api_client(viewer)
    body = client.get(detail(inventory, "results"), {"page_size": 5}).json()
    assert (
        body["count"] == InventoryResult.objects.filter(inventory=inventory).count()
        and len(body["results"]) == 5
    )
    market = client.get(detail(inventory, "results"), {"method": "market"}).json()["results"]
    assert market and all(row["method"] == "market" and row["scope"] == 2 for row in market)
    gas = client.get(detail(inventory, "results"), {"ghg": Gas.CH4, "scope": 1}).json()["results"]
    assert [row["factor_external_id"] for row in gas] == ["gas:CH4"]
    assert gas[0]["dataset_identifier"] == "test-2024" and Decimal(gas[0]["gas_kg"]) == Decimal("0.1")
    leeds = client.get(detail(inventory, "results"), {"site": world.sites[1].pk, "month": "2024-03"}).json()
    assert {row["site_code"] for row in leeds["results"]} == {"LDS"} and leeds["count"] == 1
    assert client.get(detail(inventory, "results"), {"month": "2024-04"}).json()["count"] == 0
    not_scope_2 = client.get(detail(inventory, "results"), {"method": "none"}).json()["results"]
    assert {row["scope"] for row in not_scope_2} == {1}
    for bad in ({"month": "March"}, {"scope": 9}, {"method": "both"}, {"page": 99}):
        error_of(client.get(detail(inventory, "results"), bad), 400)


def test_a_site_limited_member_gets_their_sites_figures(leeds_viewer, inventory):
    client = api_client(leeds_viewer)
    row = client.get(f"{API}/").json()["results"][0]
    assert (
        Decimal(row["totals"]["scope_1"]) == Decimal("2512.79")
        and Decimal(row["totals"]["scope_2_location"]) == 0
    )
    results = client.get(detail(inventory, "results")).json()["results"]
    assert {row["site_code"] for row in results} == {"LDS"}


def test_an_outsider_gets_404_and_changes_nothing(outsider, inventory, world):
    client = api_client(outsider)
    assert client.get(f"{API}/").json()["results"] == []
    before = state(inventory)
    error_of(client.get(detail(inventory)), 404)
    error_of(client.get(detail(inventory, "results")), 404)
    error_of(
        client.patch(detail(inventory), {"notes": "x", "version": inventory.version}, format="json"), 404
    )
    for action in ("recalculate", "close", "restate"):
        error_of(
            client.post(
                detail(inventory, action), {"dataset": world.dataset.pk, "reason": "x"}, format="json"
            ),
            404,
        )
    error_of(
        client.post(
            f"{API}/",
            {"organisation": world.organisation.pk, "year": 2025, "dataset": world.dataset.pk},
            format="json",
        ),
        400,
    )
    assert state(inventory) == before and Inventory.objects.count() == 1


def test_a_viewer_cannot_write(viewer, organisation, inventory, world):
    client = api_client(viewer)
    before = state(inventory)
    error_of(
        client.post(
            f"{API}/",
            {"organisation": organisation.pk, "year": 2025, "dataset": world.dataset.pk},
            format="json",
        ),
        403,
    )
    error_of(
        client.patch(detail(inventory), {"notes": "x", "version": inventory.version}, format="json"), 403
    )
    for action in ("recalculate", "close", "restate"):
        error_of(
            client.post(
                detail(inventory, action), {"dataset": world.dataset.pk, "reason": "x"}, format="json"
            ),
            403,
        )
    assert state(inventory) == before and Inventory.objects.count() == 1


def test_a_contributor_creates_changes_and_recalculates_but_neither_closes_nor_restates(
    contributor, organisation, inventory, world
):
    client = api_client(contributor)
    response = client.post(
        f"{API}/",
        {"organisation": organisation.pk, "year": 2023, "dataset": world.dataset.pk, "gwp_set": "AR6"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["gwp_set"] == "AR6" and response.json()["status"] == "open"
    count = Inventory.objects.count()
    for bad in (
        {"year": 2024},  # taken
        {"year": 1800},
        {"year": 2022, "dataset": 999999},
        {"year": 2022, "gwp_set": "AR9"},
        {"year": 2022, "residual_mix_factor": "-0.1"},
    ):
        data = {"organisation": organisation.pk, "dataset": world.dataset.pk, **bad}
        assert error_of(client.post(f"{API}/", data, format="json"), 400)["fields"], bad
    assert Inventory.objects.count() == count

    response = client.patch(
        detail(inventory),
        {"residual_mix_factor": "0.3", "gwp_set": "", "version": inventory.version},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert Decimal(response.json()["totals"]["scope_2_market"]) == Decimal("3000")
    assert response.json()["gwp_set"] == GwpSet.AR5
    error_of(client.patch(detail(inventory), {"notes": "stale", "version": 1}, format="json"), 409)

    add_total(world.gas, "2024-05", "10000")
    response = client.post(detail(inventory, "recalculate"))
    assert response.status_code == 200 and Decimal(response.json()["totals"]["scope_1"]) == Decimal("6170.79")

    before = state(inventory)
    error_of(client.post(detail(inventory, "close")), 403)
    error_of(
        client.post(
            detail(inventory, "restate"), {"dataset": world.dataset.pk, "reason": "x"}, format="json"
        ),
        403,
    )
    assert state(inventory) == before


def test_every_illegal_transition_is_a_400_that_changes_nothing(manager, inventory, world):
    client = api_client(manager)
    before = state(inventory)
    error = error_of(
        client.post(
            detail(inventory, "restate"), {"dataset": world.dataset.pk, "reason": "x"}, format="json"
        ),
        400,
    )
    assert "Only a closed inventory" in error["message"]
    assert state(inventory) == before

    response = client.post(detail(inventory, "close"))
    assert response.status_code == 200 and response.json()["status"] == "closed"
    assert (
        ObjectChange.objects.for_object(inventory)
        .filter(action=ObjectChange.Action.TRANSITION, message__contains="closed")
        .exists()
    )
    closed = state(inventory)
    assert "already closed" in error_of(client.post(detail(inventory, "close")), 400)["message"]
    assert "closed" in error_of(client.post(detail(inventory, "recalculate")), 400)["message"]
    inventory.refresh_from_db()
    error = error_of(
        client.patch(detail(inventory), {"notes": "late", "version": inventory.version}, format="json"), 400
    )
    assert "restate it" in error["message"]
    assert (
        "reason"
        in error_of(
            client.post(
                detail(inventory, "restate"), {"dataset": world.dataset.pk, "reason": " "}, format="json"
            ),
            400,
        )["fields"]
    )
    error_of(
        client.post(detail(inventory, "restate"), {"dataset": 999999, "reason": "x"}, format="json"), 400
    )
    assert state(inventory) == closed


def test_a_manager_restates_a_closed_inventory(manager, inventory, world):
    client = api_client(manager)
    client.post(detail(inventory, "close"))
    newer = make_dataset("test-2025", factors=[("gas", 1, "kWh", Gas.CO2E, "0.2", "kg CO2e")])
    response = client.post(
        detail(inventory, "restate"),
        {"dataset": newer.pk, "gwp_set": "", "reason": "Corrected factor"},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "closed" and body["dataset_identifier"] == "test-2025"
    [restatement] = body["restatements"]
    assert (restatement["previous_dataset_identifier"], restatement["new_dataset_identifier"]) == (
        "test-2024",
        "test-2025",
    )
    assert Decimal(restatement["totals_before"]["scope_1"]) == Decimal("4341.79")
    assert Decimal(restatement["totals_after"]["scope_1"]) == Decimal("2000")
    assert restatement["reason"] == "Corrected factor"
    assert (
        ObjectChange.objects.for_object(inventory)
        .filter(action=ObjectChange.Action.TRANSITION, message__startswith="Restated")
        .exists()
    )


def test_the_list_costs_the_same_for_few_and_many_inventories(viewer, manager, world, count_queries):
    client = api_client(viewer)
    first = services.inventory_create(organisation=world.organisation, year=2024, dataset=world.dataset)
    few = count_queries(lambda: client.get(f"{API}/"))
    services.inventory_close(first, user=manager)
    services.inventory_restate(first, dataset=world.dataset, reason="Late invoices", user=manager)
    for year in range(2019, 2024):
        services.inventory_create(organisation=world.organisation, year=year, dataset=world.dataset)
    meter = make_meter(world.organisation, world.sites[0], "X1", Meter.Kind.GAS, "kWh")
    services.source_create(
        organisation=world.organisation, meter=meter, family="test", factor_key="gas", scope=1
    )
    for month in range(1, 13):
        add_total(meter, f"2023-{month:02d}", "100")
    many = count_queries(lambda: client.get(f"{API}/"))
    assert few == many
