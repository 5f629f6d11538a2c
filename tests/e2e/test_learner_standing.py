"""A new learner's way in, in a real browser at phone width: say what they know on /start/, get
a starting point, see the concept map light up, check themselves on a stage, set a pace, and
take their data to another account."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from learnpaths.models import Progress, SelfCheck, Step
from resources.models import ConceptPrerequisite
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def course(make):
    """Two concepts, the second requiring the first; a path of two stages teaching them in
    order (each step core for its stage's concept); a self-check question on the first
    stage; two learners."""
    basics = make.concept(name="Perceptrons", slug="perceptrons", name_zh="感知机")
    deeper = make.concept(name="Backpropagation", slug="backpropagation", name_zh="反向传播")
    ConceptPrerequisite.objects.create(concept=deeper, prerequisite=basics)
    path = make.path(title="Neural nets", slug="neural-nets", stages=2, steps_per_stage=1)
    steps = list(Step.objects.filter(path=path).select_related("resource", "stage"))
    steps.sort(key=lambda step: step.stage.position)
    steps[0].resource.core_for.add(basics)
    steps[1].resource.core_for.add(deeper)
    SelfCheck.objects.create(
        stage=steps[0].stage,
        position=1,
        question="What does a perceptron compute?",
        answer="A weighted sum of its inputs, then a threshold.",
    )
    make.user(username="newcomer")
    make.user(username="elsewhere")
    return steps


def test_a_new_learner_gets_a_starting_point_and_sees_the_map_light_up(new_page, course):
    page = new_page(width=375, height=740)
    sign_in(page, "newcomer")
    page.goto("/en/start/")
    page.get_by_role("checkbox", name="Perceptrons").check()
    page.get_by_role("button", name="Save what I know and suggest where to start").click()
    advice = page.locator("#recommendation")
    expect(advice.get_by_role("heading")).to_have_text("Begin with “Neural nets”, stage 2")
    # What they know was saved: the first stage's core resource is skipped, undoably.
    assert Progress.objects.get(resource=course[0].resource).status == "skipped"

    page.goto("/en/concepts/map/")
    text = page.locator("main").inner_text()
    assert "Perceptrons (✓ Done)" in text and "Backpropagation (→ Ready)" in text, text
    assert page.problems == []

    # Unticking it sets the skipped resource back: the map says so.
    page.goto("/en/start/")
    page.get_by_role("checkbox", name="Perceptrons").uncheck()
    page.get_by_role("button", name="Save what I know and suggest where to start").click()
    expect(page.locator("#recommendation").get_by_role("heading")).to_have_text(
        "Begin with “Neural nets”, stage 1"
    )
    assert Progress.objects.get(resource=course[0].resource).status == "not_started"


def test_a_learner_checks_themselves_sets_a_pace_and_takes_their_data_along(
    new_page, course, tmp_path
):
    page = new_page(width=375, height=740)
    sign_in(page, "newcomer")
    page.goto("/en/paths/neural-nets/")
    page.get_by_role("button", name="Follow this path").click()
    answer = page.locator(".self-check-answer")
    expect(answer.get_by_text("A weighted sum")).to_be_hidden()
    answer.locator("summary").click()
    expect(answer.get_by_text("A weighted sum")).to_be_visible()

    pace = page.locator(".pace")
    hours = pace.get_by_label("Hours per week")
    hours.fill("200")  # the browser holds it back (the server's message: tests/learnpaths)
    assert hours.evaluate("field => field.checkValidity()") is False
    hours.fill("10")
    pace.get_by_role("button", name="Set pace").click()
    page.goto("/en/paths/neural-nets/")
    expect(page.locator(".pace-finish")).to_be_visible()

    page.goto("/en/me/")
    with page.expect_download() as download:
        page.get_by_role("link", name="JSON", exact=True).click()
    exported = tmp_path / "mine.json"
    download.value.save_as(exported)
    assert json.loads(exported.read_text())["followed_paths"][0]["weekly_hours"] == 10

    other = new_page(width=375, height=740)
    sign_in(other, "elsewhere")
    other.goto("/en/me/import/")
    other.get_by_label("Your exported JSON file").set_input_files(str(exported))
    other.get_by_role("button", name="Import").click()
    expect(other.locator(".import-report")).to_contain_text("1 path followed")
    other.goto("/en/me/")
    expect(other.locator(".followed-path")).to_have_count(1)
    assert page.problems == [] and other.problems == []
