"""Progress through a path, computed from a learner's statuses: pure arithmetic, no queries.

Shapes: `path_progress(path, statuses)` takes a PathData and {resource id: status} and returns a
PathProgress (per-stage Tally of steps and hours, required and optional counted apart).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from learnpaths.path_structures import StageData, StepData
from learnpaths.statuses import APART, DEFAULT, Status, completes, status_of

NOT_STARTED = DEFAULT.value


@dataclass
class Tally:
    """Progress over a set of steps, by count and by estimated hours, required and optional
    steps counted apart: completion and the percentages are of the required steps (of all the
    steps when there is no required one), optional steps are extra.

    A step is "done" here when its status completes (`statuses.COMPLETING`: done or skipped);
    `apart` counts the steps of each status that completes without study (skipped), which the
    pages show apart, and `hours_studied` leaves them out."""

    required_total: int = 0
    required_done: int = 0
    optional_total: int = 0
    optional_done: int = 0
    required_hours_total: int = 0
    required_hours_done: int = 0
    optional_hours_total: int = 0
    optional_hours_done: int = 0
    hours_studied: int = 0
    apart: dict[str, int] = field(default_factory=dict)  # {status value: steps}

    def add(self, step: StepData, status: str) -> None:
        hours = step.hours
        declared = status_of(status)
        done = declared.completes
        if declared.studied:
            self.hours_studied += hours
        elif done:
            self.apart[declared.value] = self.apart.get(declared.value, 0) + 1
        if step.optional:
            self.optional_total += 1
            self.optional_done += done
            self.optional_hours_total += hours
            self.optional_hours_done += hours if done else 0
        else:
            self.required_total += 1
            self.required_done += done
            self.required_hours_total += hours
            self.required_hours_done += hours if done else 0

    @property
    def steps_total(self) -> int:
        return self.required_total + self.optional_total

    @property
    def steps_done(self) -> int:
        return self.required_done + self.optional_done

    @property
    def optional_left(self) -> int:
        return self.optional_total - self.optional_done

    def apart_counts(self) -> list[tuple[Status, int]]:
        """The statuses counted apart that these steps have, with their counts, in declared
        order: [(skipped, 2)]."""
        return [(s, self.apart[s.value]) for s in APART if self.apart.get(s.value)]

    @property
    def percent(self) -> int:
        """Per cent of the required steps done (of all steps when none is required)."""
        if self.required_total:
            return round(100 * self.required_done / self.required_total)
        return round(100 * self.optional_done / self.optional_total) if self.optional_total else 0

    @property
    def hours_percent(self) -> int:
        """Per cent of the required steps' hours done (of all steps' when none is required)."""
        if self.required_total:
            total, done = self.required_hours_total, self.required_hours_done
        else:
            total, done = self.optional_hours_total, self.optional_hours_done
        return round(100 * done / total) if total else self.percent

    @property
    def hours_left(self) -> int:
        """Hours of the required steps not done yet (of all steps when none is required)."""
        if self.required_total:
            return self.required_hours_total - self.required_hours_done
        return self.optional_hours_total - self.optional_hours_done

    @property
    def complete(self) -> bool:
        return self.required_total > 0 and self.required_done == self.required_total


@dataclass
class StageProgress:
    stage: StageData
    tally: Tally


@dataclass
class PathProgress:
    stages: list[StageProgress] = field(default_factory=list)
    tally: Tally = field(default_factory=Tally)
    # The first required step not done: where "Continue" leads; None once the path is complete.
    next_step: StepData | None = None
    # The first optional step not done: what a complete path suggests next.
    next_optional: StepData | None = None
    # When the path was completed: when the last of its required steps was done.
    completed_at: datetime | None = None

    @property
    def complete(self) -> bool:
        return self.tally.complete


def path_progress(
    stages: Iterable[StageData],
    statuses: dict[int, str],
    completed_at: dict[int, datetime] | None = None,
) -> PathProgress:
    """Progress through a path's stages (`PathData.stages`): `next_step` is the first required
    step not done (the first step not done when no step is required), `next_optional` the first
    optional one; `completed_at` from the learner's completion times per resource, when given.
    No query."""
    progress = PathProgress()
    last_required_done = None
    for stage in stages:
        stage_tally = Tally()
        for step in stage.steps:
            status = statuses.get(step.resource_id, NOT_STARTED)
            stage_tally.add(step, status)
            progress.tally.add(step, status)
            if not completes(status):
                if not step.optional and progress.next_step is None:
                    progress.next_step = step
                elif step.optional and progress.next_optional is None:
                    progress.next_optional = step
            elif not step.optional and completed_at:
                done_at = completed_at.get(step.resource_id)
                if done_at and (last_required_done is None or done_at > last_required_done):
                    last_required_done = done_at
        progress.stages.append(StageProgress(stage, stage_tally))
    if not progress.tally.required_total:  # optional steps only: they are the path
        progress.next_step = progress.next_optional
    if progress.complete:
        progress.completed_at = last_required_done
    return progress
