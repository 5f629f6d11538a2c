"""Import of the curated catalogue in the JSON format of docs/catalogue-format.md.

Slugs are the natural keys. An import is one transaction: it either applies the whole document
or, on any error, changes nothing and raises CatalogueError naming every problem it found.
Concepts, resources and paths go through one loop (`_Importer.upsert`), driven by their
declarations in KINDS: the model, the fields the format gives it (format.py), the Markdown
fields derived on save, and the relations checked and written around the row (concepts, tags,
editions, stages and steps, prerequisites).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.models import ProtectedError, RestrictedError
from django.utils import translation
from django.utils.translation import gettext

from learnpaths.catalogue_io.format import (
    CONCEPT_FIELDS,
    DEADLINE_FIELDS,
    EDITION_FIELDS,
    EDITION_RELATIONS,
    FORMAT,
    LEGACY_DEADLINE_FIELDS,
    PATH_FIELDS,
    RESOURCE_FIELDS,
    SELF_CHECK_FIELDS,
    STAGE_FIELDS,
    STEP_FIELDS,
    STEP_TEXTS,
    SYNONYM_FIELDS,
    TRANSLATION_KEYS,
    english,
    every_language,
)
from learnpaths.models import (
    LearningPath,
    PathStatus,
    SelfCheck,
    Stage,
    Step,
    publication_refusal,
)
from resources.invalidation import catalogue_changed
from resources.models import (
    ANYWHERE_ON_EARTH,
    MAX_POSITION,
    MAX_YEAR,
    MIN_YEAR,
    Concept,
    ConceptPrerequisite,
    ConferenceDeadline,
    ConferenceEdition,
    DeadlineKind,
    Resource,
    ResourceKind,
    Synonym,
    Tag,
    check_deadline_range,
    deadline_instant,
    deadline_out_of_range,
    deadline_zone,
    normalise_tag_name,
)
from resources.search.index import index_stale

HOURS = Step._meta.get_field("hours")
# A deadline's note is given as "note" (English) and its translations; "note_en" is derived.
LOCALISED_NOTE = english("note")
# The first format's names of a deadline's fields.
LEGACY_NAMES = {"due": "submission_deadline", "timezone": "deadline_timezone"}


class CatalogueError(Exception):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass
class ImportReport:
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)

    def count(self, outcome: str, kind: str) -> None:
        getattr(self, outcome)[kind] += 1

    @property
    def changed(self) -> bool:
        return bool(sum(self.created.values()) + sum(self.updated.values()))

    def __str__(self) -> str:
        kinds = [kind.key for kind in KINDS]
        # Editions are counted as themselves, after the resources they belong to.
        kinds.insert(kinds.index("resources") + 1, "editions")
        return "; ".join(
            f"{kind}: {self.created[kind]} created, {self.updated[kind]} updated, "
            f"{self.unchanged[kind]} unchanged"
            for kind in kinds
        )


def read_documents(paths: Iterable[Path]) -> dict[str, Any]:
    """Merge several catalogue files into one document (lists are concatenated in order)."""
    merged: dict[str, Any] = {"format": FORMAT, **{kind.key: [] for kind in KINDS}}
    problems = []
    for path in paths:
        try:
            document = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            problems.append(f"{path}: cannot be read as JSON: {error}")
            continue
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            problems.append(f'{path}: not a catalogue document ("format" must be "{FORMAT}")')
            continue
        for key in (kind.key for kind in KINDS):
            items = document.get(key, [])
            if not isinstance(items, list):
                problems.append(f'{path}: "{key}" must be a list')
                continue
            merged[key].extend(items)
    if problems:
        raise CatalogueError(problems)
    return merged


def whole_number_problem(value: Any, low: int, high: int, *, nullable: bool) -> str | None:
    """Why `value`, read from JSON, is not a whole number from `low` to `high` (or null when
    `nullable`); None when it is. JSON's true, 5.5 and "2020" are refused, not turned into 1, 5
    and 2020: a number the catalogue would store differently from the file is a mistake in it."""
    if value is None and nullable:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
        return None
    shown = json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        why = gettext("%(value)s is true or false, not a number")
    elif isinstance(value, float):
        why = gettext("%(value)s has a decimal point")
    elif isinstance(value, str):
        why = gettext("%(value)s is text (write the number without quotes)")
    elif isinstance(value, int):
        why = gettext("%(value)s is out of range")
    else:
        why = gettext("%(value)s is not a number")
    wanted = (
        gettext("must be a whole number from %(low)s to %(high)s, or null")
        if nullable
        else gettext("must be a whole number from %(low)s to %(high)s")
    )
    return f"{wanted % {'low': low, 'high': high}}: {why % {'value': shown}}"


def yes_no_problem(value: Any) -> str | None:
    """Why `value`, read from JSON, is not true or false; None when it is. "false" and 0 are
    refused, not read as true and false."""
    if isinstance(value, bool):
        return None
    shown = json.dumps(value, ensure_ascii=False)
    return gettext("must be true or false (without quotes), not %(value)s") % {"value": shown}


def _integer_range(model_field: models.Field) -> tuple[int, int]:
    """The values the import accepts for an integer field: its validators' limits, within
    what its column holds."""
    low, high = BaseDatabaseOperations.integer_field_ranges[model_field.get_internal_type()]
    for validator in model_field.validators:
        if isinstance(validator, MinValueValidator):
            low = max(low, validator.limit_value)
        elif isinstance(validator, MaxValueValidator):
            high = min(high, validator.limit_value)
    return low, high


# When a relation (a key of an item besides its own fields) is checked and written.
BEFORE_CLEAN = "before clean"  # checked with the item's fields: a problem keeps the item out
WITH_ITEM = "with the item"  # checked and written once the item is saved: rows that need it
AFTER_KIND = "after the kind"  # once every item of the kind is saved: links between them


@dataclass(frozen=True)
class Relation:
    """A key of a catalogue item that names other items or holds rows of its own.

    `check(importer, where, value, item=, obj=)` gives what to write, or None with the problems
    recorded (`value` is the item's, or `default` when it leaves the key out); then
    `write(importer, where, obj, checked)` writes it to the saved `obj` and says whether that
    changed anything. With `marks_updated`, a change counts the item as updated in the report.
    """

    name: str
    check: Callable[..., Any]
    write: Callable[..., bool]
    when: str = BEFORE_CLEAN
    default: Any = field(default_factory=list)
    marks_updated: bool = True


@dataclass(frozen=True)
class Kind:
    """A list of the document whose items are rows of `model`, found and updated by slug.

    `fields` are the model fields an item sets (format.py); each is checked as its model field
    says (whole numbers and true/false as `check_values`, the rest by `full_clean`), and
    `derived` ones (Markdown rendered on save, and the English column of a translated field,
    which holds what its untranslated name was given and is checked as that) are not checked.
    `relations` come in their order; `finish(importer, by_slug, saved)` runs after them,
    given the slugs and places of the items saved.
    """

    key: str
    model: type[models.Model]
    fields: tuple[str, ...]
    derived: tuple[str, ...]
    relations: tuple[Relation, ...]
    finish: Callable[..., None] | None = None
    # The order the saved items' AFTER_KIND relations are written in, given (slug, (where,
    # item)); the document's by default.
    after_kind_order: Callable[[tuple], Any] = lambda saved: 0

    def relations_checked(self, when: str) -> list[Relation]:
        return [relation for relation in self.relations if relation.when == when]


class _Importer:
    def __init__(self) -> None:
        self.problems: list[str] = []
        self.report = ImportReport()
        # {kind key: {slug: row}}: the rows as they are, then as the import wrote them.
        self.known: dict[str, dict[str, models.Model]] = {}

    # -- the loop, once for every kind ------------------------------------------------------------
    def upsert(self, kind: Kind, items: list) -> None:
        """Create or update a row per item of `kind`, by slug, recording each problem."""
        by_slug = self.known[kind.key] = kind.model.objects.in_bulk(field_name="slug")
        allowed = ("slug", *(relation.name for relation in kind.relations), *kind.fields)
        outcomes: dict[str, str] = {}
        saved: dict[str, tuple[str, dict]] = {}  # slug → (where, item), for AFTER_KIND
        seen: set[str] = set()
        for index, item in enumerate(items):
            where = f"{kind.key}[{index}]"
            if not self.check_keys(where, item, allowed):
                continue
            slug = item.get("slug")
            where = f'{where} "{slug}"'
            if slug in seen:
                self.problem(where, "slug appears twice in the document")
                continue
            seen.add(slug)
            if not self.check_values(where, kind.model, item, kind.fields):
                continue
            obj = by_slug.get(slug) or kind.model(slug=slug)
            changed = self.assign(obj, item, kind.fields)
            checked = {
                relation.name: relation.check(
                    self, where, item.get(relation.name, relation.default), item=item, obj=obj
                )
                for relation in kind.relations_checked(BEFORE_CLEAN)
            }
            # Cleaned even when a relation failed: every problem of the item is reported at once.
            cleaned = self.clean(where, obj, exclude=kind.derived)
            if None in checked.values() or not cleaned:
                continue
            was_new = obj.pk is None
            if changed:
                obj.save()
            by_slug[slug] = obj
            for relation in kind.relations_checked(BEFORE_CLEAN):
                changed = self.write(relation, where, obj, checked[relation.name]) or changed
            for relation in kind.relations_checked(WITH_ITEM):
                value = item.get(relation.name, relation.default)
                rows = relation.check(self, where, value, item=item, obj=obj)
                if rows is not None:
                    changed = self.write(relation, where, obj, rows) or changed
            outcomes[slug] = "created" if was_new else "updated" if changed else "unchanged"
            saved[slug] = (where, item)
        for slug, (where, item) in sorted(saved.items(), key=kind.after_kind_order):
            obj = by_slug[slug]
            for relation in kind.relations_checked(AFTER_KIND):
                value = item.get(relation.name, relation.default)
                rows = relation.check(self, where, value, item=item, obj=obj)
                if rows is not None and self.write(relation, where, obj, rows):
                    outcomes[slug] = "updated" if outcomes[slug] == "unchanged" else outcomes[slug]
        for outcome in outcomes.values():
            self.report.count(outcome, kind.key)
        if kind.finish is not None:
            kind.finish(self, by_slug, saved)

    def write(self, relation: Relation, where: str, obj: models.Model, rows: Any) -> bool:
        """Write a relation; whether the item counts as updated for it."""
        return relation.write(self, where, obj, rows) and relation.marks_updated

    # -- helpers ------------------------------------------------------------------------------
    def problem(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")

    def check_keys(self, where: str, item: Any, allowed: Iterable[str]) -> bool:
        if not isinstance(item, dict):
            self.problem(where, "must be an object")
            return False
        unknown = sorted(set(item) - set(allowed))
        if unknown:
            self.problem(where, f"unknown field(s): {', '.join(unknown)}")
            return False
        return True

    def validation_problems(self, where: str, error: ValidationError) -> None:
        if hasattr(error, "error_dict"):
            for name, errors in error.message_dict.items():
                for message in errors:
                    self.problem(where, f"{name}: {message}")
        else:
            for message in error.messages:
                self.problem(where, message)

    def check_values(self, where: str, model: type[models.Model], item: dict, names) -> bool:
        """Check the item's integer fields among `names` (whole numbers in the field's range,
        as `whole_number_problem`) and its true/false ones (`yes_no_problem`); False, with the
        problems recorded, if any is not."""
        ok = True
        for name in names:
            model_field = model._meta.get_field(name)
            # null leaves the field to its default, as in `assign`; full_clean names a required one.
            if item.get(name) is None:
                continue
            if isinstance(model_field, models.BooleanField):
                problem = yes_no_problem(item[name])
            elif isinstance(model_field, models.IntegerField):
                low, high = _integer_range(model_field)
                problem = whole_number_problem(item[name], low, high, nullable=model_field.null)
            else:
                continue
            if problem:
                self.problem(where, f"{name} {problem}")
                ok = False
        return ok

    def fits(self, where: str, model: type[models.Model], item: dict, names: Iterable[str]) -> bool:
        """Whether the item's texts pass their model fields' validators (lengths), for rows that
        are created without `full_clean` (stages and steps); each failure is a problem."""
        ok = True
        for name in names:
            value = item.get(name)
            if isinstance(value, str):
                try:
                    model._meta.get_field(name).run_validators(value)
                except ValidationError as error:
                    self.validation_problems(where, ValidationError({name: error.error_list}))
                    ok = False
        return ok

    def assign(self, obj: models.Model, item: dict, names: Iterable[str]) -> bool:
        """Set fields from the item (missing ones take their defaults); True if any changed."""
        before = {name: getattr(obj, name) for name in names}
        for name in names:
            model_field = obj._meta.get_field(name)
            if name in item and item[name] is not None:
                value = item[name]
            elif name in item and model_field.null:
                value = None
            else:
                value = model_field.get_default()
            if name in TRANSLATION_KEYS and not value:
                value = None  # not translated yet: NULL, as the admin leaves it
            setattr(obj, name, value)
        return obj.pk is None or any(before[name] != getattr(obj, name) for name in names)

    def clean(
        self,
        where: str,
        obj: models.Model,
        exclude: Iterable[str] = (),
        reported: Iterable[str] = (),
    ) -> bool:
        """Whether `obj` passes `full_clean` (without the `exclude` fields' own checks); each
        failure is a problem, except those of the `reported` fields, which the import checked
        and named itself (the model's `clean` would name them a second time)."""
        try:
            obj.full_clean(exclude=list(exclude), validate_unique=True)
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                left = {k: v for k, v in error.error_dict.items() if k not in set(reported)}
                error = ValidationError(left) if left else None
            if error is not None:
                self.validation_problems(where, error)
            return False
        return True

    def slugs(self, where: str, values: Any, known: dict[str, Any], what: str) -> list | None:
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            self.problem(where, f"{what} must be a list of slugs")
            return None
        missing = [v for v in values if v not in known]
        if missing:
            self.problem(where, f"unknown {what} slug(s): {', '.join(missing)}")
            return None
        return [known[v] for v in values]

    # -- concepts of a resource or a path ---------------------------------------------------------
    def check_concepts(self, where: str, values: Any, *, item: dict, obj: models.Model):
        return self.slugs(where, values, self.known["concepts"], "concept")

    def set_concepts(self, where: str, obj: models.Model, concepts: list[Concept]) -> bool:
        return _set_related(obj.concepts, concepts)

    def set_defines(self, where: str, obj: Resource, concepts: list[Concept]) -> bool:
        return _set_related(obj.defines, concepts)

    def set_core_for(self, where: str, obj: Resource, concepts: list[Concept]) -> bool:
        return _set_related(obj.core_for, concepts)

    # -- prerequisites of a concept ---------------------------------------------------------------
    def check_prerequisites(self, where: str, values: Any, *, item: dict, obj: Concept):
        prerequisites = self.slugs(where, values, self.known["concepts"], "prerequisite")
        if prerequisites is not None and obj in prerequisites:
            self.problem(where, "a concept cannot require itself")
            return None
        return prerequisites

    def set_prerequisites(self, where: str, concept: Concept, prerequisites: list[Concept]) -> bool:
        current = set(
            ConceptPrerequisite.objects.filter(concept=concept).values_list(
                "prerequisite_id", flat=True
            )
        )
        wanted = {p.pk for p in prerequisites}
        if current == wanted:
            return False
        ConceptPrerequisite.objects.filter(concept=concept).exclude(
            prerequisite_id__in=wanted
        ).delete()
        ConceptPrerequisite.objects.bulk_create(
            ConceptPrerequisite(concept=concept, prerequisite_id=pk) for pk in wanted - current
        )
        return True

    def no_prerequisite_cycle(self, by_slug: dict[str, Concept], saved: dict) -> None:
        for slug, (where, _) in saved.items():
            cycle = by_slug[slug].prerequisite_cycle(by_slug[slug].prerequisites.all())
            if cycle:
                chain = " → ".join(c.name for c in cycle)
                self.problem(where, f"prerequisites form a cycle: {chain}")
                break

    # -- tags of a resource -----------------------------------------------------------------------
    def check_tags(self, where: str, tags: Any, *, item: dict, obj: Resource) -> list | None:
        if not isinstance(tags, list) or not all(isinstance(t, str) and t for t in tags):
            self.problem(where, "tags must be a list of names")
            return None
        # Normalised as the Tag model stores them, so that look-alikes are one tag.
        tags = [normalise_tag_name(t) for t in tags]
        if not all(self.fits(f"{where} tag {t!r}", Tag, {"name": t}, ("name",)) for t in tags):
            return None
        return tags

    def set_tags(self, where: str, resource: Resource, tags: list[str]) -> bool:
        wanted_tags = {t.strip().lower() for t in tags if t.strip()}
        if wanted_tags == {name.lower() for name in resource.tags.names()}:
            return False
        resource.tags.set(sorted(wanted_tags))
        return True

    # -- editions of a conference or workshop ------------------------------------------------------
    def check_editions(self, where: str, items: Any, *, item: dict, obj: Resource) -> list | None:
        """The valid editions among `items`, unsaved, in year order, each with its `_host`
        (an edition, or None) and `_deadlines` (unsaved); each invalid one is a problem. None
        if `items` is not a list."""
        if not isinstance(items, list):
            self.problem(where, "editions must be a list")
            return None
        wanted = []
        allowed = (*EDITION_FIELDS, *EDITION_RELATIONS, *LEGACY_DEADLINE_FIELDS)
        for index, edition_item in enumerate(items):
            at = f"{where} editions[{index}]"
            if not self.check_keys(at, edition_item, allowed):
                continue
            dates = [
                n
                for n in ("starts_on", "ends_on")
                if not isinstance(edition_item.get(n), str | None)
            ]
            for name in dates:  # the model field would choke on them, not explain
                self.problem(
                    at,
                    f"{name}: " + gettext("must be a date written as text, such as “2026-12-06”"),
                )
            if not self.check_values(at, ConferenceEdition, edition_item, EDITION_FIELDS) or dates:
                continue
            edition = ConferenceEdition(conference=obj)
            self.assign(edition, edition_item, EDITION_FIELDS)
            host_ok = self.check_host(at, edition_item.get("host"), edition)
            deadlines = self.check_deadlines(at, edition_item)
            cleaned = self.clean(at, edition, exclude=("conference", "host"), reported=("host",))
            if cleaned and host_ok and deadlines is not None:
                edition._deadlines = deadlines
                wanted.append(edition)
        years = [e.year for e in wanted]
        for year in {y for y in years if years.count(y) > 1}:
            self.problem(where, f"editions: the year {year} appears twice")
            return None
        wanted.sort(key=lambda e: e.year)
        return wanted

    def check_host(self, where: str, host: Any, edition: ConferenceEdition) -> bool:
        """Set `edition.host` from the document's {"conference": slug, "year": y} (or null);
        False, with the problem recorded, when it names no conference's edition or the
        edition's kind says otherwise (a workshop has a host, a conference none)."""
        workshop = edition.conference.kind == ResourceKind.WORKSHOP
        if host is None:
            if workshop:
                missing = gettext("a workshop's edition needs its host edition")
                self.problem(where, f"host: {missing}")
            return not workshop
        if not workshop:
            self.problem(where, "host: only a workshop's edition has a host edition")
            return False
        if (
            not isinstance(host, dict)
            or set(host) != {"conference", "year"}
            or not isinstance(host["conference"], str)
            or whole_number_problem(host["year"], MIN_YEAR, MAX_YEAR, nullable=False)
        ):
            self.problem(where, 'host must be {"conference": "<slug>", "year": <year>}')
            return False
        found = (
            ConferenceEdition.objects.filter(
                conference__slug=host["conference"],
                conference__kind=ResourceKind.CONFERENCE,
                year=host["year"],
            )
            .select_related("conference")
            .first()
        )
        if found is None:
            self.problem(
                where, f"host: no edition {host['year']} of a conference “{host['conference']}”"
            )
            return False
        edition.host = found
        return True

    def check_deadlines(self, where: str, edition_item: dict) -> list | None:
        """The edition's deadlines, unsaved: its "deadlines" list, or the one deadline of the
        format's first version (`submission_deadline` in `deadline_timezone`, a full-paper
        deadline). None, with the problems recorded, if any is invalid."""
        items = edition_item.get("deadlines", [])
        legacy = [k for k in LEGACY_DEADLINE_FIELDS if k in edition_item]
        if legacy and "deadlines" in edition_item:
            self.problem(where, "give either deadlines or submission_deadline, not both")
            return None
        if legacy:
            items = []
            if edition_item.get("submission_deadline") is not None:
                items = [
                    {
                        "kind": DeadlineKind.PAPER,
                        "due": edition_item["submission_deadline"],
                        "timezone": edition_item.get("deadline_timezone", ANYWHERE_ON_EARTH),
                    }
                ]
        if not isinstance(items, list):
            self.problem(where, "deadlines must be a list")
            return None
        deadlines, ok = [], True
        for index, deadline_item in enumerate(items):
            at = f"{where} deadlines[{index}]" if not legacy else where
            if not self.check_keys(at, deadline_item, DEADLINE_FIELDS) or not self.check_values(
                at, ConferenceDeadline, deadline_item, DEADLINE_FIELDS
            ):
                ok = False
                continue
            deadline = ConferenceDeadline()
            self.assign(deadline, deadline_item, [f for f in DEADLINE_FIELDS if f != "due"])
            name = "submission_deadline" if legacy else "due"
            try:
                due = parse_deadline(deadline_item.get("due"), deadline.timezone)
            except ValidationError as error:
                if error.code != "unknown_zone":  # clean() names a bad zone
                    self.problem(at, f"{name}: {error.messages[0]}")
                ok = False
                due = None
            else:
                if due is None:
                    self.problem(at, f"{name}: " + gettext("a deadline needs its date and time"))
                    ok = False
            deadline.due = due
            try:
                deadline.full_clean(exclude=["edition", "due", *LOCALISED_NOTE])
            except ValidationError as error:
                if legacy and hasattr(error, "error_dict"):  # named as the document names it
                    error = ValidationError(
                        {LEGACY_NAMES.get(k, k): v for k, v in error.error_dict.items()}
                    )
                self.validation_problems(at, error)
                ok = False
            deadlines.append(deadline)
        instants = [(d.kind, d.due) for d in deadlines]
        if ok and len(set(instants)) != len(instants):
            self.problem(where, "deadlines: the same kind of deadline is given twice at one time")
            ok = False
        return sorted(deadlines, key=lambda d: (d.due, d.kind)) if ok else None

    def set_editions(self, where: str, resource: Resource, wanted: list) -> bool:
        """Write the editions in place, by year (a workshop's host stays its host), with their
        deadlines; delete the years the document leaves out. A year still hosting workshops
        is not deleted (a problem)."""
        # In year order, as `wanted` is: compared as lists below.
        current = {
            e.year: e for e in resource.editions.order_by("year").prefetch_related("deadlines")
        }
        if [_edition_state(e, list(e.deadlines.all())) for e in current.values()] == [
            _edition_state(e, e._deadlines) for e in wanted
        ] and sorted(current) == [e.year for e in wanted]:
            self.report.unchanged["editions"] += len(wanted)
            return False
        if wanted and not resource.is_event:
            self.problem(where, "only conferences and workshops have editions")
            return True
        keep = {e.year for e in wanted}
        gone = [e for year, e in current.items() if year not in keep]
        try:
            ConferenceEdition.objects.filter(pk__in=[e.pk for e in gone]).delete()
        except (ProtectedError, RestrictedError):
            hosted = ", ".join(str(e.year) for e in gone if e.workshops.exists())
            self.problem(where, f"editions: {hosted} still host workshops; move them first")
            return True
        for edition in wanted:
            existing = current.get(edition.year)
            if existing is not None:
                edition.pk = existing.pk
            edition.save()
            old = list(existing.deadlines.all()) if existing else []
            new = edition._deadlines
            if [_deadline_state(d) for d in old] != [_deadline_state(d) for d in new]:
                ConferenceDeadline.objects.filter(edition=edition).delete()
                for deadline in edition._deadlines:
                    deadline.edition = edition
                ConferenceDeadline.objects.bulk_create(edition._deadlines)
        self.report.created["editions"] += len(wanted)
        return True

    # -- the paths to take before a path -----------------------------------------------------------
    def check_previous_paths(self, where: str, values: Any, *, item: dict, obj: LearningPath):
        previous = self.slugs(where, values, self.known["paths"], "previous path")
        if previous is not None and obj in previous:
            self.problem(where, "a path cannot come before itself")
            return None
        return previous

    def set_previous_paths(self, where: str, path: LearningPath, previous: list) -> bool:
        return _set_related(path.previous_paths, previous)

    def no_previous_path_cycle(self, by_slug: dict[str, LearningPath], saved: dict) -> None:
        for slug, (where, _) in saved.items():
            cycle = by_slug[slug].previous_path_cycle(by_slug[slug].previous_paths.all())
            if cycle:
                chain = " → ".join(p.title for p in cycle)
                self.problem(where, f"previous paths form a cycle: {chain}")
                break

    # -- stages and steps of a path ---------------------------------------------------------------
    def check_stages(self, where: str, items: Any, *, item: dict, obj: LearningPath):
        # A draft may be unfinished (the admin saves paths and stages before their steps), and
        # an export must be importable; learners only ever see published paths, which must
        # be complete.
        draft = item.get("status", PathStatus.DRAFT) == PathStatus.DRAFT
        resources = self.known["resources"]
        if not isinstance(items, list) or not (items or draft):
            self.problem(where, "stages must be a non-empty list (empty only in a draft)")
            return None
        stages = []
        used: dict[str, str] = {}
        ok = True
        if len(items) > MAX_POSITION:
            # Stages and steps take their positions from their order in the document.
            self.problem(where, f"a path has at most {MAX_POSITION} stages")
            ok = False
        for s_index, stage in enumerate(items):
            at = f"{where} stages[{s_index}]"
            if not self.check_keys(at, stage, ("steps", "self_check", *STAGE_FIELDS)):
                ok = False
                continue
            if not stage.get("title") or not stage.get("goal"):
                self.problem(at, "a stage needs a title and a goal")
                ok = False
            if not self.fits(at, Stage, stage, STAGE_FIELDS):
                ok = False
            steps = []
            if len(stage.get("steps") or []) > MAX_POSITION:
                self.problem(at, f"a stage has at most {MAX_POSITION} steps")
                ok = False
            for t_index, step in enumerate(stage.get("steps") or []):
                step_at = f"{at} steps[{t_index}]"
                if not self.check_keys(step_at, step, ("resource", *STEP_FIELDS)):
                    ok = False
                    continue
                slug = step.get("resource")
                if slug not in resources:
                    self.problem(step_at, f"unknown resource slug: {slug}")
                    ok = False
                    continue
                if slug in used:
                    self.problem(step_at, f"resource {slug} is already used at {used[slug]}")
                    ok = False
                    continue
                used[slug] = step_at
                note = step.get("note", "")
                # A draft may be unfinished, as in the admin; publishing needs every note.
                if not isinstance(note, str) or not (note.strip() or draft):
                    self.problem(
                        step_at, gettext("every step of a published path needs the curator's note")
                    )
                    ok = False
                    continue
                if not self.fits(step_at, Step, step, STEP_TEXTS):
                    ok = False
                    continue
                hours = step.get("hours")
                problem = whole_number_problem(hours, *_integer_range(HOURS), nullable=True)
                if problem:
                    self.problem(step_at, f"hours {problem}")
                    ok = False
                    continue
                optional = step.get("optional", False)
                if yes_no_problem(optional):
                    self.problem(step_at, f"optional {yes_no_problem(optional)}")
                    ok = False
                    continue
                texts = _document_texts(step, STEP_TEXTS)
                steps.append((resources[slug].pk, texts, hours, optional))
            if not steps and not draft:
                self.problem(at, "a stage of a published path needs at least one step")
                ok = False
            checks = self.check_self_checks(at, stage.get("self_check", []))
            if checks is None:
                ok = False
            stages.append((_document_texts(stage, STAGE_FIELDS), steps, checks))
        return stages if ok else None

    def check_self_checks(self, where: str, items: Any) -> list[dict] | None:
        """A stage's self-check questions as the texts of their rows, in the document's order
        (their positions); None, with every problem recorded, if any is invalid."""
        if not isinstance(items, list):
            self.problem(where, "self_check must be a list")
            return None
        if len(items) > MAX_POSITION:
            self.problem(where, f"a stage has at most {MAX_POSITION} self-check questions")
            return None
        checks, ok = [], True
        for index, item in enumerate(items):
            at = f"{where} self_check[{index}]"
            if not self.check_keys(at, item, SELF_CHECK_FIELDS):
                ok = False
                continue
            # English is required, as in the admin; a translation may be left out or "".
            english_texts = [item.get("question"), item.get("answer")]
            if not all(isinstance(text, str) and text.strip() for text in english_texts):
                self.problem(at, gettext("a self-check needs its question and its model answer"))
                ok = False
                continue
            not_text = [n for n in SELF_CHECK_FIELDS if not isinstance(item.get(n), str | None)]
            if not_text:
                self.problem(at, f"{', '.join(not_text)} must be text")
                ok = False
                continue
            if not self.fits(at, SelfCheck, item, SELF_CHECK_FIELDS):
                ok = False
                continue
            checks.append(_document_texts(item, SELF_CHECK_FIELDS))
        return checks if ok else None

    def set_stages(self, where: str, path: LearningPath, stages: list) -> bool:
        current = self.current_stages(path)
        if stages == current:
            return False
        if _without_checks(stages) == _without_checks(current):
            # Only questions changed: the stages keep their rows (and ids).
            for stage, (*_, checks) in zip(path.stages.order_by("position"), stages, strict=True):
                _set_self_checks(stage, checks)
            return True
        path.stages.all().delete()
        for position, (texts, steps, checks) in enumerate(stages, start=1):
            stage = Stage.objects.create(path=path, position=position, **texts)
            for step_position, (resource_id, notes, hours, optional) in enumerate(steps, start=1):
                Step(
                    stage=stage,
                    position=step_position,
                    resource_id=resource_id,
                    hours=hours,
                    optional=optional,
                    **notes,
                ).save()
            _set_self_checks(stage, checks)
        return True

    @staticmethod
    def current_stages(path: LearningPath) -> list:
        if path.pk is None:
            return []
        stages = path.stages.order_by("position").prefetch_related(
            models.Prefetch("steps", queryset=Step.objects.order_by("position")),
            models.Prefetch("self_checks", queryset=SelfCheck.objects.order_by("position")),
        )
        return [
            (
                _texts(s, STAGE_FIELDS),
                [
                    (st.resource_id, _texts(st, STEP_TEXTS), st.hours, st.optional)
                    for st in s.steps.all()
                ],
                [_texts(check, SELF_CHECK_FIELDS) for check in s.self_checks.all()],
            )
            for s in stages
        ]

    # -- publication --------------------------------------------------------------------------
    def publication(self, document: dict[str, Any]) -> None:
        """Refuse, once everything is written, published paths that are not complete or use an
        unpublished resource, and resources unpublished while a published path uses them."""
        where = {}
        for key in ("resources", "paths"):
            for index, item in enumerate(document.get(key, [])):
                where[key, item["slug"]] = f'{key}[{index}] "{item["slug"]}"'
        published_paths = LearningPath.objects.published().filter(
            slug__in=[slug for key, slug in where if key == "paths"]
        )
        for path, problems in published_paths.publication_problems().items():
            if problems:
                self.problem(where["paths", path.slug], publication_refusal(path, problems))
        unpublished = Resource.objects.filter(
            published=False, slug__in=[slug for key, slug in where if key == "resources"]
        )
        for resource, reasons in unpublished.unpublish_blockers().items():
            for why in reasons:
                self.problem(where["resources", resource.slug], why)


def _without_checks(stages: list) -> list:
    return [(texts, steps) for texts, steps, _checks in stages]


def _set_self_checks(stage: Stage, checks: list[dict]) -> None:
    """Replace the stage's self-check questions by `checks` (texts, in position order); saved
    one by one, as their Markdown is rendered on save."""
    stage.self_checks.all().delete()
    for position, texts in enumerate(checks, start=1):
        SelfCheck(stage=stage, position=position, **texts).save()


def _set_related(manager, wanted: list[models.Model]) -> bool:
    """Make a many-to-many relation hold exactly `wanted`; whether that changed it."""
    if {o.pk for o in wanted} == set(manager.values_list("pk", flat=True)):
        return False
    manager.set(wanted)
    return True


def _texts(obj: models.Model, names: Iterable[str]) -> dict[str, str | None]:
    return {name: getattr(obj, name) or _empty(name) for name in names}


def _document_texts(item: dict, names: Iterable[str]) -> dict[str, str | None]:
    return {name: item.get(name) or _empty(name) for name in names}


def _empty(name: str) -> str | None:
    """A text left empty: NULL for a translation not written yet (as the admin leaves it)."""
    return None if name in TRANSLATION_KEYS else ""


# The document's kinds of item, in the order they are imported (each may name the ones before).
KINDS = (
    Kind(
        "concepts",
        Concept,
        CONCEPT_FIELDS,
        derived=(*every_language("summary_html", "body_html"), *english("summary", "body")),
        relations=(
            Relation(
                "prerequisites",
                _Importer.check_prerequisites,
                _Importer.set_prerequisites,
                when=AFTER_KIND,  # a concept may require one later in the document
            ),
        ),
        finish=_Importer.no_prerequisite_cycle,
    ),
    Kind(
        "resources",
        Resource,
        RESOURCE_FIELDS,
        derived=("description_html",),
        # A workshop's editions name their hosts' editions: conferences' are written first.
        after_kind_order=lambda saved: saved[1][1].get("kind") == ResourceKind.WORKSHOP,
        relations=(
            Relation("concepts", _Importer.check_concepts, _Importer.set_concepts),
            Relation("defines", _Importer.check_concepts, _Importer.set_defines),
            Relation("core_for", _Importer.check_concepts, _Importer.set_core_for),
            Relation("tags", _Importer.check_tags, _Importer.set_tags),
            # Editions need the saved conference, and a workshop's the saved editions of its
            # host (workshops come last); they count in the report as themselves.
            Relation(
                "editions",
                _Importer.check_editions,
                _Importer.set_editions,
                when=AFTER_KIND,
                marks_updated=False,
            ),
        ),
    ),
    Kind("synonyms", Synonym, SYNONYM_FIELDS, derived=(), relations=()),
    Kind(
        "paths",
        LearningPath,
        PATH_FIELDS,
        derived=(
            *every_language("summary_html", "description_html", "assumes_html"),
            *english("title", "summary", "description", "assumes"),
        ),
        relations=(
            Relation("concepts", _Importer.check_concepts, _Importer.set_concepts),
            Relation(
                "previous_paths",
                _Importer.check_previous_paths,
                _Importer.set_previous_paths,
                when=AFTER_KIND,  # a path may name one later in the document
            ),
            Relation("stages", _Importer.check_stages, _Importer.set_stages),
        ),
        finish=_Importer.no_previous_path_cycle,
    ),
)


def check_format(document: Any) -> None:
    """Raise CatalogueError unless `document` is a catalogue document (its "format" is ours)."""
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise CatalogueError([f'not a catalogue document ("format" must be "{FORMAT}")'])


def catalogue_import(document: dict[str, Any]) -> ImportReport:
    """Apply a catalogue document atomically; raise CatalogueError (and change nothing) on
    error."""
    check_format(document)
    importer = _Importer()
    # "summary" in a document is the English text whatever language the curator reads.
    with translation.override(settings.LANGUAGE_CODE), transaction.atomic():
        for kind in KINDS:
            importer.upsert(kind, document.get(kind.key, []))
        if not importer.problems:  # else the rows it would look at were not all written
            importer.publication(document)
        if importer.problems:
            raise CatalogueError(importer.problems)  # leaving the block rolls everything back
        if importer.report.changed:
            index_stale()
            # Editions and prerequisites are bulk-created, which model signals do not see.
            catalogue_changed()
    return importer.report


def _deadline_state(deadline: ConferenceDeadline) -> tuple:
    return (*(getattr(deadline, f) for f in DEADLINE_FIELDS if f != "note"), deadline.note_en)


def _edition_state(edition: ConferenceEdition, deadlines: list) -> tuple:
    """What the import compares to tell whether an edition changed."""
    return (
        *(getattr(edition, f) for f in EDITION_FIELDS),
        edition.host_id,
        [_deadline_state(d) for d in sorted(deadlines, key=lambda d: (d.due, d.kind))],
    )


def parse_deadline(value: Any, zone: str) -> dt.datetime | None:
    """A deadline's `due` (or the first format's `submission_deadline`) as the format states
    it → its UTC instant (None for null).

    ISO 8601 date and time: without an offset, the wall clock in `zone` (converted by
    `deadline_instant`, which refuses times the clocks skip or pass twice); with one (`Z`,
    `+08:00`), that exact instant. Either must fall in the catalogue's years (MIN_YEAR to
    MAX_YEAR, UTC). Raises ValidationError saying what is wrong.
    """
    if value is None:
        return None
    example = {"example": "2026-05-15T23:59"}
    if not isinstance(value, str):
        raise ValidationError(
            gettext("must be a date and time written as text, such as “%(example)s”"),
            params=example,
        )
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        pass
    else:
        raise ValidationError(
            gettext("give the time as well as the date, such as “%(example)s”"), params=example
        )
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError as error:
        raise ValidationError(
            gettext("“%(value)s” is not an ISO 8601 date and time such as “%(example)s”"),
            params={"value": value, **example},
        ) from error
    if parsed.tzinfo is None:
        try:
            return deadline_instant(parsed, zone)
        except ValidationError as error:
            if error.code != "ambiguous_time":
                raise
            first = parsed.replace(tzinfo=deadline_zone(zone), fold=0)
            hint = gettext("Write it with its UTC offset to say which: “%(first)s” is the first.")
            raise ValidationError(
                f"{error.messages[0]} {hint % {'first': first.isoformat(timespec='minutes')}}",
                code=error.code,
            ) from error
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:  # then converting it cannot overflow
        raise deadline_out_of_range()
    instant = parsed.astimezone(dt.UTC)
    check_deadline_range(instant)
    return instant
