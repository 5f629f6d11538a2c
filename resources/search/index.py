"""The search index: building documents' terms, and keeping them current.

A document (a resource, a concept, an app's learning path) is indexed as rows of
(document, term, weight) in its kind's table (`ResourceSearchTerm`, …): every term of its
fields, the pairs of adjacent terms (what quoted phrases and proximity match), Chinese words'
pieces, and two marks: its exact titles (`exact_term`) and, for a Chinese resource, `CHINESE`.
A term's weight is the sum of the weights of the fields it is in (`WEIGHTS`).

Keeping it current, whichever way a row is written (admin, import, shell, a plain SQL UPDATE):
row triggers, on both databases, put every document whose words change in the `SearchStale`
queue (`STALE_TRIGGERS`, installed after every `migrate` because SQLite drops a table's triggers
whenever a migration rebuilds it); `index_stale()` indexes the queue again and runs before every
search and after the curators' bulk writes. Each kind's indexer is registered by its app
(`register`), so the catalogue knows nothing of the apps above it.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import connection, transaction

from resources.models import SearchIndexState, SearchStale, SearchWord
from resources.search import text

# Field weights: a title counts most, then the names of its concepts, tags, authors, venue,
# and the running text.
WEIGHTS = {
    "defines": 12, "title": 10, "concept": 6, "tag": 4, "authors": 3, "venue": 2, "text": 1,
}  # fmt: skip
# An exact title is worth more than any sum of words; the exact name of a concept a resource
# introduced, half that.
EXACT_WEIGHT = 100
# Chinese resources first for Chinese queries: a bonus, not a filter. More than a word found in
# every field of an English resource (a title word, its concept names, a tag and its text), less
# than an exact title.
CHINESE = "~zh"
CHINESE_WEIGHT = 40
# A model name with its version (gpt3, llama3.1): name, major version, the rest.
_MODEL_NAME = re.compile(r"([a-z]{2,})([0-9]+)((?:\.[0-9]+)*)")
# Links in Markdown are no words of the text.
_URL = re.compile(r"https?://\S+|www\.\S+")


def model_name_parts(term: str) -> set[str]:
    """The shorter names a model name is also found by: llama3.1 → {llama3, llama}; gpt3 →
    {gpt}; nothing for another term."""
    model = _MODEL_NAME.fullmatch(term)
    if not model:
        return set()
    return {text.stem(model.group(1)), model.group(1) + model.group(2)} - {term}


def exact_term(surfaces: Iterable[str]) -> str:
    """The mark of a whole title (or query) with these words (as written, unstemmed: "Distill"
    is not "distillation") in this order: "=" and a hash, short enough for the term column
    whatever the title's length."""
    joined = " ".join(surfaces)
    return "=" + hashlib.blake2b(joined.encode(), digest_size=12).hexdigest()


@dataclass
class Document:
    """The terms of one document being built: term → weight, and the words it has."""

    weights: dict[str, int] = field(default_factory=dict)
    words: set[str] = field(default_factory=set)

    def add(self, value: str, weight: str, *, exact: int = 0, besides: str = "") -> None:
        """Index `value` as a field of weight WEIGHTS[weight] (each term once per field);
        with `exact` (a weight), also as a whole title. `besides`: another text of the same
        field, indexed already (a paper's published title beside its arXiv title), whose
        terms are not counted twice."""
        if not value:
            return
        found, terms = _terms(value)
        if besides:
            terms -= _terms(besides)[1]
        for term in terms:
            self.mark(term[: text.MAX_TERM_LENGTH], WEIGHTS[weight])
        self.words.update(w.surface[: text.MAX_TERM_LENGTH] for w in found)
        if exact and found:
            self.mark(exact_term(w.surface for w in found), exact)

    def mark(self, term: str, weight: int) -> None:
        self.weights[term] = self.weights.get(term, 0) + weight


def _terms(value: str) -> tuple[list, set[str]]:
    """The words `value` is analysed into, and the terms it is found by: each word, the pairs
    of adjacent words, Chinese words' pieces, joined forms and model names' shorter names."""
    found, joins = text.analyse(_URL.sub(" ", value))
    sequence = [w.term for w in found]
    terms = set(sequence)
    terms.update(text.bigram(a, b) for a, b in itertools.pairwise(sequence))
    for w in found:
        if w.cjk:
            terms.update(text.pieces(w.term))
    terms.update(join.term for join in joins)
    for term in list(terms):
        terms.update(model_name_parts(term))
    return found, terms


Indexer = Callable[[list[int]], dict[int, Document]]


@dataclass(frozen=True)
class Kind:
    """A kind of document: its indexer (ids → their documents; ids missing from the answer
    are gone) and its term model."""

    name: str
    indexer: Indexer
    term_model: type


KINDS: dict[str, Kind] = {}


def register(name: str, indexer: Indexer, term_model: type) -> None:
    KINDS[name] = Kind(name, indexer, term_model)


def write(kind: Kind, ids: list[int]) -> None:
    """Index the documents `ids` of `kind` again (deleted ones lose their terms)."""
    for start in range(0, len(ids), 2000):
        chunk = ids[start : start + 2000]
        documents = kind.indexer(chunk)
        rows = [
            kind.term_model(document_id=pk, term=term, weight=weight)
            for pk, document in documents.items()
            for term, weight in document.weights.items()
        ]
        kind.term_model.objects.filter(document_id__in=chunk).delete()
        kind.term_model.objects.bulk_create(rows, batch_size=5000)
        words = {w for document in documents.values() for w in document.words}
        SearchWord.objects.bulk_create(
            [SearchWord(word=w, length=len(w)) for w in words],
            batch_size=5000,
            ignore_conflicts=True,
        )


def index_stale() -> int:
    """Index every queued document again; the number indexed. One cheap query when the queue
    is empty (every search asks). The queue rows are claimed by deleting them, in the same
    transaction as the new terms, so two processes never index one document at once and a
    failure leaves it queued."""
    if not SearchStale.objects.exists():
        return 0
    with transaction.atomic():
        table = connection.ops.quote_name(SearchStale._meta.db_table)
        with connection.cursor() as cursor:
            # The table's name from the model. Django has no DELETE … RETURNING.
            claim = f"DELETE FROM {table} RETURNING kind, object_id"  # noqa: S608  # nosec B608
            cursor.execute(claim)
            claimed = cursor.fetchall()
        by_kind: dict[str, list[int]] = {}
        for kind, pk in claimed:
            by_kind.setdefault(kind, []).append(pk)
        for name, ids in by_kind.items():
            if name in KINDS:
                write(KINDS[name], sorted(ids))
    return len(claimed)


def rebuild(names: Iterable[str] | None = None) -> dict[str, int]:
    """Index every document of the given kinds (all when None) from scratch; {kind: count}.
    Words no document has any more leave the vocabulary."""
    counts = {}
    with transaction.atomic():
        if names is None:
            SearchWord.objects.all().delete()
            SearchStale.objects.all().delete()
        for name in names or KINDS:
            kind = KINDS[name]
            owner = kind.term_model._meta.get_field("document").related_model
            ids = list(owner._base_manager.order_by("pk").values_list("pk", flat=True))
            kind.term_model.objects.all().delete()
            write(kind, ids)
            counts[name] = len(ids)
    return counts


def analyser() -> str:
    """What the index's terms depend on besides the documents: the text rules' version, the
    weights stored with the terms and the dictionary (SHA-256, hex)."""
    weights = sorted(WEIGHTS.items()), EXACT_WEIGHT, CHINESE_WEIGHT
    digest = hashlib.sha256(f"rules {text.RULES_VERSION}\nweights {weights}\n".encode())
    digest.update(text.DICTIONARY.read_bytes())
    return digest.hexdigest()


def ensure_analyser(using: str = "default") -> bool:
    """Rebuild the whole index when it was built by another analyser (or never recorded one);
    whether it did. Called after every migrate: a deploy that changes the rules or the
    dictionary rebuilds the index then, not at some learner's search."""
    from django.db import connections

    db = connections[using]
    if SearchIndexState._meta.db_table not in db.introspection.table_names():
        return False
    current = analyser()
    if SearchIndexState.objects.using(using).filter(analyser=current).exists():
        return False
    rebuild()
    SearchIndexState.objects.using(using).all().delete()
    SearchIndexState.objects.using(using).create(analyser=current)
    return True


# -- the queue's triggers ----------------------------------------------------------------------
@dataclass(frozen=True)
class StaleTrigger:
    """After `event` (INSERT, UPDATE, DELETE) on `table`, queue the (kind, id) rows that
    `select` gives (SQL reading NEW or OLD). `columns`: for UPDATE, only when one of these
    changes."""

    name: str
    table: str
    event: str
    select: str
    columns: tuple[str, ...] = ()


STALE_TRIGGERS: list[StaleTrigger] = []


def queue_on(*triggers: StaleTrigger) -> None:
    STALE_TRIGGERS.extend(triggers)


def install_triggers(using: str = "default") -> None:
    """Create the queue's triggers (again) on database `using`; called after every migrate.
    Idempotent; does nothing while the queue table does not exist (migrated back)."""
    from django.db import connections

    db = connections[using]
    queue = SearchStale._meta.db_table
    if queue not in db.introspection.table_names():
        return
    tables = set(db.introspection.table_names())
    with db.cursor() as cursor:
        for trigger in STALE_TRIGGERS:
            if trigger.table not in tables:
                continue
            name = f"search_stale_{trigger.name}"
            of = f" OF {', '.join(trigger.columns)}" if trigger.columns else ""
            if db.vendor == "postgresql":
                cursor.execute(
                    f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $$ BEGIN "
                    f"INSERT INTO {queue} (kind, object_id) {trigger.select} "
                    "ON CONFLICT DO NOTHING; RETURN NULL; END $$ LANGUAGE plpgsql"
                )
                cursor.execute(
                    f"CREATE OR REPLACE TRIGGER {name} AFTER {trigger.event}{of} "
                    f"ON {trigger.table} FOR EACH ROW EXECUTE FUNCTION {name}()"
                )
            else:
                # Dropped and made again, as PostgreSQL's CREATE OR REPLACE does: a trigger made
                # before its columns changed (arxiv_title) would otherwise stay as it was.
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
                cursor.execute(
                    f"CREATE TRIGGER {name} AFTER {trigger.event}{of} "
                    f"ON {trigger.table} FOR EACH ROW BEGIN "
                    f"INSERT OR IGNORE INTO {queue} (kind, object_id) {trigger.select}; END"
                )


def drop_triggers(apps=None, schema_editor=None) -> None:
    """Drop the queue's triggers (a migration's reverse step, before it drops tables they
    read; `install_triggers` creates them again after the migrate)."""
    db = schema_editor.connection if schema_editor is not None else connection
    tables = set(db.introspection.table_names())
    with db.cursor() as cursor:
        for trigger in STALE_TRIGGERS:
            name = f"search_stale_{trigger.name}"
            if db.vendor == "postgresql":
                if trigger.table in tables:
                    cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {trigger.table}")
                cursor.execute(f"DROP FUNCTION IF EXISTS {name}()")
            else:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
