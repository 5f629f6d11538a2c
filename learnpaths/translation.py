"""Paths' curated text in every language of settings.LANGUAGES (modeltranslation): `title`
reads the active language's `title_<code>`, falling back to English when empty."""

from modeltranslation.translator import TranslationOptions, register

from learnpaths.models import LearningPath, SelfCheck, Stage, Step


@register(LearningPath)
class LearningPathTranslation(TranslationOptions):
    fields = (
        "title", "summary", "summary_html", "description", "description_html",
        "assumes", "assumes_html",
    )  # fmt: skip
    required_languages = ("en",)


@register(Stage)
class StageTranslation(TranslationOptions):
    fields = ("title", "goal")
    required_languages = ("en",)


@register(Step)
class StepTranslation(TranslationOptions):
    fields = ("note", "note_html")
    required_languages = ("en",)


@register(SelfCheck)
class SelfCheckTranslation(TranslationOptions):
    fields = ("question", "question_html", "answer", "answer_html")
    required_languages = ("en",)
