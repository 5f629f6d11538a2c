"""Writes that span several rows: progress, following paths and the pace on them, a learner's
time zone, closing an account."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from learnpaths import selectors, statuses
from learnpaths.models import (
    MAX_WEEKLY_HOURS,
    MIN_WEEKLY_HOURS,
    ActiveDay,
    LearningPath,
    PathFollow,
    Progress,
    User,
    validate_time_zone,
)


def progress_changed(rows: Iterable[int] | QuerySet) -> None:
    """Raise the `progress_version` of these learners (user ids, or a QuerySet of Progress or
    PathFollow rows, which becomes a subquery), which keys the pages cached for them
    (`learnpaths.core.cache.learner_page`). Every write to a learner's progress or follows
    calls it in the writing transaction (the upsert writes `_RAISE_VERSION` into its own
    statement), so that their next page shows the change. One statement; none for no ids."""
    if isinstance(rows, QuerySet):
        users = User.objects.filter(pk__in=rows.values("user_id"))
    else:
        if not (ids := sorted({int(pk) for pk in rows})):
            return
        users = User.objects.filter(pk__in=ids)
    users.update(progress_version=F("progress_version") + 1)


_RAISE_VERSION = "UPDATE {user} SET progress_version = progress_version + 1 WHERE id = %s"

# Insert the row or update it, in one statement that PostgreSQL and SQLite read alike (the ORM's
# bulk_create(update_conflicts=True) can only copy the new values): repeated or concurrent
# identical requests leave one row. Each timestamp follows the status's declared `Stamp`
# (learnpaths.statuses): SET keeps the first time (COALESCE), CLEAR empties it, KEEP leaves it.
_UPSERT_PROGRESS = """
INSERT INTO {progress} (user_id, resource_id, status, started_at, completed_at, updated_at)
VALUES (%s, %s, %s, %s, %s, %s)
ON CONFLICT (user_id, resource_id) DO UPDATE SET
    status = excluded.status,
    updated_at = excluded.updated_at,
    started_at = {started_at},
    completed_at = {completed_at}
"""
# The learner's day (in their time zone) on which they changed their progress, for their
# streaks (`ActiveDay`): one row per learner and day, however many changes that day.
_RECORD_ACTIVE_DAY = (
    "INSERT INTO {active_day} (user_id, day) VALUES (%s, %s) ON CONFLICT (user_id, day) DO NOTHING"
)
# On PostgreSQL the learner's version is raised and their day recorded in the same statement (a
# data-modifying WITH runs to completion whether or not it is read): one statement, one round
# trip, atomic.
_UPSERT_AND_RAISE = (
    "WITH raised AS (" + _RAISE_VERSION + "), active AS (" + _RECORD_ACTIVE_DAY + ")"
) + _UPSERT_PROGRESS


def _stamp_sql(table: str, column: str, stamp: statuses.Stamp) -> str:
    if stamp is statuses.Stamp.SET:
        return f"COALESCE({table}.{column}, excluded.{column})"
    if stamp is statuses.Stamp.KEEP:
        return f"{table}.{column}"
    return "NULL"


@functools.cache
def _upsert_sql(vendor: str, value: str) -> str:
    """The upsert (and on PostgreSQL the version's raise) for status `value`; built once."""
    quote = connection.ops.quote_name
    table = quote(Progress._meta.db_table)
    status = statuses.BY_VALUE[value]
    sql = _UPSERT_AND_RAISE if vendor == "postgresql" else _UPSERT_PROGRESS
    return sql.format(
        user=quote(User._meta.db_table),
        active_day=quote(ActiveDay._meta.db_table),
        progress=table,
        started_at=_stamp_sql(table, "started_at", status.started_at),
        completed_at=_stamp_sql(table, "completed_at", status.completed_at),
    )


def progress_set(*, user: User, resource_id: int, status: str) -> None:
    """Set the learner's status on a resource; repeated or concurrent calls leave one row.

    The timestamps follow the status's declaration (`learnpaths.statuses`): `started_at` is
    kept from the first time the resource was started, `completed_at` from the first time it
    was completed, and cleared when the new status says so. The learner's version is raised
    (`progress_changed`) and today, in their time zone, recorded as one of their active days
    (`ActiveDay`, for streaks) in the same transaction. One statement on PostgreSQL, whatever
    the size of the catalogue, of the paths or of the learner's history (the paths the learner
    follows need no update: their completion follows from these rows); three on SQLite, which
    has no data-modifying WITH.
    """
    statements = _upsert_progress(user, resource_id, status)
    with _atomic_unless_one(statements), connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)


def progress_set_on_path(
    *, user: User, resource_id: int, status: str, path_id: int, resource_ids: Iterable[int]
) -> selectors.LearnerPathState:
    """`progress_set`, then the learner's progress on the path's resources as it is after the
    change, and their follow of the path with its pace, for the path page the change was sent
    from. On PostgreSQL both statements go in one round trip (the driver sends them together;
    the result is the last one's): the read costs no second wait for the database. They run in
    one implicit transaction there, so the read sees the write."""
    statements = _upsert_progress(user, resource_id, status)
    read, read_params = selectors.learner_path_query(user, path_id, resource_ids)
    with _atomic_unless_one(statements), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            ((write, write_params),) = statements
            cursor.execute(f"{write};{read}", [*write_params, *read_params])
        else:  # SQLite runs one statement per call
            for sql, params in statements:
                cursor.execute(sql, params)
            cursor.execute(read, read_params)
        return selectors.learner_path_state_from(cursor.fetchall())


def _atomic_unless_one(statements: list) -> contextlib.AbstractContextManager:
    """A transaction for the upsert and the version's raise when they are two statements (they
    commit together or not at all), joining the caller's if there is one (no savepoint); none
    when they are one statement, atomic by itself, which spares PostgreSQL BEGIN and COMMIT."""
    return transaction.atomic(savepoint=False) if len(statements) > 1 else contextlib.nullcontext()


def _upsert_progress(user: User, resource_id: int, status: str) -> list[tuple[str, list]]:
    """The statements that set the status, raise the learner's version and record their active
    day, with parameters: one on PostgreSQL, three on SQLite. Every change a learner makes to
    their own progress goes through here (`progress_set`, `progress_set_on_path`); staff edits
    in the admin do not, and do not make a day of the learner's active. ValueError for an
    undeclared status."""
    declared = statuses.BY_VALUE.get(status)
    if declared is None:
        raise ValueError(f"unknown status {status!r}")
    now = timezone.now()
    adapt = connection.ops.adapt_datetimefield_value

    def stamp(rule: statuses.Stamp):
        return adapt(now) if rule is statuses.Stamp.SET else None

    vendor = connection.vendor
    upsert = [user.pk, resource_id, status, stamp(declared.started_at)]
    upsert += [stamp(declared.completed_at), adapt(now)]
    active = [user.pk, connection.ops.adapt_datefield_value(timezone.localdate(now, user.zone))]
    if vendor == "postgresql":
        return [(_upsert_sql(vendor, status), [user.pk, *active, *upsert])]
    quote = connection.ops.quote_name
    raise_version = _RAISE_VERSION.format(user=quote(User._meta.db_table))
    record_day = _RECORD_ACTIVE_DAY.format(active_day=quote(ActiveDay._meta.db_table))
    return [
        (_upsert_sql(vendor, status), upsert),
        (raise_version, [user.pk]),
        (record_day, active),
    ]


def path_follow(*, user: User, path: LearningPath) -> PathFollow:
    """Follow a path (idempotent); the learner's version is raised when the follow is new."""
    with transaction.atomic():
        follow, created = PathFollow.objects.get_or_create(user=user, path=path)
        if created:
            progress_changed([user.pk])
    return follow


def path_unfollow(*, user: User, path: LearningPath) -> None:
    """Stop following a path. Progress on its resources is the learner's and stays."""
    with transaction.atomic():
        deleted, _counts = PathFollow.objects.filter(user=user, path=path).delete()
        if deleted:
            progress_changed([user.pk])


def follow_pace_set(*, user: User, path_id: int, weekly_hours: int | None) -> bool:
    """Set the learner's hours of study per week on a path they follow (None: the path's own
    `weekly_hours` again) and raise their version. Returns False, changing nothing, when they
    do not follow the path: a learner only ever sets their own pace. ValueError for hours
    outside MIN_WEEKLY_HOURS–MAX_WEEKLY_HOURS. Two statements."""
    if weekly_hours is not None and not MIN_WEEKLY_HOURS <= weekly_hours <= MAX_WEEKLY_HOURS:
        raise ValueError(f"weekly hours out of range: {weekly_hours!r}")
    with transaction.atomic():
        changed = PathFollow.objects.filter(user=user, path_id=path_id).update(
            weekly_hours=weekly_hours
        )
        if changed:
            progress_changed([user.pk])
    return bool(changed)


def user_time_zone_set(*, user: User, time_zone: str) -> None:
    """Set the learner's time zone (an IANA name, "" for UTC) and raise their version: their
    pages show dates, the weekly chart and streaks in it. Days already recorded as active keep
    the date they had. ValidationError for a name that is not a time zone, changing nothing.
    Two statements."""
    validate_time_zone(time_zone)
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(time_zone=time_zone)
        progress_changed([user.pk])
    user.time_zone = time_zone


def account_delete(*, user: User) -> None:
    """Delete the learner and everything that is theirs (progress, follows); nothing else."""
    with transaction.atomic():
        # The row goes with its version, but the rule stays without exception: whatever
        # writes a learner's progress raises their version.
        progress_changed([user.pk])
        user.delete()
