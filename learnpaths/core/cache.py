"""Cached fragments and pages, keyed by version numbers kept in the database.

Every change to curated content (admin, `manage.py seed`, catalogue import, `seed_bench`) bumps
one number, the catalogue's version (`resources.versions`, which the catalogue app hands to
`use_version` at start-up: this module sits below the apps and imports neither); every cache
key includes it. A change therefore makes every
older fragment unreachable at once, on every app server, without deleting keys one by one (old
entries simply expire). Reading the number costs one primary-key query per request, memoised
on the request (none for signed-in visitors: it comes with their user row).

A learner's own pages are cached under their `User.progress_version` as well (`learner_page`),
which every change to their progress or follows raises.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.safestring import SafeString

T = TypeVar("T")
# Fragments are unreachable after a change anyway; the timeout only bounds memory. (Parts that
# go out of date with time say until when they hold: `stale`, `cache_until`.)
DEFAULT_TIMEOUT = 60 * 60


def _unversioned(request) -> int:
    return 0


_version: Callable[[Any], int] = _unversioned


def use_version(source: Callable[[Any], int]) -> None:
    """Key every cached fragment and page by `source(request)` (an int that changes whenever
    what they show changes). Called once, by the catalogue app's `ready()`."""
    global _version
    _version = source


def catalogue_version(request) -> int:
    return _version(request)


class LocalCache:
    """The most recently used values of this process, in front of the shared cache.

    A value stored under a versioned key never changes (a change makes a new key), so a process
    may keep its own copy without ever serving a stale one, and spare the round trip to Redis
    and the unpickling. Bounded by the number of entries (the least recently used go first)
    and by age: should the version ever go back (a database restored from a backup), old
    copies are gone within `ttl` seconds, as in the shared cache.
    """

    def __init__(self, size: int, ttl: float):
        self.size, self.ttl = size, ttl
        self._entries: OrderedDict[str, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()  # gunicorn's threads share it

    def get(self, key: str) -> Any:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry[0] < time.monotonic():
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def set(self, key: str, value: Any) -> None:
        with self._lock:
            self._entries[key] = (time.monotonic() + self.ttl, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


# Path structures and small lookups (a slug's id); a path of 40 steps takes about 50 kB.
local_cache = LocalCache(size=256, ttl=5 * 60)


def fragment_key(name: str, *parts: Any, version: int) -> str:
    raw = "\x1f".join(str(part) for part in parts)
    digest = hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()
    return f"lp:{version}:{name}:{digest}"


def cached(
    request,
    name: str,
    *parts: Any,
    build: Callable[[], T],
    timeout: int = DEFAULT_TIMEOUT,
    local: bool = False,
    stale: Callable[[T], bool] | None = None,
) -> T:
    """`build()`'s result, shared by all visitors until the catalogue changes; with `local`,
    also kept in this process's `local_cache` (small, often used values). With `stale`, a
    stored value for which `stale(value)` is true is built again (values that go out of date
    with time, such as a list of upcoming deadlines, not only with edits).

    `build` must return something picklable and not None; an exception it raises (Http404) is
    passed on and nothing is cached.
    """
    key = fragment_key(name, *parts, version=catalogue_version(request))
    value = local_cache.get(key) if local else None
    if value is None or (stale is not None and stale(value)):
        value = cache.get(key)
        if value is None or (stale is not None and stale(value)):
            value = build()
            cache.set(key, value, timeout)
        if local:
            local_cache.set(key, value)
    return value


def cached_page(request, name: str, *parts: Any, queryset, per_page: int) -> Page:
    """`Paginator(queryset, per_page).get_page(?page=)`, with the page's rows and the total count
    cached together (two queries and a prefetch saved per hit)."""
    paginator = Paginator(queryset, per_page)
    requested = request.GET.get("page")

    def build() -> tuple[int, int, list]:
        page = paginator.get_page(requested)
        return paginator.count, page.number, list(page.object_list)

    count, number, rows = cached(request, name, *parts, requested, build=build)
    paginator.count = count  # a cached_property: setting it spares the COUNT query
    return Page(rows, number, paginator)


# The longest query string whose page is cached; longer ones are rendered every time, so that
# made-up URLs cannot fill the cache with large keys.
MAX_CACHED_QUERY = 512
# Names the shape of a stored page, (content type, body, until): a new shape takes a new name,
# so that the app servers of two releases in a rolling deploy never read each other's pages.
_PAGE_ENTRY = "page.v2"
_MESSAGES_COOKIE = "messages"  # django.contrib.messages' CookieStorage
_MESSAGES_SESSION_KEY = "_messages"  # its SessionStorage


def anonymous_page(
    name: str, *, params: frozenset[str] = frozenset(), timeout: int = DEFAULT_TIMEOUT
) -> Callable:
    """Cache a catalogue view's whole rendered page for anonymous visitors.

    Anonymous visitors all see the same page for the same URL, so rendering it once per
    catalogue version is enough. Only GET/HEAD requests from anonymous visitors with no
    pending messages are served from the cache, and only 200 responses whose rendering did not
    use a CSRF token are stored (a token is per visitor). The key is the path plus the query
    parameters the view reads (`params`), sorted; a request with any other parameter, or a
    long query string, is rendered normally and not stored, so junk parameters cannot
    multiply the entries. htmx requests get their own entries (they receive a fragment).

    Only the body and content type are cached; a fresh response goes through the middleware,
    which adds the security headers, Vary and cookies as for any other response.

    A page that goes out of date at a known instant (an upcoming deadline that passes) says so
    in `response.cache_until` (an aware datetime): it is not served from the cache once
    `timezone.now()` is past it.
    """

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            parts = _anonymous_key_parts(request, params)
            if parts is None:
                return view(request, *args, **kwargs)
            key = fragment_key(f"{_PAGE_ENTRY}:{name}", *parts, version=catalogue_version(request))
            hit = cache.get(key)
            if hit is not None:
                content_type, body, until = hit
                if until is None or timezone.now() <= until:
                    return HttpResponse(body, content_type=content_type)
            response = view(request, *args, **kwargs)
            if (
                response.status_code == 200
                and not response.streaming
                and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
                and not response.cookies
            ):
                until = getattr(response, "cache_until", None)
                cache.set(key, (response["Content-Type"], response.content, until), timeout)
            return response

        return wrapper

    return decorator


# A learner's pages are rendered again after each of their changes anyway; the timeout only
# bounds how long pages of learners who have left stay in memory.
LEARNER_TIMEOUT = 10 * 60
# Stands for the CSRF token in a stored learner page: the token depends on the browser's CSRF
# cookie, not on the learner, so each response gets a freshly masked one for its own browser.
# Markup no escaped text or sanitised Markdown can contain.
CSRF_PLACEHOLDER = "<csrf-token>"
_CSRF_INPUT = re.compile(r'(name="csrfmiddlewaretoken" value=")[A-Za-z0-9]{64}(")')


def learner_page(
    name: str,
    *,
    params: frozenset[str] = frozenset(),
    daily: bool = False,
    timeout: int = LEARNER_TIMEOUT,
) -> Callable:
    """Cache a view's whole rendered page for the signed-in learner.

    The key holds the learner, their `progress_version` (raised by every change to their
    progress or follows, by the database's triggers), what the header shows of them, the
    catalogue version, the URL as for `anonymous_page` and, with `daily`, the date (pages that
    count by day). The user row, which the authentication middleware loads anyway, brings the
    catalogue version with it, so a hit costs no query of its own, only one cache read. CSRF
    tokens are stored as a placeholder and replaced by the browser's own on the way out.
    """

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            parts = _learner_key_parts(request, params)
            if parts is None:
                return view(request, *args, **kwargs)
            if daily:
                parts += (timezone.localdate(),)
            key = fragment_key(f"learner:{name}", *parts, version=catalogue_version(request))
            hit = cache.get(key)
            if hit is None:
                response = view(request, *args, **kwargs)
                if (
                    response.status_code != 200
                    or response.streaming
                    or has_pending_messages(request)
                ):
                    return response
                content_type = response["Content-Type"]
                cache.set(key, (content_type, body_to_store(response)), timeout)
                return response
            content_type, body = hit
            token = get_token(request)  # also renews the browser's CSRF cookie, as a render would
            return HttpResponse(body.replace(CSRF_PLACEHOLDER, token), content_type=content_type)

        return wrapper

    return decorator


def body_to_store(response) -> str:
    """The response's body with its CSRF tokens replaced by `CSRF_PLACEHOLDER`."""
    return _CSRF_INPUT.sub(rf"\1{CSRF_PLACEHOLDER}\2", response.content.decode())


# Marks where a visitor's own part goes in a page rendered once for many (`fill_slots`). Markup
# that escaped text and sanitised Markdown cannot contain.
SLOT = SafeString("<lp-slot>")


def fill_slots(page: str, parts: list[SafeString], *, csrf_token: str) -> str | None:
    """A page stored by `body_to_store` with this visitor's parts in its slots and their
    CSRF token; None if the page does not have one slot per part."""
    pieces = page.replace(CSRF_PLACEHOLDER, csrf_token).split(SLOT)
    if len(pieces) != len(parts) + 1:
        return None
    filled = [pieces[0]]
    for part, piece in zip(parts, pieces[1:], strict=True):
        filled += (part, piece)
    return "".join(filled)


def _request_key_parts(request, params: frozenset[str]) -> tuple | None:
    """The URL a cached page depends on, or None when it must not come from the cache: not
    GET/HEAD, a long query string, a parameter the view does not read, or messages to show."""
    if request.method not in ("GET", "HEAD"):
        return None
    if len(request.META.get("QUERY_STRING", "")) > MAX_CACHED_QUERY:
        return None
    if any(key not in params for key in request.GET):
        return None
    if has_pending_messages(request):
        return None
    query = sorted((key, value) for key in request.GET for value in request.GET.getlist(key))
    return (
        request.get_host(),
        request.path,
        query,
        request.headers.get("HX-Request") == "true",
    )


def _anonymous_key_parts(request, params: frozenset[str]) -> tuple | None:
    """What the anonymous page depends on, or None when it must not come from the cache."""
    if request.user.is_authenticated:
        return None
    return _request_key_parts(request, params)


def _learner_key_parts(request, params: frozenset[str]) -> tuple | None:
    """What the signed-in learner's page depends on, or None when it must not be cached."""
    user = request.user
    if not user.is_authenticated:
        return None
    parts = _request_key_parts(request, params)
    if parts is None:
        return None
    return (*parts, user.pk, user.progress_version, user.username, user.is_staff)


def has_pending_messages(request) -> bool:
    """Messages waiting to be shown (the page would display them, and must not be shared)."""
    storage = getattr(request, "_messages", None)
    if storage is not None and getattr(storage, "_queued_messages", None):
        return True
    if _MESSAGES_COOKIE in request.COOKIES:
        return True
    session = getattr(request, "session", None)
    return session is not None and _MESSAGES_SESSION_KEY in session
