import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from django.test.client import ClientHandler
from django.utils import translation

from learnpaths.core.cache import local_cache
from tests import factories
from tests._migrations import migrate


def pytest_collection_modifyitems(items):
    """In each module, the tests on the seeded catalogue (`curated_catalogue`) after the others,
    each group in its written order: the seed then lasts from the first of them to the end of
    the module, and no test that expects its own data only runs inside it."""
    module_rank: dict[str, int] = {}
    for item in items:
        module_rank.setdefault(item.nodeid.split("::")[0], len(module_rank))
    order = {id(item): index for index, item in enumerate(items)}
    items.sort(
        key=lambda item: (
            module_rank[item.nodeid.split("::")[0]],
            "curated_catalogue" in item.fixturenames,
            order[id(item)],
        )
    )


@pytest.fixture(scope="module")
def curated_catalogue(django_db_setup, django_db_blocker):
    """The curated catalogue (`manage.py seed`), seeded once for a module's tests and rolled
    back after the module's last test: a seed of the whole catalogue takes about 20 s, and most
    modules that need it read it from many tests.

    Each test still runs in its own savepoint (the `db` fixture nests inside this transaction),
    so what one test writes is gone for the next. Request it through a function fixture that
    also requests `db` (each module's `curated`). Not for transactional tests (the browser
    tests), which commit and flush. The tests that ask for it run last in their module
    (`pytest_collection_modifyitems`), so the others never see the catalogue."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed", verbosity=0)
        yield
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _empty_cache():
    # The database rolls back after each test but the cache does not: a fragment cached under
    # catalogue version N in one test must not be served in the next, whose version is N again.
    cache.clear()
    local_cache.clear()


@pytest.fixture(autouse=True)
def _default_language(monkeypatch):
    # A request leaves its language active in the thread (LocaleMiddleware does not reset it),
    # and the test client runs requests in the test's thread: each test starts in the default
    # language, like a new process, and keeps its own language across the requests it makes
    # (a `reverse()` after a request to /zh-hans/ would otherwise give a Chinese URL).
    handle = ClientHandler.__call__

    def keeping_the_tests_language(self, environ):
        language = translation.get_language()
        try:
            return handle(self, environ)
        finally:
            translation.activate(language)

    monkeypatch.setattr(ClientHandler, "__call__", keeping_the_tests_language)
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    # Tests render templates without running collectstatic first.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


class Make:
    """The `make` fixture: short calls over tests/factories.py, each saving a new, valid row.

    `make.concept(**fields)`, `make.resource(tags=(), concepts=(), **fields)`,
    `make.path(stages=1, steps_per_stage=1, **fields)` (each step a new resource),
    `make.user(username=None, **fields)` (password `factories.PASSWORD` unless given).
    `counter` counts the calls, for tests that want a fresh number of their own.
    """

    def __init__(self):
        self.counter = 0

    def _count(self):
        self.counter += 1

    def concept(self, **fields):
        self._count()
        return factories.ConceptFactory(**fields)

    def resource(self, tags=(), concepts=(), **fields):
        self._count()
        return factories.ResourceFactory(tags=list(tags), concepts=list(concepts), **fields)

    def path(self, stages=1, steps_per_stage=1, **fields):
        self._count()
        return factories.PathFactory(
            stages=stages, stages__steps_per_stage=steps_per_stage, **fields
        )

    def user(self, username=None, **fields):
        self._count()
        if username is not None:
            fields["username"] = username
        return factories.UserFactory(**fields)


@pytest.fixture
def make(db):
    return Make()


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
