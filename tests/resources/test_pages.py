import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from learnpaths.models import LearningPath
from resources.models import Concept, Resource
from resources.search.index import index_stale


@pytest.fixture
def curated(curated_catalogue, db):
    """The curated catalogue, seeded once for this module (tests/conftest.py)."""


PAGES = [
    "/en/",
    "/en/concepts/",
    "/en/concepts/convolutional-neural-networks/",
    "/en/resources/",
    "/en/resources/attention-is-all-you-need/",
    "/en/resources/neurips/",
    "/en/tags/nlp/",
    "/en/search/?q=transformer",
    "/en/search/",
    "/en/paths/",
    "/en/paths/deep-learning-foundations/",
    "/healthz",
]


@pytest.mark.parametrize("url", PAGES)
def test_pages_render_with_the_curated_catalogue(client, curated, url):
    assert client.get(url).status_code == 200


def test_home_shows_featured_paths_concept_map_and_recent_resources(client, curated):
    html = client.get("/en/").content.decode()
    for path in LearningPath.objects.published().filter(featured=True):
        assert path.title in html
    assert "卷积神经网络" in html
    assert "Foundations" in html and "Architectures" in html


def test_concept_page_shows_relations_resources_and_paths(client, curated):
    concept = Concept.objects.get(slug="transformer")
    html = client.get(concept.get_absolute_url()).content.decode()
    assert concept.name_zh in html
    for prerequisite in concept.prerequisites.all():
        assert prerequisite.get_absolute_url() in html
    for following in concept.leads_to.all():
        assert following.get_absolute_url() in html
    assert "Attention Is All You Need" in html
    assert "Paper" in html  # resources are grouped by kind


def test_paper_page_links_to_arxiv_and_the_paths_it_is_in(client, curated):
    html = client.get("/en/resources/attention-is-all-you-need/").content.decode()
    assert "https://arxiv.org/abs/1706.03762" in html
    assert "/en/paths/from-rnns-to-transformers-and-llms/" in html


def test_conference_page_lists_its_editions(client, curated):
    html = client.get("/en/resources/neurips/").content.decode()
    assert "Editions" in html and "2025" in html and "San Diego" in html


def test_unpublished_resources_are_not_shown(client, make):
    hidden = make.resource(title="Hidden draft", published=False)
    assert client.get(hidden.get_absolute_url()).status_code == 404
    assert "Hidden draft" not in client.get("/en/resources/").content.decode()


def test_draft_paths_are_not_shown(client, make):
    draft = make.path(status="draft", title="Secret draft path")
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert "Secret draft path" not in client.get("/en/paths/").content.decode()


@pytest.mark.parametrize(
    "url",
    ["/en/concepts/nope/", "/en/resources/nope/", "/en/tags/nope/", "/en/paths/nope/", "/nope/"],
)
def test_unknown_slugs_are_404_in_the_sites_style(client, db, url):
    response = client.get(url)
    assert response.status_code == 404
    assert "We could not find that page" in response.content.decode()


def titles(response):
    return {resource.title for resource in response.context["page"]}


def test_filters_narrow_and_combine(client, make):
    nlp = make.concept(slug="nlp")
    make.resource(title="Free NLP book", kind="book", cost="free", concepts=[nlp], tags=["x"])
    make.resource(title="Paid NLP course", kind="course", cost="paid", concepts=[nlp])
    make.resource(title="Free vision paper", kind="paper", cost="free", tags=["x"])
    assert titles(client.get("/en/resources/", {"cost": "free"})) == {
        "Free NLP book", "Free vision paper"}  # fmt: skip
    assert titles(client.get("/en/resources/", {"cost": "free", "concept": "nlp"})) == {
        "Free NLP book"}  # fmt: skip
    assert titles(client.get("/en/resources/", {"kind": ["book", "course"]})) == {
        "Free NLP book", "Paid NLP course"}  # fmt: skip
    assert titles(client.get("/en/resources/", {"tag": "x", "kind": "paper"})) == {
        "Free vision paper"}  # fmt: skip
    assert titles(client.get("/en/resources/", {"language": "zh"})) == set()


def test_htmx_gets_the_results_alone_and_caches_are_told_the_answers_differ(client, make):
    make.resource(title="Free NLP book", cost="free")
    for _ in range(2):  # the second time from the page cache
        page = client.get("/en/resources/", {"cost": "free"})
        results = client.get("/en/resources/", {"cost": "free"}, headers={"HX-Request": "true"})
        assert "<html" in page.content.decode() and "<html" not in results.content.decode()
        assert "Free NLP book" in results.content.decode()
        for response in (page, results):
            assert "HX-Request" in response["Vary"]


def test_facet_counts_apply_the_other_filters(client, make):
    make.resource(kind="book", cost="free")
    make.resource(kind="book", cost="paid")
    make.resource(kind="paper", cost="free")
    facets = client.get("/en/resources/", {"kind": "book"}).context["facets"]
    kinds = {o.value: (o.count, o.selected) for o in facets["kind"]}
    costs = {o.value: o.count for o in facets["cost"]}
    # Kind counts ignore the kind filter itself, so the other kinds stay choosable.
    assert kinds == {"book": (2, True), "paper": (1, False)}
    assert costs == {"free": 1, "paid": 1}


def test_sorting(client, make):
    make.resource(title="B", year=2001)
    make.resource(title="A", year=2020)
    make.resource(title="C", year=2010)

    def order(sort):
        return [r.title for r in client.get("/en/resources/", {"sort": sort}).context["page"]]

    assert order("title") == ["A", "B", "C"]
    assert order("year") == ["A", "C", "B"]
    assert order("newest") == ["C", "A", "B"]


def test_tag_page_lists_tagged_resources(client, make):
    make.resource(title="Tagged", tags=["transformers"])
    make.resource(title="Untagged")
    response = client.get("/en/tags/transformers/")
    assert titles(response) == {"Tagged"}


def test_path_list_filters_by_level_and_topic(client, make):
    topic = make.concept(slug="vision")
    vision = make.path(title="Vision path", level="intermediate")
    vision.concepts.add(topic)
    make.path(title="Beginner path", level="beginner")
    listed = lambda **q: {p.title for p in client.get("/en/paths/", q).context["paths"]}  # noqa: E731
    assert listed(level="beginner") == {"Beginner path"}
    assert listed(topic="vision") == {"Vision path"}
    assert listed(level="nonsense") == {"Vision path", "Beginner path"}


def test_path_page_shows_stages_and_steps_in_order(client, make):
    path = make.path(stages=2, steps_per_stage=2)
    html = client.get(path.get_absolute_url()).content.decode()
    stage_titles = [html.index(f"Stage {n}") for n in (1, 2)]
    assert stage_titles == sorted(stage_titles)
    for step in Resource.objects.filter(steps__path=path):
        assert step.title in html


HOSTILE_PARAMS = [
    {"page": "abc"},
    {"page": "-1"},
    {"page": "99999999999999999999"},
    {"kind": "nonsense"},
    {"level": "'; DROP TABLE resources_resource; --"},
    {"sort": "<script>alert(1)</script>"},
    {"concept": "x" * 5000},
    {"tag": "\x00"},
    {"kind": ["book"] * 500},
    {"q": "a" * 100_000},
]


@pytest.mark.parametrize("params", HOSTILE_PARAMS)
@pytest.mark.parametrize("url", ["/en/resources/", "/en/search/", "/en/paths/", "/en/tags/nlp/"])
def test_bad_input_never_breaks_a_page(client, make, url, params):
    make.resource(title="Deep learning", tags=["nlp"])
    response = client.get(url, params)
    # A NUL character is refused up front (400) by RejectNulBytesMiddleware.
    has_nul = any("\x00" in str(value) for value in params.values())
    assert response.status_code == (400 if has_nul else 200)
    assert b"<script>alert(1)</script>" not in response.content


def test_unknown_filter_values_are_explained(client, curated):
    html = client.get("/en/resources/", {"kind": "spaceship"}).content.decode()
    assert "Ignored unknown filter value: kind=spaceship" in html


def count_queries(client, url, **params):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
        assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "url",
    [
        "/en/",
        "/en/resources/",
        "/en/concepts/",
        "/en/concepts/c/",
        "/en/tags/shared/",
        "/en/search/",
        "/en/paths/",
    ],
)
def test_list_pages_run_a_fixed_number_of_queries(client, make, url):
    concept = make.concept(slug="c")

    def add(n):
        for _ in range(n):
            make.resource(tags=["shared", f"t{make.counter}"], concepts=[concept])
            make.path(steps_per_stage=1, featured=True).concepts.add(concept)
        index_stale()  # what a search does first; counted by the queue's own test

    add(5)
    params = {"q": "resource"} if url == "/en/search/" else {}
    small = count_queries(client, url, **params)
    # A search reads three groups, the queue and the synonyms, and counts the filters.
    assert small <= (12 if url == "/en/search/" else 8)
    add(55)
    assert count_queries(client, url, **params) == small


def test_path_page_query_count_does_not_grow_with_steps(client, make, django_assert_num_queries):
    small = make.path(stages=1, steps_per_stage=5)
    large = make.path(stages=4, steps_per_stage=15)
    for path, questions in ((small, 1), (large, 3)):
        for stage in path.stages.all():
            for position in range(1, questions + 1):
                stage.self_checks.create(position=position, question="Why?", answer="Because.")
    for path in (small, large):
        # The catalogue version, then the path, its concepts, previous and next paths, stages,
        # steps and self-check questions.
        with django_assert_num_queries(7):
            client.get(path.get_absolute_url())
        # Cached: only the catalogue version is read.
        with django_assert_num_queries(1):
            page = client.get(path.get_absolute_url()).content.decode()
            assert "Stage 1" in page and "Because." in page


def test_resource_detail_query_count_is_fixed(client, make, django_assert_num_queries):
    resource = make.resource(tags=["a", "b", "c"], concepts=[make.concept(), make.concept()])
    for _ in range(3):
        path = make.path()
        path.stages.get().steps.create(position=2, resource=resource, note="x", path=path)
    with django_assert_num_queries(5):  # catalogue version, resource, tags, concepts, paths
        client.get(resource.get_absolute_url())
    with django_assert_num_queries(1):
        assert resource.title in client.get(resource.get_absolute_url()).content.decode()


def test_conference_page_reads_its_editions_in_one_more_query(
    client, make, django_assert_num_queries
):
    conference = make.resource(kind="conference", tags=["a"], concepts=[make.concept()])
    for year in (2024, 2025, 2026):
        conference.editions.create(year=year, location=f"City {year}")
    # Catalogue version, resource, tags, concepts, editions (with their hosts), their
    # deadlines, the workshops they host, paths.
    with django_assert_num_queries(8):
        html = client.get(conference.get_absolute_url()).content.decode()
    assert html.index("City 2026") < html.index("City 2025") < html.index("City 2024")
