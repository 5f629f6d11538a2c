"""Running a parsed query against a kind's index, the same SQL on both databases.

A search is one plain, index-backed query: the documents that satisfy every clause and no
exclusion (one `IN (SELECT document_id … WHERE term IN …)` per clause, read from the
(term, document, weight) index), with their scores — the sum of the weights of the query's
terms each has, grouped by document, best first — one page of them and their number (a window
count). Typo correction reads the vocabulary (`SearchWord`):
pg_trgm's similarity on PostgreSQL (a trigram index), rapidfuzz over the words of about the
same length on SQLite.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

from django.db import connection
from django.db.models import (
    Case,
    Count,
    ExpressionWrapper,
    F,
    IntegerField,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Greatest
from rapidfuzz import fuzz, process

from resources.models import ResourceSearchTerm, SearchWord, Synonym
from resources.search import text
from resources.search.index import index_stale
from resources.search.query import ParsedQuery, Synonyms, corrected, parse

# How alike a word must be to a vocabulary word to be taken for its typo: rapidfuzz's ratio
# (0–100, on SQLite) and pg_trgm's similarity (0–1, on PostgreSQL).
TYPO_RATIO = 75
TYPO_SIMILARITY = 0.4
# How alike a word known only by its stem must be to a vocabulary word of another stem to be
# taken for its typo (rapidfuzz's ratio: one letter left out of a word of eight or more).
STEM_TYPO_RATIO = 90
# Below this many results a search offers its correction ("Did you mean …?").
POOR_RESULTS = 3


def load_synonyms() -> Synonyms:
    """The curated synonym groups (one query; segmented once per process for each state of
    the groups, not on every search)."""
    groups = Synonym.objects.order_by("pk").values_list("terms", flat=True)
    return _synonyms(tuple(tuple(terms) for terms in groups if isinstance(terms, list)))


@lru_cache(maxsize=4)
def _synonyms(groups: tuple[tuple[str, ...], ...]) -> Synonyms:
    return Synonyms(groups)


def parse_query(query: str) -> ParsedQuery:
    """`query` parsed with the curated synonyms. Every search starts here, so the index is
    brought up to date first (`index_stale`: one cheap query when nothing is queued)."""
    index_stale()
    return parse(query, load_synonyms())


def matching(parsed: ParsedQuery, term_model: type) -> Q:
    """A Q over the documents' primary keys: every clause matched, no exclusion."""
    condition = Q()
    for clause in parsed.clauses:
        condition &= _clause_q(clause.alternatives, term_model)
    for clause in parsed.excluded:
        condition &= ~_clause_q(clause.alternatives, term_model)
    return condition


def _clause_q(alternatives, term_model) -> Q:
    def having(terms: Sequence[str]) -> Q:
        return Q(pk__in=term_model.objects.filter(term__in=terms).values("document_id"))

    singles = [a.terms[0] for a in alternatives if len(a.terms) == 1]
    either = having(singles) if singles else Q(pk__in=[])
    for alternative in alternatives:
        if len(alternative.terms) > 1:
            every = Q()
            for term in alternative.terms:
                every &= having([term])
            either |= every
    return either


def ranking(parsed: ParsedQuery, matched: QuerySet, term_model: type) -> QuerySet:
    """{document_id, score} of the documents of `matched` (already filtered by `matching`),
    best first (ties: the older document first).

    A document scores, for each clause of the query, its best alternative (the weights of
    that alternative's own terms it has, added), plus the bonuses (an exact title, a Chinese
    resource for a Chinese query). The best, not the sum: a synonym group is one thing asked
    for, and a document that says it in every way the group knows ("LLM", "large language
    model", 大语言模型) has not matched it more often than one that says it once, in its
    title."""
    scores = {}
    for index, clause in enumerate(parsed.clauses):
        # An alternative scores the terms it is made of ("large language model": its two
        # word pairs), each once.
        alternatives = [
            Sum(Case(When(term__in=set(a.terms), then="weight"), default=0))
            for a in clause.alternatives
        ]
        best = alternatives[0] if len(alternatives) == 1 else Greatest(*alternatives)
        scores[f"clause_{index}"] = best
    if parsed.bonus:
        bonus = Case(When(term__in=parsed.bonus, then="weight"), default=0)
        scores["bonus"] = Sum(bonus)
    total = sum((F(name) for name in scores), Value(0))
    return (
        term_model.objects.filter(
            term__in=parsed.positive_terms(), document__in=matched.values("pk")
        )
        .values("document_id")
        .annotate(**scores)
        .annotate(score=ExpressionWrapper(total, output_field=IntegerField()))
        .values("document_id", "score")
        .order_by("-score", "document_id")
    )


class Ranked:
    """A ranking that a Paginator can page: `count()`, and slices that fetch the documents of
    the slice in one query (`fetch`: ids → {id: document}), in rank order.

    Told the page it will be asked for (`expect`), it reads that page's rows and the number
    of matches in one query (a window count over the ranking), not two."""

    def __init__(self, ranked: QuerySet, fetch: Callable[[list[int]], dict[int, Any]]):
        self.ranked = ranked
        self.fetch = fetch
        self._count: int | None = None
        self._expected: tuple[int, int] | None = None
        self._rows: list[dict] | None = None

    def expect(self, start: int, stop: int) -> None:
        self._expected = (start, stop)

    def count(self) -> int:
        if self._count is None and self._expected is not None:
            start, stop = self._expected
            rows = list(self.ranked.annotate(total=Window(Count("*")))[start:stop])
            if rows:
                self._count, self._rows = rows[0]["total"], rows
        if self._count is None:
            self._count = self.ranked.count()
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __iter__(self):
        return iter(self[:])

    def __getitem__(self, index):
        if (
            isinstance(index, slice)
            and self._rows is not None
            and self._expected
            == (
                index.start,
                index.stop,
            )
        ):
            rows = self._rows
        elif isinstance(index, slice):
            rows = list(self.ranked[index])
        else:
            rows = [self.ranked[index]]
        ids = [row["document_id"] for row in rows]
        found = self.fetch(ids) if ids else {}
        documents = [found[pk] for pk in ids if pk in found]
        return documents if isinstance(index, slice) else documents[0]


def correction(query: str, parsed: ParsedQuery) -> str | None:
    """`query` with each Latin word that no document has replaced by the nearest word that
    one has, or None when there is nothing to correct (operators kept). A word is known when
    some document has it as written or its stem; names with digits and symbol terms are never
    corrected."""
    candidates = {w for w in parsed.words if len(w) >= 4 and w.isascii() and w.isalpha()}
    if not candidates:
        return None
    known = set(SearchWord.objects.filter(word__in=candidates).values_list("word", flat=True))
    stems = {text.stem(w): w for w in candidates - known}
    by_stem = {
        stems[term]
        for term in ResourceSearchTerm.objects.filter(term__in=stems)
        .values_list("term", flat=True)
        .distinct()
    }
    corrections = {}
    for word in sorted(candidates - known):
        nearest = _nearest(word)
        if not nearest or nearest == word:
            continue
        # A word known only by its stem may still be a typo of a word the documents have
        # ("recurent" shares the stem "recur" with "recurring", but is "recurrent" misspelt):
        # taken for one only when it is that close and means something else.
        if word in by_stem and (
            fuzz.ratio(word, nearest) < STEM_TYPO_RATIO or text.stem(nearest) == text.stem(word)
        ):
            continue
        corrections[word] = nearest
    return corrected(query, corrections) if corrections else None


def _nearest(word: str) -> str | None:
    near = SearchWord.objects.filter(length__range=(len(word) - 2, len(word) + 2))
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import TrigramSimilarity

        return (
            near.filter(word__trigram_similar=word)
            .annotate(similarity=TrigramSimilarity("word", word))
            .filter(similarity__gte=TYPO_SIMILARITY)
            .order_by("-similarity", "length", "word")
            .values_list("word", flat=True)
            .first()
        )
    # Typos rarely change a word's first letter and its last two together.
    words = list(
        near.filter(Q(word__startswith=word[0]) | Q(word__endswith=word[-2:])).values_list(
            "word", flat=True
        )
    )
    match = process.extractOne(word, words, scorer=fuzz.ratio, score_cutoff=TYPO_RATIO)
    return match[0] if match else None
