"""PostgreSQL-only search machinery: pg_trgm, a GIN index on the full-text vector and a trigram
index on titles. Other databases skip these operations (they search with a plain fallback)."""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEXES = [
    ("resource_search_vector_gin",
     "CREATE INDEX IF NOT EXISTS resource_search_vector_gin "
     "ON resources_resource USING gin (search_vector)"),
    ("resource_title_trgm",
     "CREATE INDEX IF NOT EXISTS resource_title_trgm "
     "ON resources_resource USING gin (title gin_trgm_ops)"),
]


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for _name, sql in INDEXES:
        schema_editor.execute(sql)


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _sql in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("resources", "0001_initial")]

    operations = [
        TrigramExtension(),
        migrations.RunPython(create_indexes, drop_indexes),
    ]
