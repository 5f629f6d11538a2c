"""Search follows tags and concepts as they are now: a renamed or deleted tag no longer finds
anything by its old name, whichever way it was changed. Runs on SQLite and on PostgreSQL (CI):
on both the database queues every document whose words change (resources.search.index)."""

import pytest
from django.urls import reverse

from learnpaths.catalogue_io.format import FORMAT
from learnpaths.catalogue_io.importer import catalogue_import
from resources import selectors
from resources.models import Concept, Resource, Tag
from resources.search import engine
from tests.admin_forms import admin_view_url as admin_url
from tests.html import html_text

TITLES = {"Fish book", "Other book", "Marsupial book"}


def found(client, query):
    """The titles (of this file's resources) the search page lists for `query`."""
    response = client.get(reverse("search"), {"q": query})
    assert response.status_code == 200
    page = html_text(response.content)
    return {title for title in TITLES if title in page}


@pytest.fixture
def tagged(make):
    resource = make.resource(title="Fish book", tags=["zebrafish", "aquarium"])
    make.resource(title="Other book", tags=["aquarium"])
    found_now = selectors.search_resources(engine.parse_query("zebrafish"))
    assert {r.title for r in found_now} == {"Fish book"}
    return resource


def rename_with_the_orm(staff_client, tag):
    tag.name = "quokka"
    tag.save()


def rename_with_an_update(staff_client, tag):
    Tag.objects.filter(pk=tag.pk).update(name="quokka")


def rename_in_the_admin(staff_client, tag):
    response = staff_client.post(
        admin_url(Tag, "change", tag.pk), {"name": "quokka", "slug": tag.slug}
    )
    assert response.status_code == 302


@pytest.mark.parametrize(
    "rename", [rename_with_the_orm, rename_with_an_update, rename_in_the_admin]
)
def test_a_renamed_tag_finds_by_its_new_name_only(staff_client, tagged, rename):
    rename(staff_client, Tag.objects.get(name="zebrafish"))
    assert found(staff_client, "zebrafish") == set()
    assert found(staff_client, "quokka") == {"Fish book"}


def delete_with_the_orm(staff_client, tag):
    tag.delete()


def delete_a_queryset(staff_client, tag):
    Tag.objects.filter(pk=tag.pk).delete()


def delete_in_the_admin(staff_client, tag):
    response = staff_client.post(admin_url(Tag, "delete", tag.pk), {"post": "yes"})
    assert response.status_code == 302


def delete_with_the_admins_bulk_action(staff_client, tag):
    response = staff_client.post(
        reverse("admin:resources_tag_changelist"),
        {"action": "delete_selected", "_selected_action": [tag.pk], "post": "yes"},
    )
    assert response.status_code == 302


def untag_with_the_orm(staff_client, tag):
    Resource.objects.get(title="Fish book").tags.remove(tag)


def untag_with_the_import(staff_client, tag):
    catalogue_import(
        {
            "format": FORMAT,
            "concepts": [],
            "resources": [
                {"slug": "fish", "title": "Fish book", "kind": "book",
                 "url": "https://example.org/fish", "tags": ["aquarium"]},
            ],
            "paths": [],
        }
    )  # fmt: skip


@pytest.mark.parametrize(
    "remove",
    [
        delete_with_the_orm,
        delete_a_queryset,
        delete_in_the_admin,
        delete_with_the_admins_bulk_action,
        untag_with_the_orm,
        untag_with_the_import,
    ],
)
def test_a_removed_tag_finds_nothing_by_its_name(staff_client, tagged, remove):
    Resource.objects.filter(pk=tagged.pk).update(slug="fish", url="https://example.org/fish")
    remove(staff_client, Tag.objects.get(name="zebrafish"))
    assert found(staff_client, "zebrafish") == set()
    assert found(staff_client, "aquarium") == {"Fish book", "Other book"}


def test_a_tag_added_with_the_orm_is_found(client, make):
    resource = make.resource(title="Fish book")
    resource.tags.add("zebrafish")
    assert found(client, "zebrafish") == {"Fish book"}


def test_a_renamed_concept_and_a_retitled_resource_are_found_by_their_new_words(client, make):
    concept = make.concept(name="Zebrafish biology")
    make.resource(title="Fish book", concepts=[concept])
    Concept.objects.filter(pk=concept.pk).update(name="Quokka biology")
    Resource.objects.filter(title="Fish book").update(title="Marsupial book")
    assert found(client, "zebrafish") == set()
    assert found(client, "quokka") == {"Marsupial book"}
    assert found(client, "marsupial") == {"Marsupial book"}
