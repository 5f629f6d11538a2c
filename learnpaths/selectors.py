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
    """Progress over a set of steps, by count and by estimated hours."""

    steps_total: int = 0
    steps_done: int = 0
    required_total: int = 0
    required_done: int = 0
    hours_total: int = 0
    hours_done: int = 0

    def add(self, step: StepData, status: str) -> None:
        hours = step.hours
        done = status == ProgressStatus.DONE
        self.steps_total += 1
        self.hours_total += hours
        if not step.optional:
            self.required_total += 1
            self.required_done += done
        if done:
            self.steps_done += 1
            self.hours_done += hours

    @property
    def percent(self) -> int:
        return round(100 * self.steps_done / self.steps_total) if self.steps_total else 0

    @property
    def hours_percent(self) -> int:
        return round(100 * self.hours_done / self.hours_total) if self.hours_total else 0

    @property
    def hours_left(self) -> int:
        return self.hours_total - self.hours_done

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
    next_step: StepData | None = None
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
    """Progress through a path's stages (`PathData.stages`); `next_step` is the first step not
    done (required steps first, then optional ones); `completed_at` from the learner's
    completion times per resource, when given. No query."""
    progress = PathProgress()
    first_optional = None
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
                elif step.optional and first_optional is None:
                    first_optional = step
            elif not step.optional and completed_at:
                done_at = completed_at.get(step.resource_id)
                if done_at and (last_required_done is None or done_at > last_required_done):
                    last_required_done = done_at
        progress.stages.append(StageProgress(stage, stage_tally))
    progress.next_step = progress.next_step or first_optional
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
