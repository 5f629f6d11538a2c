"""Import (and export) of the curated catalogue in the JSON format of docs/catalogue-format.md.

Slugs are the natural keys. An import is one transaction: it either applies the whole document
or, on any error, changes nothing and raises CatalogueError naming every problem it found.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.backends.base.operations import BaseDatabaseOperations
from django.utils.translation import gettext

from learnpaths.catalogue_io.format import (
    CONCEPT_FIELDS,
    EDITION_FIELDS,
    FORMAT,
    PATH_FIELDS,
    RESOURCE_FIELDS,
    STAGE_FIELDS,
    STEP_FIELDS,
)
from learnpaths.models import (
    LearningPath,
    PathStatus,
    Stage,
    Step,
    publication_refusal,
)
from resources.models import (
    MAX_POSITION,
    MAX_YEAR,
    MIN_YEAR,
    Concept,
    ConceptPrerequisite,
    ConferenceEdition,
    Resource,
    Tag,
    check_deadline_range,
    deadline_instant,
    deadline_out_of_range,
    deadline_zone,
    normalise_tag_name,
)
from resources.search import refresh_search_vectors
from resources.versions import bump_catalogue_version

HOURS = Step._meta.get_field("hours")


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
        kinds = ("concepts", "resources", "editions", "paths")
        return "; ".join(
            f"{kind}: {self.created[kind]} created, {self.updated[kind]} updated, "
            f"{self.unchanged[kind]} unchanged"
            for kind in kinds
        )


def read_documents(paths: Iterable[Path]) -> dict[str, Any]:
    """Merge several catalogue files into one document (lists are concatenated in order)."""
    merged: dict[str, Any] = {"format": FORMAT, "concepts": [], "resources": [], "paths": []}
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
        for key in ("concepts", "resources", "paths"):
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


class _Importer:
    def __init__(self) -> None:
        self.problems: list[str] = []
        self.report = ImportReport()

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
            setattr(obj, name, value)
        return obj.pk is None or any(before[name] != getattr(obj, name) for name in names)

    def clean(self, where: str, obj: models.Model, exclude: Iterable[str] = ()) -> bool:
        try:
            obj.full_clean(exclude=list(exclude), validate_unique=True)
        except ValidationError as error:
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

    # -- concepts -----------------------------------------------------------------------------
    def concepts(self, items: list) -> dict[str, Concept]:
        by_slug = Concept.objects.in_bulk(field_name="slug")
        outcomes: dict[str, str] = {}
        wanted_prerequisites: dict[str, tuple[str, Any]] = {}
        seen: set[str] = set()
        for index, item in enumerate(items):
            where = f"concepts[{index}]"
            if not self.check_keys(where, item, ("slug", "prerequisites", *CONCEPT_FIELDS)):
                continue
            slug = item.get("slug")
            where = f'{where} "{slug}"'
            if slug in seen:
                self.problem(where, "slug appears twice in the document")
                continue
            seen.add(slug)
            if not self.check_values(where, Concept, item, CONCEPT_FIELDS):
                continue
            concept = by_slug.get(slug) or Concept(slug=slug)
            changed = self.assign(concept, item, CONCEPT_FIELDS)
            if self.clean(where, concept, exclude=("summary_html", "body_html")):
                outcomes[slug] = (
                    "created" if concept.pk is None else "updated" if changed else "unchanged"
                )
                if changed:
                    concept.save()
                by_slug[slug] = concept
                wanted_prerequisites[slug] = (where, item.get("prerequisites", []))
        for slug, (where, prerequisite_slugs) in wanted_prerequisites.items():
            prerequisites = self.slugs(where, prerequisite_slugs, by_slug, "prerequisite")
            if prerequisites is None:
                continue
            concept = by_slug[slug]
            if concept in prerequisites:
                self.problem(where, "a concept cannot require itself")
                continue
            if self.set_prerequisites(concept, prerequisites) and outcomes[slug] == "unchanged":
                outcomes[slug] = "updated"
        for outcome in outcomes.values():
            self.report.count(outcome, "concepts")
        for slug, (where, _) in wanted_prerequisites.items():
            cycle = by_slug[slug].prerequisite_cycle(by_slug[slug].prerequisites.all())
            if cycle:
                chain = " → ".join(c.name for c in cycle)
                self.problem(where, f"prerequisites form a cycle: {chain}")
                break
        return by_slug

    def set_prerequisites(self, concept: Concept, prerequisites: list[Concept]) -> bool:
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

    # -- resources ----------------------------------------------------------------------------
    def resources(self, items: list, concepts: dict[str, Concept]) -> dict[str, Resource]:
        by_slug = Resource.objects.in_bulk(field_name="slug")
        seen: set[str] = set()
        for index, item in enumerate(items):
            where = f"resources[{index}]"
            allowed = ("slug", "concepts", "tags", "editions", *RESOURCE_FIELDS)
            if not self.check_keys(where, item, allowed):
                continue
            slug = item.get("slug")
            where = f'{where} "{slug}"'
            if slug in seen:
                self.problem(where, "slug appears twice in the document")
                continue
            seen.add(slug)
            if not self.check_values(where, Resource, item, RESOURCE_FIELDS):
                continue
            resource = by_slug.get(slug) or Resource(slug=slug)
            changed = self.assign(resource, item, RESOURCE_FIELDS)
            linked = self.slugs(where, item.get("concepts", []), concepts, "concept")
            tags = item.get("tags", [])
            if not isinstance(tags, list) or not all(isinstance(t, str) and t for t in tags):
                self.problem(where, "tags must be a list of names")
                continue
            # Normalised as the Tag model stores them, so that look-alikes are one tag.
            tags = [normalise_tag_name(t) for t in tags]
            if not all(self.fits(f"{where} tag {t!r}", Tag, {"name": t}, ("name",)) for t in tags):
                continue
            if linked is None or not self.clean(where, resource, exclude=("description_html",)):
                continue
            was_new = resource.pk is None
            resource_changed = changed
            if changed:
                resource.save()
            by_slug[slug] = resource
            if {c.pk for c in linked} != set(resource.concepts.values_list("pk", flat=True)):
                resource.concepts.set(linked)
                resource_changed = True
            wanted_tags = {t.strip().lower() for t in tags if t.strip()}
            if wanted_tags != {name.lower() for name in resource.tags.names()}:
                resource.tags.set(sorted(wanted_tags))
                resource_changed = True
            editions_changed = self.editions(where, resource, item.get("editions", []))
            outcome = "created" if was_new else "updated" if resource_changed else "unchanged"
            self.report.count(outcome, "resources")
            if editions_changed and not resource.is_event:
                self.problem(where, "only conferences and workshops have editions")
        return by_slug

    def editions(self, where: str, resource: Resource, items: Any) -> bool:
        if not isinstance(items, list):
            self.problem(where, "editions must be a list")
            return False
        wanted = []
        for index, item in enumerate(items):
            at = f"{where} editions[{index}]"
            if not self.check_keys(at, item, EDITION_FIELDS):
                continue
            dates = [n for n in ("starts_on", "ends_on") if not isinstance(item.get(n), str | None)]
            for name in dates:  # the model field would choke on them, not explain
                self.problem(
                    at,
                    f"{name}: " + gettext("must be a date written as text, such as “2026-12-06”"),
                )
            if not self.check_values(at, ConferenceEdition, item, EDITION_FIELDS) or dates:
                continue
            edition = ConferenceEdition(conference=resource)
            self.assign(
                edition,
                {k: v for k, v in item.items() if k != "submission_deadline"},
                [f for f in EDITION_FIELDS if f != "submission_deadline"],
            )
            try:
                edition.submission_deadline = parse_deadline(
                    item.get("submission_deadline"), edition.deadline_timezone
                )
                deadline_ok = True
            except ValidationError as error:
                deadline_ok = False
                if error.code != "unknown_zone":  # clean() names a bad deadline_timezone
                    self.problem(at, f"submission_deadline: {error.messages[0]}")
            if self.clean(at, edition, exclude=("conference",)) and deadline_ok:
                wanted.append(edition)
        fields = EDITION_FIELDS
        current = [tuple(getattr(e, f) for f in fields) for e in resource.editions.order_by("year")]
        wanted.sort(key=lambda e: e.year)
        desired = [tuple(getattr(e, f) for f in fields) for e in wanted]
        if current == desired:
            self.report.unchanged["editions"] += len(wanted)
            return False
        resource.editions.all().delete()
        ConferenceEdition.objects.bulk_create(wanted)
        self.report.created["editions"] += len(wanted)
        return True

    # -- paths --------------------------------------------------------------------------------
    def paths(self, items: list, concepts: dict, resources: dict) -> None:
        by_slug = LearningPath.objects.in_bulk(field_name="slug")
        seen: set[str] = set()
        for index, item in enumerate(items):
            where = f"paths[{index}]"
            if not self.check_keys(where, item, ("slug", "concepts", "stages", *PATH_FIELDS)):
                continue
            slug = item.get("slug")
            where = f'{where} "{slug}"'
            if slug in seen:
                self.problem(where, "slug appears twice in the document")
                continue
            seen.add(slug)
            if not self.check_values(where, LearningPath, item, PATH_FIELDS):
                continue
            path = by_slug.get(slug) or LearningPath(slug=slug)
            changed = self.assign(path, item, PATH_FIELDS)
            linked = self.slugs(where, item.get("concepts", []), concepts, "concept")
            draft = item.get("status", PathStatus.DRAFT) == PathStatus.DRAFT
            stages = self.stages(where, item.get("stages", []), resources, draft=draft)
            if linked is None or stages is None:
                continue
            if not self.clean(where, path, exclude=("summary_html", "description_html")):
                continue
            was_new = path.pk is None
            if changed:
                path.save()
            if {c.pk for c in linked} != set(path.concepts.values_list("pk", flat=True)):
                path.concepts.set(linked)
                changed = True
            if stages != self.current_stages(path):
                path.stages.all().delete()
                for position, (title, goal, steps) in enumerate(stages, start=1):
                    stage = Stage.objects.create(
                        path=path, position=position, title=title, goal=goal
                    )
                    for step_position, (resource_id, note, hours, optional) in enumerate(
                        steps, start=1
                    ):
                        Step(
                            stage=stage,
                            position=step_position,
                            resource_id=resource_id,
                            note=note,
                            hours=hours,
                            optional=optional,
                        ).save()
                changed = True
            self.report.count(
                "created" if was_new else "updated" if changed else "unchanged", "paths"
            )

    def stages(self, where: str, items: Any, resources: dict, *, draft: bool) -> list | None:
        # A draft may be unfinished (the admin saves paths and stages before their steps), and
        # an export must be importable; learners only ever see published paths, which must
        # be complete.
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
            if not self.check_keys(at, stage, ("steps", *STAGE_FIELDS)):
                ok = False
                continue
            if not stage.get("title") or not stage.get("goal"):
                self.problem(at, "a stage needs a title and a goal")
                ok = False
            if not self.fits(at, Stage, stage, ("title", "goal")):
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
                if not self.fits(step_at, Step, step, ("note",)):
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
                steps.append((resources[slug].pk, note, hours, optional))
            if not steps and not draft:
                self.problem(at, "a stage of a published path needs at least one step")
                ok = False
            stages.append((stage.get("title"), stage.get("goal"), steps))
        return stages if ok else None

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

    @staticmethod
    def current_stages(path: LearningPath) -> list:
        if path.pk is None:
            return []
        stages = path.stages.order_by("position").prefetch_related(
            models.Prefetch("steps", queryset=Step.objects.order_by("position"))
        )
        return [
            (
                s.title,
                s.goal,
                [(st.resource_id, st.note, st.hours, st.optional) for st in s.steps.all()],
            )
            for s in stages
        ]


def catalogue_import(document: dict[str, Any]) -> ImportReport:
    """Apply a catalogue document atomically; raise CatalogueError (and change nothing) on error."""
    importer = _Importer()
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise CatalogueError([f'not a catalogue document ("format" must be "{FORMAT}")'])
    with transaction.atomic():
        concepts = importer.concepts(document.get("concepts", []))
        resources = importer.resources(document.get("resources", []), concepts)
        importer.paths(document.get("paths", []), concepts, resources)
        if not importer.problems:  # else the rows it would look at were not all written
            importer.publication(document)
        if importer.problems:
            raise CatalogueError(importer.problems)  # leaving the block rolls everything back
        if importer.report.changed:
            refresh_search_vectors()
            # Editions and prerequisites are bulk-created, which model signals do not see.
            bump_catalogue_version()
    return importer.report


# -- seeding ------------------------------------------------------------------------------------
# The document's lists, with the kind of item each holds (plain strings: enum members hash by
# name, and these are dictionary keys next to values read from the database).


def parse_deadline(value: Any, zone: str) -> dt.datetime | None:
    """A `submission_deadline` as the format states it → its UTC instant (None for null).

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
