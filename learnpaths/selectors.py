"""Database reads about learners: statuses in one query, a learner's state on a path, the
dashboard's data, their notes, and the admin's engagement statistics.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from learnpaths import statuses
from learnpaths.charts import CHART_HEIGHT, CHART_WIDTH, hours_studied, weekly_activity
from learnpaths.models import Note, PathFollow, Progress, ProgressStatus, Stage, User
from learnpaths.path_structures import PathData, paths_by_id
from learnpaths.progress import PathProgress, path_progress
from resources.versions import catalogue_version

if TYPE_CHECKING:
    pass


def statuses_for(user: User, resource_ids: Iterable[int] | None = None) -> dict[int, str]:
    """The learner's status per resource id, in one query (empty for anonymous visitors)."""
    if not user.is_authenticated:
        return {}
    rows = Progress.objects.filter(user=user)
    if resource_ids is not None:
        rows = rows.filter(resource_id__in=list(resource_ids))
    return dict(rows.values_list("resource_id", "status"))


@dataclass(frozen=True, slots=True)
class NoteText:
    """A learner's note on a resource as a page shows it: the Markdown they wrote (for their
    form) and its sanitised HTML (`Note.body_html`)."""

    body: str
    body_html: str


@dataclass
class LearnerPathState:
    """What a path page shows of one learner: their statuses on its resources, when they did
    the ones they did, their notes on them, and whether they follow the path."""

    statuses: dict[int, str] = field(default_factory=dict)
    completed_at: dict[int, datetime] = field(default_factory=dict)
    notes: dict[int, NoteText] = field(default_factory=dict)
    following: bool = False


# The learner's progress rows on the path's resources, their notes on them (status NULL), then
# (when asked) their follow row if any, whose resource column is NULL. Plain SQL: it runs on
# every status change sent from a path page, and the ORM took as long to build this UNION as
# the database to answer it. The notes come in the same query so that a path page costs the
# learner no query more for them (the `note_one_per_resource` index finds them).
_LEARNER_PROGRESS = """
SELECT resource_id, status, completed_at, NULL, NULL FROM {progress}
WHERE user_id = %s AND resource_id IN ({resource_ids})
UNION ALL
SELECT resource_id, NULL, NULL, body, body_html FROM {note}
WHERE user_id = %s AND resource_id IN ({resource_ids})
"""
_LEARNER_FOLLOW = """
UNION ALL
SELECT NULL, NULL, NULL, NULL, NULL FROM {follow} WHERE user_id = %s AND path_id = %s
"""


def learner_path_query(
    user: User, path_id: int | None, resource_ids: Iterable[int], *, following: bool = True
) -> tuple[str, list]:
    """The SQL and parameters of `learner_path_state`'s query, for a caller that sends it
    together with another statement (`services.progress_set_on_path`)."""
    quote = connection.ops.quote_name
    query = _LEARNER_PROGRESS.format(
        progress=quote(Progress._meta.db_table),
        note=quote(Note._meta.db_table),
        # Written into the query, not bound: they are integers (int() makes sure), and the
        # driver took a sixth of the query's time to adapt forty parameters. IN (NULL)
        # matches nothing where IN () would be invalid.
        resource_ids=", ".join(str(int(pk)) for pk in resource_ids) or "NULL",
    )
    params = [user.pk, user.pk]
    if following:
        query += _LEARNER_FOLLOW.format(follow=quote(PathFollow._meta.db_table))
        params += [user.pk, path_id]
    return query, params


def learner_path_state(
    user: User, path_id: int | None, resource_ids: Iterable[int], *, following: bool = True
) -> LearnerPathState:
    """The learner's progress and notes on these resources and, unless `following` is False,
    whether they follow the path (`path_id`, None when not asked); in one query; nothing for
    anonymous visitors."""
    if not user.is_authenticated:
        return LearnerPathState()
    query, params = learner_path_query(user, path_id, resource_ids, following=following)
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return learner_path_state_from(cursor.fetchall())


def learner_resource_state(user: User, resource_id: int) -> LearnerPathState:
    """The learner's status and note on one resource (its page), in one query; nothing for
    anonymous visitors."""
    return learner_path_state(user, None, [resource_id], following=False)


def learner_path_state_from(rows: Iterable[tuple]) -> LearnerPathState:
    """The state from the rows of `learner_path_query`."""
    state = LearnerPathState()
    for resource_id, status, completed_at, body, body_html in rows:
        if resource_id is None:
            state.following = True
        elif status is None:
            state.notes[resource_id] = NoteText(body, body_html)
        else:
            state.statuses[resource_id] = status
            if completed_at is not None:
                state.completed_at[resource_id] = _aware(completed_at)
    return state


def learner_notes(user: User, query: str = "") -> QuerySet[Note]:
    """The learner's own notes, most recently changed first, each with its resource (title,
    slug, whether published) joined; with `query`, only those whose text or resource title
    (English or Chinese) contains it, ignoring case.

    A plain `icontains` (LIKE / ILIKE): a learner has at most a note per resource, a few
    hundred at most, so a scan of their own rows is fast enough, and it finds Chinese text,
    which has no word boundaries for a full-text index to split on. SQLite ignores the case of
    ASCII letters only (PostgreSQL of every letter)."""
    notes = Note.objects.filter(user=user)
    if query:
        notes = notes.filter(
            Q(body__icontains=query)
            | Q(resource__title__icontains=query)
            | Q(resource__title_zh__icontains=query)
        )
    return (
        notes.select_related("resource")
        .defer("resource__description", "resource__description_html")  # long, not shown
        .order_by("-updated_at", "-pk")
    )


@dataclass
class StageEngagement:
    stage: Stage
    started: int
    completed: int
    # Per status counted apart (statuses.APART, in order): followers with a step of the stage
    # in that status, e.g. [2] followers skipped one of its steps.
    apart: list[int] = field(default_factory=list)


def path_engagement(path) -> tuple[int, int, list[StageEngagement]]:
    """Anonymous counts for curators: followers, completions, and per stage how many followers
    have started it, completed its required steps (where learners drop off; done or skipped)
    and have a step of it in each status counted apart (`statuses.APART`: skipped)."""
    user_ids = list(PathFollow.objects.filter(path=path).values_list("user_id", flat=True))
    stages = list(path.stages.order_by("position").prefetch_related("steps"))
    resource_ids = {step.resource_id for stage in stages for step in stage.steps.all()}
    touched: dict[int, set[int]] = {}
    done: dict[int, set[int]] = {}
    by_status: dict[str, dict[int, set[int]]] = {s.value: {} for s in statuses.APART}
    rows = Progress.objects.filter(user_id__in=user_ids, resource_id__in=resource_ids).exclude(
        status=statuses.DEFAULT.value
    )
    for user_id, resource_id, status in rows.values_list("user_id", "resource_id", "status"):
        touched.setdefault(user_id, set()).add(resource_id)
        if statuses.completes(status):
            done.setdefault(user_id, set()).add(resource_id)
        if status in by_status:
            by_status[status].setdefault(user_id, set()).add(resource_id)
    per_stage = []
    for stage in stages:
        all_ids = {step.resource_id for step in stage.steps.all()}
        required = {step.resource_id for step in stage.steps.all() if not step.optional}
        per_stage.append(
            StageEngagement(
                stage=stage,
                started=sum(1 for u in user_ids if touched.get(u, set()) & all_ids),
                completed=sum(1 for u in user_ids if required and required <= done.get(u, set())),
                apart=[
                    sum(1 for ids in by_status[s.value].values() if ids & all_ids)
                    for s in statuses.APART
                ],
            )
        )
    # The same definition as the changelist's count, in one place.
    completions = PathFollow.objects.filter(path=path).completed().count()
    return len(user_ids), completions, per_stage


@dataclass
class FollowedPath:
    follow: PathFollow
    path: PathData
    progress: PathProgress


def dashboard_data(user: User, *, version: int | None = None) -> dict:
    """Everything the dashboard shows, in two queries whatever the learner's history (their
    follows and their progress) and the catalogue version unless given; the paths themselves
    come from the cache (built together, in four more queries, when the catalogue has
    changed). `followed` holds every path the learner follows (the exports list them all);
    the page shows the published ones and names the others (`unpublished_paths`)."""
    follows = list(PathFollow.objects.filter(user=user).order_by("-started_at"))
    if version is None:
        version = catalogue_version()
    paths = paths_by_id([f.path_id for f in follows], version=version)
    rows = list(
        Progress.objects.filter(user=user).select_related("resource").order_by("-updated_at")
    )
    status_by_resource = {row.resource_id: row.status for row in rows}
    completed_at = {row.resource_id: row.completed_at for row in rows if row.completed_at}
    followed = [
        FollowedPath(follow, path, path_progress(path.stages, status_by_resource, completed_at))
        for follow in follows
        if (path := paths.get(follow.path_id)) is not None
    ]
    # Resources done by study; those completed otherwise (skipped) are counted apart.
    done = [row for row in rows if row.status in statuses.STUDIED]
    # A path set back to draft is not on the site: the page names it without a link (its page
    # would be a 404) and leaves it out of the counts; the exports still list it.
    shown = [f for f in followed if f.path.published]
    return {
        "followed": followed,
        "active_paths": [f for f in shown if not f.progress.complete],
        "completed_paths": [f for f in shown if f.progress.complete],
        "unpublished_paths": [f for f in followed if not f.path.published],
        "in_progress": [row for row in rows if row.status == ProgressStatus.IN_PROGRESS],
        "recently_done": sorted(done, key=lambda row: row.completed_at, reverse=True)[:8],
        "done_total": len(done),
        "apart_totals": [
            (status, count)
            for status in statuses.APART
            if (count := sum(1 for row in rows if row.status == status.value))
        ],
        "hours_studied": hours_studied(done, [item.path for item in shown]),
        "activity": weekly_activity(done, timezone.localdate()),
        "chart": {"width": CHART_WIDTH, "height": CHART_HEIGHT},
    }


def _aware(value: datetime | str) -> datetime:
    """A datetime as the ORM would return it: SQLite hands plain SQL naive UTC (or text)."""
    if isinstance(value, str):
        value = parse_datetime(value)
    return value if timezone.is_aware(value) else timezone.make_aware(value, UTC)
