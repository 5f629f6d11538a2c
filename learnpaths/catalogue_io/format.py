"""The catalogue document format (docs/catalogue-format.md): its name and the fields of each kind
of item, shared by the importer and the exporter.
"""

from __future__ import annotations

from django.conf import settings
from modeltranslation.utils import build_localized_fieldname

# The format's name is data, written in every catalogue file there is: it keeps the spelling it
# was published with.
FORMAT = "learnpaths-catalog/1"


def translations(*fields: str) -> tuple[str, ...]:
    """The document keys of `fields` in the languages other than the default, named as the
    model's fields are (`("summary",)` → `("summary_zh_hans",)`): "summary" itself is the
    English text, as in documents written before the site had a second language."""
    return tuple(
        build_localized_fieldname(field, code)
        for field in fields
        for code, _name in settings.LANGUAGES
        if code != settings.LANGUAGE_CODE
    )


def english(*fields: str) -> tuple[str, ...]:
    """The default language's columns of `fields` (`summary_en`): what "summary" is stored in."""
    return tuple(build_localized_fieldname(f, settings.LANGUAGE_CODE) for f in fields)


def every_language(*fields: str) -> tuple[str, ...]:
    """`fields` and each one's field per language (`summary_html`, `summary_html_en`, …)."""
    return (
        *fields,
        *(build_localized_fieldname(f, code) for f in fields for code, _n in settings.LANGUAGES),
    )


CONCEPT_FIELDS = (
    "name", "name_zh", "area", "position", "summary", "body", *translations("summary", "body"),
)  # fmt: skip


RESOURCE_FIELDS = (
    "title", "title_zh", "kind", "url", "authors", "year", "description", "level",
    "estimated_hours", "cost", "language", "arxiv_id", "doi", "venue", "publication", "volume",
    "number", "pages", "arxiv_title", "research_area", "published",
)  # fmt: skip


EDITION_FIELDS = (
    "year", "starts_on", "ends_on", "location", "estimated", "url", "source_url", "notes",
    *translations("notes"),
)  # fmt: skip


# An edition's relations: a workshop's host edition ({"conference": slug, "year": y}) and its
# deadlines, a list of DEADLINE_FIELDS objects (docs/catalogue-format.md).
EDITION_RELATIONS = ("host", "deadlines")


# The one deadline an edition had before deadlines were typed: still read (as a full-paper
# deadline), never written.
LEGACY_DEADLINE_FIELDS = ("submission_deadline", "deadline_timezone")


DEADLINE_FIELDS = ("kind", "due", "timezone", "estimated", "note", *translations("note"))


PATH_FIELDS = (
    "title", "summary", "description", "assumes", "level", "status", "featured", "weekly_hours",
    *translations("title", "summary", "description", "assumes"),
)  # fmt: skip


SYNONYM_FIELDS = ("terms",)


STAGE_FIELDS = ("title", "goal", *translations("title", "goal"))


STEP_TEXTS = ("note", *translations("note"))


STEP_FIELDS = (*STEP_TEXTS, "hours", "optional")


# A stage's `self_check` list holds objects of these keys; positions come from the list's order.
SELF_CHECK_FIELDS = ("question", "answer", *translations("question", "answer"))


# Every translation key of the document: a translation not written yet is "" there (NULL in its
# column).
TRANSLATION_KEYS = frozenset(
    translations(
        "title", "summary", "description", "body", "goal", "note", "notes", "assumes", "question",
        "answer",
    )
)  # fmt: skip


# Keys the format gained after sites were seeded, left out of a seed fingerprint while they hold
# their default (learnpaths.catalogue_io.seed): an untouched item keeps its fingerprint.
LATER_KEYS = {
    # resources
    "publication": "", "volume": "", "number": "", "pages": "", "arxiv_title": "",
    "research_area": "",
    # paths; 5 hours a week is the pace every path had before curators could set it
    "assumes": "", "previous_paths": [], "weekly_hours": 5,
}  # fmt: skip
