"""The page in each of the site's languages: for the switch and the hreflang alternates."""

from __future__ import annotations

from dataclasses import dataclass

from django import template
from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.urls import reverse
from django.utils.translation import get_language

from learnpaths.core.languages import url_in_language

register = template.Library()

# BCP 47 spelling of Django's language codes, for `lang` and `hreflang` (zh-hans → zh-Hans).
_BCP47 = {"zh-hans": "zh-Hans"}


@dataclass(frozen=True)
class PageLanguage:
    code: str  # Django's code: "en", "zh-hans"
    tag: str  # BCP 47: "en", "zh-Hans"
    name: str  # the language's name in itself: "English", "简体中文"
    url: str  # this page's path and query in that language
    current: bool


@register.simple_tag(takes_context=True)
def page_languages(context) -> list[PageLanguage]:
    """This page in every language of `settings.LANGUAGES`, in that order (`url_in_language`;
    a 404 keeps its path under the other prefix). The answer to a POST (a form's errors, the
    CSRF page) offers the home page instead: its URL cannot be opened with GET."""
    request = context.get("request")
    here = "/"
    if request is not None:
        here = request.get_full_path() if request.method in ("GET", "HEAD") else reverse("home")
    active = get_language()
    # Worked out once per page: its head (hreflang) and its header (the switch) both ask.
    known = getattr(request, "_page_languages", {})
    if (active, here) not in known:
        known[active, here] = [
            PageLanguage(
                code, _BCP47.get(code, code), name, url_in_language(here, code), code == active
            )
            for code, name in settings.LANGUAGES
        ]
        if request is not None:
            request._page_languages = known
    return known[active, here]


@register.simple_tag(takes_context=True)
def site_origin(context) -> str:
    """ "https://learnpaths.example", for absolute links (hreflang); "" when the request's host
    is not one the site serves (the 400 page for that request must not fail again)."""
    request = context.get("request")
    if request is None:
        return ""
    try:
        return f"{request.scheme}://{request.get_host()}"
    except DisallowedHost:
        return ""


@register.filter
def bcp47(code: str) -> str:
    """A Django language code as BCP 47 spells it ("zh-hans" → "zh-Hans")."""
    return _BCP47.get(code, code)
