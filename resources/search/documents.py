"""The catalogue's searchable documents: resources and concepts, what each is found by, and
which writes queue them for indexing again (registered in resources.apps)."""

from __future__ import annotations

from learnpaths.core.languages import localized_fields
from resources.models import (
    Concept,
    ConceptSearchTerm,
    Language,
    Resource,
    ResourceSearchTerm,
)
from resources.search.index import (
    CHINESE,
    CHINESE_WEIGHT,
    EXACT_WEIGHT,
    Document,
    StaleTrigger,
    queue_on,
    register,
)


def resource_documents(ids: list[int]) -> dict[int, Document]:
    """Each resource: its titles (and each whole; a paper's arXiv title too), its concepts'
    names in both languages (the concepts it introduced weigh most, and their whole names
    too), tags, authors, venue and description, a conference's editions (year, place);
    Chinese resources marked."""
    resources = (
        Resource.objects.filter(pk__in=ids)
        .only("title", "title_zh", "arxiv_title", "authors", "venue", "description", "language")
        .prefetch_related("tags", "concepts", "defines", "editions")
    )
    documents = {}
    for resource in resources:
        document = Document()
        document.add(resource.title, "title", exact=EXACT_WEIGHT)
        document.add(resource.title_zh, "title", exact=EXACT_WEIGHT)
        document.add(resource.arxiv_title, "title", exact=EXACT_WEIGHT, besides=resource.title)
        for concept in resource.concepts.all():
            document.add(concept.name, "concept")
            document.add(concept.name_zh, "concept")
        for concept in resource.defines.all():
            for name in (concept.name, concept.name_zh):
                document.add(name, "defines", exact=EXACT_WEIGHT // 2)
        for tag in resource.tags.all():
            document.add(tag.name, "tag")
        document.add(resource.authors, "authors")
        document.add(resource.venue, "venue")
        for edition in resource.editions.all():  # a conference is found by its years: NeurIPS 2025
            document.add(f"{edition.year} {edition.location}", "venue")
        document.add(resource.description, "text")
        if resource.language == Language.CHINESE:
            document.mark(CHINESE, CHINESE_WEIGHT)
        documents[resource.pk] = document
    return documents


def concept_documents(ids: list[int]) -> dict[int, Document]:
    """Each concept: its names (each whole) and its summary in every language."""
    documents = {}
    for concept in Concept.objects.filter(pk__in=ids):
        document = Document()
        document.add(concept.name, "title", exact=EXACT_WEIGHT)
        document.add(concept.name_zh, "title", exact=EXACT_WEIGHT)
        for summary in localized_fields("summary"):
            document.add(getattr(concept, summary) or "", "text")
        documents[concept.pk] = document
    return documents


def register_catalogue() -> None:
    """Register resources and concepts as search documents, and the triggers that queue them
    (table names come from the models, never from input)."""
    register("resource", resource_documents, ResourceSearchTerm)
    register("concept", concept_documents, ConceptSearchTerm)
    resource = Resource._meta.db_table
    concept = Concept._meta.db_table
    tagged = Resource.tags.through._meta.db_table
    tag = Resource.tags.through._meta.get_field("tag").related_model._meta.db_table
    linked = Resource.concepts.through._meta.db_table
    defines = Resource.defines.through._meta.db_table
    editions = Resource.editions.rel.related_model._meta.db_table
    words = ("title", "title_zh", "arxiv_title", "authors", "venue", "description", "language")
    names = ("name", "name_zh")
    queue_on(
        StaleTrigger("resource_new", resource, "INSERT", "SELECT 'resource', NEW.id"),
        StaleTrigger("resource_words", resource, "UPDATE", "SELECT 'resource', NEW.id", words),
        StaleTrigger("tagged", tagged, "INSERT", "SELECT 'resource', NEW.content_object_id"),
        StaleTrigger("untagged", tagged, "DELETE", "SELECT 'resource', OLD.content_object_id"),
        StaleTrigger(
            "retagged", tagged, "UPDATE",
            "SELECT 'resource', NEW.content_object_id UNION "
            "SELECT 'resource', OLD.content_object_id",
        ),
        StaleTrigger(
            "tag_renamed", tag, "UPDATE",
            f"SELECT 'resource', content_object_id FROM {tagged} WHERE tag_id = NEW.id",  # noqa: S608  # nosec B608
            ("name",),
        ),
        StaleTrigger("linked", linked, "INSERT", "SELECT 'resource', NEW.resource_id"),
        StaleTrigger("unlinked", linked, "DELETE", "SELECT 'resource', OLD.resource_id"),
        StaleTrigger("defines", defines, "INSERT", "SELECT 'resource', NEW.resource_id"),
        StaleTrigger("undefines", defines, "DELETE", "SELECT 'resource', OLD.resource_id"),
        StaleTrigger("edition_new", editions, "INSERT", "SELECT 'resource', NEW.conference_id"),
        StaleTrigger("edition_gone", editions, "DELETE", "SELECT 'resource', OLD.conference_id"),
        StaleTrigger(
            "edition_changed", editions, "UPDATE", "SELECT 'resource', NEW.conference_id",
            ("year", "location", "conference_id"),
        ),
        StaleTrigger("concept_new", concept, "INSERT", "SELECT 'concept', NEW.id"),
        StaleTrigger(
            "concept_words", concept, "UPDATE", "SELECT 'concept', NEW.id",
            (*names, *localized_fields("summary")),
        ),
        StaleTrigger(
            "concept_renamed", concept, "UPDATE",
            f"SELECT 'resource', resource_id FROM {linked} WHERE concept_id = NEW.id "  # noqa: S608  # nosec B608
            f"UNION SELECT 'resource', resource_id FROM {defines} WHERE concept_id = NEW.id",
            names,
        ),
    )  # fmt: skip
