"""Citations: every BibTeX file the site serves parses back (bibtexparser, LaTeX decoded) to the
paper as the catalogue holds it, with the entry type of where it was published, stable and
unique keys, and any character escaped; a Cite control on paper pages, BibTeX links on paths."""

import bibtexparser
import pytest
from bibtexparser.middlewares import LatexDecodingMiddleware

from learnpaths.models import PathStatus, Step
from resources import citations
from resources.models import Resource
from tests.html import parse

HOSTILE_TITLE = '50% & $x_1$ {braces} \\ ~ ^ # é 中文 "Why Should I Trust You?" ImageNet_2'
HOSTILE_AUTHORS = "Jürgen Sch_midhuber, Łukasz {Kaiser} & Ana O'Neil-Núñez, et al."


def parsed(text: str, decode: bool = True):
    """The entries of a BibTeX file, as a reference manager reads them: LaTeX decoded, but
    for the verbatim fields (url, doi, eprint) when `decode` is False."""
    middleware = [LatexDecodingMiddleware()] if decode else []
    library = bibtexparser.parse_string(text, append_middleware=middleware)
    assert not library.failed_blocks
    return library.entries


def fields(entry) -> dict[str, str]:
    # pylatexenc decodes \textasciicircum as U+02C6 (the modifier letter); LaTeX prints "^".
    return {f.key: f.value.replace("\u02c6", "^") for f in entry.fields}


def paper(make, **fields):
    defaults = {
        "kind": "paper",
        "title": "Attention Is All You Need",
        "authors": "Ashish Vaswani, Noam Shazeer and Łukasz Kaiser",
        "year": 2017,
        "venue": "NIPS 2017",
        "publication": "proceedings",
        "volume": "30",
        "pages": "5998–6008",
        "arxiv_id": "1706.03762",
        "url": "https://arxiv.org/abs/1706.03762",
    }
    return make.resource(**(defaults | fields))


def get_bibtex(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/x-bibtex; charset=utf-8"
    return response, response.content.decode()


def test_a_conference_paper_is_cited_inproceedings_with_its_proceedings(client, make):
    attention = paper(make, slug="attention")
    response, text = get_bibtex(client, "/en/resources/attention/bibtex/")
    assert response["Content-Disposition"] == 'inline; filename="vaswani2017attention.bib"'
    [entry] = parsed(text)
    assert (entry.entry_type, entry.key) == ("inproceedings", "vaswani2017attention")
    assert fields(entry) == {
        "author": "Ashish Vaswani and Noam Shazeer and Łukasz Kaiser",
        "title": "Attention Is All You Need",
        "booktitle": "Advances in Neural Information Processing Systems (NIPS 2017)",
        "volume": "30",
        "pages": "5998–6008",
        "year": "2017",
        "eprint": "1706.03762",
        "archivePrefix": "arXiv",
        "url": attention.url,
    }
    assert "pages = {5998--6008}" in text  # BibTeX's range, which styles print as an en dash


def test_proceedings_are_cited_in_the_year_of_their_venue_and_a_workshop_as_written(make):
    adam = paper(make, title="Adam: A Method", authors="Diederik P. Kingma", year=2014,
                 venue="ICLR 2015", volume="", pages="")  # fmt: skip
    workshop = paper(make, title="Word vectors", authors="Tomas Mikolov", year=2013,
                     venue="ICLR 2013 Workshop", volume="", pages="")  # fmt: skip
    first, second = parsed(citations.bibtex([adam, workshop]))
    assert (first.key, fields(first)["year"]) == ("kingma2015adam", "2015")
    assert fields(first)["booktitle"] == (
        "International Conference on Learning Representations (ICLR 2015)"
    )
    assert fields(second)["booktitle"] == "ICLR 2013 Workshop"


def test_a_journal_paper_is_an_article_with_volume_number_and_pages(client, make):
    make.resource(
        kind="paper", slug="backprop", title="Learning representations by back-propagating errors",
        authors="David E. Rumelhart, Geoffrey E. Hinton, Ronald J. Williams", year=1986,
        venue="Nature", publication="journal", volume="323", number="6088", pages="533–536",
        doi="10.1038/323533a0", url="https://www.nature.com/articles/323533a0",
    )  # fmt: skip
    [entry] = parsed(get_bibtex(client, "/en/resources/backprop/bibtex/")[1])
    assert (entry.entry_type, entry.key) == ("article", "rumelhart1986learning")
    values = fields(entry)
    assert values["journal"] == "Nature" and "booktitle" not in values
    assert (values["volume"], values["number"], values["pages"]) == ("323", "6088", "533–536")
    assert values["doi"] == "10.1038/323533a0"


def test_an_arxiv_only_paper_is_misc_with_its_eprint(client, make):
    paper(make, slug="scaling", publication="preprint", title="Scaling Laws for Neural Language "
          "Models", authors="Jared Kaplan, Sam McCandlish", year=2020, venue="arXiv preprint",
          volume="", pages="", arxiv_id="2001.08361")  # fmt: skip
    [entry] = parsed(get_bibtex(client, "/en/resources/scaling/bibtex/")[1])
    assert (entry.entry_type, entry.key) == ("misc", "kaplan2020scaling")
    values = fields(entry)
    assert (values["eprint"], values["archivePrefix"]) == ("2001.08361", "arXiv")
    assert not {"booktitle", "journal", "note", "primaryClass"} & values.keys()


def test_special_characters_are_escaped_and_read_back_as_written(client, make):
    paper(make, slug="hostile", title=HOSTILE_TITLE, authors=HOSTILE_AUTHORS,
          doi="10.1000/a_b%c{d}", url="https://example.org/a_b?x=1&y=%20")  # fmt: skip
    text = get_bibtex(client, "/en/resources/hostile/bibtex/")[1]
    [entry] = parsed(text)
    values = fields(entry)
    assert values["title"] == HOSTILE_TITLE
    assert values["author"] == (
        "Jürgen Sch_midhuber and Łukasz {Kaiser} and Ana O'Neil-Núñez and others"
    )
    # Identifiers are verbatim: no LaTeX, only the braces BibTeX would read as groups encoded.
    [raw] = parsed(text, decode=False)
    assert fields(raw)["doi"] == "10.1000/a_b%c%7Bd%7D"
    assert fields(raw)["url"] == "https://example.org/a_b?x=1&y=%20"
    # Encoded for LaTeX: "$" is a dollar, not math; capitals of acronyms kept by braces.
    assert r"50\% \& \$x\_1\$ \{braces\}" in text
    assert "{ImageNet\\_2}" in text and "Should {I} Trust" in text


def test_a_resource_that_is_not_a_published_paper_has_no_citation(client, make):
    make.resource(kind="book", slug="book")
    paper(make, slug="hidden", published=False)
    assert client.get("/en/resources/book/bibtex/").status_code == 404
    assert client.get("/en/resources/hidden/bibtex/").status_code == 404
    assert client.get("/en/resources/nothing/bibtex/").status_code == 404
    assert client.post("/en/resources/book/bibtex/").status_code == 405


def test_keys_are_stable_and_unique_within_a_file(make):
    twins = [paper(make, slug=f"twin-{n}", title=f"Attention {n}") for n in "ba"]
    other = paper(make, slug="other", title="Other", authors="Noam Shazeer")
    papers = [twins[0], other, twins[1]]
    keys = [entry.key for entry in parsed(citations.bibtex(papers))]
    # a and b in the order of their slugs, whatever the order of the file.
    assert keys == ["vaswani2017attentionb", "shazeer2017other", "vaswani2017attentiona"]
    assert [e.key for e in parsed(citations.bibtex(reversed(papers)))] == keys[::-1]
    assert citations.citation_key(twins[0]) == "vaswani2017attention"  # alone in its file


@pytest.mark.parametrize(
    ("authors", "names"),
    [
        ("A. One, B. Two and C. Three", ["A. One", "B. Two", "C. Three"]),
        ("A. One & B. Two", ["A. One", "B. Two"]),
        ("A. One, B. Two, et al.", ["A. One", "B. Two", "others"]),
        ("A. One et al", ["A. One", "others"]),
        ("Martin Luther King, Jr. and B. Two", ["King, Jr., Martin Luther", "B. Two"]),
        # Teams and affiliations in parentheses are credits, not authors.
        ("Daya Guo, Qihao Zhu, et al. (DeepSeek-AI)", ["Daya Guo", "Qihao Zhu", "others"]),
        ("A. One, et al. (Llama Team, AI @ Meta)", ["A. One", "others"]),
        ("Joshua Achiam (OpenAI)", ["Joshua Achiam"]),
        ("", []),
    ],
)
def test_authors_become_bibtex_names(authors, names):
    assert citations.bibtex_names(authors) == names


def paper_path(make, stages: int, steps_per_stage: int, **fields):
    """A published path whose steps are all papers but the first step of each stage."""
    path = make.path(stages=stages, steps_per_stage=steps_per_stage, **fields)
    steps = Step.objects.filter(path=path).order_by("stage__position", "position")
    papers = [s.resource_id for s in steps if s.position > 1]
    Resource.objects.filter(pk__in=papers).update(
        kind="paper", publication="journal", venue="Nature", authors="Ada Lovelace"
    )
    return path, [Resource.objects.get(pk=pk) for pk in papers]


def test_a_paths_file_cites_its_papers_in_path_order_and_a_stages_its_own(client, make):
    path, papers = paper_path(make, stages=2, steps_per_stage=3)
    response, text = get_bibtex(client, f"/en/paths/{path.slug}/bibtex/")
    assert response["Content-Disposition"] == f'inline; filename="{path.slug}.bib"'
    entries = parsed(text)
    assert [fields(e)["title"] for e in entries] == [p.title for p in papers]
    assert {e.entry_type for e in entries} == {"article"}
    assert len({e.key for e in entries}) == len(entries)
    assert get_bibtex(client, f"/en/paths/{path.slug}/bibtex/")[1] == text  # stable
    response, text = get_bibtex(client, f"/en/paths/{path.slug}/stages/2/bibtex/")
    assert response["Content-Disposition"] == f'inline; filename="{path.slug}-stage-2.bib"'
    assert [fields(e)["title"] for e in parsed(text)] == [p.title for p in papers[2:]]


def test_only_published_paths_and_their_existing_stages_have_a_file(client, make):
    draft, _ = paper_path(make, stages=1, steps_per_stage=2, status=PathStatus.DRAFT)
    published, _ = paper_path(make, stages=1, steps_per_stage=2)
    for url in [
        f"/en/paths/{draft.slug}/bibtex/",
        f"/en/paths/{draft.slug}/stages/1/bibtex/",
        f"/en/paths/{published.slug}/stages/2/bibtex/",
        "/en/paths/nowhere/bibtex/",
    ]:
        assert client.get(url).status_code == 404, url


def test_a_paper_page_has_a_cite_control_that_works_without_javascript(client, make):
    paper(make, slug="attention")
    for language in ("en", "zh-hans"):
        page = parse(client.get(f"/{language}/resources/attention/").content)
        [details] = page.find_all("details", class_="cite")
        assert details.find_all("summary")
        [pre] = details.find_all("pre")
        assert pre.text.startswith("@inproceedings{vaswani2017attention,")
        [entry] = parsed(pre.text)  # what the page shows is a valid entry
        assert entry.key == "vaswani2017attention"
        [link] = [a for a in details.find_all("a") if "bibtex" in a.attrs["href"]]
        assert link.attrs["href"] == f"/{language}/resources/attention/bibtex/"
        assert link.attrs["download"] == "vaswani2017attention.bib"
    book = parse(client.get(make.resource(kind="book").get_absolute_url()).content)
    assert not book.find_all("details", class_="cite")


def test_a_path_page_links_the_bibtex_of_the_path_and_of_the_stages_with_papers(client, make):
    path, _ = paper_path(make, stages=2, steps_per_stage=2)
    Resource.objects.filter(steps__stage__path=path, steps__stage__position=2).update(kind="book")
    for language in ("en", "zh-hans"):
        page = parse(client.get(f"/{language}/paths/{path.slug}/").content)
        links = [a.attrs["href"] for a in page.find_all("a") if "bibtex" in a.attrs["href"]]
        assert links == [
            f"/{language}/paths/{path.slug}/bibtex/",
            f"/{language}/paths/{path.slug}/stages/1/bibtex/",
        ]
    page = parse(client.get(f"/en/paths/{path.slug}/").content)
    path_link, stage_link = [a for a in page.find_all("a") if "bibtex" in a.attrs["href"]]
    assert path_link.text == "BibTeX of this path’s papers"
    # Each stage's link names its stage for those who hear it out of context.
    assert stage_link.text.startswith("BibTeX of this stage’s papers")
    assert [s.text for s in stage_link.find_all("span", class_="visually-hidden")] == ["(Stage 1)"]


@pytest.mark.parametrize("size", [5, 60])
def test_the_files_take_a_fixed_number_of_queries(client, make, size, django_assert_num_queries):
    path, papers = paper_path(make, stages=1, steps_per_stage=size + 1)
    with django_assert_num_queries(2):  # the path, its papers
        response = client.get(f"/en/paths/{path.slug}/bibtex/")
    assert len(parsed(response.content.decode())) == size == len(papers)
    with django_assert_num_queries(2):  # the stage, its papers
        client.get(f"/en/paths/{path.slug}/stages/1/bibtex/")
    with django_assert_num_queries(1):
        client.get(f"/en/resources/{papers[-1].slug}/bibtex/")
