"""Response rules that hold for every view."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


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
