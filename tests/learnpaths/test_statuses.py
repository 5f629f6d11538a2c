"""The progress statuses are declared once (learnpaths/statuses.py) and everything follows from
the declaration: the form's controls, the status line, the database's checks, the upsert's
timestamps, the counts. The status "skipped" ("I know this already") end to end."""

import csv
import datetime as dt
import io
import json

import pytest
from django.db import IntegrityError, transaction
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from learnpaths import services, statuses
from learnpaths.fragments import progress_form
from learnpaths.models import PathFollow, Progress, ProgressStatus, Step
from tests.html import parse

HTMX = {"HTTP_HX_REQUEST": "true"}


def steps_of(path):
    return list(
        Step.objects.filter(path=path)
        .select_related("resource", "stage")
        .order_by("stage__position", "position")
    )


def test_the_field_choices_are_the_declared_statuses():
    assert ProgressStatus.values == [s.value for s in statuses.STATUSES]
    assert ProgressStatus.SKIPPED == "skipped" and ProgressStatus.SKIPPED.label == "Skipped"
    assert Progress._meta.get_field("status").default == statuses.DEFAULT.value


@pytest.mark.parametrize("declared", statuses.STATUSES, ids=lambda s: s.value)
def test_every_declared_status_renders_its_label_and_keyboard_controls(make, declared):
    request = RequestFactory().get("/en/paths/p/")
    request.user = make.user()
    html = progress_form(
        request,
        resource_slug="r",
        resource_title="A <book>",
        status=declared.value,
        target="step-1",
        csrf_token="t",
    )
    form = parse(html).find("form")
    assert form.attrs["method"] == "post"  # works without JavaScript; htmx posts the same
    line = form.find(class_="status")
    assert f"status-{declared.value}" in line.attrs["class"].split()
    if declared.css_class:
        assert declared.css_class in line.attrs["class"].split()
    assert line.find(class_="visually-hidden").text == "A <book>:"
    assert line.text.endswith(f":{declared.symbol}{declared.label}")
    buttons = form.find_all("button")
    # Real buttons of the form, each named by its text: reachable and pressed with the keyboard.
    assert [(b.attrs["type"], b.attrs["name"], b.attrs["value"], b.text) for b in buttons] == [
        ("submit", "status", offer.status, str(offer.text)) for offer in declared.offers
    ]
    assert all(offer.status in statuses.VALUES for offer in declared.offers)


def test_every_status_but_the_default_offers_a_way_back_to_it():
    for declared in statuses.STATUSES[1:]:
        assert statuses.DEFAULT.value in [offer.status for offer in declared.offers]


def test_a_skip_button_is_on_every_step_not_completed(client, make):
    path = make.path(stages=1, steps_per_stage=2)
    user = make.user()
    first, second = steps_of(path)
    services.progress_set(user=user, resource_id=second.resource.pk, status="in_progress")
    client.force_login(user)
    page = parse(client.get(path.get_absolute_url()).content)
    for step in (first, second):
        (button,) = page.by_id(f"step-{step.pk}").find_all("button", value="skipped")
        assert button.text == "I know this already"


@pytest.mark.parametrize("declared", statuses.STATUSES, ids=lambda s: s.value)
def test_the_database_refuses_completed_at_that_does_not_fit_the_status(make, declared):
    user, resource = make.user(), make.resource()
    wrong = None if declared.completes else timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        Progress.objects.create(
            user=user, resource=resource, status=declared.value, completed_at=wrong
        )
    right = timezone.now() if declared.completes else None
    Progress.objects.create(user=user, resource=resource, status=declared.value, completed_at=right)


def test_the_database_refuses_an_undeclared_status(make):
    with pytest.raises(IntegrityError), transaction.atomic():
        Progress.objects.create(user=make.user(), resource=make.resource(), status="abandoned")


STARTED = timezone.make_aware(dt.datetime(2026, 1, 5, 9))
COMPLETED = timezone.make_aware(dt.datetime(2026, 1, 6, 9))


@pytest.mark.parametrize("declared", statuses.STATUSES, ids=lambda s: s.value)
@pytest.mark.parametrize("before", [None, *statuses.STATUSES], ids=lambda s: s and s.value)
def test_the_upsert_sets_the_timestamps_the_status_declares(make, declared, before):
    user, resource = make.user(), make.resource()
    if before is not None:
        Progress.objects.create(
            user=user,
            resource=resource,
            status=before.value,
            started_at=STARTED,
            completed_at=COMPLETED if before.completes else None,
        )
    services.progress_set(user=user, resource_id=resource.pk, status=declared.value)
    row = Progress.objects.get(user=user, resource=resource)
    assert row.status == declared.value
    for column, rule, earlier in [
        ("started_at", declared.started_at, STARTED if before else None),
        ("completed_at", declared.completed_at, COMPLETED if before and before.completes else None),
    ]:
        value = getattr(row, column)
        if rule is statuses.Stamp.CLEAR:
            assert value is None, column
        elif rule is statuses.Stamp.KEEP:
            assert value == earlier, column
        else:  # SET: the first time is kept
            assert value == earlier if earlier else value > COMPLETED, column


def skip(client, step, path=None, **extra):
    data = {"status": "skipped", "next": f"{step.stage.path.get_absolute_url()}#step-{step.pk}"}
    if path is not None:
        data["path"] = path.slug
    return client.post(reverse("resource-progress", args=[step.resource.slug]), data, **extra)


def test_skipping_a_step_end_to_end(make, staff_client):
    path = make.path(stages=1, steps_per_stage=3)
    user = make.user()
    client = Client()  # staff_client is the `client` fixture, signed in as a curator
    client.force_login(user)
    client.post(reverse("path-follow", args=[path.slug]), {"action": "follow"})
    first, second, third = steps_of(path)

    response = skip(client, first)  # a plain form post, as without JavaScript
    assert response.status_code == 302
    row = Progress.objects.get(user=user, resource=first.resource)
    assert row.status == "skipped" and row.completed_at and row.started_at is None

    page = parse(client.get(path.get_absolute_url()).content)
    step = page.by_id(f"step-{first.pk}")
    assert "step-skipped" in step.attrs["class"].split()
    assert step.find(class_="status").text.endswith("↷ Skipped")
    buttons = step.find("form", class_="progress-form").find_all("button")
    assert [b.attrs["value"] for b in buttons] == ["not_started"]  # Undo
    progress = page.by_id("path-progress")
    # Counted toward completion, shown apart, and not as hours studied.
    assert progress.find("progress", id="path-progress-steps").attrs["value"] == "33"
    assert progress.find(class_="step-counts").text == "1/3 required · 1 skipped"
    assert progress.find(class_="hours-studied").attrs["data-hours"] == "0"
    assert page.by_id("stage-1-progress").text == "1 of 3 required steps done · 1 skipped"

    # With htmx, from the path page: the step and the bars come back, the change announced.
    response = skip(client, second, path=path, **HTMX)
    fragment = parse(response.content.decode())
    line = fragment.by_id(f"step-{second.pk}").find(class_="status")
    assert line.attrs["data-announce"] == f"Marked as known already: {second.resource.title}"
    assert fragment.by_id("path-progress").find(class_="step-counts").text == (
        "2/3 required · 2 skipped"
    )
    client.post(
        reverse("resource-progress", args=[third.resource.slug]), {"status": "done", "next": "/en/"}
    )
    assert PathFollow.objects.completed().filter(user=user, path=path).exists()
    page = parse(client.get(path.get_absolute_url()).content)
    assert "Complete" in page.by_id("path-progress").text

    dashboard = parse(client.get("/en/me/").content)
    totals = dashboard.find("ul", class_="stats").text
    assert "1 resource done" in totals and "2 skipped" in totals
    completed = dashboard.find("section", aria_labelledby="completed-title").text
    assert "3/3 required · 2 skipped" in completed

    rows = list(csv.DictReader(io.StringIO(client.get("/en/me/export.csv").content.decode())))
    by_slug = {row["resource"]: row for row in rows}
    assert by_slug[first.resource.slug]["status"] == "skipped"
    assert by_slug[first.resource.slug]["completed_at"]
    document = json.loads(client.get("/en/me/export.json").content)
    assert sorted(row["status"] for row in document["progress"]) == ["done", "skipped", "skipped"]
    assert document["followed_paths"][0]["completed_at"]  # skipped steps count

    change = reverse("admin:learnpaths_learningpath_change", args=[path.pk])
    html = staff_client.get(change).content.decode()
    start = html.index("Followers who started it")
    table = parse(html[html.rindex("<table", 0, start) : html.index("</table>", start) + 8])
    headers = [th.text for th in table.find_all("th")]
    assert headers[-1] == "Followers who skipped a step of it"
    assert [td.text for td in table.find_all("td")][-3:] == ["1", "1", "1"]


def test_undo_from_skipped(client, make):
    path = make.path(stages=1, steps_per_stage=1)
    (step,) = steps_of(path)
    user = make.user()
    client.force_login(user)
    skip(client, step)
    client.post(
        reverse("resource-progress", args=[step.resource.slug]),
        {"status": "not_started", "next": "/en/"},
    )
    row = Progress.objects.get(user=user)
    assert row.status == "not_started" and row.completed_at is None
    page = parse(client.get(path.get_absolute_url()).content)
    assert "step-not_started" in page.by_id(f"step-{step.pk}").attrs["class"].split()


def test_skipping_after_starting_keeps_when_it_was_started(make):
    user, resource = make.user(), make.resource()
    services.progress_set(user=user, resource_id=resource.pk, status="in_progress")
    started = Progress.objects.get().started_at
    services.progress_set(user=user, resource_id=resource.pk, status="skipped")
    row = Progress.objects.get()
    assert row.started_at == started and row.completed_at >= started
