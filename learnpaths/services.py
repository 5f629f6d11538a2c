"""Writes that span several rows: progress, following paths, closing an account."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, transaction
from django.utils import timezone

from learnpaths import selectors
from learnpaths.models import LearningPath, PathFollow, Progress, ProgressStatus, User

# Insert the row or update it, in one statement that PostgreSQL and SQLite read alike (the ORM's
# bulk_create(update_conflicts=True) can only copy the new values): repeated or concurrent
# identical requests leave one row. The first start and completion times are kept (COALESCE)
# unless the new status clears them. The database's trigger raises the learner's
# progress_version in the same statement (migration 0007), which makes their cached pages stale.
_UPSERT_PROGRESS = """
INSERT INTO {progress} (user_id, resource_id, status, started_at, completed_at, updated_at)
VALUES (%s, %s, %s, %s, %s, %s)
ON CONFLICT (user_id, resource_id) DO UPDATE SET
    status = excluded.status,
    updated_at = excluded.updated_at,
    started_at = CASE WHEN excluded.started_at IS NULL THEN NULL
                      ELSE COALESCE({progress}.started_at, excluded.started_at) END,
    completed_at = CASE WHEN excluded.completed_at IS NULL THEN NULL
                        ELSE COALESCE({progress}.completed_at, excluded.completed_at) END
"""


def progress_set(*, user: User, resource_id: int, status: str) -> None:
    """Set the learner's status on a resource; repeated or concurrent calls leave one row.

    `started_at` is kept from the first time the resource was started; `completed_at` from the
    first time it was done, and cleared if it is undone. One statement, whatever the size of the
    catalogue, of the paths or of the learner's history: the paths the learner follows need no
    update (their completion follows from these rows), and the learner's version is raised by
    the database's trigger.
    """
    with connection.cursor() as cursor:
        cursor.execute(*_upsert_progress(user, resource_id, status))


def progress_set_on_path(
    *, user: User, resource_id: int, status: str, path_id: int, resource_ids: Iterable[int]
) -> selectors.LearnerPathState:
    """`progress_set`, then the learner's progress on the path's resources as it is after the
    change, for the path page the change was sent from. On PostgreSQL both statements go in
    one round trip (the driver sends them together; the result is the last one's): the read
    costs no second wait for the database. They run in one implicit transaction there, so the
    read sees the write."""
    write, write_params = _upsert_progress(user, resource_id, status)
    read, read_params = selectors.learner_path_query(user, path_id, resource_ids, following=False)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"{write};{read}", [*write_params, *read_params])
        else:  # SQLite runs one statement per call
            cursor.execute(write, write_params)
            cursor.execute(read, read_params)
        return selectors.learner_path_state_from(cursor.fetchall())


def _upsert_progress(user: User, resource_id: int, status: str) -> tuple[str, list]:
    if status not in ProgressStatus.values:
        raise ValueError(f"unknown status {status!r}")
    now = timezone.now()
    if status == ProgressStatus.NOT_STARTED:
        started, completed = None, None
    elif status == ProgressStatus.DONE:
        started, completed = now, now
    else:
        started, completed = now, None
    adapt = connection.ops.adapt_datetimefield_value
    return (
        _UPSERT_PROGRESS.format(progress=connection.ops.quote_name(Progress._meta.db_table)),
        [user.pk, resource_id, status, adapt(started), adapt(completed), adapt(now)],
    )


def path_follow(*, user: User, path: LearningPath) -> PathFollow:
    """Follow a path (idempotent)."""
    follow, _created = PathFollow.objects.get_or_create(user=user, path=path)
    return follow


def path_unfollow(*, user: User, path: LearningPath) -> None:
    """Stop following a path. Progress on its resources is the learner's and stays."""
    PathFollow.objects.filter(user=user, path=path).delete()


def account_delete(*, user: User) -> None:
    """Delete the learner and everything that is theirs (progress, follows); nothing else."""
    with transaction.atomic():
        user.delete()
