"""`make bench`: seed at 1× and 10×, serve with gunicorn as in production, drive each key page
with wrk on loopback, and report throughput and latency as ratios to /healthz, plus SQL queries
per request. Prints one table and writes var/bench/bench-<time>.json.

Environment: DATABASE_URL (PostgreSQL), CACHE_URL (Redis, optional), BENCH_SCALES (default
"1000 10000"), BENCH_DURATION (seconds per page and round, default 5), BENCH_ROUNDS (rounds
over all pages, each page's best kept, default 3), BENCH_CONNECTIONS (for throughput, default
16), BENCH_LATENCY_DURATION (seconds per page and round of the one-connection latency run,
default 3), BENCH_LEARNERS (signed-in learners the signed-in pages and the POST are spread
over, default 64), BENCH_PAGES (names of the pages to measure, separated by ";", for a quick
look at a few; default all; /healthz is always measured).
"""

# ruff: noqa: S101, S603 - a developer tool running fixed commands
from __future__ import annotations

import json
import math
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
OUT = ROOT / "var" / "bench"
DURATION = int(os.environ.get("BENCH_DURATION", "5"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
LATENCY_DURATION = int(os.environ.get("BENCH_LATENCY_DURATION", "3"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
SCALES = [int(n) for n in os.environ.get("BENCH_SCALES", "1000 10000").split()]
LEARNER_PREFIX = "bench-learner-"
LEARNERS = int(os.environ.get("BENCH_LEARNERS", "64"))
PAGES = {name.strip() for name in os.environ.get("BENCH_PAGES", "").split(";") if name.strip()}

ENV = {
    **os.environ,
    "DEBUG": "0",
    "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-secret-key-" + "x" * 40),
    "ALLOWED_HOSTS": "127.0.0.1,testserver",
    "SECURE_SSL_REDIRECT": "0",
    "LOG_LEVEL": "WARNING",
    "DJANGO_SETTINGS_MODULE": "learnpaths.settings",
}
ENV.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/learnpaths_bench")
ENV.setdefault("CACHE_URL", "redis://127.0.0.1:6379/1")


def pages() -> list[dict]:
    """The key pages, with the objects the benchmark data is sure to have. Signed-in pages and
    the POST are spread over LEARNERS learners: each request is the next learner's."""
    return [
        {"name": "healthz", "url": "/healthz"},
        {"name": "home", "url": "/"},
        {"name": "concept", "url": "/concepts/bench-concept-1/"},
        {"name": "resource list, 2 filters", "url": "/resources/?kind=paper&level=beginner"},
        {"name": "resource detail", "url": "/resources/bench-resource-7/"},
        {"name": "search", "url": "/search/?q=attention+transformer"},
        {"name": "path (anonymous)", "url": "/paths/bench-path-0/"},
        {"name": "path (signed in)", "url": "{path}", "signed_in": True},
        # A parameter the page does not read bypasses the page cache: the cost of the first
        # view after the learner's own change (their statuses read, their page rendered).
        {"name": "path (signed in, rendered)", "url": "{path}?from=bench", "signed_in": True},
        {"name": "dashboard", "url": "/me/", "signed_in": True},
        {"name": "mark done (POST)", "signed_in": True, "post": True},
        {"name": "mark done (htmx)", "signed_in": True, "post": True, "htmx": True},
    ]


def selected_pages() -> list[dict]:
    chosen = [page for page in pages() if not PAGES or page["name"] in PAGES | {"healthz"}]
    if unknown := PAGES - {page["name"] for page in chosen}:
        sys.exit(f"BENCH_PAGES: no page named {', '.join(sorted(unknown))}")
    return chosen


def manage(*args: str) -> str:
    result = subprocess.run(
        [PY, "manage.py", *args], cwd=ROOT, env=ENV, check=True, capture_output=True, text=True
    )
    return result.stdout.strip()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def setup_django():
    os.environ.update(ENV)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


class Line(NamedTuple):
    """One request for wrk to send (a line of its requests file)."""

    method: str
    url: str
    cookie: str = ""
    body: str = ""
    htmx: bool = False


@dataclass
class Learner:
    session: str
    csrf_secret: str
    path_slug: str  # a path they follow
    path_url: str
    progress_urls: list[str]  # mark-done URLs of resources on it

    @property
    def cookie(self) -> str:
        return f"sessionid={self.session}; csrftoken={self.csrf_secret}"


def learners() -> list[Learner]:
    """Signed-in sessions for the first LEARNERS benchmark learners, with a CSRF secret each,
    a path they follow and resources on it to mark."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.cached_db import SessionStore as CachedStore
    from django.contrib.sessions.backends.db import SessionStore as DbStore
    from django.middleware.csrf import _get_new_csrf_string
    from django.urls import reverse

    from learnpaths.models import PathFollow, Step, User

    store_class = CachedStore if "cached_db" in settings.SESSION_ENGINE else DbStore
    result = []
    for i in range(LEARNERS):
        user = User.objects.get(username=f"{LEARNER_PREFIX}{i}")
        store = store_class()
        store[SESSION_KEY] = str(user.pk)
        # The backend that loads users (axes' backend, first in the list, only guards sign-in).
        store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        follow = PathFollow.objects.filter(user=user).select_related("path").order_by("pk")[0]
        steps = Step.objects.filter(path=follow.path).select_related("resource").order_by("pk")
        result.append(
            Learner(
                session=store.session_key,
                csrf_secret=_get_new_csrf_string(),
                path_slug=follow.path.slug,
                path_url=follow.path.get_absolute_url(),
                progress_urls=[
                    reverse("resource-progress", args=[step.resource.slug]) for step in steps[:4]
                ],
            )
        )
    return result


def request_lines(page: dict, pool: list[Learner]) -> list[Line]:
    """The requests wrk is to cycle through for this page."""
    if not page.get("signed_in"):
        return [Line("GET", page["url"])]
    lines = []
    for learner in pool:
        if page.get("post"):
            # The secret itself is a valid token (Django accepts unmasked ones).
            for url in learner.progress_urls:
                for status in ("done", "in_progress"):
                    body = f"status={status}&csrfmiddlewaretoken={learner.csrf_secret}"
                    if page.get("htmx"):  # the step and the progress bars come back
                        body += f"&path={learner.path_slug}"
                    lines.append(Line("POST", url, learner.cookie, body, page.get("htmx", False)))
        else:
            url = page["url"].format(path=learner.path_url)
            lines.append(Line("GET", url, learner.cookie))
    # Interleave learners, so that concurrent requests are mostly different learners'.
    step = max(1, len(lines) // len(pool))
    return [line for offset in range(step) for line in lines[offset::step]]


def count_queries(line: Line) -> int:
    """SQL queries for one request with a warm cache (the second of two identical requests)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(headers={"HX-Request": "true"} if line.htmx else None)
    for pair in filter(None, line.cookie.split("; ")):
        name, _, value = pair.partition("=")
        client.cookies[name] = value
    for _attempt in range(2):
        with CaptureQueriesContext(connection) as queries:
            if line.method == "POST":
                response = client.post(
                    line.url, line.body, content_type="application/x-www-form-urlencoded"
                )
            else:
                response = client.get(line.url)
        assert response.status_code in (200, 302), (line.url, response.status_code)
    connection.close()
    return len(queries)


def wrk(
    base: str,
    lines: list[Line],
    *,
    connections: int = CONNECTIONS,
    duration: int = DURATION,
) -> dict:
    requests_file = OUT / "requests.tsv"
    requests_file.write_text(
        "".join(
            f"{line.method}\t{line.url}\t{line.cookie}\t{line.body}\t{'1' if line.htmx else ''}\n"
            for line in lines
        )
    )
    threads = min(2, connections)
    command = [
        "wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "10s",
        "-s", str(ROOT / "bench" / "wrk_report.lua"), base, "--", str(requests_file),
    ]  # fmt: skip
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    data = json.loads(re.search(r"^BENCH_JSON (.*)$", output, re.M).group(1))
    data["rps"] = data["requests"] / (data["duration_us"] / 1e6)
    if data["bad_status"] or data["socket_errors"]:
        raise SystemExit(f"{lines[0][1]}: {data['bad_status']} non-2xx/3xx, "
                         f"{data['socket_errors']} socket errors")  # fmt: skip
    return data


def serve(port: int, log) -> subprocess.Popen:
    env = {**ENV, "PORT": str(port), "HOST": "127.0.0.1"}
    process = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "-c", "gunicorn.conf.py",
         "learnpaths.wsgi:application"],
        cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True,
    )  # fmt: skip
    for _ in range(100):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise SystemExit("gunicorn did not start; see var/bench/gunicorn.log")


def settle_database() -> None:
    """Statistics for the new rows and their dirty pages written out now, rather than by
    autovacuum and the checkpointer in the middle of the measurements."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        cursor.execute("CHECKPOINT")
    connection.close()


def run_scale(n: int) -> dict:
    print(f"== seeding {n} resources", flush=True)
    print(manage("seed_bench", "--resources", str(n)), flush=True)
    settle_database()
    pool = learners()
    results: dict[str, dict] = {}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with open(OUT / "gunicorn.log", "a") as log:
        server = serve(port, log)
        try:
            plan = [(page, request_lines(page, pool)) for page in selected_pages()]
            for _page, lines in plan:
                wrk(base, lines)  # warm every worker and the caches
            # Rounds over all pages, keeping each page's best: other work on the machine slows
            # some runs down, and interleaving spreads that over every page alike. Throughput
            # is measured under load (CONNECTIONS at once); latency with one request at a time,
            # where it is the page's own cost rather than time spent queueing.
            for _round in range(ROUNDS):
                for page, lines in plan:
                    loaded = wrk(base, lines)
                    alone = wrk(base, lines, connections=1, duration=LATENCY_DURATION)
                    best = results.setdefault(page["name"], {"rps": 0, "p50_us": math.inf})
                    if loaded["rps"] > best["rps"]:
                        best.update(
                            rps=loaded["rps"],
                            loaded_p50_us=loaded["p50_us"],
                            loaded_p95_us=loaded["p95_us"],
                        )
                    if alone["p50_us"] < best["p50_us"]:
                        best.update(p50_us=alone["p50_us"], p95_us=alone["p95_us"])
            for page, lines in plan:
                measured = results[page["name"]]
                measured["queries"] = count_queries(lines[0])
                measured["url"] = lines[0][1]
                measured["learners"] = len(pool) if page.get("signed_in") else 0
                print(
                    f"  {page['name']:<26} {measured['rps']:8.0f} req/s  "
                    f"p50 {measured['p50_us'] / 1000:6.1f} ms  p95 {measured['p95_us'] / 1000:6.1f}"
                    f" ms  {measured['queries']} queries",
                    flush=True,
                )
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=40)
    health = results["healthz"]
    for data in results.values():
        data["rps_ratio"] = health["rps"] / data["rps"]  # how many times slower than /healthz
        data["p50_ratio"] = data["p50_us"] / health["p50_us"]
        data["p95_ratio"] = data["p95_us"] / health["p95_us"]
    return results


def main() -> None:
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (apt-get install -y wrk)")
    if not ENV["DATABASE_URL"].startswith("postgres"):
        raise SystemExit("the benchmark runs on PostgreSQL: set DATABASE_URL=postgres://…")
    selected_pages()  # a misspelt BENCH_PAGES fails before the seeding
    OUT.mkdir(parents=True, exist_ok=True)
    manage("migrate", "--noinput")
    manage("collectstatic", "--noinput")
    setup_django()
    runs = {n: run_scale(n) for n in SCALES}
    report(runs)


def report(runs: dict[int, dict]) -> None:
    scales = list(runs)
    base = runs[scales[0]]
    lines = []
    header = f"{'page':<26}"
    for n in scales:
        header += f" | {n:>6}: req/s  ×hz  p50ms  ×hz  p95ms  SQL"
    if len(scales) > 1:
        header += f" | p50 {scales[-1]}/{scales[0]}"
    lines += [header, "-" * len(header)]
    for name in base:
        row = f"{name:<26}"
        for n in scales:
            d = runs[n][name]
            row += (
                f" | {d['rps']:13.0f} {d['rps_ratio']:4.1f} {d['p50_us'] / 1000:6.1f}"
                f" {d['p50_ratio']:4.1f} {d['p95_us'] / 1000:6.1f} {d['queries']:4d}"
            )
        if len(scales) > 1:
            row += f" | {runs[scales[-1]][name]['p50_us'] / base[name]['p50_us']:11.2f}"
        lines.append(row)
    lines.append(
        f"req/s: best of {ROUNDS} rounds with {CONNECTIONS} connections; p50/p95: lowest of the"
        " rounds with one connection; ×hz: relative to /healthz (lower is better); SQL: queries"
        " per request with a warm cache"
    )
    table = "\n".join(lines)
    print("\n" + table)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    document = {
        "when": stamp,
        "machine": {"cpus": os.cpu_count()},
        "duration_s": DURATION,
        "latency_duration_s": LATENCY_DURATION,
        "rounds": ROUNDS,
        "connections": CONNECTIONS,
        "learners": LEARNERS,
        "cache": "redis" if ENV.get("CACHE_URL") else "local memory",
        "scales": {str(n): runs[n] for n in scales},
        "table": table,
    }
    path = OUT / f"bench-{stamp}.json"
    path.write_text(json.dumps(document, indent=2))
    (OUT / "latest.json").write_text(json.dumps(document, indent=2))
    print(f"\nwritten to {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
