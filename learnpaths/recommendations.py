"""What a learner could study next ("What next"), and where a new learner should start
(/start/), each with its reasons.

Arithmetic on the cached structures (the paths, learnpaths.path_structures; the concept
catalogue, learnpaths.concept_states; the published paths' order, `path_order`) and the
learner's statuses: no query of its own but the order's build.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import zip_longest

from django.utils.translation import gettext, pgettext

from learnpaths.concept_states import DONE, LOCKED, ConceptEntry, ConceptStates
from learnpaths.core.cache import cached
from learnpaths.models import LearningPath
from learnpaths.path_structures import PathData, StageData, paths_by_id
from learnpaths.progress import path_progress
from learnpaths.statuses import completes
from resources.models import Level

WHAT_NEXT = 5  # suggestions at most


@dataclass(frozen=True)
class Suggestion:
    """A resource to study next: its title, where to open it (the step of a followed path,
    else the resource's page) and why, one sentence in the active language."""

    resource_id: int
    title: str
    url: str
    reason: str


def what_next(
    states: ConceptStates, paths: Iterable[PathData], *, limit: int = WHAT_NEXT
) -> list[Suggestion]:
    """Up to `limit` resources the learner is ready for and has not completed (done or
    skipped; in progress counts as not completed): first the next required steps of `paths`
    (the paths they follow and have not completed, in the dashboard's order), taking the
    next of each path in turn; then the core resources of the concepts they are ready for, in
    map order. A resource core for a concept they are locked out of is left out.

    Each says why: a done prerequisite of a concept the resource is core for ("you finished
    CNNs; ResNet builds on it"), else its place in the path ("next in <path>, stage N"), else
    that its concept requires nothing."""
    chosen: dict[int, Suggestion] = {}
    per_path = [_path_suggestions(states, path, limit) for path in paths]
    for turn in zip_longest(*per_path):
        for suggestion in turn:
            if suggestion is not None and suggestion.resource_id not in chosen:
                chosen[suggestion.resource_id] = suggestion
    suggestions = list(chosen.values())[:limit]
    if len(suggestions) < limit:
        resources = states.catalogue.resources
        for concept in states.ready:
            for resource_id in concept.core:
                if resource_id in chosen or not _open(states, resource_id):
                    continue
                resource = resources[resource_id]
                reason = _builds_on(states, resource_id) or gettext(
                    "%(concept)s requires no other concept: a place to start."
                ) % {"concept": concept.local_name}
                chosen[resource_id] = Suggestion(
                    resource_id, resource.title, resource.get_absolute_url(), reason
                )
                suggestions.append(chosen[resource_id])
                if len(suggestions) == limit:
                    return suggestions
    return suggestions


def _path_suggestions(states: ConceptStates, path: PathData, limit: int) -> list[Suggestion]:
    """The path's first `limit` required steps the learner is ready for and has not
    completed, in the path's order."""
    found = []
    for number, stage in enumerate(path.stages, start=1):
        for step in stage.steps:
            if step.optional or not _open(states, step.resource_id):
                continue
            reason = _builds_on(states, step.resource_id) or gettext(
                "Next in “%(path)s”, stage %(stage)s."
            ) % {"path": path.title, "stage": number}
            url = f"{path.url}#step-{step.pk}"
            found.append(Suggestion(step.resource_id, step.title, url, reason))
            if len(found) == limit:
                return found
    return found


def _open(states: ConceptStates, resource_id: int) -> bool:
    """Not completed by the learner, and core for no concept they are locked out of."""
    if completes(states.statuses.get(resource_id)):
        return False
    core = states.catalogue.resources.get(resource_id)
    return core is None or all(states[c] is not LOCKED for c in core.concepts)


def _builds_on(states: ConceptStates, resource_id: int) -> str | None:
    """ "You finished <a done prerequisite>; <concept> builds on it.", naming the first done
    prerequisite of the first concept the resource is core for that has one; None if none."""
    core = states.catalogue.resources.get(resource_id)
    if core is None:
        return None
    by_id = states.catalogue.by_id
    for concept_id in core.concepts:
        for prerequisite_id in by_id[concept_id].prerequisites:
            if states[prerequisite_id] is DONE:
                return gettext("You finished %(done)s; %(concept)s builds on it.") % {
                    "done": by_id[prerequisite_id].local_name,
                    "concept": by_id[concept_id].local_name,
                }
    return None


# -- where to start --------------------------------------------------------------------------
# The cache name of the published paths' order, with the version of its shape.
PATH_ORDER = "path-order-1"


def _build_path_order() -> list[int]:
    """The published paths' ids in the order a new learner should take them: each after the
    paths it names as previous (`LearningPath.previous_paths`), and among those free to come
    next, beginners first, then featured ones, then the oldest. Two queries."""
    published = LearningPath.objects.published()
    rows = list(published.order_by("pk").values_list("pk", "level", "featured"))
    ids = {pk for pk, _level, _featured in rows}
    levels = list(Level.values)
    rank = {
        pk: (levels.index(level) if level in levels else len(levels), not featured, pk)
        for pk, level, featured in rows
    }
    before: dict[int, set[int]] = {pk: set() for pk in ids}
    after: dict[int, list[int]] = {pk: [] for pk in ids}
    edges = LearningPath.previous_paths.through.objects.values_list(
        "from_learningpath_id", "to_learningpath_id"
    )
    for later, earlier in edges:
        if later in ids and earlier in ids:
            before[later].add(earlier)
            after[earlier].append(later)
    free = [rank[pk] for pk in ids if not before[pk]]
    heapq.heapify(free)
    order = []
    while free:
        pk = heapq.heappop(free)[2]
        order.append(pk)
        for later in after[pk]:
            before[later].discard(pk)
            if not before[later]:
                heapq.heappush(free, rank[later])
    # A cycle (the admin refuses them) leaves its paths out of the loop: they come last.
    placed = set(order)
    return order + sorted((pk for pk in ids if pk not in placed), key=rank.__getitem__)


def path_order(*, version: int) -> list[int]:
    """`_build_path_order`, cached per catalogue version (the same in every language)."""
    return cached(PATH_ORDER, version=version, build=_build_path_order, localised=False)


@dataclass(frozen=True)
class StartAdvice:
    """Where a learner should begin: a path, its stage (`number` as the path page counts
    them) and the reasons, sentences in the active language."""

    path: PathData
    stage: StageData
    number: int
    reasons: list[str]

    @property
    def url(self) -> str:
        return f"{self.path.url}#stage-{self.stage.position}"


def start_advice(
    paths: Iterable[PathData], statuses: Mapping[int, str], known: list[ConceptEntry]
) -> StartAdvice | None:
    """The first of `paths` (published, in `path_order`) the learner has not completed, given
    their statuses, and in it the first stage with a required step they have not completed;
    None when they have completed them all. `known` are the concepts they said they know,
    which the reasons name. No query."""
    completed = []
    for path in paths:
        progress = path_progress(path.stages, statuses)
        if progress.complete:
            completed.append(path)
            continue
        for number, stage_progress in enumerate(progress.stages, start=1):
            tally = stage_progress.tally
            if tally.required_done < tally.required_total:
                stage = stage_progress.stage
                reasons = _start_reasons(path, stage, number, completed, known)
                return StartAdvice(path, stage, number, reasons)
    return None


def published_start_advice(
    statuses: Mapping[int, str], known: list[ConceptEntry], *, version: int
) -> StartAdvice | None:
    """`start_advice` over the published paths in `path_order`, all from the cache (built in
    two and five queries when the catalogue has changed)."""
    ids = path_order(version=version)
    paths = paths_by_id(ids, version=version)
    ordered = [paths[pk] for pk in ids if pk in paths and paths[pk].published]
    return start_advice(ordered, statuses, known)


def _start_reasons(
    path: PathData,
    stage: StageData,
    number: int,
    completed: list[PathData],
    known: list[ConceptEntry],
) -> list[str]:
    separator = pgettext("list separator", ", ")
    reasons = []
    if known:
        reasons.append(
            gettext("You know %(concepts)s.")
            % {"concepts": separator.join(c.local_name for c in known)}
        )
    if completed:
        reasons.append(
            gettext("What you know completes %(paths)s; “%(path)s” comes next.")
            % {"paths": separator.join(f"“{p.title}”" for p in completed), "path": path.title}
        )
    else:
        reasons.append(
            gettext(
                "“%(path)s” comes first in the curators' order: beginners first, each path "
                "after the paths it builds on."
            )
            % {"path": path.title}
        )
    if number == 1:
        reasons.append(
            gettext("Begin with its first stage, “%(stage)s”. Its goal: %(goal)s")
            % {"stage": stage.title, "goal": stage.goal}
        )
    else:
        reasons.append(
            gettext(
                "Begin at stage %(number)s, “%(stage)s”: the stages before it cover what you "
                "know. Its goal: %(goal)s"
            )
            % {"number": number, "stage": stage.title, "goal": stage.goal}
        )
    return reasons
