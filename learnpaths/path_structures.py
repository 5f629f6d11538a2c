"""Paths as compact, cacheable structures.

Everything on a path page that is the same for every learner — the path, its stages and steps,
and each step's static HTML (title, badges, curator's note, link) — is built once per catalogue
version into plain dataclasses (cheap to unpickle, unlike model instances with prefetches) and
shared through the cache by the path page, the mark-done POST and the dashboard.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import reverse

from learnpaths.core.cache import cached, cached_many
from learnpaths.models import LearningPath, PathStatus, SelfCheck, Stage, Step
from resources.models import Concept, Resource
from resources.versions import catalogue_version

# The cache name of PathData, with the version of its fields and of the steps' HTML (3: assumes,
# previous and next paths; 4: a step names its resource's Chinese title and language; 5: the
# stages' self-check questions).
PATH_DATA = "path-data-5"


@dataclass(frozen=True, slots=True)
class ConceptLink:
    name: str
    url: str


@dataclass(frozen=True, slots=True)
class PathLink:
    title: str
    url: str


@dataclass(frozen=True, slots=True)
class StepData:
    pk: int
    resource_id: int
    resource_slug: str
    title: str  # the resource's title
    hours: int
    optional: bool
    progress_url: str
    body_html: str  # everything in the step but its status form, the same for every visitor
    is_paper: bool  # cited in the BibTeX of the path and the stage


@dataclass(frozen=True, slots=True)
class SelfCheckData:
    question_html: str  # in the language the structure was built in, else English
    answer_html: str


@dataclass(frozen=True, slots=True)
class StageData:
    pk: int
    position: int
    title: str
    goal: str
    steps: tuple[StepData, ...]
    self_checks: tuple[SelfCheckData, ...]

    @property
    def has_papers(self) -> bool:
        return any(step.is_paper for step in self.steps)


@dataclass(frozen=True, slots=True)
class PathData:
    pk: int
    slug: str
    title: str
    status: str
    level: str
    level_display: str
    summary: str
    summary_html: str
    description_html: str
    assumes_html: str
    url: str
    concepts: tuple[ConceptLink, ...]
    previous_paths: tuple[PathLink, ...]  # published paths to take before this one
    next_paths: tuple[PathLink, ...]  # published paths that name this one as previous
    stages: tuple[StageData, ...]

    @property
    def published(self) -> bool:
        return self.status == PathStatus.PUBLISHED

    def get_absolute_url(self) -> str:
        return self.url

    @property
    def resource_ids(self) -> list[int]:
        return [step.resource_id for stage in self.stages for step in stage.steps]

    @property
    def has_papers(self) -> bool:
        return any(stage.has_papers for stage in self.stages)

    @property
    def step_count(self) -> int:
        return sum(len(stage.steps) for stage in self.stages)

    @property
    def hours_total(self) -> int:
        return sum(step.hours for stage in self.stages for step in stage.steps)


def _build(paths: QuerySet[LearningPath]) -> dict[int, PathData]:
    """PathData for every path of `paths`, in six queries however many paths there are (the
    paths, their concepts, steps, previous and next paths, stages, self-checks)."""
    # Only the columns shown: a translated text has a column per language and the original
    # (modeltranslation), and a resource's description is long; loading them all cost a
    # third of the build's time.
    concepts = Concept.objects.order_by("name").only("pk", "slug", "name", "name_zh")
    paths = list(
        paths.defer("description").prefetch_related(Prefetch("concepts", queryset=concepts))
    )
    ids = [path.pk for path in paths]
    steps_by_stage: dict[int, list[StepData]] = {}
    steps = (
        Step.objects.filter(path_id__in=ids)
        .select_related("resource")
        .defer(
            "note", "resource__description", "resource__description_html",
            "resource__authors", "resource__venue",
        )
    )  # fmt: skip
    for step in steps.order_by("stage_id", "position"):
        body = render_to_string("learnpaths/partials/_step_body.html", {"step": step})
        steps_by_stage.setdefault(step.stage_id, []).append(
            StepData(
                pk=step.pk,
                resource_id=step.resource_id,
                resource_slug=step.resource.slug,
                title=step.resource.title,
                hours=step.estimated_hours or 0,  # the step's own estimate, else the resource's
                optional=step.optional,
                progress_url=reverse("resource-progress", args=[step.resource.slug]),
                body_html=body,
                # A published path's steps are published resources (UNPUBLISH_GUARDS).
                is_paper=step.resource.is_paper,
            )
        )
    previous: dict[int, list[PathLink]] = {}
    following: dict[int, list[PathLink]] = {}
    links = (
        LearningPath.previous_paths.through.objects.filter(
            Q(from_learningpath__in=ids) | Q(to_learningpath__in=ids)
        )
        .select_related("from_learningpath", "to_learningpath")
        .order_by("pk")
    )
    for link in links:  # from_learningpath comes after to_learningpath
        later, earlier = link.from_learningpath, link.to_learningpath
        if earlier.status == PathStatus.PUBLISHED:
            previous.setdefault(later.pk, []).append(_path_link(earlier))
        if later.status == PathStatus.PUBLISHED:
            following.setdefault(earlier.pk, []).append(_path_link(later))
    checks_by_stage: dict[int, list[SelfCheckData]] = {}
    checks = SelfCheck.objects.filter(stage__path_id__in=ids).order_by("stage_id", "position")
    for check in checks:
        checks_by_stage.setdefault(check.stage_id, []).append(
            SelfCheckData(question_html=check.question_html, answer_html=check.answer_html)
        )
    stages_by_path: dict[int, list[StageData]] = {}
    for stage in Stage.objects.filter(path_id__in=ids).order_by("path_id", "position"):
        stages_by_path.setdefault(stage.path_id, []).append(
            StageData(
                pk=stage.pk,
                position=stage.position,
                title=stage.title,
                goal=stage.goal,
                steps=tuple(steps_by_stage.get(stage.pk, ())),
                self_checks=tuple(checks_by_stage.get(stage.pk, ())),
            )
        )
    return {
        path.pk: PathData(
            pk=path.pk,
            slug=path.slug,
            title=path.title,
            status=path.status,
            level=path.level,
            level_display=path.level_label,
            summary=path.summary,
            summary_html=path.summary_html,
            description_html=path.description_html,
            assumes_html=path.assumes_html,
            url=path.get_absolute_url(),
            concepts=tuple(
                ConceptLink(c.local_name, c.get_absolute_url()) for c in path.concepts.all()
            ),
            previous_paths=tuple(sorted(previous.get(path.pk, ()), key=_by_title)),
            next_paths=tuple(sorted(following.get(path.pk, ()), key=_by_title)),
            stages=tuple(stages_by_path.get(path.pk, ())),
        )
        for path in paths
    }


def _path_link(path: LearningPath) -> PathLink:
    return PathLink(path.title, path.get_absolute_url())


def _by_title(link: PathLink) -> str:
    return link.title.casefold()


def paths_by_id(
    ids: Iterable[int], *, version: int, built: dict[int, PathData] | None = None
) -> dict[int, PathData]:
    """The paths with these ids (drafts included), from this process's memory or the shared
    cache; the missing ones are taken from `built` (just built by the caller) or built
    together in six queries, and cached. Localised: the steps' HTML holds UI text."""
    built = built or {}

    def build(missing: list[int]) -> dict[int, PathData]:
        rest = [pk for pk in missing if pk not in built]
        fresh = _build(LearningPath.objects.filter(pk__in=rest)) if rest else {}
        return {pk: built[pk] for pk in missing if pk in built} | fresh

    # The name changes with the structures' fields: a value pickled with other fields (by the
    # code before a deploy, under the same catalogue version) is never read back.
    return cached_many(PATH_DATA, ids, version=version, build=build)


def published_path(request, slug: str) -> PathData:
    """The published path with this slug (Http404 if there is none), from the cache."""
    version = catalogue_version(request)
    built: dict[int, PathData] = {}

    def build_id() -> int:
        # The path is built with its id (six queries in all), for `paths_by_id` to cache.
        built.update(_build(LearningPath.objects.published().filter(slug=slug)))
        if not built:
            raise Http404("No such path.")
        return next(iter(built))

    pk = cached("path-id", slug, version=version, build=build_id, local=True, localised=False)
    data = paths_by_id([pk], version=version, built=built).get(pk)
    if data is None or not data.published:  # deleted or unpublished since: version bumped
        raise Http404("No such path.")
    return data


@dataclass(frozen=True, slots=True)
class ResourceRef:
    """What the status form and the mark-done POST need of a resource."""

    pk: int
    slug: str
    title: str

    def get_absolute_url(self) -> str:
        """The resource's page in the active language (the ref is shared by all languages)."""
        return reverse("resource-detail", kwargs={"slug": self.slug})


def published_resource(request, slug: str) -> ResourceRef:
    """The published resource with this slug (Http404 if there is none), from the cache."""

    def build() -> ResourceRef:
        resource = get_object_or_404(Resource.objects.published(), slug=slug)
        return ResourceRef(resource.pk, resource.slug, resource.title)

    version = catalogue_version(request)
    return cached("resource-ref", slug, version=version, build=build, local=True, localised=False)
