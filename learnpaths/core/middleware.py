"""Response rules that hold for every view."""

from collections.abc import Callable

from django.contrib.admin.views.main import ERROR_FLAG
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.base import SessionBase
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.utils import timezone
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django.utils.translation import gettext


class HeadWithoutBodyMiddleware:
    """A HEAD response carries the GET response's headers and no body (RFC 9110 §9.3.2).

    Django's views answer HEAD as GET, body included; its test client and runserver drop the
    body, gunicorn drops it too but logs "sent body bytes on a no-body response" each time.
    Content-Length (set by CommonMiddleware, further in) is kept: it describes the GET body.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.method == "HEAD":
            if response.streaming:
                # A file's handle stays registered with the response and is closed with it.
                response.streaming_content = []
            else:
                response.content = b""
        return response


class AdminOverflowMiddleware:
    """An integer too large for the database in an admin URL's query (a changelist filter such
    as `?path=9223372036854775808`) is the visitor's mistake, not a server error.

    Django turns most out-of-range integer lookups into "no match", but not all of them (a
    foreign-key filter by its raw name reaches SQLite's driver, which raises OverflowError
    while the list is counted). Whichever admin it is, ours or an installed app's: a changelist
    answers as Django answers any invalid filter (the unfiltered list, flagged with `?e=1`);
    any other admin page answers 400.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        match = request.resolver_match
        if (
            not isinstance(exception, OverflowError)
            or match is None
            or "admin" not in match.namespaces
        ):
            return None
        if (match.url_name or "").endswith("_changelist"):
            return HttpResponseRedirect(f"{request.path}?{ERROR_FLAG}=1")
        return HttpResponseBadRequest(gettext("A number in this address is out of range."))


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


class LearnerTimeZoneMiddleware:
    """A signed-in learner's dates and times are in their own time zone: while their request is
    answered, the zone of their user row (`zone`, read with it on every request anyway) is the
    current one, so that `timezone.localdate()` is their today and templates show their dates.
    Anonymous visitors, and everyone outside requests, have the site's (UTC)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        zone = getattr(request.user, "zone", None)  # AnonymousUser has none
        if zone is None:
            return self.get_response(request)
        with timezone.override(zone):
            return self.get_response(request)


class LearnerNoStoreMiddleware:
    """Forbid storing a signed-in visitor's pages and any htmx answer: `Cache-Control: no-cache,
    no-store, must-revalidate, private` (Django's `add_never_cache_headers`).

    Without it the browser's Back button shows a learner's page as it was before a status
    change made with htmx (browsers reuse a stored page for history navigation), and a page
    holding one learner's progress could be kept by a shared cache. htmx fragments share their
    URL with a full page, so they are never stored either, and every page says `Vary:
    HX-Request` so that a cache which does keep the full page never hands it to htmx (nor a
    fragment to a browser). Anonymous catalogue pages keep their own headers otherwise. It sits
    after the authentication middleware, which gives it `request.user`, and after django-htmx's,
    which gives it `request.htmx`; static files are answered by WhiteNoise before it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # Checked after the view: signing in or out changes who the page is for.
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if signed_in or request.htmx:
            add_never_cache_headers(response)
        patch_vary_headers(response, ("HX-Request",))
        return response
