"""Hooks for django-axes (brute-force protection on sign-in); wired up in settings."""

import ipaddress

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.base import SessionBase
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers

from learnpaths.models import User

# axes stores the username in a 255-character column.
MAX_USERNAME_LENGTH = 255


def client_ip(request: HttpRequest) -> str:
    """The address of the person signing in, as our own proxies saw it.

    Each trusted proxy appends the address it received the request from to X-Forwarded-For, so
    with `TRUSTED_PROXIES` = N the client is the N-th entry from the right. Entries further left
    come from the client and could be anything, so they are never used. Without proxies, or with
    a header shorter than the proxy chain (a misconfiguration), REMOTE_ADDR is the answer.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    hops = settings.TRUSTED_PROXIES
    if hops <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < hops:
        return remote
    candidate = forwarded[-hops]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def axes_username(request: HttpRequest, credentials: dict | None = None) -> str:
    """The account a sign-in attempt is aimed at, whichever way it was typed.

    The sign-in field takes a username or an e-mail address; both must count against the same
    account, or an attacker would get twice the attempts. Unknown e-mail addresses are counted
    case-insensitively, as they are matched.
    """
    typed = (credentials or {}).get("username") or request.POST.get("username") or ""
    typed = str(typed).strip()
    if "@" in typed:
        username = (
            User.objects.filter(email__iexact=typed).values_list("username", flat=True).first()
        )
        typed = username or typed.lower()
    return typed[:MAX_USERNAME_LENGTH]


def lockout_response(
    request: HttpRequest, original_response=None, credentials: dict | None = None
) -> HttpResponse:
    """The page a locked-out person sees: what happened, for how long, and what to do."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(
        request,
        "registration/locked_out.html",
        {"minutes": minutes, "failure_limit": settings.AXES_FAILURE_LIMIT},
        status=429,
    )


class UntouchedSession(SessionBase):
    """An empty session that never reads or writes the session store and that Django's session
    middleware leaves alone: it neither saves it nor deletes the visitor's session cookie (that
    happens to a session that is empty or modified)."""

    def is_empty(self) -> bool:
        return False

    @property
    def modified(self) -> bool:
        return False

    @modified.setter
    def modified(self, value: bool) -> None:
        # Whatever the 400 page does to the session (the messages framework pops its key), the
        # visitor's real session is not replaced.
        pass

    def load(self) -> dict:
        return {}

    def exists(self, session_key: str) -> bool:
        return False

    def create(self) -> None:
        pass

    def save(self, must_create: bool = False) -> None:
        pass

    def delete(self, session_key: str | None = None) -> None:
        pass


class RejectNulBytesMiddleware:
    """Answer 400 to a request with a NUL character anywhere the app could read it: the path,
    the query string, form fields (names and values), cookies and headers.

    No real link, form or browser sends one, and PostgreSQL cannot store or compare text
    containing NUL: any view that looked such a value up or saved it (a tag's slug, a topic
    filter, a mark-done's path, an admin search) would fail with a database error, a 500.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self.has_nul(request):
            # The 400 page is shown to an anonymous visitor: looking the session up by a key with
            # NUL in it would itself fail on PostgreSQL. The stand-in is left alone by the session
            # middleware, so the visitor stays signed in: a link on another site carrying a NUL
            # must not sign a learner or a curator out.
            request.session = UntouchedSession()
            request.user = AnonymousUser()
            raise SuspiciousOperation("NUL character in the request")
        return self.get_response(request)

    @staticmethod
    def has_nul(request: HttpRequest) -> bool:
        # Headers arrive as META's HTTP_* entries (the cookie header among them); cookies are
        # checked once parsed too, as a quoted cookie may spell NUL as the escape \000.
        texts = [
            request.path,
            *(value for name, value in request.META.items() if name.startswith("HTTP_")),
            *request.COOKIES.values(),
        ]
        # Reading POST parses the body: a file part is refused there (DATA_UPLOAD_MAX_NUMBER_FILES),
        # a body over the size limits too, each with a 400.
        for query in (request.GET, request.POST):
            for name, values in query.lists():
                texts.append(name)
                texts.extend(values)
        return any("\x00" in text for text in texts if isinstance(text, str))


class IsolationHeadersMiddleware:
    """Headers Django's SecurityMiddleware does not set, on every response, static files
    included (it is outermost, around WhiteNoise): other sites may not load this site's
    responses into their pages (Cross-Origin-Resource-Policy), and the site asks for no
    powerful browser feature (Permissions-Policy)."""

    HEADERS = {
        "Cross-Origin-Resource-Policy": "same-origin",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    }

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        for name, value in self.HEADERS.items():
            response.headers.setdefault(name, value)
        return response


class LearnerNoStoreMiddleware:
    """Forbid storing a signed-in visitor's pages and any htmx answer: `Cache-Control: no-cache,
    no-store, must-revalidate, private` (Django's `add_never_cache_headers`).

    Without it the browser's Back button shows a learner's page as it was before a status
    change made with htmx (browsers reuse a stored page for history navigation), and a page
    holding one learner's progress could be kept by a shared cache. htmx fragments share their
    URL with a full page, so they are never stored either. Anonymous catalogue pages keep their
    own headers. It sits after the authentication middleware, which gives it `request.user`;
    static files are answered by WhiteNoise before it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # Checked after the view: signing in or out changes who the page is for.
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if signed_in or request.headers.get("HX-Request") == "true":
            add_never_cache_headers(response)
        return response
