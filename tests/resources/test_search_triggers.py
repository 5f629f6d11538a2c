"""The search-vector triggers (resources migration 0005, PostgreSQL only) exist and work after
every migration: a later migration that rebuilds or renames a table could drop them silently,
and search would then find resources by words they no longer have.

They are the only triggers left in the schema that the code relies on. On SQLite search reads the
live tables and no trigger is involved (SQLite would also drop a table's triggers whenever a
migration rebuilds it), so these tests run on PostgreSQL only; CI runs the suite there too.
"""

import importlib

import pytest
from django.db import connection

from resources.models import Resource, Tag
from tests._migrations import migrate

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the search-vector triggers exist on PostgreSQL only; CI runs the suite there too",
)

TRIGGERS = importlib.import_module("resources.migrations.0005_search_vector_triggers")


def expected_triggers() -> set[tuple[str, str]]:
    """(table, trigger) for every trigger migration 0005 creates, from its own lists."""
    names = {("resources_resource", "resources_resource_search_vector")}
    for _name, table, _column in TRIGGERS.LINK_TABLES:
        for event, transition in [("insert", "new"), ("delete", "old"), ("update", "old"),
                                  ("update", "new")]:  # fmt: skip
            names.add((table, f"{table}_search_{event}_{transition}"))
    for _name, table, *_rest in TRIGGERS.RENAMES:
        names.add((table, f"{table}_search_renamed"))
    return names


def enabled_triggers() -> set[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE NOT t.tgisinternal AND t.tgenabled <> 'D' AND c.relname LIKE 'resources_%%'"
        )
        return set(cursor.fetchall())


def titles_found(word: str) -> set[str]:
    """What the search's own index finds (the stored vector, not the live tables)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT title FROM resources_resource "
            "WHERE search_vector @@ plainto_tsquery('english', %s)",
            [word],
        )
        return {row[0] for row in cursor.fetchall()}


def assert_triggers_work(make):
    resource = make.resource(title="Old heading", tags=["walrus"])
    assert titles_found("heading") == {"Old heading"}
    # Plain UPDATEs, which no Python code sees: only the triggers can keep the index current.
    Resource.objects.filter(pk=resource.pk).update(title="Quokka primer")
    assert titles_found("quokka") == {"Quokka primer"} and not titles_found("heading")
    Tag.objects.filter(name="walrus").update(name="narwhal")
    assert titles_found("narwhal") == {"Quokka primer"} and not titles_found("walrus")


def test_the_search_triggers_exist_after_all_migrations(db):
    assert expected_triggers() <= enabled_triggers()


def test_the_search_triggers_keep_the_index_current(make):
    assert_triggers_work(make)


def test_the_search_triggers_survive_the_migrations_after_theirs(back_to_latest, make):
    """Unapply every migration after 0005 and apply them again: each later migration runs
    against a database that has the triggers, and none may drop them."""
    migrate([("resources", "0005_search_vector_triggers")])
    assert expected_triggers() <= enabled_triggers()
    migrate()
    assert expected_triggers() <= enabled_triggers()
    assert_triggers_work(make)
