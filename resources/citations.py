"""BibTeX citations of papers: one entry per paper, a file for a list of them.

Only papers are cited (`Resource.is_paper`). The entry type follows where the paper was
published (`ENTRY_TYPES`); texts are LaTeX-encoded by bibtexparser's middleware, so that a title
or an author may hold any character (``50% & $x_1$ {braces} é``) and a file parses back to the
same texts; the identifiers (URL, DOI, arXiv id) are written as they are, as BibTeX styles read
them verbatim.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import bibtexparser
from bibtexparser import Library
from bibtexparser.middlewares import LatexEncodingMiddleware
from bibtexparser.model import Entry, Field
from pylatexenc.latexencode import RULE_DICT, UnicodeToLatexConversionRule, UnicodeToLatexEncoder

from resources.models import Publication, Resource

# The BibTeX entry type of each kind of publication; a paper whose publication is not recorded
# is cited as @misc, which every style accepts with any fields.
ENTRY_TYPES = {
    Publication.PROCEEDINGS: "inproceedings",
    Publication.JOURNAL: "article",
    Publication.PREPRINT: "misc",
}


@dataclass(frozen=True)
class Proceedings:
    """The name of a conference's proceedings series, and the series its volumes belong to."""

    title: str
    series: str = ""


# The proceedings of the conferences the catalogue's papers appeared at, by the acronym their
# venue starts with, named as the proceedings' own citations name them: the NeurIPS
# proceedings (papers.nips.cc) cite "Advances in Neural Information Processing Systems" with
# the year's volume, PMLR the ICML volumes, OpenReview ICLR, the CVF and IEEE CVPR and ICCV,
# the ACL Anthology ACL, NAACL and EMNLP, the ACM Digital Library KDD. The booktitle adds the
# venue as written ("… (NIPS 2017)"); a venue not listed here is the booktitle as it is.
PROCEEDINGS = {
    "NeurIPS": Proceedings("Advances in Neural Information Processing Systems"),
    "NIPS": Proceedings("Advances in Neural Information Processing Systems"),
    "ICML": Proceedings(
        "International Conference on Machine Learning", "Proceedings of Machine Learning Research"
    ),
    "ICLR": Proceedings("International Conference on Learning Representations"),
    "CVPR": Proceedings("IEEE Conference on Computer Vision and Pattern Recognition"),
    "ICCV": Proceedings("IEEE International Conference on Computer Vision"),
    "ECCV": Proceedings("European Conference on Computer Vision"),
    "ACL": Proceedings("Annual Meeting of the Association for Computational Linguistics"),
    "NAACL": Proceedings(
        "Conference of the North American Chapter of the Association for Computational "
        "Linguistics: Human Language Technologies"
    ),
    "EMNLP": Proceedings("Conference on Empirical Methods in Natural Language Processing"),
    "KDD": Proceedings(
        "ACM SIGKDD International Conference on Knowledge Discovery and Data Mining"
    ),
    "AAAI": Proceedings("AAAI Conference on Artificial Intelligence"),
    "IJCAI": Proceedings("International Joint Conference on Artificial Intelligence"),
}

# Fields BibTeX styles print verbatim (biblatex declares them so): written without LaTeX
# encoding, an underscore in a DOI stays an underscore.
VERBATIM_FIELDS = frozenset({"url", "doi", "eprint"})

# Words a key never takes from a title, as Google Scholar's keys skip them
# ("Attention Is All You Need" → vaswani2017attention, "An Image is Worth…" → …image).
KEY_STOPWORDS = frozenset(
    {"a", "an", "the", "on", "of", "in", "for", "to", "and", "or", "with", "without", "is", "are",
     "be", "from", "by", "at", "as", "via", "into", "towards", "toward", "how", "what", "why",
     "when", "where", "which", "who", "do", "does", "can"}
)  # fmt: skip
# Letters that Unicode does not decompose into an ASCII letter and a mark.
ASCII_LETTERS = str.maketrans(
    {"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe",
     "Œ": "OE", "đ": "d", "Đ": "D", "þ": "th", "Þ": "Th", "ı": "i"}
)  # fmt: skip
# A name's generational suffix, written after a comma ("Martin Luther King, Jr.").
NAME_SUFFIX = re.compile(r"[JS]r\.?|JR\.?|SR\.?|II|III|IV")
# "et al." (or "and others") closing an author list: BibTeX's "and others".
ET_AL = re.compile(r"(?i)[\s,]*(?:\bet\.?\s*al\b\.?|\band\s+others)\s*$")
# A note in parentheses in an author list ("…, et al. (DeepSeek-AI)", "Joshua Achiam (OpenAI)"):
# a team or an affiliation, not an author.
CREDIT_NOTE = re.compile(r"\s*\([^()]*\)")
AUTHOR_SEPARATOR = re.compile(r"\s*[,;&]\s*|\s+and\s+")
DASHES = re.compile(r"\s*[-\u2010-\u2015\u2212]+\s*")
YEAR_IN_VENUE = re.compile(r"\b(1[89]\d\d|2\d\d\d)\b")


def _encoder() -> UnicodeToLatexEncoder:
    # A straight double quote stays one (as DBLP writes it; the default turns both of a
    # pair into closing quotes). Characters LaTeX cannot spell (Chinese) are kept as UTF-8,
    # which the file is, without a warning per character.
    keep_quotes = UnicodeToLatexConversionRule(rule_type=RULE_DICT, rule={ord('"'): '"'})
    return UnicodeToLatexEncoder(
        conversion_rules=[keep_quotes, "defaults"],
        unknown_char_policy="keep",
        unknown_char_warning=False,
    )


class TextEncoding(LatexEncodingMiddleware):
    """bibtexparser's LaTeX encoding of every field but the verbatim ones: texts here are
    plain text, so "$" is a dollar (not math) and a URL in a title is text."""

    def __init__(self):
        super().__init__(encoder=_encoder(), allow_inplace_modification=True)

    def transform_entry(self, entry, library):
        verbatim = {f.key: f.value for f in entry.fields if f.key in VERBATIM_FIELDS}
        block = super().transform_entry(entry, library)
        for field in entry.fields:
            if field.key in verbatim:
                field.value = verbatim[field.key]
        return block


def bibtex(resources: Iterable[Resource]) -> str:
    """The BibTeX file citing the papers among `resources`, in their order (other kinds are
    left out), each under its `citation_key`, made unique within the file; "" for none."""
    papers = [resource for resource in resources if resource.is_paper]
    entries = [
        Entry(_entry_type(paper), key, list(_fields(paper)))
        for paper, key in zip(papers, unique_keys(papers), strict=True)
    ]
    library = TextEncoding().transform(Library(entries))
    for entry in library.entries:
        title = entry.fields_dict.get("title")
        if title is not None:
            title.value = protect_capitals(title.value)
    file_format = bibtexparser.BibtexFormat()
    file_format.indent = "  "
    file_format.block_separator = "\n"  # each entry ends with a newline: one blank line
    return bibtexparser.write_string(library, bibtex_format=file_format)


def _entry_type(paper: Resource) -> str:
    return ENTRY_TYPES.get(paper.publication, "misc")


def _fields(paper: Resource) -> Iterator[Field]:
    """The entry's fields, in the order bibliographies print them; empty ones left out."""
    venue = paper.venue.strip()
    values = {"author": " and ".join(bibtex_names(paper.authors)), "title": paper.title}
    if paper.publication == Publication.PROCEEDINGS:
        proceedings = _proceedings(venue)
        values["booktitle"] = f"{proceedings.title} ({venue})" if proceedings.title else venue
        values["series"] = proceedings.series if paper.volume else ""
    elif paper.publication == Publication.JOURNAL:
        values["journal"] = venue
    values |= {
        "volume": paper.volume,
        "number": paper.number,
        "pages": DASHES.sub("--", paper.pages.strip()),
        "year": str(citation_year(paper) or ""),
    }
    # Where a paper that is not in proceedings or a journal was presented (a workshop).
    if paper.publication not in (Publication.PROCEEDINGS, Publication.JOURNAL):
        values["note"] = "" if venue.lower().startswith("arxiv") else venue
    values |= {
        "doi": _verbatim(paper.doi),
        "eprint": paper.arxiv_id,
        "archivePrefix": "arXiv" if paper.arxiv_id else "",
        "url": _verbatim(paper.url),
    }
    for key, value in values.items():
        if value:
            yield Field(key, value)


def _proceedings(venue: str) -> Proceedings:
    """The known proceedings whose acronym starts `venue` ("NIPS 2017"); none for another
    venue, or for a workshop, whose papers are not in the conference's proceedings."""
    acronym = venue.split(" ", 1)[0]
    if acronym in PROCEEDINGS and "workshop" not in venue.lower():
        return PROCEEDINGS[acronym]
    return Proceedings("")


def _verbatim(value: str) -> str:
    """An identifier as a verbatim field holds it: the braces and backslash that BibTeX
    would read as grouping, percent-encoded (which a URL or a DOI resolver reads the same)."""
    return value.replace("\\", "%5C").replace("{", "%7B").replace("}", "%7D")


def citation_year(paper: Resource) -> int | None:
    """The year of the cited publication: for proceedings, the year their venue names ("ICLR
    2015" for a paper first put on arXiv in 2014); else the resource's year."""
    if paper.publication == Publication.PROCEEDINGS:
        years = YEAR_IN_VENUE.findall(paper.venue)
        if years:
            return int(years[-1])
    return paper.year


def bibtex_names(authors: str) -> list[str]:
    """The authors as BibTeX names: "A, B and C" or "A, B, et al." → ["A", "B", "C"] or
    ["A", "B", "others"]. Names stay as credited ("Given Family", which BibTeX reads, von
    parts included); a suffix after a comma is put where BibTeX expects it ("King, Jr.,
    Martin Luther"). Notes in parentheses (a team, an affiliation) are left out."""
    text = CREDIT_NOTE.sub("", authors).strip()
    et_al = ET_AL.search(text)
    if et_al:
        text = text[: et_al.start()]
    names: list[str] = []
    for part in AUTHOR_SEPARATOR.split(text):
        part = " ".join(part.split())
        if not part:
            continue
        if NAME_SUFFIX.fullmatch(part) and names and "," not in names[-1]:
            given, _, family = names[-1].rpartition(" ")
            names[-1] = f"{family}, {part}, {given}" if given else f"{family}, {part}"
        else:
            names.append(part)
    return [*names, "others"] if et_al else names


def _family_name(name: str) -> str:
    if "," in name:  # "King, Jr., Martin Luther"
        return name.split(",", 1)[0]
    return name.rsplit(" ", 1)[-1]


def _ascii_words(text: str) -> list[str]:
    """The words of `text` in lowercase ASCII letters and digits ("Garcia-Durán" → garcia,
    duran; "Łukasz" → lukasz); words with no such letter (Chinese) are dropped."""
    plain = unicodedata.normalize("NFKD", text.translate(ASCII_LETTERS))
    plain = plain.encode("ascii", "ignore").decode().lower()
    return re.findall(r"[a-z0-9]+", plain)


def citation_key(paper: Resource) -> str:
    """A stable key in Google Scholar's style: the first author's family name, the year and
    the first significant word of the title, in lowercase ASCII ("vaswani2017attention")."""
    names = bibtex_names(paper.authors)
    family = "".join(_ascii_words(_family_name(names[0]))) if names else ""
    words = [w for w in _ascii_words(paper.title) if w not in KEY_STOPWORDS]
    return f"{family or 'anonymous'}{citation_year(paper) or ''}{words[0] if words else ''}"


def _suffixes() -> Iterator[str]:
    """a, b, …, z, aa, ab, …"""
    for length in itertools.count(1):
        for letters in itertools.product("abcdefghijklmnopqrstuvwxyz", repeat=length):
            yield "".join(letters)


def unique_keys(papers: Sequence[Resource]) -> list[str]:
    """Each paper's `citation_key`, where several share one, with a, b, … added in the order
    of their slugs (so the same papers get the same keys in whatever order they are listed)."""
    keys = [citation_key(paper) for paper in papers]
    groups: dict[str, list[int]] = {}
    for index, key in enumerate(keys):
        groups.setdefault(key, []).append(index)
    taken = set(groups)
    for key, indexes in groups.items():
        if len(indexes) == 1:
            continue
        suffixes = (s for s in _suffixes() if key + s not in taken)
        for index in sorted(indexes, key=lambda i: papers[i].slug):
            keys[index] = key + next(suffixes)
            taken.add(keys[index])
    return keys


# A word of an encoded title: a run of characters without spaces. Its hyphen-separated parts
# are looked at without the LaTeX commands the encoding wrote (\'e, {\L}).
_COMMAND = re.compile(r"\\(?:[A-Za-z]+|.)")


def protect_capitals(title: str) -> str:
    """`title` (LaTeX-encoded) with the words whose capitals must stay capitals in braces:
    acronyms and names with an inner capital ("{BERT:}", "{ImageNet}", "{LoRA:}") and the
    pronoun "I", which a style that lowercases titles would otherwise lowercase. Capitals a
    style keeps anyway (a title's first letter) or that only a reader can tell from a common
    word (a proper name such as "Bayes") are left as they are."""
    words = title.split(" ")
    return " ".join(f"{{{word}}}" if _needs_protection(word) else word for word in words)


def _needs_protection(word: str) -> bool:
    letters = _COMMAND.sub("", word).replace("{", "").replace("}", "")
    for part in letters.split("-"):
        part = "".join(char for char in part if char.isalpha())
        if part == "I" or any(char.isupper() for char in part[1:]):
            return True
    return False
