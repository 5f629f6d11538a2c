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
# Raise when a change to the rules below changes the terms of some text: the next `migrate`
# rebuilds the index (as it does when the dictionary changes).
RULES_VERSION = 1
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
    # .net after a name too: ML.NET, ASP.NET.
    rf"(?P<symbol>(?:(?<![a-z0-9])(?:[a-z]\+\+|[a-z]#)|\.net)(?![a-z0-9+#]))"
    rf"|(?P<latin>[a-z0-9]+(?:\.[0-9]+)*)"
    rf"|(?P<cjk>[{_CJK}]+)"
    # Other scripts (Cyrillic, Greek, Korean, kana …): words as they are, unstemmed.
    rf"|(?P<other>[^\W_]+)"
)
# What may stand between a word and the number after it for the two to be one model name.
_JOINABLE_GAP = re.compile(r"[-_ ]?")
_VOWELS = re.compile(r"[aeiouy]")
_BRITISH = re.compile(r"is(e|es|ed|ing|er|ers|ation|ations)$")


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
    if has_chinese(text):
        text = _converter().convert(text)
    text = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in text if not unicodedata.combining(ch))


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The indexed form of one normalised word: Snowball English for Latin words, with British
    -ise spellings read as -ize (optimisation = optimization) and an acronym's plural as the
    acronym (lstms = lstm); numbers and other scripts as they are."""
    if not (word.isascii() and word.isalpha()):
        return word
    if len(word) > 3 and word.endswith("s") and not _VOWELS.search(word[:-1]):
        return word[:-1]
    return _stemmer().stemWord(_BRITISH.sub(r"iz\1", word))


@dataclass(frozen=True, slots=True)
class Join:
    """Two adjacent words that are also one: a name and the number after it ("GPT-3", "NeurIPS
    2025", "cs 231n"), or a hyphenated word ("pre-training"). `second` may be a one-character
    word, which is no term of its own (its `term` is "")."""

    first: Word
    second: Word
    term: str


def analyse(text: str) -> tuple[list[Word], list[Join]]:
    """The words of `text` in order — Chinese runs segmented (jieba's precise mode, runs of
    one-character pieces kept as one word: 小白), stop words and one-character words left out, a
    symbol term such as c# kept — and the pairs of them that are also one word."""
    normal = normalise(text)
    found: list[Word] = []
    for match in _WORD.finditer(normal):
        kind, surface = match.lastgroup, match.group()
        if kind == "cjk":
            found.extend(_chinese_words(surface, match.start()))
        elif kind == "symbol" or (len(surface) > 1 and surface not in STOP_WORDS):
            found.append(Word(surface, stem(surface), False, match.start(), match.end()))
        elif kind == "latin":
            # No term of its own, but "GPT 3" joins it (below).
            found.append(Word(surface, "", False, match.start(), match.end()))
    joins = []
    for first, second in itertools.pairwise(found):
        if first.cjk or second.cjk or not first.term or not first.surface.isalpha():
            continue
        gap = normal[first.end : second.start]
        if second.surface[0].isdigit() and _JOINABLE_GAP.fullmatch(gap):
            joins.append(Join(first, second, first.surface + second.surface))
        elif second.surface.isalpha() and second.term and gap == "-":
            joins.append(Join(first, second, stem(first.surface + second.surface)))
    return [w for w in found if w.term], joins


def words(text: str) -> list[Word]:
    """The words of `text` in order (`analyse`)."""
    return analyse(text)[0]


def _chinese_words(run: str, offset: int) -> list[Word]:
    found: list[Word] = []
    single = ""  # consecutive one-character pieces, kept together as one word
    for piece in [*segmenter().cut(run, False), ""]:
        if len(piece) == 1:
            single += piece
            offset += 1
            continue
        if len(single) > 1:
            found.append(Word(single, single, True, offset - len(single), offset))
        single = ""
        if piece:
            found.append(Word(piece, piece, True, offset, offset + len(piece)))
            offset += len(piece)
    return found


def pieces(word: str) -> list[str]:
    """The shorter dictionary words inside a Chinese word (jieba's search mode): what the index
    also holds for it, so that 学习 finds 深度学习. Empty for a word of two characters."""
    if len(word) <= 2:
        return []
    return [p for p in segmenter().cut_for_search(word, False) if len(p) > 1 and p != word]


def bigram(first: str, second: str) -> str:
    """The term of two adjacent terms (what a quoted phrase, and proximity, match on)."""
    return f"{first} {second}"[:MAX_TERM_LENGTH]


def has_chinese(text: str) -> bool:
    return any("\u3400" <= ch <= "\ufaff" for ch in text)
