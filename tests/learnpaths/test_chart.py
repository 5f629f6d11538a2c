"""The dashboard's weekly chart: labelled axes with tick values, the value on each bar, and the
same numbers as a table, in both languages and in the learner's time zone."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.test import Client

from learnpaths import services
from learnpaths.charts import ACTIVITY_WEEKS, PLOT_BOTTOM, PLOT_TOP, tick_step, weekly_activity
from learnpaths.models import Progress, Step
from tests.events import at
from tests.html import parse

# Wednesday 4 March 2026, 12:00 UTC.
NOW = dt.datetime(2026, 3, 4, 12, 0, tzinfo=dt.UTC)
UTC = dt.UTC


def done_at(*moments: dt.datetime) -> list:
    return [SimpleNamespace(completed_at=moment) for moment in moments]


@pytest.mark.parametrize(
    ("highest", "step"), [(0, 1), (1, 1), (4, 1), (5, 2), (8, 2), (9, 5), (20, 5), (21, 10)]
)
def test_the_y_axis_step_keeps_ticks_few_and_round(highest, step):
    assert tick_step(highest) == step


def test_weeks_bars_and_ticks():
    chart = weekly_activity(
        done_at(
            NOW,
            NOW - dt.timedelta(days=1),  # the same week (from Monday 2 March)
            NOW - dt.timedelta(days=3),  # Sunday 1 March: the week before
            NOW - dt.timedelta(weeks=20),  # before the chart's weeks: left out
        ),
        NOW.date(),
        UTC,
    )
    assert len(chart.bars) == ACTIVITY_WEEKS
    assert chart.bars[-1].starts_on == dt.date(2026, 3, 2)
    assert chart.bars[0].starts_on == dt.date(2026, 3, 2) - dt.timedelta(weeks=11)
    assert [bar.count for bar in chart.bars[-2:]] == [1, 2]
    assert sum(bar.count for bar in chart.bars) == 3
    # Ticks 0, 1, 2 from the bottom of the plot to its top; the highest bar reaches the top.
    assert [(tick.value, tick.y) for tick in chart.ticks] == [
        (0, PLOT_BOTTOM),
        (1, (PLOT_BOTTOM + PLOT_TOP) / 2),
        (2, PLOT_TOP),
    ]
    assert chart.bars[-1].y == PLOT_TOP and chart.bars[-2].y == (PLOT_BOTTOM + PLOT_TOP) / 2
    assert all(a.x + a.width < b.x for a, b in zip(chart.bars, chart.bars[1:], strict=False))


def test_weeks_are_counted_in_the_learners_zone():
    sunday_night = dt.datetime(2026, 3, 1, 20, 0, tzinfo=UTC)  # Monday 04:00 in Shanghai
    shanghai = dt.timezone(dt.timedelta(hours=8))
    assert weekly_activity(done_at(sunday_night), NOW.date(), UTC).bars[-1].count == 0
    assert weekly_activity(done_at(sunday_night), NOW.date(), shanghai).bars[-1].count == 1


def test_an_empty_chart_has_an_axis_from_0_to_1():
    chart = weekly_activity([], NOW.date(), UTC)
    assert [tick.value for tick in chart.ticks] == [0, 1]
    assert all(bar.count == 0 and bar.height == 0 for bar in chart.bars)


def dashboard(make, monkeypatch, language="en", time_zone=""):
    """A learner who did 3 resources this week and 1 four weeks ago; their dashboard, parsed."""
    user = make.user(time_zone=time_zone)
    path = make.path(stages=1, steps_per_stage=4)
    steps = list(Step.objects.filter(path=path).order_by("position"))
    for step in steps:
        services.progress_set(user=user, resource_id=step.resource_id, status="done")
    Progress.objects.filter(user=user, resource=steps[0].resource).update(
        completed_at=NOW - dt.timedelta(weeks=4)
    )
    Progress.objects.filter(user=user).exclude(resource=steps[0].resource).update(completed_at=NOW)
    at(NOW, monkeypatch)
    client = Client()
    client.force_login(user)
    return parse(client.get(f"/{language}/me/").content)


def test_the_chart_has_labelled_axes_values_on_its_bars_and_a_table(make, monkeypatch):
    page = dashboard(make, monkeypatch)
    svg = page.find("svg", class_="activity-chart")
    assert svg.attrs["role"] == "img"
    assert "the table below gives the numbers" in svg.find("title").text
    titles = [text.text for text in svg.find_all("text", class_="axis-title")]
    assert titles == ["Resources done", "Week starting"]
    assert [t.text for t in svg.find_all("text", class_="y-tick")] == ["0", "1", "2", "3"]
    weeks = [t.text for t in svg.find_all("text", class_="x-tick")]
    assert len(weeks) == ACTIVITY_WEEKS and weeks[-1] == "2 Mar" and weeks[-5] == "2 Feb"
    values = [t.text for t in svg.find_all("text", class_="bar-value")]
    assert values == ["0"] * 7 + ["1", "0", "0", "0", "3"]
    table = page.find("details", class_="activity-table").find("table")
    headers = [th.text for th in table.find("thead").find_all("th")]
    assert headers == ["Week starting", "Resources done"]
    rows = [(tr.find("th").text, tr.find("td").text) for tr in table.find("tbody").find_all("tr")]
    assert rows[-1] == ("2 Mar 2026", "3") and rows[-5] == ("2 Feb 2026", "1")
    assert table.find("tbody").find("time").attrs["datetime"] == "2025-12-15"


def test_the_chart_in_chinese_uses_chinese_dates(make, monkeypatch):
    page = dashboard(make, monkeypatch, language="zh-hans")
    svg = page.find("svg", class_="activity-chart")
    assert svg.find_all("text", class_="x-tick")[-1].text == "3月2日"
    rows = page.find("details", class_="activity-table").find("tbody").find_all("tr")
    assert rows[-1].find("th").text == "2026年3月2日"
