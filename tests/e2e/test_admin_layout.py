"""The admin's change pages fit a 1366 px wide laptop screen: nothing scrolls sideways."""

from __future__ import annotations

import pytest

from learnpaths.models import Stage, Step
from tests.e2e.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)
LONG = "A goal written out in full, as curators do, with a long sentence or two. " * 3


def test_path_and_stage_change_pages_fit_1366_px(new_page, make):
    curator = make.user(username="curator", is_staff=True, is_superuser=True)
    path = make.path(stages=3, steps_per_stage=3, title="A path " * 20)
    Stage.objects.filter(path=path).update(goal=LONG, title="A stage title " * 10)
    Step.objects.filter(stage__path=path).update(note=LONG)
    stage = path.stages.first()
    page = new_page(width=1366, height=768)
    page.goto("/admin/login/")
    page.get_by_label("Username").fill(curator.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    for url in (
        f"/admin/learnpaths/learningpath/{path.pk}/change/",
        f"/admin/learnpaths/stage/{stage.pk}/change/",
        "/admin/learnpaths/learningpath/add/",
        "/admin/learnpaths/stage/add/",
        f"/admin/resources/resource/{path.stages.first().steps.first().resource.pk}/change/",
    ):
        page.goto(url)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 1366, f"{url} is {width} px wide"
        assert page.problems == [], page.problems


TITLE = (
    "Scaling laws for neural language models trained on internet text with compute budgets "
    "from one to a million petaflop days"
)


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/admin/resources/resource/add/", "title"),
        ("/admin/learnpaths/learningpath/add/", "title_en"),
        ("/admin/resources/concept/add/", "name"),
        ("/admin/resources/tag/add/", "name"),
    ],
)
def test_slugs_filled_in_from_long_titles_stop_at_60_characters_between_words(
    new_page, make, url, field
):
    curator = make.user(username="curator", is_staff=True, is_superuser=True)
    page = new_page()
    page.goto("/admin/login/")
    page.get_by_label("Username").fill(curator.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(url)
    page.locator(f"#id_{field}").press_sequentially(TITLE)
    slug = page.locator("#id_slug").input_value()
    assert slug == "scaling-laws-for-neural-language-models-trained-on-internet"
    assert len(slug) <= 60
