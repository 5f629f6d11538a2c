import copy
import csv
import datetime as dt
import io
import json
import re
import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from learnpaths import services, statuses
from learnpaths.models import PathFollow, Progress, Step, User
from learnpaths.selectors import dashboard_data
from tests.html import parse

HTMX = {"HTTP_HX_REQUEST": "true"}


def steps_of(path):
    return list(
        Step.objects.filter(path=path)
        .select_related("resource", "stage")
        .order_by("stage__position", "position")
    )


def shown_progress(client, path) -> dict:
    """The progress the path page shows the signed-in learner, read off the page."""
    page = parse(client.get(path.get_absolute_url()).content)
    section = page.by_id("path-progress")
    counts = section.find(class_="step-counts").text  # "12/12 required · 2/5 optional"
    required = re.search(r"(\d+)/(\d+) required", counts)
    optional = re.search(r"(\d+)/(\d+) optional", counts)
    hours = re.search(r"(\d+) of ≈ (\d+) h required", section.text)
    continue_link = section.find("a", class_="button")
    stage_labels = [p.text for p in page.find_all("p", class_="progress-label")]
    return {
        "percent": int(section.find("progress", id="path-progress-steps").attrs["value"]),
        "steps_done": int(required.group(1)) + (int(optional.group(1)) if optional else 0),
        "steps_total": int(required.group(2)) + (int(optional.group(2)) if optional else 0),
        "required": tuple(map(int, required.groups())),
        "optional": tuple(map(int, optional.groups())) if optional else None,
        "hours_done": int(hours.group(1)) if hours else None,
        "hours_total": int(hours.group(2)) if hours else None,
        "hours_studied": int(section.find(class_="hours-studied").attrs["data-hours"]),
        "complete": "Complete" in section.text,
        "stages": stage_labels,
        "stages_complete": ["stage complete" in label for label in stage_labels],
        "next_step": int(continue_link.attrs["href"].removeprefix("#step-"))
        if continue_link and continue_link.text.startswith("Continue")
        else None,
        "whats_next": section.find(class_="whats-next"),
    }


def mark(client, step, status, path=None, **extra):
    data = {"status": status, "next": f"{step.stage.path.get_absolute_url()}#step-{step.pk}"}
    if path is not None:
        data["path"] = path.slug
    return client.post(reverse("resource-progress", args=[step.resource.slug]), data, **extra)


def test_sign_up_follow_and_mark_done_end_to_end(client, make):
    path = make.path(stages=2, steps_per_stage=2)
    response = client.post("/en/accounts/signup/", {
        "username": "ada", "email": "ada@example.org",
        "password1": "a long enough passphrase", "password2": "a long enough passphrase",
        "next": path.get_absolute_url()})  # fmt: skip
    assert response.status_code == 302 and response["Location"] == path.get_absolute_url()
    ada = User.objects.get(username="ada")
    response = client.post(reverse("path-follow", args=[path.slug]), {"action": "follow"})
    assert response.status_code == 302
    assert PathFollow.objects.filter(user=ada, path=path).exists()
    steps = steps_of(path)
    response = mark(client, steps[0], "done")
    assert response.status_code == 302
    assert response["Location"] == f"{path.get_absolute_url()}#step-{steps[0].pk}"
    html = client.get(path.get_absolute_url()).content.decode()
    assert "25% <span" in html  # 1 of 4 steps
    assert f'href="#step-{steps[1].pk}">Continue' in html
    for step in steps[1:]:
        mark(client, step, "done")
    assert PathFollow.objects.completed().filter(user=ada, path=path).exists()
    last_done = Progress.objects.get(user=ada, resource=steps[-1].resource).completed_at
    assert "🎉 Path complete on" in client.get(path.get_absolute_url()).content.decode()
    dashboard = client.get("/en/me/").content.decode()
    assert path.title in dashboard and "Completed paths" in dashboard
    assert f"completed {last_done:%-d %b %Y}" in dashboard


def test_marking_with_htmx_returns_the_step_and_progress_bars(client, make):
    path = make.path(stages=2, steps_per_stage=2)
    client.force_login(make.user())
    step = steps_of(path)[0]
    response = mark(client, step, "done", path=path, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<li class="step') and "<html" not in html
    fragment = parse(html)
    swapped = fragment.by_id(f"step-{step.pk}")
    assert swapped.find(class_="status").text.endswith("✓ Done")
    # Out of band, in the form htmx reads that is valid HTML: only the bars that changed.
    assert fragment.by_id("path-progress").attrs["data-hx-swap-oob"] == "true"
    stage_bar = fragment.by_id("stage-1-progress")
    assert stage_bar.attrs["data-hx-swap-oob"] == "true"
    assert stage_bar.text == "1 of 2 required steps done"
    assert fragment.find(id="stage-2-progress") is None
    assert not [e for e in fragment.iter() if any(a.startswith("hx-") for a in e.attrs)]
    # The swapped form still goes back to the path page without JavaScript.
    next_input = swapped.find("input", name="next")
    assert next_input.attrs["value"] == f"{path.get_absolute_url()}#step-{step.pk}"


def test_status_sent_from_a_path_unpublished_since_is_saved(client, make):
    path = make.path(stages=1, steps_per_stage=2)
    ada = make.user()
    client.force_login(ada)
    step = steps_of(path)[0]
    path.status = "draft"
    path.save()
    response = mark(client, step, "done", path=path, **HTMX)
    assert response.status_code == 200 and not response.content  # htmx follows HX-Redirect
    assert response["HX-Redirect"] == step.resource.get_absolute_url()
    assert Progress.objects.get(user=ada, resource=step.resource).status == "done"


def test_unknown_status_is_refused_and_nothing_is_written(client, make):
    path = make.path(stages=1, steps_per_stage=1)
    ada = make.user()
    client.force_login(ada)
    (step,) = steps_of(path)
    for extra in ({}, HTMX):
        response = mark(client, step, "finished", path=path, **extra)
        assert response.status_code == 400
        # "Not started, In progress, Done, Skipped": every declared status, named.
        labels = ", ".join(str(declared.label) for declared in statuses.STATUSES)
        assert f"Choose one of these statuses: {labels}." in response.content.decode()
    assert not Progress.objects.filter(user=ada).exists()


def test_htmx_response_to_the_last_required_step_announces_the_completed_path(client, make):
    path = make.path(stages=1, steps_per_stage=2)
    ada = make.user()
    client.force_login(ada)
    first, last = steps_of(path)
    mark(client, first, "done", path=path, **HTMX)
    html = mark(client, last, "done", path=path, **HTMX).content.decode()
    done_at = timezone.localtime(
        Progress.objects.get(user=ada, resource=last.resource).completed_at
    )
    assert f"🎉 Path complete on {done_at:%-d %b %Y}. Every required step is done." in html
    assert "2 of 2 required steps done — <strong>stage complete</strong>" in html
    assert "Continue:" not in html  # nothing left to do
    assert 'What next? You could <a href="/en/paths/">choose another path</a>.' in html
    html = mark(client, last, "in_progress", path=path, **HTMX).content.decode()
    assert "Path complete" not in html and f'href="#step-{last.pk}">Continue: ' in html


def test_marking_from_a_resource_page_with_htmx(client, make):
    resource = make.resource()
    client.force_login(make.user())
    response = client.post(
        reverse("resource-progress", args=[resource.slug]), {"status": "in_progress"}, **HTMX
    )
    assert response.status_code == 200
    assert 'id="resource-progress"' in response.content.decode()
    assert "In progress" in response.content.decode()


def test_statuses_can_be_undone(client, make):
    user = make.user()
    resource = make.resource()
    services.progress_set(user=user, resource_id=resource.pk, status="done")
    first_completion = Progress.objects.get().completed_at
    services.progress_set(user=user, resource_id=resource.pk, status="done")
    assert Progress.objects.get().completed_at == first_completion
    services.progress_set(user=user, resource_id=resource.pk, status="in_progress")
    progress = Progress.objects.get()
    assert progress.status == "in_progress" and progress.completed_at is None
    services.progress_set(user=user, resource_id=resource.pk, status="not_started")
    assert Progress.objects.get().started_at is None
    assert Progress.objects.count() == 1


def test_progress_belongs_to_the_resource_and_counts_in_every_path(client, make):
    first = make.path()
    shared = steps_of(first)[0].resource
    second = make.path()
    Step.objects.create(stage=second.stages.get(), position=2, resource=shared, note="Shared.")
    user = make.user()
    client.force_login(user)
    mark(client, steps_of(first)[0], "done")
    progress = shown_progress(client, second)
    assert progress["steps_done"] == 1 and progress["steps_total"] == 2


def test_optional_steps_do_not_block_completion(make):
    path = make.path(steps_per_stage=2)
    required, optional = steps_of(path)
    Step.objects.filter(pk=optional.pk).update(optional=True)
    user = make.user()
    services.path_follow(user=user, path=path)
    services.progress_set(user=user, resource_id=required.resource.pk, status="done")
    assert PathFollow.objects.completed().exists()
    services.progress_set(user=user, resource_id=required.resource.pk, status="not_started")
    assert not PathFollow.objects.completed().exists()


def test_a_path_is_completed_when_its_last_required_step_is_done(make):
    path = make.path(steps_per_stage=3)
    first, second, optional = steps_of(path)
    Step.objects.filter(pk=optional.pk).update(optional=True)
    user = make.user()
    services.path_follow(user=user, path=path)
    other = make.user()  # another learner's progress counts for nothing
    for step in (first, second):
        services.progress_set(user=other, resource_id=step.resource.pk, status="done")
    assert not PathFollow.objects.completed().exists()
    services.progress_set(user=user, resource_id=second.resource.pk, status="done")
    services.progress_set(user=user, resource_id=first.resource.pk, status="done")
    services.progress_set(user=user, resource_id=optional.resource.pk, status="done")
    assert list(PathFollow.objects.completed().values_list("user", flat=True)) == [user.pk]
    Progress.objects.filter(user=user, resource=second.resource).update(
        completed_at=timezone.now() + dt.timedelta(days=1)
    )
    data = dashboard_data(user)
    (completed,) = data["completed_paths"]
    assert (
        completed.progress.completed_at
        == Progress.objects.get(user=user, resource=second.resource).completed_at
    )
    assert data["active_paths"] == []


def test_stage_percentages_and_hours(client, make):
    path = make.path(stages=2, steps_per_stage=2)
    steps = steps_of(path)
    user = make.user()
    for step in steps[:3]:
        services.progress_set(user=user, resource_id=step.resource.pk, status="done")
    client.force_login(user)
    progress = shown_progress(client, path)
    assert progress["stages_complete"] == [True, False]
    assert progress["percent"] == 75
    assert progress["hours_done"] == 15 and progress["hours_total"] == 20
    assert progress["next_step"] == steps[3].pk


def test_anonymous_visitors_are_sent_to_sign_in_and_back(client, make):
    path = make.path()
    step = steps_of(path)[0]
    response = mark(client, step, "done")
    assert response.status_code == 302
    assert response["Location"].startswith("/en/accounts/login/?next=")
    assert f"%23step-{step.pk}" in response["Location"]
    response = mark(client, step, "done", **HTMX)
    assert response.status_code == 200 and response["HX-Redirect"].startswith("/en/accounts/login/")
    html = client.get(path.get_absolute_url()).content.decode()
    assert "Sign in to track your progress" in html
    assert Progress.objects.count() == 0


def test_sign_in_with_email_returns_to_the_page(client, make):
    make.user(username="grace", email="Grace@Example.org", password="a long enough passphrase")
    response = client.post("/en/accounts/login/?next=/paths/", {
        "username": "grace@example.org", "password": "a long enough passphrase",
        "next": "/en/paths/"})  # fmt: skip
    assert response.status_code == 302 and response["Location"] == "/en/paths/"


def test_open_redirects_are_refused(client, make):
    resource = make.resource()
    client.force_login(make.user())
    response = client.post(
        reverse("resource-progress", args=[resource.slug]),
        {"status": "done", "next": "https://evil.example/"},
    )
    assert response["Location"] == resource.get_absolute_url()


def test_bad_status_is_a_400_and_changes_nothing(client, make):
    resource = make.resource()
    client.force_login(make.user())
    response = client.post(reverse("resource-progress", args=[resource.slug]), {"status": "owned"})
    assert response.status_code == 400
    assert Progress.objects.count() == 0


def test_state_changing_urls_refuse_get(client, make):
    path = make.path()
    client.force_login(make.user())
    assert client.get(reverse("path-follow", args=[path.slug])).status_code == 405
    resource = steps_of(path)[0].resource
    assert client.get(reverse("resource-progress", args=[resource.slug])).status_code == 405


def test_a_learner_only_sees_and_changes_their_own_progress(client, make):
    path = make.path(steps_per_stage=2)
    step = steps_of(path)[0]
    alice, bob = make.user(), make.user()
    services.progress_set(user=alice, resource_id=step.resource.pk, status="done")
    client.force_login(bob)
    assert shown_progress(client, path)["steps_done"] == 0
    mark(client, step, "not_started", user=alice.pk)  # an injected user field is ignored
    assert Progress.objects.get(user=alice).status == "done"
    export = json.loads(client.get("/en/me/export.json").content)
    assert export["user"] == bob.username and all(
        row["status"] != "done" for row in export["progress"]
    )


def test_unfollow_keeps_progress(client, make):
    path = make.path()
    user = make.user()
    client.force_login(user)
    client.post(reverse("path-follow", args=[path.slug]), {"action": "follow"})
    mark(client, steps_of(path)[0], "done")
    client.post(reverse("path-follow", args=[path.slug]), {"action": "unfollow"})
    assert not PathFollow.objects.exists()
    assert Progress.objects.filter(user=user, status="done").count() == 1


def test_exports_contain_the_learners_progress(client, make):
    user = make.user()
    resource = make.resource(title="=HYPERLINK(1)")
    services.progress_set(user=user, resource_id=resource.pk, status="done")
    client.force_login(user)
    response = client.get("/en/me/export.csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert rows[0]["resource"] == resource.slug and rows[0]["status"] == "done"
    assert rows[0]["title"] == "'=HYPERLINK(1)"  # not run as a formula by spreadsheets
    document = json.loads(client.get("/en/me/export.json").content)
    assert document["progress"][0]["title"] == "=HYPERLINK(1)"


def test_dashboard_shows_totals_and_activity(client, make):
    user = make.user()
    path = make.path(steps_per_stage=3)
    services.path_follow(user=user, path=path)
    steps = steps_of(path)
    services.progress_set(user=user, resource_id=steps[0].resource.pk, status="done")
    services.progress_set(user=user, resource_id=steps[1].resource.pk, status="in_progress")
    client.force_login(user)
    response = client.get("/en/me/")
    html = response.content.decode()
    assert "<strong>1</strong> resource done" in html
    assert "<strong>≈ 5</strong> hours studied" in html
    assert "33% done" in html
    assert steps[1].resource.title in html  # in progress, and next
    assert parse(html).find("svg", class_="activity-chart") is not None
    assert response.context["activity"][-1].count == 1


def test_dashboard_requires_sign_in(client, db):
    response = client.get("/en/me/")
    assert response.status_code == 302 and response["Location"].startswith("/en/accounts/login/")


def test_deleting_an_account_removes_only_its_rows(client, make):
    path = make.path()
    resource = steps_of(path)[0].resource
    leaver, stayer = make.user(password="a long enough passphrase"), make.user()
    for user in (leaver, stayer):
        services.path_follow(user=user, path=path)
        services.progress_set(user=user, resource_id=resource.pk, status="done")
    client.force_login(leaver)
    response = client.post("/en/accounts/delete/", {"password": "wrong"})
    assert response.status_code == 200 and User.objects.filter(pk=leaver.pk).exists()
    response = client.post("/en/accounts/delete/", {"password": "a long enough passphrase"})
    assert response.status_code == 302
    assert not User.objects.filter(pk=leaver.pk).exists()
    assert Progress.objects.filter(user=stayer).count() == 1
    assert PathFollow.objects.filter(user=stayer).count() == 1
    # The leaver's own rows are gone; the catalogue they used is untouched.
    assert Progress.objects.count() == 1 and PathFollow.objects.count() == 1
    assert Step.objects.filter(path=path, resource=resource).exists()
    assert client.get("/en/me/").status_code == 302  # signed out


def test_signup_refuses_a_taken_email_and_weak_password(client, make):
    make.user(email="taken@example.org")
    response = client.post("/en/accounts/signup/", {
        "username": "new", "email": "TAKEN@example.org",
        "password1": "123", "password2": "123"})  # fmt: skip
    assert response.status_code == 200
    html = response.content.decode()
    assert "already exists" in html and "too short" in html
    assert not User.objects.filter(username="new").exists()


def without_csrf_tokens(response) -> str:
    """The page with its CSRF tokens blanked: each response carries a freshly masked one."""
    return re.sub(r'name="csrfmiddlewaretoken" value="\w+"', "", response.content.decode())


@pytest.mark.parametrize("signed_in", [False, True])
def test_path_page_query_count_is_fixed(client, make, django_assert_num_queries, signed_in):
    small = make.path(stages=1, steps_per_stage=5)
    large = make.path(stages=4, steps_per_stage=15)
    user = make.user()
    if signed_in:
        client.force_login(user)
        for path in (small, large):
            services.path_follow(user=user, path=path)
            for step in steps_of(path)[::2]:
                services.progress_set(user=user, resource_id=step.resource.pk, status="done")
    # Anonymous: the catalogue version, then the page from the cache. Signed in: session, user
    # (with the catalogue version), then the learner's page from the cache; when it is not
    # there, one more for their statuses and follow. The path itself (path, concepts, previous
    # and next paths, stages, steps, self-check questions) is read only when the catalogue
    # changed since it was cached.
    for path, questions in ((small, 1), (large, 2)):
        for stage in path.stages.all():
            for position in range(1, questions + 1):
                stage.self_checks.create(position=position, question="Why?", answer="Because.")
    for path in (small, large):
        with django_assert_num_queries((3 if signed_in else 1) + 6):
            client.get(path.get_absolute_url())
        with django_assert_num_queries(2 if signed_in else 1):
            client.get(path.get_absolute_url())
        if signed_in:  # the learner's change makes their page stale; the path stays cached
            services.progress_set(
                user=user, resource_id=steps_of(path)[1].resource.pk, status="in_progress"
            )
            with django_assert_num_queries(3):
                response = client.get(path.get_absolute_url())
            assert response.content.decode().count("status status-in_progress") == 1
            with django_assert_num_queries(2):
                again = client.get(path.get_absolute_url())
            assert without_csrf_tokens(again) == without_csrf_tokens(response)


def test_dashboard_query_count_is_fixed(client, make, django_assert_num_queries):
    user = make.user()
    client.force_login(user)

    def grow(paths):
        for _ in range(paths):
            path = make.path(stages=2, steps_per_stage=3)
            services.path_follow(user=user, path=path)
            for step in steps_of(path)[:2]:
                services.progress_set(user=user, resource_id=step.resource.pk, status="done")

    # Session, user with the catalogue version: the page is then cached until the learner's
    # data change. When they did: their follows (with their paths' weekly hours), progress rows
    # and active days (streaks) too, and after a catalogue change the paths (path, concepts,
    # previous and next paths, stages, steps, self-check questions, built together) and the
    # concept catalogue of the concept states (concepts, prerequisites, core resources).
    grow(1)
    with django_assert_num_queries(5 + 6 + 3):
        client.get("/en/me/")
    with django_assert_num_queries(2):
        client.get("/en/me/")
    grow(6)
    with django_assert_num_queries(5 + 6 + 3):
        client.get("/en/me/")
    with django_assert_num_queries(2):
        assert client.get("/en/me/").content.decode().count("followed-path") == 7
    services.progress_set(
        user=user, resource_id=steps_of(path_of(user))[-1].resource.pk, status="done"
    )
    with django_assert_num_queries(5):  # paths still cached
        assert "<strong>15</strong> resources done" in client.get("/en/me/").content.decode()


def path_of(user):
    return PathFollow.objects.filter(user=user).first().path


def race(requests: int, request):
    """Run `request()` in `requests` threads released at the same instant; return what each
    returned or raised."""
    barrier = threading.Barrier(requests, timeout=30)
    outcomes = [None] * requests

    def run(index):
        try:
            outcomes[index] = request(barrier)
        except Exception as error:
            outcomes[index] = error
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=run, args=(i,)) for i in range(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a request never finished"
    return outcomes


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrency test needs PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_identical_requests_leave_one_row(make):
    path = make.path()
    step = steps_of(path)[0]
    user = make.user()
    url = reverse("resource-progress", args=[step.resource.slug])

    signed_in = Client()
    signed_in.force_login(user)

    def post_done(barrier):
        client = Client()
        client.cookies = copy.deepcopy(signed_in.cookies)  # one session, as from many tabs
        barrier.wait()  # released together, so that the POSTs race
        return client.post(url, {"status": "done"}).status_code

    for _ in range(10):
        Progress.objects.all().delete()
        outcomes = race(20, post_done)
        assert outcomes == [302] * 20  # no 500, no exception in any thread
        progress = Progress.objects.get(user=user, resource=step.resource)
        assert progress.status == "done" and progress.completed_at is not None


def test_a_steps_own_hours_count_instead_of_the_whole_resource(client, make):
    path = make.path(steps_per_stage=2)
    first, _second = steps_of(path)
    first.resource.estimated_hours = 300  # a whole textbook…
    first.resource.save()
    Step.objects.filter(pk=first.pk).update(hours=6)  # …of which the step asks for two chapters
    user = make.user()
    services.progress_set(user=user, resource_id=first.resource.pk, status="done")
    client.force_login(user)
    html = client.get(path.get_absolute_url()).content.decode()
    assert "6 of ≈ 11 h" in html  # 6 h done of 6 + 5
    assert "≈ 300 h" not in html


def test_a_signed_in_path_page_has_unique_ids_and_numbered_status_buttons(client, make):
    path = make.path(stages=2, steps_per_stage=3)
    client.force_login(make.user())
    html = client.get(path.get_absolute_url()).content.decode()
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), [i for i in set(ids) if ids.count(i) > 1]
    page = parse(html)
    for step in steps_of(path):
        # The status form's buttons (the learner's note has its own form in the step).
        buttons = (
            page.by_id(f"step-{step.pk}").find("form", class_="progress-form").find_all("button")
        )
        assert [(b.attrs["value"], b.text) for b in buttons] == [
            ("done", "Mark done"),
            ("in_progress", "Start"),
            ("skipped", "I know this already"),
        ]
        # No id: htmx would put focus back on the button in its place, whose meaning changed.
        assert all("id" not in b.attrs for b in page.by_id(f"step-{step.pk}").find_all("button"))


def test_marking_a_step_a_curator_took_out_since_says_so_in_its_place(client, make):
    path = make.path(stages=1, steps_per_stage=2)
    ada = make.user()
    client.force_login(ada)
    assert client.get(path.get_absolute_url()).status_code == 200  # the page the learner has
    step = steps_of(path)[1]
    Step.objects.filter(pk=step.pk).delete()  # a curator deletes it meanwhile

    response = mark(client, step, "done", path=path, HTTP_HX_TARGET=f"step-{step.pk}", **HTMX)

    assert response.status_code == 200
    swapped = parse(response.content.decode()).by_id(f"step-{step.pk}")
    sentence = (
        f"This step is no longer part of the path; your progress on “{step.resource.title}” "
        "was saved."
    )
    status = swapped.find(class_="status")
    assert status.text == sentence
    assert status.attrs["data-announce"] == sentence and status.attrs["tabindex"] == "-1"
    assert Progress.objects.get(user=ada, resource=step.resource).status == "done"
