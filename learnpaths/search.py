"""Learning paths as search documents: what a path is found by, which writes queue it for
indexing again, and the search of published paths (registered in learnpaths.apps)."""

from __future__ import annotations

from learnpaths.core.languages import localized_fields
from learnpaths.models import LearningPath, PathSearchTerm
from resources.search import engine
from resources.search.index import EXACT_WEIGHT, Document, StaleTrigger, queue_on, register
from resources.search.query import ParsedQuery

TEXT_FIELDS = ("summary", "description")


def path_documents(ids: list[int]) -> dict[int, Document]:
    """Each path: its titles in every language (each whole), the names of the concepts it
    teaches, its summary and description in every language."""
    documents = {}
    for path in LearningPath.objects.filter(pk__in=ids).prefetch_related("concepts"):
        document = Document()
        for title in localized_fields("title"):
            document.add(getattr(path, title) or "", "title", exact=EXACT_WEIGHT)
        for concept in path.concepts.all():
            document.add(concept.name, "concept")
            document.add(concept.name_zh, "concept")
        for name in TEXT_FIELDS:
            for field in localized_fields(name):
                document.add(getattr(path, field) or "", "text")
        documents[path.pk] = document
    return documents


def register_paths() -> None:
    register("path", path_documents, PathSearchTerm)
    table = LearningPath._meta.db_table
    linked = LearningPath.concepts.through._meta.db_table
    concept = LearningPath.concepts.through._meta.get_field("concept").related_model
    words = tuple(f for name in ("title", *TEXT_FIELDS) for f in localized_fields(name))
    queue_on(
        StaleTrigger("path_new", table, "INSERT", "SELECT 'path', NEW.id"),
        StaleTrigger("path_words", table, "UPDATE", "SELECT 'path', NEW.id", words),
        StaleTrigger("path_linked", linked, "INSERT", "SELECT 'path', NEW.learningpath_id"),
        StaleTrigger("path_unlinked", linked, "DELETE", "SELECT 'path', OLD.learningpath_id"),
        StaleTrigger(
            "path_concept_renamed", concept._meta.db_table, "UPDATE",
            f"SELECT 'path', learningpath_id FROM {linked} WHERE concept_id = NEW.id",  # noqa: S608  # nosec B608
            ("name", "name_zh"),
        ),
    )  # fmt: skip


def search_paths(parsed: ParsedQuery, limit: int = 5) -> list[LearningPath]:
    """Up to `limit` published paths matching `parsed`, best first (their own columns only:
    search lists them by title, level and summary)."""
    if parsed.empty:
        return []
    published = LearningPath.objects.published()
    ranked = engine.ranking(
        parsed, published.filter(engine.matching(parsed, PathSearchTerm)), PathSearchTerm
    )
    ids = [row["document_id"] for row in ranked[:limit]]
    found = published.in_bulk(ids)
    return [found[pk] for pk in ids if pk in found]
