"""Whole-page caching for anonymous visitors and the cached path structures behind signed-in
pages: what one visitor sees never leaks to another, and a curator's change shows at once."""

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from learnpaths import services
from learnpaths.models import PathFollow, Step

HTMX = {"HTTP_HX_REQUEST": "true"}


def steps_of(path):
    return list(Step.objects.filter(path=path).select_related("resource").order_by("pk"))


@pytest.mark.parametrize(
    "url",
    ["/", "/concepts/c/", "/resources/?kind=book", "/resources/r/", "/search/?q=deep", "/paths/p/"],
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
    assert "Old title" in anonymous.get("/resources/r/").content.decode()
    assert "Old title" in anonymous.get("/resources/?kind=book").content.decode()
    resource.title = "New title"
    resource.save()  # as the admin does: the catalogue version goes up
    for url in ("/resources/r/", "/resources/?kind=book"):
        html = anonymous.get(url).content.decode()
        assert "New title" in html and "Old title" not in html


def test_unknown_parameters_bypass_the_page_cache(client, make, django_assert_num_queries):
    make.resource()
    client.get("/resources/?kind=book&utm_source=x")
    with django_assert_num_queries(1):  # cached list and facets, but the page is rendered
        html = client.get("/resources/?kind=book&utm_source=x").content.decode()
    assert "utm_source" in html  # the sign-in link keeps the visitor's own URL
    # Parameter order does not make a new entry.
    client.get("/resources/?kind=book&level=beginner")
    with django_assert_num_queries(1):
        client.get("/resources/?level=beginner&kind=book")


def test_htmx_and_full_page_requests_get_their_own_entries(client, make):
    make.resource()
    fragment = client.get("/resources/?kind=book", **HTMX).content.decode()
    page = client.get("/resources/?kind=book").content.decode()
    assert "<html" not in fragment and "<html" in page
    assert "<html" not in client.get("/resources/?kind=book", **HTMX).content.decode()


def test_signed_in_visitors_never_get_the_anonymous_page(client, make):
    path = make.path(slug="p")
    assert "Sign in to track your progress" in Client().get("/paths/p/").content.decode()
    client.force_login(make.user(username="ada"))
    html = client.get(path.get_absolute_url()).content.decode()
    assert "Sign out" in html and "Mark done" in html and "csrfmiddlewaretoken" in html
    assert "Sign in to track your progress" not in html
    # And the anonymous page, cached after a signed-in visit, has none of it.
    html = Client().get("/paths/p/").content.decode()
    assert "Sign out" not in html and "csrfmiddlewaretoken" not in html


def test_a_learner_never_sees_another_learners_statuses(make):
    path = make.path(slug="p", stages=1, steps_per_stage=2)
    first, second = steps_of(path)
    ada, bob = make.user(username="ada"), make.user(username="bob")
    services.progress_set(user=ada, resource=first.resource, status="done")
    services.progress_set(user=bob, resource=second.resource, status="in_progress")
    pages = {}
    for user in (ada, bob, ada):  # ada twice: her second page comes from the warm cache
        client = Client()
        client.force_login(user)
        pages[user.username] = client.get("/paths/p/").content.decode()
        client.get("/me/")
        assert f"Your learning, {user.username}" in client.get("/me/").content.decode()
    assert f'class="step step-done" id="step-{first.pk}"' in pages["ada"]
    assert f'class="step step-not_started" id="step-{second.pk}"' in pages["ada"]
    assert f'class="step step-not_started" id="step-{first.pk}"' in pages["bob"]
    assert f'class="step step-in_progress" id="step-{second.pk}"' in pages["bob"]
    assert "50%" in pages["ada"] and "0%" in pages["bob"]


def test_a_pending_message_is_shown_not_swallowed_by_the_page_cache(client, make):
    make.resource()
    assert client.get("/").status_code == 200  # the anonymous home page is now cached
    client.force_login(make.user())
    response = client.post(reverse("account-delete"), {"password": "correct horse battery staple"})
    assert response.status_code == 302 and response.url == "/"
    html = client.get("/").content.decode()
    assert "Your account and your progress have been deleted." in html
    # Shown once, then the cached page again.
    assert "have been deleted" not in client.get("/").content.decode()
    assert not list(get_messages(client.get("/").wsgi_request))


def test_a_cached_path_reflects_a_new_step_for_signed_in_learners(client, make):
    path = make.path(slug="p")
    user = make.user()
    services.path_follow(user=user, path=path)
    client.force_login(user)
    assert client.get("/paths/p/").context["progress"].tally.steps_total == 1
    extra = make.resource(title="A new step")
    Step.objects.create(stage=path.stages.get(), position=2, resource=extra, note="New.")
    response = client.get("/paths/p/")
    assert "A new step" in response.content.decode()
    assert response.context["progress"].tally.steps_total == 2


def test_completing_a_path_uses_the_current_steps(make):
    path = make.path(stages=1, steps_per_stage=2)
    user = make.user()
    services.path_follow(user=user, path=path)
    for step in steps_of(path):
        services.progress_set(user=user, resource=step.resource, status="done")
    assert PathFollow.objects.get().completed_at is not None
    # A curator adds a required step: the next status change sees it.
    extra = make.resource()
    Step.objects.create(stage=path.stages.get(), position=3, resource=extra, note="New.")
    services.progress_set(user=user, resource=steps_of(path)[0].resource, status="done")
    assert PathFollow.objects.get().completed_at is None


@pytest.mark.parametrize("htmx", [False, True])
def test_mark_done_runs_a_fixed_number_of_queries(client, make, django_assert_num_queries, htmx):
    user = make.user()
    client.force_login(user)
    small = make.path(stages=1, steps_per_stage=2)
    large = make.path(stages=4, steps_per_stage=15)
    for _ in range(3):  # more paths and more of the learner's history
        services.path_follow(user=user, path=make.path(stages=2, steps_per_stage=5))
    # Session, user, resource; then in one transaction (BEGIN and COMMIT, or a savepoint,
    # count): the progress UPDATE, the followed paths locked, their completion updated. With
    # htmx, the catalogue version, the statuses and the follow to redraw the step and the bars.
    expected = 8 + (3 if htmx else 0)
    for path in (small, large):
        services.path_follow(user=user, path=path)
        steps = steps_of(path)
        for step in steps[1:]:
            services.progress_set(user=user, resource=step.resource, status="done")
        data = {"status": "in_progress"}
        if htmx:
            data["path"] = path.slug
        url = reverse("resource-progress", args=[steps[0].resource.slug])
        client.post(url, data, **(HTMX if htmx else {}))  # the first time inserts the row
        for status in ("done", "done", "not_started"):  # completes, stays, un-completes
            data["status"] = status
            with django_assert_num_queries(expected):
                response = client.post(url, data, **(HTMX if htmx else {}))
            assert response.status_code == (200 if htmx else 302)
            complete = PathFollow.objects.get(user=user, path=path).completed_at is not None
            assert complete == (status == "done")
