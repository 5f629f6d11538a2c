"""`manage.py seed`: the curated catalogue written into the database without undoing a curator's
work. Items changed or deleted since they were seeded are kept (SeedRecord fingerprints) and
listed, unless `overwrite`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy

from learnpaths.catalogue_io.exporter import catalogue_export
from learnpaths.catalogue_io.format import FORMAT, LATER_KEYS, TRANSLATION_KEYS
from learnpaths.catalogue_io.importer import ImportReport, catalogue_import, check_format
from learnpaths.models import LearningPath, SeedKind, SeedRecord
from resources.models import Concept, Resource, Synonym

CONCEPT, RESOURCE, PATH = SeedKind.CONCEPT.value, SeedKind.RESOURCE.value, SeedKind.PATH.value
SYNONYM = SeedKind.SYNONYM.value
SEED_KINDS = {"concepts": CONCEPT, "resources": RESOURCE, "synonyms": SYNONYM, "paths": PATH}


# Why a seed kept an item as it is.
KEPT_CHANGED = gettext_lazy("changed by a curator since it was seeded")


KEPT_DELETED = gettext_lazy("deleted by a curator after it was seeded; not created again")


KEPT_NOT_SEEDED = gettext_lazy("not written by the seed (edited or imported); left as it is")


KEPT_NAMES_MISSING = gettext_lazy("names the %(kind)s “%(slug)s”, which is not in the catalogue")


KEPT_IN_USE = gettext_lazy("no longer in the fixtures, but learners or paths use it; left as it is")


KEPT_GONE_CHANGED = gettext_lazy(
    "no longer in the fixtures, but changed by a curator; left as it is"
)


@dataclass
class SeedReport:
    """What a seed did: the import's counts, and the items it left as curators made them, as
    (kind, slug, reason) in document order."""

    imported: ImportReport
    kept: list[tuple[str, str, str]] = field(default_factory=list)
    # (kind, slug) of the items the fixtures no longer hold that the seed deleted (`retire`).
    removed: list[tuple[str, str]] = field(default_factory=list)


def catalogue_fingerprints() -> dict[tuple[str, str], str]:
    """{(kind, slug): SHA-256 hex digest} of every concept, resource and path as it is now.

    An item's digest covers exactly what the catalogue format holds for it (the export of that
    one item), so it changes with any edit a curator can make to the item, its prerequisites,
    tags, editions, stages or steps, and with nothing else.
    """
    document = catalogue_export()
    return {
        (kind, item["slug"]): _digest(item)
        for key, kind in SEED_KINDS.items()
        for item in document[key]
    }


def _digest(item: dict[str, Any]) -> str:
    text = json.dumps(
        _as_first_written(_without_empty_translations(item)),
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(text.encode()).hexdigest()


def _without_empty_translations(value: Any) -> Any:
    """`value` without the translation keys that hold nothing: an untranslated item keeps the
    digest it had before the format carried translations, so a site seeded then still sees
    its untouched items as untouched (and brings them up to the translated fixtures)."""
    if isinstance(value, dict):
        return {
            k: _without_empty_translations(v)
            for k, v in value.items()
            if not (k in TRANSLATION_KEYS and not v)
        }
    if isinstance(value, list):
        return [_without_empty_translations(v) for v in value]
    return value


def _as_first_written(item: dict[str, Any]) -> dict[str, Any]:
    """An item as the first format wrote it, where that says the same: the keys added since
    (papers' citation fields, research areas, a path's `assumes`, `previous_paths` and
    `weekly_hours`) left out while they hold their defaults, and a resource's edition with no
    more than one plain full-paper deadline written as `submission_deadline` and
    `deadline_timezone`. (`defines`, `core_for` and a stage's `self_check` are not even
    exported while empty.) A site seeded before keeps the fingerprints of its untouched items
    (an edition without a deadline had its zone, AoE by default, which is no longer stored: one
    whose zone was not AoE counts as changed and is kept)."""
    item = {k: v for k, v in item.items() if LATER_KEYS.get(k, object()) != v}
    if "editions" in item:
        item["editions"] = [_edition_as_first_written(e) for e in item["editions"]]
    return item


def _edition_as_first_written(edition: Any) -> Any:
    if not isinstance(edition, dict) or "deadlines" not in edition:
        return edition
    deadlines = edition["deadlines"]
    plain = edition.get("host") is None and not edition.get("estimated")
    plain = plain and not edition.get("source_url") and len(deadlines) <= 1
    if deadlines:
        (only,) = deadlines[:1]
        plain = plain and only.get("kind") == "paper" and not only.get("estimated")
        plain = plain and not only.get("note")
    if not plain:
        return edition
    first = {k: v for k, v in edition.items() if k not in ("host", "deadlines", "estimated")}
    first.pop("source_url", None)
    first["submission_deadline"] = deadlines[0]["due"] if deadlines else None
    first["deadline_timezone"] = deadlines[0]["timezone"] if deadlines else "AoE"
    return first


def _key(kind: str, item: Any) -> tuple[str, str] | None:
    slug = item.get("slug") if isinstance(item, dict) else None
    return (kind, slug) if isinstance(slug, str) else None


def _references(kind: str, item: dict[str, Any]) -> list[tuple[str, str]]:
    """The other items this one names; malformed parts are left for the import to report."""

    def slugs(values: Any) -> list[str]:
        return [v for v in values if isinstance(v, str)] if isinstance(values, list) else []

    if kind == CONCEPT:
        return [(CONCEPT, s) for s in slugs(item.get("prerequisites"))]
    if kind == SYNONYM:
        return []
    named = [
        (CONCEPT, s) for key in ("concepts", "defines", "core_for") for s in slugs(item.get(key))
    ]
    editions = item.get("editions") if isinstance(item.get("editions"), list) else []
    for edition in editions:  # a workshop names its host's conference
        host = edition.get("host") if isinstance(edition, dict) else None
        if isinstance(host, dict) and isinstance(host.get("conference"), str):
            named.append((RESOURCE, host["conference"]))
    if kind == PATH:
        stages = item.get("stages") if isinstance(item.get("stages"), list) else []
        for stage in stages:
            steps = stage.get("steps") if isinstance(stage, dict) else None
            for step in steps if isinstance(steps, list) else []:
                if isinstance(step, dict) and isinstance(step.get("resource"), str):
                    named.append((RESOURCE, step["resource"]))
    return named


def _subset(document: dict[str, Any], left_out: set[tuple[str, str]]) -> dict[str, Any]:
    return {
        "format": FORMAT,
        **{
            key: [item for item in document.get(key, []) if _key(kind, item) not in left_out]
            for key, kind in SEED_KINDS.items()
        },
    }


def catalogue_seed(
    document: dict[str, Any], *, overwrite: bool = False, retire: bool = False
) -> SeedReport:
    """Load the curated catalogue without undoing curators' work; atomic like catalogue_import.

    Each item seeded is remembered with a fingerprint of what it became (SeedRecord). On the
    next seed, an item whose rows still match its fingerprint is brought up to the document; one
    that a curator changed since (or that exists but was never seeded) is kept as it is, and an
    item a curator deleted is not created again, unless `overwrite`. Kept items are not recorded
    anew, so they stay kept until a seed with `overwrite`. An item that names a deleted item
    (a path whose step is a deleted resource) is kept too. With `retire` (the document is the
    whole curated catalogue), an item seeded before that the document no longer holds is
    deleted while it is as seeded and nothing of learners' depends on it (a resource in no
    step and with no progress, a path nobody follows); otherwise it is kept and listed.
    Raises CatalogueError as catalogue_import does.
    """
    check_format(document)
    with transaction.atomic():
        current = catalogue_fingerprints()
        records = {(r.kind, r.slug): r for r in SeedRecord.objects.select_for_update()}
        items = {
            key: item
            for doc_key, kind in SEED_KINDS.items()
            if isinstance(document.get(doc_key), list)
            for item in document[doc_key]
            if (key := _key(kind, item)) is not None
        }
        kept: dict[tuple[str, str], str] = {}
        unrecorded: set[tuple[str, str]] = set()
        if not overwrite:
            for key in items:
                record = records.get(key)
                if key not in current:
                    if record is not None:
                        kept[key] = str(KEPT_DELETED)
                elif record is None:
                    unrecorded.add(key)
                elif record.digest != current[key]:
                    kept[key] = str(KEPT_CHANGED)
        _keep_what_names_a_missing_item(items, current, kept)
        if unrecorded:
            # Rows the seed did not write (made in the admin, imported from a backup, or
            # seeded before fingerprints were kept) are the seed's only if the document would
            # leave them exactly as they are: try it, look, and undo.
            savepoint = transaction.savepoint()
            catalogue_import(_subset(document, set(kept)))
            tried = catalogue_fingerprints()
            transaction.savepoint_rollback(savepoint)
            for key in unrecorded:
                if tried.get(key) != current[key]:
                    kept[key] = str(KEPT_NOT_SEEDED)
        imported = catalogue_import(_subset(document, set(kept)))
        after = catalogue_fingerprints()
        for key in items.keys() - kept.keys():
            record = records.get(key)
            if record is None:
                SeedRecord.objects.create(kind=key[0], slug=key[1], digest=after[key])
            elif record.digest != after[key]:
                record.digest = after[key]
                record.save(update_fields=["digest", "seeded_at"])
        report = SeedReport(
            imported=imported,
            kept=[(kind, slug, kept[kind, slug]) for kind, slug in items if (kind, slug) in kept],
        )
        if retire:
            _retire(records.keys() - items.keys(), records, current, report)
    return report


def _retire(gone: set[tuple[str, str]], records: dict, current: dict, report: SeedReport) -> None:
    """Delete the seeded items in `gone` (no longer in the fixtures) that are as seeded and that
    nothing of learners' needs; list the others in `report.kept`."""
    in_use = {
        RESOURCE: set(
            Resource.objects.filter(Q(steps__isnull=False) | Q(progress__isnull=False))
            .values_list("slug", flat=True)
            .distinct()
        ),
        PATH: set(
            LearningPath.objects.filter(follows__isnull=False)
            .values_list("slug", flat=True)
            .distinct()
        ),
    }
    models = {CONCEPT: Concept, RESOURCE: Resource, PATH: LearningPath, SYNONYM: Synonym}
    for kind, slug in sorted(gone):
        record = records[kind, slug]
        if (kind, slug) not in current:  # deleted already: forget it
            record.delete()
        elif record.digest != current[kind, slug]:
            report.kept.append((kind, slug, str(KEPT_GONE_CHANGED)))
        elif slug in in_use.get(kind, ()):
            report.kept.append((kind, slug, str(KEPT_IN_USE)))
        else:
            models[kind].objects.filter(slug=slug).delete()
            record.delete()
            report.removed.append((kind, slug))


def _keep_what_names_a_missing_item(
    items: dict[tuple[str, str], dict],
    current: dict[tuple[str, str], str],
    kept: dict[tuple[str, str], str],
) -> None:
    """Add to `kept` every item that names an item which will not exist after the seed."""
    changed = True
    while changed:
        changed = False
        missing = {key for key in kept if key not in current}
        for key, item in items.items():
            if key in kept:
                continue
            gone = [ref for ref in _references(key[0], item) if ref in missing]
            if gone:
                kind, slug = gone[0]
                kept[key] = KEPT_NAMES_MISSING % {"kind": kind, "slug": slug}
                changed = True
