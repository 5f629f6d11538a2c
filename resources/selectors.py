"""Reads for the public catalogue pages: filtering, facet counts and search."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When

from resources.models import Concept, Cost, Language, Level, Resource, ResourceKind, Tag

SORTS = {
    "title": ("Title", ["title"]),
    "year": ("Year (newest first)", ["-year", "title"]),
    "newest": ("Recently added", ["-created_at", "-pk"]),
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
        condition = Q()
        for name, values in self.choices.items():
            if name != skip:
                condition &= Q(**{f"{name}__in": values})
        if self.concepts and skip != "concept":
            for slug in self.concepts:
                condition &= Q(pk__in=Resource.objects.filter(concepts__slug=slug).values("pk"))
        if self.tags and skip != "tag":
            for slug in self.tags:
                condition &= Q(pk__in=Resource.objects.filter(tags__slug=slug).values("pk"))
        return condition

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

    The four choice facets come from one aggregate query; concepts and tags from one each.
    """
    published = Resource.objects.published()
    aggregates = {}
    for name, enum in CHOICE_FILTERS.items():
        others = filters.q(skip=name)
        for value in enum.values:
            aggregates[f"{name}__{value}"] = Count("pk", filter=others & Q(**{name: value}))
    counts = published.aggregate(**aggregates)
    facets: dict[str, list[FacetOption]] = {}
    for name, enum in CHOICE_FILTERS.items():
        selected = filters.choices.get(name, [])
        facets[name] = [
            FacetOption(value, label, counts[f"{name}__{value}"], value in selected)
            for value, label in enum.choices
            if counts[f"{name}__{value}"] or value in selected
        ]
    matching_for_concepts = published.filter(filters.q(skip="concept")).values("pk")
    concepts = (
        Concept.objects.filter(resources__in=matching_for_concepts)
        .annotate(matches=Count("resources", distinct=True))
        .order_by("-matches", "name")
        .values_list("slug", "name", "matches")
    )
    facets["concept"] = _top_options(concepts, filters.concepts, FACET_CONCEPT_LIMIT)
    matching_for_tags = published.filter(filters.q(skip="tag")).values("pk")
    tags = (
        Tag.objects.filter(tagged_resources__content_object__in=matching_for_tags)
        .annotate(matches=Count("tagged_resources", distinct=True))
        .order_by("-matches", "name")
        .values_list("slug", "name", "matches")
    )
    facets["tag"] = _top_options(tags, filters.tags, FACET_TAG_LIMIT)
    return facets


def _top_options(rows, selected: list[str], limit: int) -> list[FacetOption]:
    rows = list(rows)
    shown = rows[:limit] + [row for row in rows[limit:] if row[0] in selected]
    return [FacetOption(slug, name, count, slug in selected) for slug, name, count in shown]


# -- search --------------------------------------------------------------------------------
def normalise_query(raw: str) -> str:
    """Collapse whitespace, drop control characters and cap the length of a search query."""
    cleaned = "".join(ch for ch in raw if ch.isprintable())
    return " ".join(cleaned.split())[:MAX_QUERY_LENGTH]


def search_concepts(query: str) -> QuerySet[Concept]:
    terms = query.split()
    condition = Q()
    for term in terms:
        condition &= (
            Q(name__icontains=term) | Q(name_zh__icontains=term) | Q(summary__icontains=term)
        )
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
