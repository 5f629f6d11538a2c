"""Load smoke test: gunicorn on loopback under mixed reads and progress writes (`make loadtest`).

It starts the site as in production (DEBUG off, whitenoise, gunicorn.conf.py when the repository
has one) on a fresh SQLite file under var/loadtest/ (or DATABASE_URL if set), signs in a few
learners and, for a bounded time and number of requests, browses the public pages while the
learners change their progress with their CSRF tokens. Then it checks:

- no response was a 5xx and no request failed;
- no write was lost: for every learner and resource, the last status the server acknowledged
  (302) is the one in the database.

It prints a summary table and exits non-zero on any failure. Only 127.0.0.1 is ever contacted.
Not part of `make test`: it takes about a minute and needs free CPU.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess  # nosec B404 - starts manage.py and gunicorn, fixed command lines
import sys
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

BASE_DIR = Path(__file__).resolve().parent.parent
WORK_DIR = BASE_DIR / "var" / "loadtest"
HOST = "127.0.0.1"
STATUSES = ("not_started", "in_progress", "done")
# The load's choices (pages, learners, statuses); seeded by --seed to replay a run.
RNG = random.Random()  # noqa: S311  # nosec B311 - picks a load pattern, nothing secret
# Reuse a kept-alive connection only if it has been idle for less than this (seconds).
IDLE_RECONNECT = 1.0
TOKEN_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=30, help="seconds of load (default 30)")
    parser.add_argument("--threads", type=int, default=16, help="concurrent clients (default 16)")
    parser.add_argument("--learners", type=int, default=16, help="signed-in learners")
    parser.add_argument(
        "--max-requests", type=int, default=50_000, help="upper bound on requests (default 50000)"
    )
    parser.add_argument(
        "--write-share", type=float, default=0.3, help="share of progress writes (default 0.3)"
    )
    parser.add_argument("--seed", type=int, help="seed for the load's random choices")
    return parser.parse_args()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def environment(port: int) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),  # throwaway: sessions die with the run
        ALLOWED_HOSTS=HOST,
        SECURE_SSL_REDIRECT="0",
        CSRF_TRUSTED_ORIGINS=f"https://{HOST}:{port}",
        DJANGO_SETTINGS_MODULE="learnpaths.settings",
        LOG_LEVEL=env.get("LOG_LEVEL", "WARNING"),
    )
    if not env.get("DATABASE_URL"):
        database = WORK_DIR / "loadtest.sqlite3"
        for leftover in WORK_DIR.glob("loadtest.sqlite3*"):
            leftover.unlink()
        env["DATABASE_URL"] = f"sqlite:///{database}"
    return env


def manage(env: dict[str, str], *args: str) -> None:
    log = WORK_DIR / "setup.log"
    with log.open("a", encoding="utf-8") as output:
        subprocess.run(  # noqa: S603  # nosec B603 - our own interpreter and manage.py
            [sys.executable, "manage.py", *args],
            cwd=BASE_DIR,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            check=True,
        )


# -- the server ---------------------------------------------------------------------------------
def start_gunicorn(env: dict[str, str], port: int) -> subprocess.Popen:
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    command = [gunicorn, "learnpaths.wsgi:application", "--bind", f"{HOST}:{port}"]
    if (BASE_DIR / "gunicorn.conf.py").exists():
        command += ["--config", str(BASE_DIR / "gunicorn.conf.py")]
    else:
        command += ["--workers", "4", "--threads", "4", "--worker-class", "gthread"]
    log = (WORK_DIR / "gunicorn.log").open("w", encoding="utf-8")
    server = subprocess.Popen(  # noqa: S603  # nosec B603 - fixed command line
        command, cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited at start-up; see {WORK_DIR / 'gunicorn.log'}")
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=2)
            connection.request("GET", "/healthz", headers={"X-Forwarded-Proto": "https"})
            if connection.getresponse().status == 200:
                return server
        except OSError:
            pass
        time.sleep(0.2)
    stop(server)
    raise SystemExit("gunicorn did not answer /healthz within 30 s")


def stop(server: subprocess.Popen) -> None:
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


# -- a browser, minimal -------------------------------------------------------------------------
class Browser:
    """Keeps its cookies and talks to the site as if through the TLS proxy."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.connection = http.client.HTTPConnection(HOST, port, timeout=30)
        self.last_used = 0.0
        self.reconnects = 0

    def request(self, method: str, url: str, data: dict | None = None):
        headers = {
            "Host": f"{HOST}:{self.port}",
            "X-Forwarded-Proto": "https",  # what the proxy adds in production
            "User-Agent": "learnpaths-loadtest",
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urlencode(data)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = f"https://{HOST}:{self.port}"
            headers["Referer"] = f"https://{HOST}:{self.port}{url}"
        if time.monotonic() - self.last_used > IDLE_RECONNECT:
            self.connection.close()  # the server has likely dropped it (keep-alive timeout)
        reused = self.connection.sock is not None
        try:
            response, content = self._send(method, url, body, headers)
        except (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected):
            self.connection.close()
            if not reused:
                raise
            # The server closed a kept-alive connection as we reused it, before reading the
            # request; a browser retries on a new connection, and so do we (once).
            self.reconnects += 1
            response, content = self._send(method, url, body, headers)
        self.last_used = time.monotonic()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response, content

    def _send(self, method: str, url: str, body: str | None, headers: dict):
        try:
            self.connection.request(method, url, body=body, headers=headers)
            response = self.connection.getresponse()
            return response, response.read()
        except (OSError, http.client.HTTPException):
            self.connection.close()  # reconnect on the next request
            raise


@dataclass
class Learner:
    username: str
    password: str
    browser: Browser | None = None
    token: str = ""


@dataclass
class Stats:
    statuses: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    # (username, resource slug) → the status of the last acknowledged write
    acknowledged: dict[tuple[str, str], str] = field(default_factory=dict)
    # pairs whose last write got no answer: the server may or may not have applied it
    uncertain: set[tuple[str, str]] = field(default_factory=set)
    reconnects: int = 0


def sign_in(learner: Learner, port: int, resource_slug: str) -> None:
    browser = Browser(port)
    response, content = browser.request("GET", "/en/accounts/login/")
    token = TOKEN_RE.search(content.decode())
    if response.status != 200 or not token:
        raise SystemExit(f"the sign-in page answered {response.status} without a CSRF token")
    response, _ = browser.request(
        "POST",
        "/en/accounts/login/",
        {
            "csrfmiddlewaretoken": token.group(1),
            "username": learner.username,
            "password": learner.password,
            "next": "/en/me/",
        },
    )
    if response.status != 302 or "sessionid" not in browser.cookies:
        raise SystemExit(f"{learner.username} could not sign in (status {response.status})")
    # Signing in rotates the CSRF secret: take the token from a page, as a browser would.
    response, content = browser.request("GET", f"/en/resources/{resource_slug}/")
    token = TOKEN_RE.search(content.decode())
    if not token:
        raise SystemExit("a signed-in resource page has no progress form with a CSRF token")
    learner.browser, learner.token = browser, token.group(1)


# -- the load -----------------------------------------------------------------------------------
def read_targets(catalogue: dict) -> list[tuple[str, str]]:
    resources, paths, tags = catalogue["resources"], catalogue["paths"], catalogue["tags"]
    return [
        ("home", lambda: "/en/"),
        ("resource list", lambda: "/en/resources/"),
        (
            "resource list, filtered",
            lambda: (
                "/en/resources/?"
                + urlencode(
                    {
                        "kind": RNG.choice(["paper", "book", "course"]),
                        "level": RNG.choice(["beginner", "intermediate", "advanced"]),
                        "sort": RNG.choice(["title", "year", "newest"]),
                    }
                )
            ),
        ),
        ("resource list, tag", lambda: f"/en/resources/?tag={RNG.choice(tags)}"),
        ("resource detail", lambda: f"/en/resources/{RNG.choice(resources)}/"),
        (
            "search",
            lambda: (
                "/en/search/?"
                + urlencode({"q": RNG.choice(["transformer", "attention", "深度学习", "gan"])})
            ),
        ),
        ("path list", lambda: "/en/paths/"),
        ("path detail", lambda: f"/en/paths/{RNG.choice(paths)}/"),
        ("concepts", lambda: "/en/concepts/"),
    ]


def worker(
    learners: list[Learner],
    port: int,
    catalogue: dict,
    stats: Stats,
    lock: threading.Lock,
    deadline: float,
    budget: list[int],
    write_share: float,
) -> None:
    reader = Browser(port)
    targets = read_targets(catalogue)
    step_resources = catalogue["step_resources"]
    try:
        load(reader, targets, step_resources, learners, stats, lock, deadline, budget, write_share)
    finally:
        with lock:
            stats.reconnects += reader.reconnects


def load(reader, targets, step_resources, learners, stats, lock, deadline, budget, write_share):
    while time.monotonic() < deadline:
        with lock:
            if budget[0] <= 0:
                return
            budget[0] -= 1
        write = learners and RNG.random() < write_share
        if write:
            learner = RNG.choice(learners)
            slug, path_slug = RNG.choice(step_resources)
            status = RNG.choice(STATUSES)
            kind, method, url = "progress write", "POST", f"/en/resources/{slug}/progress/"
            next_url = f"/en/paths/{path_slug}/"
            data = {"csrfmiddlewaretoken": learner.token, "status": status, "next": next_url}
            browser = learner.browser
        else:
            kind, make_url = RNG.choice(targets)
            method, url, data, browser = "GET", make_url(), None, reader
        started = time.perf_counter()
        try:
            response, _ = browser.request(method, url, data)
        except (OSError, http.client.HTTPException) as error:
            with lock:
                stats.errors.append(f"{method} {url}: {type(error).__name__}: {error}")
                if write:
                    stats.uncertain.add((learner.username, slug))
            continue
        elapsed = time.perf_counter() - started
        with lock:
            stats.statuses[kind][response.status] += 1
            stats.latencies[kind].append(elapsed)
            if write:
                if response.status == 302 and response.getheader("Location") == next_url:
                    stats.acknowledged[learner.username, slug] = status
                    stats.uncertain.discard((learner.username, slug))
                else:
                    stats.unexpected.append(f"POST {url} → {response.status}")
                    if response.status >= 500:
                        stats.uncertain.add((learner.username, slug))
            elif response.status != 200:
                stats.unexpected.append(f"GET {url} → {response.status}")


def run_load(args, port: int, learners: list[Learner], catalogue: dict) -> tuple[Stats, float]:
    stats, lock = Stats(), threading.Lock()
    # Each learner belongs to one thread, so a learner's writes are sequential and "the last
    # acknowledged status" is well defined.
    shares = [learners[i :: args.threads] for i in range(args.threads)]
    started = time.monotonic()
    deadline, budget = started + args.duration, [args.max_requests]
    threads = [
        threading.Thread(
            target=worker,
            args=(shares[i], port, catalogue, stats, lock, deadline, budget, args.write_share),
        )
        for i in range(args.threads)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return stats, time.monotonic() - started


# -- the database -------------------------------------------------------------------------------
def prepare_database(env: dict[str, str], count: int) -> tuple[list[Learner], dict]:
    """Create the learners (wiping any earlier load-test progress) and list what to visit."""
    os.environ.update(env)
    sys.path.insert(0, str(BASE_DIR))  # run as scripts/loadtest.py, the project is one level up
    import django

    django.setup()
    from django.db import connections, transaction

    from learnpaths import services
    from learnpaths.models import LearningPath, Progress, Step, User
    from resources.models import Resource, Tag

    learners = []
    for number in range(1, count + 1):
        username, password = f"loadtest-learner-{number}", secrets.token_urlsafe(16)
        user = User.objects.filter(username=username).first() or User(username=username)
        user.set_password(password)
        user.save()
        with transaction.atomic():  # and their cached pages with it, as every write does
            Progress.objects.filter(user=user).delete()
            services.progress_changed([user.pk])
        learners.append(Learner(username, password))
    published_steps = Step.objects.filter(
        path__status="published", resource__published=True
    ).values_list("resource__slug", "path__slug")
    catalogue = {
        "resources": list(Resource.objects.published().values_list("slug", flat=True)),
        "paths": list(LearningPath.objects.published().values_list("slug", flat=True)),
        "tags": list(Tag.objects.values_list("slug", flat=True)[:20]),
        "step_resources": list(published_steps),
    }
    connections.close_all()
    return learners, catalogue


def lost_writes(stats: Stats) -> tuple[int, list[str]]:
    from learnpaths.models import Progress

    stored = {
        (username, slug): status
        for username, slug, status in Progress.objects.filter(
            user__username__startswith="loadtest-learner-"
        ).values_list("user__username", "resource__slug", "status")
    }
    checked, lost = 0, []
    for pair, status in stats.acknowledged.items():
        if pair in stats.uncertain:
            continue  # a later write got no answer; either status may be right
        checked += 1
        if stored.get(pair) != status:  # every write leaves a row, even "not started"
            lost.append(f"{pair[0]} / {pair[1]}: acknowledged {status}, stored {stored.get(pair)}")
    return checked, lost


# -- the report ---------------------------------------------------------------------------------
def summary(stats: Stats, elapsed: float) -> int:
    rows, total = [], 0
    for kind in sorted(stats.statuses):
        counts, latencies = stats.statuses[kind], sorted(stats.latencies[kind])
        n = sum(counts.values())
        total += n
        p95 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.95))]
        rows.append(
            (
                kind,
                n,
                sum(v for s, v in counts.items() if s < 400),
                sum(v for s, v in counts.items() if 400 <= s < 500),
                sum(v for s, v in counts.items() if s >= 500),
                f"{statistics.median(latencies) * 1000:.0f}",
                f"{p95 * 1000:.0f}",
                f"{latencies[-1] * 1000:.0f}",
            )
        )
    header = ("requests", "count", "2xx/3xx", "4xx", "5xx", "p50 ms", "p95 ms", "max ms")
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(str(v).ljust(w) if i == 0 else str(v).rjust(w)
                        for i, (v, w) in enumerate(zip(row, widths, strict=True))))  # fmt: skip
    print(f"\n{total} requests in {elapsed:.1f} s ({total / elapsed:.0f}/s), "
          f"{len(stats.errors)} failed without a response")  # fmt: skip
    return total


def main() -> int:
    args = parse_args()
    RNG.seed(args.seed)
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    (WORK_DIR / "setup.log").unlink(missing_ok=True)
    port = free_port()
    env = environment(port)
    where = env["DATABASE_URL"].split("@")[-1]
    print(f"Preparing {where}: migrate, seed, collectstatic, {args.learners} learners …")
    manage(env, "migrate", "--noinput")
    manage(env, "seed")
    manage(env, "collectstatic", "--noinput")
    learners, catalogue = prepare_database(env, args.learners)
    server = start_gunicorn(env, port)
    try:
        for learner in learners:
            sign_in(learner, port, catalogue["step_resources"][0][0])
        print(f"gunicorn on http://{HOST}:{port}/: {args.threads} clients for up to "
              f"{args.duration:.0f} s or {args.max_requests} requests …\n")  # fmt: skip
        stats, elapsed = run_load(args, port, learners, catalogue)
    finally:
        stop(server)
    stats.reconnects += sum(learner.browser.reconnects for learner in learners)
    summary(stats, elapsed)
    print(f"{stats.reconnects} stale keep-alive connections were retried on a new connection")
    checked, lost = lost_writes(stats)
    server_errors = sum(v for c in stats.statuses.values() for s, v in c.items() if s >= 500)
    writes = sum(stats.statuses["progress write"].values())
    print(f"progress writes: {writes} sent, {len(stats.acknowledged)} learner/resource pairs "
          f"acknowledged, {checked} checked in the database, {len(lost)} lost")  # fmt: skip
    failures = [
        *(f"{server_errors} responses were 5xx" for _ in [0] if server_errors),
        *(f"lost write: {line}" for line in lost[:20]),
        *(f"unexpected: {line}" for line in stats.unexpected[:20]),
        *(f"no response: {line}" for line in stats.errors[:20]),
    ]
    if not writes or not checked:
        failures.append("no progress write was acknowledged: the load did not test writes")
    if failures:
        print("\nFAILED (server log: var/loadtest/gunicorn.log):\n  " + "\n  ".join(failures))
        return 1
    print("\nOK: no 5xx, no failed request, no lost write.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
