"""Every write to curated content makes the cached public pages current, and it does so through
one module (resources.invalidation): nothing else writes the catalogue version, and no database
trigger does it behind the code's back."""

import io
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client

from learnpaths.catalogue_io.format import FORMAT
from learnpaths.catalogue_io.importer import catalogue_import
from learnpaths.models import LearningPath, PathStatus, Step
from resources.models import CatalogueVersion, Concept, ConferenceEdition, Resource

ROOT = Path(__file__).resolve().parents[2]


def version() -> int:
    return CatalogueVersion.objects.values_list("number", flat=True).first() or 0


def rename_resource(make):
    resource = make.resource()
    return lambda: Resource.objects.get(pk=resource.pk).save()


def link_concept(make):
    resource, concept = make.resource(), make.concept()
    return lambda: resource.concepts.add(concept)


def mark_introduced(make):
    resource, concept = make.resource(kind="paper"), make.concept()
    return lambda: resource.defines.add(concept)


def add_edition(make):
    resource = make.resource(kind="conference")
    return lambda: ConferenceEdition.objects.create(conference=resource, year=2031)


def unpublish_resource(make):
    resource = make.resource()
    return lambda: Resource.objects.filter(pk=resource.pk).set_published(False)


def publish_path(make):
    path = make.path(status=PathStatus.DRAFT)
    return lambda: LearningPath.objects.filter(pk=path.pk).set_status(PathStatus.PUBLISHED)


def delete_step(make):
    path = make.path(stages=1, steps_per_stage=2)
    return lambda: Step.objects.filter(path=path).order_by("pk").first().delete()


def delete_concept(make):
    concept = make.concept()
    return lambda: Concept.objects.filter(pk=concept.pk).delete()


def import_catalogue(make):
    document = {
        "format": FORMAT,
        "concepts": [
            {
                "slug": "new-idea",
                "name": "New idea",
                "name_zh": "新想法",
                "area": "foundations",
                "summary": "New.",
            }
        ],
    }
    return lambda: catalogue_import(document)


def seed_bench(make):
    return lambda: call_command("seed_bench", resources=60, stdout=io.StringIO())


@pytest.mark.parametrize(
    "write",
    [
        rename_resource,
        link_concept,
        mark_introduced,
        add_edition,
        unpublish_resource,
        publish_path,
        delete_step,
        delete_concept,
        import_catalogue,
        seed_bench,
    ],
)
def test_every_write_path_raises_the_catalogue_version(make, write):
    change = write(make)
    before = version()
    change()
    assert version() > before


def test_a_cached_page_shows_a_bulk_write_at_once(make):
    make.concept(slug="c", name="Old name")
    anonymous = Client()
    assert "Old name" in anonymous.get("/en/concepts/").content.decode()
    doc = {
        "format": FORMAT,
        "concepts": [
            {
                "slug": "c",
                "name": "New name",
                "name_zh": "新",
                "area": "foundations",
                "summary": "S.",
            }
        ],
    }
    catalogue_import(doc)
    html = anonymous.get("/en/concepts/").content.decode()
    assert "New name" in html and "Old name" not in html


def test_only_the_invalidation_module_writes_the_catalogue_version():
    writes = re.compile(r"CatalogueVersion\.objects\.(?!filter\(pk=VERSION_PK\)\.values_list)")
    offenders = []
    for path in [*ROOT.glob("learnpaths/**/*.py"), *ROOT.glob("resources/**/*.py")]:
        if "migrations" in path.parts or path.name == "invalidation.py":
            continue
        text = path.read_text()
        if writes.search(text) or "bump_catalogue_version" in text:
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_no_database_trigger_writes_the_catalogue_version(db):
    if connection.vendor == "postgresql":
        query = (
            "SELECT t.tgname FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid "
            "WHERE NOT t.tgisinternal AND p.prosrc ILIKE %s"
        )
    else:
        query = "SELECT name FROM sqlite_master WHERE type = 'trigger' AND sql LIKE %s"
    with connection.cursor() as cursor:
        cursor.execute(query, [f"%{CatalogueVersion._meta.db_table}%"])
        assert cursor.fetchall() == []
