"""Text to search terms: one normalisation and one segmentation for the index and the query, so
that both databases find the same things.

A text goes through, in order:

1. NFKC, so full-width forms (ＧＰＴ－３, １２８) read as their ASCII selves;
2. OpenCC `t2s`, so Traditional script (機器學習) reads as Simplified (机器学习);
3. case folding, then NFKD with combining marks dropped, so "Naïve", "réseaux" read "naive",
   "reseaux" (what PostgreSQL's `unaccent` does, on both databases);
4. words: symbol terms whole (c++, c#, f#, .net), Latin words and numbers (3.5 kept whole),
   Chinese runs segmented by jieba (jieba-rs through rjieba) with the field's user dictionary
   `resources/search_dictionary.txt` (大模型, 注意力机制, …);
5. terms: English words stemmed (Snowball English: "networks" and "network" are one term),
   English stop words and one-character words dropped; a letter word followed by a number
   ("GPT-3", "GPT 3", "gpt3", "llama-3") also gives the joined term `gpt3`, and a hyphenated
   word ("pre-training") the joined term `pretrain` beside its parts.

Each word keeps its surface form (normalised, unstemmed): the vocabulary the typo correction
draws from and shows ("Did you mean …?").
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import opencc
import rjieba
import snowballstemmer

DICTIONARY = Path(__file__).resolve().parent.parent / "search_dictionary.txt"
# Terms are stored in a column of this many characters; longer words are cut.
MAX_TERM_LENGTH = 64

# The Snowball project's English stop word list (snowballstemmer ships no list), trimmed to
# the words with no meaning of their own in a title.
STOP_WORDS = frozenset(
    [
        "a",
        "about",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "been",
        "but",
        "by",
        "can",
        "do",
        "does",
        "for",
        "from",
        "had",
        "has",
        "have",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "so",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "to",
        "was",
        "we",
        "were",
        "what",
        "when",
        "which",
        "who",
        "why",
        "will",
        "with",
        "you",
        "your",
    ]
)
# Chinese function words that carry no topic (的, 和, 与 …) are one character long and dropped
# with every other one-character word.

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_WORD = re.compile(
    rf"(?P<symbol>(?<![a-z0-9])(?:[a-z]\+\+|[a-z]#|\.net)(?![a-z0-9+#]))"
    rf"|(?P<latin>[a-z0-9]+(?:\.[0-9]+)*)"
    rf"|(?P<cjk>[{_CJK}]+)"
)
# What may stand between a word and the number after it for the two to be one model name.
_JOINABLE_GAP = re.compile(r"[-_ ]?")
_HYPHEN = re.compile(r"-")
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)*")


@dataclass(frozen=True, slots=True)
class Word:
    """One word of a text: `surface` as normalised (unstemmed), `term` as indexed, `cjk` for
    Chinese, `start`/`end` its place in the normalised text."""

    surface: str
    term: str
    cjk: bool
    start: int
    end: int


@cache
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


@cache
def _stemmer():
    return snowballstemmer.stemmer("english")


@cache
def segmenter() -> rjieba.Jieba:
    """jieba with the field's user dictionary loaded (once per process, about 0.1 s)."""
    jieba = rjieba.Jieba()
    for line in DICTIONARY.read_text(encoding="utf-8").splitlines():
        # jieba's user dictionary format: a word, optionally its frequency (higher: kept whole
        # against its neighbours more often).
        parts = line.split("#", 1)[0].split()
        if parts:
            frequency = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
            jieba.add_word(normalise(parts[0]), frequency, None)
    return jieba


def normalise(text: str) -> str:
    """`text` in the form every term is taken from: NFKC, Simplified script, case-folded,
    accents dropped. Same length or shorter; never raises."""
    text = unicodedata.normalize("NFKC", text)
    if any("\u3400" <= ch <= "\ufaff" for ch in text):
        text = _converter().convert(text)
    text = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in text if not unicodedata.combining(ch))


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The indexed form of one normalised Latin word (Snowball English; numbers as they are)."""
    if not word.isalpha():
        return word
    return _stemmer().stemWord(word)


def words(text: str) -> list[Word]:
    """The words of `text` in order, Chinese runs segmented (jieba's precise mode), stop words
    and one-character words left out (a symbol term such as c# is kept)."""
    normal = normalise(text)
    found: list[Word] = []
    for match in _WORD.finditer(normal):
        kind, surface = match.lastgroup, match.group()
        if kind == "cjk":
            offset = match.start()
            for piece in segmenter().cut(surface, False):
                if len(piece) > 1:
                    found.append(Word(piece, piece, True, offset, offset + len(piece)))
                offset += len(piece)
        elif kind == "symbol" or (len(surface) > 1 and surface not in STOP_WORDS):
            found.append(Word(surface, stem(surface), False, match.start(), match.end()))
        elif surface.isdigit() or surface.isalpha():
            # A one-character word is no term of its own, but "GPT 3" joins it (below).
            found.append(Word(surface, "", False, match.start(), match.end()))
    return _join_model_names(normal, found)


def _join_model_names(normal: str, found: list[Word]) -> list[Word]:
    """Replace a letter word and the number right after it ("gpt-3", "gpt 3") by one word
    (gpt3), the joined form being the name's identity; drop the placeholders of lone
    one-character words."""
    joined: list[Word] = []
    for word in found:
        previous = joined[-1] if joined else None
        if (
            previous is not None
            and not word.cjk
            and not previous.cjk
            and _NUMBER.fullmatch(word.surface)
            and previous.surface.isalpha()
            and _JOINABLE_GAP.fullmatch(normal[previous.end : word.start])
        ):
            surface = previous.surface + word.surface
            joined[-1] = Word(surface, surface, False, previous.start, word.end)
            continue
        joined.append(word)
    return [word for word in joined if word.term]


def hyphen_joins(text: str, found: list[Word]) -> list[tuple[Word, Word, str]]:
    """Adjacent Latin words of `found` written with a hyphen between them in `text` ("pre-
    training"), each pair with the term of the two written as one (pretrain)."""
    normal = normalise(text)
    pairs = []
    for first, second in itertools.pairwise(found):
        if (
            not first.cjk
            and not second.cjk
            and first.surface.isalpha()
            and second.surface.isalpha()
            and _HYPHEN.fullmatch(normal[first.end : second.start])
        ):
            pairs.append((first, second, stem(first.surface + second.surface)))
    return pairs


def pieces(word: str) -> list[str]:
    """The shorter dictionary words inside a Chinese word (jieba's search mode): what the index
    also holds for it, so that 学习 finds 深度学习. Empty for a word of two characters."""
    if len(word) <= 2:
        return []
    return [p for p in segmenter().cut_for_search(word, False) if len(p) > 1 and p != word]


def index_terms(text: str) -> tuple[list[str], set[str]]:
    """What a text field contributes to the index: (its terms in order, every other term it is
    found by: Chinese words' pieces, hyphen joins). Terms are at most MAX_TERM_LENGTH long."""
    found = words(text)
    sequence = [w.term[:MAX_TERM_LENGTH] for w in found]
    extra: set[str] = set()
    for w in found:
        if w.cjk:
            extra.update(pieces(w.term))
    extra.update(joined for _a, _b, joined in hyphen_joins(text, found))
    return sequence, extra


def bigram(first: str, second: str) -> str:
    """The term of two adjacent terms (what a quoted phrase, and proximity, match on)."""
    return f"{first} {second}"[:MAX_TERM_LENGTH]


def has_chinese(text: str) -> bool:
    return any("\u3400" <= ch <= "\ufaff" for ch in text)
