"""My pace: hours per week on a followed path → a plan with a target date per stage, a projected
finish, ahead / behind / on track; shown on the path page and the dashboard, set by a form."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from learnpaths import services
from learnpaths.models import PathFollow, Step
from learnpaths.pace import Standing, follow_pace
from learnpaths.path_structures import StageData, StepData
from learnpaths.progress import path_progress
from tests.events import at
from tests.html import parse

# 20:00 UTC on Monday 2 March 2026: already Tuesday 3 March in Shanghai (UTC+8).
NOW = dt.datetime(2026, 3, 2, 20, 0, tzinfo=dt.UTC)


def step(pk: int, hours: int, optional: bool = False) -> StepData:
    return StepData(pk, pk, f"r{pk}", f"R{pk}", hours, optional, "", "", False)


def stages() -> list[StageData]:
    """Two stages: 10 h then 20 h required, plus an optional 7 h step."""
    return [
        StageData(1, 1, "Basics", "", (step(1, 4), step(2, 6)), ()),
        StageData(2, 2, "Deeper", "", (step(3, 20), step(4, 7, optional=True)), ()),
    ]


def pace_of(statuses, *, weekly_hours=None, path_weekly_hours=5, started, today):
    progress = path_progress(stages(), statuses)
    return follow_pace(
        progress,
        weekly_hours=weekly_hours,
        path_weekly_hours=path_weekly_hours,
        started_on=started,
        today=today,
    )


def test_the_plan_gives_each_stage_a_target_date_from_the_start():
    pace = pace_of({}, weekly_hours=10, started=dt.date(2026, 3, 1), today=dt.date(2026, 3, 1))
    # 10 h a week: stage 1 (10 h) takes 7 days, stage 2 (30 h in all) 21 days from the start.
    assert [s.target_on for s in pace.stages] == [dt.date(2026, 3, 8), dt.date(2026, 3, 22)]
    assert pace.planned_finish_on == dt.date(2026, 3, 22)
    assert (pace.hours_total, pace.hours_left) == (30, 30)  # the optional step is extra
    assert pace.weekly_hours == 10 and pace.own


def test_the_paths_hours_count_when_the_learner_chose_none():
    pace = pace_of({}, started=dt.date(2026, 3, 1), today=dt.date(2026, 3, 1))
    assert pace.weekly_hours == 5 and not pace.own
    assert pace.stages[0].target_on == dt.date(2026, 3, 15)  # 10 h at 5 h a week: 14 days


def test_the_projected_finish_counts_the_hours_left_from_today():
    pace = pace_of(
        {1: "done", 2: "skipped"},
        weekly_hours=10,
        started=dt.date(2026, 3, 1),
        today=dt.date(2026, 3, 10),
    )
    assert pace.hours_left == 20 and pace.stages[0].done and not pace.stages[1].done
    assert pace.finish_on == dt.date(2026, 3, 24)  # 20 h at 10 h a week: 14 days from today


@pytest.mark.parametrize(
    ("done", "days", "standing", "difference"),
    [
        # 14 days at 5 h a week: 10 h planned; half a week (2.5 h) either way is on track.
        ({1: "done", 2: "done"}, 14, Standing.ON_TRACK, 0),
        ({1: "done"}, 14, Standing.BEHIND, 6),  # 4 h done of 10 planned
        ({}, 14, Standing.BEHIND, 10),
        ({1: "done", 2: "done", 3: "in_progress"}, 0, Standing.AHEAD, 10),
        ({1: "done", 2: "done"}, 7, Standing.AHEAD, 5),  # 10 h done, 5 planned
        ({1: "done"}, 7, Standing.ON_TRACK, 0),  # 4 h done, 5 planned
    ],
)
def test_ahead_behind_or_on_track_compares_hours_done_with_hours_planned_by_today(
    done, days, standing, difference
):
    start = dt.date(2026, 3, 1)
    pace = pace_of(done, started=start, today=start + dt.timedelta(days=days))
    assert pace.standing is standing
    assert pace.difference == difference


def test_a_complete_path_or_one_without_estimates_has_no_plan():
    assert pace_of({1: "done", 2: "done", 3: "done"}, started=NOW.date(), today=NOW.date()) is None
    progress = path_progress([StageData(1, 1, "S", "", (step(1, 0),), ())], {})
    assert (
        follow_pace(
            progress,
            weekly_hours=None,
            path_weekly_hours=5,
            started_on=NOW.date(),
            today=NOW.date(),
        )
        is None
    )


# -- The pages ------------------------------------------------------------------------------


def follower(make, monkeypatch, *, time_zone="", weekly_hours=None, path=None):
    """A learner who started following a path of 2 stages × 2 steps of 5 h (`path`) 14 days
    before NOW and has done its first step; the clock then reads NOW."""
    path = path or make.path(slug="p", stages=2, steps_per_stage=2, weekly_hours=4)
    user = make.user(time_zone=time_zone)
    at(NOW - dt.timedelta(days=14), monkeypatch)
    services.path_follow(user=user, path=path)
    first = Step.objects.filter(path=path).order_by("stage__position", "position").first()
    services.progress_set(user=user, resource_id=first.resource_id, status="done")
    PathFollow.objects.filter(user=user, path=path).update(weekly_hours=weekly_hours)
    at(NOW, monkeypatch)
    client = Client()
    client.force_login(user)
    return user, path, client


def pace_section(html: str, path):
    return parse(html).find("section", id=f"pace-{path.pk}")


def test_a_follower_sees_their_pace_on_the_path_page_in_their_time_zone(make, monkeypatch):
    _user, path, client = follower(make, monkeypatch, time_zone="Asia/Shanghai")
    section = pace_section(client.get("/en/paths/p/").content.decode(), path)
    # Started 17 Feb 2026 04:00 in Shanghai; today is 3 March there (still 2 March in UTC).
    # 4 h a week (the path's): 15 h left take 27 days from 3 March.
    assert "At 4 h a week, with ≈ 15 h left, you would finish on 30 Mar 2026." in section.text
    assert "(the path’s suggested pace)" in section.text
    assert section.find(class_="standing").attrs["data-standing"] == "behind"
    assert "Behind your plan by ≈ 3 h" in section.text  # 5 h done, 8 planned: 2 h tolerance
    rows = [
        [cell.text for cell in row.children if not isinstance(cell, str)]
        for row in section.find("tbody").find_all("tr")
    ]
    # 10 h at 4 h a week: 18 days from 17 Feb; 20 h: 35 days.
    assert rows == [["1. Stage 1", "≈ 5 h", "7 Mar 2026"], ["2. Stage 2", "≈ 10 h", "24 Mar 2026"]]
    hours = section.find("input", name="weekly_hours")
    assert hours.attrs["value"] == "4" and hours.attrs["min"] == "1" and hours.attrs["max"] == "80"
    label = section.find("label", for_=hours.attrs["id"])
    assert label.text.startswith("Hours per week") and label.find("span").text == f"({path.title})"


def test_the_dates_follow_the_learners_zone(make, monkeypatch):
    _user, path, client = follower(make, monkeypatch)  # UTC: today is 2 March
    section = pace_section(client.get("/en/paths/p/").content.decode(), path)
    assert "you would finish on 29 Mar 2026" in section.text
    assert "from 16 Feb 2026" in section.text


def test_visitors_who_do_not_follow_the_path_see_no_pace(make, monkeypatch):
    _user, path, _client = follower(make, monkeypatch)
    other = Client()
    other.force_login(make.user())
    assert pace_section(other.get("/en/paths/p/").content.decode(), path) is None
    assert pace_section(Client().get("/en/paths/p/").content.decode(), path) is None


def test_the_dashboard_shows_the_pace_of_each_path_in_progress(make, monkeypatch):
    user, path, client = follower(make, monkeypatch, weekly_hours=10)
    second = make.path(stages=1, steps_per_stage=1)
    services.path_follow(user=user, path=second)
    page = client.get("/en/me/").content.decode()
    first_section, second_section = pace_section(page, path), pace_section(page, second)
    assert "At 10 h a week, with ≈ 15 h left" in first_section.text
    assert first_section.find(class_="standing").attrs["data-standing"] == "behind"
    assert first_section.find("button", name="reset") is not None  # their own pace
    assert "At 5 h a week, with ≈ 5 h left" in second_section.text  # the path's default
    assert first_section.find("h4") is not None
    ids = [e.attrs["id"] for e in parse(page).iter() if "id" in e.attrs]
    assert len(ids) == len(set(ids))


def post_pace(client, slug, **data):
    return client.post(reverse("path-pace", args=[slug]), data)


def test_setting_the_pace_saves_it_and_goes_back(make, monkeypatch):
    user, path, client = follower(make, monkeypatch)
    response = post_pace(client, "p", weekly_hours="12", next="/en/me/#pace-1")
    assert response.status_code == 302 and response["Location"] == "/en/me/#pace-1"
    assert PathFollow.objects.get(user=user).weekly_hours == 12
    page = client.get("/en/paths/p/").content.decode()
    assert "Your pace on “Path" in page  # the confirmation
    assert "At 12 h a week" in pace_section(client.get("/en/paths/p/").content.decode(), path).text
    # Back to the path's suggestion.
    response = post_pace(client, "p", reset="1", weekly_hours="")
    assert response.status_code == 302 and response["Location"] == "/en/paths/p/"
    assert PathFollow.objects.get(user=user).weekly_hours is None


@pytest.mark.parametrize("value", ["0", "81", "200", "abc", "2.5", "", "-3"])
def test_a_wrong_number_of_hours_is_refused_and_changes_nothing(make, monkeypatch, value):
    user, _path, client = follower(make, monkeypatch, weekly_hours=6)
    version = type(user).objects.get(pk=user.pk).progress_version
    response = post_pace(client, "p", weekly_hours=value)
    assert response.status_code == 200
    page = parse(response.content)
    field = page.find("input", name="weekly_hours")
    error = page.find("p", class_="error")
    assert error.text == "Enter a whole number of hours from 1 to 80."
    assert field.attrs.get("aria-invalid") == "true"
    assert PathFollow.objects.get(user=user).weekly_hours == 6
    assert type(user).objects.get(pk=user.pk).progress_version == version


def test_a_learner_who_does_not_follow_the_path_gets_a_404_and_nothing_changes(make, monkeypatch):
    owner, _path, _client = follower(make, monkeypatch, weekly_hours=6)
    stranger = Client()
    stranger.force_login(make.user())
    assert post_pace(stranger, "p", weekly_hours="20").status_code == 404
    assert stranger.get(reverse("path-pace", args=["p"])).status_code == 404
    assert PathFollow.objects.get(user=owner).weekly_hours == 6
    assert PathFollow.objects.count() == 1  # no follow made for the stranger


def test_anonymous_visitors_are_sent_to_sign_in(make, monkeypatch):
    owner, _path, _client = follower(make, monkeypatch, weekly_hours=6)
    response = post_pace(Client(), "p", weekly_hours="20")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert PathFollow.objects.get(user=owner).weekly_hours == 6


def test_the_pace_page_works_in_chinese(make, monkeypatch):
    _user, path, client = follower(make, monkeypatch)
    response = client.get(f"/zh-hans/paths/{path.slug}/pace/")
    assert response.status_code == 200
    page = parse(response.content)
    assert page.find("html").attrs["lang"] == "zh-Hans"
    assert page.find("input", name="weekly_hours").attrs["value"] == "4"
    section = pace_section(client.get(f"/zh-hans/paths/{path.slug}/").content.decode(), path)
    assert "2026年3月29日" in section.text  # the finish date, in Chinese form


def test_a_changed_pace_shows_at_once_on_the_cached_pages(make, monkeypatch):
    user, path, client = follower(make, monkeypatch)
    assert "At 4 h a week" in pace_section(client.get("/en/me/").content.decode(), path).text
    services.follow_pace_set(user=user, path_id=path.pk, weekly_hours=9)
    assert "At 9 h a week" in pace_section(client.get("/en/me/").content.decode(), path).text
    assert "At 9 h a week" in pace_section(client.get("/en/paths/p/").content.decode(), path).text


def test_the_service_refuses_hours_out_of_range(make):
    user = make.user()
    path = make.path()
    services.path_follow(user=user, path=path)
    for hours in (0, 81):
        with pytest.raises(ValueError):
            services.follow_pace_set(user=user, path_id=path.pk, weekly_hours=hours)
    assert not services.follow_pace_set(user=make.user(), path_id=path.pk, weekly_hours=5)
    assert PathFollow.objects.get().weekly_hours is None


@pytest.mark.parametrize("size", [5, 60])
def test_the_path_page_with_a_pace_keeps_its_query_count(
    make, monkeypatch, django_assert_num_queries, size
):
    path = make.path(slug="p", stages=size // 5, steps_per_stage=5)
    _user, _path, client = follower(make, monkeypatch, path=path)
    client.get("/en/paths/p/")  # the path's structure is cached, as on any visit
    services.follow_pace_set(user=_user, path_id=path.pk, weekly_hours=7)  # the page is stale
    # Session, user with the catalogue version, the learner's statuses with their follow and
    # pace (one query); then the page from the cache.
    with django_assert_num_queries(3):
        html = client.get("/en/paths/p/").content.decode()
    assert len(pace_section(html, path).find("tbody").find_all("tr")) == size // 5
    with django_assert_num_queries(2):
        client.get("/en/paths/p/")


def test_a_status_change_with_htmx_redraws_the_pace_in_place(make, monkeypatch):
    _user, path, client = follower(make, monkeypatch)
    second = Step.objects.filter(path=path).order_by("stage__position", "position")[1]
    url = reverse("resource-progress", args=[second.resource.slug])
    data = {"status": "done", "path": "p", "next": "/en/paths/p/#step-1"}
    response = client.post(url, data, HTTP_HX_REQUEST="true")
    section = pace_section(response.content.decode(), path)
    assert section.attrs["data-hx-swap-oob"] == "true"
    assert "with ≈ 10 h left" in section.text  # 15 before
    assert section.find("input", name="next").attrs["value"] == f"/en/paths/p/#pace-{path.pk}"
    # The last steps done: the path is complete, and its pace goes.
    for step in Step.objects.filter(path=path)[2:]:
        url = reverse("resource-progress", args=[step.resource.slug])
        response = client.post(url, data, HTTP_HX_REQUEST="true")
    gone = parse(response.content).find(id=f"pace-{path.pk}")
    assert gone.tag == "div" and "hidden" in gone.attrs and gone.text == ""
