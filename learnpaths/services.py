"""Writes that span several rows: progress, following paths, closing an account."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from learnpaths.models import LearningPath, PathFollow, Progress, ProgressStatus, Step, User
from resources.models import Resource


def progress_set(*, user: User, resource: Resource, status: str) -> Progress:
    """Set the learner's status on a resource; repeated or concurrent calls leave one row.

    `started_at` is kept from the first time the resource was started; `completed_at` from the
    first time it was done, and cleared if it is undone. Paths the learner follows that contain
    the resource are marked completed (or not) to match.
    """
    if status not in ProgressStatus.values:
        raise ValueError(f"unknown status {status!r}")
    now = timezone.now()
    with transaction.atomic():
        progress = _locked_progress(user, resource)
        progress.status = status
        if status == ProgressStatus.NOT_STARTED:
            progress.started_at = None
            progress.completed_at = None
        else:
            progress.started_at = progress.started_at or now
            if status == ProgressStatus.DONE:
                progress.completed_at = progress.completed_at or now
            else:
                progress.completed_at = None
        progress.save()
        _sync_path_completion(user=user, resource=resource, now=now)
    return progress


def _locked_progress(user: User, resource: Resource) -> Progress:
    # The row is locked so that concurrent writers queue instead of overwriting each other. If
    # two requests race to create it, the unique constraint lets exactly one win; the other
    # finds the winner's row.
    rows = Progress.objects.select_for_update()
    try:
        return rows.get(user=user, resource=resource)
    except Progress.DoesNotExist:
        pass
    try:
        with transaction.atomic():
            return Progress.objects.create(user=user, resource=resource)
    except IntegrityError:
        return rows.get(user=user, resource=resource)


def _sync_path_completion(*, user: User, resource: Resource, now) -> None:
    follows = PathFollow.objects.filter(
        user=user, path__in=Step.objects.filter(resource=resource).values("path")
    )
    for follow in follows:
        complete = path_is_complete(user=user, path_id=follow.path_id)
        if complete and follow.completed_at is None:
            follow.completed_at = now
            follow.save(update_fields=["completed_at"])
        elif not complete and follow.completed_at is not None:
            follow.completed_at = None
            follow.save(update_fields=["completed_at"])


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
