"""Small HTTP helpers shared by every view: safe redirects, the CSRF page."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """The 403 for a form whose CSRF token no longer holds (the learner signed in or out in
    another tab, or the page is very old): reloading the page gives it a valid one. htmx gets
    the sentence alone, as plain text, which static/js/progress.js shows by the form."""
    message = gettext(
        "This page is out of date (you may have signed in or out in another tab), so your "
        "change was not saved. Reload the page and try again."
    )
    if request.htmx:
        return HttpResponse(message, status=403, content_type="text/plain; charset=utf-8")
    context = {"message": message, "back": safe_next(request, default=reverse("home"))}
    return render(request, "learnpaths/csrf_failure.html", context, status=403)


def safe_next(request: HttpRequest, default: str) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default
