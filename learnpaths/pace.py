"""A learner's pace on a path they follow: hours per week → a plan with a target date per stage,
a projected finish date, and whether they are ahead of the plan or behind it. Pure arithmetic on
a `PathProgress` and dates in the learner's time zone: no queries.

The plan starts on the day the learner began following the path (`started_on`) and studies
`weekly_hours` a week, spread evenly over the days (weekly_hours / 7 a day), through the hours
the path counts (`counted_hours`: its required steps' estimated hours; all its steps' when it
has no required step, as `Tally.hours_left`). A stage's target date is the day the plan has
covered every counted hour up to the end of that stage. The projected finish date is today plus
the hours left at the same pace.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar

from learnpaths.models import MAX_WEEKLY_HOURS, MIN_WEEKLY_HOURS
from learnpaths.progress import PathProgress, Tally


class Standing(StrEnum):
    """How the hours done compare with the hours planned by today (`Pace.standing`)."""

    AHEAD = "ahead"
    ON_TRACK = "on_track"
    BEHIND = "behind"


@dataclass(frozen=True, slots=True)
class StageTarget:
    position: int
    title: str
    hours: int  # the stage's counted hours
    hours_left: int  # of those, not done yet
    target_on: dt.date  # when the plan reaches the end of the stage

    @property
    def done(self) -> bool:
        return self.hours_left == 0


@dataclass(frozen=True, slots=True)
class Pace:
    weekly_hours: int
    own: bool  # the learner chose it; False: the path's suggestion (`path_weekly_hours`)
    path_weekly_hours: int
    started_on: dt.date
    today: dt.date
    hours_total: int
    hours_left: int
    planned_hours: float  # hours the plan expects done by today
    planned_finish_on: dt.date  # the plan's end: the last stage's target date
    finish_on: dt.date  # projected: today + the hours left at this pace
    stages: tuple[StageTarget, ...]
    # The range a learner may choose from (the forms' min and max).
    min_weekly_hours: ClassVar[int] = MIN_WEEKLY_HOURS
    max_weekly_hours: ClassVar[int] = MAX_WEEKLY_HOURS

    @property
    def hours_done(self) -> int:
        return self.hours_total - self.hours_left

    @property
    def tolerance(self) -> float:
        """Half a week's hours: steps take hours each, so hours done move in steps, and a
        learner is neither ahead nor behind for being a step's length off the plan."""
        return self.weekly_hours / 2

    @property
    def standing(self) -> Standing:
        """AHEAD when the hours done exceed the hours planned by today by more than
        `tolerance`, BEHIND when they fall short of them by more than that, else ON_TRACK."""
        if self.hours_done - self.planned_hours > self.tolerance:
            return Standing.AHEAD
        if self.planned_hours - self.hours_done > self.tolerance:
            return Standing.BEHIND
        return Standing.ON_TRACK

    @property
    def difference(self) -> int:
        """Hours ahead of or behind the plan, rounded (0 when on track)."""
        if self.standing is Standing.ON_TRACK:
            return 0
        return round(abs(self.hours_done - self.planned_hours))


def counted_hours(tally: Tally, *, required: bool) -> tuple[int, int]:
    """(total, left) of the hours a plan counts in `tally`: its required steps' when `required`
    (the path has required steps), else all its steps'."""
    if required:
        total, done = tally.required_hours_total, tally.required_hours_done
    else:
        total = tally.required_hours_total + tally.optional_hours_total
        done = tally.required_hours_done + tally.optional_hours_done
    return total, total - done


def days_for(hours: float, weekly_hours: int) -> int:
    """Whole days needed to study `hours` at `weekly_hours` a week (rounded up)."""
    return math.ceil(hours * 7 / weekly_hours)


def follow_pace(
    progress: PathProgress,
    *,
    weekly_hours: int | None,
    path_weekly_hours: int,
    started_on: dt.date,
    today: dt.date,
) -> Pace | None:
    """The learner's pace on a path (`weekly_hours` they chose, None for the path's
    `path_weekly_hours`) from the day they started following it, as of `today` (both dates in
    their time zone). None when there is nothing to plan: the path is complete, or its steps
    have no estimated hours."""
    required = progress.tally.required_total > 0
    hours_total, hours_left = counted_hours(progress.tally, required=required)
    if progress.complete or hours_total == 0:
        return None
    pace = weekly_hours or path_weekly_hours
    stages = []
    planned = 0
    for stage_progress in progress.stages:
        stage_total, stage_left = counted_hours(stage_progress.tally, required=required)
        planned += stage_total
        stages.append(
            StageTarget(
                position=stage_progress.stage.position,
                title=stage_progress.stage.title,
                hours=stage_total,
                hours_left=stage_left,
                target_on=started_on + dt.timedelta(days=days_for(planned, pace)),
            )
        )
    days_since_start = max(0, (today - started_on).days)
    return Pace(
        weekly_hours=pace,
        own=weekly_hours is not None,
        path_weekly_hours=path_weekly_hours,
        started_on=started_on,
        today=today,
        hours_total=hours_total,
        hours_left=hours_left,
        planned_hours=min(hours_total, pace * days_since_start / 7),
        planned_finish_on=started_on + dt.timedelta(days=days_for(hours_total, pace)),
        finish_on=today + dt.timedelta(days=days_for(hours_left, pace)),
        stages=tuple(stages),
    )
