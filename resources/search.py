"""PostgreSQL full-text search over resources.

Each resource keeps a weighted `search_vector`: its titles weigh most (A), then the names of its
concepts (B), then its description, authors and tags (C). The vector spans rows of other tables;
the database keeps it current itself, with triggers on every table it is made from
(migration resources/0005_search_vector_triggers), so a tag renamed or deleted by any means
stops matching at once.
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

from resources.models import Resource

# The text search configuration of the vectors, which migration 0004 builds with the same one.
SEARCH_CONFIG = "english"
# How close a mistyped word must be to a word of a title (0–1) to count as a match.
TYPO_THRESHOLD = 0.5


def refresh_search_vectors(resource_ids: Iterable[int] | None = None) -> None:
    """Recompute the search vectors of the given resources (all when None), in one UPDATE.
    PostgreSQL only; the triggers already do it on every write, so this is for rows written
    with the triggers disabled or before they existed."""
    if connection.vendor != "postgresql":
        return
    ids = None if resource_ids is None else list(resource_ids)
    with connection.cursor() as cursor:
        cursor.execute("SELECT resources_refresh_search_vectors(%s::bigint[])", [ids])


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
