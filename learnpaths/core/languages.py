"""The site's languages: curated text kept in every language of settings.LANGUAGES
(modeltranslation), and a page's URL in another language."""

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.db import models
from django.db.models.signals import pre_save
from django.dispatch import receiver
from django.urls import translate_url
from django.utils import translation
from django.utils.translation import get_language_from_path
from modeltranslation.translator import NotRegistered, translator
from modeltranslation.utils import build_localized_fieldname


def localized_fields(name: str) -> list[str]:
    """The columns of a translated field, one per language of settings.LANGUAGES, in their
    order (`summary` → [`summary_en`, `summary_zh_hans`])."""
    return [build_localized_fieldname(name, code) for code, _name in settings.LANGUAGES]


@receiver(pre_save, dispatch_uid="default_language_texts_not_null")
def default_language_texts_not_null(sender: type[models.Model], instance, **kwargs) -> None:
    """Store "" rather than NULL as the default language's text of each translated field (say,
    a row made in the shell without a description): the text the other languages fall back to
    is never missing, whichever door wrote the row. Connected for every model; models without
    translated fields return at once."""
    try:
        options = translator.get_options_for_model(sender)
    except NotRegistered:
        return
    for field in options.get_field_names():
        name = build_localized_fieldname(field, settings.LANGUAGE_CODE)
        if getattr(instance, name) is None:
            setattr(instance, name, "")


def url_in_language(url: str, language: str, *, inner: bool = True) -> str:
    """This site's `url` (a path with query, as `request.get_full_path()` gives) as the same
        page in `language`: "/zh-hans/paths/p/?next=/zh-hans/me/" → "/en/paths/p/?next=/en/me/".

        The path is reversed in `language` from what it resolves to in its own prefix's language
        (whatever language is active); a path that resolves to nothing (a 404) keeps its rest
        under the other prefix; a local `next` parameter is moved too (one level: a `next` inside it
    stays). A URL without a language
        prefix (the admin, /healthz) comes back unchanged.
    """
    parts = urlsplit(url)

    def moves(name: str, value: str) -> bool:  # one level deep: a nested `next` stays as it is
        return inner and name == "next" and value.startswith("/")

    source = get_language_from_path(parts.path)
    if source is None:
        return url
    with translation.override(source):
        path = translate_url(parts.path, language)
    if path == parts.path and source != language:
        path = f"/{language}/" + parts.path.removeprefix(f"/{source}/")
    query = [
        (name, url_in_language(value, language, inner=False) if moves(name, value) else value)
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
    ]
    return urlunsplit(("", "", path, urlencode(query, safe="/"), parts.fragment))
