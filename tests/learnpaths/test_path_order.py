"""Paths say what they assume and which paths come before them: `assumes` (Markdown, in both
languages) and `previous_paths`, from the catalogue format and the admin to the path page."""

from __future__ import annotations

import copy

import pytest

from learnpaths.catalogue_io.exporter import catalogue_export
from learnpaths.catalogue_io.format import FORMAT
from learnpaths.catalogue_io.importer import CatalogueError, catalogue_import
from learnpaths.models import LearningPath, PathStatus
from tests.admin_forms import change_form, post_form
from tests.html import parse

pytestmark = pytest.mark.django_db


def path(slug: str, *previous: str, status: str = "published", **fields) -> dict:
    return {
        "slug": slug,
        "title": f"Path {slug.upper()}",
        "summary": "A path.",
        "level": "beginner",
        "status": status,
        "previous_paths": list(previous),
        "stages": [{"title": "One", "goal": "Goal.", "steps": [{"resource": "r", "note": "Why."}]}],
        **fields,
    }


def document(*paths: dict) -> dict:
    resource = {"slug": "r", "title": "R", "kind": "book", "url": "https://example.org/r"}
    return {"format": FORMAT, "resources": [resource], "paths": list(paths)}


def previous_of(slug: str) -> list[str]:
    return sorted(LearningPath.objects.get(slug=slug).previous_paths.values_list("slug", flat=True))


def test_previous_paths_import_in_any_order_and_export_back():
    # "c" names "b" before the document defines it: links are written once every path exists.
    doc = document(
        path("c", "b", assumes="You can train a *small* model.", assumes_zh_hans="会训练小模型。"),
        path("b", "a"),
        path("a"),
    )

    catalogue_import(doc)

    assert previous_of("c") == ["b"] and previous_of("b") == ["a"] and previous_of("a") == []
    c = LearningPath.objects.get(slug="c")
    assert c.assumes_html_en == "<p>You can train a <em>small</em> model.</p>"
    assert c.assumes_html_zh_hans == "<p>会训练小模型。</p>"
    exported = {p["slug"]: p for p in catalogue_export()["paths"]}
    assert exported["c"]["previous_paths"] == ["b"]
    assert exported["c"]["assumes"] == "You can train a *small* model."
    assert exported["c"]["assumes_zh_hans"] == "会训练小模型。"
    again = catalogue_import(catalogue_export())
    assert not again.changed


@pytest.mark.parametrize(
    "paths, problem",
    [
        ((path("a", "nowhere"),), 'paths[0] "a": unknown previous path slug(s): nowhere'),
        ((path("a", "a"),), 'paths[0] "a": a path cannot come before itself'),
        ((path("a", "b"), path("b", "a")), "previous paths form a cycle"),
        ((path("a", "c"), path("b", "a"), path("c", "b")), "previous paths form a cycle"),
        ((path("a", previous_paths="b"),), "previous path must be a list of slugs"),
    ],
)
def test_bad_previous_paths_are_refused_and_nothing_is_written(paths, problem):
    doc = document(*paths)

    with pytest.raises(CatalogueError) as error:
        catalogue_import(doc)

    assert any(problem in p for p in error.value.problems), error.value.problems
    assert not LearningPath.objects.exists()


def test_a_cycle_through_a_stored_path_is_refused():
    catalogue_import(document(path("a"), path("b", "a")))

    with pytest.raises(CatalogueError) as error:
        catalogue_import(document(path("a", "b")))

    assert any("Path A → Path B → Path A" in p for p in error.value.problems)
    assert previous_of("a") == []


def _before_and_after(client, slug: str, language: str = "en"):
    response = client.get(f"/{language}/paths/{slug}/")
    assert response.status_code == 200
    page = parse(response.content)
    before = page.find("section", class_="path-before")
    after = page.find("section", class_="path-after")
    return before, after


def test_the_path_page_names_what_it_assumes_and_the_published_paths_around_it(client):
    doc = document(
        path("a", assumes="Python and **NumPy**.", assumes_zh_hans="会用 Python 和 **NumPy**。"),
        path("draft", status="draft"),
        path("b", "a", "draft"),
        path("c", "b"),
    )
    catalogue_import(doc)

    before, after = _before_and_after(client, "b")
    assert before is not None
    assert [a.attrs["href"] for a in before.find_all("a")] == ["/en/paths/a/"]  # not the draft
    assert [a.attrs["href"] for a in after.find_all("a")] == ["/en/paths/c/"]
    assert [a.text for a in after.find_all("a")] == ["Path C"]

    before, after = _before_and_after(client, "a")
    assert "Python and NumPy." in before.text and before.find("strong").text == "NumPy"
    assert before.find("a") is None
    assert [a.attrs["href"] for a in after.find_all("a")] == ["/en/paths/b/"]

    before, _after = _before_and_after(client, "a", "zh-hans")
    assert "会用 Python 和 NumPy。" in before.text


def test_a_path_assuming_nothing_and_after_nothing_shows_neither_section(client):
    catalogue_import(document(path("a")))

    before, after = _before_and_after(client, "a")

    assert before is None and after is None


def test_publishing_a_previous_path_shows_it_on_the_later_one(client):
    catalogue_import(document(path("a", status="draft"), path("b", "a")))
    before, _after = _before_and_after(client, "b")
    assert before is None

    LearningPath.objects.filter(slug="a").set_status(PathStatus.PUBLISHED)

    before, _after = _before_and_after(client, "b")
    assert [a.attrs["href"] for a in before.find_all("a")] == ["/en/paths/a/"]


def test_the_admin_refuses_a_cycle_of_previous_paths_and_keeps_the_links(staff_client):
    catalogue_import(document(path("a"), path("b", "a")))
    a = LearningPath.objects.get(slug="a")
    b = LearningPath.objects.get(slug="b")
    fields = change_form(staff_client, a)

    response = post_form(staff_client, a, {**fields, "previous_paths": [str(b.pk)]})

    assert response.status_code == 200
    assert "These previous paths would make a cycle: Path A → after → Path B → after → Path A" in (
        response.content.decode()
    )
    assert previous_of("a") == []

    response = post_form(staff_client, a, {**fields, "previous_paths": [str(a.pk)]})
    assert "A path cannot come before itself." in response.content.decode()
    assert previous_of("a") == []


def test_the_admin_saves_previous_paths_and_the_page_shows_them(staff_client, client):
    catalogue_import(document(path("a"), path("b")))
    a = LearningPath.objects.get(slug="a")
    b = LearningPath.objects.get(slug="b")
    fields = change_form(staff_client, b)

    response = post_form(
        staff_client, b, {**fields, "previous_paths": [str(a.pk)], "assumes_en": "Basics."}
    )

    assert response.status_code == 302
    assert previous_of("b") == ["a"]
    before, _after = _before_and_after(client, "b")
    assert "Basics." in before.text
    assert [x.attrs["href"] for x in before.find_all("a")] == ["/en/paths/a/"]


def test_a_site_seeded_without_the_keys_keeps_its_paths_unchanged():
    doc = document(path("a"))
    for item in doc["paths"]:
        item.pop("previous_paths")
    catalogue_import(copy.deepcopy(doc))

    again = catalogue_import(doc)

    assert not again.changed
