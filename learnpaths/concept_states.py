"""Where a learner stands on the concept map: each concept done, ready or locked.

A concept is *done* when it has at least one published core resource (`Resource.core_for`) and
the learner has completed every one of them (done or skipped: `statuses.completes`); *ready*
when it is not done and every concept it requires is done (a concept that requires nothing is
ready); *locked* otherwise.

The catalogue's side — the concepts in map order, their prerequisites, the published resources
core for each — is a `ConceptCatalogue`, built in three queries once per catalogue version and
shared through the cache like the paths' structures (learnpaths.path_structures). The learner's
side is their statuses, {resource id: status}, from one query (`selectors.statuses_for`). The
states are arithmetic on the two: no query.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext, pgettext, pgettext_lazy

from learnpaths.core.cache import cached
from learnpaths.statuses import completes
from resources.concept_map import NodeMark
from resources.models import Concept, ConceptPrerequisite, Resource, concept_names

# The cache name of ConceptCatalogue, with the version of its fields.
CONCEPT_CATALOGUE = "concept-catalogue-1"


@dataclass(frozen=True)
class ConceptState:
    """One of the three states: `value` is also the CSS class suffix (`concept-state-done`,
    `graph-node-done`); `symbol` goes before the label wherever the state is shown, so that it
    is never told by colour alone."""

    value: str
    label: Promise
    symbol: str

    @property
    def text(self) -> str:
        return f"{self.symbol} {self.label}"


DONE = ConceptState("done", pgettext_lazy("concept state", "Done"), "✓")
READY = ConceptState("ready", pgettext_lazy("concept state", "Ready"), "→")
LOCKED = ConceptState("locked", pgettext_lazy("concept state", "Locked"), "○")
STATES = (DONE, READY, LOCKED)


@dataclass(frozen=True, slots=True)
class ConceptEntry:
    """A concept as the states need it, with what a link or a map node shows of it."""

    pk: int
    slug: str
    name: str
    name_zh: str
    area: str
    prerequisites: tuple[int, ...]  # ids of the concepts it requires, in map order
    core: tuple[int, ...]  # ids of the published resources core for it, by title

    @property
    def names(self) -> tuple[str, str, str]:
        return concept_names(self.name, self.name_zh)

    @property
    def local_name(self) -> str:
        return self.names[0]

    def get_absolute_url(self) -> str:
        return reverse("concept-detail", kwargs={"slug": self.slug})


@dataclass(frozen=True, slots=True)
class CoreResource:
    """A published resource core for at least one concept."""

    pk: int
    slug: str
    title: str
    concepts: tuple[int, ...]  # ids of the concepts it is core for, in map order

    def get_absolute_url(self) -> str:
        return reverse("resource-detail", kwargs={"slug": self.slug})


@dataclass(frozen=True, slots=True)
class ConceptCatalogue:
    concepts: tuple[ConceptEntry, ...]  # in map order (area, position, name)
    by_id: dict[int, ConceptEntry]
    resources: dict[int, CoreResource]  # the core resources, by id

    @property
    def links(self) -> list[tuple[int, int]]:
        """(prerequisite id, concept id) pairs: the map's edges."""
        return [(p, c.pk) for c in self.concepts for p in c.prerequisites]

    def by_slugs(self, slugs) -> list[ConceptEntry]:
        """The concepts with these slugs, in map order; unknown slugs are left out."""
        wanted = set(slugs)
        return [c for c in self.concepts if c.slug in wanted]


def _build() -> ConceptCatalogue:
    """The catalogue's concepts with their prerequisites and core resources. Three queries."""
    rows = list(
        Concept.objects.order_by("area", "position", "name").values_list(
            "pk", "slug", "name", "name_zh", "area"
        )
    )
    order = {row[0]: i for i, row in enumerate(rows)}
    prerequisites: dict[int, list[int]] = {}
    for concept_id, prerequisite_id in ConceptPrerequisite.objects.values_list(
        "concept_id", "prerequisite_id"
    ):
        prerequisites.setdefault(concept_id, []).append(prerequisite_id)
    core: dict[int, list[int]] = {}
    resources: dict[int, tuple[str, str, list[int]]] = {}
    links = (
        Resource.core_for.through.objects.filter(resource__published=True)
        .order_by("resource__title", "resource_id")
        .values_list("concept_id", "resource_id", "resource__slug", "resource__title")
    )
    for concept_id, resource_id, slug, title in links:
        core.setdefault(concept_id, []).append(resource_id)
        resources.setdefault(resource_id, (slug, title, []))[2].append(concept_id)
    concepts = tuple(
        ConceptEntry(
            pk=pk,
            slug=slug,
            name=name,
            name_zh=name_zh,
            area=area,
            prerequisites=tuple(sorted(prerequisites.get(pk, ()), key=order.__getitem__)),
            core=tuple(core.get(pk, ())),
        )
        for pk, slug, name, name_zh, area in rows
    )
    return ConceptCatalogue(
        concepts=concepts,
        by_id={c.pk: c for c in concepts},
        resources={
            pk: CoreResource(pk, slug, title, tuple(sorted(ids, key=order.__getitem__)))
            for pk, (slug, title, ids) in resources.items()
        },
    )


def concept_catalogue(*, version: int) -> ConceptCatalogue:
    """The concept catalogue of this catalogue version, from this process's memory or the
    shared cache, else built (three queries) and cached. The same for every language: names
    are localised where they are shown (`ConceptEntry.names`)."""
    return cached(CONCEPT_CATALOGUE, version=version, build=_build, local=True, localised=False)


@dataclass(frozen=True)
class ConceptStates:
    """One learner's state on every concept of `catalogue`, from their statuses."""

    catalogue: ConceptCatalogue
    statuses: Mapping[int, str]  # {resource id: status}
    states: dict[int, ConceptState]

    def __getitem__(self, concept_id: int) -> ConceptState:
        return self.states[concept_id]

    def with_state(self, state: ConceptState) -> list[ConceptEntry]:
        """The concepts in `state`, in map order."""
        return [c for c in self.catalogue.concepts if self.states[c.pk] is state]

    @property
    def counts(self) -> list[tuple[ConceptState, int]]:
        """[(DONE, n), (READY, n), (LOCKED, n)]."""
        return [(state, len(self.with_state(state))) for state in STATES]

    @property
    def ready(self) -> list[ConceptEntry]:
        return self.with_state(READY)

    def marks(self) -> dict[int, NodeMark]:
        """The map's mark for each concept: its state's class and text."""
        return {pk: NodeMark(state.value, state.text) for pk, state in self.states.items()}

    def explain(self, concept_id: int) -> ConceptExplanation:
        """Why the concept is in its state, as the concept page shows it."""
        concept = self.catalogue.by_id[concept_id]
        state = self.states[concept_id]
        prerequisites = [self.catalogue.by_id[p] for p in concept.prerequisites]
        core = [self.catalogue.resources[r] for r in concept.core]
        return ConceptExplanation(
            concept=concept,
            state=state,
            done_prerequisites=[p for p in prerequisites if self.states[p.pk] is DONE],
            missing_prerequisites=[p for p in prerequisites if self.states[p.pk] is not DONE],
            core_left=[r for r in core if not completes(self.statuses.get(r.pk))],
            has_core=bool(core),
        )


@dataclass(frozen=True)
class ConceptExplanation:
    """A concept's state with its reasons: the prerequisites done and those still to do, the
    core resources the learner has not completed, and whether it has any core resource (one
    without can be ready or locked, never done)."""

    concept: ConceptEntry
    state: ConceptState
    done_prerequisites: list[ConceptEntry]
    missing_prerequisites: list[ConceptEntry]
    core_left: list[CoreResource]
    has_core: bool

    @property
    def summary_html(self) -> SafeString:
        """One sentence, the concepts it names linked: "Done: …" / "Ready: you have done its
        prerequisites A, B." / "Ready: it requires no other concept." / "Locked: first do A,
        B." (in the active language)."""
        if self.state is DONE:
            return format_html(
                "{}", gettext("Done: you have completed every core resource of this concept.")
            )
        if self.state is READY:
            if not self.done_prerequisites:
                return format_html("{}", gettext("Ready: it requires no other concept."))
            return format_html(
                gettext("Ready: you have done its prerequisites {concepts}."),
                concepts=concept_links(self.done_prerequisites),
            )
        return format_html(
            gettext("Locked: first do {concepts}."),
            concepts=concept_links(self.missing_prerequisites),
        )


def concept_links(concepts: list[ConceptEntry]) -> SafeString:
    """ "<a>A</a>, <a>B</a>": links to the concepts, named in the page's language."""
    return format_html_join(
        pgettext("list separator", ", "),
        '<a href="{}">{}</a>',
        ((c.get_absolute_url(), c.local_name) for c in concepts),
    )


def concept_states(catalogue: ConceptCatalogue, statuses: Mapping[int, str]) -> ConceptStates:
    """The learner's state on every concept from their statuses ({resource id: status}; a
    resource without a row is not started). No query."""
    done = {
        c.pk
        for c in catalogue.concepts
        if c.core and all(completes(statuses.get(r)) for r in c.core)
    }
    states = {
        c.pk: DONE if c.pk in done else READY if done.issuperset(c.prerequisites) else LOCKED
        for c in catalogue.concepts
    }
    return ConceptStates(catalogue=catalogue, statuses=statuses, states=states)
