"""Benchmark of the reading import: `integrum import readings` against a raw bulk insert.

Generates a CSV of N interval readings (default 1,000,000: 30 meters of 15-minute data), then
times in the same run (b) a raw bulk insert of the same rows into the readings table (COPY on
PostgreSQL, executemany elsewhere) with no checks and no totals, and (a) the import command
(every row checked, overlaps and outliers looked for, readings copied in, monthly totals and the
change log written), and prints both, their ratio and the queries the import made.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import datetime as dt
import io
import os
import pstats
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.foundation import recreate_database, setup_django

INTERVAL = dt.timedelta(minutes=15)
FIRST = dt.datetime(2025, 1, 1)


def generate_csv(path: Path, rows: int, meters: int) -> int:
    """Write `rows` readings (timestamp by timestamp, every meter at each) and return how many."""
    rng = random.Random(42)
    codes = [f"M{index:03d}" for index in range(meters)]
    written = 0
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["meter", "timestamp", "value", "unit"])
        step = 0
        while written < rows:
            moment = (FIRST + step * INTERVAL).isoformat(timespec="minutes")
            hour = (FIRST + step * INTERVAL).hour
            load = 1.0 if 7 <= hour < 19 else 0.4  # working hours and the night base load
            for code in codes:
                if written == rows:
                    break
                writer.writerow([code, moment, f"{load * rng.uniform(8, 12):.3f}", "kWh"])
                written += 1
            step += 1
    return written


def seed(meters: int, tag: str = "") -> Any:
    from integrum.core.models import Organisation, Site
    from integrum.measurement.models import Meter

    organisation = Organisation.objects.create(name="Bench Readings", slug=f"benchreadings{tag}")
    sites = [Site.objects.create(organisation=organisation, name=f"Site {i}", code=f"S{i}") for i in range(3)]
    Meter.objects.bulk_create(
        [
            Meter(
                organisation=organisation,
                site=sites[index % len(sites)],
                code=f"M{index:03d}",
                name=f"Sub-meter {index}",
                kind=Meter.Kind.ELECTRICITY,
                unit="kWh",
                interval_minutes=15,
            )
            for index in range(meters)
        ]
    )
    return organisation


def empty_tables() -> None:
    from django.db import connection

    from integrum.measurement.models import MonthlyTotal, Reading

    with connection.cursor() as cursor:
        for model in (Reading, MonthlyTotal):
            table = model._meta.db_table
            cursor.execute(
                f"TRUNCATE {table}" if connection.vendor == "postgresql" else f"DELETE FROM {table}"
            )


def raw_insert(path: Path, organisation: Any) -> int:
    """The floor: parse the CSV as simply as can be and bulk-insert the rows, nothing checked."""
    from integrum.measurement.models import Meter, ReadingBatch
    from integrum.measurement.readings import insert_rows

    batch = ReadingBatch.objects.create(organisation=organisation, source=ReadingBatch.Source.IMPORT)
    ids = dict(Meter.objects.filter(organisation=organisation).values_list("code", "pk"))
    moments: dict[str, tuple[dt.datetime, dt.datetime]] = {}
    count = 0

    def rows() -> Any:
        nonlocal count
        with path.open(newline="") as handle:
            reader = csv.reader(handle)
            next(reader)
            for code, stamp, value, _unit in reader:
                period = moments.get(stamp)
                if period is None:
                    start = dt.datetime.fromisoformat(stamp).replace(tzinfo=dt.UTC)
                    period = moments[stamp] = (start, start + INTERVAL)
                count += 1
                yield (
                    organisation.pk,
                    ids[code],
                    batch.pk,
                    period[0],
                    period[1],
                    value,
                    None,
                    "measured",
                    False,
                )

    insert_rows(rows())
    return count


def run(
    rows: int, meters: int, *, fresh_database: bool = True, tag: str = "", profile: bool = False
) -> dict[str, Any]:
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from integrum.measurement.models import MonthlyTotal, Reading

    if fresh_database:
        recreate_database()
    organisation = seed(meters, tag)
    folder = Path(tempfile.mkdtemp(prefix="integrum-bench-readings-"))
    path = folder / "readings.csv"
    started = time.perf_counter()
    written = generate_csv(path, rows, meters)
    print(
        f"wrote {written} rows ({path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - started:.1f} s",
        file=sys.stderr,
    )

    started = time.perf_counter()
    raw_count = raw_insert(path, organisation)
    raw_seconds = time.perf_counter() - started
    assert Reading.objects.filter(organisation=organisation).count() == raw_count == written
    empty_tables()

    output = io.StringIO()
    profiler = cProfile.Profile() if profile else None
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        call_command("import", "readings", str(path), "--organisation", organisation.slug, stdout=output)
        if profiler:
            profiler.disable()
        import_seconds = time.perf_counter() - started
    lines = output.getvalue().splitlines()
    mine = Reading.objects.filter(organisation=organisation)
    assert mine.count() == written, lines[-3:]
    if rows <= 100_000:  # summing a million decimals in Python adds nothing to the benchmark
        total = sum(MonthlyTotal.objects.filter(organisation=organisation).values_list("quantity", flat=True))
        assert total == sum(mine.values_list("quantity", flat=True))
    path.unlink()
    folder.rmdir()
    if profiler:
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(35)
    check_line = next((line for line in reversed(lines) if line.startswith("checked")), "")
    return {
        "rows": written,
        "meters": meters,
        "import_seconds": import_seconds,
        "raw_seconds": raw_seconds,
        "ratio": import_seconds / raw_seconds,
        "queries": len(captured.captured_queries),
        "check_line": check_line,
        "last_line": lines[-1] if lines else "",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--meters", type=int, default=30)
    parser.add_argument("--profile", action="store_true", help="Print where the import spends its time.")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    args = parser.parse_args()
    setup_django(args.database_url)
    from django.db import connection

    result = run(args.rows, args.meters, profile=args.profile)
    print(f"\n{connection.vendor}, {result['rows']} readings of {result['meters']} meters")
    print(f"{'integrum import readings (check + commit)':44} {result['import_seconds']:8.1f} s")
    print(f"{'raw bulk insert of the same rows':44} {result['raw_seconds']:8.1f} s")
    print(f"{'ratio':44} {result['ratio']:8.1f} ×")
    print(f"{'queries made by the import':44} {result['queries']:8d}")
    print(f"  {result['check_line']}")
    print(f"  {result['last_line']}")


if __name__ == "__main__":
    main()
