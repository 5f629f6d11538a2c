"""Streaks: a learner's active days (the days, in their time zone, on which they changed their
progress), current and longest runs on the dashboard; the time zone they are counted in."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from learnpaths import services
from learnpaths.models import ActiveDay, Step, User
from learnpaths.streaks import Streaks, streaks
from tests.events import at
from tests.html import parse

# 20:00 UTC on Monday 2 March 2026: already Tuesday 3 March in Shanghai (UTC+8).
NOW = dt.datetime(2026, 3, 2, 20, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 3, 2)


def days(*offsets: int) -> list[dt.date]:
    """Dates `offset` days before TODAY."""
    return [TODAY - dt.timedelta(days=offset) for offset in offsets]


@pytest.mark.parametrize(
    ("active", "current", "longest", "today"),
    [
        ([], 0, 0, False),
        (days(0), 1, 1, True),
        (days(0, 1, 2, 5, 6), 3, 3, True),
        (days(1, 2, 3), 3, 3, False),  # yesterday's streak holds until today is over
        (days(2, 3), 0, 2, False),  # a day missed: the streak is over
        (days(0, 3, 4, 5, 6, 7), 1, 5, True),
        (days(0, 0, 1, 1), 2, 2, True),  # repeats count once
        (days(-1, 0, 1), 2, 3, True),  # a day ahead (recorded in a zone further east)
    ],
)
def test_current_and_longest_streaks(active, current, longest, today):
    assert streaks(active, TODAY) == Streaks(current, longest, today)


def first_step(path):
    return Step.objects.filter(path=path).order_by("stage__position", "position").first()


def test_every_status_change_records_the_day_in_the_learners_zone(make, monkeypatch):
    path = make.path(stages=1, steps_per_stage=2)
    shanghai, london = make.user(time_zone="Asia/Shanghai"), make.user(time_zone="Europe/London")
    at(NOW, monkeypatch)
    for user in (shanghai, london):
        for status in ("in_progress", "done", "not_started"):  # three changes, one day
            services.progress_set(
                user=user, resource_id=first_step(path).resource_id, status=status
            )
    assert list(ActiveDay.objects.filter(user=shanghai).values_list("day", flat=True)) == [
        dt.date(2026, 3, 3)
    ]
    assert list(ActiveDay.objects.filter(user=london).values_list("day", flat=True)) == [TODAY]


def test_a_status_change_from_a_path_page_records_the_day_too(make, monkeypatch):
    path = make.path(slug="p", stages=1, steps_per_stage=1)
    user = make.user()
    at(NOW, monkeypatch)
    client = Client()
    client.force_login(user)
    url = reverse("resource-progress", args=[first_step(path).resource.slug])
    response = client.post(url, {"status": "done", "path": "p"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert list(ActiveDay.objects.values_list("user", "day")) == [(user.pk, TODAY)]


def test_following_a_path_or_a_staff_edit_is_not_the_learner_being_active(
    make, monkeypatch, staff_client
):
    path = make.path(stages=1, steps_per_stage=1)
    user = make.user()
    services.path_follow(user=user, path=path)
    staff_client.post(
        reverse("admin:learnpaths_progress_add"),
        {"user": user.pk, "resource": first_step(path).resource_id, "status": "done"},
    )
    assert not ActiveDay.objects.filter(user=user).exists()


def test_the_dashboard_shows_current_and_longest_streaks(make, monkeypatch):
    user = make.user(time_zone="Asia/Shanghai")
    shanghai_today = dt.date(2026, 3, 3)
    for offset in (1, 2, 5, 6, 7, 8):  # a streak of 2 up to yesterday, an older one of 4
        ActiveDay.objects.create(user=user, day=shanghai_today - dt.timedelta(days=offset))
    at(NOW, monkeypatch)
    client = Client()
    client.force_login(user)
    page = parse(client.get("/en/me/").content)
    streak_list = page.find("ul", class_="streaks")
    assert streak_list.find("li", class_="streak-current").text == "2 days in a row"
    assert streak_list.find("li", class_="streak-longest").text == "4 days: your longest streak"
    note = page.find("p", class_="streaks-note")
    assert "Mark a step today to keep your streak going." in note.text
    assert "Asia/Shanghai" in note.text
    assert note.find("a").attrs["href"] == reverse("time-zone")
    # Marking a step today (3 March in Shanghai) makes it three.
    path = make.path(stages=1, steps_per_stage=1)
    services.progress_set(user=user, resource_id=first_step(path).resource_id, status="done")
    page = parse(client.get("/en/me/").content)
    assert page.find("li", class_="streak-current").text == "3 days in a row"
    assert "You have made progress today." in page.find("p", class_="streaks-note").text


@pytest.mark.parametrize("active_days", [5, 60])
def test_the_dashboard_reads_active_days_in_one_query(
    make, monkeypatch, django_assert_num_queries, active_days
):
    user = make.user()
    ActiveDay.objects.bulk_create(
        ActiveDay(user=user, day=TODAY - dt.timedelta(days=n)) for n in range(active_days)
    )
    at(NOW, monkeypatch)
    client = Client()
    client.force_login(user)
    # Session, user, follows, progress, active days; and, once per catalogue version, the
    # concept catalogue of the concept states (concepts, prerequisites, core resources).
    with django_assert_num_queries(5 + 3):
        page = parse(client.get("/en/me/").content)
    assert page.find("li", class_="streak-current").text == f"{active_days} days in a row"


# -- The time zone ---------------------------------------------------------------------------


def test_a_learner_sets_their_time_zone(make):
    user = make.user()
    client = Client()
    client.force_login(user)
    page = parse(client.get(reverse("time-zone")).content)
    select = page.find("select", name="time_zone")
    assert page.find("label", for_=select.attrs["id"]).text == "Your time zone"
    options = [option.attrs["value"] for option in select.find_all("option")]
    assert options[0] == "" and "Asia/Shanghai" in options and "Europe/Paris" in options
    assert options[1:] == sorted(options[1:], key=lambda name: (name.partition("/")[0], name))
    assert "US/Eastern" not in options  # an alias for old systems
    version = User.objects.get(pk=user.pk).progress_version
    response = client.post(reverse("time-zone"), {"time_zone": "Asia/Shanghai"})
    assert response.status_code == 302 and response["Location"] == reverse("dashboard")
    user.refresh_from_db()
    assert user.time_zone == "Asia/Shanghai"
    assert user.progress_version == version + 1  # the cached dashboard is drawn again
    page = parse(client.get(reverse("time-zone")).content)
    select = page.find("select", name="time_zone")
    assert select.find("option", selected="").attrs["value"] == "Asia/Shanghai"
    client.post(reverse("time-zone"), {"time_zone": ""})  # back to UTC
    user.refresh_from_db()
    assert user.time_zone == ""


@pytest.mark.parametrize("value", ["Mars/Olympus", "../../etc/passwd", "asia/shanghai", "x" * 80])
def test_an_unknown_time_zone_is_refused_and_changes_nothing(make, value):
    user = make.user(time_zone="Europe/Paris")
    client = Client()
    client.force_login(user)
    response = client.post(reverse("time-zone"), {"time_zone": value})
    assert response.status_code == 200
    error = parse(response.content).find("p", class_="error")
    assert error.text == "Choose a time zone from the list."
    user.refresh_from_db()
    assert user.time_zone == "Europe/Paris"


def test_a_learner_only_ever_changes_their_own_time_zone(make):
    ada, bob = make.user(), make.user(time_zone="Europe/Paris")
    client = Client()
    client.force_login(ada)
    client.post(reverse("time-zone"), {"time_zone": "Asia/Tokyo", "user": bob.pk, "id": bob.pk})
    ada.refresh_from_db()
    bob.refresh_from_db()
    assert (ada.time_zone, bob.time_zone) == ("Asia/Tokyo", "Europe/Paris")
    assert Client().post(reverse("time-zone"), {"time_zone": "Asia/Tokyo"}).status_code == 302
    bob.refresh_from_db()
    assert bob.time_zone == "Europe/Paris"


def test_the_time_zone_page_works_in_chinese(make):
    client = Client()
    client.force_login(make.user())
    response = client.get("/zh-hans/me/time-zone/")
    assert response.status_code == 200
    assert parse(response.content).find("select", name="time_zone") is not None


def test_dates_on_the_learners_pages_are_in_their_zone(make, monkeypatch):
    user = make.user(time_zone="Asia/Shanghai")
    path = make.path(stages=1, steps_per_stage=2)
    at(NOW, monkeypatch)
    services.progress_set(user=user, resource_id=first_step(path).resource_id, status="done")
    client = Client()
    client.force_login(user)
    page = parse(client.get("/en/me/").content)
    # Done at 20:00 UTC on 2 March: 3 March in Shanghai, in the list and the chart's last week.
    done = page.find("section", aria_labelledby="done-title")
    assert "3 Mar 2026" in done.text
    rows = page.find("details", class_="activity-table").find("tbody").find_all("tr")
    assert rows[-1].find("th").text == "2 Mar 2026" and rows[-1].find("td").text == "1"
