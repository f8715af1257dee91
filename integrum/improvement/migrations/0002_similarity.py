"""Full-text index over nonconformities, for "similar past nonconformities" (`improvement.similar`).

SQLite: an external-content FTS5 table over improvement_nonconformity(title, description,
root_cause) with the Porter stemmer, kept in step by triggers on insert, update and delete.
PostgreSQL: a stored generated tsvector column (English configuration, so "leaking" finds
"leak") with a GIN index; the title weighs A, the root cause B, the description D. Punctuation
becomes spaces before parsing, as in documents' migration 0002.

Written by hand: the column, table and triggers are invisible to Django's model state. A later
migration that makes Django rebuild the table on SQLite must run SQLITE_FORWARD again.
"""

from django.db import migrations

SQLITE_FORWARD = [
    """
    CREATE VIRTUAL TABLE IF NOT EXISTS improvement_nonconformity_fts USING fts5(
        title, description, root_cause,
        content='improvement_nonconformity', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2'
    )
    """,
    """
    CREATE TRIGGER IF NOT EXISTS improvement_nonconformity_fts_insert
    AFTER INSERT ON improvement_nonconformity BEGIN
        INSERT INTO improvement_nonconformity_fts(rowid, title, description, root_cause)
        VALUES (new.id, new.title, new.description, new.root_cause);
    END
    """,
    """
    CREATE TRIGGER IF NOT EXISTS improvement_nonconformity_fts_delete
    AFTER DELETE ON improvement_nonconformity BEGIN
        INSERT INTO improvement_nonconformity_fts(improvement_nonconformity_fts, rowid, title, description, root_cause)
        VALUES ('delete', old.id, old.title, old.description, old.root_cause);
    END
    """,
    """
    CREATE TRIGGER IF NOT EXISTS improvement_nonconformity_fts_update
    AFTER UPDATE OF title, description, root_cause ON improvement_nonconformity BEGIN
        INSERT INTO improvement_nonconformity_fts(improvement_nonconformity_fts, rowid, title, description, root_cause)
        VALUES ('delete', old.id, old.title, old.description, old.root_cause);
        INSERT INTO improvement_nonconformity_fts(rowid, title, description, root_cause)
        VALUES (new.id, new.title, new.description, new.root_cause);
    END
    """,
    "INSERT INTO improvement_nonconformity_fts(improvement_nonconformity_fts) VALUES ('rebuild')",
]

SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS improvement_nonconformity_fts_insert",
    "DROP TRIGGER IF EXISTS improvement_nonconformity_fts_delete",
    "DROP TRIGGER IF EXISTS improvement_nonconformity_fts_update",
    "DROP TABLE IF EXISTS improvement_nonconformity_fts",
]

POSTGRESQL_FORWARD = [
    r"""
    ALTER TABLE improvement_nonconformity ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english'::regconfig, regexp_replace(title, '[^[:alnum:]]+', ' ', 'g')), 'A')
        || setweight(to_tsvector('english'::regconfig,
            regexp_replace(left(root_cause, 100000), '[^[:alnum:]]+', ' ', 'g')), 'B')
        || setweight(to_tsvector('english'::regconfig,
            regexp_replace(left(description, 100000), '[^[:alnum:]]+', ' ', 'g')), 'D')
    ) STORED
    """,
    "CREATE INDEX improvement_nc_search ON improvement_nonconformity USING gin (search_vector)",
]

POSTGRESQL_BACKWARD = [
    "DROP INDEX IF EXISTS improvement_nc_search",
    "ALTER TABLE improvement_nonconformity DROP COLUMN IF EXISTS search_vector",
]


def run(statements_by_vendor):
    def apply(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [("improvement", "0001_initial")]

    operations = [
        migrations.RunPython(
            run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRESQL_FORWARD}),
            run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRESQL_BACKWARD}),
        ),
    ]
