"""Files of readings imported through the page: checked in the background, committed all or
nothing, re-checked at commit, taken out again; the progress the page polls."""

from __future__ import annotations

import datetime as dt
import signal
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from integrum.measurement import readings, services
from integrum.measurement.models import Meter, MonthlyTotal, Reading, ReadingBatch
from integrum.measurement.tests.factories import IMMEDIATE, csv_bytes, make_meter, xlsx_bytes

pytestmark = pytest.mark.django_db

S = ReadingBatch.Status
DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = IMMEDIATE


@pytest.fixture
def meters(organisation, sites):
    return [
        make_meter(organisation, sites[0], code="E1", interval_minutes=30),
        make_meter(organisation, sites[0], code="G1", kind="gas", unit="m³", reading_kind="register"),
        make_meter(organisation, sites[1], code="W1", kind="water", unit="m³"),
    ]


GOOD = csv_bytes(
    "E1,2026-01-01T00:00,5,kWh",
    "E1,2026-01-01T00:30,0.006,MWh",
    "G1,2026-01-01T00:00,1000,",
    "G1,2026-02-01T00:00,1250,",
    header="meter,timestamp,value,unit",
)


def upload(client, data, name="readings.csv", mode="check"):
    return client.post(
        reverse("measurement:reading_import"), {"file": SimpleUploadedFile(name, data), "mode": mode}
    )


def nothing_committed():
    return not Reading.objects.exists() and not MonthlyTotal.objects.exists()


def test_a_checked_file_waits_for_commit_then_commits(as_contributor, contributor, meters, immediate_tasks):
    response = upload(as_contributor, GOOD)
    batch = ReadingBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == batch.get_absolute_url()
    assert batch.status == S.CHECKED and batch.created_by == contributor
    assert (batch.total_rows, batch.processed_rows, batch.committed_rows) == (4, 4, 0)
    assert nothing_committed()
    page = as_contributor.get(batch.get_absolute_url()).content.decode()
    assert "Commit 4 rows" in page and "Opening read of meter G1" in page
    response = as_contributor.post(reverse("measurement:batch_commit", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == S.COMMITTED and batch.committed_rows == 3
    assert sorted(Reading.objects.values_list("quantity", flat=True)) == [5, 6, 250]
    assert {t.meter.code: t.quantity for t in MonthlyTotal.objects.select_related("meter")} == {
        "E1": 11,
        "G1": 250,
    }
    assert set(batch.meters.values_list("code", flat=True)) == {"E1", "G1"}
    assert Meter.objects.get(code="G1").last_register == 1250


def test_a_clean_file_can_be_committed_straight_away(as_contributor, meters, immediate_tasks):
    upload(as_contributor, GOOD, mode="commit")
    batch = ReadingBatch.objects.get()
    assert batch.status == S.COMMITTED and batch.commit_when_valid
    assert Reading.objects.count() == 3


def test_an_xlsx_file_is_read_like_a_csv(as_contributor, meters, immediate_tasks):
    data = xlsx_bytes(
        [["meter", "start", "end", "value", "quality"], ["W1", "2026-01-01", "2026-02-01", 31, "invoiced"]]
    )
    upload(as_contributor, data, name="water.xlsx", mode="commit")
    assert ReadingBatch.objects.get().status == S.COMMITTED
    assert Reading.objects.get().quality == "invoiced"


BAD_FILES = {
    "an unknown unit": ("E1,2026-01-01T00:00,5,frobs", "unit", "is not a unit we know"),
    "an incompatible unit": ("E1,2026-01-01T00:00,5,kg", "unit", "Cannot convert"),
    "an unknown meter": ("X9,2026-01-01T00:00,5,kWh", "meter", "No meter"),
    "a bad date": ("E1,31/01/2026 10:00,5,kWh", "timestamp", "Dates must look like"),
    "a bad number": ("E1,2026-01-01T00:00,five,kWh", "value", "is not a number"),
    "a register going down": ("G1,2026-01-01,1000,\nG1,2026-02-01,900,", "value", "went down"),
    "the same period twice": ("E1,2026-01-01T00:00,5,kWh\nE1,2026-01-01T00:00,6,kWh", "start", "same period"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_a_file_with_a_bad_row_commits_nothing(as_contributor, meters, immediate_tasks, case):
    rows, column, message = BAD_FILES[case]
    data = csv_bytes("E1,2026-03-01T00:00,10,kWh", *rows.split("\n"), header="meter,timestamp,value,unit")
    upload(as_contributor, data, mode="commit")
    batch = ReadingBatch.objects.get()
    assert batch.status == S.INVALID
    assert column in {error["column"] for error in batch.errors}
    assert any(message in error["message"] for error in batch.errors)
    assert nothing_committed()
    page = as_contributor.get(batch.get_absolute_url()).content.decode()
    assert message in page and "Nothing was committed" in page and "Commit" not in page.split("Progress")[0]


def test_overlapping_periods_in_the_file_and_with_stored_readings_are_refused(
    as_contributor, organisation, meters, immediate_tasks
):
    services.readings_enter(
        organisation=organisation,
        user=None,
        meter=meters[2],
        value="10",
        start=readings.parse_moment("2026-01-01", dt.UTC),
        end=readings.parse_moment("2026-02-01", dt.UTC),
    )
    data = csv_bytes(
        "W1,2026-01-15,2026-02-15,5",
        "W1,2026-02-10,2026-03-10,5",
        "W1,2026-02-20,2026-03-01,5",
        header="meter,start,end,value",
    )
    upload(as_contributor, data, mode="commit")
    batch = ReadingBatch.objects.get(source=ReadingBatch.Source.IMPORT)
    assert batch.status == S.INVALID
    messages = [error["message"] for error in batch.errors]
    assert any("already has a reading" in message for message in messages)
    assert sum("overlaps row" in message for message in messages) == 2
    assert Reading.objects.count() == 1


@pytest.mark.parametrize(
    ("name", "data", "problem"),
    [
        ("readings.pdf", b"%PDF-1.4 not readings", "Import a CSV or XLSX file."),
        ("readings.csv", b"%PDF-1.4\x00\x01\x02 binary", "not a CSV file"),
        ("readings.xlsx", b"meter,value\nE1,5\n", "not a XLSX file"),
        ("readings.csv", b"meter,when,value\nE1,2026-01-01,5\n", "Unknown column(s): when"),
        ("readings.csv", b"meter,value\nE1,5\n", "needs a “timestamp” column"),
        ("readings.csv", b"", "empty"),
    ],
)
def test_a_file_that_is_not_a_readings_file_is_refused_at_once(
    as_contributor, meters, immediate_tasks, name, data, problem
):
    response = upload(as_contributor, data, name=name)
    assert response.status_code == 400
    assert problem in response.content.decode()
    assert not ReadingBatch.objects.exists()


def test_a_batch_is_checked_again_at_commit(as_contributor, organisation, meters, immediate_tasks):
    upload(as_contributor, csv_bytes("W1,2026-01-01,2026-02-01,10", header="meter,start,end,value"))
    batch = ReadingBatch.objects.get()
    assert batch.status == S.CHECKED
    services.readings_enter(
        organisation=organisation,
        user=None,
        meter=meters[2],
        value="7",
        start=readings.parse_moment("2026-01-10", dt.UTC),
        end=readings.parse_moment("2026-01-20", dt.UTC),
    )
    as_contributor.post(reverse("measurement:batch_commit", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == S.INVALID and "already has a reading" in batch.errors[0]["message"]
    assert list(Reading.objects.values_list("quantity", flat=True)) == [7]
    response = as_contributor.post(reverse("measurement:batch_commit", args=[batch.pk]))
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == S.INVALID  # only a checked batch can be committed


def test_a_manager_takes_a_batch_out_again(as_contributor, as_manager, meters, immediate_tasks):
    upload(
        as_contributor,
        csv_bytes("W1,2026-01-01,2026-02-01,10", header="meter,start,end,value"),
        mode="commit",
    )
    batch = ReadingBatch.objects.get()
    assert as_contributor.post(reverse("measurement:batch_revert", args=[batch.pk])).status_code == 403
    assert Reading.objects.count() == 1
    as_manager.post(reverse("measurement:batch_revert", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == S.REVERTED and not Reading.objects.exists()
    assert not MonthlyTotal.objects.exists()


def test_the_progress_fragment_polls_while_running_and_reloads_when_done(
    as_viewer, organisation, contributor
):
    batch = ReadingBatch.objects.create(
        organisation=organisation,
        source=ReadingBatch.Source.IMPORT,
        status=S.CHECKING,
        total_rows=200_000,
        processed_rows=40_000,
        created_by=contributor,
    )
    url = reverse("measurement:batch_progress", args=[batch.pk])
    fragment = as_viewer.get(url, HTTP_HX_REQUEST="true")
    text = fragment.content.decode()
    assert 'hx-get="' + url + '"' in text and 'hx-trigger="every 1s"' in text
    assert "40,000 of 200,000 rows checked (20&nbsp;%)" in text and "width: 20%" in text
    assert "HX-Refresh" not in fragment
    page = as_viewer.get(batch.get_absolute_url()).content.decode()
    assert 'hx-trigger="every 1s"' in page and "<script>" not in page
    ReadingBatch.objects.filter(pk=batch.pk).update(status=S.CHECKED, processed_rows=200_000, message="Done.")
    done = as_viewer.get(url, HTTP_HX_REQUEST="true")
    assert done["HX-Refresh"] == "true" and "hx-trigger" not in done.content.decode()


def test_a_batch_whose_work_fails_is_marked_failed(organisation, contributor, meters, settings):
    settings.TASKS = DATABASE_QUEUE
    batch = services.batch_start(organisation=organisation, user=contributor, name="r.csv", data=GOOD)
    batch.file.storage.delete(batch.file.name)
    assert services.batch_process(batch_id=batch.pk, user_id=contributor.pk, commit=False) == S.FAILED
    batch.refresh_from_db()
    assert batch.status == S.FAILED and "nothing was committed" in batch.message
    assert nothing_committed()


def run_worker_once() -> None:
    """Run the database queue's worker until the queue is empty, as `integrum db_worker` would."""
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    try:
        call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0", verbosity=0)
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


@pytest.mark.django_db(transaction=True)
def test_the_worker_checks_with_progress_others_can_see_then_commits(
    as_contributor, meters, settings, monkeypatch
):
    """With the database queue: the upload returns at once; the worker's progress is committed as
    it goes (another connection sees it); the commit is queued by the Commit button."""
    settings.TASKS = DATABASE_QUEUE
    monkeypatch.setattr(readings, "PROGRESS_EVERY", 10)
    rows = [f"E1,2026-01-01T{hour:02d}:{minute:02d},1,kWh" for hour in range(12) for minute in (0, 30)]
    upload(as_contributor, csv_bytes(*rows))
    batch = ReadingBatch.objects.get()
    assert batch.status == S.CHECKING and batch.total_rows == 24 and batch.processed_rows == 0
    seen: list[tuple[int, int]] = []
    real_rows = readings.rows_from_file

    def watched(name, data):
        for number, row in enumerate(real_rows(name, data), start=1):
            if number in (15, 24):
                seen.append(read_elsewhere(batch.pk))
            yield row

    monkeypatch.setattr(readings, "rows_from_file", watched)
    run_worker_once()
    batch.refresh_from_db()
    assert batch.status == S.CHECKED and batch.processed_rows == 24
    assert seen == [(10, 24), (20, 24)]
    as_contributor.post(reverse("measurement:batch_commit", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == S.COMMITTING and not Reading.objects.exists()
    run_worker_once()
    batch.refresh_from_db()
    assert batch.status == S.COMMITTED and Reading.objects.count() == 24


def read_elsewhere(batch_id: int) -> tuple[int, int]:
    """The batch's progress as another connection (the page's request) sees it."""
    found: list[tuple[int, int]] = []

    def read() -> None:
        try:
            found.append(ReadingBatch.objects.values_list("processed_rows", "total_rows").get(pk=batch_id))
        finally:
            connection.close()

    thread = threading.Thread(target=read)
    thread.start()
    thread.join()
    return found[0]
