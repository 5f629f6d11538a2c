"""A learner's query, parsed: PostgreSQL's web search syntax (`websearch_to_tsquery`), on both
databases, with synonyms.

- words: each must match (AND); `"a quoted phrase"`: its words adjacent, in order;
- `-word`, `-"a phrase"`: documents with it are left out;
- `or` between two words or phrases: either.

Each required part is a `Clause`: alternatives, any of which matches. A plain word's
alternatives are its term, the pieces of a Chinese word (清华大学 → 清华 大学, as the index
holds a longer word's pieces), the joined and split forms of a hyphenated word, and, where a
run of words is a curated synonym (`Synonym`), every term of its group.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from resources.search import text
from resources.search.index import CHINESE, exact_term, model_name_parts

# A quoted phrase (its closing quote optional), or a run of anything else; curly and CJK
# quotation marks are quotes too.
_CHUNK = re.compile(r'(-?)["“”「」『』]([^"“”「」『』]*)["“”「」『』]?|(\S+)')


# Each required word or phrase is a subquery: a query reads at most this many (and as many
# exclusions); a learner's query rarely has more than five.
MAX_CLAUSES = 12


@dataclass(frozen=True)
class Alternative:
    """Matches a document that has every one of `terms`."""

    terms: tuple[str, ...]


@dataclass
class Clause:
    alternatives: list[Alternative]
    # The words as the learner wrote them (normalised): what typo correction replaces.
    words: tuple[str, ...] = ()


@dataclass
class ParsedQuery:
    clauses: list[Clause] = field(default_factory=list)
    excluded: list[Clause] = field(default_factory=list)
    # Terms that only add to the score (exact title, Chinese resources for Chinese queries).
    bonus: list[str] = field(default_factory=list)
    # Every normalised word of the query in order, and the query's text for display.
    words: list[str] = field(default_factory=list)
    # More words than MAX_CLAUSES (or exclusions) were given: the rest were left out.
    truncated: bool = False

    @property
    def empty(self) -> bool:
        return not self.clauses

    def positive_terms(self) -> set[str]:
        """Every term a document may score on: each clause's (`clause_terms`), and bonus."""
        terms = set(self.bonus)
        for clause in self.clauses:
            terms.update(clause_terms(clause))
        return terms


def clause_terms(clause: Clause) -> set[str]:
    """The terms a document may score on for `clause`: each alternative's, and its words."""
    terms: set[str] = set()
    for alternative in clause.alternatives:
        terms.update(alternative.terms)
        for term in alternative.terms:
            terms.update(term.split(" "))
    return terms


class Synonyms:
    """Synonym groups as sequences of terms: `match(terms, start)` gives the group of the
    longest run of query terms from `start` that is one of them."""

    def __init__(self, groups: Iterable[Iterable[str]]):
        self.groups: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
        self.longest = 1
        for group in groups:
            sequences = []
            for term in group:
                sequence = tuple(w.term for w in text.words(term))
                if sequence and sequence not in sequences:
                    sequences.append(sequence)
            if len(sequences) < 2:
                continue
            for sequence in sequences:
                known = self.groups.setdefault(sequence, [])
                known.extend(s for s in sequences if s not in known)
                self.longest = max(self.longest, len(sequence))

    def match(self, terms: list[str], start: int) -> tuple[int, list[tuple[str, ...]]]:
        """The longest synonym starting at terms[start]: (its length, its group's sequences),
        or (0, [])."""
        for length in range(min(self.longest, len(terms) - start), 0, -1):
            group = self.groups.get(tuple(terms[start : start + length]))
            if group:
                return length, group
        return 0, []


NO_SYNONYMS = Synonyms([])


def sequence_alternative(sequence: tuple[str, ...]) -> Alternative:
    """A run of terms that must be adjacent: its pairs (which imply its terms), or the term."""
    if len(sequence) == 1:
        return Alternative(sequence)
    return Alternative(tuple(text.bigram(a, b) for a, b in itertools.pairwise(sequence)))


def word_clause(word: text.Word) -> Clause:
    alternatives = [Alternative((word.term,))]
    # A model name typed as one word is found by its shorter names too (gpt4: gpt), ranked below.
    alternatives += [Alternative((part,)) for part in sorted(model_name_parts(word.term))]
    if word.cjk:
        # Only pieces that cover the whole word stand for it (清华大学 = 清华 + 大学, but
        # 大模型 is not 模型).
        parts = text.pieces(word.term)
        covered = set()
        for part in parts:
            start = word.term.find(part)
            covered.update(range(start, start + len(part)))
        if parts and len(covered) == len(word.term):
            alternatives.append(Alternative(tuple(parts)))
    return Clause(alternatives, (word.surface,))


def parse(query: str, synonyms: Synonyms = NO_SYNONYMS) -> ParsedQuery:
    """`query` (any text) as clauses; an empty `ParsedQuery` when it holds no searchable word
    (stop words, one character, punctuation): such a query matches nothing, never everything."""
    parsed = ParsedQuery()
    run: list[str] = []  # consecutive plain chunks, read as one text ("GPT 3" is gpt3)
    pending_or = False

    def flush() -> None:
        if run:
            for clause in _plain_clauses(" ".join(run), synonyms):
                add(clause)
                parsed.words.extend(clause.words)
        run.clear()

    def add(clause: Clause) -> None:
        nonlocal pending_or
        if pending_or and parsed.clauses:
            previous = parsed.clauses[-1]
            parsed.clauses[-1] = Clause(
                previous.alternatives + clause.alternatives, previous.words + clause.words
            )
        else:
            parsed.clauses.append(clause)
        pending_or = False

    for match in _CHUNK.finditer(query):
        negated, phrase, plain = match.group(1), match.group(2), match.group(3)
        if phrase is not None:
            flush()
            found = text.words(phrase)
            if not found:
                continue
            sequence = tuple(w.term for w in found)
            clause = Clause([sequence_alternative(sequence)], tuple(w.surface for w in found))
            if negated:
                parsed.excluded.append(clause)
            else:
                add(clause)
                parsed.words.extend(clause.words)
            continue
        if plain.casefold() == "or" and (run or parsed.clauses):
            flush()
            pending_or = True
            continue
        if plain.startswith("-") and len(plain) > 1:
            flush()
            parsed.excluded.extend(_plain_clauses(plain[1:], synonyms))
            continue
        run.append(plain)
    flush()
    if len(parsed.clauses) > MAX_CLAUSES or len(parsed.excluded) > MAX_CLAUSES:
        parsed.truncated = True
        del parsed.clauses[MAX_CLAUSES:], parsed.excluded[MAX_CLAUSES:]
    if parsed.words:  # the whole query, as written, for an exact title
        parsed.bonus.append(exact_term(parsed.words))
    if text.has_chinese(query):
        parsed.bonus.append(CHINESE)
    return parsed


def _plain_clauses(run: str, synonyms: Synonyms) -> list[Clause]:
    """The clauses of a run of plain words: synonyms first (across words: "large language
    model"), then hyphenated pairs (either "pre training" or "pretraining"), then each word."""
    found, pairs = text.analyse(run)
    joins = {id(join.first): join for join in pairs}
    terms = [w.term for w in found]
    clauses: list[Clause] = []
    i = 0
    while i < len(found):
        length, group = synonyms.match(terms, i)
        if length:
            clauses.append(
                Clause(
                    [sequence_alternative(s) for s in group],
                    tuple(w.surface for w in found[i : i + length]),
                )
            )
            i += length
            continue
        word = found[i]
        join = joins.get(id(word))
        if join is not None and i + 1 < len(found) and found[i + 1] is join.second:
            # Either as one word or as both words: "NeurIPS 2025", "pre-training".
            alternatives = [Alternative((join.term,)), Alternative((word.term, join.second.term))]
            clauses.append(Clause(alternatives, (word.surface, join.second.surface)))
            i += 2
            continue
        clause = word_clause(word)
        if join is not None:
            # With a one-character word that is no term of its own ("GPT 3"): as one word, or
            # the name alone (ranked below).
            clause.alternatives.insert(0, Alternative((join.term,)))
        clauses.append(clause)
        i += 1
    return clauses


def corrected(query: str, corrections: dict[str, str]) -> str:
    """`query` (normalised) with each whole word in `corrections` replaced by its correction,
    its operators (quotes, -, or) kept as they were."""
    if not corrections:
        return query
    # Latin words: a neighbouring Chinese character is a boundary too (transfomer模型).
    pattern = re.compile(
        r"(?<![a-z0-9+#.])("
        + "|".join(re.escape(w) for w in sorted(corrections, key=len, reverse=True))
        + r")(?![a-z0-9+#])"
    )
    return pattern.sub(lambda m: corrections[m.group(1)], text.normalise(query))
