"""Reads for the public catalogue pages: filtering, facet counts and search."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import groupby

from django.conf import settings
from django.db import connection
from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When, Window
from django.db.models.functions import RowNumber
from django.utils.translation import gettext_lazy as _
from modeltranslation.utils import build_localized_fieldname

from resources.models import (
    Concept,
    ConceptArea,
    Cost,
    Language,
    Level,
    Resource,
    ResourceKind,
    Tag,
    local_concept_name,
)

SORTS = {
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
    count: int
    selected: bool


@dataclass
class ResourceFilters:
    """Filter values parsed from GET parameters; unknown values are dropped, and said so."""

    choices: dict[str, list[str]] = field(default_factory=dict)
    concepts: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    sort: str = DEFAULT_SORT
    ignored: list[str] = field(default_factory=list)

    @classmethod
    def from_query(cls, params) -> ResourceFilters:
        filters = cls()
        for name, enum in CHOICE_FILTERS.items():
            values = _clean_values(params.getlist(name))
            valid = [v for v in values if v in enum.values]
            filters.ignored += [f"{name}={v}" for v in values if v not in enum.values]
            if valid:
                filters.choices[name] = valid
        filters.concepts = _clean_values(params.getlist("concept"))
        filters.tags = _clean_values(params.getlist("tag"))
        sort = params.get("sort", DEFAULT_SORT)
        if sort in SORTS:
            filters.sort = sort
        else:
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
        return bool(self.choices or self.concepts or self.tags)


def _clean_values(values: list[str]) -> list[str]:
    cleaned = []
    for value in values[:MAX_FILTER_VALUES]:
        value = value.strip()[:100]
        if value and "\x00" not in value and value not in cleaned:
            cleaned.append(value)
    return cleaned


def filtered_resources(filters: ResourceFilters) -> QuerySet[Resource]:
    return (
        Resource.objects.published()
        .filter(filters.q())
        .order_by(*SORTS[filters.sort][1])
        .for_list()
    )


def resource_facets(filters: ResourceFilters) -> dict[str, list[FacetOption]]:
    """Counts per filter option, each counted with the *other* filters applied.

    Two queries whatever the filters: the four choice facets come from one query grouped by
    kind, level, cost and language (at most a few hundred rows, read from the covering index
    `resource_facets`, never the table), which Python sums per facet with the other choice
    filters applied; concepts and tags from one UNION of two grouped counts.
    """
    published = Resource.objects.published()
    dimensions = list(CHOICE_FILTERS)
    groups = (
        published.filter(filters.related_q()).order_by().values(*dimensions).annotate(n=Count("*"))
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
    """Collapse whitespace, drop control characters and cap the length of a search query."""
    cleaned = "".join(ch for ch in raw if ch.isprintable())
    return " ".join(cleaned.split())[:MAX_QUERY_LENGTH]


def search_concepts(query: str) -> QuerySet[Concept]:
    """Up to 8 concepts whose names or summary, in any language, hold every word of `query`
    (whatever the page's language: "注意力" finds Attention on an English page too)."""
    terms = query.split()
    summaries = [build_localized_fieldname("summary", code) for code, _n in settings.LANGUAGES]
    condition = Q()
    for term in terms:
        matches = Q(name__icontains=term) | Q(name_zh__icontains=term)
        for summary in summaries:
            matches |= Q(**{f"{summary}__icontains": term})
        condition &= matches
    return Concept.objects.filter(condition).order_by("name")[:8]


def search_resources(query: str) -> QuerySet[Resource]:
    """Published resources matching `query`, best first.

    PostgreSQL: weighted full-text search (title > concept names > description) with ranking,
    plus trigram similarity on titles so that typos still find things. Elsewhere: every term must
    appear in the title, the Chinese title, the authors, the description, a concept's name or a
    tag, and title matches come first. Chinese terms match Chinese titles and concept names on
    both databases, since full-text parsers do not segment Chinese.
    """
    if connection.vendor == "postgresql":
        from resources.search import postgres_search

        return postgres_search(query)
    return fallback_search(query)


def fallback_search(query: str) -> QuerySet[Resource]:
    condition = Q()
    for term in query.split():
        condition &= (
            Q(title__icontains=term)
            | Q(title_zh__icontains=term)
            | Q(authors__icontains=term)
            | Q(description__icontains=term)
            | Q(pk__in=Resource.objects.filter(
                Q(concepts__name__icontains=term) | Q(concepts__name_zh__icontains=term)
                | Q(tags__name__icontains=term)
            ).values("pk"))
        )  # fmt: skip
    return (
        Resource.objects.published()
        .filter(condition)
        .annotate(
            relevance=Case(
                When(Q(title__iexact=query) | Q(title_zh__iexact=query), then=Value(3)),
                When(Q(title__icontains=query) | Q(title_zh__icontains=query), then=Value(2)),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
        .order_by("-relevance", "title")
        .for_list()
    )


def concepts_by_area() -> list[tuple[str, list[Concept]]]:
    """Concepts grouped by area, in map order, with their resource counts (one query)."""
    labels = dict(ConceptArea.choices)
    concepts = Concept.objects.for_list()
    return [(labels[area], list(group)) for area, group in groupby(concepts, key=lambda c: c.area)]
