"""The database raises a learner's progress_version on every write to their progress or follows,
whoever makes it: pages cached for the learner are keyed by it."""

from learnpaths.models import PathFollow, Progress, User


def version(user) -> int:
    return User.objects.values_list("progress_version", flat=True).get(pk=user.pk)


def test_every_write_to_progress_or_follows_raises_the_learners_version(make):
    ada, bob = make.user(), make.user()
    resource = make.resource()
    path = make.path()
    writes = [
        lambda: Progress.objects.create(user=ada, resource=resource, status="in_progress"),
        lambda: Progress.objects.filter(user=ada).update(status="not_started"),
        lambda: Progress.objects.filter(user=ada).delete(),
        lambda: PathFollow.objects.create(user=ada, path=path),
        lambda: PathFollow.objects.filter(user=ada).delete(),
    ]
    for write in writes:
        before = version(ada), version(bob)
        write()
        assert version(ada) > before[0], write
        assert version(bob) == before[1]  # another learner's pages stay cached


def test_a_row_moved_to_another_learner_raises_both_versions(make):
    ada, bob = make.user(), make.user()
    Progress.objects.create(user=ada, resource=make.resource(), status="in_progress")
    before = version(ada), version(bob)
    Progress.objects.filter(user=ada).update(user=bob)
    assert version(ada) > before[0] and version(bob) > before[1]


def test_saving_a_user_never_writes_back_an_older_version(make):
    ada = make.user()
    stale = User.objects.get(pk=ada.pk)  # loaded before the learner's next change
    Progress.objects.create(user=ada, resource=make.resource(), status="in_progress")
    raised = version(ada)
    stale.set_password("a new long passphrase")
    stale.save()  # a whole-row save, as a password change or the admin makes
    assert version(ada) == raised
    assert User.objects.get(pk=ada.pk).check_password("a new long passphrase")
