"""Benchmark of document control's read paths: the register (page and API) and full-text search.

Seeds one organisation with N documents and three revisions each (the current one effective,
with a page or two of text), then prints median and p95 latency, the query count, and the ratio
of each median to a bare Django view measured in the same run (the method of bench.foundation).
A case whose URL answers 404 (a page not built yet) is reported as skipped.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import sys
import time
from collections.abc import Callable
from typing import Any

from bench.foundation import measure, recreate_database, setup_django

# Words of a management system's documents, most frequent first (drawn with Zipf-like weights,
# so that the first ones occur in nearly every document and the last in few).
_WORDS = """
the and of to records shall be is for in with are procedure process by on or as responsible
document quality environmental management system control review manager each must where this
requirements all site any from an at records audit training competence customer supplier
product service equipment maintenance inspection monitoring measurement results action corrective
nonconformity risk opportunity objective target legal compliance obligation aspect impact waste
emission energy water spill chemical storage handling label container bund drum tank pump valve
pipe drainage interceptor permit consent authority report incident investigation root cause
verification validation calibration gauge micrometer torque wrench instrument certificate
traceability batch lot serial drawing specification tolerance revision approval release change
design development input output purchasing order contract tender quotation delivery dispatch
warehouse forklift racking pallet loading unloading vehicle driver contractor visitor induction
permit-to-work isolation lockout guard machine press furnace casting moulding sand core fettling
shot blasting painting coating curing oven booth extraction ventilation noise vibration dust
fume solvent resin hardener catalyst sealant adhesive lubricant coolant oil grease filter
compressor receiver boiler chiller generator transformer switchgear lighting heating insulation
recycling segregation skip hire transfer note carrier broker hazardous consignment landfill
biodiversity habitat nesting tree hedge pond runoff flood drought climate carbon footprint
scope boundary interested party context policy leadership commitment resources awareness
communication documented information operational planning emergency preparedness response drill
evaluation analysis internal external surveillance certification registrar auditor finding
observation improvement innovation lesson learned effectiveness efficiency kpi dashboard trend
customer satisfaction complaint return warranty recall concession deviation waiver quarantine
rework scrap sorting containment eight disciplines fishbone pareto sampling plan acceptance
"""
VOCABULARY = list(dict.fromkeys(_WORDS.split()))
RARE_WORD = "tribometer"  # put in about one document in a thousand
TITLE_VERBS = [
    "Control of",
    "Handling of",
    "Inspection of",
    "Maintenance of",
    "Calibration of",
    "Management of",
    "Monitoring of",
    "Review of",
    "Storage of",
    "Disposal of",
]
TITLE_NOUNS = [
    "hazardous substances",
    "measuring equipment",
    "spill kits",
    "compressed air",
    "waste streams",
    "customer complaints",
    "supplier approvals",
    "furnace linings",
    "fork-lift trucks",
    "drainage interceptors",
    "bunded tanks",
    "training records",
    "nonconforming product",
    "energy use",
    "emergency drills",
    "legal registers",
]


def text_of(rng: random.Random, words: int, weights: list[float]) -> str:
    chosen = rng.choices(VOCABULARY, weights=weights, k=words)
    sentences = [" ".join(chosen[i : i + 12]).capitalize() + "." for i in range(0, words, 12)]
    return " ".join(sentences)


def seed(documents: int, revisions_each: int = 3, tag: str = "") -> dict[str, Any]:
    from django.contrib.auth.hashers import make_password
    from django.db import connection
    from django.utils import timezone

    from integrum.core.models import Membership, NumberSequence, Organisation, Role, Site, User
    from integrum.documents.models import DEFAULT_PREFIXES, Document, DocumentRevision, Kind

    rng = random.Random(42)
    weights = [1 / (rank + 1) ** 0.9 for rank in range(len(VOCABULARY))]
    organisation = Organisation.objects.create(name="Bench Documents", slug=f"benchdocs{tag}")
    for i in range(2):
        Site.objects.create(organisation=organisation, name=f"Site {i}", code=f"S{i}")
    password = make_password("bench-password-1")
    users = User.objects.bulk_create(
        [User(email=f"docs{i}{tag}@bench.test", password=password, first_name=f"User{i}") for i in range(20)]
    )
    Membership.objects.bulk_create(
        [Membership(organisation=organisation, user=user, role=Role.MANAGER) for user in users]
    )
    today = timezone.localdate()
    kinds = [k for k in Kind.values if k != Kind.RECORD]
    numbers: dict[str, int] = {}
    texts: list[str] = []
    batch: list[Document] = []
    created: list[Document] = []
    for i in range(documents):
        kind = rng.choice(kinds)
        numbers[kind] = numbers.get(kind, 0) + 1
        reference = f"{DEFAULT_PREFIXES[Kind(kind)]}-{numbers[kind]:05d}"
        title = f"{rng.choice(TITLE_VERBS)} {rng.choice(TITLE_NOUNS)} {i}"
        body = text_of(rng, rng.randint(120, 260), weights)
        rare = i % 1000 == 7
        if rare:
            body += f" The {RARE_WORD} readings are recorded."
        texts.append(body)
        effective = rare or rng.random() < 0.85
        batch.append(
            Document(
                organisation=organisation,
                number=numbers[kind],
                reference=reference,
                kind=kind,
                title=title,
                owner=rng.choice(users),
                status=Document.Status.EFFECTIVE if effective else Document.Status.DRAFT,
                next_review_date=today + datetime.timedelta(days=rng.randint(-100, 700))
                if effective
                else None,
                # What the services would have put there: reference, title and the current text.
                search_text="\n".join([reference, title, body]) if effective else f"{reference}\n{title}",
            )
        )
        if len(batch) == 2000:
            created += Document.objects.bulk_create(batch)
            batch = []
    created += Document.objects.bulk_create(batch)
    for kind, last in numbers.items():
        NumberSequence.objects.create(organisation=organisation, key=f"document-{kind}", last_value=last)

    revisions: list[DocumentRevision] = []
    R = DocumentRevision.Status
    for document, body in zip(created, texts, strict=True):
        for label in range(1, revisions_each + 1):
            latest = label == revisions_each
            if latest:
                status = R.EFFECTIVE if document.status == Document.Status.EFFECTIVE else R.DRAFT
                extracted = body
            else:
                status = R.SUPERSEDED
                extracted = text_of(rng, 60, weights)
            revisions.append(
                DocumentRevision(
                    organisation=organisation,
                    document=document,
                    label=str(label),
                    change_summary="Periodic update.",
                    status=status,
                    extracted_text=extracted,
                    text_status=DocumentRevision.TextStatus.DONE,
                    created_by=document.owner,
                    effective_date=today - datetime.timedelta(days=400 * (revisions_each - label) + 10),
                )
            )
        if len(revisions) >= 6000:
            DocumentRevision.objects.bulk_create(revisions)
            revisions = []
    DocumentRevision.objects.bulk_create(revisions)
    with connection.cursor() as cursor:
        # Set every document's current revision in one statement (it touches no indexed column).
        cursor.execute(
            "UPDATE documents_document SET current_revision_id = (SELECT r.id FROM documents_documentrevision r"
            " WHERE r.document_id = documents_document.id AND r.status = 'effective')"
            " WHERE organisation_id = %s",
            [organisation.pk],
        )
        if connection.vendor == "postgresql":  # what autovacuum would have done on a live system
            cursor.execute("VACUUM ANALYZE")
    return {"user": users[0], "organisation": organisation}


def run(documents: int, repeat: int, *, fresh_database: bool = True, tag: str = "") -> list[dict[str, Any]]:
    from django.test import Client
    from rest_framework.authtoken.models import Token

    if fresh_database:
        recreate_database()
    started = time.perf_counter()
    data = seed(documents, tag=tag)
    seeded = time.perf_counter() - started
    print(f"seeded {documents} documents, {3 * documents} revisions in {seeded:.1f} s", file=sys.stderr)
    client = Client()
    client.force_login(data["user"])
    token = Token.objects.create(user=data["user"])
    api = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    middle_page = max(1, documents // 100)
    cases: list[tuple[str, Callable[[], Any]]] = [
        ("bare Django view (baseline)", lambda: client.get("/bench/bare/")),
        ("document list page", lambda: client.get("/documents/")),
        ("document list page, filtered", lambda: client.get("/documents/?status=effective&kind=procedure")),
        ("document list page, middle page", lambda: client.get(f"/documents/?page={middle_page}")),
        ("document list endpoint", lambda: api.get("/api/v1/documents/")),
        ("search page, common word", lambda: client.get("/documents/search/?q=records")),
        ("search page, rare word", lambda: client.get(f"/documents/search/?q={RARE_WORD}")),
        (
            "search page, two words + filter",
            lambda: client.get("/documents/search/?q=inspection+records&kind=procedure"),
        ),
        ("search page, prefix", lambda: client.get("/documents/search/?q=calib")),
    ]
    results = []
    baseline = None
    for name, call in cases:
        if call().status_code == 404:
            results.append({"name": name, "skipped": True})
            continue
        median, p95, queries = measure(call, repeat)
        baseline = baseline or median
        results.append(
            {"name": name, "median": median, "p95": p95, "queries": queries, "ratio": median / baseline}
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--documents", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    args = parser.parse_args()
    setup_django(args.database_url)
    from django.db import connection

    results = run(args.documents, args.repeat)
    print(
        f"\n{connection.vendor}, {args.documents} documents, {3 * args.documents} revisions, "
        f"{args.repeat} requests each"
    )
    print(f"{'case':38} {'median ms':>10} {'p95 ms':>8} {'queries':>8} {'× bare':>8}")
    for r in results:
        if r.get("skipped"):
            print(f"{r['name']:38} {'skipped: 404 (not built yet)':>36}")
            continue
        print(f"{r['name']:38} {r['median']:10.1f} {r['p95']:8.1f} {r['queries']:8d} {r['ratio']:8.1f}")


if __name__ == "__main__":
    main()
