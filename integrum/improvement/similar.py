"""Similar past nonconformities (ISO 9001/14001 10.2.1 b: do similar ones exist or could they
occur?), ranked by the database's full-text engine over title, description and root cause.

The index is made by migration 0002 (FTS5 with the Porter stemmer on SQLite, a GIN-indexed
English tsvector on PostgreSQL). The query is built from the nonconformity's own significant
words OR-ed together, each a quoted term of letters and digits only, so that no text (quotes,
AND, NEAR(, …) is ever read as the engine's query language. Ranked by bm25 on SQLite and
ts_rank on PostgreSQL. Two queries whatever the number of nonconformities: the ranked ids, then
the records.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from typing import Any

from django.db import connection
from django.db.models import BooleanField, FloatField
from django.db.models.expressions import RawSQL

from integrum.improvement.models import Nonconformity

MAX_TERMS = 24
MIN_LENGTH = 3
# SQLite bm25 weights of the FTS columns (title, description, root_cause).
BM25_WEIGHTS = (4.0, 1.0, 2.0)
_STOPWORD_TEXT = """
    a an and are as at be been but by can could did do does for from had has have how if in into is it
    its not of on or our out so than that the their them then there these they this those to too was
    we were what when where which while who why will with would you your also all any some very more
    most other only such same after before over under again about because being each few just own
    found during per via use used using one two three new
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())

_WORD = re.compile(r"[^\W_]+")


def significant_words(*texts: str, limit: int = MAX_TERMS) -> list[str]:
    """The text's words that carry meaning (no stop words, no numbers alone), most frequent first."""
    words = _WORD.findall(unicodedata.normalize("NFC", " ".join(texts)).lower())
    counted = Counter(
        word[:64]
        for word in words
        if len(word) >= MIN_LENGTH and word not in STOPWORDS and not word.isdigit()
    )
    return [word for word, _ in counted.most_common(limit)]


def _ranked_sqlite(words: list[str], scope: Any, exclude: int | None, limit: int) -> list[tuple[int, float]]:
    match = " OR ".join(f'"{word}"' for word in words)
    weights = ", ".join(str(w) for w in BM25_WEIGHTS)
    scope_sql, scope_params = scope.order_by().values("pk").query.sql_with_params()
    sql = f"""
        SELECT improvement_nonconformity_fts.rowid, bm25(improvement_nonconformity_fts, {weights}) AS score
        FROM improvement_nonconformity_fts
        WHERE improvement_nonconformity_fts MATCH %s
          AND +improvement_nonconformity_fts.rowid IN ({scope_sql})
          AND improvement_nonconformity_fts.rowid != %s
        ORDER BY score, improvement_nonconformity_fts.rowid DESC
        LIMIT %s
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, (match, *scope_params, exclude or 0, limit))
        return [(pk, -float(score)) for pk, score in cursor.fetchall()]


def _ranked_postgresql(
    words: list[str], scope: Any, exclude: int | None, limit: int
) -> list[tuple[int, float]]:
    query = " | ".join(f"'{word}'" for word in words)
    table = Nonconformity._meta.db_table
    matches = RawSQL(
        f"{table}.search_vector @@ to_tsquery('english', %s)", (query,), output_field=BooleanField()
    )
    rank = RawSQL(
        f"ts_rank({table}.search_vector, to_tsquery('english', %s))", (query,), output_field=FloatField()
    )
    rows = (
        scope.filter(matches)
        .exclude(pk=exclude or 0)
        .annotate(score=rank)
        .order_by("-score", "-pk")
        .values_list("pk", "score")[:limit]
    )
    return [(pk, float(score)) for pk, score in rows]


def similar_to_text(
    *, user: Any, organisation: Any, text: str, exclude: int | None = None, limit: int = 5
) -> list[Nonconformity]:
    """The organisation's nonconformities visible to `user` most like `text`, best first."""
    words = significant_words(text)
    if not words:
        return []
    scope = Nonconformity.objects.visible_to(user).filter(organisation=organisation)
    limit = max(1, min(limit, 50))
    if connection.vendor == "postgresql":
        rows = _ranked_postgresql(words, scope, exclude, limit)
    elif connection.vendor == "sqlite":
        rows = _ranked_sqlite(words, scope, exclude, limit)
    else:  # pragma: no cover - Integrum supports SQLite and PostgreSQL only
        raise NotImplementedError(f"No full-text search on {connection.vendor}.")
    found = Nonconformity.objects.select_related("owner", "site").in_bulk([pk for pk, _ in rows])
    return [found[pk] for pk, _ in rows if pk in found]


def similar_to(nc: Nonconformity, user: Any, limit: int = 5) -> list[Nonconformity]:
    """Other nonconformities of the organisation most like `nc` (title, description, root cause)."""
    return similar_to_text(
        user=user,
        organisation=nc.organisation_id,
        text=f"{nc.title} {nc.title} {nc.root_cause} {nc.description}",
        exclude=nc.pk,
        limit=limit,
    )
