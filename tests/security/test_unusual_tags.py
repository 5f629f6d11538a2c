"""Tags named without ASCII letters (symbols, emoji, Chinese) get a slug every page can link."""

import importlib

import pytest
from django.apps import apps
from django.db import IntegrityError
from django.urls import reverse

from learnpaths.catalogue_io.format import FORMAT
from learnpaths.catalogue_io.importer import catalogue_import
from resources.models import Resource, Tag
from tests.html import hrefs

UNUSUAL_NAMES = ["∇", "🔥", "注意力", "∂", "❤️", "👩\u200d💻", "+", "∇∇", "Ⅻ"]


def tag_links(html):
    return {href for href in hrefs(html) if "/en/tags/" in href}


def assert_every_page_links_every_tag(client, resource, concept):
    tags = list(Tag.objects.all())
    pages = [
        reverse("resource-list"),
        reverse("search") + "?q=" + resource.title,
        concept.get_absolute_url(),
        resource.get_absolute_url(),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert {tag.get_absolute_url() for tag in tags} <= tag_links(response.content), url
    for tag in tags:
        response = client.get(tag.get_absolute_url())
        assert response.status_code == 200, tag.name
        assert resource.title in response.content.decode()


@pytest.mark.django_db
def test_unusual_tag_names_get_distinct_non_empty_slugs(make):
    make.resource(tags=UNUSUAL_NAMES)
    slugs = list(Tag.objects.values_list("slug", flat=True))
    assert len(slugs) == len(set(slugs)) == len(UNUSUAL_NAMES)
    assert all(slugs)
    assert Tag.objects.get(name="注意力").slug == "注意力"
    assert Tag.objects.get(name="∇").slug == "nabla"


def test_pages_link_to_tags_named_with_symbols_emoji_and_chinese(client, make):
    concept = make.concept()
    resource = make.resource(title="Calculus", tags=UNUSUAL_NAMES, concepts=[concept])
    assert_every_page_links_every_tag(client, resource, concept)


def test_tags_added_in_the_admin_with_an_empty_slug_get_one(staff_client, make):
    concept = make.concept()
    resource = make.resource(title="Calculus", concepts=[concept])
    for name in ("🔥", "∇", "注意力"):
        response = staff_client.post(
            reverse("admin:resources_tag_add"), {"name": name, "slug": ""}, follow=True
        )
        assert response.status_code == 200
    assert Tag.objects.count() == 3
    resource.tags.add(*Tag.objects.all())
    assert_every_page_links_every_tag(client=staff_client, resource=resource, concept=concept)


def test_tags_typed_on_a_resource_in_the_admin_get_slugs(staff_client, make):
    concept = make.concept()
    resource = make.resource(title="Calculus", concepts=[concept])
    form = {
        "title": resource.title, "title_zh": "", "slug": resource.slug, "kind": "book",
        "url": resource.url, "authors": "", "year": "", "description": "", "level": "beginner",
        "estimated_hours": "", "cost": "free", "language": "en", "concepts": [concept.pk],
        "tags": "∇, 🔥, 注意力", "arxiv_id": "", "doi": "", "venue": "", "published": "on",
    }  # fmt: skip
    change_url = reverse("admin:resources_resource_change", args=[resource.pk])
    response = staff_client.post(change_url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert set(resource.tags.names()) == {"∇", "🔥", "注意力"}
    assert_every_page_links_every_tag(client=staff_client, resource=resource, concept=concept)


def test_tags_from_the_catalogue_import_get_slugs(client, db):
    catalogue_import(
        {
            "format": FORMAT,
            "concepts": [
                {"slug": "calc", "name": "Calculus", "name_zh": "微积分", "area": "foundations",
                 "summary": "Change.", "prerequisites": []},
            ],
            "resources": [
                {"slug": "book", "title": "Calculus", "kind": "book",
                 "url": "https://example.org/book", "tags": ["∇", "🔥", "注意力", "∂"],
                 "concepts": ["calc"]},
            ],
            "paths": [],
        }
    )  # fmt: skip
    resource = Resource.objects.get(slug="book")
    assert_every_page_links_every_tag(client, resource, resource.concepts.get())


@pytest.mark.django_db
def test_a_tag_whose_slug_was_cleared_gets_a_new_one_and_names_sharing_a_slug_differ(make):
    tag = Tag.objects.create(name="🔥")
    tag.slug = ""
    tag.save()
    assert tag.slug == "fire"
    assert Tag.objects.create(name="Fire!").slug == "fire-2"


@pytest.mark.django_db
def test_the_database_refuses_an_empty_tag_slug(make):
    tag = Tag.objects.create(name="∇")
    with pytest.raises(IntegrityError):
        Tag.objects.filter(pk=tag.pk).update(slug="")


@pytest.mark.django_db
def test_the_migration_gives_tags_saved_with_taggits_placeholder_slugs_a_real_one(make):
    migration = importlib.import_module("resources.migrations.0004_tag_slug_never_empty")
    fire, nabla, _numeric = (Tag.objects.create(name=n) for n in ("🔥", "∇", "2024"))
    Tag.objects.filter(pk=fire.pk).update(slug="_1")
    Tag.objects.filter(pk=nabla.pk).update(slug="_2")
    migration.fill_empty_slugs(apps, None)
    assert dict(Tag.objects.values_list("name", "slug")) == {
        "🔥": "fire",
        "∇": "nabla",
        "2024": "2024",
    }
