"""What is cached, under which key and which version: the one place that decides.

One cache layer per page: the whole rendered page (`cached_page`), for anonymous visitors per
catalogue version, for a signed-in learner per catalogue version and their own
`User.progress_version`. Below the pages there are no cached fragments, only the structures the
pages and the mark-done POST share (`cached`: a path's stages and steps, a slug's id).

Keys name what a value is (`cache_key`: a name, the active language, the parts it depends on);
what makes it stale is passed as Django's own `version=`: the catalogue version, raised by every
change to curated content (`resources.invalidation`), which the catalogue app hands to
`use_version` at start-up (this module sits below the apps and imports neither), and for a
learner's pages their progress version too. A change therefore makes every older value
unreachable at once, on every app server, without deleting keys one by one (old entries expire).
Reading the catalogue version costs one primary-key query per request, memoised on the request
(none for signed-in visitors: it comes with their user row).
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import quote, urlencode

from cachetools import TTLCache
from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone, translation

T = TypeVar("T")
# Values are unreachable after a change anyway; the timeout only bounds memory. (Pages that go
# out of date with time say until when they hold: `response.cache_until`.)
DEFAULT_TIMEOUT = 60 * 60
# A learner's pages are rendered again after each of their changes anyway; the timeout only
# bounds how long pages of learners who have left stay in memory.
LEARNER_TIMEOUT = 10 * 60
# Keys longer than this have their parts replaced by a digest: memcached-compatible lengths
# (Django warns about keys over 250 characters), prefix and version included.
MAX_KEY_PARTS_LENGTH = 180


def _unversioned(request) -> int:
    return 0


_version: Callable[[Any], int] = _unversioned


def use_version(source: Callable[[Any], int]) -> None:
    """Version every cached value by `source(request)` (an int that changes whenever what they
    show changes). Called once, by the catalogue app's `ready()`."""
    global _version
    _version = source


def catalogue_version(request) -> int:
    return _version(request)


def cache_key(name: str, *parts: Any, localised: bool = True) -> str:
    """The key of a cached value: `name`, the active language when the value holds text shown
    to people (`localised`: pages, rendered HTML) and `parts`, each quoted so that a key has no
    spaces or control characters; when the parts are long, their digest instead. Versions are
    not part of the key: pass them as `version=` (`catalogue_version`, `learner_version`).

    >>> cache_key("page", "/paths/p/")  # with English active
    'page:en:%2Fpaths%2Fp%2F'
    """
    language = (translation.get_language() or settings.LANGUAGE_CODE) if localised else "-"
    tail = ":".join(quote(str(part), safe="") for part in parts)
    if len(tail) > MAX_KEY_PARTS_LENGTH:
        tail = "#" + hashlib.blake2b(tail.encode(), digest_size=16).hexdigest()
    return f"{name}:{language}:{tail}"


def learner_version(request) -> str:
    """The version of a signed-in learner's pages: the catalogue version and theirs, as
    "<catalogue>.<progress>" (either change makes the page stale)."""
    return f"{catalogue_version(request)}.{request.user.progress_version}"


# This process's copy of the most used structures (a path of 40 steps takes about 50 kB), in
# front of the shared cache: a value under a versioned key never changes, so the copy is never
# stale, and it spares the round trip to Redis and the unpickling. Bounded by entries and by
# age: should a version ever go back (a database restored from a backup), old copies are gone
# within `ttl` seconds. cachetools' caches are not thread-safe: gunicorn's threads share
# `_local_lock`.
local_cache: TTLCache = TTLCache(maxsize=256, ttl=5 * 60)
_local_lock = threading.Lock()


def _local_get(key: str) -> Any:
    with _local_lock:
        return local_cache.get(key)


def _local_set(key: str, value: Any) -> None:
    with _local_lock:
        local_cache[key] = value


def cached(
    name: str,
    *parts: Any,
    version: int,
    build: Callable[[], T],
    local: bool = False,
    localised: bool = True,
    timeout: int = DEFAULT_TIMEOUT,
) -> T:
    """`build()`'s result, shared by all visitors until `version` changes; with `local`, also
    kept in this process's `local_cache` (small, often used values). `localised=False` for
    values that hold no text shown to people (ids), so that they are shared by all languages.

    `build` must return something picklable and not None; an exception it raises (Http404) is
    passed on and nothing is cached.
    """
    key = cache_key(name, *parts, localised=localised)
    local_key = cache.make_key(key, version=version)
    if local and (value := _local_get(local_key)) is not None:
        return value
    value = cache.get(key, version=version)
    if value is None:
        value = build()
        cache.set(key, value, timeout, version=version)
    if local:
        _local_set(local_key, value)
    return value


def cached_many(
    name: str,
    ids: Iterable[int],
    *,
    version: int,
    build: Callable[[list[int]], dict[int, T]],
    timeout: int = DEFAULT_TIMEOUT,
) -> dict[int, T]:
    """{id: value} for `ids`, from this process's memory, then the shared cache (one round
    trip), and `build(missing_ids)` for the rest (one call, cached); ids that `build` leaves
    out are left out. Values are localised (rendered HTML) and kept locally as well."""
    keys = {pk: cache_key(name, pk) for pk in set(ids)}
    local_keys = {pk: cache.make_key(key, version=version) for pk, key in keys.items()}
    result = {pk: value for pk in keys if (value := _local_get(local_keys[pk])) is not None}
    shared = [keys[pk] for pk in keys if pk not in result]
    if shared:
        found = cache.get_many(shared, version=version)
        for pk, key in keys.items():
            if key in found:
                result[pk] = found[key]
                _local_set(local_keys[pk], found[key])
    missing = [pk for pk in keys if pk not in result]
    if missing:
        built = build(missing)
        cache.set_many({keys[pk]: value for pk, value in built.items()}, timeout, version=version)
        for pk, value in built.items():
            _local_set(local_keys[pk], value)
        result |= built
    return result


# The longest query string whose page is cached; longer ones are rendered every time, so that
# made-up URLs cannot fill the cache with large keys.
MAX_CACHED_QUERY = 512
# Names the shape of a stored page, (content type, body, until): a new shape takes a new name,
# so that the app servers of two releases in a rolling deploy never read each other's pages.
_PAGE_ENTRY = "page.v3"
_MESSAGES_COOKIE = "messages"  # django.contrib.messages' CookieStorage
_MESSAGES_SESSION_KEY = "_messages"  # its SessionStorage
# Stands for the CSRF token in a stored learner page: the token depends on the browser's CSRF
# cookie, not on the learner, so each response gets a freshly masked one for its own browser.
# Markup no escaped text or sanitised Markdown can contain.
CSRF_PLACEHOLDER = "<csrf-token>"
_CSRF_INPUT = re.compile(r'(name="csrfmiddlewaretoken" value=")[A-Za-z0-9]{64}(")')


def cached_page(
    name: str, *, params: frozenset[str] = frozenset(), daily: bool = False
) -> Callable:
    """Cache a view's whole rendered page: the one cache layer of the page.

    Anonymous visitors all see the same page for the same URL: it is stored once per catalogue
    version, for `DEFAULT_TIMEOUT`. A signed-in learner's page (their header, their progress)
    is stored for them alone, per catalogue version and their progress version (raised by every
    change to their progress or follows), for `LEARNER_TIMEOUT`; with `daily`, also per date
    (pages that count by day). Every key holds the language, the host, the path, the query
    parameters the view reads (`params`, sorted) and whether htmx asked (it gets a fragment).

    Only GET/HEAD requests with no pending messages are served from the cache; a request with
    any other parameter, or a long query string, is rendered normally and not stored, so junk
    parameters cannot multiply the entries. Only 200 responses are stored. An anonymous page
    whose rendering used a CSRF token is not stored (a token is per visitor); in a learner's
    page the tokens are stored as a placeholder and each response gets a freshly masked token
    for its own browser's cookie.

    Only the body and content type are stored; a fresh response goes through the middleware,
    which adds the security headers, Vary and cookies as for any other response. A page that
    goes out of date at a known instant (an upcoming deadline that passes) says so in
    `response.cache_until` (an aware datetime): it is not served from the cache past it.
    """

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            parts = _request_key_parts(request, params)
            if parts is None:
                return view(request, *args, **kwargs)
            learner = request.user.is_authenticated
            if learner:
                user = request.user
                parts += (user.pk, user.username, user.is_staff)
                if daily:
                    parts += (timezone.localdate(),)
                version: int | str = learner_version(request)
            else:
                version = catalogue_version(request)
            key = cache_key(_PAGE_ENTRY, name, *parts)
            hit = cache.get(key, version=version)
            if hit is not None:
                content_type, body, until = hit
                if until is None or timezone.now() <= until:
                    if learner:  # also renews the browser's CSRF cookie, as a render would
                        body = body.replace(CSRF_PLACEHOLDER, get_token(request))
                    return HttpResponse(body, content_type=content_type)
            response = view(request, *args, **kwargs)
            if response.status_code != 200 or response.streaming or has_pending_messages(request):
                return response
            if learner:
                body = _CSRF_INPUT.sub(rf"\1{CSRF_PLACEHOLDER}\2", response.content.decode())
                timeout = LEARNER_TIMEOUT
            elif request.META.get("CSRF_COOKIE_NEEDS_UPDATE") or response.cookies:
                return response
            else:
                body, timeout = response.content, DEFAULT_TIMEOUT
            until = getattr(response, "cache_until", None)
            cache.set(key, (response["Content-Type"], body, until), timeout, version=version)
            return response

        return wrapper

    return decorator


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
    # Keys sorted, each key's values in their order: a view reading one value of a repeated
    # parameter (the last, as QueryDict.get) renders different pages for different orders.
    query = [(key, value) for key in sorted(request.GET) for value in request.GET.getlist(key)]
    return (
        # The scheme too: feeds and hreflang links hold absolute URLs.
        request.scheme,
        request.get_host(),
        request.path,
        urlencode(query),
        request.headers.get("HX-Request") == "true",
    )


def has_pending_messages(request) -> bool:
    """Messages waiting to be shown (the page would display them, and must not be shared)."""
    storage = getattr(request, "_messages", None)
    if storage is not None and getattr(storage, "_queued_messages", None):
        return True
    if _MESSAGES_COOKIE in request.COOKIES:
        return True
    session = getattr(request, "session", None)
    return session is not None and _MESSAGES_SESSION_KEY in session
