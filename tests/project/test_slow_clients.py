"""gunicorn as configured (gunicorn.conf.py) keeps answering while slow clients hold
connections to it directly: connections that each send an unfinished request head, or nothing,
as many as all workers' threads but eight, do not delay an ordinary request by seconds (before:
5 s delays and timeouts; with 40 of them a worker could draw more than its threads and leave the
requests it accepted next unanswered).

A real gunicorn on a free loopback port over a throwaway SQLite file (scripts/slow_clients.py
does the same with more scenarios and prints the numbers).
"""

import importlib.util
import runpy
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("slow_clients", ROOT / "scripts/slow_clients.py")
slow_clients = importlib.util.module_from_spec(spec)
spec.loader.exec_module(slow_clients)


@pytest.fixture(scope="module")
def server():
    env = slow_clients.environment()
    slow_clients.migrate(env)
    port = slow_clients.free_port()
    process = slow_clients.start(ROOT / "gunicorn.conf.py", env, port)
    # Every worker's first request loads the URLconf and templates: on a busy machine that alone
    # can take seconds, which is not what this test is about.
    for _ in range(8):
        slow_clients.get(port, timeout=30)
    yield port
    process.terminate()
    process.wait(timeout=30)


def capacity() -> int:
    """Threads of all workers as gunicorn.conf.py sets them on this machine."""
    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    return config["workers"] * config["threads"]


@pytest.mark.parametrize("kind", ["slow", "idle"])
def test_held_connections_short_of_capacity_do_not_stall_other_requests(server, kind):
    held = slow_clients.hold(server, kind, max(capacity() - 8, 1))
    try:
        # A stalled server leaves requests unanswered for as long as the connections are held
        # (the old configuration: 15 s time-outs); the time limit is generous so that a busy
        # machine cannot fail the test, and no speed is asserted (`make bench` measures that).
        times = [slow_clients.get(server, timeout=10) for _ in range(6)]
    finally:
        for sock in held:
            sock.close()
    assert None not in times, times
