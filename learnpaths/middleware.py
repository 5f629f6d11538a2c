"""Response rules that hold for every view."""

from collections.abc import Callable

from django.contrib.admin.views.main import ERROR_FLAG
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
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
