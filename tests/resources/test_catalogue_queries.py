"""The catalogue pages' reads cost the same whatever the size of the catalogue: facet counts in
two queries, a concept page showing a few resources of each kind, cards without a query each."""

import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from resources import selectors
from resources.models import Cost, Language, Level, Resource, ResourceKind
from tests.html import parse

PER_KIND = selectors.CONCEPT_RESOURCES_PER_KIND


def facet_counts(params: dict) -> dict[str, dict[str, int]]:
    from django.http import QueryDict

    query = QueryDict(mutable=True)
    for name, values in params.items():
        query.setlist(name, values if isinstance(values, list) else [values])
    facets = selectors.resource_facets(selectors.ResourceFilters.from_query(query))
    return {name: {o.value: o.count for o in options} for name, options in facets.items()}


def expected_counts(params: dict) -> dict[str, dict[str, int]]:
    """The facet counts worked out resource by resource: each option counted among the
    published resources that pass every filter but its own dimension's."""
    resources = list(Resource.objects.published().prefetch_related("concepts", "tags"))

    def passes(resource, skip):
        for name, values in params.items():
            values = values if isinstance(values, list) else [values]
            if name == skip:
                continue
            if name == "concept":
                slugs = {c.slug for c in resource.concepts.all()}
                if not set(values) <= slugs:
                    return False
            elif name == "tag":
                slugs = {t.slug for t in resource.tags.all()}
                if not set(values) <= slugs:
                    return False
            elif getattr(resource, name) not in values:
                return False
        return True

    counts: dict[str, dict[str, int]] = {}
    for name in [*selectors.CHOICE_FILTERS, "concept", "tag"]:
        tally: dict[str, int] = {}
        for resource in resources:
            if not passes(resource, name):
                continue
            if name == "concept":
                values = [c.slug for c in resource.concepts.all()]
            elif name == "tag":
                values = [t.slug for t in resource.tags.all()]
            else:
                values = [getattr(resource, name)]
            for value in values:
                tally[value] = tally.get(value, 0) + 1
        counts[name] = tally
    return counts


@pytest.fixture
def varied(make):
    """Resources in many combinations of kind, level, cost and language, some on concepts and
    tags, one unpublished."""
    nlp, vision = make.concept(slug="nlp"), make.concept(slug="vision")
    combos = itertools.product(
        [ResourceKind.BOOK, ResourceKind.PAPER, ResourceKind.COURSE],
        Level.values,
        [Cost.FREE, Cost.PAID],
        [Language.ENGLISH, Language.CHINESE],
    )
    for i, (kind, level, cost, language) in enumerate(combos):
        make.resource(
            kind=kind,
            level=level,
            cost=cost,
            language=language,
            concepts=[[nlp], [vision], [nlp, vision]][i % 3],
            tags=[["x"], ["y"], ["x", "y"], []][i % 4],
        )
    make.resource(kind=ResourceKind.BOOK, published=False, concepts=[nlp], tags=["x"])


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"kind": "book"},
        {"kind": ["book", "paper"], "level": "advanced"},
        {"cost": "free", "language": "zh", "concept": "nlp"},
        {"kind": "paper", "tag": "x", "concept": "vision"},
        {"level": ["beginner", "intermediate"], "tag": ["x", "y"], "cost": "paid"},
    ],
)
def test_each_facet_counts_with_the_other_filters_applied(varied, params):
    expected = expected_counts(params)
    assert facet_counts(params) == expected
    assert sum(expected["kind"].values())  # the fixture covers the case


def test_facets_take_two_queries_whatever_the_filters(varied, django_assert_num_queries):
    params = {"kind": ["book", "paper"], "level": "advanced", "concept": "nlp", "tag": "x"}
    with django_assert_num_queries(2):
        facet_counts(params)
    with django_assert_num_queries(2):
        facet_counts({})


def test_a_selected_option_without_matches_is_still_offered(varied):
    counts = facet_counts({"kind": "conference", "language": "multi"})
    assert counts["language"]["multi"] == 0
    assert counts["kind"]["conference"] == 0


def resource_titles(html: str) -> list[str]:
    return [
        card.find(class_="card-title").find("a").text
        for card in parse(html).find_all(class_="resource-card")
    ]


def test_concept_page_shows_a_few_of_each_kind_and_links_to_the_rest(client, make):
    concept = make.concept(slug="attention")
    papers = [make.resource(title=f"Paper {i:02}", kind="paper", concepts=[concept])
              for i in range(PER_KIND + 3)]  # fmt: skip
    books = [make.resource(title=f"Book {i}", kind="book", concepts=[concept]) for i in range(2)]
    make.resource(title="Hidden paper", kind="paper", concepts=[concept], published=False)
    html = client.get(concept.get_absolute_url()).content.decode()
    shown = resource_titles(html)
    assert shown == [b.title for b in books] + [p.title for p in papers[:PER_KIND]]
    links = [
        (p.find("a").attrs["href"], p.find("a").text)
        for p in parse(html).find_all("p", class_="more")
    ]
    assert links == [
        (
            "/en/resources/?concept=attention&kind=paper",
            f"All {PER_KIND + 3} of kind “Paper” on {concept.name} →",
        )
    ]
    # The link leads to all of them.
    listed = client.get("/en/resources/", {"concept": "attention", "kind": "paper"})
    assert {r.title for r in listed.context["page"]} == {p.title for p in papers}


def test_concept_page_query_count_does_not_grow_with_its_resources(client, make):
    small, large = make.concept(), make.concept()
    kinds = [ResourceKind.BOOK, ResourceKind.PAPER, ResourceKind.VIDEO]
    for i in range(5):
        make.resource(kind=kinds[i % 3], concepts=[small], tags=[f"t{i}", "shared"])
    for i in range(60):
        make.resource(kind=kinds[i % 3], concepts=[large], tags=[f"t{i}", "shared"])

    def queries(concept):
        with CaptureQueriesContext(connection) as captured:
            html = client.get(concept.get_absolute_url()).content.decode()
        assert "#shared" in html  # the cards' tags are on the page
        return len(captured)

    assert queries(small) == queries(large)


def test_cards_show_their_tags_without_a_query_each(client, make, django_assert_max_num_queries):
    for i in range(30):
        make.resource(title=f"R{i:02}", tags=[f"tag-{i}", "common"])
    response = client.get("/en/resources/")
    cards = parse(response.content).find_all(class_="resource-card")
    assert len(cards) == 24
    first = [a.text for a in cards[0].find("ul", class_="tags").find_all("a")]
    assert sorted(first) == ["#common", "#tag-0"]
    # The tags come with the list: reading them costs no query.
    resources = list(Resource.objects.published().order_by("title").for_list()[:24])
    with django_assert_max_num_queries(0):
        assert sorted(t.name for t in resources[1].card_tags) == ["common", "tag-1"]
