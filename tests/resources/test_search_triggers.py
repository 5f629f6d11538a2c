"""The search queue's triggers (resources.search.index.STALE_TRIGGERS) exist and work after
every migration, on both databases: every write that changes what a document is found by —
through the ORM, a bulk UPDATE no Python code sees, or a rename — queues it, and the next
search indexes it. SQLite drops a table's triggers whenever a migration rebuilds the table, so
they are installed again after every migrate (post_migrate)."""

import pytest
from django.core.management.sql import emit_post_migrate_signal
from django.db import connection

from resources import selectors
from resources.models import Resource, ResourceSearchTerm, SearchIndexState, SearchStale, Tag
from resources.search import engine
from resources.search.index import STALE_TRIGGERS, analyser
from tests._migrations import migrate


def installed_triggers() -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgenabled <> 'D'"
            )
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        return {row[0] for row in cursor.fetchall()}


def expected_triggers() -> set[str]:
    return {f"search_stale_{trigger.name}" for trigger in STALE_TRIGGERS}


def titles_found(query: str) -> set[str]:
    return {r.title for r in selectors.search_resources(engine.parse_query(query))}


def assert_triggers_work(make):
    resource = make.resource(title="Old heading", tags=["walrus"])
    assert titles_found("heading") == {"Old heading"}
    # Plain UPDATEs, which no Python code sees: only the triggers can queue the document.
    Resource.objects.filter(pk=resource.pk).update(title="Quokka primer")
    assert SearchStale.objects.filter(kind="resource", object_id=resource.pk).exists()
    assert titles_found("quokka") == {"Quokka primer"} and not titles_found("heading")
    Tag.objects.filter(name="walrus").update(name="narwhal")
    assert titles_found("narwhal") == {"Quokka primer"} and not titles_found("walrus")
    assert not SearchStale.objects.exists()


def test_the_triggers_exist_after_all_migrations(db):
    assert expected_triggers() <= installed_triggers()


def test_the_triggers_keep_the_index_current(make):
    assert_triggers_work(make)


def test_the_triggers_survive_the_migrations(back_to_latest, make):
    """Unapply the migrations since the search index came and apply them again: every table
    rebuilt on the way keeps its triggers."""
    migrate([("resources", "0013_field_labels"), ("learnpaths", "0017_field_labels")])
    migrate()
    assert expected_triggers() <= installed_triggers()
    assert_triggers_work(make)


@pytest.mark.parametrize("count", [1, 30])
def test_a_search_indexes_a_queue_of_any_length_in_few_queries(
    make, count, django_assert_max_num_queries
):
    resources = [make.resource(title=f"Platypus {i}") for i in range(count)]
    Resource.objects.filter(pk__in=[r.pk for r in resources]).update(description="echidna")
    with django_assert_max_num_queries(14):
        engine.parse_query("echidna")
    assert titles_found("echidna") == {r.title for r in resources}


def test_a_migrate_after_the_analyser_changed_rebuilds_the_index(make):
    """A deploy that changes the text rules or the dictionary rebuilds the index at migrate
    (post_migrate), not at some learner's search; an unchanged analyser leaves it alone."""
    resource = make.resource(title="Platypus primer")
    engine.parse_query("platypus")  # indexed
    ResourceSearchTerm.objects.filter(document=resource).delete()  # as if built otherwise
    emit_post_migrate_signal(verbosity=0, interactive=False, db=connection.alias)
    assert not ResourceSearchTerm.objects.filter(document=resource).exists()  # same analyser
    SearchIndexState.objects.update(analyser="an older one")
    emit_post_migrate_signal(verbosity=0, interactive=False, db=connection.alias)
    assert ResourceSearchTerm.objects.filter(document=resource, term="platypus").exists()
    assert SearchIndexState.objects.get().analyser == analyser()


def test_a_papers_arxiv_title_finds_it_and_its_change_reindexes_it(make):
    gan = make.resource(kind="paper", title="Generative Adversarial Nets")
    assert not titles_found("networks")
    Resource.objects.filter(pk=gan.pk).update(arxiv_title="Generative Adversarial Networks")
    assert titles_found("networks") == {"Generative Adversarial Nets"}
    # Its words count as a title's, once: those of both titles weigh no more than before.
    terms = dict(ResourceSearchTerm.objects.filter(document=gan).values_list("term", "weight"))
    assert terms["network"] == terms["generat"] == 10, terms


def test_a_trigger_made_before_its_columns_changed_is_made_again_at_migrate(make):
    """SQLite has no CREATE OR REPLACE TRIGGER: an installed trigger watching fewer columns
    (before arxiv_title) must not survive the next migrate as it was."""
    if connection.vendor == "sqlite":
        table = Resource._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER search_stale_resource_words")
            cursor.execute(
                f"CREATE TRIGGER search_stale_resource_words AFTER UPDATE OF title ON {table} "
                "FOR EACH ROW BEGIN INSERT OR IGNORE INTO resources_searchstale (kind, object_id) "
                "SELECT 'resource', NEW.id; END"
            )
    emit_post_migrate_signal(verbosity=0, interactive=False, db=connection.alias)
    paper = make.resource(kind="paper", title="Sequence models")
    engine.parse_query("sequence")  # indexed, the queue emptied
    Resource.objects.filter(pk=paper.pk).update(arxiv_title="Seq2seq learning")
    assert SearchStale.objects.filter(kind="resource", object_id=paper.pk).exists()
