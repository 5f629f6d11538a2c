"""PostgreSQL full-text search over resources.

Each resource keeps a weighted `search_vector`: its titles weigh most (A), then the names of its
concepts (B), then its description, authors and tags (C). The vector spans rows of other tables,
so it is refreshed explicitly — by the catalogue import and by the admin after a save — through
`refresh_search_vectors`, in one UPDATE.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.postgres.search import (
    SearchQuery,
    SearchRank,
    TrigramWordSimilarity,
)
from django.db import connection
from django.db.models import Case, F, FloatField, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce

from resources.models import Concept, Resource, Tag, TaggedResource

SEARCH_CONFIG = "english"
# How close a mistyped word must be to a word of a title (0–1) to count as a match.
TYPO_THRESHOLD = 0.5

_REFRESH_SQL = """
UPDATE {resource} AS r SET search_vector =
    setweight(to_tsvector('{config}', r.title || ' ' || r.title_zh), 'A')
    || setweight(to_tsvector('{config}', coalesce((
        SELECT string_agg(c.name || ' ' || c.name_zh, ' ')
        FROM {concept} AS c JOIN {resource_concepts} AS rc ON rc.concept_id = c.id
        WHERE rc.resource_id = r.id), '')), 'B')
    || setweight(to_tsvector('{config}', r.description || ' ' || r.authors || ' ' || coalesce((
        SELECT string_agg(t.name, ' ')
        FROM {tag} AS t JOIN {tagged} AS tr ON tr.tag_id = t.id
        WHERE tr.content_object_id = r.id), '')), 'C')
"""


def refresh_search_vectors(resource_ids: Iterable[int] | None = None) -> None:
    """Recompute the search vectors of the given resources (all when None). PostgreSQL only."""
    if connection.vendor != "postgresql":
        return
    sql = _REFRESH_SQL.format(
        config=SEARCH_CONFIG,
        resource=Resource._meta.db_table,
        concept=Concept._meta.db_table,
        resource_concepts=Resource.concepts.through._meta.db_table,
        tag=Tag._meta.db_table,
        tagged=TaggedResource._meta.db_table,
    )
    with connection.cursor() as cursor:
        if resource_ids is None:
            cursor.execute(sql)
        else:
            cursor.execute(sql + " WHERE r.id = ANY(%s)", [list(resource_ids)])


def postgres_search(query: str) -> QuerySet[Resource]:
    text_query = SearchQuery(query, search_type="websearch", config=SEARCH_CONFIG)
    chinese_concept_match = Resource.objects.filter(concepts__name_zh__icontains=query).values("pk")
    return (
        Resource.objects.published()
        .annotate(
            rank=Coalesce(SearchRank(F("search_vector"), text_query), Value(0.0)),
            closeness=TrigramWordSimilarity(Value(query), "title"),
            exact=Case(
                When(Q(title__iexact=query) | Q(title_zh__iexact=query), then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            ),
        )
        .filter(
            Q(search_vector=text_query)
            | Q(closeness__gte=TYPO_THRESHOLD)
            | Q(title_zh__icontains=query)
            | Q(pk__in=chinese_concept_match)
        )
        .annotate(score=F("rank") + F("closeness") * Value(0.5, output_field=FloatField()))
        .order_by("-exact", "-score", "title")
        .for_list()
    )
