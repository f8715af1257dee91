"""Benchmark of the environmental performance dashboard and the annual report.

Seeds one organisation with the monthly totals that N meters read every 15 minutes for Y years
would give (30 meters × 10 years ≈ 10.5 million readings), an inventory per year calculated by
the real service, site figures and a few objectives with KPIs; then prints median and p95
latency, the query count, and each as a ratio to a bare Django view measured in the same run
(the method of bench.foundation).

With --with-readings (PostgreSQL only) the 15-minute readings are really written first, generated
inside the database, and the monthly totals are summed from them; the dashboard must cost the
same, because it never reads them.
"""

from __future__ import annotations

import argparse
import calendar
import datetime as dt
import math
import os
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from bench.foundation import measure, recreate_database, setup_django

INTERVALS_PER_DAY = 96  # 15-minute readings
SIX = Decimal("0.000001")
# (kind, unit, per-reading amount, fuel, disposal route): the meters cycle through these.
METER_KINDS = [
    ("electricity", "kWh", "12.5", "", ""),
    ("electricity", "kWh", "4.2", "", ""),
    ("gas", "kWh", "20", "", ""),
    ("electricity", "kWh", "7.1", "", ""),
    ("fuel", "litres", "0.05", "diesel", ""),
    ("water", "m³", "0.02", "", ""),
    ("heat", "kWh", "3", "", ""),
    ("waste", "t", "0.0004", "", "recycling"),
    ("waste", "t", "0.0002", "", "landfill"),
    ("material", "t", "0.001", "", ""),
]
FACTOR_OF = {"electricity": ("grid", 2, "electricity"), "gas": ("gas", 1, ""), "fuel": ("diesel", 1, "")}


def per_reading(base: str, index: int, month: int) -> Decimal:
    """A meter's amount per 15 minutes in a month: its base, with a winter peak and a little spread."""
    season = 1 + 0.3 * math.cos(2 * math.pi * (month - 1) / 12)
    return (Decimal(base) * Decimal(str(round(season * (1 + index % 7 / 20), 4)))).quantize(SIX)


def seed(meters: int, years: int, *, with_readings: bool = False, tag: str = "") -> dict[str, Any]:
    from django.db import connection, transaction

    from integrum.core.models import Membership, Organisation, Role, Site, User
    from integrum.ghg import services as ghg_services
    from integrum.ghg.models import EmissionSource
    from integrum.ghg.tests.factories import DESNZ_2024_LIKE, make_dataset
    from integrum.measurement.models import Meter, MonthlyTotal, Reading, ReadingBatch, SiteFigure
    from integrum.performance import services as performance_services
    from integrum.performance.models import Kpi
    from integrum.standards.loader import load_library
    from integrum.standards.models import Standard

    if with_readings and connection.vendor != "postgresql":
        raise SystemExit(
            "--with-readings generates the readings inside PostgreSQL; run it with DATABASE_URL set."
        )
    load_library()
    iso14001 = Standard.objects.get(code="ISO 14001")
    organisation = Organisation.objects.create(name="Bench Foundry", slug=f"benchdash{tag}")
    sites = [
        Site.objects.create(organisation=organisation, name=f"Plant {i}", code=f"P{i}") for i in range(5)
    ]
    manager = User.objects.create_user(f"dash-manager{tag}@bench.test", "bench-password-1")
    limited = User.objects.create_user(f"dash-limited{tag}@bench.test", "bench-password-1")
    Membership.objects.create(organisation=organisation, user=manager, role=Role.MANAGER)
    membership = Membership.objects.create(organisation=organisation, user=limited, role=Role.VIEWER)
    membership.sites.set([sites[0]])
    dataset = make_dataset(f"desnz{tag}-2024", factors=DESNZ_2024_LIKE)

    last_year = dt.date.today().year - 1
    first_year = last_year - years + 1
    made = Meter.objects.bulk_create(
        Meter(
            organisation=organisation,
            site=sites[i % len(sites)],
            code=f"M{i:04d}",
            name=f"{kind.capitalize()} meter {i}",
            kind=kind,
            unit=unit,
            fuel=fuel,
            disposal_route=route,
            interval_minutes=15,
        )
        for i, (kind, unit, _, fuel, route) in ((i, METER_KINDS[i % len(METER_KINDS)]) for i in range(meters))
    )
    EmissionSource.objects.bulk_create(
        EmissionSource(
            organisation=organisation,
            meter=meter,
            family=dataset.family,
            factor_key=FACTOR_OF[meter.kind][0],
            scope=FACTOR_OF[meter.kind][1],
            scope2_basis=FACTOR_OF[meter.kind][2],
        )
        for meter in made
        if meter.kind in FACTOR_OF
    )
    readings = 0
    if with_readings:
        batch = ReadingBatch.objects.create(
            organisation=organisation, source=ReadingBatch.Source.IMPORT, status=ReadingBatch.Status.COMMITTED
        )
        started = time.perf_counter()
        for i, meter in enumerate(made):
            base = METER_KINDS[i % len(METER_KINDS)][2]
            amounts = [str(per_reading(base, i, month)) for month in range(1, 13)]
            quality = "estimated" if i % 10 == 3 else "measured"
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    f"""
                    INSERT INTO {Reading._meta.db_table}
                        (organisation_id, meter_id, batch_id, start, "end", quantity, register, quality, is_outlier)
                    SELECT %s, %s, %s, moment, moment + interval '15 minutes',
                           (%s::numeric[])[extract(month FROM moment AT TIME ZONE 'UTC')::int], NULL, %s, false
                    FROM generate_series(%s::timestamptz, %s::timestamptz - interval '15 minutes',
                                         interval '15 minutes') AS moment
                    """,
                    [
                        organisation.pk,
                        meter.pk,
                        batch.pk,
                        amounts,
                        quality,
                        f"{first_year}-01-01T00:00:00+00:00",
                        f"{last_year + 1}-01-01T00:00:00+00:00",
                    ],
                )
                readings += cursor.rowcount
            print(
                f"  meter {i + 1}/{len(made)}: {readings:,} readings, {time.perf_counter() - started:.0f} s",
                file=sys.stderr,
            )
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                INSERT INTO {MonthlyTotal._meta.db_table}
                    (organisation_id, site_id, meter_id, month, quantity, estimated_quantity, reading_count)
                SELECT r.organisation_id, m.site_id, r.meter_id, date_trunc('month', r.start AT TIME ZONE 'UTC')::date,
                       sum(r.quantity), sum(CASE WHEN r.quality = 'estimated' THEN r.quantity ELSE 0 END), count(*)
                FROM {Reading._meta.db_table} r JOIN {Meter._meta.db_table} m ON m.id = r.meter_id
                WHERE r.organisation_id = %s
                GROUP BY 1, 2, 3, 4
                """,
                [organisation.pk],
            )
        ReadingBatch.objects.filter(pk=batch.pk).update(committed_rows=readings, total_rows=readings)
    else:
        totals = []
        for i, meter in enumerate(made):
            base = METER_KINDS[i % len(METER_KINDS)][2]
            for year in range(first_year, last_year + 1):
                for month in range(1, 13):
                    count = calendar.monthrange(year, month)[1] * INTERVALS_PER_DAY
                    quantity = per_reading(base, i, month) * count
                    readings += count
                    totals.append(
                        MonthlyTotal(
                            organisation=organisation,
                            site_id=meter.site_id,
                            meter=meter,
                            month=dt.date(year, month, 1),
                            quantity=quantity,
                            estimated_quantity=quantity if i % 10 == 3 else Decimal(0),
                            reading_count=count,
                        )
                    )
        MonthlyTotal.objects.bulk_create(totals, batch_size=5000)

    SiteFigure.objects.bulk_create(
        SiteFigure(
            organisation=organisation,
            site=site,
            kind=kind,
            month=dt.date(year, month, 1),
            value=value,
            unit=unit,
        )
        for site in sites
        for year in range(first_year, last_year + 1)
        for month in range(1, 13)
        for kind, value, unit in (
            ("output", 400 + site.pk % 50, "t castings"),
            ("floor_area", 5000, ""),
            ("employees", 120, ""),
        )
    )
    for year in range(first_year, last_year + 1):
        ghg_services.inventory_create(organisation=organisation, year=year, dataset=dataset)
    for kind, unit, basis in (("electricity", "MWh", ""), ("water", "m³", ""), ("", "t CO2e", "scope12")):
        kpi = performance_services.kpi_create(
            organisation=organisation,
            name=f"{kind or 'Emissions'} per month",
            unit=unit,
            direction=Kpi.Direction.LOWER,
            standards=[iso14001],
            source=Kpi.Source.METERS if kind else Kpi.Source.EMISSIONS,
            meter_kind=kind,
            emissions_basis=basis,
            frequency="monthly",
            target=Decimal(1),
        )
        performance_services.objective_create(
            organisation=organisation,
            title=f"Reduce {kind or 'emissions'}",
            statement="Less each year.",
            kpi=kpi,
            start_date=dt.date(last_year, 1, 1),
            due_date=dt.date(last_year + 1, 12, 31),
            standards=[iso14001],
            baseline_value=Decimal(1000),
        )
    if connection.vendor == "postgresql":  # what autovacuum would have done on a live system
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    from integrum.ghg.models import InventoryResult

    counts = {
        "readings": Reading.objects.filter(organisation=organisation).count(),
        "readings_equivalent": readings,
        "monthly_totals": MonthlyTotal.objects.filter(organisation=organisation).count(),
        "inventory_results": InventoryResult.objects.filter(organisation=organisation).count(),
    }
    return {"manager": manager, "limited": limited, "sites": sites, "year": last_year, "counts": counts}


def run(
    meters: int,
    years: int,
    repeat: int,
    *,
    with_readings: bool = False,
    pdf: bool = False,
    fresh_database: bool = True,
    tag: str = "",
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    from django.test import Client

    if fresh_database:
        recreate_database()
    started = time.perf_counter()
    data = seed(meters, years, with_readings=with_readings, tag=tag)
    counts = data["counts"]
    print(
        f"seeded {meters} meters × {years} years in {time.perf_counter() - started:.1f} s: "
        f"{counts['readings']:,} readings stored ({counts['readings_equivalent']:,} summarised), "
        f"{counts['monthly_totals']:,} monthly totals, {counts['inventory_results']:,} inventory results",
        file=sys.stderr,
    )
    client, limited = Client(), Client()
    client.force_login(data["manager"])
    limited.force_login(data["limited"])
    year, site = data["year"], data["sites"][1].pk

    def get(who: Client, url: str) -> Callable[[], Any]:
        return lambda: who.get(url)

    cases: list[tuple[str, Callable[[], Any]]] = [
        ("bare Django view (baseline)", get(client, "/bench/bare/")),
        ("dashboard, latest year, all sites", get(client, "/performance/dashboard/")),
        ("dashboard, one site", get(client, f"/performance/dashboard/?year={year}&site={site}")),
        ("dashboard, earlier year", get(client, f"/performance/dashboard/?year={year - 1}")),
        ("dashboard, site-limited member", get(limited, "/performance/dashboard/")),
        ("annual report, HTML preview", get(client, f"/performance/report/{year}/")),
        ("annual report, XLSX", get(client, f"/performance/report/{year}.xlsx")),
    ]
    if pdf:
        cases.append(("annual report, PDF", get(client, f"/performance/report/{year}.pdf")))
    results = []
    baseline: tuple[float, float] | None = None
    for name, call in cases:
        median, p95, queries = measure(call, repeat)
        baseline = baseline or (median, p95)
        results.append(
            {
                "name": name,
                "median": median,
                "p95": p95,
                "queries": queries,
                "ratio": median / baseline[0],
                "p95_ratio": p95 / baseline[1],
            }
        )
    return results, counts


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--meters", type=int, default=30)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--with-readings", action="store_true", help="also store the readings (PostgreSQL)")
    parser.add_argument("--pdf", action="store_true", help="also time the report's PDF (slow: WeasyPrint)")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    args = parser.parse_args()
    setup_django(args.database_url)
    from django.db import connection

    results, counts = run(
        args.meters, args.years, args.repeat, with_readings=args.with_readings, pdf=args.pdf
    )
    print(
        f"\n{connection.vendor}, {args.meters} meters × {args.years} years = {counts['readings_equivalent']:,} "
        f"15-minute readings ({counts['readings']:,} stored), {counts['monthly_totals']:,} monthly totals, "
        f"{args.repeat} requests each"
    )
    print(f"{'case':36} {'median ms':>10} {'p95 ms':>8} {'queries':>8} {'× bare':>8} {'p95 ×':>7}")
    for r in results:
        print(
            f"{r['name']:36} {r['median']:10.1f} {r['p95']:8.1f} {r['queries']:8d} "
            f"{r['ratio']:8.1f} {r['p95_ratio']:7.1f}"
        )


if __name__ == "__main__":
    main()
