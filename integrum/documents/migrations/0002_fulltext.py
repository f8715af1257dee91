"""Full-text search over documents with the database's own engine.

SQLite: an external-content FTS5 table over documents_document(search_text, title, reference),
kept in step by triggers on insert, update and delete (they also fire for bulk_create and
queryset.update). PostgreSQL: a stored generated tsvector column with a GIN index; reference and
title carry weight A, the rest weight D. Punctuation is turned into spaces before PostgreSQL
parses the text, so that it splits words exactly as FTS5 and the query parser in search.py do
("PRO-007" is the words "pro" and "007" on both); FTS5 also ignores accents, PostgreSQL's "simple"
configuration does not (unaccent is an extension a database may not have). PostgreSQL's tsvector is limited to 1 MB, so
only the first 300,000 characters of the text are indexed there; more could fail the save.

Written by hand: the column, table and triggers are invisible to Django's model state.
Caution on SQLite: a later migration that makes Django rebuild documents_document (altering a
column rather than adding one) drops the triggers with the old table. Such a migration must run
SQLITE_FORWARD again (every statement is idempotent); test_search checks the triggers exist.
"""

from django.db import migrations

SQLITE_FORWARD = [
    """
    CREATE VIRTUAL TABLE IF NOT EXISTS documents_document_fts USING fts5(
        search_text, title, reference,
        content='documents_document', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2'
    )
    """,
    """
    CREATE TRIGGER IF NOT EXISTS documents_document_fts_insert AFTER INSERT ON documents_document BEGIN
        INSERT INTO documents_document_fts(rowid, search_text, title, reference)
        VALUES (new.id, new.search_text, new.title, new.reference);
    END
    """,
    """
    CREATE TRIGGER IF NOT EXISTS documents_document_fts_delete AFTER DELETE ON documents_document BEGIN
        INSERT INTO documents_document_fts(documents_document_fts, rowid, search_text, title, reference)
        VALUES ('delete', old.id, old.search_text, old.title, old.reference);
    END
    """,
    """
    CREATE TRIGGER IF NOT EXISTS documents_document_fts_update
    AFTER UPDATE OF search_text, title, reference ON documents_document BEGIN
        INSERT INTO documents_document_fts(documents_document_fts, rowid, search_text, title, reference)
        VALUES ('delete', old.id, old.search_text, old.title, old.reference);
        INSERT INTO documents_document_fts(rowid, search_text, title, reference)
        VALUES (new.id, new.search_text, new.title, new.reference);
    END
    """,
    # Index the documents that already exist.
    "INSERT INTO documents_document_fts(documents_document_fts) VALUES ('rebuild')",
]

SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS documents_document_fts_insert",
    "DROP TRIGGER IF EXISTS documents_document_fts_delete",
    "DROP TRIGGER IF EXISTS documents_document_fts_update",
    "DROP TABLE IF EXISTS documents_document_fts",
]

POSTGRESQL_FORWARD = [
    r"""
    ALTER TABLE documents_document ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple'::regconfig,
            regexp_replace(reference || ' ' || title, '[^[:alnum:]]+', ' ', 'g')), 'A')
        || to_tsvector('simple'::regconfig,
            regexp_replace(left(search_text, 300000), '[^[:alnum:]]+', ' ', 'g'))
    ) STORED
    """,
    "CREATE INDEX documents_document_search ON documents_document USING gin (search_vector)",
]

POSTGRESQL_BACKWARD = [
    "DROP INDEX IF EXISTS documents_document_search",
    "ALTER TABLE documents_document DROP COLUMN IF EXISTS search_vector",
]


def run(statements_by_vendor):
    def apply(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [("documents", "0001_initial")]

    operations = [
        migrations.RunPython(
            run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRESQL_FORWARD}),
            run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRESQL_BACKWARD}),
        ),
    ]
