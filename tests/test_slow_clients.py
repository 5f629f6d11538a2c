"""gunicorn as configured (gunicorn.conf.py) keeps answering while slow clients hold
connections to it directly: 40 connections that each send an unfinished request head, and 40
that send nothing, do not delay an ordinary request by seconds (before: 5 s delays and timeouts).

A real gunicorn on a free loopback port over a throwaway SQLite file (scripts/slow_clients.py
does the same with more scenarios and prints the numbers).
"""

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
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


@pytest.mark.parametrize("kind", ["slow", "idle"])
def test_forty_held_connections_do_not_stall_other_requests(server, kind):
    held = slow_clients.hold(server, kind, 40)
    try:
        # A stalled server leaves requests unanswered for as long as the connections are held
        # (the old configuration: 15 s time-outs); the time limit is generous so that a busy
        # machine cannot fail the test, and no speed is asserted (`make bench` measures that).
        times = [slow_clients.get(server, timeout=10) for _ in range(6)]
    finally:
        for sock in held:
            sock.close()
    assert None not in times, times
