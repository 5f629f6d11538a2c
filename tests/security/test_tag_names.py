"""Tag names: no control or invisible characters, one tag per name whatever its case, and
look-alike spellings (ligatures, full-width forms) are the same tag, wherever tags are entered
(the Tag admin, a resource's tag field, the import, the shell)."""

import copy

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from learnpaths.catalogue_io.importer import CatalogueError, catalogue_import
from resources.models import Resource, Tag
from tests._migrations import migrate
from tests.admin_forms import change_form, post_form
from tests.learnpaths.test_catalogue import DOCUMENT

INVISIBLE_NAMES = ["x\x01y", "x\u200by", "x\u2028y", "x\u202ey", "x\x7fy", "x\ny"]
LOOK_ALIKES = [
    ("ﬁne", "fine"),
    ("Ｃ＋＋", "C++"),
    ("Attention", "attention"),
    ("ＡＴＴＥＮＴＩＯＮ", "attention"),
]
CONTROL_MESSAGE = "A tag name cannot contain control or invisible characters."
CASE_MESSAGE = "A tag with this name already exists (tag names ignore case)."


def add_tag(client, name):
    return client.post(
        reverse("admin:resources_tag_add"), {"name": name, "slug": "", "_save": "Save"}
    )


@pytest.mark.parametrize("name", INVISIBLE_NAMES, ids=ascii)
def test_the_tag_admin_refuses_invisible_characters(staff_client, name):
    response = add_tag(staff_client, name)
    assert response.status_code == 200
    assert CONTROL_MESSAGE in response.content.decode()
    assert not Tag.objects.exists()


@pytest.mark.parametrize(("name", "existing"), LOOK_ALIKES)
def test_the_tag_admin_refuses_a_name_that_only_differs_in_case_or_form(
    staff_client, make, name, existing
):
    make.resource(tags=[existing])
    response = add_tag(staff_client, name)
    assert response.status_code == 200
    assert CASE_MESSAGE in response.content.decode()
    assert list(Tag.objects.values_list("name", flat=True)) == [existing]


def test_the_tag_admin_stores_the_normalised_name(staff_client, db):
    assert add_tag(staff_client, "ﬁne-tuning").status_code == 302
    assert list(Tag.objects.values_list("name", flat=True)) == ["fine-tuning"]


@pytest.mark.parametrize("name", INVISIBLE_NAMES, ids=ascii)
def test_a_resources_tag_field_refuses_invisible_characters(staff_client, make, name):
    resource = make.resource(tags=["ok"])
    fields = change_form(staff_client, resource)
    fields["tags"] = [f"ok, {name}"]
    response = post_form(staff_client, resource, fields)
    assert response.status_code == 200
    assert CONTROL_MESSAGE in response.content.decode()
    assert list(Tag.objects.values_list("name", flat=True)) == ["ok"]


@pytest.mark.parametrize(("name", "existing"), LOOK_ALIKES)
def test_a_look_alike_in_a_resources_tag_field_is_the_existing_tag(
    staff_client, make, name, existing
):
    make.resource(tags=[existing])
    resource = make.resource()
    fields = change_form(staff_client, resource)
    fields["tags"] = [f'"{name}"']
    assert post_form(staff_client, resource, fields).status_code == 302
    assert list(Tag.objects.values_list("name", flat=True)) == [existing]
    assert list(resource.tags.values_list("name", flat=True)) == [existing]


@pytest.mark.parametrize(("name", "existing"), LOOK_ALIKES)
def test_the_shell_resolves_look_alikes_to_one_tag(make, name, existing):
    first = make.resource(tags=[existing])
    second = make.resource(tags=[name])
    assert Tag.objects.count() == 1
    assert second.tags.get() == first.tags.get()


def test_the_database_refuses_two_tags_differing_only_in_case(db):
    Tag.objects.create(name="attention")
    with pytest.raises(IntegrityError), transaction.atomic():
        Tag.objects.bulk_create([Tag(name="ATTENTION", slug="attention-2")])


@pytest.mark.django_db
@pytest.mark.parametrize("name", INVISIBLE_NAMES, ids=ascii)
def test_the_import_refuses_invisible_characters_in_tag_names(name):
    document = copy.deepcopy(DOCUMENT)
    document["resources"][0]["tags"] = ["ok", name]
    with pytest.raises(CatalogueError) as error:
        catalogue_import(document)
    assert CONTROL_MESSAGE in str(error.value)
    assert not Tag.objects.exists() and not Resource.objects.exists()


@pytest.mark.django_db
def test_the_import_resolves_look_alikes_to_the_existing_tags():
    document = copy.deepcopy(DOCUMENT)
    document["resources"][0]["tags"] = ["ﬁne", "Ｃ＋＋"]
    document["resources"][1]["tags"] = ["fine", "c++"]
    catalogue_import(document)
    assert sorted(Tag.objects.values_list("name", flat=True)) == ["c++", "fine"]
    assert {t.name for t in Resource.objects.get(slug="book").tags.all()} == {"c++", "fine"}


# -- the migration that merges the tags stored before ----------------------------------------


def test_the_migration_merges_tags_that_differ_in_case_or_form(back_to_latest):
    old = migrate([("resources", "0007_doi_and_arxiv_validators")])
    OldTag = old.get_model("resources", "Tag")
    OldResource = old.get_model("resources", "Resource")
    Tagged = old.get_model("resources", "TaggedResource")
    names = ["attention", "Attention", "ATTENTION", "ﬁne", "fine", "x\x01y", "\u200b"]
    tags = {n: OldTag.objects.create(name=n, slug=f"s{i}") for i, n in enumerate(names)}
    a = OldResource.objects.create(title="A", slug="a", kind="book", url="https://e.org/a")
    b = OldResource.objects.create(title="B", slug="b", kind="book", url="https://e.org/b")
    for resource, name in [(a, "attention"), (a, "ATTENTION"), (b, "Attention"), (b, "ﬁne")]:
        Tagged.objects.create(content_object=resource, tag=tags[name])
    invisible = tags["\u200b"]
    migrate()
    names_after = dict(Tag.objects.values_list("slug", "name"))
    assert names_after == {
        "s0": "attention",
        "s3": "fine",
        "s5": "xy",
        "s6": f"tag {invisible.pk}",
    }
    assert {t.name for t in Resource.objects.get(slug="a").tags.all()} == {"attention"}
    assert {t.name for t in Resource.objects.get(slug="b").tags.all()} == {"attention", "fine"}
