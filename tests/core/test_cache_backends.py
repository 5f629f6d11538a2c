"""The cache's keys and versions (learnpaths.core.cache), the process-local layer in front of the
shared cache, and the Redis backend (django-redis) as configured for production."""

import socket
import threading

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import translation

from learnpaths.core import cache as cache_module
from learnpaths.core.cache import cache_key, cached, local_cache


def test_a_key_holds_the_name_the_language_and_the_parts_and_no_version():
    with translation.override("en"):
        english = cache_key("page", "/paths/p/", "q=deep learning")
    with translation.override("zh-hans"):
        chinese = cache_key("page", "/paths/p/", "q=deep learning")
    assert english == "page:en:%2Fpaths%2Fp%2F:q%3Ddeep%20learning"
    assert chinese == "page:zh-hans:%2Fpaths%2Fp%2F:q%3Ddeep%20learning"
    assert cache_key("path-id", "p", localised=False) == "path-id:-:p"
    assert " " not in english


def test_long_keys_are_shortened_to_a_digest_of_their_parts():
    key = cache_key("page", "x" * 1000)
    assert key.startswith("page:en:#") and len(key) < 80
    assert cache_key("page", "x" * 999 + "y") != key


def test_two_languages_make_two_entries(make):
    built = []

    def build():
        built.append(translation.get_language())
        return f"text in {translation.get_language()}"

    for language in ("en", "zh-hans", "en", "zh-hans"):
        with translation.override(language):
            assert cached("fragment", 1, version=7, build=build) == f"text in {language}"
    assert built == ["en", "zh-hans"]  # each built once, each served in its own language


def test_values_are_stored_under_djangos_version_argument():
    cached("fragment", 1, version=7, build=lambda: "seven")
    key = cache_key("fragment", 1)
    assert cache.get(key, version=7) == "seven"
    assert cache.get(key, version=8) is None and cache.get(key) is None
    # A new version builds again; the old entry is not touched (it expires).
    assert cached("fragment", 1, version=8, build=lambda: "eight") == "eight"
    assert cache.get(key, version=7) == "seven"


def test_the_local_layer_serves_what_it_holds_without_the_shared_cache():
    assert cached("ids", "p", version=3, build=lambda: 41, local=True, localised=False) == 41
    cache.clear()  # gone from the shared cache, still in this process's copy
    assert cached("ids", "p", version=3, build=lambda: 42, local=True, localised=False) == 41
    # Another version is another entry, locally too.
    assert cached("ids", "p", version=4, build=lambda: 43, local=True, localised=False) == 43


def test_local_entries_expire(monkeypatch):
    now = [1000.0]
    local = type(local_cache)(maxsize=10, ttl=300, timer=lambda: now[0])
    monkeypatch.setattr(cache_module, "local_cache", local)
    cached("ids", "p", version=1, build=lambda: "old copy", local=True, localised=False)
    cache.clear()
    now[0] += 299
    assert (
        cached("ids", "p", version=1, build=lambda: "new", local=True, localised=False)
        == "old copy"
    )
    now[0] += 2
    cache.clear()
    assert cached("ids", "p", version=1, build=lambda: "new", local=True, localised=False) == "new"


def test_a_catalogue_change_is_seen_through_the_local_cache(client, make):
    """Pages use path structures from the process's memory: a curator's change must still show
    at once (the key holds the catalogue version)."""
    path = make.path(slug="p")
    learner = make.user()
    client.force_login(learner)
    assert "Stage 1</h2>" in client.get("/en/paths/p/").content.decode()
    stage = path.stages.get()
    stage.title = "Renamed"
    stage.save()
    html = client.get("/en/paths/p/").content.decode()
    assert "Renamed</h2>" in html and "Stage 1</h2>" not in html


def test_pages_are_stored_once_per_language(make):
    """The language of the request (its URL's prefix) is in the page's key, so a page rendered
    in one language is never served in another."""
    make.resource(slug="r", title="Deep learning")
    client = Client()
    client.get("/en/resources/r/")
    client.get("/zh-hans/resources/r/")
    keys = [key for key in cache._cache if ":page.v3:" in key and "resource" in key]
    assert len(keys) == 2
    assert {":page.v3:en:" in key for key in keys} == {True, False}
    assert any(":page.v3:zh-hans:" in key for key in keys)


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_up(), reason="needs Redis on 127.0.0.1:6379 (CI has it)")
def test_the_redis_backend_keeps_one_client_and_honours_versions(settings):
    from django_redis.cache import RedisCache

    backend = RedisCache(
        "redis://127.0.0.1:6379/4", {"KEY_PREFIX": f"backend-test-{threading.get_ident()}"}
    )
    backend.set("a", {"value": 1}, version=2)
    backend.set_many({"b": [2], "c": "three"}, version=2)
    assert backend.get("a", version=2) == {"value": 1}
    assert backend.get("a", version=3) is None
    assert backend.get_many(["b", "c", "missing"], version=2) == {"b": [2], "c": "three"}
    clients = []
    threads = [
        threading.Thread(target=lambda: clients.append(backend.client.get_client()))
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(client) for client in clients}) == 1  # not one per operation or thread
    backend.delete_many(["a", "b", "c"], version=2)
    assert backend.get("a", version=2) is None
