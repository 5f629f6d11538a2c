"""`make bench`: seed at 1× and 10×, serve with gunicorn as in production, drive each key page
with wrk on loopback, and report throughput and latency as ratios to /healthz, plus SQL queries
per request. Prints a table per mode and writes var/bench/bench-<time>.json.

Two modes (BENCH_MODE=warm|cold|both, default both):

- warm: each page is one URL (signed-in pages: one per learner) requested over and over, so after
  the first request every hit is served from the page cache: the cost of a popular page.
- cold: every request is a URL not requested before since the cache was last emptied (a
  different resource, concept, path, tag, search query or combination of list filters, or a
  different signed-in learner), drawn from thousands made from the benchmark database, each sent
  at most once (bench/wrk_once.lua). Before each page's cold round the Redis cache database is
  emptied (FLUSHDB) and gunicorn restarted (its processes' own caches go too), then warmed up on
  held-out URLs of the same page type, which are not measured. A run stops early when its URLs
  run out (the table says so); any answer other than 2xx fails the run, and the gunicorn access
  log is checked for URLs served twice.

Search, cold: SEARCH_QUERIES_MAX (20,000) different queries drawn from the words of the titles
(seed_bench draws those from thousands of words with Zipf-like frequencies): each title word
once alone, Chinese terms of the Chinese titles, words with a typo, -word, "a phrase" and "or",
pairs of adjacent title words, then any two or three words (common words more often); no two
the same query, not even in another order or case. Enough for a 5 s loaded run at about 3,700 req/s.
Its throughput is reported, like every page's, as a ratio to /healthz's (×hz) and its latency
as the one-connection run's p50 and p95; a line per scale after the tables repeats them for
search. BENCH_SCALES="100000" seeds 100,000 resources (several minutes).

Environment: DATABASE_URL (PostgreSQL; the database is created if missing), CACHE_URL (Redis,
optional; a cold run empties its database, so give the benchmark one of its own), BENCH_MODE,
BENCH_SCALES (default "1000 10000"), BENCH_DURATION (seconds per page and round, default 5),
BENCH_ROUNDS (rounds over all pages, each page's best kept, default 3), BENCH_CONNECTIONS (for
throughput, default 16), BENCH_LATENCY_DURATION (seconds per page and round of the
one-connection latency run, default 3), BENCH_LEARNERS (signed-in learners the warm signed-in
pages and the POST are spread over, default 64), BENCH_PAGES (names of the pages to measure,
separated by ";", for a quick look at a few; default all; /healthz is always measured),
BENCH_LANGUAGES (default "en"; "en zh-hans" measures every page in Chinese too, as
"<page> [zh-hans]").
"""

# ruff: noqa: S101, S603 - a developer tool running fixed commands
from __future__ import annotations

import json
import math
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http.client import HTTPConnection
from itertools import pairwise
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
# The interpreter running this script (`make bench`: .venv/bin/python) runs the app too; with the
# checkout as the working directory, the checkout's code is the code served.
PY = sys.executable
OUT = ROOT / "var" / "bench"
GUNICORN_LOG = OUT / "gunicorn.log"
DURATION = int(os.environ.get("BENCH_DURATION", "5"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
LATENCY_DURATION = int(os.environ.get("BENCH_LATENCY_DURATION", "3"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
SCALES = [int(n) for n in os.environ.get("BENCH_SCALES", "1000 10000").split()]
LEARNER_PREFIX = "bench-learner-"
LEARNERS = int(os.environ.get("BENCH_LEARNERS", "64"))
PAGES = {name.strip() for name in os.environ.get("BENCH_PAGES", "").split(";") if name.strip()}
MODE = os.environ.get("BENCH_MODE", "both")
# The languages the pages are measured in: the first is the site's default (English); each
# other adds every page but /healthz and the writes again, named "<page> [<language>]".
LANGUAGES = os.environ.get("BENCH_LANGUAGES", "en").split()
MODES = {"warm": ("warm",), "cold": ("cold",), "both": ("warm", "cold")}
# Cold runs: URLs per page type at most (more than a run can use); of each round's, the first
# ones warm the freshly started processes (templates, connections, shared fragments) and are
# not measured, the next ones go to the one-connection latency run, the rest to the loaded run.
COLD_POOL_MAX = 20_000
COLD_WARMUP_MAX = 64
COLD_LATENCY_MAX = 1000
# Resource list: pages 1 to this of each combination of filters and sort (people page forward
# a little, not to page 400).
LIST_PAGES_MAX = 20
SEARCH_QUERIES_MAX = 20_000
# A run that answered fewer requests than this measured the ramp-up and ramp-down more than
# the page: marked in the table.
COLD_FEW = 200

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
    the POST are spread over LEARNERS learners: each request is the next learner's. `cold`
    names the function that lists the page's varied URLs for the cold runs (pages without one
    are measured warm only: the home page is one URL, and the writes are never cached)."""
    english = [
        {"name": "healthz", "url": "/healthz", "cold": cold_healthz},
        {"name": "home", "url": "/en/"},
        {"name": "concept", "url": "/en/concepts/bench-concept-1/", "cold": cold_concepts},
        {
            "name": "resource list",
            "url": "/en/resources/?kind=paper&level=beginner",
            "cold": cold_resource_lists,
        },
        {
            "name": "resource detail",
            "url": "/en/resources/bench-resource-7/",
            "cold": cold_resources,
        },
        {"name": "tag", "url": "/en/tags/bench-attention-0/", "cold": cold_tags},
        {"name": "search", "url": "/en/search/?q=attention+transformer", "cold": cold_searches},
        {"name": "path (anonymous)", "url": "/en/paths/bench-path-0/", "cold": cold_paths},
        {"name": "conferences", "url": "/en/conferences/", "cold": cold_conferences},
        {"name": "calendar", "url": "/en/conferences.ics", "cold": cold_calendars},
        {
            "name": "path (signed in)",
            "url": "{path}",
            "signed_in": True,
            "cold": cold_learner_paths,
        },
        # A parameter the page does not read bypasses the page cache: the cost of the first
        # view after the learner's own change (their statuses read, their page rendered).
        {"name": "path (signed in, rendered)", "url": "{path}?from=bench", "signed_in": True},
        {"name": "dashboard", "url": "/en/me/", "signed_in": True, "cold": cold_dashboards},
        {"name": "mark done (POST)", "signed_in": True, "post": True},
        {"name": "mark done (htmx)", "signed_in": True, "post": True, "htmx": True},
    ]
    translated = [
        _in_language(page, language)
        for language in LANGUAGES[1:]
        for page in english
        if page["name"] != "healthz" and not page.get("post")
    ]
    return english + translated


def _in_language(page: dict, language: str) -> dict:
    """`page` measured in `language`: its URLs, warm and cold, under /<language>/."""
    moved = {**page, "name": f"{page['name']} [{language}]", "language": language}
    if "url" in page:
        moved["url"] = in_language(page["url"], language)
    if "cold" in page:
        cold = page["cold"]
        moved["cold"] = lambda signed_in: [
            line._replace(url=in_language(line.url, language)) for line in cold(signed_in)
        ]
    return moved


def in_language(url: str, language: str) -> str:
    """An English URL of the site (/en/…) in another language: the same page under
    /<language>/. Other URLs ("{path}", filled per learner in `request_lines`) unchanged."""
    return re.sub(r"^/en/", f"/{language}/", url)


def selected_pages() -> list[dict]:
    chosen = [page for page in pages() if not PAGES or page["name"] in PAGES | {"healthz"}]
    if unknown := PAGES - {page["name"] for page in chosen}:
        names = ", ".join(repr(page["name"]) for page in pages())
        sys.exit(f"BENCH_PAGES: no page named {', '.join(sorted(unknown))} (pages: {names})")
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


def ensure_database() -> None:
    """Create the PostgreSQL database of DATABASE_URL if it does not exist yet."""
    import psycopg2
    from psycopg2 import sql

    url = urlsplit(ENV["DATABASE_URL"])
    name = url.path.lstrip("/")
    params = {
        "host": url.hostname or "127.0.0.1",
        "port": url.port or 5432,
        "user": url.username or "postgres",
        "password": url.password,
    }
    try:
        psycopg2.connect(dbname=name, **params).close()
    except psycopg2.OperationalError as error:
        if "does not exist" not in str(error):
            raise
        connection = psycopg2.connect(dbname="postgres", **params)
        connection.autocommit = True  # CREATE DATABASE cannot run in a transaction
        with connection.cursor() as cursor:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        connection.close()
        print(f"== created database {name}", flush=True)


def setup_django():
    os.environ.update(ENV)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import learnpaths

    served = Path(learnpaths.__file__).resolve()
    if not served.is_relative_to(ROOT):
        raise SystemExit(f"learnpaths is imported from {served}, not from this checkout {ROOT}")


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
            if page.get("language"):
                url = in_language(url, page["language"])
            lines.append(Line("GET", url, learner.cookie))
    # Interleave learners, so that concurrent requests are mostly different learners'.
    step = max(1, len(lines) // len(pool))
    return [line for offset in range(step) for line in lines[offset::step]]


# The varied URLs of the cold runs, from the benchmark database. Each function returns every
# distinct request of its page type it can make (up to COLD_POOL_MAX, in no useful order: the
# rounds shuffle them); `signed_in` is the sessions of every benchmark learner.


@dataclass
class SignedIn:
    cookie: str
    path_url: str  # the first path they follow


def cold_healthz(signed_in: list[SignedIn]) -> list[Line]:
    return [Line("GET", "/healthz")]  # not cached: requested over and over, as when warm


def cold_concepts(signed_in: list[SignedIn]) -> list[Line]:
    from resources.models import Concept

    return [Line("GET", concept.get_absolute_url()) for concept in Concept.objects.order_by("pk")]


def cold_conferences(signed_in: list[SignedIn]) -> list[Line]:
    """The conference list under every area × kind filter, each of its pages up to
    LIST_PAGES_MAX, and under each concept; the past editions' pages."""
    from urllib.parse import urlencode

    from django.urls import reverse
    from django.utils import timezone

    from resources.models import EVENT_KINDS, Concept, ResearchArea
    from resources.views import EDITIONS_PER_PAGE, EventFilters

    now, lines = timezone.now(), []
    for name in ("conference-list", "conference-past"):
        for area in ["", *ResearchArea.values]:
            for kind in ["", *EVENT_KINDS]:
                filters = EventFilters(area=area, kind=kind)
                editions = filters.editions()
                count = (
                    editions.upcoming(now) if name == "conference-list" else editions.past(now)
                ).count()
                last = min(max(math.ceil(count / EDITIONS_PER_PAGE), 1), LIST_PAGES_MAX)
                for number in range(1, last + 1):
                    query = {"area": area, "kind": kind, "page": number if number > 1 else ""}
                    query = urlencode({k: v for k, v in query.items() if v})
                    lines.append(Line("GET", reverse(name) + (f"?{query}" if query else "")))
    for slug in Concept.objects.order_by("pk").values_list("slug", flat=True):
        lines.append(Line("GET", f"{reverse('conference-list')}?concept={slug}"))
    return lines


def cold_calendars(signed_in: list[SignedIn]) -> list[Line]:
    """Every calendar: per area, per concept, per conference, and the filtered list's."""
    from django.urls import reverse

    from resources.models import EVENT_KINDS, Concept, ResearchArea, Resource

    lines = [Line("GET", reverse("area-calendar", args=[a])) for a in ResearchArea.values]
    for slug in Concept.objects.order_by("pk").values_list("slug", flat=True):
        lines.append(Line("GET", reverse("concept-calendar", args=[slug])))
        lines.append(Line("GET", f"{reverse('conference-calendars')}?concept={slug}"))
    events = Resource.objects.published().filter(kind__in=EVENT_KINDS).order_by("pk")
    for slug in events.values_list("slug", flat=True):
        lines.append(Line("GET", reverse("conference-calendar", args=[slug])))
    return lines


def cold_resources(signed_in: list[SignedIn]) -> list[Line]:
    from resources.models import Resource

    resources = Resource.objects.published().order_by("pk")
    return [Line("GET", resource.get_absolute_url()) for resource in resources]


def cold_resource_lists(signed_in: list[SignedIn]) -> list[Line]:
    """Every combination of the kind, level, cost and language filters that matches some
    resource, in every sort order, on each of its pages up to LIST_PAGES_MAX."""
    from django.urls import reverse

    from resources.models import Resource
    from resources.selectors import CHOICE_FILTERS, DEFAULT_SORT, SORTS
    from resources.views import RESOURCES_PER_PAGE

    dimensions = list(CHOICE_FILTERS)
    matches: Counter[tuple] = Counter()
    for row in Resource.objects.published().values_list(*dimensions):
        for mask in range(2 ** len(dimensions)):  # each subset of the filters this row passes
            matches[tuple(v if mask >> i & 1 else None for i, v in enumerate(row))] += 1
    base = reverse("resource-list")
    lines = []
    for values, count in sorted(matches.items(), key=lambda item: repr(item[0])):
        filters = [(key, value) for key, value in zip(dimensions, values, strict=True) if value]
        last_page = min(math.ceil(count / RESOURCES_PER_PAGE), LIST_PAGES_MAX)
        for sort in SORTS:
            for number in range(1, last_page + 1):
                query = filters + [("sort", sort)] * (sort != DEFAULT_SORT)
                query += [("page", number)] * (number > 1)
                lines.append(Line("GET", f"{base}?{urlencode(query)}" if query else base))
    return lines


def cold_tags(signed_in: list[SignedIn]) -> list[Line]:
    """Each tag's pages, for tags on published resources."""
    from django.db.models import Count

    from resources.models import Tag
    from resources.views import RESOURCES_PER_PAGE

    tags = (
        Tag.objects.filter(tagged_resources__content_object__published=True)
        .annotate(n=Count("tagged_resources"))
        .order_by("pk")
    )
    lines = []
    for tag in tags:
        for number in range(1, math.ceil(tag.n / RESOURCES_PER_PAGE) + 1):
            suffix = f"?page={number}" if number > 1 else ""
            lines.append(Line("GET", tag.get_absolute_url() + suffix))
    return lines


def cold_searches(signed_in: list[SignedIn]) -> list[Line]:
    """SEARCH_QUERIES_MAX different queries, as people type them, drawn from the words of the
    resources' titles: single words, pairs of words (adjacent in a title, or any two), Chinese
    terms of the Chinese titles, words with a typo, and queries with an operator (-word,
    "a phrase", or). No two are the same query: not the same words in another order or case
    either (a cache of identical queries, however normalised, never hits)."""
    from django.urls import reverse

    from learnpaths.management.commands._bench_vocabulary import CHINESE_TERMS, CONNECTORS
    from resources.models import Resource

    words: Counter[str] = Counter()
    adjacent: set[tuple[str, str]] = set()
    chinese_titles = []
    skip = set(CONNECTORS)
    for title, title_zh in Resource.objects.published().values_list("title", "title_zh"):
        tokens = [
            token
            for token in re.findall(r"[a-z0-9]+(?:[-.][a-z0-9]+)*", title.lower())
            if token not in skip and (len(token) > 2 or any(c.isdigit() for c in token))
        ]
        words.update(tokens)
        adjacent.update((a, b) for a, b in pairwise(tokens) if a != b)
        chinese_titles.append(title_zh)
    joined_zh = "\n".join(chinese_titles)
    terms = [term for term in CHINESE_TERMS if term in joined_zh]
    vocabulary = sorted(words)
    weights = [words[word] for word in vocabulary]  # common words are searched for more
    rng = random.Random(13)  # noqa: S311 - a sample, not a secret
    total = SEARCH_QUERIES_MAX
    queries: list[str] = []
    seen: set[tuple[str, ...]] = set()

    def add(query: str) -> bool:
        key = tuple(sorted(query.lower().split()))
        if key in seen or len(queries) >= total:
            return False
        seen.add(key)
        queries.append(query)
        return True

    def fill(share: float, make) -> None:
        """Add queries from `make()` until `share` of the total more are added (or `make`
        keeps repeating itself)."""
        goal = min(total, len(queries) + round(share * total))
        misses = 0
        while len(queries) < goal and misses < 1000:
            misses = 0 if add(make()) else misses + 1

    def common() -> str:
        return rng.choices(vocabulary, weights)[0]

    def typo(word: str) -> str:
        i = rng.randrange(1, len(word) - 1)
        match rng.randrange(4):
            case 0:  # a letter left out
                return word[:i] + word[i + 1 :]
            case 1:  # two letters swapped
                return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]
            case 2:  # a letter doubled
                return word[:i] + word[i] + word[i:]
            case _:  # a wrong letter
                return word[:i] + rng.choice("aeiourstnl") + word[i + 1 :]

    typable = [word for word in vocabulary if len(word) >= 5 and word.isalpha()]
    pairs = sorted(adjacent)
    rng.shuffle(pairs)
    pair_iter = iter(pairs)
    # Every title word once on its own (at most a third of the queries), then the rest.
    singles = list(vocabulary)
    rng.shuffle(singles)
    for word in singles[: total // 3]:
        add(word)
    fill(0.05, lambda: rng.choice(terms) if terms else common())  # Chinese, one term
    fill(0.05, lambda: "".join(rng.sample(terms, 2)) if len(terms) > 1 else common())
    fill(0.10, lambda: typo(rng.choice(typable)))
    fill(0.04, lambda: f"{common()} -{common()}")
    fill(0.04, lambda: '"{} {}"'.format(*next(pair_iter, (common(), common()))))
    fill(0.02, lambda: f"{common()} or {common()}")
    fill(0.20, lambda: " ".join(next(pair_iter, (common(), common()))))
    fill(1.0, lambda: f"{common()} {common()}")  # any two words; a few return nothing
    fill(1.0, lambda: f"{common()} {common()} {common()}")
    rng.shuffle(queries)
    base = reverse("search")
    return [Line("GET", f"{base}?{urlencode({'q': query})}") for query in queries]


def cold_paths(signed_in: list[SignedIn]) -> list[Line]:
    from learnpaths.models import LearningPath

    paths = LearningPath.objects.published().order_by("pk")
    return [Line("GET", path.get_absolute_url()) for path in paths]


def cold_learner_paths(signed_in: list[SignedIn]) -> list[Line]:
    """Each learner's first path, one request per learner (their page is cached per learner;
    the path's own parts are shared by all its learners, as on the site)."""
    return [Line("GET", learner.path_url, learner.cookie) for learner in signed_in]


def cold_dashboards(signed_in: list[SignedIn]) -> list[Line]:
    from django.urls import reverse

    return [Line("GET", reverse("dashboard"), learner.cookie) for learner in signed_in]


def signed_in_learners() -> tuple[list[SignedIn], list[str]]:
    """A session for every benchmark learner who follows a path, inserted in bulk (the cold
    runs need thousands), with the first path each follows; and the session keys, for
    `delete_sessions`."""
    from datetime import timedelta

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.base import VALID_KEY_CHARS
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    from learnpaths.models import LearningPath, PathFollow, User

    first_path: dict[int, int] = {}
    follows = PathFollow.objects.filter(user__username__startswith=LEARNER_PREFIX)
    for user_id, path_id in follows.order_by("-pk").values_list("user_id", "path_id"):
        first_path[user_id] = path_id  # the lowest pk comes last
    path_urls = {path.pk: path.get_absolute_url() for path in LearningPath.objects.published()}
    encoder = SessionStore()
    expires = timezone.now() + timedelta(days=1)
    result, sessions = [], []
    users = User.objects.filter(pk__in=first_path).order_by("pk")
    for user in users:
        if first_path[user.pk] not in path_urls:
            continue
        key = get_random_string(32, VALID_KEY_CHARS)
        data = {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: settings.AUTHENTICATION_BACKENDS[-1],
            HASH_SESSION_KEY: user.get_session_auth_hash(),
        }
        sessions.append(Session(session_key=key, session_data=encoder.encode(data),
                                expire_date=expires))  # fmt: skip
        result.append(SignedIn(f"sessionid={key}", path_urls[first_path[user.pk]]))
    Session.objects.bulk_create(sessions, batch_size=5000)
    return result, [session.session_key for session in sessions]


def delete_sessions(keys: list[str]) -> None:
    from django.contrib.sessions.models import Session

    for start in range(0, len(keys), 5000):
        Session.objects.filter(session_key__in=keys[start : start + 5000]).delete()


def count_queries(line: Line, *, cold: bool = False) -> int:
    """SQL queries for one request: with a warm cache (the second of two identical requests),
    or with `cold` the first request after the cache was emptied."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    if cold:
        empty_caches()
    client = Client(headers={"HX-Request": "true"} if line.htmx else None)
    for pair in filter(None, line.cookie.split("; ")):
        name, _, value = pair.partition("=")
        client.cookies[name] = value
    for _attempt in range(1 if cold else 2):
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


def empty_caches() -> None:
    """Empty the cache the app servers share (FLUSHDB of CACHE_URL's Redis database) and this
    process's own copies (gunicorn's go with a restart)."""
    from django.core.cache import cache

    cache.clear()
    from learnpaths.core.cache import local_cache

    local_cache.clear()


def write_requests(path: Path, lines: list[Line]) -> None:
    path.write_text(
        "".join(
            f"{line.method}\t{line.url}\t{line.cookie}\t{line.body}\t{'1' if line.htmx else ''}\n"
            for line in lines
        )
    )


def wrk(
    base: str,
    lines: list[Line],
    *,
    connections: int = CONNECTIONS,
    duration: int = DURATION,
) -> dict:
    """Cycle through `lines` for `duration` seconds (warm: the same URLs again and again)."""
    requests_file = OUT / "requests.tsv"
    write_requests(requests_file, lines)
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


def wrk_once(base: str, lines: list[Line], *, name: str, connections: int, duration: int) -> dict:
    """Send each of `lines` at most once, for at most `duration` seconds (cold). The rate is
    the answers over the time from the first request to the last answer, which is shorter than
    `duration` when the lines run out (`exhausted`)."""
    requests_file = OUT / f"cold-{re.sub(r'[^a-z0-9]+', '-', name.lower()).strip('-')}.tsv"
    write_requests(requests_file, lines)
    threads = min(2, connections)
    command = [
        "wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "10s",
        "-s", str(ROOT / "bench" / "wrk_once.lua"), base,
        "--", str(requests_file), str(threads), str(connections // threads),
    ]  # fmt: skip
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    data = json.loads(re.search(r"^BENCH_ONCE_JSON (.*)$", output, re.M).group(1))
    data["elapsed_s"] = data.pop("elapsed_us") / 1e6
    data["rps"] = data["answered"] / data["elapsed_s"] if data["elapsed_s"] else 0.0
    data["exhausted"] = data["sent"] >= data["lines"]
    not_ok = data["redirect_3xx"] + data["client_4xx"] + data["server_5xx"]
    errors = max(0, data["socket_errors"] - data["idle_reconnects"])
    if not_ok or errors or data["overrun"] or not data["answered"]:
        raise SystemExit(
            f"cold {name}: {data['answered']} answers of which {data['redirect_3xx']} 3xx, "
            f"{data['client_4xx']} 4xx, {data['server_5xx']} 5xx; {errors} socket errors; "
            f"{data['overrun']} URLs sent twice (statuses per URL in {GUNICORN_LOG})"
        )
    return data


def warm_up(port: int, lines: list[Line], name: str) -> None:
    """Send `lines` once each, CONNECTIONS at a time, and wait for every answer (however slow
    the freshly started processes are); any answer but 200 fails the run."""

    def fetch(line: Line) -> int:
        connection = HTTPConnection("127.0.0.1", port, timeout=120)
        try:
            headers = {"Cookie": line.cookie} if line.cookie else {}
            connection.request(line.method, line.url, body=line.body or None, headers=headers)
            response = connection.getresponse()
            response.read()
            return response.status
        finally:
            connection.close()

    with ThreadPoolExecutor(CONNECTIONS) as pool:
        statuses = Counter(pool.map(fetch, lines))
    if set(statuses) - {200}:
        raise SystemExit(f"cold {name} warm-up: answers {dict(statuses)} (see {GUNICORN_LOG})")


ACCESS_LINE = re.compile(r'"(?P<method>[A-Z]+) (?P<target>\S+) HTTP/[0-9.]+" (?P<status>\d{3}) ')


def served_since(offset: int) -> list[tuple[str, str, str]]:
    """(method, target, status) of the requests gunicorn logged after `offset` in its log,
    /healthz left out."""
    time.sleep(0.5)  # requests still in flight when wrk stopped are logged once answered
    with open(GUNICORN_LOG, "rb") as log:
        log.seek(offset)
        text = log.read().decode(errors="replace")
    return [
        (m["method"], m["target"], m["status"])
        for m in ACCESS_LINE.finditer(text)
        if m["target"] != "/healthz"
    ]


class Server:
    """gunicorn as in production (gunicorn.conf.py), on a free loopback port."""

    def __init__(self, log):
        self.log = log
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        env = {**ENV, "PORT": str(self.port), "HOST": "127.0.0.1", "GUNICORN_ACCESS_LOG": "-"}
        self.process = subprocess.Popen(
            [PY, "-m", "gunicorn", "-c", "gunicorn.conf.py", "learnpaths.wsgi:application"],
            cwd=ROOT, env=env, stdout=self.log, stderr=self.log, start_new_session=True,
        )  # fmt: skip
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise SystemExit(f"gunicorn did not start; see {GUNICORN_LOG}")

    def stop(self) -> None:
        if self.process is not None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=40)
            self.process = None

    def restart_cold(self) -> None:
        """Stopped, every cache emptied, started again: nothing requested before is cached."""
        self.stop()
        empty_caches()
        self.start()


def settle_database() -> None:
    """Statistics for the new rows and their dirty pages written out now, rather than by
    autovacuum and the checkpointer in the middle of the measurements."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        cursor.execute("CHECKPOINT")
    connection.close()


def run_scale(n: int) -> dict[str, dict]:
    """{"warm": {page: figures}, "cold": {page: figures}} for the modes asked for."""
    print(f"== seeding {n} resources", flush=True)
    print(manage("seed_bench", "--resources", str(n)), flush=True)
    settle_database()
    results: dict[str, dict] = {}
    with open(GUNICORN_LOG, "a") as log:
        server = Server(log)
        try:
            if "warm" in MODES[MODE]:
                server.start()
                results["warm"] = run_warm(server)
            if "cold" in MODES[MODE]:
                results["cold"] = run_cold(server, n)
        finally:
            server.stop()
    return results


def run_warm(server: Server) -> dict[str, dict]:
    print("-- warm: each page's URL again and again", flush=True)
    pool = learners()
    results: dict[str, dict] = {}
    base = server.base
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
    add_ratios(results)
    return results


def run_cold(server: Server, n: int) -> dict[str, dict]:
    """Each page in ROUNDS rounds; before each page's round the caches are emptied and
    gunicorn restarted, then warmed up on held-out URLs; the latency run and the loaded run
    then each take URLs of their own, none requested since the restart."""
    print("-- cold: every request a URL not requested since the caches were emptied", flush=True)
    chosen = [page for page in selected_pages() if "cold" in page]
    # Thousands of sessions, made only when a signed-in page is to be measured.
    need_sessions = any(page.get("signed_in") for page in chosen)
    signed_in, session_keys = signed_in_learners() if need_sessions else ([], [])
    try:
        plan = []
        for page in selected_pages():
            if "cold" not in page:
                print(f"  {page['name']}: warm only", flush=True)
                continue
            lines = page["cold"](signed_in)[:COLD_POOL_MAX]
            if len(set(lines)) != len(lines):
                raise SystemExit(f"cold {page['name']}: the same request listed twice")
            if not lines:
                raise SystemExit(f"cold {page['name']}: no URLs in the benchmark data")
            plan.append((page, lines))
            print(f"  {page['name']}: {len(lines)} distinct requests", flush=True)
        results: dict[str, dict] = {}
        for number in range(ROUNDS):
            for page, lines in plan:
                measured = cold_round(server, page, lines, f"{n}-{number}")
                figures = results.setdefault(
                    page["name"], {"rps": 0, "p50_us": math.inf, "pool": len(lines), "rounds": []}
                )
                figures["rounds"].append(measured)
                loaded, alone = measured["loaded"], measured["latency"]
                if loaded["rps"] > figures["rps"]:
                    figures.update(
                        rps=loaded["rps"],
                        loaded_p50_us=loaded["p50_us"],
                        loaded_p95_us=loaded["p95_us"],
                        urls_used=loaded["answered"],
                        exhausted=loaded["exhausted"],
                        elapsed_s=loaded["elapsed_s"],
                    )
                if alone["p50_us"] < figures["p50_us"]:
                    figures.update(p50_us=alone["p50_us"], p95_us=alone["p95_us"])
        server.stop()
        for page, lines in plan:
            figures = results[page["name"]]
            figures["queries"] = count_queries(lines[0], cold=True)
            figures["url"] = lines[0].url
            ran_out = f" (ran out after {figures['elapsed_s']:.1f} s)" * figures["exhausted"]
            print(
                f"  {page['name']:<26} {figures['rps']:8.0f} req/s  "
                f"p50 {figures['p50_us'] / 1000:6.1f} ms  p95 {figures['p95_us'] / 1000:6.1f}"
                f" ms  {figures['queries']} queries (cold)  {figures['urls_used']} URLs{ran_out}",
                flush=True,
            )
    finally:
        delete_sessions(session_keys)
    add_ratios(results)
    return results


def cold_round(server: Server, page: dict, lines: list[Line], seed: str) -> dict:
    """One cold round of one page: restart, warm up, one-connection run, loaded run."""
    name = page["name"]
    fixed = len(lines) == 1  # /healthz: nothing to vary, nothing cached
    order = list(lines)
    random.Random(f"{seed}-{name}").shuffle(order)  # noqa: S311 - an order, not a secret
    warmup_count = 0 if fixed else min(COLD_WARMUP_MAX, max(1, len(order) // 10))
    latency_count = 0 if fixed else min(COLD_LATENCY_MAX, max(1, len(order) // 5))
    warmup = order[:warmup_count]
    latency_lines = order[warmup_count : warmup_count + latency_count]
    loaded_lines = order[warmup_count + latency_count :]
    server.restart_cold()
    offset = GUNICORN_LOG.stat().st_size
    wrk(server.base, [Line("GET", "/healthz")], duration=1)  # every worker, its connections
    if fixed:
        loaded = wrk(server.base, lines)
        alone = wrk(server.base, lines, connections=1, duration=LATENCY_DURATION)
        return {"loaded": {**loaded, "answered": loaded["requests"], "exhausted": False,
                           "elapsed_s": loaded["duration_us"] / 1e6},
                "latency": alone}  # fmt: skip
    warm_up(server.port, warmup, name)
    alone = wrk_once(
        server.base, latency_lines, name=f"{name} latency", connections=1,
        duration=LATENCY_DURATION,
    )  # fmt: skip
    loaded = wrk_once(
        server.base, loaded_lines, name=name, connections=CONNECTIONS, duration=DURATION
    )
    served = served_since(offset)
    statuses = Counter(status for _method, _target, status in served)
    if set(statuses) - {"200"}:
        bad = [f"{status} {target}" for _m, target, status in served if status != "200"][:5]
        raise SystemExit(f"cold {name}: gunicorn answered {dict(statuses)}: {', '.join(bad)}")
    # The signed-in pages share URLs between learners (the cookie differs), the others must
    # not repeat one.
    repeated = 0 if page.get("signed_in") else len(served) - len({t for _m, t, _s in served})
    if repeated:
        raise SystemExit(f"cold {name}: {repeated} requests for a URL already served this round")
    return {
        "pool": len(lines),
        "warmup": len(warmup),
        "served": len(served),
        "latency": alone,
        "loaded": loaded,
    }


def add_ratios(results: dict[str, dict]) -> None:
    health = results["healthz"]
    for data in results.values():
        data["rps_ratio"] = health["rps"] / data["rps"]  # how many times slower than /healthz
        data["p50_ratio"] = data["p50_us"] / health["p50_us"]
        data["p95_ratio"] = data["p95_us"] / health["p95_us"]


def main() -> None:
    if MODE not in MODES:
        raise SystemExit(f"BENCH_MODE must be warm, cold or both, not {MODE!r}")
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (apt-get install -y wrk)")
    if not ENV["DATABASE_URL"].startswith("postgres"):
        raise SystemExit("the benchmark runs on PostgreSQL: set DATABASE_URL=postgres://…")
    selected_pages()  # a misspelt BENCH_PAGES fails before the seeding
    OUT.mkdir(parents=True, exist_ok=True)
    GUNICORN_LOG.write_text("")  # this run's log only: the cold runs read it back
    ensure_database()
    manage("migrate", "--noinput")
    manage("collectstatic", "--noinput")
    setup_django()
    runs = {n: run_scale(n) for n in SCALES}
    report(runs)


def git_commit() -> str:
    result = subprocess.run(
        ["git", "describe", "--always", "--dirty"],  # noqa: S607 - git from PATH
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    return result.stdout.strip() or "unknown"


def warm_table(runs: dict[int, dict]) -> str:
    scales = list(runs)
    base = runs[scales[0]]
    lines = ["warm: each page's URL requested again and again (served from the page cache)"]
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
    return "\n".join(lines)


def cold_table(runs: dict[int, dict]) -> str:
    scales = list(runs)
    lines = [
        "cold: every request a URL not requested since the caches were emptied and gunicorn"
        " restarted"
    ]
    header = f"{'page':<26}"
    for n in scales:
        header += f" | {n:>6}: req/s   ×hz  p50ms   ×hz  p95ms  SQL  URLs used/listed"
    lines += [header, "-" * len(header)]
    for name in runs[scales[0]]:
        row = f"{name:<26}"
        for n in scales:
            d = runs[n][name]
            if d["pool"] > 1:
                marks = "*" if d["exhausted"] else " "
                marks += "!" if d["urls_used"] < COLD_FEW else " "
                used = f"{d['urls_used']:>7}/{d['pool']:<6}{marks}"
            else:
                used = f"{'-':>7} {'':<6}  "
            row += (
                f" | {d['rps']:13.0f} {d['rps_ratio']:5.1f} {d['p50_us'] / 1000:6.1f}"
                f" {d['p50_ratio']:5.1f} {d['p95_us'] / 1000:6.1f} {d['queries']:4d}"
                f"  {used}"
            )
        lines.append(row)
    lines.append(
        f"req/s: best of {ROUNDS} rounds with {CONNECTIONS} connections, each request a"
        f" different URL (signed-in pages: a different learner), each round after FLUSHDB and a"
        f" gunicorn restart; p50/p95: lowest of the rounds with one connection, on URLs of"
        f" their own; ×hz: relative to /healthz in the same rounds; SQL: queries of the first"
        f" request after the cache was emptied; URLs used: answered in the best loaded run, of"
        f" those listed; * the run ran out of URLs before {DURATION} s; ! fewer than {COLD_FEW}"
    )
    return "\n".join(lines)


def search_summary(runs: dict[int, dict]) -> str:
    """Search, cold, at each scale: throughput as a ratio to /healthz (loaded run) and the
    one-connection p50 (what the search issue's targets are stated in)."""
    lines = []
    for n, run in runs.items():
        for name, d in run.get("cold", {}).items():
            if name == "search" or name.startswith("search ["):
                lines.append(
                    f"{name} (cold, a different query each request) at {n}: {d['rps']:.0f}"
                    f" req/s = 1/{d['rps_ratio']:.1f} of /healthz's, p50 {d['p50_us'] / 1000:.1f}"
                    f" ms, p95 {d['p95_us'] / 1000:.1f} ms (one connection), loaded p50"
                    f" {d.get('loaded_p50_us', math.nan) / 1000:.1f} ms"
                )
    return "\n".join(lines)


def report(runs: dict[int, dict]) -> None:
    tables = []
    if "warm" in MODES[MODE]:
        tables.append(warm_table({n: run["warm"] for n, run in runs.items()}))
    if "cold" in MODES[MODE]:
        tables.append(cold_table({n: run["cold"] for n, run in runs.items()}))
    if summary := search_summary(runs):
        tables.append(summary)
    table = "\n\n".join(tables)
    print("\n" + table)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    document = {
        "when": stamp,
        "commit": git_commit(),
        "mode": MODE,
        "machine": {"cpus": os.cpu_count()},
        "duration_s": DURATION,
        "latency_duration_s": LATENCY_DURATION,
        "rounds": ROUNDS,
        "connections": CONNECTIONS,
        "learners": LEARNERS,
        "cache": "redis" if ENV.get("CACHE_URL") else "local memory",
        # Warm figures under "scales" (as before the cold runs existed), cold ones apart.
        "scales": {str(n): run["warm"] for n, run in runs.items() if "warm" in run},
        "cold_scales": {str(n): run["cold"] for n, run in runs.items() if "cold" in run},
        "cold_method": (
            "each request a different URL from the benchmark data, sent once (wrk_once.lua);"
            " before each page's round: Redis FLUSHDB and a gunicorn restart, then a warm-up"
            " on held-out URLs of the page type; gunicorn's access log checked for statuses"
            " and repeated URLs"
        ),
        "table": table,
    }
    path = OUT / f"bench-{stamp}.json"
    path.write_text(json.dumps(document, indent=2))
    (OUT / "latest.json").write_text(json.dumps(document, indent=2))
    print(f"\nwritten to {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
