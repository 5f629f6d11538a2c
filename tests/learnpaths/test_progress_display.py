"""What learners are shown of their progress: required and optional steps counted apart, one
definition of hours studied, pages never stored by the browser, failures said plainly."""

import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from learnpaths import services
from learnpaths.models import Progress, Step, User
from tests.html import parse
from tests.learnpaths.test_progress import HTMX, mark, shown_progress, steps_of


@pytest.fixture
def two_required_two_optional(make):
    """A path of one stage: two required steps, then two optional ones."""
    path = make.path(steps_per_stage=4)
    steps = steps_of(path)
    Step.objects.filter(pk__in=[steps[2].pk, steps[3].pk]).update(optional=True)
    return path, steps


def done(user, *steps):
    for step in steps:
        services.progress_set(user=user, resource_id=step.resource.pk, status="done")


def dashboard(client):
    return parse(client.get("/en/me/").content)


def test_a_path_with_every_required_step_done_shows_100_percent_complete_and_what_next(
    client, make, two_required_two_optional
):
    path, (first, second, optional_done, optional_left) = two_required_two_optional
    user = make.user()
    done(user, first, second, optional_done)
    client.force_login(user)
    shown = shown_progress(client, path)
    assert shown["percent"] == 100 and shown["complete"]
    assert shown["required"] == (2, 2) and shown["optional"] == (1, 2)
    assert shown["next_step"] is None  # no "Continue" as if the path were unfinished
    next_links = [a.attrs["href"] for a in shown["whats_next"].find_all("a")]
    assert next_links == [f"#step-{optional_left.pk}", reverse("path-list")]
    assert "1 optional step is left" in shown["whats_next"].text
    assert shown["stages"] == ["2 of 2 required steps done · 1/2 optional — stage complete"]


def test_an_unfinished_path_counts_only_required_steps_in_its_percentage(
    client, make, two_required_two_optional
):
    path, (first, second, optional_done, _optional_left) = two_required_two_optional
    user = make.user()
    done(user, first, optional_done)
    client.force_login(user)
    shown = shown_progress(client, path)
    assert shown["percent"] == 50 and not shown["complete"]
    assert shown["required"] == (1, 2) and shown["optional"] == (1, 2)
    assert shown["next_step"] == second.pk  # the required step, not the optional one
    assert shown["hours_done"] == 5 and shown["hours_total"] == 10  # of the required steps
    assert shown["stages"] == ["1 of 2 required steps done · 1/2 optional"]


def test_the_htmx_answer_to_the_last_required_step_shows_the_complete_path(
    client, make, two_required_two_optional
):
    path, (first, second, first_optional, _second_optional) = two_required_two_optional
    user = make.user()
    done(user, first)
    client.force_login(user)
    fragment = parse(mark(client, second, "done", path=path, **HTMX).content)
    progress = fragment.by_id("path-progress")
    assert progress.find("progress", id="path-progress-steps").attrs["value"] == "100"
    assert "Complete" in progress.text and "2/2 required · 0/2 optional" in progress.text
    assert "Continue" not in progress.text
    whats_next = progress.find(class_="whats-next")
    assert whats_next.find("a").attrs["href"] == f"#step-{first_optional.pk}"


def test_the_dashboard_does_not_say_you_follow_no_path_when_yours_are_complete(
    client, make, two_required_two_optional
):
    path, (first, second, optional_done, optional_left) = two_required_two_optional
    user = make.user()
    services.path_follow(user=user, path=path)
    done(user, first, second, optional_done)
    client.force_login(user)
    page = dashboard(client)
    text = page.text
    assert "You do not follow a path yet" not in text
    assert "Every path you follow is complete" in text
    completed = page.find("section", aria_labelledby="completed-title")
    assert path.title in completed.text and "2/2 required · 1/2 optional" in completed.text
    assert completed.find("a", href=f"{path.get_absolute_url()}#step-{optional_left.pk}").text == (
        "1 optional step left"
    )


def test_a_learner_who_follows_nothing_is_invited_to_choose_a_path(client, make):
    client.force_login(make.user())
    text = dashboard(client).text
    assert "You do not follow a path yet" in text
    assert "Every path you follow is complete" not in text


def test_the_dashboard_card_counts_required_and_optional_steps_apart(
    client, make, two_required_two_optional
):
    path, (first, _second, optional_done, _optional_left) = two_required_two_optional
    user = make.user()
    services.path_follow(user=user, path=path)
    done(user, first, optional_done)
    client.force_login(user)
    card = dashboard(client).find("article", class_="followed-path")
    assert card.find("progress").attrs["value"] == "50"
    assert "50% done (1/2 required · 1/2 optional)" in card.text


def hours_on_dashboard(client) -> int:
    stats = dashboard(client).find("ul", class_="stats")
    return int(re.search(r"≈ (\d+) hours? studied", stats.text).group(1))


def test_hours_studied_are_the_same_on_the_path_page_and_the_dashboard(
    client, make, two_required_two_optional
):
    path, (textbook_step, second, optional_done, _optional_left) = two_required_two_optional
    textbook_step.resource.estimated_hours = 300  # a whole textbook…
    textbook_step.resource.save()
    Step.objects.filter(pk=textbook_step.pk).update(hours=6)  # …of which the step asks 6 h
    user = make.user()
    services.path_follow(user=user, path=path)
    done(user, textbook_step, second, optional_done)
    client.force_login(user)
    on_path_page = shown_progress(client, path)["hours_studied"]
    assert on_path_page == 6 + 5 + 5  # the steps' hours, optional ones included
    assert hours_on_dashboard(client) == on_path_page


def test_hours_studied_count_a_resource_done_outside_followed_paths_whole(client, make):
    path = make.path(steps_per_stage=1)
    (step,) = steps_of(path)
    Step.objects.filter(pk=step.pk).update(hours=2)
    elsewhere = make.resource(estimated_hours=7)
    user = make.user()
    services.path_follow(user=user, path=path)
    done(user, step)
    services.progress_set(user=user, resource_id=elsewhere.pk, status="done")
    client.force_login(user)
    assert hours_on_dashboard(client) == 2 + 7


NEVER_STORE = {"no-cache", "no-store", "must-revalidate", "private"}


def cache_control(response) -> set[str]:
    return {part.strip().split("=")[0] for part in response.get("Cache-Control", "").split(",")}


def test_a_signed_in_learners_pages_and_htmx_answers_are_never_stored(client, make):
    path = make.path(steps_per_stage=2)
    step = steps_of(path)[0]
    client.force_login(make.user())
    for url in [
        "/en/",
        path.get_absolute_url(),
        step.resource.get_absolute_url(),
        "/en/me/",
        "/en/paths/",
    ]:
        for attempt in ("rendered", "from the learner cache"):
            response = client.get(url)
            assert response.status_code == 200
            assert cache_control(response) >= NEVER_STORE, (url, attempt)
    response = mark(client, step, "done", path=path, **HTMX)
    assert response.status_code == 200 and cache_control(response) >= NEVER_STORE
    response = mark(client, step, "in_progress")  # the plain form's redirect
    assert response.status_code == 302 and cache_control(response) >= NEVER_STORE


def test_anonymous_catalogue_pages_keep_their_caching_but_htmx_answers_are_never_stored(
    client, make
):
    path = make.path()
    for _ in range(2):  # rendered, then from the page cache
        response = client.get(path.get_absolute_url())
        assert "no-store" not in response.get("Cache-Control", "")
    response = client.get(path.get_absolute_url(), **HTMX)
    assert cache_control(response) >= NEVER_STORE


def test_a_status_change_with_a_stale_csrf_token_says_to_reload_and_changes_nothing(make):
    path = make.path()
    (step,) = steps_of(path)
    user = make.user()
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.get(path.get_absolute_url())
    data = {"status": "done", "path": path.slug, "next": f"{path.get_absolute_url()}#x"}
    data["csrfmiddlewaretoken"] = "x" * 64  # a token from before the cookie rotated
    url = reverse("resource-progress", args=[step.resource.slug])
    response = client.post(url, data, **HTMX)
    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/plain")
    assert "Reload the page and try again." in response.content.decode()
    response = client.post(url, data)
    assert response.status_code == 403
    page = parse(response.content)
    assert "Reload the page and try again." in page.text
    assert page.find("a", href=f"{path.get_absolute_url()}#x").text == "Back to the page"
    assert not Progress.objects.filter(user=user).exists()


def test_the_answer_to_a_status_change_carries_what_to_announce_and_where_focus_goes(client, make):
    path = make.path(steps_per_stage=2)
    step = steps_of(path)[0]
    client.force_login(make.user())
    fragment = parse(mark(client, step, "done", path=path, **HTMX).content)
    status = fragment.by_id(f"step-{step.pk}").find("p", class_="status")
    assert status.attrs["tabindex"] == "-1"
    assert status.attrs["data-announce"] == f"Marked done: {step.resource.title}"
    resource = make.resource(title="On its own page")
    fragment = parse(
        client.post(
            reverse("resource-progress", args=[resource.slug]), {"status": "in_progress"}, **HTMX
        ).content
    )
    status = fragment.by_id("resource-progress").find("p", class_="status")
    assert status.attrs["data-announce"] == "Marked in progress: On its own page"
    # A page as loaded announces nothing.
    page = parse(client.get(path.get_absolute_url()).content)
    assert not page.find_all(data_announce=f"Marked done: {step.resource.title}")


def test_htmx_keeps_no_page_snapshots_and_reloads_on_a_history_miss(client, make):
    client.force_login(make.user())
    meta = parse(client.get("/en/me/").content).find("meta", name="htmx-config")
    config = json.loads(meta.attrs["content"])
    assert config["historyCacheSize"] == 0 and config["refreshOnHistoryMiss"] is True


def test_no_page_uses_the_hx_attributes_the_html_checker_rejects(client, make):
    path = make.path(stages=2, steps_per_stage=2)
    step = steps_of(path)[0]
    client.force_login(make.user())
    services.path_follow(user=User.objects.get(), path=path)
    responses = [
        client.get(url)
        for url in ("/en/", "/en/paths/", path.get_absolute_url(), step.resource.get_absolute_url())
    ]
    responses += [client.get("/en/me/"), mark(client, step, "done", path=path, **HTMX)]
    responses.append(
        client.post(
            reverse("resource-progress", args=[step.resource.slug]), {"status": "done"}, **HTMX
        )
    )
    for response in responses:
        elements = list(parse(response.content).iter())
        assert not [e.attrs for e in elements if any(a.startswith("hx-") for a in e.attrs)]
    # The htmx forms are still there, in the valid form.
    page = parse(responses[2].content)
    action = reverse("resource-progress", args=[step.resource.slug])
    assert page.find("form", data_hx_post=action, data_hx_target=f"#step-{step.pk}")
