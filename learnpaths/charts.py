"""The dashboard's weekly-activity chart and hours studied: geometry and sums, no queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from learnpaths.models import Progress
from learnpaths.path_structures import PathData

ACTIVITY_WEEKS = 12
CHART_WIDTH, CHART_HEIGHT, CHART_GAP = 480, 120, 6


@dataclass
class WeekBar:
    starts_on: dt.date
    count: int
    x: float
    y: float
    width: float
    height: float


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


def weekly_activity(done: list[Progress], today: dt.date) -> list[WeekBar]:
    """Resources completed per week over the last weeks, laid out as bars of an SVG chart."""
    this_monday = today - dt.timedelta(days=today.weekday())
    weeks = [this_monday - dt.timedelta(weeks=n) for n in range(ACTIVITY_WEEKS - 1, -1, -1)]
    counts = dict.fromkeys(weeks, 0)
    for row in done:
        day = timezone.localdate(row.completed_at)
        monday = day - dt.timedelta(days=day.weekday())
        if monday in counts:
            counts[monday] += 1
    highest = max(counts.values()) or 1
    width = (CHART_WIDTH - CHART_GAP * (ACTIVITY_WEEKS - 1)) / ACTIVITY_WEEKS
    bars = []
    for index, monday in enumerate(weeks):
        height = round((CHART_HEIGHT - 4) * counts[monday] / highest, 1)
        bars.append(
            WeekBar(
                starts_on=monday,
                count=counts[monday],
                x=round(index * (width + CHART_GAP), 1),
                y=round(CHART_HEIGHT - height, 1),
                width=round(width, 1),
                height=height,
            )
        )
    return bars
