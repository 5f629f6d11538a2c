"""Writes that span several rows: progress, following paths, closing an account."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from learnpaths.models import LearningPath, PathFollow, Progress, ProgressStatus, User


def lock_learner(user: User) -> None:
    """Lock the learner's row for the rest of the transaction and raise their progress version:
    every page cached for them is stale from the commit on. Following and unfollowing start
    here (one learner's follows then queue); `progress_set` raises it after its upsert."""
    with connection.cursor() as cursor:
        cursor.execute(_RAISE_PROGRESS_VERSION.format(user=_table(User)), [user.pk])


def learners_changed(user_ids: Iterable[int]) -> None:
    """Raise these learners' progress versions (and lock their rows): their cached pages are
    stale from the commit on. For changes made elsewhere than here, such as in the admin."""
    User.objects.filter(pk__in=list(user_ids)).update(progress_version=F("progress_version") + 1)


_RAISE_PROGRESS_VERSION = "UPDATE {user} SET progress_version = progress_version + 1 WHERE id = %s"

# Insert the row or update it, in one statement that PostgreSQL and SQLite read alike (the ORM's
# bulk_create(update_conflicts=True) can only copy the new values): repeated or concurrent
# identical requests leave one row. The first start and completion times are kept (COALESCE)
# unless the new status clears them.
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


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def progress_set(*, user: User, resource_id: int, status: str) -> None:
    """Set the learner's status on a resource; repeated or concurrent calls leave one row.

    `started_at` is kept from the first time the resource was started; `completed_at` from the
    first time it was done, and cleared if it is undone. Two statements in one transaction
    (the row upserted, the learner's version raised), whatever the size of the catalogue, of
    the paths or of the learner's history: the paths the learner follows need no update, their
    completion follows from these rows.
    """
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
    # One transaction: both or neither, and one wait for the WAL flush rather than two.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            _UPSERT_PROGRESS.format(progress=_table(Progress)),
            [user.pk, resource_id, status, adapt(started), adapt(completed), adapt(now)],
        )
        cursor.execute(_RAISE_PROGRESS_VERSION.format(user=_table(User)), [user.pk])


def path_follow(*, user: User, path: LearningPath) -> PathFollow:
    """Follow a path (idempotent)."""
    with transaction.atomic():
        lock_learner(user)
        follow, _created = PathFollow.objects.get_or_create(user=user, path=path)
    return follow


def path_unfollow(*, user: User, path: LearningPath) -> None:
    """Stop following a path. Progress on its resources is the learner's and stays."""
    with transaction.atomic():
        lock_learner(user)
        PathFollow.objects.filter(user=user, path=path).delete()


def account_delete(*, user: User) -> None:
    """Delete the learner and everything that is theirs (progress, follows); nothing else."""
    with transaction.atomic():
        user.delete()
