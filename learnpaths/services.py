"""Writes that span several rows: progress, following paths, closing an account."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Case, Exists, F, OuterRef, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from learnpaths.models import LearningPath, PathFollow, Progress, ProgressStatus, Step, User
from resources.models import Resource


def progress_set(*, user: User, resource: Resource, status: str) -> None:
    """Set the learner's status on a resource; repeated or concurrent calls leave one row.

    `started_at` is kept from the first time the resource was started; `completed_at` from the
    first time it was done, and cleared if it is undone. Paths the learner follows that contain
    the resource are marked completed (or not) to match. Three queries (five the first time),
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
    with transaction.atomic():
        # One UPDATE sets the row and locks it, so concurrent writers queue instead of
        # overwriting each other; the first start and completion times are kept by COALESCE.
        row = Progress.objects.filter(user=user, resource=resource)
        values = {
            "status": status,
            "updated_at": now,
            "started_at": None if started is None else Coalesce(F("started_at"), Value(now)),
            "completed_at": None if completed is None else Coalesce(F("completed_at"), Value(now)),
        }
        if not row.update(**values):
            # No row yet. If a concurrent request inserts it first, the unique constraint
            # ignores our insert and the UPDATE, waiting for the winner's lock, applies ours.
            Progress.objects.bulk_create(
                [
                    Progress(
                        user=user,
                        resource=resource,
                        status=status,
                        started_at=started,
                        completed_at=completed,
                    )
                ],
                ignore_conflicts=True,
            )
            row.update(**values)
        _sync_path_completion(user=user, resource=resource, now=now)


def _sync_path_completion(*, user: User, resource: Resource, now) -> None:
    """Mark the learner's followed paths that contain `resource` completed or not: two queries,
    whatever the size of the paths or the catalogue.

    The follows are locked first and updated in a second statement: two requests of the same
    learner finishing the last two steps of a path at once then queue on the lock, and the
    second one's UPDATE, a new statement with a fresh snapshot under READ COMMITTED, sees the
    first one's progress, so the path cannot be left uncompleted.
    """
    follows = PathFollow.objects.filter(
        user=user, path__in=Step.objects.filter(resource=resource).values("path")
    )
    locked = list(follows.select_for_update().order_by("pk").values_list("pk", flat=True))
    if not locked:
        return
    done = Progress.objects.filter(user=user, status=ProgressStatus.DONE).values("resource")
    required = Step.objects.filter(path=OuterRef("path"), optional=False)
    PathFollow.objects.filter(pk__in=locked).update(
        completed_at=Case(
            When(
                Exists(required) & ~Exists(required.exclude(resource__in=done)),
                then=Coalesce(F("completed_at"), Value(now)),
            ),
            default=None,
        )
    )


def path_is_complete(*, user: User, path_id: int) -> bool:
    required = Step.objects.filter(path_id=path_id, optional=False)
    done = Progress.objects.filter(user=user, status=ProgressStatus.DONE).values("resource")
    return required.exists() and not required.exclude(resource__in=done).exists()


def path_follow(*, user: User, path: LearningPath) -> PathFollow:
    """Follow a path (idempotent); it counts as completed at once if its steps are all done."""
    with transaction.atomic():
        follow, created = PathFollow.objects.get_or_create(user=user, path=path)
        if created and path_is_complete(user=user, path_id=path.pk):
            follow.completed_at = timezone.now()
            follow.save(update_fields=["completed_at"])
    return follow


def path_unfollow(*, user: User, path: LearningPath) -> None:
    """Stop following a path. Progress on its resources is the learner's and stays."""
    PathFollow.objects.filter(user=user, path=path).delete()


def account_delete(*, user: User) -> None:
    """Delete the learner and everything that is theirs (progress, follows); nothing else."""
    with transaction.atomic():
        user.delete()
