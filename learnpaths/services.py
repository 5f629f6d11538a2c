"""Writes that span several rows: progress, following paths, closing an account."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from learnpaths.models import LearningPath, PathFollow, Progress, ProgressStatus, Step, User


def lock_learner(user: User) -> None:
    """Lock the learner's row for the rest of the transaction and raise their progress version.

    Every write to a learner's progress or follows starts here: their writes queue one after
    the other (each then sees the previous one's rows), and every page cached for them is
    stale from the commit on.
    """
    learners_changed([user.pk])


def learners_changed(user_ids: Iterable[int]) -> None:
    """Raise these learners' progress versions (and lock their rows): their cached pages are
    stale from the commit on. For changes made elsewhere than here, such as in the admin."""
    User.objects.filter(pk__in=list(user_ids)).update(progress_version=F("progress_version") + 1)


# The two statements of a status change, in SQL that PostgreSQL and SQLite read alike: they run
# on every click, and building them with the ORM (a conditional upsert the ORM cannot express;
# nested EXISTS subqueries) cost more CPU than the database spends on them.
#
# Insert the row or update it: repeated or concurrent identical requests leave one row. The
# first start and completion times are kept (COALESCE) unless the new status clears them.
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
# The learner's followed paths that contain the resource are completed (keeping the first
# completion time) when they have required steps and every one is done, else not completed.
_SYNC_PATH_COMPLETION = """
UPDATE {follow} SET completed_at = CASE
    WHEN EXISTS (SELECT 1 FROM {step} s WHERE s.path_id = {follow}.path_id AND NOT s.optional)
     AND NOT EXISTS (
        SELECT 1 FROM {step} s
        WHERE s.path_id = {follow}.path_id AND NOT s.optional AND NOT EXISTS (
            SELECT 1 FROM {progress} p
            WHERE p.user_id = %s AND p.resource_id = s.resource_id AND p.status = %s))
    THEN COALESCE(completed_at, %s)
    ELSE NULL END
WHERE user_id = %s AND path_id IN (SELECT path_id FROM {step} WHERE resource_id = %s)
"""


def _sql(template: str) -> str:
    quote = connection.ops.quote_name
    return template.format(
        progress=quote(Progress._meta.db_table),
        follow=quote(PathFollow._meta.db_table),
        step=quote(Step._meta.db_table),
    )


def progress_set(*, user: User, resource_id: int, status: str) -> None:
    """Set the learner's status on a resource; repeated or concurrent calls leave one row.

    `started_at` is kept from the first time the resource was started; `completed_at` from the
    first time it was done, and cleared if it is undone. Paths the learner follows that contain
    the resource are marked completed (or not) to match. Three statements in one transaction,
    whatever the size of the catalogue, of the paths or of the learner's history.
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
    with transaction.atomic():
        # Two requests of the learner finishing the last two steps of a path at once queue
        # here; the second one's statements, each with a fresh snapshot under READ COMMITTED,
        # see the first one's progress, so the path cannot be left uncompleted.
        lock_learner(user)
        with connection.cursor() as cursor:
            cursor.execute(
                _sql(_UPSERT_PROGRESS),
                [user.pk, resource_id, status, adapt(started), adapt(completed), adapt(now)],
            )
            cursor.execute(
                _sql(_SYNC_PATH_COMPLETION),
                [user.pk, ProgressStatus.DONE, adapt(now), user.pk, resource_id],
            )


def path_is_complete(*, user: User, path_id: int) -> bool:
    required = Step.objects.filter(path_id=path_id, optional=False)
    done = Progress.objects.filter(user=user, status=ProgressStatus.DONE).values("resource")
    return required.exists() and not required.exclude(resource__in=done).exists()


def path_follow(*, user: User, path: LearningPath) -> PathFollow:
    """Follow a path (idempotent); it counts as completed at once if its steps are all done."""
    with transaction.atomic():
        lock_learner(user)
        follow, created = PathFollow.objects.get_or_create(user=user, path=path)
        if created and path_is_complete(user=user, path_id=path.pk):
            follow.completed_at = timezone.now()
            follow.save(update_fields=["completed_at"])
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
