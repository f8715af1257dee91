"""The `objectives/`, `kpis/` (with `values`) and `kpi-values/` endpoints for every persona."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from integrum.actions.models import Action
from integrum.conftest import add_member, make_user
from integrum.core.models import ObjectChange, Role
from integrum.core.tests.test_api import api_client, error_of
from integrum.performance import services
from integrum.performance.models import Kpi, KpiValue, Objective
from integrum.performance.tests.builders import make_kpi, make_meter, make_objective, month, total

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("standards")]

API = "/api/v1"
D = Decimal


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(dt.datetime(2025, 7, 2, 12, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def kpi(organisation, contributor):
    kpi = make_kpi(organisation, target=D(20), baseline_value=D(40), warning_threshold=D(45))
    services.kpi_value_record(kpi=kpi, period=dt.date(2025, 6, 1), value=30, user=contributor)
    return kpi


@pytest.fixture
def objective(organisation, kpi, contributor):
    return make_objective(organisation, kpi=kpi, owner=contributor)


def counts():
    return (
        ObjectChange.objects.count(),
        Kpi.objects.count(),
        KpiValue.objects.count(),
        Objective.objects.count(),
        Action.objects.count(),
    )


# --- Reading ---------------------------------------------------------------------------------


def test_a_viewer_reads_everything_with_computed_fields(viewer, kpi, objective):
    client = api_client(viewer)
    body = client.get(f"{API}/objectives/").json()
    row = body["results"][0]
    assert (row["reference"], row["status"]) == (objective.reference, "on_track")
    assert row["progress"]["percent"] == "50.0" and row["progress"]["latest_value"] == "30.0000"
    detail = client.get(f"{API}/objectives/{objective.pk}/").json()
    assert detail["status"] == "on_track" and "50 % of the way" in detail["progress"]["reason"]
    kpis = client.get(f"{API}/kpis/").json()["results"]
    assert kpis[0]["latest"]["label"] == "Jun 2025" and kpis[0]["latest"]["rag"] == "amber"
    series = client.get(f"{API}/kpis/{kpi.pk}/values/", {"from": "2025-05", "to": "2025-06"}).json()
    assert [(p["label"], p["value"]) for p in series["points"]] == [
        ("May 2025", None),
        ("Jun 2025", "30.0000"),
    ]
    values = client.get(f"{API}/kpi-values/", {"kpi": kpi.pk}).json()["results"]
    assert [(v["period"], v["period_label"]) for v in values] == [("2025-06-01", "2025-06")]


def test_bad_series_parameters_are_refused(viewer, kpi):
    client = api_client(viewer)
    error = error_of(client.get(f"{API}/kpis/{kpi.pk}/values/", {"from": "June", "site": "x"}), 400)
    assert set(error["fields"]) == {"from", "site"}
    error_of(client.get(f"{API}/kpis/{kpi.pk}/values/", {"from": "2025-06", "to": "2025-01"}), 400)


def test_the_status_filter_applies_to_the_computed_status(viewer, organisation, objective):
    make_objective(organisation, title="Unmeasured")
    client = api_client(viewer)
    rows = client.get(f"{API}/objectives/", {"status": "no_data"}).json()["results"]
    assert [r["title"] for r in rows] == ["Unmeasured"]
    rows = client.get(f"{API}/objectives/", {"status": ["on_track", "no_data"]}).json()["results"]
    assert len(rows) == 2
    error_of(client.get(f"{API}/objectives/", {"status": "bogus"}), 400)


def test_an_outsider_gets_404_and_empty_lists(outsider, kpi, objective):
    client = api_client(outsider)
    value = KpiValue.objects.get()
    for path in (
        f"objectives/{objective.pk}/",
        f"kpis/{kpi.pk}/",
        f"kpis/{kpi.pk}/values/",
        f"kpi-values/{value.pk}/",
    ):
        error_of(client.get(f"{API}/{path}"), 404)
    for collection in ("objectives", "kpis", "kpi-values"):
        assert client.get(f"{API}/{collection}/").json()["results"] == []
    before = counts()
    error_of(
        client.post(f"{API}/kpis/{kpi.pk}/values/", {"period": "2025-05", "value": "1"}, format="json"), 404
    )
    error_of(client.post(f"{API}/objectives/{objective.pk}/cancel/", {"reason": "x"}, format="json"), 404)
    error_of(client.post(f"{API}/objectives/{objective.pk}/actions/", {"title": "x"}, format="json"), 404)
    error_of(client.patch(f"{API}/kpi-values/{value.pk}/", {"value": "1", "version": 1}, format="json"), 404)
    error_of(client.delete(f"{API}/kpi-values/{value.pk}/"), 404)
    error_of(client.delete(f"{API}/kpis/{kpi.pk}/"), 404)
    error_of(
        client.patch(f"{API}/objectives/{objective.pk}/", {"title": "x", "version": 1}, format="json"), 404
    )
    error_of(
        client.post(f"{API}/kpi-values/", {"kpi": kpi.pk, "period": "2025-05", "value": "1"}, format="json"),
        400,
    )
    assert counts() == before


def test_a_viewer_cannot_write(viewer, organisation, kpi, objective):
    client = api_client(viewer)
    value = KpiValue.objects.get()
    before = counts()
    error_of(
        client.post(
            f"{API}/kpis/",
            {
                "organisation": organisation.pk,
                "name": "x",
                "unit": "%",
                "direction": "higher",
                "standards": ["ISO 9001"],
            },
            format="json",
        ),
        403,
    )
    error_of(
        client.post(f"{API}/kpis/{kpi.pk}/values/", {"period": "2025-05", "value": "1"}, format="json"), 403
    )
    error_of(
        client.post(f"{API}/kpi-values/", {"kpi": kpi.pk, "period": "2025-05", "value": "1"}, format="json"),
        403,
    )
    error_of(client.patch(f"{API}/kpi-values/{value.pk}/", {"value": "1", "version": 1}, format="json"), 403)
    error_of(
        client.patch(f"{API}/objectives/{objective.pk}/", {"title": "x", "version": 1}, format="json"), 403
    )
    error_of(client.post(f"{API}/objectives/{objective.pk}/actions/", {"title": "x"}, format="json"), 403)
    error_of(client.delete(f"{API}/objectives/{objective.pk}/"), 403)
    error_of(client.delete(f"{API}/kpi-values/{value.pk}/"), 403)
    error_of(client.post(f"{API}/objectives/{objective.pk}/cancel/", {"reason": "x"}, format="json"), 403)
    assert counts() == before


# --- Writing ---------------------------------------------------------------------------------


def test_a_contributor_defines_a_kpi_and_enters_values(contributor, organisation, sites):
    client = api_client(contributor)
    make_meter(organisation, sites[0], "E1")
    response = client.post(
        f"{API}/kpis/",
        {
            "organisation": organisation.pk,
            "name": "Electricity",
            "unit": "MWh",
            "direction": "lower",
            "standards": ["ISO 14001"],
            "source": "meters",
            "meter_kind": "electricity",
            "target": "10",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    computed = response.json()
    assert computed["reference"] == "KPI-0001" and computed["standards"] == ["ISO 14001"]
    error = error_of(
        client.post(
            f"{API}/kpis/{computed['id']}/values/", {"period": "2025-05", "value": "1"}, format="json"
        ),
        400,
    )
    assert "cannot be entered by hand" in error["message"]
    error = error_of(
        client.patch(f"{API}/kpis/{computed['id']}/", {"unit": "m3", "version": 1}, format="json"), 400
    )
    assert "unit" in error["fields"]
    manual = make_kpi(organisation)
    response = client.post(
        f"{API}/kpis/{manual.pk}/values/",
        {"period": "2025-05-20", "value": "12.5", "site": sites[0].pk},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert (response.json()["period"], response.json()["value"]) == ("2025-05-01", "12.5000")
    error = error_of(
        client.post(
            f"{API}/kpis/{manual.pk}/values/",
            {"period": "2025-05", "value": "13", "site": sites[0].pk},
            format="json",
        ),
        400,
    )
    assert "already has a value" in error["message"]
    value_id = response.json()["id"]
    response = client.patch(f"{API}/kpi-values/{value_id}/", {"value": "13", "version": 1}, format="json")
    assert response.status_code == 200 and response.json()["value"] == "13.0000"
    error_of(client.patch(f"{API}/kpi-values/{value_id}/", {"value": "14", "version": 1}, format="json"), 409)
    response = client.post(
        f"{API}/kpi-values/", {"kpi": manual.pk, "period": "2025-Q2", "value": "3"}, format="json"
    )
    assert response.status_code == 400  # a quarter names no single month
    response = client.post(
        f"{API}/kpi-values/", {"kpi": manual.pk, "period": "2025-04", "value": "3"}, format="json"
    )
    assert response.status_code == 201
    error_of(client.delete(f"{API}/kpi-values/{value_id}/"), 403)


def test_a_manager_deletes_values_and_kpis_not_in_use(manager, kpi, objective):
    client = api_client(manager)
    value = KpiValue.objects.get()
    assert client.delete(f"{API}/kpi-values/{value.pk}/").status_code == 204
    error = error_of(client.delete(f"{API}/kpis/{kpi.pk}/"), 400)
    assert objective.reference in error["message"]


def test_a_contributor_sets_objectives_and_plans_actions(contributor, organisation, kpi):
    client = api_client(contributor)
    payload = {
        "organisation": organisation.pk,
        "title": "Halve complaints",
        "statement": "Fewer complaints.",
        "standards": ["ISO 9001"],
        "kpi": kpi.pk,
        "start_date": "2025-01-01",
        "due_date": "2025-12-31",
        "owner": contributor.pk,
    }
    response = client.post(f"{API}/objectives/", payload, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["reference"], body["status"], body["progress"]["target"]) == (
        "OBJ-0001",
        "on_track",
        "20.0000",
    )
    error = error_of(
        client.post(f"{API}/objectives/", {**payload, "due_date": "2024-01-01"}, format="json"), 400
    )
    assert "due_date" in error["fields"]
    error = error_of(client.post(f"{API}/objectives/", {**payload, "standards": []}, format="json"), 400)
    assert "standards" in error["fields"]
    response = client.patch(
        f"{API}/objectives/{body['id']}/", {"title": "Fewer complaints", "version": 1}, format="json"
    )
    assert response.status_code == 200 and response.json()["title"] == "Fewer complaints"
    error_of(
        client.patch(f"{API}/objectives/{body['id']}/", {"title": "Stale", "version": 1}, format="json"), 409
    )
    response = client.post(
        f"{API}/objectives/{body['id']}/actions/",
        {"title": "Call back complainants", "due_date": "2025-09-01"},
        format="json",
    )
    assert response.status_code == 201 and response.json()["source_type"] == "performance.objective"
    error_of(client.post(f"{API}/objectives/{body['id']}/cancel/", {"reason": "x"}, format="json"), 403)
    error_of(client.post(f"{API}/objectives/{body['id']}/reinstate/"), 403)
    error_of(client.delete(f"{API}/objectives/{body['id']}/"), 403)
    error_of(client.delete(f"{API}/kpis/{kpi.pk}/"), 403)


def test_a_manager_cancels_and_reinstates(manager, objective):
    client = api_client(manager)
    error_of(client.post(f"{API}/objectives/{objective.pk}/cancel/", {}, format="json"), 400)
    response = client.post(f"{API}/objectives/{objective.pk}/cancel/", {"reason": "Merged"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    response = client.post(f"{API}/objectives/{objective.pk}/reinstate/")
    assert response.status_code == 200 and response.json()["is_cancelled"] is False
    assert client.delete(f"{API}/objectives/{objective.pk}/").status_code == 204


def test_a_site_limited_member_works_on_their_sites(organisation, sites, kpi):
    local = make_user("lena@acme.test", "Lena", "Local")
    add_member(organisation, local, Role.CONTRIBUTOR, sites=[sites[1]])
    KpiValue.objects.create(
        organisation=organisation, kpi=kpi, site=sites[0], period=month(2025, 4), value=D(7)
    )
    client = api_client(local)
    periods = [v["period"] for v in client.get(f"{API}/kpi-values/").json()["results"]]
    assert periods == ["2025-06-01"]  # the whole-KPI value, not Birmingham's
    error_of(
        client.post(
            f"{API}/kpis/{kpi.pk}/values/",
            {"period": "2025-04", "value": "1", "site": sites[0].pk},
            format="json",
        ),
        400,
    )
    error_of(client.get(f"{API}/kpis/{kpi.pk}/values/", {"site": sites[0].pk}), 400)
    response = client.post(
        f"{API}/kpis/{kpi.pk}/values/",
        {"period": "2025-04", "value": "1", "site": sites[1].pk},
        format="json",
    )
    assert response.status_code == 201


# --- Cost ------------------------------------------------------------------------------------


def _grow(organisation, sites, count):
    meter = make_meter(organisation, sites[0], f"E{Kpi.objects.count()}")
    total(meter, month(2025, 5), 100)
    for i in range(count):
        kpi = make_kpi(organisation, name=f"K{i}", target=D(5))
        KpiValue.objects.create(organisation=organisation, kpi=kpi, period=month(2025, 5), value=D(i))
        make_objective(organisation, title=f"O{i}", kpi=kpi)
        make_kpi(organisation, name=f"E{i}", unit="kWh", source="meters", meter_kind="electricity")


@pytest.mark.parametrize("collection", ["objectives", "kpis", "kpi-values"])
def test_lists_cost_the_same_for_few_and_many_rows(viewer, organisation, sites, collection):
    client = api_client(viewer)

    def cost():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"{API}/{collection}/").status_code == 200
        return len(captured.captured_queries)

    _grow(organisation, sites, 2)
    few = cost()
    _grow(organisation, sites, 6)
    assert cost() == few
