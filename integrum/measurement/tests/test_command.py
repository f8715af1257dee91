"""`integrum import readings FILE`: checked, then committed all or nothing, from the terminal."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from integrum.core.models import ObjectChange, Organisation, Site
from integrum.measurement import readings
from integrum.measurement.models import MonthlyTotal, Reading, ReadingBatch
from integrum.measurement.tests.factories import csv_bytes, make_meter, xlsx_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def meter(organisation, sites):
    return make_meter(organisation, sites[0], interval_minutes=30)


def write(tmp_path, data, name="readings.csv"):
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import", "readings", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def rows(count):
    return [f"E1,2026-01-01T{i // 2:02d}:{'30' if i % 2 else '00'},1.5,kWh" for i in range(count)]


def test_it_checks_and_commits_with_progress(tmp_path, meter, monkeypatch):
    monkeypatch.setattr(readings, "PROGRESS_EVERY", 4)
    out, _ = run(write(tmp_path, csv_bytes(*rows(10))))
    lines = out.splitlines()
    assert [line.split(" (")[0] for line in lines if line.startswith("checked")] == [
        "checked 4 of 10 rows",
        "checked 8 of 10 rows",
        "checked 10 of 10 rows",
    ]
    assert "10 readings committed" in lines[-1]
    batch = ReadingBatch.objects.get()
    assert (batch.status, batch.source, batch.file_name, batch.created_by) == (
        "committed",
        "import",
        "readings.csv",
        None,
    )
    assert MonthlyTotal.objects.get().quantity == 15
    change = ObjectChange.objects.for_object(batch).first()
    assert change.actor_label == "command line" and change.actor_id is None


def test_a_dry_run_writes_nothing(tmp_path, meter):
    out, _ = run(write(tmp_path, csv_bytes(*rows(3))), "--dry-run")
    assert "Dry run: nothing was committed" in out
    assert not Reading.objects.exists() and not ReadingBatch.objects.exists()


def test_errors_are_printed_and_nothing_is_committed(tmp_path, meter):
    bad = [f"E1,2026-02-{day:02d}T00:00,-1,kWh" for day in range(1, 29)] + [
        f"X{n},2026-01-01T00:00,1,kWh" for n in range(30)
    ]
    with pytest.raises(CommandError) as excinfo:
        run(write(tmp_path, csv_bytes(*rows(4), *bad)))
    assert excinfo.value.returncode == 1
    assert "58 rows have errors out of 62" in str(excinfo.value)
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError):
        call_command("import", "readings", write(tmp_path, csv_bytes(*rows(4), *bad)), stdout=out, stderr=err)
    printed = err.getvalue().splitlines()
    assert len(printed) == 51 and printed[0].startswith("row 6, value: An amount used cannot be negative")
    assert printed[-1] == "… and 8 more errors."
    assert not Reading.objects.exists() and not ReadingBatch.objects.exists()


def test_an_xlsx_file_is_imported(tmp_path, organisation, sites):
    make_meter(organisation, sites[0], code="W1", kind="water", unit="m³")
    data = xlsx_bytes(
        [["meter", "start", "end", "value", "unit"], ["W1", "2026-01-01", "2026-02-01", 1500, "litres"]]
    )
    run(write(tmp_path, data, "water.xlsx"))
    assert Reading.objects.get().quantity == 1.5


def test_the_organisation_is_named_when_there_are_several(tmp_path, meter, other_organisation):
    path = write(tmp_path, csv_bytes(*rows(2)))
    with pytest.raises(CommandError, match="several organisations"):
        run(path)
    other_site = Site.objects.create(organisation=other_organisation, name="Elsewhere", code="ELS")
    make_meter(other_organisation, other_site, code="E1", interval_minutes=30)
    run(path, "--organisation", "acme")
    run(path, "--organisation", str(other_organisation.pk))
    assert sorted(Reading.objects.values_list("organisation__slug", flat=True)) == [
        "acme",
        "acme",
        "other",
        "other",
    ]
    with pytest.raises(CommandError, match="No organisation"):
        run(path, "--organisation", "nobody")


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("readings.pdf", b"%PDF-1.4", "CSV or XLSX"),
        ("readings.csv", b"meter,colour,value\nE1,red,1\n", "Unknown column"),
    ],
)
def test_a_file_that_is_not_a_readings_file_is_refused(tmp_path, meter, name, data, message):
    with pytest.raises(CommandError, match=message):
        run(write(tmp_path, data, name))
    assert not ReadingBatch.objects.exists()


def test_a_missing_file_is_refused(tmp_path, meter):
    with pytest.raises(CommandError, match="no file"):
        run(str(tmp_path / "missing.csv"))


def test_without_organisations_there_is_nothing_to_import_into(tmp_path, db):
    assert not Organisation.objects.exists()
    with pytest.raises(CommandError, match="no organisation"):
        run(write(tmp_path, csv_bytes(*rows(1))))
