"""`make bench`: seed at 1× and 10×, serve with gunicorn as in production, drive each key page
with wrk on loopback, and report throughput and latency as ratios to /healthz, plus SQL queries
per request. Prints one table and writes var/bench/bench-<time>.json.

Environment: DATABASE_URL (PostgreSQL), CACHE_URL (Redis, optional), BENCH_SCALES (default
"1000 10000"), BENCH_DURATION (seconds per page, default 8), BENCH_CONNECTIONS (default 16).
"""

# ruff: noqa: S101, S603 - a developer tool running fixed commands
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
OUT = ROOT / "var" / "bench"
DURATION = int(os.environ.get("BENCH_DURATION", "8"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
SCALES = [int(n) for n in os.environ.get("BENCH_SCALES", "1000 10000").split()]
LEARNER = "bench-learner-0"

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
    """The key pages, with the objects the benchmark data is sure to have."""
    return [
        {"name": "healthz", "url": "/healthz"},
        {"name": "home", "url": "/"},
        {"name": "concept", "url": "/concepts/bench-concept-1/"},
        {"name": "resource list, 2 filters", "url": "/resources/?kind=paper&level=beginner"},
        {"name": "resource detail", "url": "/resources/bench-resource-7/"},
        {"name": "search", "url": "/search/?q=attention+transformer"},
        {"name": "path (anonymous)", "url": "/paths/bench-path-0/"},
        {"name": "path (signed in)", "url": "/paths/bench-path-0/", "signed_in": True},
        {"name": "dashboard", "url": "/me/", "signed_in": True},
        {
            "name": "mark done (POST)",
            "url": "/resources/{resource}/progress/",
            "signed_in": True,
            "post": "status=done",
        },
    ]


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


def session_and_csrf() -> tuple[str, str, str]:
    """A signed-in session for the benchmark learner, a CSRF secret, and a resource on their
    followed path to mark done."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.cached_db import SessionStore as CachedStore
    from django.contrib.sessions.backends.db import SessionStore as DbStore
    from django.middleware.csrf import _get_new_csrf_string

    from learnpaths.models import Step, User

    user = User.objects.get(username=LEARNER)
    store_class = CachedStore if "cached_db" in settings.SESSION_ENGINE else DbStore
    store = store_class()
    store[SESSION_KEY] = str(user.pk)
    # The backend that loads users (axes' backend, first in the list, only guards sign-in).
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    step = Step.objects.filter(path__slug="bench-path-0").select_related("resource").first()
    return store.session_key, _get_new_csrf_string(), step.resource.slug


def count_queries(page: dict, session: str, csrf: str) -> int:
    """SQL queries for one request with a warm cache (the second of two identical requests)."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    if page.get("signed_in"):
        client.cookies[settings.SESSION_COOKIE_NAME] = session
    client.cookies[settings.CSRF_COOKIE_NAME] = csrf
    for _attempt in range(2):
        with CaptureQueriesContext(connection) as queries:
            if page.get("post"):
                response = client.post(page["url"], {"status": "done", "csrfmiddlewaretoken": csrf})
            else:
                response = client.get(page["url"])
        assert response.status_code in (200, 302), (page["url"], response.status_code)
    connection.close()
    return len(queries)


def wrk(base: str, page: dict, session: str, csrf: str) -> dict:
    headers = []
    cookies = [f"csrftoken={csrf}"]
    if page.get("signed_in"):
        cookies.append(f"sessionid={session}")
    headers += ["-H", "Cookie: " + "; ".join(cookies)]
    args = []
    if page.get("post"):
        args = ["--", "POST", f"{page['post']}&csrfmiddlewaretoken={csrf}"]
    command = [
        "wrk", "-t2", f"-c{CONNECTIONS}", f"-d{DURATION}s", "--timeout", "10s",
        "-s", str(ROOT / "bench" / "wrk_report.lua"), *headers, base + page["url"], *args,
    ]  # fmt: skip
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    data = json.loads(re.search(r"^BENCH_JSON (.*)$", output, re.M).group(1))
    data["rps"] = data["requests"] / (data["duration_us"] / 1e6)
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


def run_scale(n: int) -> dict:
    print(f"== seeding {n} resources", flush=True)
    print(manage("seed_bench", "--resources", str(n)), flush=True)
    session, csrf, resource = session_and_csrf()
    results = {}
    port = free_port()
    with open(OUT / "gunicorn.log", "a") as log:
        server = serve(port, log)
        try:
            for page in pages():
                page = {**page, "url": page["url"].format(resource=resource)}
                queries = count_queries(page, session, csrf)
                wrk(f"http://127.0.0.1:{port}", page, session, csrf)  # warm every worker
                measured = wrk(f"http://127.0.0.1:{port}", page, session, csrf)
                measured["queries"] = queries
                measured["url"] = page["url"]
                results[page["name"]] = measured
                print(
                    f"  {page['name']:<26} {measured['rps']:8.0f} req/s  "
                    f"p50 {measured['p50_us'] / 1000:6.1f} ms  p95 {measured['p95_us'] / 1000:6.1f}"
                    f" ms  {queries} queries",
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
        header += f" | {n:>6}: req/s  ×hz  p50ms  p95ms  ×hz95  SQL"
    if len(scales) > 1:
        header += f" | p50 {scales[-1]}/{scales[0]}"
    lines += [header, "-" * len(header)]
    for name in base:
        row = f"{name:<26}"
        for n in scales:
            d = runs[n][name]
            row += (
                f" | {d['rps']:13.0f} {d['rps_ratio']:4.1f} {d['p50_us'] / 1000:6.1f}"
                f" {d['p95_us'] / 1000:6.1f} {d['p95_ratio']:6.1f} {d['queries']:4d}"
            )
        if len(scales) > 1:
            row += f" | {runs[scales[-1]][name]['p50_us'] / base[name]['p50_us']:11.2f}"
        lines.append(row)
    table = "\n".join(lines)
    print("\n" + table)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    document = {
        "when": stamp,
        "machine": {"cpus": os.cpu_count()},
        "duration_s": DURATION,
        "connections": CONNECTIONS,
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
