"""Database reads about learners: statuses in one query, a learner's state on a path, the
dashboard's data, and the admin's engagement statistics.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from django.db import connection
from django.db.models import CharField, DateTimeField, F, IntegerField, Q, QuerySet, Value
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from learnpaths import statuses
from learnpaths.charts import hours_studied, weekly_activity
from learnpaths.concept_states import concept_catalogue, concept_states
from learnpaths.models import (
    ActiveDay,
    LearningPath,
    Note,
    PathFollow,
    Progress,
    ProgressStatus,
    Stage,
    User,
)
from learnpaths.pace import Pace, follow_pace
from learnpaths.path_structures import PathData, paths_by_id
from learnpaths.progress import PathProgress, path_progress
from learnpaths.recommendations import Suggestion, what_next
from learnpaths.streaks import streaks
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


def statuses_and_follows(user: User) -> tuple[dict[int, str], list[int]]:
    """The learner's status per resource id, and the ids of the paths they follow, most
    recently followed first; in one query (a UNION of the two tables)."""
    progress = Progress.objects.filter(user=user).values_list(
        "resource_id",
        "status",
        Value(None, output_field=IntegerField()),
        Value(None, output_field=DateTimeField()),
    )
    follows = PathFollow.objects.filter(user=user).values_list(
        Value(None, output_field=IntegerField()),
        Value(None, output_field=CharField()),
        "path_id",
        "started_at",
    )
    status_by_resource: dict[int, str] = {}
    followed: list[tuple[datetime, int]] = []
    for resource_id, status, path_id, started_at in progress.union(follows, all=True):
        if path_id is None:
            status_by_resource[resource_id] = status
        else:
            followed.append((_aware(started_at), path_id))
    return status_by_resource, [pk for _, pk in sorted(followed, reverse=True)]


def learner_what_next(user: User, *, version: int) -> list[Suggestion]:
    """What the learner could study next (`recommendations.what_next`): one query (their
    statuses and follows); the paths and concepts from the cache."""
    status_by_resource, path_ids = statuses_and_follows(user)
    paths = paths_by_id(path_ids, version=version)
    open_paths = [
        path
        for pk in path_ids
        if (path := paths.get(pk)) is not None
        and path.published
        and not path_progress(path.stages, status_by_resource).complete
    ]
    states = concept_states(concept_catalogue(version=version), status_by_resource)
    return what_next(states, open_paths)


@dataclass(frozen=True, slots=True)
class NoteText:
    """A learner's note on a resource as a page shows it: the Markdown they wrote (for their
    form) and its sanitised HTML (`Note.body_html`)."""

    body: str
    body_html: str


@dataclass
class LearnerPathState:
    """What a path page shows of one learner: their statuses on its resources, when they did
    the ones they did, their notes on them, and whether they follow the path; if they do, since
    when, and their pace (hours per week: theirs, None for the path's, and the path's)."""

    statuses: dict[int, str] = field(default_factory=dict)
    completed_at: dict[int, datetime] = field(default_factory=dict)
    notes: dict[int, NoteText] = field(default_factory=dict)
    following: bool = False
    started_at: datetime | None = None
    weekly_hours: int | None = None
    path_weekly_hours: int | None = None


# The learner's progress rows on the path's resources, their notes on them (status NULL), then
# (when asked) their follow row if any, whose resource column is NULL: when they started
# following (third column), their weekly hours and the path's. Plain SQL: it runs on every
# status change sent from a path page, and the ORM took as long to build this UNION as the
# database to answer it. The notes come in the same query so that a path page costs the
# learner no query more for them (the `note_one_per_resource` index finds them). Text and
# numbers have columns of their own, typed in the first SELECT: PostgreSQL gives each column of
# a UNION one type, resolved from the left (two bare NULLs would make it text).
_LEARNER_PROGRESS = """
SELECT resource_id, status, completed_at, CAST(NULL AS TEXT), CAST(NULL AS TEXT),
CAST(NULL AS INTEGER), CAST(NULL AS INTEGER) FROM {progress}
WHERE user_id = %s AND resource_id IN ({resource_ids})
UNION ALL
SELECT resource_id, NULL, NULL, body, body_html, NULL, NULL FROM {note}
WHERE user_id = %s AND resource_id IN ({resource_ids})
"""
_LEARNER_FOLLOW = """
UNION ALL
SELECT NULL, NULL, f.started_at, NULL, NULL, f.weekly_hours, p.weekly_hours
FROM {follow} f JOIN {path} p ON p.id = f.path_id WHERE f.user_id = %s AND f.path_id = %s
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
        query += _LEARNER_FOLLOW.format(
            follow=quote(PathFollow._meta.db_table), path=quote(LearningPath._meta.db_table)
        )
        params += [user.pk, path_id]
    return query, params


def learner_path_state(
    user: User, path_id: int | None, resource_ids: Iterable[int], *, following: bool = True
) -> LearnerPathState:
    """The learner's progress and notes on these resources and, unless `following` is False,
    whether they follow the path (`path_id`, None when not asked) and, if they do, since when
    and at which pace; in one query; nothing for anonymous visitors."""
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
    for resource_id, status, completed_at, body, body_html, weekly_hours, path_hours in rows:
        if resource_id is None:  # the follow row: its third column is when it started
            state.following = True
            state.started_at = _aware(completed_at)
            state.weekly_hours, state.path_weekly_hours = weekly_hours, path_hours
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
    pace: Pace | None = None  # None when complete or without estimated hours


def learner_pace(
    progress: PathProgress,
    *,
    user: User,
    started_at: datetime,
    weekly_hours: int | None,
    path_weekly_hours: int,
) -> Pace | None:
    """`pace.follow_pace` with the start and today as dates in the learner's time zone."""
    zone = user.zone
    return follow_pace(
        progress,
        weekly_hours=weekly_hours,
        path_weekly_hours=path_weekly_hours,
        started_on=timezone.localdate(started_at, zone),
        today=timezone.localdate(timezone.now(), zone),
    )


def dashboard_data(user: User, *, version: int | None = None) -> dict:
    """Everything the dashboard shows, in three queries whatever the learner's history (their
    follows with their paths' weekly hours, their progress, their active days) and the
    catalogue version unless given; the paths themselves come from the cache (built together,
    in five more queries, when the catalogue has changed), and so do the concepts their states
    are computed on (`concept_states`, three more queries when the catalogue has changed).
    `followed` holds every path the learner follows (the exports list them all); the page
    shows the published ones and names the others (`unpublished_paths`). Dates (today, weeks,
    streaks) are in the learner's time zone."""
    follows = list(
        PathFollow.objects.filter(user=user)
        .annotate(path_weekly_hours=F("path__weekly_hours"))
        .order_by("-started_at")
    )
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
    for item in followed:
        item.pace = learner_pace(
            item.progress,
            user=user,
            started_at=item.follow.started_at,
            weekly_hours=item.follow.weekly_hours,
            path_weekly_hours=item.follow.path_weekly_hours,
        )
    zone = user.zone
    today = timezone.localdate(timezone.now(), zone)
    active_days = list(ActiveDay.objects.filter(user=user).values_list("day", flat=True))
    # Resources done by study; those completed otherwise (skipped) are counted apart.
    done = [row for row in rows if row.status in statuses.STUDIED]
    # A path set back to draft is not on the site: the page names it without a link (its page
    # would be a 404) and leaves it out of the counts; the exports still list it.
    shown = [f for f in followed if f.path.published]
    chart = weekly_activity(done, today, zone)
    active = [f for f in shown if not f.progress.complete]
    concepts = concept_states(concept_catalogue(version=version), status_by_resource)
    return {
        "concept_states": concepts,
        "what_next": what_next(concepts, [f.path for f in active]),
        "followed": followed,
        "active_paths": active,
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
        "chart": chart,
        "activity": chart.bars,
        "streaks": streaks(active_days, today),
        "time_zone": user.time_zone or "UTC",
    }


# A share token is `secrets.token_urlsafe(SHARE_TOKEN_BYTES)` (services.share_token_set): 43
# characters of the URL-safe base64 alphabet. Anything else in a /u/<token>/ link is refused
# without a query (a hostile length or character never reaches the database).
SHARE_TOKEN_BYTES = 32
SHARE_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")


def shared_progress(token: str, *, version: int) -> list[FollowedPath] | None:
    """What the public link /u/<token>/ shows: the published paths followed by the learner who
    shares under `token`, oldest follow first, each with their progress; None when no learner
    shares under it (a malformed token, without a query). Nothing else of the learner: no
    name, no notes, no pace. Three queries whatever the number of paths and of progress rows
    (two when the learner follows no published path); the paths themselves come from the
    cache (`paths_by_id`, built in five more when the catalogue has changed)."""
    if not SHARE_TOKEN.fullmatch(token):
        return None
    owner = User.objects.filter(share_token=token).only("pk").first()
    if owner is None:
        return None
    follows = list(PathFollow.objects.filter(user=owner).order_by("started_at", "pk"))
    paths = paths_by_id([follow.path_id for follow in follows], version=version)
    shown = [
        (follow, path)
        for follow in follows
        if (path := paths.get(follow.path_id)) is not None and path.published
    ]
    if not shown:
        return []
    resource_ids = {pk for _follow, path in shown for pk in path.resource_ids}
    rows = Progress.objects.filter(user=owner, resource_id__in=resource_ids).values_list(
        "resource_id", "status", "completed_at"
    )
    status_by_resource, completed_at = {}, {}
    for resource_id, status, done_at in rows:
        status_by_resource[resource_id] = status
        if done_at is not None:
            completed_at[resource_id] = done_at
    return [
        FollowedPath(follow, path, path_progress(path.stages, status_by_resource, completed_at))
        for follow, path in shown
    ]


def _aware(value: datetime | str) -> datetime:
    """A datetime as the ORM would return it: SQLite hands plain SQL naive UTC (or text)."""
    if isinstance(value, str):
        value = parse_datetime(value)
    return value if timezone.is_aware(value) else timezone.make_aware(value, UTC)
