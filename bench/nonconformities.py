"""Benchmark of nonconformities and the action tracker at 100,000 rows each.

Seeds one organisation with N nonconformities and N actions (bulk inserts that bypass the change
log: the benchmark measures reads) spread like a live system's: three years of history, most
records closed or done, the rest across every open status, twenty owners, three sites, 70 % of
the actions raised from a nonconformity. Then times the nonconformity list (default, filtered by
status and site, searched), a nonconformity's page, and the action list (default, overdue tab,
filtered by source), the ageing page and endpoint; prints median and p95 latency, the query
count, and each as a ratio to a bare Django view measured in the same run (the method of
bench.foundation). A case whose URL answers 404 (a page not built yet) is reported as skipped.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from bench.foundation import measure, recreate_database, setup_django

BATCH = 5000
WORDS = (
    "leak",
    "burr",
    "porosity",
    "late delivery",
    "wrong label",
    "calibration overdue",
    "missing record",
    "spill",
    "dimension out of tolerance",
    "damaged packaging",
    "training not recorded",
    "waste mixed",
    "bund cracked",
    "drawing revision",
    "supplier certificate",
    "customer complaint",
)
PLACES = ("on line 2", "at goods in", "in the paint shop", "at dispatch", "in the store", "on the press")
# (status, weight) of nonconformities and of actions: mostly finished, as on a live system.
NC_STATUSES = (
    ("closed", 55),
    ("rejected", 5),
    ("reported", 5),
    ("open", 10),
    ("action", 15),
    ("verification", 10),
)
ACTION_STATUSES = (("done", 60), ("cancelled", 5), ("open", 20), ("in_progress", 15))
NC_SOURCES = ("report", "complaint", "supplier", "process")
SEARCH_WORD = "porosity"  # in one title in sixteen


@contextmanager
def timestamps_as_given(*models: Any) -> Iterator[None]:
    """Let bulk inserts keep the `created_at` they are given (auto_now_add would overwrite it)."""
    fields = [model._meta.get_field("created_at") for model in models]
    for field in fields:
        field.auto_now_add = False
    try:
        yield
    finally:
        for field in fields:
            field.auto_now_add = True


def _weighted(rng: random.Random, table: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([v for v, _ in table], weights=[w for _, w in table])[0]


def seed_records(
    organisation: Any, users: list[Any], sites: list[Any], *, ncs: int, actions: int, days: int, seed: int = 7
) -> list[int]:
    """Bulk-insert `ncs` nonconformities and `actions` actions raised over the last `days` days
    (70 % of the actions from a nonconformity); returns the nonconformities' ids."""
    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone

    from integrum.actions.models import Action
    from integrum.core.models import NumberSequence
    from integrum.improvement.models import Nonconformity

    rng = random.Random(seed)
    now = timezone.now()
    today = timezone.localdate()

    def nonconformities() -> Iterator[Nonconformity]:
        for number in range(1, ncs + 1):
            age = rng.randint(0, days)
            detected = today - dt.timedelta(days=age)
            status = _weighted(rng, NC_STATUSES)
            if age < 30 and status in ("closed", "rejected"):
                status = "open"  # recent ones are rarely finished
            elif status not in ("closed", "rejected") and rng.random() < min(age / 365, 0.9):
                status = "closed"  # and old ones rarely still open
            closed = status == "closed"
            source = rng.choice(NC_SOURCES)
            yield Nonconformity(
                organisation=organisation,
                number=number,
                reference=f"NC-{number:06d}",
                title=f"{rng.choice(WORDS).capitalize()} {rng.choice(PLACES)}",
                description="Found during the shift; parts quarantined and the supervisor told.",
                status=status,
                source=source,
                source_detail="" if source == "report" else f"{source.title()} ref {number}",
                site=rng.choice([*sites, None]),
                severity="" if status == "reported" else rng.choice(("minor", "minor", "major", "critical")),
                detected_on=detected,
                reported_by=rng.choice(users),
                owner=None if status == "reported" else rng.choice(users),
                root_cause="Work instruction did not cover the changeover." if closed else "",
                cause_category="method" if closed else "",
                effectiveness="effective" if closed else "",
                effectiveness_due=detected + dt.timedelta(days=90) if status == "verification" else None,
                closed_at=now - dt.timedelta(days=max(age - 60, 0)) if closed else None,
                closed_by=rng.choice(users) if closed else None,
                created_at=now - dt.timedelta(days=age),
            )

    with timestamps_as_given(Nonconformity, Action):
        made: list[int] = []
        batch: list[Nonconformity] = []
        for nc in nonconformities():
            batch.append(nc)
            if len(batch) == BATCH:
                made += [n.pk for n in Nonconformity.objects.bulk_create(batch)]
                batch = []
        made += [n.pk for n in Nonconformity.objects.bulk_create(batch)]
        nc_type = ContentType.objects.get_for_model(Nonconformity)
        rows: list[Action] = []
        for number in range(1, actions + 1):
            age = rng.randint(0, days)
            raised = now - dt.timedelta(days=age)
            status = _weighted(rng, ACTION_STATUSES)
            if status in ("open", "in_progress") and rng.random() < min(age / 365, 0.9):
                status = "done"  # a backlog of old open actions, not three years of them
            done = status == "done"
            from_nc = bool(made) and rng.random() < 0.7
            rows.append(
                Action(
                    organisation=organisation,
                    number=number,
                    reference=f"ACT-{number:06d}",
                    title=f"Correct: {rng.choice(WORDS)} {rng.choice(PLACES)}",
                    owner=None if rng.random() < 0.05 else rng.choice(users),
                    site=rng.choice([*sites, None]),
                    status=status,
                    priority=rng.choice(Action.Priority.values),
                    due_date=(raised + dt.timedelta(days=rng.randint(14, 120))).date(),
                    completed_at=raised + dt.timedelta(days=rng.randint(5, 100)) if done else None,
                    outcome="Done; evidence filed." if done else "",
                    source_type=nc_type if from_nc else None,
                    source_id=str(rng.choice(made)) if from_nc else "",
                    created_at=raised,
                )
            )
            if len(rows) == BATCH:
                Action.objects.bulk_create(rows)
                rows = []
        Action.objects.bulk_create(rows)
    NumberSequence.objects.bulk_create(
        [
            NumberSequence(organisation=organisation, key="nonconformity", last_value=ncs),
            NumberSequence(organisation=organisation, key="action", last_value=actions),
        ]
    )
    return made


def seed(rows: int, tag: str = "") -> dict[str, Any]:
    from django.db import connection

    from integrum.core.models import Membership, Organisation, Role, Site, User
    from integrum.improvement.models import Nonconformity

    organisation = Organisation.objects.create(name="Bench Pressings", slug=f"benchnc{tag}")
    sites = [
        Site.objects.create(organisation=organisation, name=f"Works {i}", code=f"W{i}") for i in range(3)
    ]
    users = [User.objects.create_user(f"nc{i}{tag}@bench.test", "bench-password-1") for i in range(20)]
    Membership.objects.bulk_create(
        Membership(organisation=organisation, user=user, role=Role.MANAGER) for user in users
    )
    seed_records(organisation, users, sites, ncs=rows, actions=rows, days=3 * 365)
    if connection.vendor == "postgresql":  # what autovacuum would have done on a live system
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    ncs = Nonconformity.objects.filter(organisation=organisation).order_by("number")
    return {
        "user": users[0],
        "site": sites[1],
        "open_nc": ncs.filter(status="action").first(),
        "closed_nc": ncs.filter(status="closed").first(),
    }


def run(rows: int, repeat: int, *, fresh_database: bool = True, tag: str = "") -> list[dict[str, Any]]:
    from django.test import Client
    from rest_framework.authtoken.models import Token

    if fresh_database:
        recreate_database()
    started = time.perf_counter()
    data = seed(rows, tag)
    print(
        f"seeded {rows} nonconformities and {rows} actions in {time.perf_counter() - started:.1f} s",
        file=sys.stderr,
    )
    client = Client()
    client.force_login(data["user"])
    token = Token.objects.create(user=data["user"])
    api = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    site = data["site"].pk

    def get(who: Client, url: str) -> Callable[[], Any]:
        return lambda: who.get(url)

    cases: list[tuple[str, Callable[[], Any]]] = [
        ("bare Django view (baseline)", get(client, "/bench/bare/")),
        ("NC list page", get(client, "/improvement/")),
        ("NC list, status + site", get(client, f"/improvement/?status=open&status=action&site={site}")),
        ("NC list, searched", get(client, f"/improvement/?q={SEARCH_WORD}")),
        ("NC page, corrective action", get(client, f"/improvement/{data['open_nc'].pk}/")),
        ("NC page, closed", get(client, f"/improvement/{data['closed_nc'].pk}/")),
        ("NC list endpoint", get(api, "/api/v1/nonconformities/")),
        ("action list page", get(client, "/actions/")),
        ("action list, overdue tab", get(client, "/actions/?overdue=true")),
        ("action list, source = NC", get(client, "/actions/?source=improvement.nonconformity")),
        ("action ageing page", get(client, "/actions/ageing/")),
        ("action ageing endpoint", get(api, "/api/v1/actions/ageing/")),
    ]
    results: list[dict[str, Any]] = []
    baseline: tuple[float, float] | None = None
    for name, call in cases:
        if call().status_code == 404:
            results.append({"name": name, "skipped": True})
            continue
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
    return results


def print_table(results: list[dict[str, Any]]) -> None:
    print(f"{'case':32} {'median ms':>10} {'p95 ms':>8} {'queries':>8} {'× bare':>8} {'p95 ×':>7}")
    for r in results:
        if r.get("skipped"):
            print(f"{r['name']:32} {'skipped: 404 (not built yet)':>36}")
            continue
        print(
            f"{r['name']:32} {r['median']:10.1f} {r['p95']:8.1f} {r['queries']:8d} "
            f"{r['ratio']:8.1f} {r['p95_ratio']:7.1f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000, help="nonconformities, and as many actions")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    args = parser.parse_args()
    setup_django(args.database_url)
    from django.db import connection

    results = run(args.rows, args.repeat)
    print(
        f"\n{connection.vendor}, {args.rows} nonconformities and {args.rows} actions, "
        f"{args.repeat} requests each"
    )
    print_table(results)


if __name__ == "__main__":
    main()
