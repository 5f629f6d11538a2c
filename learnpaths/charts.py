"""The dashboard's weekly-activity chart and hours studied: geometry and sums, no queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from learnpaths.models import Progress
from learnpaths.path_structures import PathData

ACTIVITY_WEEKS = 12
# The chart's drawing, in SVG user units (it scales to the width of the page): the plot area and
# the margins that hold the y axis's ticks and title (left), the values above the bars (top), the
# x axis's week labels and title (bottom).
CHART_WIDTH, CHART_HEIGHT = 640, 220
PLOT_LEFT, PLOT_RIGHT, PLOT_TOP, PLOT_BOTTOM = 48, 632, 20, 172
BAR_GAP = 8
# The most ticks the y axis gets above 0; their step is 1, 2 or 5 times a power of ten.
MAX_TICKS = 4


@dataclass
class WeekBar:
    starts_on: dt.date
    count: int
    x: float
    y: float
    width: float
    height: float

    @property
    def centre(self) -> float:
        return round(self.x + self.width / 2, 1)


@dataclass
class Tick:
    value: int
    y: float


@dataclass
class ActivityChart:
    """The weekly chart's geometry: `bars` oldest week first, `ticks` of the y axis from 0."""

    bars: list[WeekBar]
    ticks: list[Tick]
    width: int = CHART_WIDTH
    height: int = CHART_HEIGHT
    left: int = PLOT_LEFT
    right: int = PLOT_RIGHT
    top: int = PLOT_TOP
    bottom: int = PLOT_BOTTOM

    @property
    def middle_x(self) -> float:
        return (self.left + self.right) / 2

    @property
    def middle_y(self) -> float:
        return (self.top + self.bottom) / 2


def tick_step(highest: int) -> int:
    """The y axis's step: the smallest of 1, 2, 5, 10, 20, 50… that reaches `highest` in at
    most MAX_TICKS steps."""
    magnitude = 1
    while True:
        for factor in (1, 2, 5):
            step = factor * magnitude
            if step * MAX_TICKS >= highest:
                return step
        magnitude *= 10


def hours_studied(done: list[Progress], followed: list[PathData]) -> int:
    """A learner's hours studied, in whole estimated hours: for each resource they have done,
    the hours its step asks for in the paths they follow (the most, when several paths ask
    different amounts), else the resource's own estimate (it was done on its own, whole).

    A path page counts the same way for its own steps (`Tally.hours_studied`): a learner who
    follows one path and did only its steps sees the same number there and here. `done` are
    the learner's done `Progress` rows with their resources loaded; no query."""
    step_hours: dict[int, int] = {}
    for path in followed:
        for stage in path.stages:
            for step in stage.steps:
                step_hours[step.resource_id] = max(step.hours, step_hours.get(step.resource_id, 0))
    return sum(step_hours.get(row.resource_id, row.resource.estimated_hours or 0) for row in done)


def weekly_activity(done: list[Progress], today: dt.date, zone: dt.tzinfo) -> ActivityChart:
    """Resources completed per week (weeks start on Monday) over the last ACTIVITY_WEEKS weeks
    up to the one holding `today`, counted by the day of completion in the learner's time
    `zone`, laid out as the bars of an SVG chart with a y axis whose top tick is at or above the
    highest week (1 when every week is 0)."""
    this_monday = today - dt.timedelta(days=today.weekday())
    weeks = [this_monday - dt.timedelta(weeks=n) for n in range(ACTIVITY_WEEKS - 1, -1, -1)]
    counts = dict.fromkeys(weeks, 0)
    for row in done:
        day = row.completed_at.astimezone(zone).date()
        monday = day - dt.timedelta(days=day.weekday())
        if monday in counts:
            counts[monday] += 1
    highest = max(counts.values())
    step = tick_step(highest)
    top_value = max(step, -(-highest // step) * step)  # rounded up to a whole step
    plot_height = PLOT_BOTTOM - PLOT_TOP
    slot = (PLOT_RIGHT - PLOT_LEFT) / ACTIVITY_WEEKS
    bars = []
    for index, monday in enumerate(weeks):
        height = round(plot_height * counts[monday] / top_value, 1)
        bars.append(
            WeekBar(
                starts_on=monday,
                count=counts[monday],
                x=round(PLOT_LEFT + index * slot + BAR_GAP / 2, 1),
                y=round(PLOT_BOTTOM - height, 1),
                width=round(slot - BAR_GAP, 1),
                height=height,
            )
        )
    ticks = [
        Tick(value, round(PLOT_BOTTOM - plot_height * value / top_value, 1))
        for value in range(0, top_value + 1, step)
    ]
    return ActivityChart(bars=bars, ticks=ticks)
