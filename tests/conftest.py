import pytest
from django.core.cache import cache

from learnpaths.core.cache import local_cache
from learnpaths.models import LearningPath, PathStatus, Stage, Step, User
from resources.models import Concept, Resource
from tests._migrations import migrate


@pytest.fixture(autouse=True)
def _empty_cache():
    # The database rolls back after each test but the cache does not: a fragment cached under
    # catalogue version N in one test must not be served in the next, whose version is N again.
    cache.clear()
    local_cache.clear()


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    # Tests render templates without running collectstatic first.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


class Factory:
    """Small builders for catalogue rows; each call makes a new, valid object."""

    def __init__(self):
        self.counter = 0

    def _next(self):
        self.counter += 1
        return self.counter

    def concept(self, **fields):
        n = self._next()
        defaults = {
            "name": f"Concept {n}",
            "slug": f"concept-{n}",
            "name_zh": f"概念{n}",
            "area": "foundations",
            "summary": f"Summary of concept {n}.",
        }
        return Concept.objects.create(**{**defaults, **fields})

    def resource(self, tags=(), concepts=(), **fields):
        n = self._next()
        defaults = {
            "title": f"Resource {n}",
            "slug": f"resource-{n}",
            "kind": "book",
            "url": f"https://example.org/{n}",
            "year": 2000 + n % 25,
            "estimated_hours": 5,
        }
        resource = Resource.objects.create(**{**defaults, **fields})
        if tags:
            resource.tags.add(*tags)
        if concepts:
            resource.concepts.add(*concepts)
        return resource

    def path(self, stages=1, steps_per_stage=1, **fields):
        n = self._next()
        defaults = {
            "title": f"Path {n}",
            "slug": f"path-{n}",
            "summary": "A path.",
            "status": PathStatus.PUBLISHED,
        }
        path = LearningPath.objects.create(**{**defaults, **fields})
        for s in range(1, stages + 1):
            stage = Stage.objects.create(path=path, position=s, title=f"Stage {s}", goal="Goal.")
            for t in range(1, steps_per_stage + 1):
                Step.objects.create(stage=stage, position=t, resource=self.resource(), note="Why.")
        return path

    def user(self, username=None, **fields):
        n = self._next()
        return User.objects.create_user(
            username=username or f"learner{n}",
            email=fields.pop("email", f"learner{n}@example.org"),
            password=fields.pop("password", "correct horse battery staple"),
            **fields,
        )


@pytest.fixture
def make(db):
    return Factory()


@pytest.fixture
def staff_client(client, make):
    curator = make.user(username="curator", is_staff=True, is_superuser=True)
    client.force_login(curator)
    return client


@pytest.fixture
def back_to_latest(transactional_db):
    """For tests of data migrations (`tests._migrations.migrate`): the database is migrated back
    to the latest migrations after the test."""
    yield
    migrate()
