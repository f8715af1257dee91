"""Full-text search over documents with the database's own engine (issue 3, point 8).

`Document.search_text` (reference, title, description and the current revision's text, kept up
to date by the services and the text extraction) is indexed by migration 0002: an FTS5 table
kept by triggers on SQLite, a generated tsvector column with a GIN index on PostgreSQL.

Safety of what reaches the page:

* A query is never handed to the database's query language. It is cut into words (runs of
  letters and digits, as both engines tokenise), each word becomes a quoted term, and the last
  one also matches as a prefix. A query without any word finds nothing; operators such as AND,
  NEAR( or a lone quote are just words or nothing.
* Snippets are HTML-safe. The database marks matches with two control characters (`text.clean`
  strips them from file text); everything else in the snippet is escaped and only those markers
  become <mark> and </mark>, always balanced, even should a title contain one. This is why the
  template may render `hit.snippet` without escaping it again.

A search costs a fixed number of queries: one ranked query with its snippets (visibility and
filters included in it) and one to load the documents it found, plus whatever validating the
filters costs. Ranking: bm25 on SQLite (title and reference weigh more), ts_rank on PostgreSQL
(reference and title carry weight A). PostgreSQL indexes the first 300,000 characters of each
document's text (its tsvector is limited to 1 MB); SQLite all of it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from django.db import connection
from django.db.models import BooleanField, FloatField, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from integrum.core.models import Organisation, User
from integrum.documents.filters import DocumentFilterSet
from integrum.documents.models import Document

# Match markers: control characters, stripped from file text; anything else is escaped.
START, STOP = "\x02", "\x03"
MAX_WORDS = 12
MAX_WORD_LENGTH = 64
MAX_LIMIT = 200
# A word shorter than this is not also matched as a prefix (every word starting "a" is noise).
MIN_PREFIX = 3
# PostgreSQL reads the snippet from at most this much of the text (ts_headline parses it all).
HEADLINE_CHARS = 50_000
# SQLite bm25 weights of the FTS columns (search_text, title, reference): a word in the title
# or reference counts for more than the same word in the body.
BM25_WEIGHTS = (1.0, 4.0, 8.0)

_WORD = re.compile(r"[^\W_]+")


class DocumentSearchFilterSet(DocumentFilterSet):
    """The register's filters without its "number or title" box and sort order: on the search
    page `q` is the words searched for and results come best first."""

    q = None
    ordering = None


@dataclass(frozen=True)
class Hit:
    document: Document
    snippet: SafeString  # HTML: escaped text with <mark> around the matched words
    score: float  # higher is better


def parse_query(query: str) -> list[str]:
    """The words of a query, lower-cased, at most MAX_WORDS of them; [] when it has none."""
    words = _WORD.findall(unicodedata.normalize("NFC", query or "").lower())
    return [word[:MAX_WORD_LENGTH] for word in words[:MAX_WORDS]]


def fts5_query(words: list[str]) -> str:
    """`"spill" "kit"*`: every word required; the last also as a prefix (the user may still type)."""
    terms = [f'"{word}"' for word in words]
    if len(words[-1]) >= MIN_PREFIX:
        terms[-1] += "*"
    return " ".join(terms)


def tsquery(words: list[str]) -> str:
    """`'spill' & 'kit':*` for to_tsquery; the words are letters and digits only."""
    terms = [f"'{word}'" for word in words]
    if len(words[-1]) >= MIN_PREFIX:
        terms[-1] += ":*"
    return " & ".join(terms)


def highlight(raw: str) -> SafeString:
    """Escape a snippet and turn its match markers into balanced <mark> tags."""
    parts: list[str] = []
    open_ = False
    for piece in re.split(f"([{START}{STOP}])", raw):
        if piece == START:
            if not open_:
                parts.append("<mark>")
                open_ = True
        elif piece == STOP:
            if open_:
                parts.append("</mark>")
                open_ = False
        elif piece:
            parts.append(str(escape(re.sub(r"\s+", " ", piece))))
    if open_:
        parts.append("</mark>")
    return mark_safe("".join(parts).strip())  # built from escaped text and our own tags only


def _filtered(
    user: User, organisation: Organisation, filters: Mapping[str, Any] | DocumentFilterSet | None
) -> QuerySet[Document] | None:
    """The documents the search may return; None if the filters are invalid."""
    queryset = Document.objects.visible_to(user).filter(organisation=organisation)
    if filters is None:
        return queryset
    if isinstance(filters, DocumentFilterSet):
        filterset = filters
    else:
        requester = SimpleNamespace(user=user, organisation=organisation, is_api=False)
        filterset = DocumentSearchFilterSet(filters, queryset=queryset, request=requester)
    if not filterset.is_valid():
        return None
    # Always narrow our own scoped queryset, whatever queryset a given filterset was built on.
    return filterset.filter_queryset(queryset)


def _ranked_sqlite(words: list[str], scope: QuerySet[Document], limit: int) -> list[Any]:
    match = fts5_query(words)
    weights = ", ".join(str(w) for w in BM25_WEIGHTS)
    scope_sql, scope_params = scope.order_by().values("pk").query.sql_with_params()
    # The unary + keeps the scope off the FTS5 table's rowid index: without it SQLite runs one
    # full-text lookup per document in scope (seconds at 20,000 documents) instead of one match
    # filtered by the scope. The snippet is made for the top rows only, in the outer query.
    sql = f"""
        WITH top AS (
            SELECT documents_document_fts.rowid AS id, bm25(documents_document_fts, {weights}) AS score
            FROM documents_document_fts
            WHERE documents_document_fts MATCH %s AND +documents_document_fts.rowid IN ({scope_sql})
            ORDER BY score
            LIMIT %s
        )
        SELECT top.id, -top.score, (
            SELECT snippet(documents_document_fts, 0, %s, %s, '…', 24) FROM documents_document_fts
            WHERE documents_document_fts MATCH %s AND documents_document_fts.rowid = top.id
        )
        FROM top
        ORDER BY top.score, top.id
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, (match, *scope_params, limit, START, STOP, match))
        return list(cursor.fetchall())


def _ranked_postgresql(words: list[str], scope: QuerySet[Document], limit: int) -> list[Any]:
    query = tsquery(words)
    # The match and rank go into the scope's own query, so that the planner weighs the text
    # index against the filters' (a rare word: the text index; a type filter: both). The query
    # is a constant, not a CTE, so that the planner sees how many documents it matches.
    table = Document._meta.db_table
    matches = RawSQL(
        f"{table}.search_vector @@ to_tsquery('simple', %s)", (query,), output_field=BooleanField()
    )
    rank = RawSQL(
        f"ts_rank({table}.search_vector, to_tsquery('simple', %s))", (query,), output_field=FloatField()
    )
    top = (
        scope.filter(matches).annotate(score=rank).order_by("-score", "pk").values_list("pk", "score")[:limit]
    )
    top_sql, top_params = top.query.sql_with_params()
    options = (
        f'StartSel="{START}", StopSel="{STOP}", MaxWords=30, MinWords=12, '
        'MaxFragments=2, FragmentDelimiter=" … "'
    )
    # The headline is made for the top rows only, in the outer query.
    sql = f"""
        SELECT top.id, top.score,
            ts_headline('simple', left(d.search_text, {HEADLINE_CHARS}), to_tsquery('simple', %s), %s)
        FROM ({top_sql}) AS top (id, score) JOIN {table} d ON d.id = top.id
        ORDER BY top.score DESC, top.id
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, (query, options, *top_params))
        return list(cursor.fetchall())


def search_documents(
    *,
    user: User,
    organisation: Organisation,
    query: str,
    filters: Mapping[str, Any] | DocumentFilterSet | None = None,
    limit: int = 50,
) -> list[Hit]:
    """Documents of `organisation` visible to `user` that contain every word of `query`, best
    first, each with a highlighted snippet. `filters` are DocumentFilterSet data (kind, status,
    owner, site, clause, …) or a bound filterset; invalid filters find nothing."""
    words = parse_query(query)
    if not words:
        return []
    scope = _filtered(user, organisation, filters)
    if scope is None:
        return []
    limit = max(1, min(limit, MAX_LIMIT))
    if connection.vendor == "postgresql":
        rows = _ranked_postgresql(words, scope, limit)
    elif connection.vendor == "sqlite":
        rows = _ranked_sqlite(words, scope, limit)
    else:  # pragma: no cover - Integrum supports SQLite and PostgreSQL only
        raise NotImplementedError(f"No full-text search on {connection.vendor}.")
    documents = Document.objects.select_related("owner", "current_revision").in_bulk([row[0] for row in rows])
    return [
        Hit(document=documents[pk], snippet=highlight(snippet or ""), score=float(score))
        for pk, score, snippet in rows
        if pk in documents
    ]
