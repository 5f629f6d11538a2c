from types import SimpleNamespace

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth.models import Group
from django.utils import timezone

from learnpaths.models import PathFollow, PathStatus, Progress
from resources.models import ConceptPrerequisite, ConferenceEdition, Resource, Synonym, Tag

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # These tests sign in hundreds of times; the real hasher is slow on purpose.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(make):
    """One of everything the site shows, with two learners and a curator."""
    first, second = make.concept(), make.concept()
    ConceptPrerequisite.objects.create(concept=second, prerequisite=first)
    conference = make.resource(kind="conference", tags=["deep learning"], concepts=[first])
    edition = ConferenceEdition.objects.create(
        conference=conference, year=2031, location="Vancouver"
    )
    edition.deadlines.create(kind="paper", due=timezone.now() + timezone.timedelta(days=30))
    Resource.objects.filter(pk=conference.pk).update(research_area="ml")
    workshop = make.resource(kind="workshop", concepts=[first])
    ConferenceEdition.objects.create(conference=workshop, year=2031, host=edition).deadlines.create(
        kind="abstract",
        due=timezone.now() + timezone.timedelta(days=20),
        estimated=True,
        note="First round",
    )
    path = make.path(stages=2, steps_per_stage=2, featured=True)
    path.concepts.add(first)
    draft = make.path(status=PathStatus.DRAFT)
    paper = make.resource(kind="paper", publication="preprint", arxiv_id="1706.03762")
    step = path.stages.first().steps.first()
    learner = make.user(username="learner", password=PASSWORD)
    other = make.user(username="other", password=PASSWORD)
    staff = make.user(username="curator", password=PASSWORD, is_staff=True, is_superuser=True)
    progress = Progress.objects.create(user=learner, resource=step.resource, status="in_progress")
    PathFollow.objects.create(user=learner, path=path)
    Group.objects.create(name="curators")
    Synonym.objects.create(slug="cnn", terms=["CNN", "卷积神经网络"])
    # axes' own records, so that their admin pages have something to show.
    attempt = AccessAttempt.objects.create(
        username="someone", ip_address="192.0.2.1", user_agent="ua", failures_since_start=1
    )
    AccessLog.objects.create(username="someone", ip_address="192.0.2.1", user_agent="ua")
    AccessFailureLog.objects.create(username="someone", ip_address="192.0.2.1", user_agent="ua")
    return SimpleNamespace(
        concept=first,
        resource=conference,
        workshop=workshop,
        paper=paper,
        tag=Tag.objects.get(name="deep learning"),
        path=path,
        draft=draft,
        step=step,
        learner=learner,
        other=other,
        staff=staff,
        progress=progress,
        attempt=attempt,
    )
