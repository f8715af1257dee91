"""Emission sources and contractual instruments: the services' rules, the pages (with the factor
picker) and the `emission-sources/` and `contractual-instruments/` endpoints."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from integrum.conftest import client_for
from integrum.core.models import ObjectChange, Role
from integrum.core.tests.test_api import api_client, error_of
from integrum.ghg import services
from integrum.ghg.models import ContractualInstrument, EmissionSource, Gas, Inventory
from integrum.ghg.tests.factories import make_dataset, make_meter
from integrum.ghg.tests.test_inventory_pages import add_total, build_world, leeds_member
from integrum.measurement.models import Meter

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.fixture
def world(organisation: Any, sites: Any) -> SimpleNamespace:
    return build_world(organisation, sites)


@pytest.fixture
def inventory(world: SimpleNamespace) -> Inventory:
    return services.inventory_create(organisation=world.organisation, year=2024, dataset=world.dataset)


def url(name: str, *args: Any) -> str:
    return reverse(f"ghg:{name}", args=args)


def without_tokens(response: Any) -> str:
    """The page without its random CSRF tokens, which can contain a two-character meter code."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())


@pytest.fixture
def water(organisation, sites):
    return make_meter(organisation, sites[0], "W1", Meter.Kind.WATER, "m3")


@pytest.fixture
def heat(organisation, sites):
    return make_meter(organisation, sites[1], "H1", Meter.Kind.HEAT, "kWh")


@pytest.fixture
def leeds_contributor(organisation, sites):
    return leeds_member(organisation, sites, Role.CONTRIBUTOR)


def errors_of(call: Any) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value.message_dict


def market_total(inventory: Inventory) -> Decimal:
    return services.inventory_totals(inventory)["scope_2_market"]


# --- Source rules -----------------------------------------------------------------------------


def test_a_source_needs_a_known_factor_that_fits_the_meters_unit(organisation, world, water):
    def create(**overrides: Any) -> Any:
        fields = {
            "organisation": organisation,
            "meter": world.gas,
            "family": "test",
            "factor_key": "gas",
            "scope": 1,
        }
        return lambda: services.source_create(**{**fields, **overrides})

    assert "family" in errors_of(create(family="nope"))
    assert (
        "No dataset of the test family has a factor “coal”"
        in errors_of(create(factor_key="coal"))["factor_key"][0]
    )
    assert "Cannot convert m3" in errors_of(create(meter=water, factor_key="gas"))["factor_key"][0]
    assert "already mapped" in errors_of(create())["factor_key"][0]
    assert EmissionSource.objects.count() == 3


def test_scope_2_basis_and_scope_3_category_go_with_their_scope(organisation, world, heat):
    make_dataset(
        "cat-2024",
        factors=[
            ("travel", 3, "kWh", Gas.CO2E, "0.1", "kg CO2e"),
            ("heat", 2, "kWh", Gas.CO2E, "0.17965", "kg CO2e"),
        ],
    )

    def create(**fields: Any) -> Any:
        return lambda: services.source_create(organisation=organisation, meter=heat, family="cat", **fields)

    assert "scope2_basis" in errors_of(create(factor_key="heat", scope=2))
    assert (
        "Only scope 2"
        in errors_of(create(factor_key="heat", scope=1, scope2_basis="heat"))["scope2_basis"][0]
    )
    assert "scope3_category" in errors_of(create(factor_key="travel", scope=3))
    assert (
        "Only scope 3"
        in errors_of(create(factor_key="heat", scope=1, scope3_category=6))["scope3_category"][0]
    )
    assert "scope" in errors_of(create(factor_key="heat", scope=7))
    source = services.source_create(
        organisation=organisation, meter=heat, family="cat", factor_key="travel", scope=3, scope3_category=6
    )
    assert source.scope3_category == 6
    assert (
        services.source_create(
            organisation=organisation,
            meter=heat,
            family="cat",
            factor_key="heat",
            scope=2,
            scope2_basis="heat",
        ).scope2_basis
        == "heat"
    )


def test_a_source_takes_meters_of_the_organisation_and_of_the_users_sites(
    organisation, world, other_organisation, leeds_contributor
):
    from integrum.core.models import Site

    elsewhere = Site.objects.create(organisation=other_organisation, name="Far", code="FAR")
    foreign = make_meter(other_organisation, elsewhere, "F1", Meter.Kind.GAS, "kWh")
    assert "meter" in errors_of(
        lambda: services.source_create(
            organisation=organisation, meter=foreign, family="test", factor_key="gas", scope=1
        )
    )
    birmingham = make_meter(organisation, world.sites[0], "G2", Meter.Kind.GAS, "kWh")
    assert (
        "sites you work at"
        in errors_of(
            lambda: services.source_create(
                organisation=organisation,
                meter=birmingham,
                family="test",
                factor_key="gas",
                scope=1,
                user=leeds_contributor,
            )
        )["meter"][0]
    )
    assert (
        "sites you work at"
        in errors_of(lambda: services.source_delete(source=world.sources[0], user=leeds_contributor))[
            "meter"
        ][0]
    )
    assert EmissionSource.objects.count() == 3


def test_source_changes_follow_into_open_inventories_only(organisation, world, inventory, manager):
    closed = services.inventory_create(organisation=organisation, year=2023, dataset=world.dataset)
    add_total(world.gas, "2023-06", "10000")
    services.inventory_recalculate(closed)
    services.inventory_close(closed, user=manager)
    closed_before = services.inventory_totals(closed)
    assert services.inventory_totals(inventory)["scope_1"] == Decimal("4341.79")
    services.source_delete(source=world.sources[2])  # the diesel
    assert services.inventory_totals(inventory)["scope_1"] == Decimal("1829")
    gas = world.sources[0]
    services.source_update(source=gas, version=gas.version, label="Boiler house")
    assert services.inventory_totals(closed) == closed_before


# --- Instrument rules -------------------------------------------------------------------------


def instrument(organisation: Any, **overrides: Any) -> dict[str, Any]:
    fields = {
        "organisation": organisation,
        "kind": "certificate",
        "supplier": "Green Co",
        "start": dt.date(2024, 3, 1),
        "end": dt.date(2024, 3, 31),
        "emission_rate": Decimal(0),
        "covered_kwh": Decimal(6000),
    }
    return {**fields, **overrides}


def test_instrument_rules(organisation, world, other_organisation, leeds_contributor):
    from integrum.core.models import Site

    far = Site.objects.create(organisation=other_organisation, name="Far", code="FAR")
    for overrides, field in (
        ({"end": dt.date(2024, 2, 1)}, "end"),
        ({"emission_rate": Decimal("-0.1")}, "emission_rate"),
        ({"covered_kwh": None}, "covered_kwh"),
        ({"covered_kwh": Decimal(0)}, "covered_kwh"),
        ({"kind": "ppa", "covered_kwh": None}, "covered_kwh"),
        ({"kind": "supplier", "covered_kwh": Decimal(5)}, "covered_kwh"),
        ({"kind": "barter"}, "kind"),
        ({"site": far}, "site"),
        ({"supplier": ""}, "supplier"),
    ):
        fields = instrument(organisation, **overrides)
        assert field in errors_of(lambda fields=fields: services.instrument_create(**fields)), overrides
    # a member of one site records instruments for that site only
    assert "site" in errors_of(
        lambda: services.instrument_create(**instrument(organisation), user=leeds_contributor)
    )
    assert (
        services.instrument_create(
            **instrument(organisation, site=world.sites[1]), user=leeds_contributor
        ).site
        == world.sites[1]
    )
    assert ContractualInstrument.objects.count() == 1


def test_instruments_change_the_market_based_figure_of_open_inventories(organisation, world, inventory):
    assert market_total(inventory) == Decimal("2070.5")
    certificate = services.instrument_create(**instrument(organisation))
    assert market_total(inventory) == Decimal("4000") * Decimal("0.20705")  # 6,000 of 10,000 kWh covered
    services.instrument_update(
        instrument=certificate, version=certificate.version, covered_kwh=Decimal(10000)
    )
    assert market_total(inventory) == 0
    assert services.inventory_totals(inventory)["scope_2_location"] == Decimal("2070.5")  # never reduced
    services.instrument_delete(instrument=certificate)
    assert market_total(inventory) == Decimal("2070.5")


# --- Pages ------------------------------------------------------------------------------------


def test_the_factor_picker_searches_the_latest_dataset_and_shows_its_attribution(as_contributor, world):
    make_dataset("test-2025", factors=[("gas", 1, "kWh (Gross CV)", Gas.CO2E, "0.18", "kg CO2e")])
    response = as_contributor.get(url("source_create"), {"family": "test", "words": "gas kwh"})
    assert response.status_code == 200
    factors = response.context["factors"]
    assert [entry["key"] for entry in factors] == ["gas"]
    assert response.context["picker_dataset"].identifier == "test-2025"
    page = response.content.decode()
    assert "Test data." in page and "Test licence" in page and "0.18 kg CO2e" in page
    # the htmx fragment holds the same list alone; "Use" reopens the form with the factor chosen
    fragment = as_contributor.get(
        url("factor_picker"), {"family": "test", "words": "grid"}, HTTP_HX_REQUEST="true"
    )
    assert fragment.status_code == 200 and "<html" not in fragment.content.decode()
    assert "No factor of this dataset matches" in fragment.content.decode()  # grid is not in the 2025 edition
    fragment = as_contributor.get(
        url("factor_picker"), {"family": "test", "words": "GROSS"}, HTTP_HX_REQUEST="true"
    )
    assert [entry["key"] for entry in fragment.context["factors"]] == ["gas"]
    use = fragment.context["factors"][0]["use_url"]
    form = as_contributor.get(use).context["form"]
    assert (form["family"].value(), form["factor_key"].value(), str(form["scope"].value())) == (
        "test",
        "gas",
        "1",
    )


def test_a_contributor_maps_edits_and_deletes_a_source_on_the_pages(as_contributor, world, inventory, heat):
    make_dataset("heat-2024", factors=[("district", 2, "kWh", Gas.CO2E, "0.17965", "kg CO2e")])
    response = as_contributor.post(
        url("source_create"),
        {
            "meter": heat.pk,
            "family": "heat",
            "factor_key": "district",
            "scope": 2,
            "scope2_basis": "heat",
            "label": "",
            "version": 1,
        },
    )
    assert response.status_code == 302
    source = EmissionSource.objects.get(meter=heat)
    listing = as_contributor.get(url("source_list")).content.decode()
    assert "district" in listing and "H1" in listing
    response = as_contributor.post(
        url("source_update", source.pk),
        {
            "meter": heat.pk,
            "family": "heat",
            "factor_key": "district",
            "scope": 2,
            "scope2_basis": "heat",
            "label": "District heat",
            "version": source.version,
        },
    )
    assert response.status_code == 302
    source.refresh_from_db()
    assert source.label == "District heat"
    response = as_contributor.post(url("source_delete", source.pk))
    assert response.status_code == 302 and not EmissionSource.objects.filter(pk=source.pk).exists()


def test_bad_source_input_on_the_page_changes_nothing(as_contributor, world, water, organisation, sites):
    grid = make_meter(organisation, sites[1], "E2", Meter.Kind.ELECTRICITY, "MWh")
    before = (EmissionSource.objects.count(), ObjectChange.objects.count())
    for data, message in (
        ({"meter": water.pk, "family": "test", "factor_key": "gas", "scope": 1}, "Cannot convert m3"),
        ({"meter": grid.pk, "family": "test", "factor_key": "nope", "scope": 2}, "has a factor “nope”"),
        ({"meter": grid.pk, "family": "test", "factor_key": "grid", "scope": 2}, "purchased electricity or"),
        (
            {"meter": grid.pk, "family": "test", "factor_key": "grid", "scope": 1, "scope3_category": 4},
            "Only scope 3",
        ),
        ({"meter": world.gas.pk, "family": "test", "factor_key": "gas", "scope": 1}, "already mapped"),
    ):
        response = as_contributor.post(url("source_create"), {**data, "version": 1})
        assert response.status_code == 400 and message in response.content.decode(), data
    assert (EmissionSource.objects.count(), ObjectChange.objects.count()) == before


def test_a_contributor_records_and_edits_an_instrument_on_the_pages(as_contributor, world, inventory):
    response = as_contributor.post(
        url("instrument_create"),
        {
            "kind": "supplier",
            "site": "",
            "supplier": "Power Co",
            "reference": "C-1",
            "start": "2024-01-01",
            "end": "2024-12-31",
            "emission_rate": "0.1",
            "covered_kwh": "",
            "version": 1,
        },
    )
    assert response.status_code == 302
    assert market_total(inventory) == Decimal("1000")
    instrument_record = ContractualInstrument.objects.get()
    assert "Power Co" in as_contributor.get(url("instrument_list")).content.decode()
    before = (ContractualInstrument.objects.get().version, ObjectChange.objects.count())
    response = as_contributor.post(
        url("instrument_update", instrument_record.pk),
        {
            "kind": "supplier",
            "supplier": "Power Co",
            "start": "2024-12-31",
            "end": "2024-01-01",
            "emission_rate": "0.1",
            "version": instrument_record.version,
        },
    )
    assert response.status_code == 400 and "The end cannot be before the start" in response.content.decode()
    assert (ContractualInstrument.objects.get().version, ObjectChange.objects.count()) == before
    assert as_contributor.post(url("instrument_delete", instrument_record.pk)).status_code == 302
    assert market_total(inventory) == Decimal("2070.5")


def test_a_viewer_reads_but_cannot_write_sources_or_instruments(as_viewer, organisation, world):
    record = services.instrument_create(**instrument(organisation))
    source = world.sources[0]
    for name in ("source_list", "instrument_list"):
        response = as_viewer.get(url(name))
        assert response.status_code == 200 and "New " not in response.content.decode()
    before = ObjectChange.objects.count()
    assert as_viewer.get(url("source_create")).status_code == 403
    assert as_viewer.get(url("source_update", source.pk)).status_code == 403
    assert as_viewer.post(url("source_delete", source.pk)).status_code == 403
    assert as_viewer.get(url("instrument_create")).status_code == 403
    assert as_viewer.post(url("instrument_update", record.pk), {}).status_code == 403
    assert as_viewer.post(url("instrument_delete", record.pk)).status_code == 403
    assert ObjectChange.objects.count() == before


def test_an_outsider_gets_404_on_sources_and_instruments(as_outsider, organisation, world):
    record = services.instrument_create(**instrument(organisation))
    source = world.sources[0]
    assert "G1" not in without_tokens(as_outsider.get(url("source_list")))
    assert "Green Co" not in as_outsider.get(url("instrument_list")).content.decode()
    before = ObjectChange.objects.count()
    assert as_outsider.get(url("source_update", source.pk)).status_code == 404
    assert as_outsider.post(url("source_delete", source.pk)).status_code == 404
    assert as_outsider.get(url("instrument_update", record.pk)).status_code == 404
    assert as_outsider.post(url("instrument_delete", record.pk)).status_code == 404
    assert ObjectChange.objects.count() == before


def test_a_site_limited_member_lists_and_maps_only_their_sites_meters(leeds_contributor, world):
    client = client_for(leeds_contributor)
    listing = without_tokens(client.get(url("source_list")))
    assert "D1" in listing and "G1" not in listing
    form = client.get(url("source_create")).context["form"]
    assert list(form.fields["meter"].queryset) == [world.diesel]
    assert client.get(url("source_update", world.sources[0].pk)).status_code == 404


def test_the_source_list_costs_the_same_for_few_and_many_sources(as_viewer, world, count_queries):
    few = count_queries(lambda: as_viewer.get(url("source_list")))
    for number in range(8):
        meter = make_meter(world.organisation, world.sites[number % 2], f"X{number}", Meter.Kind.GAS, "kWh")
        services.source_create(
            organisation=world.organisation, meter=meter, family="test", factor_key="gas", scope=1
        )
    assert count_queries(lambda: as_viewer.get(url("source_list"))) == few


# --- API --------------------------------------------------------------------------------------


def test_the_source_endpoints(contributor, viewer, outsider, organisation, world, heat):
    make_dataset("heat-2024", factors=[("district", 2, "kWh", Gas.CO2E, "0.17965", "kg CO2e")])
    client = api_client(contributor)
    body = client.get(f"{API}/emission-sources/").json()
    assert {row["meter_code"] for row in body["results"]} == {"G1", "E1", "D1"}
    data = {
        "organisation": organisation.pk,
        "meter": heat.pk,
        "family": "heat",
        "factor_key": "district",
        "scope": 2,
        "scope2_basis": "heat",
    }
    response = client.post(f"{API}/emission-sources/", data, format="json")
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["site"] == heat.site_id and created["meter_unit"] == "kWh"
    before = (EmissionSource.objects.count(), ObjectChange.objects.count())
    error = error_of(client.post(f"{API}/emission-sources/", {**data, "scope": 1}, format="json"), 400)
    assert "scope2_basis" in error["fields"]
    error = error_of(
        client.post(f"{API}/emission-sources/", {**data, "factor_key": "coal"}, format="json"), 400
    )
    assert "factor_key" in error["fields"]
    response = client.patch(
        f"{API}/emission-sources/{created['id']}/",
        {"label": "District heat", "version": created["version"]},
        format="json",
    )
    assert response.status_code == 200 and response.json()["label"] == "District heat"
    error_of(
        client.patch(f"{API}/emission-sources/{created['id']}/", {"label": "x", "version": 1}, format="json"),
        409,
    )
    assert EmissionSource.objects.count() == before[0]
    # the viewer reads only; the outsider sees nothing
    reader = api_client(viewer)
    assert reader.get(f"{API}/emission-sources/{created['id']}/").status_code == 200
    changes = ObjectChange.objects.count()
    error_of(reader.post(f"{API}/emission-sources/", data, format="json"), 403)
    error_of(
        reader.patch(f"{API}/emission-sources/{created['id']}/", {"label": "y", "version": 2}, format="json"),
        403,
    )
    error_of(reader.delete(f"{API}/emission-sources/{created['id']}/"), 403)
    stranger = api_client(outsider)
    assert stranger.get(f"{API}/emission-sources/").json()["results"] == []
    error_of(stranger.get(f"{API}/emission-sources/{created['id']}/"), 404)
    error_of(stranger.delete(f"{API}/emission-sources/{created['id']}/"), 404)
    error_of(stranger.post(f"{API}/emission-sources/", data, format="json"), 400)  # not their organisation
    assert ObjectChange.objects.count() == changes
    assert client.delete(f"{API}/emission-sources/{created['id']}/").status_code == 204


def test_the_instrument_endpoints(contributor, viewer, outsider, organisation, world, inventory):
    client = api_client(contributor)
    data = {
        "organisation": organisation.pk,
        "kind": "certificate",
        "supplier": "Green Co",
        "start": "2024-03-01",
        "end": "2024-03-31",
        "emission_rate": "0",
        "covered_kwh": "10000",
    }
    response = client.post(f"{API}/contractual-instruments/", data, format="json")
    assert response.status_code == 201, response.content
    created = response.json()
    assert market_total(inventory) == 0
    before = (ContractualInstrument.objects.count(), ObjectChange.objects.count())
    for bad in ({"covered_kwh": None}, {"end": "2024-01-01"}, {"emission_rate": "-1"}, {"kind": "supplier"}):
        error = error_of(client.post(f"{API}/contractual-instruments/", {**data, **bad}, format="json"), 400)
        assert error["fields"], bad
    assert (ContractualInstrument.objects.count(), ObjectChange.objects.count()) == before
    response = client.patch(
        f"{API}/contractual-instruments/{created['id']}/",
        {"covered_kwh": "4000", "version": created["version"]},
        format="json",
    )
    assert response.status_code == 200 and market_total(inventory) == Decimal("6000") * Decimal("0.20705")
    reader = api_client(viewer)
    assert reader.get(f"{API}/contractual-instruments/").json()["count"] == 1
    error_of(reader.post(f"{API}/contractual-instruments/", data, format="json"), 403)
    error_of(reader.delete(f"{API}/contractual-instruments/{created['id']}/"), 403)
    stranger = api_client(outsider)
    error_of(stranger.get(f"{API}/contractual-instruments/{created['id']}/"), 404)
    error_of(
        stranger.patch(f"{API}/contractual-instruments/{created['id']}/", {"version": 2}, format="json"), 404
    )
    assert client.delete(f"{API}/contractual-instruments/{created['id']}/").status_code == 204
    assert market_total(inventory) == Decimal("2070.5")
