"""An index for the card browser's text search, one per database vendor.

SQLite: ``cards_card_fts``, an FTS5 table with the trigram tokenizer over the question, the
answer and the tags. It is an external-content table (it stores no text of its own, only the
index), kept in step with ``cards_card`` by triggers, so every way a card is written (the ORM,
bulk inserts and updates, raw SQL, cascading deletes) updates it. ``cards.browsing`` matches it.

A later migration that makes SQLite rebuild ``cards_card`` (most field changes do: a new table
is copied and renamed) drops these triggers with the old table and must create them again;
``tests/test_search.py`` fails until it does.

PostgreSQL: the ``pg_trgm`` extension and trigram GIN indexes on the exact expressions that
Django's ``icontains`` compares there (``UPPER("front"::text)``), so the ORM's own lookups are
index-backed and need no second code path.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

FTS = "cards_card_fts"
TEXT = "front, back, tags"
OLD = "old.id, old.front, old.back, old.tags"
NEW = "new.id, new.front, new.back, new.tags"

SQLITE_FORWARDS = [
    f"CREATE VIRTUAL TABLE {FTS} USING fts5({TEXT}, content='cards_card', content_rowid='id', "
    "tokenize='trigram')",
    f"CREATE TRIGGER {FTS}_insert AFTER INSERT ON cards_card BEGIN "
    f"INSERT INTO {FTS}(rowid, {TEXT}) VALUES ({NEW}); END",
    # An external-content index forgets a row by being told the text it indexed for it.
    f"CREATE TRIGGER {FTS}_delete AFTER DELETE ON cards_card BEGIN "
    f"INSERT INTO {FTS}({FTS}, rowid, {TEXT}) VALUES ('delete', {OLD}); END",
    # Grades and other schedule changes do not name these columns, so they never fire it.
    f"CREATE TRIGGER {FTS}_update AFTER UPDATE OF {TEXT} ON cards_card "
    "WHEN old.front IS NOT new.front OR old.back IS NOT new.back OR old.tags IS NOT new.tags BEGIN "
    f"INSERT INTO {FTS}({FTS}, rowid, {TEXT}) VALUES ('delete', {OLD}); "
    f"INSERT INTO {FTS}(rowid, {TEXT}) VALUES ({NEW}); END",
    f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')",  # the cards that exist already
]
SQLITE_BACKWARDS = [
    f"DROP TRIGGER {FTS}_update",
    f"DROP TRIGGER {FTS}_delete",
    f"DROP TRIGGER {FTS}_insert",
    f"DROP TABLE {FTS}",
]

TRIGRAM_INDEXED = ("front", "back", "tags")
POSTGRESQL_FORWARDS = [
    f'CREATE INDEX card_{column}_trgm ON cards_card USING gin (UPPER("{column}"::text) gin_trgm_ops)'
    for column in TRIGRAM_INDEXED
]
POSTGRESQL_BACKWARDS = [f"DROP INDEX card_{column}_trgm" for column in TRIGRAM_INDEXED]


class RunSQLOn(migrations.RunSQL):
    """``RunSQL`` on one database vendor only, in both directions; nothing on the others."""

    def __init__(self, vendor: str, sql: list[str], reverse_sql: list[str]) -> None:
        super().__init__(sql, reverse_sql)
        self.vendor = vendor

    def deconstruct(self):
        name, args, kwargs = super().deconstruct()
        return name, args, {"vendor": self.vendor, **kwargs}

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == self.vendor:
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == self.vendor:
            super().database_backwards(app_label, schema_editor, from_state, to_state)

    def describe(self) -> str:
        return f"Raw SQL operation on {self.vendor}"


class Migration(migrations.Migration):

    dependencies = [
        ("cards", "0007_library_links"),
    ]

    operations = [
        RunSQLOn("sqlite", SQLITE_FORWARDS, SQLITE_BACKWARDS),
        TrigramExtension(),  # PostgreSQL only, by itself
        RunSQLOn("postgresql", POSTGRESQL_FORWARDS, POSTGRESQL_BACKWARDS),
    ]
