"""The `meters/`, `readings/`, `reading-batches/`, `monthly-totals/` and `site-figures/` endpoints."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from integrum.core.models import ObjectChange
from integrum.core.tests.test_api import api_client, error_of
from integrum.measurement import services
from integrum.measurement.models import Meter, MonthlyTotal, Reading, ReadingBatch, SiteFigure
from integrum.measurement.tests.factories import IMMEDIATE, csv_bytes, make_meter, site_limited

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.fixture
def meter(organisation, sites):
    return make_meter(organisation, sites[0], interval_minutes=15)


@pytest.fixture
def far_meter(organisation, sites):
    return make_meter(organisation, sites[1], code="L1", kind="water", unit="m³")


@pytest.fixture
def batch(organisation, meter):
    return services.readings_enter(
        organisation=organisation,
        user=None,
        meter=meter,
        value="4",
        timestamp=dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC),
    )


@pytest.fixture
def figure(organisation, sites):
    return services.site_figure_create(
        organisation=organisation, kind="employees", month=dt.date(2026, 1, 1), value=120
    )


def interval_rows(count, code="E1", start=dt.datetime(2026, 1, 1, tzinfo=dt.UTC)):
    return [
        {
            "meter": code,
            "timestamp": (start + dt.timedelta(minutes=15 * i)).isoformat(),
            "value": 2.5,
            "unit": "kWh",
        }
        for i in range(count)
    ]


def test_a_viewer_reads_every_collection(viewer, meter, batch, figure):
    client = api_client(viewer)
    assert [m["code"] for m in client.get(f"{API}/meters/").json()["results"]] == ["E1"]
    readings = client.get(f"{API}/readings/").json()["results"]
    assert [(r["meter"], r["quantity"], r["start"]) for r in readings] == [
        (meter.pk, "4.000000", "2026-01-05T09:00:00Z")
    ]
    assert client.get(f"{API}/reading-batches/{batch.pk}/").json()["status"] == "committed"
    totals = client.get(f"{API}/monthly-totals/").json()["results"]
    assert [(t["month"], t["quantity"], t["unit"], t["kind"]) for t in totals] == [
        ("2026-01-01", "4.000000", "kWh", "electricity")
    ]
    assert client.get(f"{API}/site-figures/{figure.pk}/").json()["value"] == "120.0000"


def test_an_outsider_gets_404_and_empty_lists(outsider, meter, batch, figure):
    client = api_client(outsider)
    for collection in ("meters", "readings", "reading-batches", "monthly-totals", "site-figures"):
        assert client.get(f"{API}/{collection}/").json()["results"] == [], collection
    reading = Reading.objects.get()
    for path in (
        f"meters/{meter.pk}/",
        f"readings/{reading.pk}/",
        f"reading-batches/{batch.pk}/",
        f"site-figures/{figure.pk}/",
        f"monthly-totals/{MonthlyTotal.objects.get().pk}/",
    ):
        error_of(client.get(f"{API}/{path}"), 404)
    before = ObjectChange.objects.count()
    error_of(
        client.post(
            f"{API}/readings/",
            {"meter": meter.pk, "value": "1", "timestamp": "2026-02-01T00:00Z"},
            format="json",
        ),
        400,
    )
    error_of(client.post(f"{API}/reading-batches/{batch.pk}/revert/"), 404)
    error_of(client.post(f"{API}/meters/{meter.pk}/deactivate/"), 404)
    error_of(client.delete(f"{API}/site-figures/{figure.pk}/"), 404)
    assert ObjectChange.objects.count() == before and Reading.objects.count() == 1


def test_a_viewer_cannot_write(viewer, organisation, sites, meter, batch, figure):
    client = api_client(viewer)
    before = ObjectChange.objects.count()
    error_of(
        client.post(
            f"{API}/meters/",
            {"site": sites[0].pk, "code": "X", "name": "x", "kind": "water", "unit": "m3"},
            format="json",
        ),
        403,
    )
    error_of(
        client.patch(f"{API}/meters/{meter.pk}/", {"name": "x", "version": meter.version}, format="json"), 403
    )
    error_of(
        client.post(
            f"{API}/readings/",
            {"meter": meter.pk, "value": "1", "timestamp": "2026-02-01T00:00Z"},
            format="json",
        ),
        403,
    )
    error_of(client.post(f"{API}/readings/bulk/", {"readings": interval_rows(2)}, format="json"), 403)
    upload = {"file": SimpleUploadedFile("r.csv", csv_bytes("E1,2026-02-01T00:00,1,kWh"))}
    error_of(client.post(f"{API}/reading-batches/", upload, format="multipart"), 403)
    error_of(client.post(f"{API}/reading-batches/{batch.pk}/commit/"), 403)
    error_of(client.delete(f"{API}/meters/{meter.pk}/"), 403)
    error_of(client.post(f"{API}/reading-batches/{batch.pk}/revert/"), 403)
    error_of(
        client.post(
            f"{API}/site-figures/", {"kind": "output", "month": "2026-02-01", "value": 1}, format="json"
        ),
        403,
    )
    error_of(client.delete(f"{API}/site-figures/{figure.pk}/"), 403)
    assert ObjectChange.objects.count() == before and Reading.objects.count() == 1


def test_a_contributor_manages_meters_and_a_manager_retires_them(contributor, manager, organisation, sites):
    client = api_client(contributor)
    created = client.post(
        f"{API}/meters/",
        {
            "site": sites[0].pk,
            "code": "D1",
            "name": "Diesel tank",
            "kind": "fuel",
            "unit": "litres",
            "fuel": "diesel",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["organisation"] == organisation.pk and body["is_active"] is True
    clash = error_of(
        client.post(
            f"{API}/meters/",
            {"site": sites[0].pk, "code": "D1", "name": "x", "kind": "fuel", "unit": "l"},
            format="json",
        ),
        400,
    )
    assert "already has the code" in clash["fields"]["code"][0]
    wrong = error_of(
        client.post(
            f"{API}/meters/",
            {"site": sites[0].pk, "code": "D2", "name": "x", "kind": "water", "unit": "kWh"},
            format="json",
        ),
        400,
    )
    assert "unit" in wrong["fields"]
    patched = client.patch(
        f"{API}/meters/{body['id']}/", {"name": "Diesel", "version": body["version"]}, format="json"
    )
    assert patched.json()["name"] == "Diesel"
    stale = client.patch(
        f"{API}/meters/{body['id']}/", {"name": "Old", "version": body["version"]}, format="json"
    )
    error_of(stale, 409)
    error_of(client.post(f"{API}/meters/{body['id']}/deactivate/"), 403)
    boss = api_client(manager)
    assert boss.post(f"{API}/meters/{body['id']}/deactivate/").json()["is_active"] is False
    assert boss.post(f"{API}/meters/{body['id']}/reactivate/").json()["is_active"] is True
    assert boss.delete(f"{API}/meters/{body['id']}/").status_code == 204
    assert not Meter.objects.exists()


def test_one_reading_is_posted_and_checked(contributor, meter):
    client = api_client(contributor)
    response = client.post(
        f"{API}/readings/",
        {"meter": meter.pk, "value": "0.003", "unit": "MWh", "timestamp": "2026-01-01T00:15:00Z"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["committed"] == 1
    reading = Reading.objects.get()
    assert reading.quantity == 3 and reading.end == dt.datetime(2026, 1, 1, 0, 30, tzinfo=dt.UTC)
    again = error_of(
        client.post(
            f"{API}/readings/",
            {"meter": meter.pk, "value": "1", "timestamp": "2026-01-01T00:15:00Z"},
            format="json",
        ),
        400,
    )
    assert "same period" in " ".join(again["fields"]["start"]) or "already has a reading" in " ".join(
        again["fields"]["start"]
    )
    bad_unit = error_of(
        client.post(
            f"{API}/readings/",
            {"meter": meter.pk, "value": "1", "unit": "kg", "timestamp": "2026-01-02T00:00:00Z"},
            format="json",
        ),
        400,
    )
    assert "Cannot convert" in bad_unit["fields"]["unit"][0]
    assert Reading.objects.count() == 1


def test_bulk_readings_are_committed_all_or_none(contributor, organisation, meter, far_meter):
    client = api_client(contributor)
    rows = [
        *interval_rows(96),
        {
            "meter": far_meter.pk,
            "start": "2026-01-01",
            "end": "2026-02-01",
            "value": "30",
            "quality": "invoiced",
        },
    ]
    dry = client.post(f"{API}/readings/bulk/", {"readings": rows, "dry_run": True}, format="json")
    assert dry.status_code == 200 and dry.json()["checked"] == 97 and dry.json()["batch"] is None
    assert not Reading.objects.exists()
    done = client.post(f"{API}/readings/bulk/", {"readings": rows}, format="json")
    assert done.status_code == 201, done.content
    assert done.json()["committed"] == 97
    batch = ReadingBatch.objects.get(pk=done.json()["batch"])
    assert batch.source == ReadingBatch.Source.API and batch.created_by == contributor
    assert MonthlyTotal.objects.get(meter=meter).quantity == Decimal(240)
    bad = interval_rows(3, start=dt.datetime(2026, 2, 1, tzinfo=dt.UTC))
    bad[1]["value"] = -2
    bad[2]["meter"] = "NOPE"
    bad.append({"meter": "E1", "timestamp": "next tuesday", "value": 1})
    error = error_of(client.post(f"{API}/readings/bulk/", {"readings": bad}, format="json"), 400)
    assert set(error["fields"]) == {"readings.1.value", "readings.2.meter", "readings.3.timestamp"}
    assert "3 rows have errors" in error["message"]
    assert Reading.objects.count() == 97


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"readings": []}, "readings"),
        ({"readings": "E1,5"}, "readings"),
        ({"readings": [5]}, "readings.0"),
        ({"readings": [{"meter": "E1", "value": 1, "colour": "red"}]}, "readings.0"),
        ({"readings": [{"meter": "E1", "value": 1}], "dry_run": "perhaps"}, "dry_run"),
    ],
)
def test_malformed_bulk_requests_are_refused(contributor, meter, body, field):
    error = error_of(api_client(contributor).post(f"{API}/readings/bulk/", body, format="json"), 400)
    assert field in error["fields"]


def test_bulk_requests_are_limited_in_size(contributor, meter, monkeypatch):
    monkeypatch.setattr(services, "MAX_BULK_ROWS", 10)
    error = error_of(
        api_client(contributor).post(f"{API}/readings/bulk/", {"readings": interval_rows(11)}, format="json"),
        400,
    )
    assert "at most 10" in error["fields"]["readings"][0]
    assert not Reading.objects.exists()


def test_a_site_limited_contributor_only_sees_and_writes_their_sites_meters(
    organisation, sites, meter, far_meter, batch
):
    client = api_client(site_limited(organisation, sites[1]))
    assert [m["code"] for m in client.get(f"{API}/meters/").json()["results"]] == ["L1"]
    assert client.get(f"{API}/readings/").json()["results"] == []
    assert client.get(f"{API}/monthly-totals/").json()["results"] == []
    error_of(client.get(f"{API}/meters/{meter.pk}/"), 404)
    error = error_of(
        client.post(
            f"{API}/readings/",
            {"meter": meter.pk, "value": 1, "timestamp": "2026-03-01T00:00Z"},
            format="json",
        ),
        400,
    )
    assert "meter" in error["fields"]
    error = error_of(client.post(f"{API}/readings/bulk/", {"readings": interval_rows(1)}, format="json"), 400)
    assert "readings.0.meter" in error["fields"]
    error = error_of(
        client.post(
            f"{API}/readings/bulk/",
            {"readings": [{"meter": meter.pk, "timestamp": "2026-03-01T00:00Z", "value": 1}]},
            format="json",
        ),
        400,
    )
    assert "readings.0.meter" in error["fields"]
    error_of(client.get(f"{API}/reading-batches/{batch.pk}/"), 404)
    assert Reading.objects.count() == 1


def test_readings_filter_by_meter_site_and_period(viewer, organisation, sites, meter, far_meter):
    services.readings_bulk(
        organisation=organisation,
        user=None,
        items=[*interval_rows(8), {"meter": "L1", "start": "2026-01-01", "end": "2026-01-02", "value": 1}],
    )
    client = api_client(viewer)
    assert client.get(f"{API}/readings/?meter={far_meter.pk}").json()["count"] == 1
    assert client.get(f"{API}/readings/?site={sites[0].pk}").json()["count"] == 8
    body = client.get(
        f"{API}/readings/?meter={meter.pk}&from=2026-01-01T00:30:00Z&to=2026-01-01T01:30:00Z"
    ).json()
    assert [r["start"] for r in body["results"]] == [
        f"2026-01-01T0{h}:{m}:00Z" for h, m in ((0, "30"), (0, "45"), (1, "00"), (1, "15"))
    ]
    assert client.get(f"{API}/monthly-totals/?kind=water").json()["count"] == 1
    assert client.get(f"{API}/monthly-totals/?from=2026-02-01").json()["count"] == 0
    error_of(client.get(f"{API}/readings/?meter=abc"), 400)


def test_a_file_is_uploaded_checked_committed_and_reverted(
    contributor, manager, organisation, meter, settings
):
    settings.TASKS = IMMEDIATE
    client = api_client(contributor)
    data = csv_bytes("E1,2026-01-01T00:00,1,kWh", "E1,2026-01-01T00:15,2,kWh")
    response = client.post(
        f"{API}/reading-batches/", {"file": SimpleUploadedFile("r.csv", data)}, format="multipart"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["total_rows"], body["processed_rows"], body["percent_done"]) == (
        "checked",
        2,
        2,
        100,
    )
    assert not Reading.objects.exists()
    committed = client.post(f"{API}/reading-batches/{body['id']}/commit/").json()
    assert (
        committed["status"] == "committed"
        and committed["committed_rows"] == 2
        and committed["meters"] == [meter.pk]
    )
    error_of(client.post(f"{API}/reading-batches/{body['id']}/revert/"), 403)
    reverted = api_client(manager).post(f"{API}/reading-batches/{body['id']}/revert/").json()
    assert reverted["status"] == "reverted" and not Reading.objects.exists()
    bad = client.post(
        f"{API}/reading-batches/", {"file": SimpleUploadedFile("r.txt", b"hello")}, format="multipart"
    )
    assert "CSV or XLSX" in error_of(bad, 400)["fields"]["file"][0]
    invalid = client.post(
        f"{API}/reading-batches/",
        {
            "file": SimpleUploadedFile("r.csv", csv_bytes("E1,2026-01-01T00:00,-1,kWh")),
            "commit_when_valid": True,
        },
        format="multipart",
    ).json()
    assert invalid["status"] == "invalid" and invalid["errors"][0]["column"] == "value"
    assert not Reading.objects.exists()


def test_site_figures_through_the_api(contributor, manager, organisation, sites, figure):
    client = api_client(contributor)
    created = client.post(
        f"{API}/site-figures/",
        {"site": sites[0].pk, "kind": "floor_area", "month": "2026-01-20", "value": "5400"},
        format="json",
    )
    assert created.status_code == 201 and created.json()["month"] == "2026-01-01"
    clash = client.post(
        f"{API}/site-figures/", {"kind": "employees", "month": "2026-01-01", "value": "1"}, format="json"
    )
    assert "already" in error_of(clash, 400)["fields"]["month"][0]
    negative = client.post(
        f"{API}/site-figures/", {"kind": "output", "month": "2026-01-01", "value": "-1"}, format="json"
    )
    error_of(negative, 400)
    patched = client.patch(
        f"{API}/site-figures/{figure.pk}/", {"value": "125", "version": figure.version}, format="json"
    )
    assert patched.json()["value"] == "125.0000"
    error_of(client.delete(f"{API}/site-figures/{figure.pk}/"), 403)
    assert api_client(manager).delete(f"{API}/site-figures/{figure.pk}/").status_code == 204
    assert SiteFigure.objects.count() == 1


def test_list_endpoints_cost_the_same_for_few_and_many_rows(viewer, organisation, sites, count_queries):
    client = api_client(viewer)
    collections = ["meters", "readings", "reading-batches", "monthly-totals", "site-figures"]

    def add(count, first):
        for index in range(first, first + count):
            meter = make_meter(organisation, sites[index % 2], code=f"M{index}", interval_minutes=15)
            services.readings_bulk(
                organisation=organisation, user=None, items=interval_rows(3, code=meter.code)
            )
            services.site_figure_create(
                organisation=organisation,
                site=sites[index % 2],
                kind="output",
                month=dt.date(2020 + index // 12, index % 12 + 1, 1),
                value=1,
            )

    add(2, 0)
    few = [count_queries(lambda c=c: client.get(f"{API}/{c}/")) for c in collections]
    add(20, 2)
    many = [count_queries(lambda c=c: client.get(f"{API}/{c}/")) for c in collections]
    assert few == many
