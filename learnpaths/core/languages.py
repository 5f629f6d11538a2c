"""Curated text kept in every language of settings.LANGUAGES (modeltranslation)."""

from django.conf import settings
from django.db import models
from django.db.models.signals import pre_save
from django.dispatch import receiver
from modeltranslation.translator import NotRegistered, translator
from modeltranslation.utils import build_localized_fieldname


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
