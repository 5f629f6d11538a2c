"""A concept's milestones: the published papers on it, by year, drawn on its page as a list."""

import pytest
from django.utils import translation

from resources.models import Resource
from tests.html import parse
from tests.project.test_html_validity import validate, vnu  # noqa: F401 - vnu is a fixture


def timeline(html: str) -> list[tuple[str, list[tuple[str, str, bool]]]]:
    """The timeline as a reader meets it: (year shown, [(title, link, introduced)]) in order."""
    section = parse(html).find("section", class_="milestones")
    years = []
    for item in section.find("ol", class_="timeline").find_all("li", class_="timeline-year"):
        time = item.find("time")
        assert time.attrs["datetime"] == time.text  # a machine-readable year
        papers = [
            (
                paper.find("a").text,
                paper.find("a").attrs["href"],
                paper.find(class_="badge-introduced") is not None,
            )
            for paper in item.find_all("li", class_="milestone")
        ]
        years.append((time.text, papers))
    return years


@pytest.fixture
def attention(make):
    """A concept with papers linked every way, and what must stay off its timeline."""
    concept = make.concept(name="Attention", slug="attention")
    other = make.concept(slug="other")
    papers = {
        "bahdanau": make.resource(
            title="Neural Machine Translation by Jointly Learning to Align and Translate",
            kind="paper",
            year=2014,
            venue="ICLR 2015",
            concepts=[concept],
        ),
        "transformer": make.resource(
            title="Attention Is All You Need", kind="paper", year=2017, concepts=[concept]
        ),
        # Introduced it without being listed among its papers: on the timeline all the same.
        "defines-only": make.resource(title="An idea named later", kind="paper", year=2015),
        "a-2017": make.resource(title="A later paper", kind="paper", year=2017, concepts=[concept]),
        "zh": make.resource(
            title="A paper with a Chinese title",
            title_zh="一篇有中文标题的论文",
            kind="paper",
            year=2018,
            concepts=[concept],
        ),
    }
    papers["bahdanau"].defines.add(concept)
    papers["defines-only"].defines.add(concept)
    make.resource(
        title="Hidden paper", kind="paper", year=2016, concepts=[concept], published=False
    )
    make.resource(title="A book on attention", kind="book", year=2016, concepts=[concept])
    make.resource(title="Undated paper", kind="paper", year=None, concepts=[concept])
    make.resource(title="A paper on something else", kind="paper", year=2016, concepts=[other])
    return concept, papers


def test_the_timeline_shows_the_papers_by_year_then_title_and_marks_who_introduced_it(
    client, attention
):
    _, papers = attention
    html = client.get("/en/concepts/attention/").content.decode()
    assert timeline(html) == [
        ("2014", [(papers["bahdanau"].title, papers["bahdanau"].get_absolute_url(), True)]),
        ("2015", [("An idea named later", papers["defines-only"].get_absolute_url(), True)]),
        (
            "2017",
            [
                ("A later paper", papers["a-2017"].get_absolute_url(), False),
                ("Attention Is All You Need", papers["transformer"].get_absolute_url(), False),
            ],
        ),
        ("2018", [("A paper with a Chinese title", papers["zh"].get_absolute_url(), False)]),
    ]
    section = parse(html).find("section", class_="milestones")
    assert section.find("h2").text == "Milestones"
    assert section.attrs["aria-labelledby"] == section.find("h2").attrs["id"]
    first = section.find("li", class_="milestone")
    assert first.find(class_="meta").text == "ICLR 2015"
    assert first.find(class_="badge-introduced").text == "Introduced this concept"
    title_zh = section.find(class_="title-zh")
    assert (title_zh.text, title_zh.attrs["lang"]) == ("一篇有中文标题的论文", "zh")
    # Unpublished papers, other kinds, undated papers and other concepts' papers are not on it.
    for absent in ("Hidden paper", "A book on attention", "Undated paper", "something else"):
        assert absent not in section.text
    assert ' style="' not in html.split("<main", 1)[1]  # a strict CSP allows no inline styles


def test_the_chinese_page_shows_the_same_timeline_with_chinese_links(client, attention):
    english = timeline(client.get("/en/concepts/attention/").content.decode())
    html = client.get("/zh-hans/concepts/attention/").content.decode()
    chinese = timeline(html)
    assert [year for year, _ in chinese] == ["2014", "2015", "2017", "2018"]
    assert chinese == [
        (year, [(title, "/zh-hans" + href.removeprefix("/en"), mark) for title, href, mark in ps])
        for year, ps in english
    ]
    section = parse(html).find("section", class_="milestones")
    with translation.override("zh-hans"):
        assert section.find("h2").text == translation.gettext("Milestones")
        introduced = translation.gettext("Introduced this concept")
    assert section.find(class_="badge-introduced").text == introduced


def test_a_concept_without_papers_has_no_timeline(client, make):
    concept = make.concept(slug="lonely")
    make.resource(title="Only a book", kind="book", concepts=[concept])
    make.resource(title="Unpublished", kind="paper", concepts=[concept], published=False)
    for language in ("en", "zh-hans"):
        page = parse(client.get(f"/{language}/concepts/lonely/").content)
        assert page.find("section", class_="milestones") is None
        assert page.find(id="milestones-title") is None


def test_a_paper_linked_both_ways_is_on_the_timeline_once(make, django_assert_num_queries):
    concept = make.concept()
    paper = make.resource(kind="paper", year=2020, concepts=[concept])
    paper.defines.add(concept)
    with django_assert_num_queries(1):
        found = list(Resource.objects.published().milestones_of(concept))
    assert [(p.pk, p.introduced) for p in found] == [(paper.pk, True)]


@pytest.mark.parametrize("papers", [5, 60])
def test_the_concept_page_query_count_does_not_grow_with_its_papers(
    client, make, django_assert_num_queries, papers
):
    concept = make.concept(slug="grows")
    for i in range(papers):
        paper = make.resource(
            title=f"Paper {i:02}",
            kind="paper",
            year=1990 + i % 30,
            concepts=[concept],
            tags=[f"t{i}"],
        )
        if i % 7 == 0:
            paper.defines.add(concept)
    # The catalogue version, the concept, its prerequisites and what it leads to, the
    # milestones, a few resources of each kind and their tags, the paths.
    with django_assert_num_queries(8):
        html = client.get("/en/concepts/grows/").content.decode()
    shown = [paper for _, year_papers in timeline(html) for paper in year_papers]
    assert len(shown) == papers
    assert sum(introduced for _, _, introduced in shown) == len(range(0, papers, 7))


def test_the_timeline_is_valid_html(client, attention, vnu, tmp_path):  # noqa: F811
    pages = {
        url: client.get(url).content.decode()
        for url in ("/en/concepts/attention/", "/zh-hans/concepts/attention/")
    }
    assert validate(vnu, pages, tmp_path) == {}


@pytest.fixture
def curated(curated_catalogue, db):
    """The curated catalogue, seeded once for this module (tests/conftest.py)."""


def test_the_curated_concepts_show_their_landmark_papers(client, curated):
    def years_and_titles(slug):
        html = client.get(f"/en/concepts/{slug}/").content.decode()
        return [
            (year, title, introduced)
            for year, papers in timeline(html)
            for title, _, introduced in papers
        ]

    cnn = years_and_titles("convolutional-neural-networks")
    assert ("1998", "Gradient-Based Learning Applied to Document Recognition", True) in cnn
    lenet, alexnet, resnet = (
        [title for _, title, _ in cnn].index(t)
        for t in (
            "Gradient-Based Learning Applied to Document Recognition",
            "ImageNet Classification with Deep Convolutional Neural Networks",
            "Deep Residual Learning for Image Recognition",
        )
    )
    assert lenet < alexnet < resnet
    assert (cnn[alexnet][0], cnn[resnet][0]) == ("2012", "2015")

    transformer = years_and_titles("transformer")
    assert transformer[0] == ("2017", "Attention Is All You Need", True)
    titles = [title for _, title, _ in transformer]
    bert = titles.index(
        "BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding"
    )
    gpt3 = titles.index("Language Models are Few-Shot Learners")
    assert 0 < bert < gpt3
    assert (transformer[bert][0], transformer[gpt3][0]) == ("2018", "2020")
    # Every paper on the timeline is a published paper on the concept.
    assert len(transformer) == (
        Resource.objects.published().filter(kind="paper", concepts__slug="transformer").count()
    )
