"""Benchmark of the planning registers' read paths: each register's list page and list endpoint.

Seeds one organisation with N rows in every register (context issues, interested parties,
processes, roles, risks and opportunities, environmental aspects, compliance obligations and
evaluations of compliance), then prints median and p95 latency, the query count, and the ratio
of each median and p95 to a bare Django view measured in the same run (the method of
bench.foundation). Scope is one record per standard, so it is left out.
"""

from __future__ import annotations

import argparse
import datetime
import itertools
import os
import random
import sys
import time
from collections.abc import Callable
from typing import Any

from bench.foundation import measure, recreate_database, setup_django

BATCH = 2000

ISSUE_TITLES = [
    "Energy prices volatile",
    "New packaging regulation",
    "Skilled labour shortage",
    "Customer demand for recycled content",
    "Ageing furnace equipment",
    "Flood risk at the river site",
    "Single-source supplier for resin",
    "Digital quality records",
    "Carbon reporting expected by customers",
    "Strong in-house tooling know-how",
    "Neighbour complaints about noise",
    "Hotter summers affect the paint shop",
]
PARTY_NAMES = [
    "Automotive customer",
    "Environment Agency",
    "Local residents' association",
    "Employees and works council",
    "Resin supplier",
    "Parent company",
    "Insurer",
    "River trust",
    "Certification body",
    "Logistics partner",
]
PROCESS_NAMES = [
    "Sales and order handling",
    "Design and development",
    "Purchasing",
    "Casting",
    "Machining",
    "Painting",
    "Final inspection",
    "Dispatch",
    "Maintenance",
    "Training and competence",
    "Waste management",
    "Internal audit",
]
ROLE_TITLES = [
    "Quality manager",
    "Environmental coordinator",
    "Production supervisor",
    "Maintenance lead",
    "Purchasing officer",
    "Shift leader",
    "Internal auditor",
    "Health and safety officer",
    "Plant manager",
    "Laboratory technician",
]
RISK_TITLES = [
    "Loss of a key customer",
    "Spill from the bunded diesel tank",
    "Late delivery of castings",
    "Calibration lapses on gauges",
    "Breach of the discharge consent",
    "Winning a recycled-content contract",
    "Furnace lining failure",
    "Supplier insolvency",
    "Heatwave stops the paint line",
    "Energy savings from heat recovery",
]
ACTIVITIES = [
    "Melting",
    "Sand moulding",
    "Fettling",
    "Shot blasting",
    "Painting",
    "Forklift operation",
    "Diesel storage",
    "Boiler operation",
    "Office work",
    "Product use by customers",
]
ASPECTS = [
    ("Emission of fume", "Air pollution"),
    ("Use of electricity", "Depletion of resources and greenhouse gases"),
    ("Generation of waste sand", "Landfill use"),
    ("Noise", "Nuisance to neighbours"),
    ("Spill of oil", "Soil and water contamination"),
    ("Solvent use", "Emission of volatile organic compounds"),
    ("Water consumption", "Depletion of water resources"),
    ("Recycling of scrap metal", "Conservation of resources"),
]
OBLIGATIONS = [
    (
        "Environmental permit",
        "Environmental Permitting Regulations 2016, permit EPR/AB1234",
        "Environment Agency",
    ),
    ("Waste duty of care", "Environmental Protection Act 1990, s.34", "Environment Agency"),
    ("Discharge consent", "Water Resources Act 1991, consent 0456", "Water company"),
    ("Oil storage", "Control of Pollution (Oil Storage) Regulations 2001", "Environment Agency"),
    ("F-gas", "Regulation (EU) 2024/573", "Environment Agency"),
    ("Customer environmental requirements", "Supplier code of conduct, rev. 4", "Automotive customer"),
    ("Packaging producer responsibility", "Packaging Waste Regulations 2024", "Environment Agency"),
]
LOREM = (
    "The site keeps records of the controls, reviews them at the management review and raises "
    "actions where the results fall short of the objectives."
)


def _batched(model: Any, rows: list[Any]) -> list[Any]:
    created: list[Any] = []
    for start in range(0, len(rows), BATCH):
        created += model.objects.bulk_create(rows[start : start + BATCH])
    return created


def seed(rows: int, tag: str = "") -> dict[str, Any]:
    from django.contrib.auth.hashers import make_password
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection
    from django.utils import timezone

    from integrum.context.models import (
        CATEGORY_VALUES,
        ContextIssue,
        InterestedParty,
        OrganisationalRole,
        Origin,
        PartyRequirement,
        Process,
        ProcessInteraction,
    )
    from integrum.core.models import Membership, NumberSequence, Organisation, Role, Site, User
    from integrum.environment import services as environment_services
    from integrum.environment.models import (
        Aspect,
        AspectAssessment,
        ComplianceEvaluation,
        ComplianceObligation,
    )
    from integrum.risks import scoring
    from integrum.risks import services as risk_services
    from integrum.risks.models import Risk
    from integrum.standards.loader import load_library
    from integrum.standards.models import Standard

    rng = random.Random(42)
    load_library()
    standards = list(Standard.objects.all())
    organisation = Organisation.objects.create(name="Bench Registers", slug=f"benchreg{tag}")
    sites = [Site.objects.create(organisation=organisation, name=f"Site {i}", code=f"S{i}") for i in range(3)]
    password = make_password("bench-password-1")
    users = User.objects.bulk_create(
        [User(email=f"reg{i}{tag}@bench.test", password=password, first_name=f"User{i}") for i in range(20)]
    )
    Membership.objects.bulk_create(
        [Membership(organisation=organisation, user=user, role=Role.MANAGER) for user in users]
    )
    today = timezone.localdate()
    now = timezone.now()

    def day(low: int, high: int) -> datetime.date:
        return today + datetime.timedelta(days=rng.randint(low, high))

    def some_standards(through: Any, column: str, records: list[Any], share: float) -> None:
        links = []
        for record in records:
            if rng.random() < share:
                for standard in rng.sample(standards, rng.randint(1, len(standards))):
                    links.append(through(**{column: record.pk, "standard_id": standard.pk}))
        _batched(through, links)

    def some_sites(through: Any, column: str, records: list[Any], share: float) -> None:
        links = [
            through(**{column: record.pk, "site_id": rng.choice(sites).pk})
            for record in records
            if rng.random() < share
        ]
        _batched(through, links)

    # --- Context issues (4.1) ---
    categories = sorted(CATEGORY_VALUES)
    issues = _batched(
        ContextIssue,
        [
            ContextIssue(
                organisation=organisation,
                number=n,
                reference=f"CI-{n:03d}",
                title=f"{rng.choice(ISSUE_TITLES)} {n}",
                description=LOREM,
                origin=rng.choice(Origin.values),
                category=rng.choice(categories),
                effect=rng.choice(ContextIssue.Effect.values),
                environmental_condition=rng.random() < 0.2,
                climate_related=rng.random() < 0.1,
                owner=rng.choice([*users, None]),
                review_date=day(-100, 400),
                status=ContextIssue.Status.ACTIVE if rng.random() < 0.9 else ContextIssue.Status.CLOSED,
            )
            for n in range(1, rows + 1)
        ],
    )
    some_standards(ContextIssue.standards.through, "contextissue_id", issues, 0.3)

    # --- Interested parties and their requirements (4.2) ---
    parties = _batched(
        InterestedParty,
        [
            InterestedParty(
                organisation=organisation,
                number=n,
                reference=f"IP-{n:03d}",
                name=f"{rng.choice(PARTY_NAMES)} {n}",
                origin=rng.choice(Origin.values),
                kind=rng.choice(InterestedParty.Kind.values),
                description=LOREM,
                climate_related=rng.random() < 0.1,
            )
            for n in range(1, rows + 1)
        ],
    )
    some_standards(InterestedParty.standards.through, "interestedparty_id", parties, 0.3)
    _batched(
        PartyRequirement,
        [
            PartyRequirement(
                organisation=organisation,
                party=party,
                text=f"Expects {rng.choice(['on-time delivery', 'no pollution', 'fair pay', 'reports'])}.",
                adopted=rng.random() < 0.6,
                becomes_obligation=rng.random() < 0.1,
                climate_related=rng.random() < 0.05,
            )
            for party in parties
            for _ in range(rng.randint(0, 3))
        ],
    )

    # --- Processes and their interactions (4.4) ---
    processes = _batched(
        Process,
        [
            Process(
                organisation=organisation,
                number=n,
                reference=f"PR-{n:03d}",
                name=f"{rng.choice(PROCESS_NAMES)} {n}",
                purpose=LOREM,
                owner=rng.choice([*users, None]),
                inputs="Orders, drawings, materials",
                outputs="Conforming parts, records",
                resources="Trained operators, equipment",
                criteria="On-time, right first time",
                kpis="OTIF ≥ 95 %, scrap ≤ 2 %",
                status=rng.choice(
                    [Process.Status.ACTIVE] * 8 + [Process.Status.DRAFT, Process.Status.RETIRED]
                ),
            )
            for n in range(1, rows + 1)
        ],
    )
    some_sites(Process.sites.through, "process_id", processes, 0.3)
    _batched(
        ProcessInteraction,
        [
            ProcessInteraction(organisation=organisation, from_process=a, to_process=b, flows="Parts")
            for a, b in itertools.pairwise(processes)
            if rng.random() < 0.5
        ],
    )

    # --- Roles (5.3) ---
    roles = _batched(
        OrganisationalRole,
        [
            OrganisationalRole(
                organisation=organisation,
                number=n,
                reference=f"ROL-{n:03d}",
                title=f"{rng.choice(ROLE_TITLES)} {n}",
                responsibilities=LOREM,
                authorities="Stop production; release product.",
            )
            for n in range(1, rows + 1)
        ],
    )
    for role in roles[1:]:
        role.reports_to_id = roles[rng.randrange(0, max(1, role.number // 10))].pk
    for start in range(1, len(roles), BATCH):
        OrganisationalRole.objects.bulk_update(roles[start : start + BATCH], ["reports_to"])
    _batched(
        OrganisationalRole.holders.through,
        [
            OrganisationalRole.holders.through(organisationalrole_id=role.pk, user_id=user.pk)
            for role in roles
            for user in rng.sample(users, rng.randint(0, 2))
        ],
    )
    some_standards(OrganisationalRole.standards.through, "organisationalrole_id", roles, 0.3)

    # --- Compliance obligations (6.1.3) and evaluations (9.1.2) ---
    obligations = []
    for n in range(1, rows + 1):
        title, source_reference, issuer = rng.choice(OBLIGATIONS)
        obligations.append(
            ComplianceObligation(
                organisation=organisation,
                number=n,
                reference=f"OBL-{n:03d}",
                title=f"{title} {n}",
                source_reference=source_reference,
                jurisdiction=rng.choice(["England", "EU", "Bavaria", "Scotland"]),
                issuer=issuer,
                kind=ComplianceObligation.Kind.LEGAL
                if rng.random() < 0.8
                else ComplianceObligation.Kind.OTHER,
                activities=rng.choice(ACTIVITIES),
                summary=LOREM,
                owner=rng.choice([*users, None]),
                evaluation_frequency_months=rng.choice([6, 12, 12, 24]),
                status=ComplianceObligation.Status.ACTIVE
                if rng.random() < 0.95
                else ComplianceObligation.Status.WITHDRAWN,
            )
        )
    obligations = _batched(ComplianceObligation, obligations)
    some_sites(ComplianceObligation.sites.through, "complianceobligation_id", obligations, 0.3)
    evaluations = []
    for n in range(1, rows + 1):
        completed = rng.random() < 0.6
        due = day(-700, 300) if not completed else day(-700, -1)
        evaluations.append(
            ComplianceEvaluation(
                organisation=organisation,
                number=n,
                reference=f"EVAL-{n:03d}",
                obligation=rng.choice(obligations),
                due_date=due,
                status=ComplianceEvaluation.Status.COMPLETED
                if completed
                else ComplianceEvaluation.Status.SCHEDULED,
                result=rng.choice(ComplianceEvaluation.Result.values) if completed else "",
                evidence="Permit returns and site inspection checked." if completed else "",
                evaluator=rng.choice(users),
                evaluated_on=due if completed else None,
                next_due_date=due + datetime.timedelta(days=365) if completed else None,
                notes="",
            )
        )
    _batched(ComplianceEvaluation, evaluations)

    # --- Aspects (6.1.2), scored with the default method ---
    method = environment_services.significance_method_current(organisation)
    aspects, scored = [], []
    for n in range(1, rows + 1):
        aspect, impact = rng.choice(ASPECTS)
        condition = rng.choice(
            [Aspect.Condition.NORMAL] * 6 + [Aspect.Condition.ABNORMAL, Aspect.Condition.EMERGENCY]
        )
        has_obligation = rng.random() < 0.15
        scores = {
            key: rng.choices([1, 2, 3, 4, 5], weights=[35, 30, 20, 10, 5])[0] for key in method.criterion_keys
        }
        outcome = (
            environment_services.evaluate(method, scores, condition=condition, has_obligation=has_obligation)
            if rng.random() < 0.9
            else None
        )
        aspects.append(
            Aspect(
                organisation=organisation,
                number=n,
                reference=f"ASP-{n:03d}",
                activity=rng.choice(ACTIVITIES),
                aspect=aspect,
                impact=impact,
                impact_type=Aspect.ImpactType.BENEFICIAL
                if "Recycling" in aspect
                else Aspect.ImpactType.ADVERSE,
                condition=condition,
                lifecycle_stage=rng.choice(Aspect.LifeCycleStage.values),
                control=rng.choice(Aspect.Control.values),
                existing_controls="Extraction, bunding, spill kits.",
                owner=rng.choice([*users, None]),
                score=outcome.total if outcome else None,
                significant=outcome.significant if outcome else False,
                assessed_at=now if outcome else None,
            )
        )
        scored.append((has_obligation, scores, outcome))
    aspects = _batched(Aspect, aspects)
    some_sites(Aspect.sites.through, "aspect_id", aspects, 0.3)
    _batched(
        Aspect.obligations.through,
        [
            Aspect.obligations.through(
                aspect_id=aspect.pk, complianceobligation_id=rng.choice(obligations).pk
            )
            for aspect, (has_obligation, _, _) in zip(aspects, scored, strict=True)
            if has_obligation
        ],
    )
    _batched(
        AspectAssessment,
        [
            AspectAssessment(
                organisation=organisation,
                aspect=aspect,
                method=method,
                scores=scores,
                total=outcome.total,
                above_threshold=outcome.above_threshold,
                overridden_by_rule=outcome.rule,
                significant=outcome.significant,
                assessed_by=aspect.owner,
                assessed_at=now,
            )
            for aspect, (_, scores, outcome) in zip(aspects, scored, strict=True)
            if outcome is not None
        ],
    )

    # --- Risks and opportunities (6.1), on the default 5×5 matrix ---
    matrix = risk_services.risk_matrix_current(organisation)
    source_pool = [
        (ContentType.objects.get_for_model(model), records)
        for model, records in (
            (ContextIssue, issues),
            (InterestedParty, parties),
            (Process, processes),
            (Aspect, aspects),
            (ComplianceObligation, obligations),
        )
    ]
    risks = []
    for n in range(1, rows + 1):
        kind = Risk.Kind.RISK if rng.random() < 0.8 else Risk.Kind.OPPORTUNITY
        likelihood, consequence = rng.randint(1, 5), rng.randint(1, 5)
        inherent, band = scoring.score(likelihood, consequence, matrix)
        residual: tuple[int, int] | None = None
        if rng.random() < 0.7:
            residual = (rng.randint(1, likelihood), rng.randint(1, consequence))
        residual_score, residual_band = scoring.score(*residual, matrix) if residual else (None, None)
        content_type, records = rng.choice(source_pool)
        source = rng.choice(records) if rng.random() < 0.4 else None
        risks.append(
            Risk(
                organisation=organisation,
                number=n,
                reference=f"RSK-{n:03d}",
                kind=kind,
                title=f"{rng.choice(RISK_TITLES)} {n}",
                description=LOREM,
                source_type=content_type if source else None,
                source_id=str(source.pk) if source else "",
                cause="Equipment age and workload.",
                effect="Delay, cost and possible harm to the environment.",
                matrix=matrix,
                inherent_likelihood=likelihood,
                inherent_consequence=consequence,
                inherent_score=inherent,
                inherent_level=band.level,
                existing_controls="Planned maintenance, inspections.",
                treatment=rng.choice(Risk.TREATMENTS_BY_KIND[kind]) if residual else "",
                residual_likelihood=residual[0] if residual else None,
                residual_consequence=residual[1] if residual else None,
                residual_score=residual_score,
                residual_level=residual_band.level if residual_band else "",
                owner=rng.choice([*users, None]),
                review_date=day(-100, 400),
                status=rng.choice([Risk.Status.OPEN] * 5 + [Risk.Status.TREATED] * 3 + [Risk.Status.CLOSED]),
                created_by=rng.choice(users),
            )
        )
    risks = _batched(Risk, risks)
    _batched(
        Risk.standards.through,
        [
            Risk.standards.through(risk_id=risk.pk, standard_id=standard.pk)
            for risk in risks
            for standard in rng.sample(standards, rng.randint(1, len(standards)))
        ],
    )

    for key in (
        "context-issue",
        "interested-party",
        "process",
        "organisational-role",
        "risk",
        "aspect",
        "obligation",
        "evaluation",
    ):
        NumberSequence.objects.create(organisation=organisation, key=key, last_value=rows)
    if connection.vendor == "postgresql":  # what autovacuum would have done on a live system
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    return {"user": users[0], "organisation": organisation}


def run(rows: int, repeat: int, *, fresh_database: bool = True, tag: str = "") -> list[dict[str, Any]]:
    from django.test import Client
    from django.urls import reverse
    from rest_framework.authtoken.models import Token

    if fresh_database:
        recreate_database()
    started = time.perf_counter()
    data = seed(rows, tag=tag)
    print(
        f"seeded {rows} rows in each of 8 registers in {time.perf_counter() - started:.1f} s", file=sys.stderr
    )
    client = Client()
    client.force_login(data["user"])
    token = Token.objects.create(user=data["user"])
    api = Client(HTTP_AUTHORIZATION=f"Token {token.key}")

    def page(name: str, query: str = "") -> Callable[[], Any]:
        url = reverse(name) + query
        return lambda: client.get(url)

    def endpoint(collection: str) -> Callable[[], Any]:
        return lambda: api.get(f"/api/v1/{collection}/")

    cases: list[tuple[str, Callable[[], Any]]] = [
        ("bare Django view (baseline)", lambda: client.get("/bench/bare/")),
        ("context issue list page", page("context:issue_list")),
        ("context-issues/ endpoint", endpoint("context-issues")),
        ("interested party list page", page("context:party_list")),
        ("interested-parties/ endpoint", endpoint("interested-parties")),
        ("process list page", page("context:process_list")),
        ("processes/ endpoint", endpoint("processes")),
        ("role list page", page("context:role_list")),
        ("roles/ endpoint", endpoint("roles")),
        ("risk list page", page("risks:risk_list")),
        (
            "risk list page, heat-map cell 4×4",
            page("risks:risk_list", "?inherent_likelihood=4&inherent_consequence=4"),
        ),
        ("risks/ endpoint", endpoint("risks")),
        ("aspect list page", page("environment:aspect_list")),
        ("significant aspects page", page("environment:aspect_significant")),
        ("aspects/ endpoint", endpoint("aspects")),
        ("obligation list page", page("environment:obligation_list")),
        ("obligations/ endpoint", endpoint("obligations")),
        ("evaluation list page", page("environment:evaluation_list")),
        ("compliance-evaluations/ endpoint", endpoint("compliance-evaluations")),
    ]
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
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=50_000, help="rows in each register")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    args = parser.parse_args()
    setup_django(args.database_url)
    from django.db import connection

    results = run(args.rows, args.repeat)
    print(f"\n{connection.vendor}, {args.rows} rows in each register, {args.repeat} requests each")
    header = f"{'case':36} {'median ms':>10} {'p95 ms':>8} {'queries':>8} {'× bare':>7} {'p95 × bare':>11}"
    print(header)
    for r in results:
        print(
            f"{r['name']:36} {r['median']:10.1f} {r['p95']:8.1f} {r['queries']:8d} "
            f"{r['ratio']:7.1f} {r['p95_ratio']:11.1f}"
        )


if __name__ == "__main__":
    main()
