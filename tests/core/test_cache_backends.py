"""The process-local cache in front of the shared one, and the Redis backend's shared client."""

import socket
import threading

import pytest

from learnpaths.core import cache as cache_module
from learnpaths.core.cache import LocalCache


def test_the_local_cache_keeps_the_most_recently_used_entries():
    local = LocalCache(size=2, ttl=60)
    local.set("a", 1)
    local.set("b", 2)
    assert local.get("a") == 1  # "a" is now the most recently used
    local.set("c", 3)
    assert local.get("b") is None
    assert (local.get("a"), local.get("c")) == (1, 3)


def test_local_entries_expire(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(cache_module.time, "monotonic", lambda: now[0])
    local = LocalCache(size=10, ttl=300)
    local.set("path", "old copy")
    now[0] += 299
    assert local.get("path") == "old copy"
    now[0] += 2
    assert local.get("path") is None


def test_a_catalogue_change_is_seen_through_the_local_cache(client, make):
    """Pages use path structures from the process's memory: a curator's change must still show
    at once (the key holds the catalogue version)."""
    path = make.path(slug="p")
    learner = make.user()
    client.force_login(learner)
    assert "Stage 1</h2>" in client.get("/paths/p/").content.decode()
    stage = path.stages.get()
    stage.title = "Renamed"
    stage.save()
    html = client.get("/paths/p/").content.decode()
    assert "Renamed</h2>" in html and "Stage 1</h2>" not in html


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_up(), reason="needs Redis on 127.0.0.1:6379 (CI has it)")
def test_the_redis_backend_shares_one_client_between_operations_and_threads():
    from learnpaths.core.redis_cache import SharedClientRedisCache

    backend = SharedClientRedisCache(
        "redis://127.0.0.1:6379/4", {"KEY_PREFIX": f"backend-test-{threading.get_ident()}"}
    )
    backend.set("a", {"value": 1})
    backend.set_many({"b": [2], "c": "three"})
    assert backend.get("a") == {"value": 1}
    assert backend.get_many(["b", "c", "missing"]) == {"b": [2], "c": "three"}
    clients = []
    threads = [
        threading.Thread(target=lambda: clients.append(backend._cache.get_client()))
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(client) for client in clients}) == 1
    assert backend._cache.get_client() is clients[0]
    backend.delete_many(["a", "b", "c"])
    assert backend.get("a") is None
