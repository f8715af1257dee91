"""Pages and API of the emission-factor datasets: shared reference data every signed-in member
reads (members of other organisations too), that only staff import."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from integrum.conftest import client_for
from integrum.core.tests.test_api import api_client, error_of
from integrum.ghg.models import EmissionFactor, FactorDataset, Gas
from integrum.ghg.tests.factories import DESNZ_2024_LIKE, make_dataset
from integrum.ghg.tests.test_factors import EPA_2025

pytestmark = pytest.mark.django_db

API = "/api/v1/factor-datasets"


@pytest.fixture
def dataset():
    return make_dataset("test-2024", factors=DESNZ_2024_LIKE)


@pytest.fixture
def staff(admin_user):
    admin_user.is_staff = True
    admin_user.save(update_fields=["is_staff"])
    return admin_user


def upload(name: str, data: bytes) -> io.BytesIO:
    stream = io.BytesIO(data)
    stream.name = name
    return stream


# --- Pages -----------------------------------------------------------------------------------


def test_members_of_any_organisation_read_the_datasets(dataset, as_viewer, as_outsider):
    for client in (as_viewer, as_outsider):
        listing = client.get(reverse("ghg:dataset_list"))
        assert listing.status_code == 200
        assert dataset.identifier in listing.content.decode()
        assert 'href="/ghg/factors/"' in listing.content.decode()  # the menu entry
        detail = client.get(dataset.get_absolute_url())
        assert detail.status_code == 200
        page = detail.content.decode()
        assert (
            "Test licence" in page
            and "Test data." in page
            and "0.2070500000" not in page
            and "0.20705" in page
        )
        assert reverse("ghg:dataset_import") not in listing.content.decode()  # no import button


def test_anonymous_visitors_are_sent_to_sign_in(dataset, client: Client):
    for url in (
        reverse("ghg:dataset_list"),
        dataset.get_absolute_url(),
        reverse("ghg:dataset_export", args=[dataset.pk]),
        reverse("ghg:dataset_import"),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response["Location"], url


def test_an_unknown_dataset_is_not_found(as_viewer):
    assert as_viewer.get(reverse("ghg:dataset_detail", args=[987654])).status_code == 404
    assert as_viewer.get(reverse("ghg:dataset_export", args=[987654])).status_code == 404


def test_the_detail_page_filters_factors_like_the_api(dataset, as_viewer):
    url = dataset.get_absolute_url()
    page = as_viewer.get(url, {"key": "grid"}).content.decode()
    assert "kWh" in page and "2.51279" not in page
    page = as_viewer.get(url, {"q": "diesel"}).content.decode()
    assert "2.51279" in page and "0.20705" not in page
    page = as_viewer.get(url, {"scope": "2", "ghg": Gas.CH4}).content.decode()
    assert "0.0009 kg CO2e" in page and "0.00028" not in page
    assert (
        as_viewer.get(url, {"scope": "7"}).status_code == 200
    )  # an invalid filter shows nothing, not an error


def test_the_detail_page_costs_the_same_queries_for_few_or_many_factors(as_viewer, count_queries):
    few = make_dataset("few-2024", factors=DESNZ_2024_LIKE[:2])
    many = make_dataset(
        "many-2024",
        factors=[(f"k{n}", 1, "kWh", Gas.CO2E, f"0.{n:05d}", "kg CO2e") for n in range(1, 61)],
    )
    cost_few = count_queries(lambda: as_viewer.get(few.get_absolute_url()))
    cost_many = count_queries(lambda: as_viewer.get(many.get_absolute_url()))
    assert cost_few == cost_many
    cost_list = count_queries(lambda: as_viewer.get(reverse("ghg:dataset_list")))
    make_dataset("more-2024", factors=DESNZ_2024_LIKE)
    assert count_queries(lambda: as_viewer.get(reverse("ghg:dataset_list"))) == cost_list


def test_the_csv_export_streams_every_factor(dataset, as_outsider):
    response = as_outsider.get(reverse("ghg:dataset_export", args=[dataset.pk]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0] == "id,key,scope,category,activity,unit,ghg,value,value_unit"
    assert len(lines) == 1 + len(DESNZ_2024_LIKE)
    assert "grid:CO2e,grid,2,Test,grid,kWh,CO2e,0.20705,kg CO2e" in lines


def test_only_staff_import_through_the_page(as_viewer, as_admin):
    # the organisation's own administrator is not the installation's staff
    for client in (as_viewer, as_admin):
        assert client.get(reverse("ghg:dataset_import")).status_code == 403
        assert (
            client.post(reverse("ghg:dataset_import"), {"file": upload("x.xlsx", b"PK")}).status_code == 403
        )
    assert not FactorDataset.objects.exists()


def test_staff_import_a_workbook_through_the_page(staff):
    client = client_for(staff)
    url = reverse("ghg:dataset_import")
    assert client.get(url).status_code == 200
    response = client.post(url, {"file": upload("hub.xlsx", EPA_2025.read_bytes())})
    dataset = FactorDataset.objects.get()
    assert response.status_code == 302 and response["Location"] == dataset.get_absolute_url()
    assert dataset.identifier == "epa-hub-2025" and dataset.imported_by == staff
    again = client.post(url, {"file": upload("hub.xlsx", EPA_2025.read_bytes())})
    assert again.status_code == 400 and "already imported" in again.content.decode()
    assert FactorDataset.objects.count() == 1


def test_the_page_refuses_a_file_that_is_not_a_workbook_and_writes_nothing(staff):
    client = client_for(staff)
    response = client.post(reverse("ghg:dataset_import"), {"file": upload("factors.csv", b"ID,Value\n1,2\n")})
    assert response.status_code == 400
    assert "not an Excel workbook" in response.content.decode()
    assert not FactorDataset.objects.exists() and not EmissionFactor.objects.exists()


# --- API -------------------------------------------------------------------------------------


def test_any_signed_in_member_reads_datasets_and_factors_in_the_api(dataset, viewer, outsider):
    for user in (viewer, outsider):
        client = api_client(user)
        listing = client.get(f"{API}/")
        assert listing.status_code == 200
        [row] = listing.json()["results"]
        assert (row["identifier"], row["licence"], row["attribution"]) == (
            "test-2024",
            "Test licence",
            "Test data.",
        )
        assert client.get(f"{API}/{dataset.pk}/").json()["gwp_set"] == "AR5"
        factors = client.get(f"{API}/{dataset.pk}/factors/").json()
        assert factors["count"] == len(DESNZ_2024_LIKE)


def test_the_factors_are_filtered_by_key_scope_gas_and_text(dataset, viewer):
    client = api_client(viewer)
    by_key = client.get(f"{API}/{dataset.pk}/factors/", {"key": "gas"}).json()["results"]
    assert {row["ghg"] for row in by_key} == {"CO2e", "CO2", "CH4", "N2O"}
    total = client.get(f"{API}/{dataset.pk}/factors/", {"key": "gas", "ghg": "CO2e"}).json()["results"]
    assert [(row["external_id"], row["value"], row["value_unit"], row["unit"]) for row in total] == [
        ("gas:CO2e", "0.1829", "kg CO2e", "kWh (Gross CV)")
    ]
    scope_2 = client.get(f"{API}/{dataset.pk}/factors/", {"scope": 2}).json()["results"]
    assert {row["key"] for row in scope_2} == {"grid"}
    found = client.get(f"{API}/{dataset.pk}/factors/", {"q": "litres"}).json()["results"]
    assert [row["key"] for row in found] == ["diesel"]
    error = error_of(client.get(f"{API}/{dataset.pk}/factors/", {"scope": "9"}), 400)
    assert "scope" in error["fields"]
    error_of(client.get(f"{API}/987654/factors/"), 404)


def test_anonymous_callers_get_nothing_from_the_api(dataset):
    error_of(APIClient().get(f"{API}/"), 401)
    error_of(APIClient().get(f"{API}/{dataset.pk}/factors/"), 401)


def test_datasets_cannot_be_changed_through_the_api(dataset, staff):
    client = api_client(staff)
    assert client.patch(f"{API}/{dataset.pk}/", {"name": "x"}, format="json").status_code == 405
    assert client.delete(f"{API}/{dataset.pk}/").status_code == 405
    assert FactorDataset.objects.get().name == "test-2024"


def test_only_staff_import_through_the_api(viewer, admin_user):
    for user in (viewer, admin_user):  # an organisation's administrator is not staff either
        error = error_of(
            api_client(user).post(f"{API}/", {"file": upload("x.xlsx", b"PK")}, format="multipart"), 403
        )
        assert "staff" in error["message"]
    assert not FactorDataset.objects.exists()


def test_staff_import_a_workbook_through_the_api(staff):
    client = api_client(staff)
    response = client.post(f"{API}/", {"file": upload("hub.xlsx", EPA_2025.read_bytes())}, format="multipart")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (
        body["identifier"] == "epa-hub-2025"
        and body["factor_count"] == 1162
        and body["gases_in_co2e"] is False
    )
    error = error_of(
        client.post(f"{API}/", {"file": upload("hub.xlsx", EPA_2025.read_bytes())}, format="multipart"), 400
    )
    assert "already imported" in error["message"]
    assert FactorDataset.objects.count() == 1


def test_the_api_refuses_a_file_that_is_not_a_workbook_and_writes_nothing(staff):
    client = api_client(staff)
    error = error_of(
        client.post(f"{API}/", {"file": upload("factors.csv", b"ID,Value\n1,2\n")}, format="multipart"), 400
    )
    assert "not an Excel workbook" in error["message"]
    error_of(client.post(f"{API}/", {}, format="multipart"), 400)
    assert not FactorDataset.objects.exists() and not EmissionFactor.objects.exists()
