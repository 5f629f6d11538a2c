"""Reads for learners: statuses in one query, and progress through a path computed from them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from learnpaths.models import PathFollow, Progress, ProgressStatus, Stage, User

if TYPE_CHECKING:
    from learnpaths.path_data import StageData, StepData

NOT_STARTED = ProgressStatus.NOT_STARTED


def statuses_for(user: User, resource_ids: Iterable[int] | None = None) -> dict[int, str]:
    """The learner's status per resource id, in one query (empty for anonymous visitors)."""
    if not user.is_authenticated:
        return {}
    rows = Progress.objects.filter(user=user)
    if resource_ids is not None:
        rows = rows.filter(resource_id__in=list(resource_ids))
    return dict(rows.values_list("resource_id", "status"))


@dataclass
class LearnerPathState:
    """What a path page shows of one learner: their statuses on its resources, when they did
    the ones they did, and whether they follow the path."""

    statuses: dict[int, str] = field(default_factory=dict)
    completed_at: dict[int, datetime] = field(default_factory=dict)
    following: bool = False


# The learner's progress rows on the path's resources, then (when asked) their follow row if
# any, whose resource column is NULL. Plain SQL: it runs on every status change sent from a
# path page, and the ORM took as long to build this UNION as the database to answer it.
_LEARNER_PROGRESS = """
SELECT resource_id, status, completed_at FROM {progress}
WHERE user_id = %s AND resource_id IN ({resource_ids})
"""
_LEARNER_FOLLOW = """
UNION ALL
SELECT NULL, NULL, NULL FROM {follow} WHERE user_id = %s AND path_id = %s
"""


def learner_path_query(
    user: User, path_id: int, resource_ids: Iterable[int], *, following: bool = True
) -> tuple[str, list]:
    """The SQL and parameters of `learner_path_state`'s query, for a caller that sends it
    together with another statement (`services.progress_set_on_path`)."""
    quote = connection.ops.quote_name
    query = _LEARNER_PROGRESS.format(
        progress=quote(Progress._meta.db_table),
        # Written into the query, not bound: they are integers (int() makes sure), and the
        # driver took a sixth of the query's time to adapt forty parameters. IN (NULL)
        # matches nothing where IN () would be invalid.
        resource_ids=", ".join(str(int(pk)) for pk in resource_ids) or "NULL",
    )
    params = [user.pk]
    if following:
        query += _LEARNER_FOLLOW.format(follow=quote(PathFollow._meta.db_table))
        params += [user.pk, path_id]
    return query, params


def learner_path_state(
    user: User, path_id: int, resource_ids: Iterable[int], *, following: bool = True
) -> LearnerPathState:
    """The learner's progress on these resources and, unless `following` is False, whether
    they follow the path; in one query; nothing for anonymous visitors."""
    if not user.is_authenticated:
        return LearnerPathState()
    query, params = learner_path_query(user, path_id, resource_ids, following=following)
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return learner_path_state_from(cursor.fetchall())


def learner_path_state_from(rows: Iterable[tuple]) -> LearnerPathState:
    """The state from the rows of `learner_path_query`."""
    state = LearnerPathState()
    for resource_id, status, completed_at in rows:
        if resource_id is None:
            state.following = True
            continue
        state.statuses[resource_id] = status
        if completed_at is not None:
            state.completed_at[resource_id] = _aware(completed_at)
    return state


def _aware(value: datetime | str) -> datetime:
    """A datetime as the ORM would return it: SQLite hands plain SQL naive UTC (or text)."""
    if isinstance(value, str):
        value = parse_datetime(value)
    return value if timezone.is_aware(value) else timezone.make_aware(value, UTC)


@dataclass
class Tally:
    """Progress over a set of steps, by count and by estimated hours, required and optional
    steps counted apart: completion and the percentages are of the required steps (of all the
    steps when there is no required one), optional steps are extra."""

    required_total: int = 0
    required_done: int = 0
    optional_total: int = 0
    optional_done: int = 0
    required_hours_total: int = 0
    required_hours_done: int = 0
    optional_hours_total: int = 0
    optional_hours_done: int = 0

    def add(self, step: StepData, status: str) -> None:
        hours = step.hours
        done = status == ProgressStatus.DONE
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

    @property
    def hours_done(self) -> int:
        """Hours studied on these steps: each done step's hours, required or optional
        (`dashboard.hours_studied` counts a learner's hours the same way)."""
        return self.required_hours_done + self.optional_hours_done

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
            if status != ProgressStatus.DONE:
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


@dataclass
class StageEngagement:
    stage: Stage
    started: int
    completed: int


def path_engagement(path) -> tuple[int, int, list[StageEngagement]]:
    """Anonymous counts for curators: followers, completions, and per stage how many followers
    have started it and completed its required steps (where learners drop off)."""
    user_ids = list(PathFollow.objects.filter(path=path).values_list("user_id", flat=True))
    stages = list(path.stages.order_by("position").prefetch_related("steps"))
    resource_ids = {step.resource_id for stage in stages for step in stage.steps.all()}
    touched: dict[int, set[int]] = {}
    done: dict[int, set[int]] = {}
    rows = Progress.objects.filter(user_id__in=user_ids, resource_id__in=resource_ids).exclude(
        status=ProgressStatus.NOT_STARTED
    )
    for user_id, resource_id, status in rows.values_list("user_id", "resource_id", "status"):
        touched.setdefault(user_id, set()).add(resource_id)
        if status == ProgressStatus.DONE:
            done.setdefault(user_id, set()).add(resource_id)
    per_stage = []
    for stage in stages:
        all_ids = {step.resource_id for step in stage.steps.all()}
        required = {step.resource_id for step in stage.steps.all() if not step.optional}
        per_stage.append(
            StageEngagement(
                stage=stage,
                started=sum(1 for u in user_ids if touched.get(u, set()) & all_ids),
                completed=sum(1 for u in user_ids if required and required <= done.get(u, set())),
            )
        )
    # The same definition as the changelist's count, in one place.
    completions = PathFollow.objects.filter(path=path).completed().count()
    return len(user_ids), completions, per_stage
