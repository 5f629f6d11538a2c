"""The page in each of the site's languages: for the switch and the hreflang alternates."""

from __future__ import annotations

from dataclasses import dataclass

from django import template
from django.conf import settings
from django.urls import translate_url
from django.utils.translation import get_language

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
    """This page in every language of `settings.LANGUAGES`, in that order. A page outside the
    language prefix (or without a request) keeps its own URL for every language."""
    request = context.get("request")
    here = request.get_full_path() if request is not None else "/"
    active = get_language()
    return [
        PageLanguage(code, _BCP47.get(code, code), name, translate_url(here, code), code == active)
        for code, name in settings.LANGUAGES
    ]


@register.filter
def bcp47(code: str) -> str:
    """A Django language code as BCP 47 spells it ("zh-hans" → "zh-Hans")."""
    return _BCP47.get(code, code)
