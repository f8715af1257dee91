"""Benchmark of the foundation's read paths: gap analysis and action list, page and API.

Prints median and p95 latency, the query count, and the ratio of each median to a bare Django
view measured in the same run.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any


def setup_django(database_url: str | None) -> None:
    os.environ.setdefault("INTEGRUM_DATA_DIR", tempfile.mkdtemp(prefix="integrum-bench-"))
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "integrum.settings"
    import django

    django.setup()
    from django.conf import settings

    settings.ROOT_URLCONF = "bench.urls"
    settings.ALLOWED_HOSTS = ["*"]


def recreate_database() -> None:
    from django.db import connection

    if connection.vendor == "postgresql":
        name = connection.settings_dict["NAME"]
        with connection._nodb_cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
            cursor.execute(f'CREATE DATABASE "{name}"')
        connection.close()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def seed(actions: int, tag: str = "") -> dict[str, Any]:
    from django.utils import timezone

    from integrum.actions.models import Action
    from integrum.assessments.models import AssessmentItem
    from integrum.assessments.services import assessment_create
    from integrum.core.models import Membership, NumberSequence, Organisation, Role, Site, User
    from integrum.standards.loader import load_library
    from integrum.standards.models import Standard

    rng = random.Random(42)
    load_library()
    organisation = Organisation.objects.create(name="Bench Industries", slug=f"bench{tag}")
    sites = [Site.objects.create(organisation=organisation, name=f"Site {i}", code=f"S{i}") for i in range(2)]
    users = [User.objects.create_user(f"user{i}{tag}@bench.test", "bench-password-1") for i in range(20)]
    for user in users:
        Membership.objects.create(organisation=organisation, user=user, role=Role.MANAGER)
    assessment = assessment_create(
        organisation=organisation, title="Bench", standards=list(Standard.objects.all())
    )
    statuses = [s for s in AssessmentItem.Status.values if s != AssessmentItem.Status.NOT_APPLICABLE]
    for item in assessment.items.all():
        item.status = rng.choice(statuses)
        item.owner = rng.choice(users)
        item.save()
    today = timezone.localdate()
    batch = []
    for number in range(1, actions + 1):
        batch.append(
            Action(
                organisation=organisation,
                number=number,
                reference=f"ACT-{number:06d}",
                title=f"Benchmark action {number}",
                owner=rng.choice(users),
                site=rng.choice([*sites, None]),
                status=rng.choice(Action.Status.values),
                priority=rng.choice(Action.Priority.values),
                due_date=today + datetime.timedelta(days=rng.randint(-200, 200)),
            )
        )
        if len(batch) == 5000:
            Action.objects.bulk_create(batch)
            batch = []
    Action.objects.bulk_create(batch)
    NumberSequence.objects.create(organisation=organisation, key="action", last_value=actions)
    from django.db import connection

    if connection.vendor == "postgresql":  # what autovacuum would have done on a live system
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    return {"user": users[0], "assessment": assessment}


def measure(call: Callable[[], Any], repeat: int) -> tuple[float, float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):
        call()
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = call()
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.status_code
    with CaptureQueriesContext(connection) as captured:
        call()
    timings.sort()
    p95 = timings[min(len(timings) - 1, round(0.95 * len(timings)) - 1)]
    return statistics.median(timings), p95, len(captured.captured_queries)


def run(actions: int, repeat: int, *, fresh_database: bool = True, tag: str = "") -> list[dict[str, Any]]:
    from django.test import Client
    from rest_framework.authtoken.models import Token

    if fresh_database:
        recreate_database()
    started = time.perf_counter()
    data = seed(actions, tag)
    print(f"seeded {actions} actions in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    client = Client()
    client.force_login(data["user"])
    token = Token.objects.create(user=data["user"])
    api = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    assessment = data["assessment"]
    middle_page = max(1, actions // 100)  # 50 a page: the middle of the list
    cases = [
        ("bare Django view (baseline)", lambda: client.get("/bench/bare/")),
        ("gap analysis page", lambda: client.get(f"/gap-analysis/{assessment.pk}/")),
        ("gap analysis endpoint", lambda: api.get(f"/api/v1/assessments/{assessment.pk}/")),
        ("gap items endpoint", lambda: api.get(f"/api/v1/assessment-items/?assessment={assessment.pk}")),
        ("action list page", lambda: client.get("/actions/")),
        ("action list page, overdue filter", lambda: client.get("/actions/?overdue=true&ordering=due_date")),
        ("action list endpoint", lambda: api.get("/api/v1/actions/")),
        ("action list endpoint, middle page", lambda: api.get(f"/api/v1/actions/?page={middle_page}")),
    ]
    results = []
    baseline = None
    for name, call in cases:
        median, p95, queries = measure(call, repeat)
        baseline = baseline or median
        results.append(
            {"name": name, "median": median, "p95": p95, "queries": queries, "ratio": median / baseline}
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--actions", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    args = parser.parse_args()
    setup_django(args.database_url)
    from django.db import connection

    results = run(args.actions, args.repeat)
    print(f"\n{connection.vendor}, {args.actions} actions, {args.repeat} requests each")
    print(f"{'case':38} {'median ms':>10} {'p95 ms':>8} {'queries':>8} {'× bare':>8}")
    for r in results:
        print(f"{r['name']:38} {r['median']:10.1f} {r['p95']:8.1f} {r['queries']:8d} {r['ratio']:8.1f}")


if __name__ == "__main__":
    main()
