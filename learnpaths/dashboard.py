"""The learner's dashboard: followed paths, their own progress, activity and exports."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from learnpaths.cache import catalogue_version
from learnpaths.models import PathFollow, Progress, ProgressStatus, User
from learnpaths.path_data import PathData, paths_by_id
from learnpaths.selectors import PathProgress, path_progress

ACTIVITY_WEEKS = 12
CHART_WIDTH, CHART_HEIGHT, CHART_GAP = 480, 120, 6


@dataclass
class FollowedPath:
    follow: PathFollow
    path: PathData
    progress: PathProgress


@dataclass
class WeekBar:
    starts_on: dt.date
    count: int
    x: float
    y: float
    width: float
    height: float


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
    statuses = {row.resource_id: row.status for row in rows}
    completed_at = {row.resource_id: row.completed_at for row in rows if row.completed_at}
    followed = [
        FollowedPath(follow, path, path_progress(path.stages, statuses, completed_at))
        for follow in follows
        if (path := paths.get(follow.path_id)) is not None
    ]
    done = [row for row in rows if row.status == ProgressStatus.DONE]
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
        "hours_studied": hours_studied(done, [item.path for item in shown]),
        "activity": weekly_activity(done, timezone.localdate()),
        "chart": {"width": CHART_WIDTH, "height": CHART_HEIGHT},
    }


def hours_studied(done: list[Progress], followed: list[PathData]) -> int:
    """A learner's hours studied, in whole estimated hours: for each resource they have done,
    the hours its step asks for in the paths they follow (the most, when several paths ask
    different amounts), else the resource's own estimate (it was done on its own, whole).

    A path page counts the same way for its own steps (`Tally.hours_done`): a learner who
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


EXPORT_FIELDS = [
    "resource",
    "title",
    "kind",
    "url",
    "status",
    "started_at",
    "completed_at",
    "updated_at",
]


def progress_export_rows(user: User) -> list[dict]:
    rows = Progress.objects.filter(user=user).select_related("resource").order_by("resource__title")
    return [
        {
            "resource": row.resource.slug,
            "title": row.resource.title,
            "kind": row.resource.kind,
            "url": row.resource.url,
            "status": row.status,
            "started_at": row.started_at.isoformat() if row.started_at else "",
            "completed_at": row.completed_at.isoformat() if row.completed_at else "",
            "updated_at": row.updated_at.isoformat(),
        }
        for row in rows
    ]


def followed_export_rows(user: User, *, version: int | None = None) -> list[dict]:
    followed = dashboard_data(user, version=version)["followed"]
    return [
        {
            "path": item.path.slug,
            "title": item.path.title,
            "started_at": item.follow.started_at.isoformat(),
            "completed_at": item.progress.completed_at.isoformat()
            if item.progress.completed_at
            else "",
        }
        for item in sorted(followed, key=lambda item: item.follow.started_at)
    ]
