"""Reads for the public catalogue pages: filtering, facet counts and search."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import groupby

from django.db.models import Count, F, Q, QuerySet, Value, Window
from django.db.models.functions import RowNumber
from django.utils.translation import gettext_lazy as _

from resources.models import (
    Concept,
    ConceptArea,
    ConceptSearchTerm,
    Cost,
    Language,
    Level,
    Resource,
    ResourceKind,
    ResourceSearchTerm,
    Tag,
    local_concept_name,
)
from resources.search import engine
from resources.search.query import ParsedQuery

RELEVANCE = "relevance"

SORTS = {
    # With a query only (its ordering is the search's ranking, not fields).
    RELEVANCE: (_("Relevance"), []),
    "title": (_("Title"), ["title"]),
    "year": (_("Year (newest first)"), ["-year", "title"]),
    "newest": (_("Recently added"), ["-created_at", "-pk"]),
}
DEFAULT_SORT = "title"
# The simple-field filters: GET parameter → the choices it accepts.
CHOICE_FILTERS = {
    "kind": ResourceKind,
    "level": Level,
    "cost": Cost,
    "language": Language,
}
MAX_FILTER_VALUES = 20
FACET_CONCEPT_LIMIT = 20
FACET_TAG_LIMIT = 24
MAX_QUERY_LENGTH = 200
# Resources a concept's page shows of each kind; the rest are a link to the filtered list away.
# The page then costs the same whatever the size of the catalogue.
CONCEPT_RESOURCES_PER_KIND = 4


@dataclass
class FacetOption:
    value: str
    label: str
    count: int | None
    selected: bool


@dataclass
class ResourceFilters:
    """Filter values parsed from GET parameters; unknown values are dropped, and said so."""

    choices: dict[str, list[str]] = field(default_factory=dict)
    concepts: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    sort: str = DEFAULT_SORT
    ignored: list[str] = field(default_factory=list)
    # The search query (`q`), normalised, and parsed: its matches only, best first by default.
    query: str = ""
    parsed: ParsedQuery | None = None
    too_long: bool = False

    @classmethod
    def from_query(cls, params) -> ResourceFilters:
        filters = cls()
        raw = params.get("q", "")
        filters.query = normalise_query(raw)
        filters.too_long = len(raw) > MAX_QUERY_LENGTH
        if filters.query:
            filters.parsed = engine.parse_query(filters.query)
        for name, enum in CHOICE_FILTERS.items():
            values = _clean_values(params.getlist(name))
            valid = [v for v in values if v in enum.values]
            filters.ignored += [f"{name}={v}" for v in values if v not in enum.values]
            if valid:
                filters.choices[name] = valid
        filters.concepts = _clean_values(params.getlist("concept"))
        filters.tags = _clean_values(params.getlist("tag"))
        default = RELEVANCE if filters.parsed else DEFAULT_SORT
        sort = params.get("sort", default)
        if sort in SORTS and (sort != RELEVANCE or filters.parsed):
            filters.sort = sort
        else:
            filters.sort = default
            filters.ignored.append(f"sort={sort[:40]}")
        return filters

    def q(self, *, skip: str | None = None) -> Q:
        """The filter as one Q, optionally without one dimension (for that dimension's facet)."""
        condition = self.related_q(skip=skip)
        for name, values in self.choices.items():
            if name != skip:
                condition &= Q(**{f"{name}__in": values})
        return condition

    def related_q(self, *, skip: str | None = None) -> Q:
        """The concept and tag filters only (optionally without one of them): what every
        choice facet applies, whichever choice it counts."""
        condition = Q()
        if self.parsed is not None:
            condition &= engine.matching(self.parsed, ResourceSearchTerm)
        if self.concepts and skip != "concept":
            for slug in self.concepts:
                condition &= Q(pk__in=Resource.objects.filter(concepts__slug=slug).values("pk"))
        if self.tags and skip != "tag":
            for slug in self.tags:
                condition &= Q(pk__in=Resource.objects.filter(tags__slug=slug).values("pk"))
        return condition

    def passes_choices(self, row: dict[str, str], *, skip: str) -> bool:
        """Whether a resource with these choice values (`row`: kind, level, cost, language)
        passes the choice filters other than `skip`."""
        return all(row[name] in values for name, values in self.choices.items() if name != skip)

    @property
    def active(self) -> bool:
        return bool(self.choices or self.concepts or self.tags or self.query)

    @property
    def narrowed(self) -> bool:
        """Filters other than the query are set."""
        return bool(self.choices or self.concepts or self.tags)

    @property
    def searching(self) -> bool:
        """A query that can match something (not only stop words or one-letter words)."""
        return self.parsed is not None and not self.parsed.empty


def _clean_values(values: list[str]) -> list[str]:
    cleaned = []
    for value in values[:MAX_FILTER_VALUES]:
        value = value.strip()[:100]
        if value and "\x00" not in value and value not in cleaned:
            cleaned.append(value)
    return cleaned


def filtered_resources(filters: ResourceFilters) -> QuerySet[Resource] | engine.Ranked:
    """The published resources that pass `filters`, in their sort order; with a query sorted
    by relevance, its ranking (pageable like a queryset: `engine.Ranked`)."""
    matching = Resource.objects.published().filter(filters.q())
    if filters.parsed is not None and filters.parsed.empty:
        return Resource.objects.none()
    if filters.sort == RELEVANCE:
        return _ranked(filters.parsed, matching)
    return matching.order_by(*SORTS[filters.sort][1]).for_list()


def search_resources(parsed: ParsedQuery) -> engine.Ranked | QuerySet[Resource]:
    """The published resources matching `parsed`, best first."""
    if parsed.empty:
        return Resource.objects.none()
    return _ranked(
        parsed, Resource.objects.published().filter(engine.matching(parsed, ResourceSearchTerm))
    )


def _ranked(parsed: ParsedQuery, matching: QuerySet[Resource]) -> engine.Ranked:
    return engine.Ranked(engine.ranking(parsed, matching, ResourceSearchTerm), _resources_by_id)


def _resources_by_id(ids: list[int]) -> dict[int, Resource]:
    return {r.pk: r for r in Resource.objects.filter(pk__in=ids).for_list()}


def choice_options(filters: ResourceFilters) -> dict[str, list[FacetOption]]:
    """Every option of the four choice filters, without counts (no query): the search page's
    filters, where counting would read every match again."""
    return {
        name: [
            FacetOption(value, label, None, value in filters.choices.get(name, []))
            for value, label in enum.choices
        ]
        for name, enum in CHOICE_FILTERS.items()
    }


def choice_facets(filters: ResourceFilters) -> dict[str, list[FacetOption]]:
    """The four choice facets (kind, level, cost, language), each counted with the other
    filters applied, in one query grouped by the four (at most a few hundred rows, read from
    the covering index `resource_facets`), which Python sums per facet."""
    dimensions = list(CHOICE_FILTERS)
    groups = (
        Resource.objects.published()
        .filter(filters.related_q())
        .order_by()
        .values(*dimensions)
        .annotate(n=Count("*"))
    )
    counts: dict[str, dict[str, int]] = {name: {} for name in dimensions}
    for row in groups:
        for name in dimensions:
            if filters.passes_choices(row, skip=name):
                value = row[name]
                counts[name][value] = counts[name].get(value, 0) + row["n"]
    facets: dict[str, list[FacetOption]] = {}
    for name, enum in CHOICE_FILTERS.items():
        selected = filters.choices.get(name, [])
        facets[name] = [
            FacetOption(value, label, counts[name].get(value, 0), value in selected)
            for value, label in enum.choices
            if counts[name].get(value) or value in selected
        ]
    return facets


def resource_facets(filters: ResourceFilters) -> dict[str, list[FacetOption]]:
    """Counts per filter option, each counted with the *other* filters applied.

    Two queries whatever the filters: the four choice facets (`choice_facets`), and concepts
    and tags from one UNION of two grouped counts.
    """
    facets = choice_facets(filters)
    published = Resource.objects.published()
    matching_for_concepts = published.filter(filters.q(skip="concept")).values("pk")
    concepts = (
        # Names only, no translated field: plain values, as the union with tags needs.
        Concept.objects.rewrite(False)
        .filter(resources__in=matching_for_concepts)
        .order_by()
        .annotate(matches=Count("resources"), facet=Value("concept"))
        .values_list("facet", "slug", "name", "name_zh", "matches")
    )
    matching_for_tags = published.filter(filters.q(skip="tag")).values("pk")
    tags = (
        Tag.objects.filter(tagged_resources__content_object__in=matching_for_tags)
        .order_by()
        .annotate(matches=Count("tagged_resources"), facet=Value("tag"), name_zh=Value(""))
        .values_list("facet", "slug", "name", "name_zh", "matches")
    )
    rows: dict[str, list[tuple[str, str, int]]] = {"concept": [], "tag": []}
    for facet, slug, name, name_zh, matches in concepts.union(tags, all=True):
        rows[facet].append((slug, local_concept_name(name, name_zh), matches))
    facets["concept"] = _top_options(rows["concept"], filters.concepts, FACET_CONCEPT_LIMIT)
    facets["tag"] = _top_options(rows["tag"], filters.tags, FACET_TAG_LIMIT)
    return facets


@dataclass
class KindGroup:
    """A concept's resources of one kind: the first `resources` (by title) of `total`."""

    kind: str
    label: str
    total: int
    resources: list[Resource]

    @property
    def more(self) -> int:
        return self.total - len(self.resources)


def concept_resources_by_kind(
    concept: Concept, per_kind: int = CONCEPT_RESOURCES_PER_KIND
) -> list[KindGroup]:
    """The published resources on `concept`, grouped by kind (in kind order): at most
    `per_kind` of each, by title, with the number of each kind. One query (window functions
    number the rows and count each kind) and the cards' prefetch, however many it has."""
    by_kind = Window(Count("*"), partition_by=[F("kind")])
    position = Window(RowNumber(), partition_by=[F("kind")], order_by=[F("title"), F("pk")])
    resources = (
        Resource.objects.published()
        .filter(concepts=concept)
        .annotate(kind_total=by_kind, position=position)
        .filter(position__lte=per_kind)
        .order_by("kind", "title", "pk")
        .for_list()
    )
    labels = dict(ResourceKind.choices)
    groups: list[KindGroup] = []
    for resource in resources:
        if not groups or groups[-1].kind != resource.kind:
            groups.append(KindGroup(resource.kind, labels[resource.kind], resource.kind_total, []))
        groups[-1].resources.append(resource)
    return groups


def concept_milestones(concept: Concept) -> list[tuple[int, list[Resource]]]:
    """The published papers that shaped `concept`, grouped by year, oldest first (each paper
    with `introduced`: see `ResourceQuerySet.milestones_of`). One query, whatever their number;
    empty when it has none."""
    papers = Resource.objects.published().milestones_of(concept)
    return [(year, list(group)) for year, group in groupby(papers, key=lambda p: p.year)]


def _top_options(
    rows: list[tuple[str, str, int]], selected: list[str], limit: int
) -> list[FacetOption]:
    """The `limit` options with the most matches (ties by name), and any selected beyond them;
    `rows` are (slug, name, matches)."""
    rows = sorted(rows, key=lambda row: (-row[2], row[1].casefold(), row[1]))
    shown = rows[:limit] + [row for row in rows[limit:] if row[0] in selected]
    return [FacetOption(slug, name, count, slug in selected) for slug, name, count in shown]


# -- search --------------------------------------------------------------------------------
def normalise_query(raw: str) -> str:
    """Collapse whitespace (any: the ideographic space of a Chinese input method too), drop
    control characters and cap the length of a search query."""
    cleaned = "".join(ch if ch.isprintable() else " " if ch.isspace() else "" for ch in raw)
    return " ".join(cleaned.split())[:MAX_QUERY_LENGTH]


def search_concepts(parsed: ParsedQuery, limit: int = 8) -> list[Concept]:
    """Up to `limit` concepts matching `parsed`, in any language, best first (an exact name
    first)."""
    if parsed.empty:
        return []
    ranked = engine.ranking(
        parsed,
        Concept.objects.filter(engine.matching(parsed, ConceptSearchTerm)),
        ConceptSearchTerm,
    )
    ids = [row["document_id"] for row in ranked[:limit]]
    found = Concept.objects.in_bulk(ids)
    return [found[pk] for pk in ids if pk in found]


def concepts_by_area() -> list[tuple[str, list[Concept]]]:
    """Concepts grouped by area, in map order, with their resource counts (one query)."""
    labels = dict(ConceptArea.choices)
    concepts = Concept.objects.for_list()
    return [(labels[area], list(group)) for area, group in groupby(concepts, key=lambda c: c.area)]
