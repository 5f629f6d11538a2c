"""Writes that span several rows: progress, following paths, notes, closing an account."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from learnpaths import selectors, statuses
from learnpaths.models import LearningPath, Note, PathFollow, Progress, User


def progress_changed(rows: Iterable[int] | QuerySet) -> None:
    """Raise the `progress_version` of these learners (user ids, or a QuerySet of Progress or
    PathFollow rows, which becomes a subquery), which keys the pages cached for them
    (`learnpaths.core.cache.learner_page`). Every write to a learner's progress, follows or
    notes calls it in the writing transaction (the upsert writes `_RAISE_VERSION` into its own
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
# On PostgreSQL the learner's version is raised in the same statement (a data-modifying WITH
# runs to completion whether or not it is read): one statement, one round trip, atomic.
_UPSERT_AND_RAISE = "WITH raised AS (" + _RAISE_VERSION + ")" + _UPSERT_PROGRESS


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
        progress=table,
        started_at=_stamp_sql(table, "started_at", status.started_at),
        completed_at=_stamp_sql(table, "completed_at", status.completed_at),
    )


def progress_set(*, user: User, resource_id: int, status: str) -> None:
    """Set the learner's status on a resource; repeated or concurrent calls leave one row.

    The timestamps follow the status's declaration (`learnpaths.statuses`): `started_at` is
    kept from the first time the resource was started, `completed_at` from the first time it
    was completed, and cleared when the new status says so. The learner's version is raised
    in the same transaction (`progress_changed`). One statement on PostgreSQL, whatever the
    size of the catalogue, of the paths or of the learner's history (the paths the learner
    follows need no update: their completion follows from these rows); two on SQLite, which
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
    change, for the path page the change was sent from. On PostgreSQL both statements go in
    one round trip (the driver sends them together; the result is the last one's): the read
    costs no second wait for the database. They run in one implicit transaction there, so the
    read sees the write."""
    statements = _upsert_progress(user, resource_id, status)
    read, read_params = selectors.learner_path_query(user, path_id, resource_ids, following=False)
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
    """The statements that set the status and raise the learner's version, with parameters:
    one on PostgreSQL, two on SQLite. ValueError for an undeclared status."""
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
    if vendor == "postgresql":
        return [(_upsert_sql(vendor, status), [user.pk, *upsert])]
    raise_version = _RAISE_VERSION.format(user=connection.ops.quote_name(User._meta.db_table))
    return [(_upsert_sql(vendor, status), upsert), (raise_version, [user.pk])]


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


def note_save(*, user: User, resource_id: int, body: str) -> Note | None:
    """Write the learner's note on a resource: create it or replace its text (one note per
    learner and resource; concurrent saves leave one row, the last text). A `body` of
    whitespace only deletes the note instead (`note_delete`) and returns None. The text is
    rendered and sanitised by `Note.save`; its length is the caller's to check (`NoteForm`:
    the database's own check comes too late for a form error). The learner's version is
    raised in the same transaction, so that every page of theirs shows the change at once."""
    if not body.strip():
        note_delete(user=user, resource_id=resource_id)
        return None
    with transaction.atomic():
        # Not update_or_create: it saves only the fields it was given, and `Note.save` writes
        # the rendered HTML too. get_or_create takes care of a concurrent first save.
        note, created = Note.objects.select_for_update().get_or_create(
            user=user, resource_id=resource_id, defaults={"body": body}
        )
        if not created:
            note.body = body
            note.save()
        progress_changed([user.pk])
    return note


def note_delete(*, user: User, resource_id: int) -> None:
    """Delete the learner's note on a resource, if they have one (idempotent); their version
    is raised when one was deleted."""
    with transaction.atomic():
        deleted, _counts = Note.objects.filter(user=user, resource_id=resource_id).delete()
        if deleted:
            progress_changed([user.pk])


def account_delete(*, user: User) -> None:
    """Delete the learner and everything that is theirs (progress, follows, notes); nothing
    else."""
    with transaction.atomic():
        # The row goes with its version, but the rule stays without exception: whatever
        # writes a learner's progress raises their version.
        progress_changed([user.pk])
        user.delete()
