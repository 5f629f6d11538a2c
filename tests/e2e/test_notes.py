"""A learner's private notes in a real browser: written on a step in place (htmx), without
JavaScript through the plain form, and found again on "My notes"."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from learnpaths.models import Note, Step
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def noted_path(make):
    path = make.path(stages=1, steps_per_stage=2, title="Noted", slug="noted")
    make.user(username="noter")
    return Step.objects.filter(path=path).select_related("resource").order_by("position")[0]


def test_a_learner_writes_a_note_on_a_step_in_place_and_finds_it_on_my_notes(page, noted_path):
    resource = noted_path.resource
    sign_in(page, "noter")
    page.goto("/en/paths/noted/")
    page.evaluate("window.__noReload = true")
    block = page.locator(f"#note-{resource.pk}")
    block.locator("summary").click()
    block.get_by_label("Your note (Markdown)").fill("Read **twice**; 先看第二章")
    with page.expect_response(f"**/resources/{resource.slug}/note/"):
        block.get_by_role("button", name="Save note").click()
    expect(block.locator(".learner-note-text strong")).to_have_text("twice")
    # Focus moves to the sentence saying so, which a live region announces.
    expect(block.locator(".note-status")).to_be_focused()
    expect(page.locator("[aria-live=polite]")).to_have_text("Your note is saved.")
    assert page.evaluate("window.__noReload") is True  # changed in place
    assert Note.objects.get().body == "Read **twice**; 先看第二章"
    assert page.problems == []

    page.locator(".site-nav").get_by_role("link", name="My notes").click()
    page.get_by_label("Search your notes").fill("第二章")
    page.locator(".notes-search button").click()
    item = page.locator(".note-item")
    expect(item).to_have_count(1)
    expect(item.get_by_role("link", name=resource.title)).to_have_attribute(
        "href", resource.get_absolute_url()
    )
    expect(item.locator(".learner-note-text strong")).to_have_text("twice")


def test_without_javascript_a_note_is_saved_and_deleted_through_the_plain_form(
    new_page, noted_path
):
    page = new_page(javascript=False)
    resource = noted_path.resource
    sign_in(page, "noter")
    page.goto(resource.get_absolute_url())
    block = page.locator(f"#note-{resource.pk}")
    block.locator("summary").click()
    block.get_by_label("Your note (Markdown)").fill("plain *web*")
    with page.expect_navigation():
        block.get_by_role("button", name="Save note").click()
    expect(page).to_have_url(re.compile(f"{resource.get_absolute_url()}#note-{resource.pk}$"))
    expect(page.get_by_role("status")).to_contain_text("Your note is saved.")
    expect(block.locator(".learner-note-text em")).to_have_text("web")
    block.locator("summary").click()
    with page.expect_navigation():
        block.get_by_role("button", name="Delete note").click()
    expect(page.get_by_role("status")).to_contain_text("Your note is deleted.")
    expect(block.locator(".learner-note-text")).to_have_count(0)
    assert not Note.objects.exists()
