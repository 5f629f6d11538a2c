"""What visitors, learners and curators do, in a real browser against a live server."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from learnpaths.models import LearningPath, PathFollow, Progress, Stage, Step
from tests.e2e.conftest import PASSWORD, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def catalogue(make):
    """A concept with resources of several kinds, one of them with a Chinese title."""
    cnn = make.concept(name="Convolutional neural networks", slug="cnn", name_zh="卷积神经网络")
    make.concept(name="Attention", slug="attention", name_zh="注意力机制").prerequisites.add(cnn)
    book = make.resource(title="Deep Learning with Pictures", slug="pictures", concepts=[cnn])
    course = make.resource(
        title="Convolutional Networks for Visual Recognition",
        slug="cs231n",
        kind="course",
        concepts=[cnn],
    )
    chinese = make.resource(
        title="Dive into Deep Learning",
        title_zh="动手学深度学习",
        slug="d2l",
        kind="book",
        language="zh",
        concepts=[cnn],
    )
    return {"concept": cnn, "book": book, "course": course, "chinese": chinese}


@pytest.fixture
def path_of_four(make):
    """A published path: two stages of two steps."""
    return make.path(stages=2, steps_per_stage=2, title="Seeing with networks", slug="seeing")


def steps_in_order(path: LearningPath) -> list[Step]:
    return list(
        Step.objects.filter(path=path)
        .select_related("resource")
        .order_by("stage__position", "position")
    )


def test_visitor_goes_from_home_to_a_concept_filters_and_opens_a_resource(page, catalogue):
    page.goto("/en/")
    expect(page.locator("link[rel=stylesheet]")).to_have_count(1)
    # The stylesheet really applied (not just linked): the body uses the site's font stack.
    assert page.evaluate("getComputedStyle(document.body).fontFamily").startswith("system-ui")

    page.get_by_role("link", name=re.compile("Convolutional neural networks")).first.click()
    expect(page).to_have_url(re.compile(r"/concepts/cnn/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Convolutional neural networks")

    page.get_by_role("link", name=re.compile("Filter all resources on")).click()
    expect(page.locator(".result-count")).to_have_text("3 resources match these filters.")
    page.get_by_role("checkbox", name=re.compile("^Course")).check()
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator(".result-count")).to_have_text("1 resource match these filters.")
    assert "kind=course" in page.url and "concept=cnn" in page.url

    page.get_by_role("link", name="Convolutional Networks for Visual Recognition").click()
    expect(page).to_have_url(re.compile(r"/resources/cs231n/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Convolutional Networks for Visual Recognition"
    )
    assert page.problems == []


@pytest.mark.parametrize(
    ("query", "title"),
    [("visual recognition", "Convolutional Networks for Visual Recognition"),
     ("动手学", "Dive into Deep Learning")],
)  # fmt: skip
def test_visitor_searches_in_english_and_chinese(page, catalogue, query, title):
    page.goto("/en/")
    page.get_by_role("searchbox", name="Search resources and concepts").fill(query)
    page.get_by_role("search").get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Results for “{query}”")
    expect(page.locator(".result-count")).to_have_text("1 resource found.")
    page.get_by_role("main").get_by_role("link", name=title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    assert page.problems == []


def sign_up(page, username: str, *, via_path: str) -> None:
    page.goto(via_path)
    page.get_by_role("link", name="create an account").click()
    page.get_by_label("Username").fill(username)
    page.get_by_label("E-mail address").fill(f"{username}@example.org")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(re.compile(re.escape(via_path) + "$"))


def progress_value(page) -> str:
    return page.locator("#path-progress-steps").get_attribute("value")


def test_newcomer_signs_up_follows_a_path_and_marks_steps_done_with_htmx(page, path_of_four):
    steps = steps_in_order(path_of_four)
    sign_up(page, "newcomer", via_path="/en/paths/seeing/")
    page.get_by_role("button", name="Follow this path").click()
    expect(page.get_by_role("status")).to_contain_text("You follow “Seeing with networks”")
    assert PathFollow.objects.filter(user__username="newcomer", path=path_of_four).exists()
    assert progress_value(page) == "0"

    navigations = []
    page.on(
        "framenavigated", lambda frame: frame == page.main_frame and navigations.append(frame.url)
    )
    page.evaluate("window.__noReload = true")
    for n, step in enumerate(steps[:3], start=1):
        with page.expect_response(f"**/resources/{step.resource.slug}/progress/"):
            page.locator(f"#step-{step.pk}").get_by_role("button", name="Mark done").click()
        expect(page.locator(f"#step-{step.pk} .status")).to_contain_text("Done")
        expect(page.locator("#path-progress-steps")).to_have_attribute("value", str(25 * n))
    expect(page.locator("#stage-1-progress")).to_contain_text(
        "2 of 2 required steps done — stage complete"
    )
    expect(page.locator("#stage-2-progress")).to_contain_text("1 of 2 required steps done")
    # The bars changed in place: no page load happened and the page's state survived.
    assert navigations == []
    assert page.evaluate("window.__noReload") is True
    assert page.problems == []

    page.reload()
    assert page.evaluate("window.__noReload") is None
    assert progress_value(page) == "75"
    for step in steps[:3]:
        expect(page.locator(f"#step-{step.pk} .status")).to_contain_text("Done")
    expect(page.locator(f"#step-{steps[3].pk} .status")).to_contain_text("Not started")

    page.get_by_role("link", name=re.compile("^Continue:")).click()
    expect(page).to_have_url(re.compile(f"#step-{steps[3].pk}$"))
    expect(page.locator(f"#step-{steps[3].pk}")).to_be_in_viewport()

    page.get_by_role("link", name="My learning").click()
    card = page.locator(".followed-path", has_text="Seeing with networks")
    expect(card).to_contain_text("75% done")
    expect(card.locator("progress")).to_have_attribute("value", "75")


def test_without_javascript_the_plain_forms_still_work(new_page, path_of_four):
    page = new_page(javascript=False)
    steps = steps_in_order(path_of_four)
    sign_up(page, "plainweb", via_path="/en/paths/seeing/")
    page.get_by_role("button", name="Follow this path").click()
    for n, step in enumerate(steps[:3], start=1):
        with page.expect_navigation():
            page.locator(f"#step-{step.pk}").get_by_role("button", name="Mark done").click()
        # Back on the path, at the step just marked.
        expect(page).to_have_url(re.compile(f"/en/paths/seeing/#step-{step.pk}$"))
        assert progress_value(page) == str(25 * n)
    assert Progress.objects.filter(user__username="plainweb", status="done").count() == 3
    page.get_by_role("link", name=re.compile("^Continue:")).click()
    expect(page).to_have_url(re.compile(f"#step-{steps[3].pk}$"))
    page.goto("/en/me/")
    expect(page.locator(".followed-path", has_text="Seeing with networks")).to_contain_text(
        "75% done"
    )


def pick_autocomplete(page, row, text: str) -> None:
    """Choose `text` in one of the admin's autocomplete (select2) widgets."""
    row.locator(".select2-selection").click()
    page.locator(".select2-search__field").fill(text)
    page.locator(".select2-results__option", has_text=text).first.click()


def test_curator_builds_and_publishes_a_path_that_a_learner_then_sees(new_page, make):
    curator = make.user(username="curator", is_staff=True, is_superuser=True)
    learner = make.user(username="reader")
    for title in ("Alpha primer", "Beta handbook", "Gamma lectures"):
        make.resource(title=title)
    page = new_page()
    page.goto("/admin/login/")
    page.get_by_label("Username").fill(curator.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.goto("/admin/learnpaths/learningpath/add/")
    page.locator("#id_title_en").press_sequentially("Curated in a browser")
    expect(page.get_by_label("Slug")).to_have_value("curated-in-a-browser")  # prepopulated
    page.locator("#id_summary_en").fill("Made by a curator, step by step.")
    page.locator(".add-row a", has_text="Add another Stage").click()
    rows = page.locator(".dynamic-stages")
    for i, (title, goal) in enumerate([("Basics", "Know the basics."), ("More", "Go further.")]):
        page.locator(f"#id_stages-{i}-position").fill(str(i + 1))
        page.locator(f"#id_stages-{i}-title_en").fill(title)
        page.locator(f"#id_stages-{i}-goal_en").fill(goal)
    expect(rows).to_have_count(2)
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    path = LearningPath.objects.get(slug="curated-in-a-browser")
    assert path.status == "draft"
    assert list(path.stages.values_list("position", "title")) == [(1, "Basics"), (2, "More")]

    # Steps are edited on each stage's page.
    for stage, titles in ((path.stages.get(position=1), ["Alpha primer", "Beta handbook"]),
                          (path.stages.get(position=2), ["Gamma lectures"])):  # fmt: skip
        page.goto(f"/admin/learnpaths/stage/{stage.pk}/change/")
        for i, title in enumerate(titles):
            if i:
                page.locator(".add-row a", has_text="Add another Step").click()
            row = page.locator(f"#steps-{i}")
            row.locator(f"#id_steps-{i}-position").fill(str(i + 1))
            pick_autocomplete(page, row, title)
            row.locator(f"#id_steps-{i}-note_en").fill(f"Why {title}.")
        page.get_by_role("button", name="Save and continue editing").click()
        expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

    # Reorder: Beta before Alpha, by swapping the position numbers.
    page.goto(f"/admin/learnpaths/stage/{path.stages.get(position=1).pk}/change/")
    page.locator("#id_steps-0-position").fill("2")
    page.locator("#id_steps-1-position").fill("1")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    assert [s.resource.title for s in steps_in_order(path)] == [
        "Beta handbook", "Alpha primer", "Gamma lectures",
    ]  # fmt: skip

    page.goto("/admin/learnpaths/learningpath/")
    page.get_by_role(
        "checkbox", name=re.compile("Select this object.*Curated in a browser")
    ).check()
    page.locator("select[name=action]").select_option(label="Publish the selected paths")
    page.get_by_role("button", name="Go").click()
    expect(page.locator(".messagelist")).to_contain_text("1 path published.")
    assert page.problems == []

    visitor = new_page()
    sign_in(visitor, learner.username)
    visitor.goto("/en/paths/")
    visitor.get_by_role("link", name="Curated in a browser").click()
    expect(visitor.locator(".step-title")).to_have_text(
        ["Beta handbook", "Alpha primer", "Gamma lectures"]
    )
    assert Stage.objects.filter(path=path).count() == 2
