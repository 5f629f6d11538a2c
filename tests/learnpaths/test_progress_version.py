"""Every write to a learner's progress or follows raises their progress_version in the same
transaction (services.progress_changed), so the pages cached for them show the change at once.
Asserted through what the learner sees: their cached path page and dashboard."""

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from learnpaths import services
from learnpaths.models import LearningPath, PathFollow, Progress, Step, User
from tests.html import parse

HTMX = {"HTTP_HX_REQUEST": "true"}


def version(user) -> int:
    return User.objects.values_list("progress_version", flat=True).get(pk=user.pk)


def step_status(client, path, step) -> str:
    page = parse(client.get(path.get_absolute_url()).content)
    return page.by_id(f"step-{step.pk}").attrs["class"].split()[1].removeprefix("step-")


def follows_on_dashboard(client) -> int:
    return client.get("/en/me/").content.decode().count("followed-path")


@pytest.fixture
def ada(make):
    return make.user(username="ada")


@pytest.fixture
def learner(ada):
    client = Client()
    client.force_login(ada)
    return client


@pytest.fixture
def path(make):
    return make.path(slug="p", stages=1, steps_per_stage=2)


def first_step(path):
    return Step.objects.filter(path=path).select_related("resource").order_by("position")[0]


def test_no_trigger_is_left_on_progress_or_follows(db):
    """Migration 0015 dropped them (SQLite would have lost Progress's silently on a rebuild)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgrelid IN "
                "('learnpaths_progress'::regclass, 'learnpaths_pathfollow'::regclass)"
            )
        names = [name for (name,) in cursor.fetchall()]
    assert not [name for name in names if "progress" in name or "pathfollow" in name]


@pytest.mark.parametrize("htmx", [False, True])
def test_a_status_change_shows_at_once_on_the_cached_pages(learner, ada, path, htmx):
    step = first_step(path)
    assert step_status(learner, path, step) == "not_started"  # now cached
    assert "<strong>0</strong> resources done" in learner.get("/en/me/").content.decode()
    data = {"status": "done", **({"path": path.slug} if htmx else {})}
    url = reverse("resource-progress", args=[step.resource.slug])
    learner.post(url, data, **(HTMX if htmx else {}))
    assert step_status(learner, path, step) == "done"
    assert "<strong>1</strong> resource done" in learner.get("/en/me/").content.decode()


def test_service_writes_raise_only_the_learners_version(make, ada, learner, path):
    bob = make.user()
    step = first_step(path)
    writes = [
        lambda: services.progress_set(user=ada, resource_id=step.resource.pk, status="skipped"),
        lambda: services.progress_set_on_path(
            user=ada,
            resource_id=step.resource.pk,
            status="in_progress",
            path_id=path.pk,
            resource_ids=[step.resource.pk],
        ),
        lambda: services.path_follow(user=ada, path=path),
        lambda: services.path_unfollow(user=ada, path=path),
    ]
    for write in writes:
        before = version(ada), version(bob)
        write()
        assert version(ada) > before[0], write
        assert version(bob) == before[1]  # another learner's pages stay cached


def test_following_and_unfollowing_show_at_once(learner, ada, path):
    def page() -> str:
        return learner.get("/en/paths/p/").content.decode()

    assert follows_on_dashboard(learner) == 0 and "Follow this path" in page()  # both cached
    for action, shown, following in [("follow", 1, "Stop following"), ("unfollow", 0, "Follow")]:
        learner.post(reverse("path-follow", args=[path.slug]), {"action": action})
        page()  # where the redirect leads: it shows the message (a page with one is not cached)
        learner.cookies.pop("messages", None)  # a browser drops it; the test client keeps it
        assert follows_on_dashboard(learner) == shown
        assert following in page()


def test_following_twice_or_unfollowing_a_path_not_followed_raises_nothing(make, ada, path):
    services.path_follow(user=ada, path=path)
    before = version(ada)
    services.path_follow(user=ada, path=path)
    services.path_unfollow(user=ada, path=make.path())
    assert version(ada) == before


def test_account_delete_takes_the_rows_with_it(ada, path):
    services.path_follow(user=ada, path=path)
    services.progress_set(user=ada, resource_id=first_step(path).resource.pk, status="done")
    services.account_delete(user=ada)
    assert not User.objects.filter(pk=ada.pk).exists()
    assert not Progress.objects.exists() and not PathFollow.objects.exists()


def test_admin_add_change_and_delete_of_progress_show_at_once(ada, learner, path, staff_client):
    step = first_step(path)
    assert step_status(learner, path, step) == "not_started"
    response = staff_client.post(
        reverse("admin:learnpaths_progress_add"),
        {
            "user": ada.pk,
            "resource": step.resource.pk,
            "status": "skipped",
            "completed_at_0": "2026-11-01",
            "completed_at_1": "10:00:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert step_status(learner, path, step) == "skipped"
    row = Progress.objects.get(user=ada)
    staff_client.post(reverse("admin:learnpaths_progress_delete", args=[row.pk]), {"post": "yes"})
    assert not Progress.objects.exists()
    assert step_status(learner, path, step) == "not_started"


def test_admin_moving_a_row_to_another_learner_raises_both_versions(make, ada, staff_client):
    bob = make.user()
    resource = make.resource()
    services.progress_set(user=ada, resource_id=resource.pk, status="in_progress")
    row = Progress.objects.get(user=ada)
    before = version(ada), version(bob)
    response = staff_client.post(
        reverse("admin:learnpaths_progress_change", args=[row.pk]),
        {"user": bob.pk, "resource": resource.pk, "status": "in_progress"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert version(ada) > before[0] and version(bob) > before[1]


def test_reseeding_the_benchmark_shows_at_once_to_a_learner_who_used_its_rows(ada, learner):
    call_command("seed_bench", resources=300, stdout=io.StringIO())
    bench_path = LearningPath.objects.filter(slug__startswith="bench-").order_by("pk").first()
    services.path_follow(user=ada, path=bench_path)
    step = first_step(bench_path)
    services.progress_set(user=ada, resource_id=step.resource.pk, status="done")
    assert follows_on_dashboard(learner) == 1  # cached now
    before = version(ada)
    call_command("seed_bench", resources=300, stdout=io.StringIO())  # deletes the bench rows
    # The catalogue's version changed too, which alone would make the pages stale; the rule
    # holds without it: the learner whose rows went has a new progress version.
    assert version(ada) > before
    assert follows_on_dashboard(learner) == 0
    assert "<strong>0</strong> resources done" in learner.get("/en/me/").content.decode()


def test_saving_a_user_never_writes_back_an_older_version(make):
    ada = make.user()
    stale = User.objects.get(pk=ada.pk)  # loaded before the learner's next change
    services.progress_set(user=ada, resource_id=make.resource().pk, status="in_progress")
    raised = version(ada)
    stale.set_password("a new long passphrase")
    stale.save()  # a whole-row save, as a password change or the admin makes
    assert version(ada) == raised
    assert User.objects.get(pk=ada.pk).check_password("a new long passphrase")
