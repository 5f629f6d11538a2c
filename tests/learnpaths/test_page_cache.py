"""Whole-page caching for anonymous visitors and for each signed-in learner, and the cached
path structures behind both: what one visitor sees never leaks to another, and a curator's or
the learner's own change shows at once."""

import re

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from learnpaths import services
from learnpaths.models import PathFollow, Progress, Step, User

HTMX = {"HTTP_HX_REQUEST": "true"}


def steps_of(path):
    return list(Step.objects.filter(path=path).select_related("resource").order_by("pk"))


@pytest.mark.parametrize(
    "url",
    [
        "/en/",
        "/en/concepts/c/",
        "/en/resources/?kind=book",
        "/en/resources/r/",
        "/en/search/?q=deep",
        "/en/paths/p/",
    ],
)
def test_anonymous_pages_come_whole_from_the_cache_without_a_csrf_token(
    client, make, django_assert_num_queries, url
):
    concept = make.concept(slug="c")
    make.resource(slug="r", title="Deep learning", concepts=[concept])
    make.path(slug="p", featured=True)
    first = client.get(url)
    assert first.status_code == 200
    with django_assert_num_queries(1):  # the catalogue version, nothing else
        cached = client.get(url)
    assert cached.status_code == 200 and cached.content == first.content
    assert b"csrfmiddlewaretoken" not in cached.content
    # The headers come from the middleware on every response, cached or not.
    assert "Content-Security-Policy" in cached.headers
    assert cached["Content-Type"] == first["Content-Type"]


def test_a_curators_change_shows_on_a_cached_anonymous_page_at_once(client, make, staff_client):
    resource = make.resource(slug="r", title="Old title")
    anonymous = Client()
    assert "Old title" in anonymous.get("/en/resources/r/").content.decode()
    assert "Old title" in anonymous.get("/en/resources/?kind=book").content.decode()
    resource.title = "New title"
    resource.save()  # as the admin does: the catalogue version goes up
    for url in ("/en/resources/r/", "/en/resources/?kind=book"):
        html = anonymous.get(url).content.decode()
        assert "New title" in html and "Old title" not in html


def test_unknown_parameters_bypass_the_page_cache(client, make, django_assert_num_queries):
    make.resource()
    counts = []
    for _ in range(2):  # rendered each time: neither served from nor stored in the cache
        with CaptureQueriesContext(connection) as queries:
            html = client.get("/en/resources/?kind=book&utm_source=x").content.decode()
        counts.append(len(queries))
    assert counts[0] == counts[1] > 1
    assert "utm_source" in html  # the sign-in link keeps the visitor's own URL
    # Parameter order does not make a new entry.
    client.get("/en/resources/?kind=book&level=beginner")
    with django_assert_num_queries(1):  # the catalogue version, nothing else
        client.get("/en/resources/?level=beginner&kind=book")


def test_htmx_and_full_page_requests_get_their_own_entries(client, make):
    make.resource()
    fragment = client.get("/en/resources/?kind=book", **HTMX).content.decode()
    page = client.get("/en/resources/?kind=book").content.decode()
    assert "<html" not in fragment and "<html" in page
    assert "<html" not in client.get("/en/resources/?kind=book", **HTMX).content.decode()


def test_signed_in_visitors_never_get_the_anonymous_page(client, make):
    path = make.path(slug="p")
    assert "Sign in to track your progress" in Client().get("/en/paths/p/").content.decode()
    client.force_login(make.user(username="ada"))
    html = client.get(path.get_absolute_url()).content.decode()
    assert "Sign out" in html and "Mark done" in html and "csrfmiddlewaretoken" in html
    assert "Sign in to track your progress" not in html
    # And the anonymous page, cached after a signed-in visit, has none of it.
    html = Client().get("/en/paths/p/").content.decode()
    assert "Sign out" not in html and "csrfmiddlewaretoken" not in html


def test_a_learner_never_sees_another_learners_statuses(make):
    path = make.path(slug="p", stages=1, steps_per_stage=2)
    first, second = steps_of(path)
    ada, bob = make.user(username="ada"), make.user(username="bob")
    services.progress_set(user=ada, resource_id=first.resource.pk, status="done")
    services.progress_set(user=bob, resource_id=second.resource.pk, status="in_progress")
    pages = {}
    for user in (ada, bob, ada):  # ada twice: her second page comes from the warm cache
        client = Client()
        client.force_login(user)
        pages[user.username] = client.get("/en/paths/p/").content.decode()
        client.get("/en/me/")
        assert f"Your learning, {user.username}" in client.get("/en/me/").content.decode()
    assert f'class="step step-done" id="step-{first.pk}"' in pages["ada"]
    assert f'class="step step-not_started" id="step-{second.pk}"' in pages["ada"]
    assert f'class="step step-not_started" id="step-{first.pk}"' in pages["bob"]
    assert f'class="step step-in_progress" id="step-{second.pk}"' in pages["bob"]
    assert "50%" in pages["ada"] and "0%" in pages["bob"]


def test_a_pending_message_is_shown_not_swallowed_by_the_page_cache(client, make):
    make.resource()
    assert client.get("/en/").status_code == 200  # the anonymous home page is now cached
    client.force_login(make.user())
    response = client.post(reverse("account-delete"), {"password": "correct horse battery staple"})
    assert response.status_code == 302 and response.url == "/en/"
    html = client.get("/en/").content.decode()
    assert "Your account and your progress have been deleted." in html
    # Shown once, then the cached page again.
    assert "have been deleted" not in client.get("/en/").content.decode()
    assert not list(get_messages(client.get("/en/").wsgi_request))


def test_a_cached_path_reflects_a_new_step_for_signed_in_learners(client, make):
    path = make.path(slug="p")
    user = make.user()
    services.path_follow(user=user, path=path)
    client.force_login(user)
    assert ">0/1 required<" in client.get("/en/paths/p/").content.decode()
    extra = make.resource(title="A new step")
    Step.objects.create(stage=path.stages.get(), position=2, resource=extra, note="New.")
    response = client.get("/en/paths/p/")
    assert "A new step" in response.content.decode()
    assert ">0/2 required<" in response.content.decode()


def test_completing_a_path_uses_the_current_steps(make):
    path = make.path(stages=1, steps_per_stage=2)
    user = make.user()
    services.path_follow(user=user, path=path)
    for step in steps_of(path):
        services.progress_set(user=user, resource_id=step.resource.pk, status="done")
    assert PathFollow.objects.completed().exists()
    # A curator adds a required step: the path is no longer complete, at once.
    extra = make.resource()
    Step.objects.create(stage=path.stages.get(), position=3, resource=extra, note="New.")
    assert not PathFollow.objects.completed().exists()
    client = Client()
    client.force_login(user)
    html = client.get(path.get_absolute_url()).content.decode()
    assert "Path complete" not in html and "67%" in html


@pytest.mark.parametrize("htmx", [False, True])
def test_mark_done_runs_a_fixed_number_of_queries(client, make, django_assert_num_queries, htmx):
    user = make.user()
    client.force_login(user)
    small = make.path(stages=1, steps_per_stage=2)
    large = make.path(stages=4, steps_per_stage=15)
    for _ in range(3):  # more paths and more of the learner's history
        services.path_follow(user=user, path=make.path(stages=2, steps_per_stage=5))
    # Session, user with the catalogue version (the resource comes from the cache), the
    # progress upserted with the learner's version raised and today recorded as an active day
    # (streaks) in the same statement on PostgreSQL (services.progress_changed's UPDATE and the
    # ActiveDay insert as a WITH), in a second and a third one on SQLite, which has no
    # data-modifying WITH (all in one transaction). With htmx, the learner's statuses on the
    # path too, to redraw the step and the bars: sent with the upsert in one call on
    # PostgreSQL, in one more on SQLite.
    sqlite = connection.vendor == "sqlite"
    expected = 3 + (2 if sqlite else 0) + (1 if htmx and sqlite else 0)
    for path in (small, large):
        services.path_follow(user=user, path=path)
        steps = steps_of(path)
        for step in steps[1:]:
            services.progress_set(user=user, resource_id=step.resource.pk, status="done")
        data = {"status": "in_progress"}
        if htmx:
            data["path"] = path.slug
        url = reverse("resource-progress", args=[steps[0].resource.slug])
        client.get(path.get_absolute_url())  # the path's structure is cached, as on a visit
        # Inserts the row, completes the path, stays, un-completes: the same count each time,
        # once the resource's reference is cached (the first time it is read: one more).
        for attempt, status in enumerate(("in_progress", "done", "done", "not_started")):
            data["status"] = status
            with django_assert_num_queries(expected + (attempt == 0)):
                response = client.post(url, data, **(HTMX if htmx else {}))
            assert response.status_code == (200 if htmx else 302)
            complete = PathFollow.objects.completed().filter(user=user, path=path).exists()
            assert complete == (status == "done")


def step_status(html: str, step) -> str:
    return re.search(rf'class="step step-(\w+)[^"]*" id="step-{step.pk}"', html).group(1)


def test_a_learners_page_is_cached_until_their_own_change(make, django_assert_num_queries):
    path = make.path(slug="p", stages=1, steps_per_stage=2)
    first, second = steps_of(path)
    ada = make.user(username="ada")
    client = Client()
    client.force_login(ada)
    assert step_status(client.get("/en/paths/p/").content.decode(), first) == "not_started"
    with django_assert_num_queries(2):  # session, user with the catalogue version
        assert step_status(client.get("/en/paths/p/").content.decode(), first) == "not_started"
    # Another learner's change leaves ada's page cached and as it was.
    services.progress_set(user=make.user(), resource_id=first.resource.pk, status="done")
    with django_assert_num_queries(2):
        assert step_status(client.get("/en/paths/p/").content.decode(), first) == "not_started"
    # Her own change, through the site, shows on the next page.
    client.post(reverse("resource-progress", args=[first.resource.slug]), {"status": "done"})
    html = client.get("/en/paths/p/").content.decode()
    assert step_status(html, first) == "done" and step_status(html, second) == "not_started"
    # Following and unfollowing change the follow button.
    follow_url = reverse("path-follow", args=["p"])
    client.post(follow_url)
    client.get("/en/paths/p/")  # shows the "You follow" message, once
    assert "Stop following" in client.get("/en/paths/p/").content.decode()
    client.post(follow_url, {"action": "unfollow"})
    client.get("/en/paths/p/")
    html = client.get("/en/paths/p/").content.decode()
    assert "Stop following" not in html and "Follow this path" in html


def test_a_staff_edit_of_progress_shows_on_the_learners_pages(make, staff_client):
    path = make.path(slug="p", stages=1, steps_per_stage=1)
    (step,) = steps_of(path)
    ada = make.user(username="ada")
    services.progress_set(user=ada, resource_id=step.resource.pk, status="done")
    learner = Client()
    learner.force_login(ada)
    assert step_status(learner.get("/en/paths/p/").content.decode(), step) == "done"
    assert "<strong>1</strong> resource done" in learner.get("/en/me/").content.decode()
    row = Progress.objects.get(user=ada)
    change_url = reverse("admin:learnpaths_progress_change", args=[row.pk])
    response = staff_client.post(
        change_url, {"user": ada.pk, "resource": step.resource.pk, "status": "in_progress"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert step_status(learner.get("/en/paths/p/").content.decode(), step) == "in_progress"
    assert "<strong>0</strong> resources done" in learner.get("/en/me/").content.decode()
    staff_client.post(
        reverse("admin:learnpaths_progress_changelist"),
        {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"},
    )
    assert not Progress.objects.exists()
    assert step_status(learner.get("/en/paths/p/").content.decode(), step) == "not_started"


def test_a_cached_learner_page_carries_each_browsers_own_csrf_token(make):
    """The same learner in two browsers: the page cached for the first must work in the second,
    whose CSRF cookie is different."""
    path = make.path(slug="p", stages=1, steps_per_stage=1)
    (step,) = steps_of(path)
    ada = make.user(username="ada")
    browsers = [Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)]
    for browser in browsers:
        browser.force_login(ada)
    tokens = []
    for browser in browsers:  # the first renders the page, the second gets it from the cache
        html = browser.get("/en/paths/p/").content.decode()
        assert "<csrf-token>" not in html
        tokens.append(set(re.findall(r'name="csrfmiddlewaretoken" value="(\w+)"', html)))
    assert tokens[0] and len(tokens[1]) == 1 and not tokens[0] & tokens[1]
    url = reverse("resource-progress", args=[step.resource.slug])
    # The second browser's token is valid for its own cookie.
    response = browsers[1].post(url, {"status": "done", "csrfmiddlewaretoken": tokens[1].pop()})
    assert response.status_code == 302
    assert Progress.objects.get(user=ada).status == "done"
    # A token is tied to its browser's cookie: the first browser's token fails in the second.
    html = browsers[0].get("/en/paths/p/").content.decode()
    first_token = re.search(r'name="csrfmiddlewaretoken" value="(\w+)"', html).group(1)
    browsers[1].cookies["csrftoken"] = "x" * 32  # a different secret
    response = browsers[1].post(url, {"status": "in_progress", "csrfmiddlewaretoken": first_token})
    assert response.status_code == 403
    assert Progress.objects.get(user=ada).status == "done"


def test_a_new_username_shows_at_once(make):
    make.path(slug="p")
    ada = make.user(username="ada")
    client = Client()
    client.force_login(ada)
    assert "Your learning, ada" in client.get("/en/me/").content.decode()
    User.objects.filter(pk=ada.pk).update(username="ada_l")
    assert "Your learning, ada_l" in client.get("/en/me/").content.decode()


def test_the_dashboard_is_cached_per_day(make, monkeypatch, django_assert_num_queries):
    import datetime as dt

    from django.utils import timezone

    ada = make.user(username="ada")
    client = Client()
    client.force_login(ada)
    client.get("/en/me/")
    with django_assert_num_queries(2):
        client.get("/en/me/")
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    monkeypatch.setattr(timezone, "localdate", lambda *args: tomorrow)
    with django_assert_num_queries(5):  # a new day: the chart and streaks are drawn again
        client.get("/en/me/")


def _without_tokens(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "TOKEN", html)


def test_each_learners_path_page_shows_their_own_whoever_came_first(make):
    """Pages are cached per learner: each learner's progress, bars, status forms, follow button
    and admin link are theirs, whichever learner's page was cached first."""
    from django.core.cache import cache

    from learnpaths.core.cache import local_cache

    path = make.path(slug="p", stages=2, steps_per_stage=2)
    first, second, *_ = steps_of(path)
    ada, bob, cy = make.user(), make.user(), make.user(is_staff=True)
    services.path_follow(user=ada, path=path)
    services.path_follow(user=bob, path=path)
    services.progress_set(user=ada, resource_id=first.resource.pk, status="done")
    services.progress_set(user=bob, resource_id=second.resource.pk, status="in_progress")
    pages = {}
    for order in ((ada, bob, cy), (cy, bob, ada)):  # each learner first, then after others
        cache.clear()
        local_cache.clear()
        for user in order:
            client = Client()
            client.force_login(user)
            html = client.get("/en/paths/p/").content.decode()
            pages.setdefault(user.username, set()).add(_without_tokens(html))
    assert all(len(versions) == 1 for versions in pages.values())  # whoever came first
    ada_page, bob_page, cy_page = (pages[u.username].pop() for u in (ada, bob, cy))
    assert ">1/4 required<" in ada_page and "Stop following" in ada_page
    assert f'id="step-{first.pk}"' in ada_page and "status-done" in ada_page
    assert ">0/4 required<" in bob_page and "Stop following" in bob_page
    assert "status-in_progress" in bob_page
    assert "Follow this path" in cy_page and "Stop following" not in cy_page
    assert '/admin/">Admin</a>' in cy_page and '/admin/">Admin</a>' not in bob_page


def test_a_path_page_filled_for_a_learner_carries_their_browsers_csrf_token(make):
    path = make.path(slug="p")
    ada, bob = make.user(), make.user()
    warm = Client()
    warm.force_login(ada)
    warm.get("/en/paths/p/")  # the path's structures are cached by ada's visit
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(bob)
    html = browser.get("/en/paths/p/").content.decode()
    tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert len(tokens) >= 3  # sign-out, follow, and each step's status form
    response = browser.post(
        reverse("path-follow", args=[path.slug]),
        {"action": "follow", "csrfmiddlewaretoken": tokens[1]},
    )
    assert response.status_code == 302 and PathFollow.objects.filter(user=bob).exists()


def test_a_learners_catalogue_pages_are_cached_for_them_until_their_own_change(
    make, django_assert_num_queries
):
    resource = make.resource(slug="r", title="Deep learning")
    ada = make.user(username="ada")
    client = Client()
    client.force_login(ada)
    before = client.get("/en/resources/r/").content.decode()
    with django_assert_num_queries(2):  # session, user with the catalogue version
        assert client.get("/en/resources/r/").content.decode().count("Deep learning") >= 1
    client.post(reverse("resource-progress", args=["r"]), {"status": "done"})
    after = client.get("/en/resources/r/").content.decode()
    assert "status-done" not in before and "status-done" in after
    assert Progress.objects.get(user=ada, resource=resource).status == "done"
    # Another learner's page is their own.
    bob = Client()
    bob.force_login(make.user(username="bob"))
    assert _without_tokens(bob.get("/en/resources/r/").content.decode()) == _without_tokens(before)
