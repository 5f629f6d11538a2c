"""The catalogue's curated text in every language of settings.LANGUAGES (modeltranslation):
`summary` reads the active language's `summary_<code>`, falling back to English when empty.
A resource keeps its own language (its `title_zh` is the title it has in Chinese)."""

from modeltranslation.translator import TranslationOptions, register

from resources.models import Concept, ConferenceDeadline, ConferenceEdition


@register(Concept)
class ConceptTranslation(TranslationOptions):
    fields = ("summary", "summary_html", "body", "body_html")
    required_languages = ("en",)


@register(ConferenceEdition)
class ConferenceEditionTranslation(TranslationOptions):
    fields = ("notes",)
    required_languages = ("en",)


@register(ConferenceDeadline)
class ConferenceDeadlineTranslation(TranslationOptions):
    fields = ("note",)
    required_languages = ("en",)
