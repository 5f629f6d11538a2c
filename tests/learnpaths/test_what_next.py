"""What next: up to five resources a learner is ready for, each with its reason, on the
dashboard and the signed-in home page; the dashboard's concept counts; and a complete path
naming the paths that come after it."""

import pytest
from django.test import Client

from learnpaths import services
from learnpaths.models import Step
from tests.html import html_text, parse

HTMX = {"HTTP_HX_REQUEST": "true"}


def steps_of(path):
    return list(
        Step.objects.filter(path=path)
        .select_related("resource")
        .order_by("stage__position", "position")
    )


@pytest.fixture
def world(make):
    """CNN ← ResNet ← ViT (each requires the one before) and Intro (requires nothing); the
    followed "Vision path": stage 1 a CNN book then a ResNet paper, stage 2 a ViT paper then a
    resource core for nothing. Intro's core book is in no path."""
    cnn = make.concept(name="CNN", slug="cnn")
    resnet = make.concept(name="ResNet", slug="resnet")
    vit = make.concept(name="ViT", slug="vit")
    intro = make.concept(name="Intro", slug="intro", area="architectures")
    resnet.prerequisites.add(cnn)
    vit.prerequisites.add(resnet)
    path = make.path(title="Vision path", slug="vision", stages=2, steps_per_stage=2)
    cnn_book, resnet_paper, vit_paper, loose = (step.resource for step in steps_of(path))
    cnn_book.core_for.add(cnn)
    resnet_paper.core_for.add(resnet)
    vit_paper.core_for.add(vit)
    intro_book = make.resource(title="Intro book", slug="intro-book")
    intro_book.core_for.add(intro)
    learner = make.user()
    services.path_follow(user=learner, path=path)
    return {
        "path": path,
        "learner": learner,
        "cnn_book": cnn_book,
        "resnet_paper": resnet_paper,
        "vit_paper": vit_paper,
        "loose": loose,
        "intro_book": intro_book,
    }


def suggestions(html):
    section = parse(html).find("section", class_="what-next")
    if section is None:
        return None
    return [
        (item.find("a").text, item.find("a").attrs["href"], item.find("span", class_="reason").text)
        for item in section.find_all("li")
    ]


def test_the_dashboard_suggests_the_followed_paths_steps_first_each_with_a_reason(world, client):
    learner = world["learner"]
    services.progress_set(user=learner, resource_id=world["cnn_book"].pk, status="done")
    client.force_login(learner)
    step_url = {
        step.resource_id: f"/en/paths/vision/#step-{step.pk}" for step in steps_of(world["path"])
    }
    assert suggestions(client.get("/en/me/").content) == [
        (
            world["resnet_paper"].title,
            step_url[world["resnet_paper"].pk],
            "You finished CNN; ResNet builds on it.",
        ),
        # The ViT paper is left out: ViT is locked until ResNet is done.
        (world["loose"].title, step_url[world["loose"].pk], "Next in “Vision path”, stage 2."),
        (
            "Intro book",
            "/en/resources/intro-book/",
            "Intro requires no other concept: a place to start.",
        ),
    ]


def test_what_is_done_or_skipped_is_not_suggested_but_what_is_in_progress_is(world, client):
    learner = world["learner"]
    services.progress_set(user=learner, resource_id=world["cnn_book"].pk, status="skipped")
    services.progress_set(user=learner, resource_id=world["resnet_paper"].pk, status="in_progress")
    services.progress_set(user=learner, resource_id=world["loose"].pk, status="done")
    client.force_login(learner)
    titles = [title for title, _url, _reason in suggestions(client.get("/en/me/").content)]
    assert titles == [world["resnet_paper"].title, "Intro book"]


def test_at_most_five_are_suggested(world, make, client):
    for n in range(8):
        make.resource(title=f"Start {n}").core_for.add(make.concept(name=f"Start {n}"))
    client.force_login(world["learner"])
    assert len(suggestions(client.get("/en/me/").content)) == 5


def test_a_learner_with_nothing_to_do_is_told_where_to_start(make, client):
    client.force_login(make.user())
    section = parse(client.get("/en/me/").content).find("section", class_="what-next")
    assert section.find("a", href="/en/start/") is not None


def test_the_dashboard_counts_the_concept_states_and_links_the_ready_ones(world, client):
    learner = world["learner"]
    services.progress_set(user=learner, resource_id=world["cnn_book"].pk, status="done")
    client.force_login(learner)
    html = client.get("/en/me/").content.decode()
    section = parse(html).find("section", class_="concept-standing")
    counts = [item.text for item in section.find("ul", class_="state-legend").find_all("li")]
    assert counts == ["✓ Done 1 concept", "→ Ready 2 concepts", "○ Locked 1 concept"]
    ready = section.find("ul", class_="ready-concepts")
    assert [a.attrs["href"] for a in ready.find_all("a")] == [
        "/en/concepts/intro/",
        "/en/concepts/resnet/",
    ]
    assert "every resource the curators chose as core for it" in section.text


def test_the_signed_in_home_page_shows_what_next_and_the_anonymous_one_does_not(
    world, make, client
):
    learner = world["learner"]
    services.progress_set(user=learner, resource_id=world["cnn_book"].pk, status="done")
    anonymous = Client()
    assert suggestions(anonymous.get("/en/").content) is None
    client.force_login(learner)
    home = suggestions(client.get("/en/").content)
    assert home[0][2] == "You finished CNN; ResNet builds on it."
    other = Client()
    other.force_login(make.user(username="bob"))
    # Bob follows nothing: the core resources of the concepts he is ready for, in map order.
    assert [s[0] for s in suggestions(other.get("/en/").content)] == [
        "Intro book",
        world["cnn_book"].title,
    ]
    assert suggestions(anonymous.get("/en/").content) is None


def test_the_home_page_is_in_chinese_too(world, client):
    client.force_login(world["learner"])
    html = client.get("/zh-hans/").content.decode()
    assert suggestions(html)[0][1].startswith("/zh-hans/paths/vision/#step-")


@pytest.mark.parametrize("size", [5, 60])
def test_the_learners_home_page_takes_a_fixed_number_of_queries(
    make, client, django_assert_num_queries, size
):
    learner = make.user()
    for n in range(size):
        concept = make.concept()
        path = make.path(stages=1, steps_per_stage=2)
        services.path_follow(user=learner, path=path)
        first, second = steps_of(path)
        first.resource.core_for.add(concept)
        if n % 2:
            services.progress_set(user=learner, resource_id=first.resource.pk, status="done")
    client.force_login(learner)
    client.get("/en/")  # builds the paths and the concept catalogue once
    services.progress_set(user=learner, resource_id=second.resource.pk, status="done")
    # Session, user (with the catalogue version), the featured paths, the concepts with their
    # counts, the recent resources and their tags, the deadlines, then the learner's statuses
    # and follows in one.
    with django_assert_num_queries(8):
        html = client.get("/en/").content.decode()
    assert len(suggestions(html)) == 5
    with django_assert_num_queries(2):  # then from the cache, until their next change
        client.get("/en/")


# -- a complete path names the next ones ----------------------------------------------------
@pytest.fixture
def two_paths(make):
    first = make.path(title="First path", slug="first", stages=1, steps_per_stage=2)
    later = make.path(title="Later path", slug="later")
    later.previous_paths.add(first)
    make.path(title="Draft after", slug="draft-after", status="draft").previous_paths.add(first)
    return first, later


def progress_section(html):
    return parse(html).find("section", id="path-progress")


def test_a_complete_path_names_the_published_paths_after_it(two_paths, make, client):
    first, _later = two_paths
    learner = make.user()
    client.force_login(learner)
    steps = steps_of(first)
    services.progress_set(user=learner, resource_id=steps[0].resource.pk, status="done")
    section = progress_section(client.get("/en/paths/first/").content)
    assert section.find("p", class_="next-paths") is None  # not complete yet
    services.progress_set(user=learner, resource_id=steps[1].resource.pk, status="skipped")
    section = progress_section(client.get("/en/paths/first/").content)
    sentence = section.find("p", class_="next-paths")
    assert sentence.text == "This path leads on to Later path."
    assert [a.attrs["href"] for a in sentence.find_all("a")] == ["/en/paths/later/"]


def test_marking_the_last_step_done_names_the_next_path_in_the_htmx_answer(two_paths, make, client):
    first, _later = two_paths
    learner = make.user()
    client.force_login(learner)
    steps = steps_of(first)
    services.progress_set(user=learner, resource_id=steps[0].resource.pk, status="done")
    response = client.post(
        f"/en/resources/{steps[1].resource.slug}/progress/",
        {"status": "done", "path": "first"},
        **HTMX,
    )
    assert response.status_code == 200
    sentence = parse(response.content).find("p", class_="next-paths")
    assert sentence.find("a", href="/en/paths/later/").text == "Later path"
    assert "Draft after" not in html_text(response.content)


def test_the_paths_followed_take_turns_the_most_recently_followed_first(make, client):
    learner = make.user()
    older = make.path(title="Older", slug="older", stages=1, steps_per_stage=3)
    newer = make.path(title="Newer", slug="newer", stages=1, steps_per_stage=3)
    services.path_follow(user=learner, path=older)
    services.path_follow(user=learner, path=newer)
    client.force_login(learner)
    expected = [
        (step.resource.title, f"/en/paths/{path.slug}/#step-{step.pk}")
        for pair in zip(steps_of(newer), steps_of(older), strict=True)
        for path, step in zip((newer, older), pair, strict=True)
    ][:5]
    for url in ("/en/me/", "/en/"):
        shown = suggestions(client.get(url).content)
        assert [(title, href) for title, href, _reason in shown] == expected, url
    assert shown[0][2] == "Next in “Newer”, stage 1."
