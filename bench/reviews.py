"""Benchmark of the management review: compiling every input, the review page and its PDF.

Seeds one organisation with Y years (default 3) of data in every input a review reads, with bulk
inserts that bypass the services (the benchmark measures reads): the planning registers of
bench.registers (context issues, interested parties and their requirements, processes, roles,
obligations and evaluations of compliance, aspects, risks), their change-log entries spread over
the years (properly chained), nonconformities and actions (bench.nonconformities), audits with
findings, KPIs with monthly values and objectives. Then times `reviews.services.review_compile`
(a refresh of every input), the review's page and its PDF, and prints median and p95 latency, the
query count, and each as a ratio to a bare Django view measured in the same run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import random
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from bench.foundation import measure, recreate_database, setup_django

# Yearly volumes of a mid-sized two-standard organisation, times --scale.
REGISTER_ROWS_PER_YEAR = 100  # of each planning register
NCS_PER_YEAR = 400
ACTIONS_PER_YEAR = 1000
AUDITS_PER_YEAR = 12
FINDINGS_PER_AUDIT = 8
KPIS = 20
OBJECTIVES_PER_YEAR = 8
CONTEXT_CHANGES_PER_YEAR = 300
PDF_REPEAT = 5  # WeasyPrint takes seconds: fewer rounds


class Done:
    """What `measure` expects of a call that is not a request."""

    status_code = 200


def _change_log(organisation: Any, users: list[Any], count: int, days: int, rng: random.Random) -> None:
    """`count` change-log entries on the organisation's context records, spread over `days` days,
    appended to the real chain (hashes and head kept consistent, as `integrum audit verify` wants)."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction
    from django.utils import timezone

    from integrum.context.models import ContextIssue, InterestedParty, Process
    from integrum.core.changelog import GENESIS_HASH, entry_hash
    from integrum.core.models import ChainHead, ObjectChange

    targets = []
    for model in (ContextIssue, InterestedParty, Process):
        content_type = ContentType.objects.get_for_model(model)
        ids = list(model.objects.filter(organisation=organisation).values_list("pk", flat=True)[:500])
        targets += [(content_type.pk, pk) for pk in ids]
    if not targets:
        return
    now = timezone.now()
    times = sorted(now - dt.timedelta(days=rng.uniform(0, days)) for _ in range(count))
    with transaction.atomic():
        head, _ = ChainHead.objects.select_for_update().get_or_create(
            pk=1, defaults={"last_hash": GENESIS_HASH}
        )
        last_id, last_hash = head.last_id, head.last_hash
        entries = []
        for moment in times:
            type_id, pk = rng.choice(targets)
            user = rng.choice(users)
            action = rng.choice(("create", "update", "update", "update", "delete"))
            entry = ObjectChange(
                id=last_id + 1,
                time=moment.astimezone(dt.UTC),
                actor_id=user.pk,
                actor_label=user.email,
                organisation_id=organisation.pk,
                content_type_id=type_id,
                object_id=str(pk),
                object_repr=f"Record {pk}",
                action=action,
                before=None if action == "create" else {"title": "Before"},
                after=None if action == "delete" else {"title": "After"},
                message="",
                request_id="",
                prev_hash=last_hash,
            )
            entry.hash = entry_hash(entry)
            last_id, last_hash = entry.pk, entry.hash
            entries.append(entry)
        ObjectChange.objects.bulk_create(entries, batch_size=2000)
        ChainHead.objects.filter(pk=1).update(last_id=last_id, last_hash=last_hash)


def _audits(
    organisation: Any, users: list[Any], sites: list[Any], years: int, scale: int, rng: random.Random
) -> None:
    from django.utils import timezone

    from integrum.audits.models import Audit, Finding, Grade
    from integrum.core.models import NumberSequence
    from integrum.standards.models import Clause, Standard

    today = timezone.localdate()
    standards = list(Standard.objects.all())
    clauses = list(Clause.objects.filter(standard__in=standards).values_list("pk", flat=True))
    audits = []
    count = AUDITS_PER_YEAR * years * scale
    for number in range(1, count + 1):
        start = today - dt.timedelta(days=int((count - number) * 365 * years / count))
        done = start < today - dt.timedelta(days=30)
        audits.append(
            Audit(
                organisation=organisation,
                number=number,
                reference=f"AUD-{number:04d}",
                title=f"Internal audit {number}",
                scope="Production, goods in, dispatch; records of the last twelve months.",
                lead_auditor=rng.choice(users),
                planned_start=start,
                planned_end=start + dt.timedelta(days=2),
                started_on=start if start <= today else None,
                reported_on=start + dt.timedelta(days=7) if done else None,
                closed_on=start + dt.timedelta(days=30) if done else None,
                status=Audit.Status.CLOSED if done else Audit.Status.IN_PROGRESS,
                summary="Effective overall." if done else "",
            )
        )
    audits = Audit.objects.bulk_create(audits)
    Audit.standards.through.objects.bulk_create(
        Audit.standards.through(audit_id=audit.pk, standard_id=standard.pk)
        for audit in audits
        for standard in standards
    )
    grades = [Grade.MAJOR] + [Grade.MINOR] * 3 + [Grade.OBSERVATION] * 2 + [Grade.OFI] * 2
    findings = []
    number = 0
    for audit in audits:
        if audit.status != Audit.Status.CLOSED:
            continue
        for _ in range(FINDINGS_PER_AUDIT):
            number += 1
            findings.append(
                Finding(
                    organisation=organisation,
                    number=number,
                    reference=f"FND-{number:05d}",
                    audit=audit,
                    grade=rng.choice(grades),
                    clause_id=rng.choice(clauses),
                    statement="The record required by the procedure was not kept for two batches.",
                    evidence="Batch cards 1182 and 1190.",
                    site=rng.choice([*sites, None]),
                    raised_by=audit.lead_auditor,
                )
            )
    Finding.objects.bulk_create(findings, batch_size=2000)
    NumberSequence.objects.bulk_create(
        [
            NumberSequence(organisation=organisation, key="audit", last_value=len(audits)),
            NumberSequence(organisation=organisation, key="finding", last_value=number),
        ]
    )


def _performance(organisation: Any, users: list[Any], years: int, scale: int, rng: random.Random) -> None:
    from django.utils import timezone

    from integrum.core.models import NumberSequence
    from integrum.performance.models import Kpi, KpiValue, Objective
    from integrum.standards.models import Standard

    today = timezone.localdate()
    standards = list(Standard.objects.all())
    kpis = Kpi.objects.bulk_create(
        Kpi(
            organisation=organisation,
            number=number,
            reference=f"KPI-{number:03d}",
            name=f"Indicator {number}",
            unit=("%", "kWh/t", "complaints", "days")[number % 4],
            direction=Kpi.Direction.LOWER if number % 3 else Kpi.Direction.HIGHER,
            target=Decimal(50 + number),
            frequency=Kpi.Frequency.MONTHLY,
            source=Kpi.Source.MANUAL,
            owner=rng.choice(users),
        )
        for number in range(1, KPIS * scale + 1)
    )
    Kpi.standards.through.objects.bulk_create(
        Kpi.standards.through(kpi_id=kpi.pk, standard_id=standards[kpi.number % len(standards)].pk)
        for kpi in kpis
    )
    first = dt.date(today.year - years, today.month, 1)
    months = [
        dt.date(first.year + (first.month - 1 + i) // 12, (first.month - 1 + i) % 12 + 1, 1)
        for i in range(years * 12)
    ]
    KpiValue.objects.bulk_create(
        (
            KpiValue(
                organisation=organisation,
                kpi=kpi,
                period=month,
                value=Decimal(rng.randint(30, 90)),
                entered_by=kpi.owner,
            )
            for kpi in kpis
            for month in months
        ),
        batch_size=2000,
    )
    count = OBJECTIVES_PER_YEAR * years * scale
    objectives = Objective.objects.bulk_create(
        Objective(
            organisation=organisation,
            number=number,
            reference=f"OBJ-{number:03d}",
            title=f"Objective {number}",
            statement="Fewer defects and less energy per tonne.",
            kpi=kpis[number % len(kpis)],
            baseline_value=Decimal(80),
            target_value=Decimal(60),
            start_date=first + dt.timedelta(days=int(number * 365 * years / count) - 90),
            due_date=first + dt.timedelta(days=int(number * 365 * years / count) + 365),
            owner=rng.choice(users),
        )
        for number in range(1, count + 1)
    )
    Objective.standards.through.objects.bulk_create(
        Objective.standards.through(objective_id=objective.pk, standard_id=standard.pk)
        for objective in objectives
        for standard in standards
    )
    NumberSequence.objects.bulk_create(
        [
            NumberSequence(organisation=organisation, key="kpi", last_value=len(kpis)),
            NumberSequence(organisation=organisation, key="objective", last_value=count),
        ]
    )


def seed(years: int, *, scale: int = 1, tag: str = "") -> dict[str, Any]:
    from django.db import connection
    from django.utils import timezone

    from bench import nonconformities, registers
    from integrum.core.models import Membership, Site
    from integrum.reviews import services as review_services
    from integrum.standards.models import Standard

    rng = random.Random(11)
    base = registers.seed(rows=REGISTER_ROWS_PER_YEAR * years * scale, tag=f"rv{tag}")
    organisation = base["organisation"]
    users = [m.user for m in Membership.objects.filter(organisation=organisation).select_related("user")]
    sites = list(Site.objects.filter(organisation=organisation))
    days = 365 * years
    _change_log(organisation, users, CONTEXT_CHANGES_PER_YEAR * years * scale, days, rng)
    nonconformities.seed_records(
        organisation,
        users,
        sites,
        ncs=NCS_PER_YEAR * years * scale,
        actions=ACTIONS_PER_YEAR * years * scale,
        days=days,
    )
    _audits(organisation, users, sites, years, scale, rng)
    _performance(organisation, users, years, scale, rng)
    if connection.vendor == "postgresql":  # what autovacuum would have done on a live system
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    today = timezone.localdate()
    review = review_services.review_create(
        organisation=organisation,
        title="Annual management review",
        standards=list(Standard.objects.all()),
        scheduled_for=today,
        chair=users[0],
        attendees=users[:5],
    )
    return {"user": users[0], "review": review}


def run(
    years: int, repeat: int, *, scale: int = 1, pdf: bool = True, fresh_database: bool = True, tag: str = ""
) -> list[dict[str, Any]]:
    from django.test import Client

    from integrum.reviews import services as review_services

    if fresh_database:
        recreate_database()
    started = time.perf_counter()
    data = seed(years, scale=scale, tag=tag)
    print(
        f"seeded {years} years of data (scale {scale}) in {time.perf_counter() - started:.1f} s",
        file=sys.stderr,
    )
    client = Client()
    client.force_login(data["user"])
    review = data["review"]

    def compile_inputs() -> Done:
        review_services.review_compile(review=review)
        return Done()

    def get(url: str) -> Callable[[], Any]:
        return lambda: client.get(url)

    compile_inputs()  # the page and the PDF show compiled inputs
    cases: list[tuple[str, Callable[[], Any], int]] = [
        ("bare Django view (baseline)", get("/bench/bare/"), repeat),
        ("review_compile (every input)", compile_inputs, repeat),
        ("review page", get(f"/reviews/{review.pk}/"), repeat),
    ]
    if pdf:
        cases.append(("review PDF", get(f"/reviews/{review.pk}/report.pdf"), min(repeat, PDF_REPEAT)))
    results: list[dict[str, Any]] = []
    baseline: tuple[float, float] | None = None
    for name, call, rounds in cases:
        if call().status_code == 404:
            results.append({"name": name, "skipped": True})
            continue
        median, p95, queries = measure(call, rounds)
        baseline = baseline or (median, p95)
        results.append(
            {
                "name": name,
                "median": median,
                "p95": p95,
                "queries": queries,
                "ratio": median / baseline[0],
                "p95_ratio": p95 / baseline[1],
                "rounds": rounds,
            }
        )
    return results


def main() -> None:
    from bench.nonconformities import print_table

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--scale", type=int, default=1, help="multiply every yearly volume")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--no-pdf", action="store_true", help="leave out the PDF (WeasyPrint is slow)")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    args = parser.parse_args()
    setup_django(args.database_url)
    from django.db import connection

    logging.getLogger("weasyprint").setLevel(logging.ERROR)  # font subsetting notes, once per PDF
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    results = run(args.years, args.repeat, scale=args.scale, pdf=not args.no_pdf)
    s = args.scale
    print(
        f"\n{connection.vendor}, {args.years} years: per year {REGISTER_ROWS_PER_YEAR * s} rows of each register, "
        f"{NCS_PER_YEAR * s} NCs, {ACTIONS_PER_YEAR * s} actions, {AUDITS_PER_YEAR * s} audits, "
        f"{KPIS * s} KPIs monthly; {args.repeat} rounds each (PDF {min(args.repeat, PDF_REPEAT)})"
    )
    print_table(results)


if __name__ == "__main__":
    main()
