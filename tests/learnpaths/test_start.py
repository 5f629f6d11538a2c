"""/start/: a learner ticks what they know and gets a path and a stage to begin with; a
signed-in learner's ticks skip (and un-skip) the concepts' core resources, an anonymous
visitor's are only read."""

import pytest
from django.test import Client

from learnpaths import services
from learnpaths.models import Progress, Step
from tests.html import html_text, parse


def steps_of(path):
    return list(
        Step.objects.filter(path=path).select_related("resource").order_by("stage__position")
    )


@pytest.fixture
def world(make):
    """Basics ← Middle (Middle requires Basics) and Other, each core resource a step:
    "First path" (beginner) teaches Basics in stage 1 and Middle in stage 2; "Second path"
    (intermediate, after the first) teaches Other."""
    basics = make.concept(name="Basics", slug="basics", summary="What *everything* rests on.")
    middle = make.concept(name="Middle", slug="middle", area="architectures")
    middle.prerequisites.add(basics)
    other = make.concept(name="Other", slug="other", area="architectures")
    first = make.path(title="First path", slug="first", stages=2, level="beginner")
    second = make.path(title="Second path", slug="second", level="intermediate")
    second.previous_paths.add(first)
    (basics_step, middle_step), (other_step,) = steps_of(first), steps_of(second)
    basics_step.resource.core_for.add(basics)
    middle_step.resource.core_for.add(middle)
    other_step.resource.core_for.add(other)
    return {
        "basics": basics,
        "middle": middle,
        "other": other,
        "first": first,
        "second": second,
        "basics_book": basics_step.resource,
        "middle_book": middle_step.resource,
        "other_book": other_step.resource,
    }


def recommendation(html):
    section = parse(html).find("section", id="recommendation")
    return section.text if section is not None else None


def ticked(html):
    form = parse(html).find("form", class_="start-form")
    return {
        box.attrs["value"]
        for box in form.find_all("input", type="checkbox")
        if "checked" in box.attrs
    }


def test_the_form_lists_every_concept_by_area_in_plain_words(world, client):
    html = client.get("/en/start/").content.decode()
    form = parse(html).find("form", class_="start-form")
    assert form.attrs["method"] == "get"  # nothing to save for an anonymous visitor
    legends = [legend.text for legend in form.find_all("legend")]
    assert legends == ["Architectures", "Foundations"]
    labels = {label.find("input").attrs["value"]: label.text for label in form.find_all("label")}
    assert set(labels) == {"basics", "middle", "other"}
    assert "Basics 概念" in labels["basics"] and "What everything rests on." in labels["basics"]
    assert recommendation(html) is None  # nothing ticked, nothing asked yet


def test_an_anonymous_visitor_who_knows_nothing_starts_at_the_beginning(world, client):
    # The form sends an empty value when nothing is ticked.
    hidden = parse(client.get("/en/start/").content).find("input", type="hidden", name="known")
    assert hidden.attrs["value"] == ""
    text = recommendation(client.get("/en/start/?known=").content)
    assert "Begin with “First path”, stage 1" in text
    assert "comes first in the curators' order" in text
    assert "ignored" not in text
    text = recommendation(client.get("/en/start/", {"known": "nothing-known"}).content)
    assert "Begin with “First path”, stage 1" in text
    assert "1 unknown concept was ignored." in text


def test_an_anonymous_visitor_gets_the_stage_after_what_they_know_and_nothing_is_saved(
    world, client
):
    html = client.get("/en/start/", {"known": ["basics"]}).content.decode()
    text = recommendation(html)
    assert "Begin with “First path”, stage 2" in text
    assert "You know Basics." in text
    assert "the stages before it cover what you know" in text
    assert parse(html).find("a", href="/en/paths/first/#stage-2") is not None
    assert ticked(html) == {"basics"}
    assert not Progress.objects.exists()


def test_knowing_a_whole_path_leads_to_the_path_after_it(world, client):
    text = recommendation(client.get("/en/start/", {"known": ["basics", "middle"]}).content)
    assert "Begin with “Second path”, stage 1" in text
    assert "What you know completes “First path”; “Second path” comes next." in text


def test_knowing_everything_says_so(world, client):
    text = recommendation(
        client.get("/en/start/", {"known": ["basics", "middle", "other"]}).content
    )
    assert "You know what every path teaches" in text


def test_an_anonymous_post_recommends_without_saving(world, client):
    response = client.post("/en/start/", {"known": ["basics"]})
    assert response.status_code == 200
    assert "Begin with “First path”, stage 2" in recommendation(response.content)
    assert not Progress.objects.exists()


def test_a_learners_ticks_skip_the_core_resources_they_had_not_started(world, make, client):
    learner = make.user()
    services.progress_set(user=learner, resource_id=world["middle_book"].pk, status="in_progress")
    client.force_login(learner)
    form = parse(client.get("/en/start/").content).find("form", class_="start-form")
    assert form.attrs["method"] == "post"
    response = client.post("/en/start/", {"known": ["basics", "middle"]})
    assert response.status_code == 302
    assert response["Location"] == "/en/start/#recommendation"
    statuses = dict(Progress.objects.filter(user=learner).values_list("resource", "status"))
    assert statuses == {
        world["basics_book"].pk: "skipped",
        world["middle_book"].pk: "in_progress",  # started: left as it is
    }
    html = client.get("/en/start/").content.decode()
    assert "1 resource marked as known already (skipped)." in html_text(html)
    assert ticked(html) == {"basics"}  # the concepts done: Middle is not, it is in progress
    assert "Begin with “First path”, stage 2" in recommendation(html)


def test_unticking_a_concept_un_skips_its_resources_but_never_touches_done_ones(
    world, make, client
):
    learner = make.user()
    client.force_login(learner)
    services.progress_set(user=learner, resource_id=world["other_book"].pk, status="done")
    client.post("/en/start/", {"known": ["basics", "other"]})
    assert ticked(client.get("/en/start/").content) == {"basics", "other"}
    response = client.post("/en/start/", {"known": []})
    assert response.status_code == 302
    statuses = dict(Progress.objects.filter(user=learner).values_list("resource", "status"))
    assert statuses == {
        world["basics_book"].pk: "not_started",
        world["other_book"].pk: "done",
    }
    html = client.get("/en/start/").content.decode()
    assert "1 skipped resource set back to not started." in html_text(html)
    assert ticked(html) == {"other"}


def test_skipping_from_a_path_page_is_not_undone_by_saving_the_form(world, make, client):
    learner = make.user()
    client.force_login(learner)
    extra = make.resource()
    extra.core_for.add(world["basics"])
    # Basics is not done (one of its two core resources is left): its box is not ticked, and
    # saving the form must not take back the skip the learner made on a path page.
    services.progress_set(user=learner, resource_id=world["basics_book"].pk, status="skipped")
    client.post("/en/start/", {"known": ["other"]})
    assert Progress.objects.get(user=learner, resource=world["basics_book"]).status == "skipped"


def test_forged_and_unknown_values_change_nothing_and_fail_nothing(world, make, client):
    learner = make.user()
    client.force_login(learner)
    for known in (["x" * 5000], ["../basics"], [str(world["basics"].pk)]):
        assert client.post("/en/start/", {"known": known}).status_code == 302
    # A NUL character is refused before the view (learnpaths.core.middleware).
    assert client.post("/en/start/", {"known": ["basics\x00"]}).status_code == 400
    assert not Progress.objects.filter(status="skipped").exists()
    anonymous = Client()
    response = anonymous.get("/en/start/", {"known": ["<script>", "x" * 3000], "other": "1"})
    assert response.status_code == 200
    assert "<script>" not in response.content.decode().split("<main", 1)[1]


def test_the_page_is_in_chinese_too(world, client):
    html = client.get("/zh-hans/start/", {"known": ["basics"]}).content.decode()
    assert parse(html).find("a", href="/zh-hans/paths/first/#stage-2") is not None


def test_start_is_linked_from_the_home_page_and_the_navigation(world, client, make):
    home = parse(client.get("/en/").content)
    assert home.find("nav", class_="site-nav").find("a", href="/en/start/") is not None
    assert home.find("section", class_="hero").find("a", href="/en/start/") is not None
    client.force_login(make.user())
    nav = parse(client.get("/en/start/").content).find("nav", class_="site-nav")
    assert nav.find("a", href="/en/start/").attrs.get("aria-current") == "page"


@pytest.mark.parametrize("size", [5, 60])
def test_the_page_takes_a_fixed_number_of_queries(make, client, django_assert_num_queries, size):
    learner = make.user()
    for n in range(size):
        concept = make.concept(area=["foundations", "vision"][n % 2])
        path = make.path(stages=2)
        for step in steps_of(path):
            step.resource.core_for.add(concept)
        if n % 3 == 0:
            services.progress_set(user=learner, resource_id=step.resource.pk, status="done")
    client.force_login(learner)
    # Session, user (with the catalogue version), the learner's statuses, the concepts with
    # their summaries; once per catalogue version, the concept catalogue (three), the paths'
    # order (two) and the paths (six: path_structures).
    with django_assert_num_queries(4 + 3 + 2 + 6):
        html = client.get("/en/start/").content.decode()
    assert len(parse(html).find_all("input", type="checkbox")) == size
    services.progress_set(user=learner, resource_id=step.resource.pk, status="in_progress")
    with django_assert_num_queries(4):
        client.get("/en/start/")
    anonymous = Client()
    with django_assert_num_queries(2):  # the catalogue version, the concepts
        anonymous.get("/en/start/", {"known": ["concept-1"]})
    with django_assert_num_queries(1):  # then from the cache
        anonymous.get("/en/start/", {"known": ["concept-1"]})


def test_a_path_comes_after_the_paths_it_names_as_previous_whatever_its_level(make, client):
    # Created first and for beginners, but it names the other as the path to take before it.
    later = make.path(title="Later beginners' path", slug="later", level="beginner")
    earlier = make.path(title="Earlier path", slug="earlier", level="intermediate")
    later.previous_paths.add(earlier)
    make.path(title="Advanced path", slug="advanced", level="advanced")
    text = recommendation(client.get("/en/start/?known=").content)
    assert "Begin with “Earlier path”, stage 1" in text


def test_beginners_paths_come_before_the_others(make, client):
    make.path(title="Advanced path", slug="advanced", level="advanced")
    make.path(title="Beginners' path", slug="beginners", level="beginner")
    text = recommendation(client.get("/en/start/?known=").content)
    assert "Begin with “Beginners' path”, stage 1" in text
