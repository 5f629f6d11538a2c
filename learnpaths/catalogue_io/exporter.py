"""Export of the curated catalogue in the JSON format of docs/catalogue-format.md (export then
import gives the same catalogue).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import translation

from learnpaths.catalogue_io.format import (
    CONCEPT_FIELDS,
    DEADLINE_FIELDS,
    EDITION_FIELDS,
    FORMAT,
    PATH_FIELDS,
    RESOURCE_FIELDS,
    SELF_CHECK_FIELDS,
    STAGE_FIELDS,
    STEP_FIELDS,
    SYNONYM_FIELDS,
    TRANSLATION_KEYS,
)
from learnpaths.models import (
    LearningPath,
    SelfCheck,
    Stage,
    Step,
)
from resources.models import (
    Concept,
    ConferenceDeadline,
    ConferenceEdition,
    Resource,
    Synonym,
    deadline_instant,
)


# -- export -------------------------------------------------------------------------------------
def catalogue_export() -> dict[str, Any]:
    """The whole catalogue as one document that `catalogue_import` turns back into the same rows.

    It is a backup, so unpublished resources and draft paths are included. Items are in a stable
    order (concepts in map order, resources and paths by slug; slug lists sorted; stages, steps
    and editions in their own order), so two exports of the same catalogue are identical.
    """
    connection = transaction.get_connection()
    outermost = not connection.in_atomic_block
    # "summary" in the document is the English text whatever language the curator reads.
    with translation.override(settings.LANGUAGE_CODE), transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            # One snapshot for every query below: a backup must not mix two states of the
            # catalogue when a curator saves something during the export. (SQLite's IMMEDIATE
            # transaction already holds the write lock for the duration.)
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        concepts = Concept.objects.order_by("area", "position", "slug").prefetch_related(
            models.Prefetch("prerequisites", queryset=Concept.objects.order_by("slug"))
        )
        resources = Resource.objects.order_by("slug").prefetch_related(
            models.Prefetch("concepts", queryset=Concept.objects.order_by("slug")),
            models.Prefetch("defines", queryset=Concept.objects.order_by("slug")),
            models.Prefetch("core_for", queryset=Concept.objects.order_by("slug")),
            "tags",
            models.Prefetch(
                "editions",
                queryset=ConferenceEdition.objects.order_by("year")
                .select_related("host__conference")
                .prefetch_related(
                    models.Prefetch("deadlines", ConferenceDeadline.objects.order_by("due", "kind"))
                ),
            ),
        )
        paths = LearningPath.objects.order_by("slug").prefetch_related(
            models.Prefetch("concepts", queryset=Concept.objects.order_by("slug")),
            models.Prefetch("previous_paths", queryset=LearningPath.objects.order_by("slug")),
            models.Prefetch(
                "stages",
                queryset=Stage.objects.order_by("position").prefetch_related(
                    models.Prefetch(
                        "steps",
                        queryset=Step.objects.order_by("position").select_related("resource"),
                    ),
                    models.Prefetch("self_checks", queryset=SelfCheck.objects.order_by("position")),
                ),
            ),
        )
        synonyms = Synonym.objects.order_by("slug")
        return {
            "format": FORMAT,
            "concepts": [
                {
                    "slug": concept.slug,
                    **_fields(concept, CONCEPT_FIELDS),
                    "prerequisites": [p.slug for p in concept.prerequisites.all()],
                }
                for concept in concepts
            ],
            "resources": [
                {
                    "slug": resource.slug,
                    **_fields(resource, RESOURCE_FIELDS),
                    "concepts": [c.slug for c in resource.concepts.all()],
                    # Only when there are any: a resource introducing nothing keeps the
                    # export (and seed fingerprint) it had before the key existed.
                    **_nonempty("defines", [c.slug for c in resource.defines.all()]),
                    **_nonempty("core_for", [c.slug for c in resource.core_for.all()]),
                    "tags": sorted(tag.name for tag in resource.tags.all()),
                    "editions": [_edition(e) for e in resource.editions.all()],
                }
                for resource in resources
            ],
            "synonyms": [
                {"slug": synonym.slug, **_fields(synonym, SYNONYM_FIELDS)} for synonym in synonyms
            ],
            "paths": [
                {
                    "slug": path.slug,
                    **_fields(path, PATH_FIELDS),
                    "concepts": [c.slug for c in path.concepts.all()],
                    "previous_paths": [p.slug for p in path.previous_paths.all()],
                    "stages": [
                        {
                            **_fields(stage, STAGE_FIELDS),
                            "steps": [
                                {"resource": step.resource.slug, **_fields(step, STEP_FIELDS)}
                                for step in stage.steps.all()
                            ],
                            # As `defines`: a stage without questions keeps its old export.
                            **_nonempty(
                                "self_check",
                                [_fields(c, SELF_CHECK_FIELDS) for c in stage.self_checks.all()],
                            ),
                        }
                        for stage in path.stages.all()
                    ],
                }
                for path in paths
            ],
        }


def format_deadline(deadline: ConferenceDeadline) -> str:
    """The deadline as the format states it: the wall clock in its zone, with the UTC offset
    only where the wall clock alone does not name the instant (a daylight-saving fold), so
    that `parse_deadline` gives back the same instant."""
    local = deadline.local
    timespec = "auto" if local.second or local.microsecond else "minutes"
    wall = local.replace(tzinfo=None)
    try:
        if deadline_instant(wall, deadline.timezone) == deadline.due:
            return wall.isoformat(timespec=timespec)
    except ValidationError:
        pass
    return local.isoformat(timespec=timespec)


def _nonempty(key: str, values: list) -> dict[str, list]:
    return {key: values} if values else {}


def _fields(obj: models.Model, names: Iterable[str]) -> dict[str, Any]:
    item = {name: getattr(obj, name) for name in names}
    return {k: "" if v is None and k in TRANSLATION_KEYS else v for k, v in item.items()}


def _edition(edition: ConferenceEdition) -> dict[str, Any]:
    item = _fields(edition, EDITION_FIELDS)
    for name in ("starts_on", "ends_on"):
        item[name] = item[name].isoformat() if item[name] else None
    host = edition.host
    item["host"] = {"conference": host.conference.slug, "year": host.year} if host else None
    item["deadlines"] = [
        {**_fields(d, DEADLINE_FIELDS), "due": format_deadline(d)} for d in edition.deadlines.all()
    ]
    return item
