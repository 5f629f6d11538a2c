"""Does the app keep serving while idle or slow clients hold connections to gunicorn directly?

Starts gunicorn (gunicorn.conf.py, or --config) on 127.0.0.1 over a fresh SQLite file under
var/slow-clients/, then for each scenario opens N connections that send nothing ("idle") or
an unfinished request head ("slow", as a slowloris client does), and times a few ordinary
requests (GET /healthz, a new connection each) while they are held. Prints one line per
scenario: the slowest and median time of those requests, or how many timed out.

Bounded: loopback only, at most --max-connections held connections, --timeout seconds per
request. Exits non-zero if any request took longer than --limit seconds.
  python scripts/slow_clients.py                       # the repository's gunicorn.conf.py
  python scripts/slow_clients.py --config old.conf.py  # to compare with another setup
"""

from __future__ import annotations

import argparse
import http.client
import os
import secrets
import shutil
import socket
import statistics
import subprocess  # nosec B404 - starts manage.py and gunicorn, fixed command lines
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
WORK_DIR = BASE_DIR / "var" / "slow-clients"
HOST = "127.0.0.1"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", type=Path, default=BASE_DIR / "gunicorn.conf.py")
    parser.add_argument(
        "--scenarios",
        default="idle:2,idle:40,slow:2,slow:40",
        help="kind:count,… with kind idle or slow (default %(default)s)",
    )
    parser.add_argument("--requests", type=int, default=5, help="timed requests per scenario")
    parser.add_argument("--timeout", type=float, default=15.0, help="seconds per request")
    parser.add_argument("--limit", type=float, default=1.0, help="slowest acceptable, seconds")
    parser.add_argument("--max-connections", type=int, default=200)
    return parser.parse_args()


def environment() -> dict[str, str]:
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    for leftover in WORK_DIR.glob("db.sqlite3*"):
        leftover.unlink()
    env = dict(os.environ)
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS=HOST,
        SECURE_SSL_REDIRECT="0",
        DATABASE_URL=f"sqlite:///{WORK_DIR / 'db.sqlite3'}",
        # Production serves hashed static files from a manifest: `migrate` builds one here.
        STATIC_ROOT=str(WORK_DIR / "static"),
        LOG_LEVEL="WARNING",
        GUNICORN_ACCESS_LOG="",
    )
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def get(port: int, timeout: float) -> float | None:
    """Seconds for one GET /healthz on a new connection; None if it failed or timed out."""
    start = time.monotonic()
    try:
        connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
        connection.request("GET", "/healthz")
        ok = connection.getresponse().status == 200
        connection.close()
    except OSError:
        return None
    return time.monotonic() - start if ok else None


def start(config: Path, env: dict[str, str], port: int) -> subprocess.Popen:
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    log = (WORK_DIR / "gunicorn.log").open("w", encoding="utf-8")
    server = subprocess.Popen(  # noqa: S603  # nosec B603 - fixed command line
        [gunicorn, "--config", str(config), "--bind", f"{HOST}:{port}",
         "learnpaths.wsgi:application"],
        cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited at start-up; see {WORK_DIR / 'gunicorn.log'}")
        if get(port, 2) is not None:
            return server
        time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn did not answer /healthz within 30 s")


def hold(port: int, kind: str, count: int) -> list[socket.socket]:
    held = []
    for _ in range(count):
        sock = socket.create_connection((HOST, port), timeout=5)
        if kind == "slow":  # a request head that never ends
            sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        held.append(sock)
    return held


def migrate(env: dict[str, str]) -> None:
    """Prepare the site as a deploy would: migrate the database, collect the static files."""
    for command in ("migrate", "collectstatic"):
        subprocess.run(  # noqa: S603  # nosec B603 - our own interpreter and manage.py
            [sys.executable, "manage.py", command, "--noinput", "-v0"],
            cwd=BASE_DIR, env=env, check=True,
        )  # fmt: skip


def main() -> int:
    args = parse_args()
    env = environment()
    migrate(env)
    port = free_port()
    server = start(args.config, env, port)
    worst = 0.0
    try:
        print(f"gunicorn -c {args.config.name} on {HOST}:{port}; {args.requests} requests each")
        baseline = [get(port, args.timeout) for _ in range(args.requests)]
        print(f"  {'none':>10}: slowest {max(t or 0 for t in baseline):.3f} s")
        for scenario in args.scenarios.split(","):
            kind, _, count = scenario.partition(":")
            count = min(int(count), args.max_connections)
            held = hold(port, kind, count)
            time.sleep(0.3)  # let the workers accept them
            times = [get(port, args.timeout) for _ in range(args.requests)]
            for sock in held:
                sock.close()
            done = [t for t in times if t is not None]
            failed = len(times) - len(done)
            worst = max(worst, *(done or [0]), args.timeout if failed else 0)
            summary = "no answer"
            if done:
                summary = f"slowest {max(done):.3f} s, median {statistics.median(done):.3f} s"
            if failed:
                summary += f", {failed} of {len(times)} timed out ({args.timeout:g} s)"
            print(f"  {kind + ' ' + str(count):>10}: {summary}")
            time.sleep(1)
    finally:
        server.terminate()
        server.wait(timeout=30)
    return 0 if worst <= args.limit else 1


if __name__ == "__main__":
    sys.exit(main())
