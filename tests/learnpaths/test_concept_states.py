"""A learner's state on each concept — done, ready or locked — on the map, the concept pages
and the dashboard: in text as well as colour, from one query of their statuses."""

import pytest
from django.test import Client

from learnpaths import services
from learnpaths.concept_states import DONE, LOCKED, READY, concept_catalogue, concept_states
from learnpaths.selectors import statuses_for
from resources.versions import catalogue_version
from tests.html import html_text, parse

# A signed-in learner's concept page when it is not cached: session, user (with the catalogue
# version), the concept with its prerequisites and what leads from it, its milestones, its
# resources, its paths, and the learner's statuses.
QUERIES = 10


@pytest.fixture
def chain(make):
    """basics ← middle ← deep (deep requires middle, which requires basics), each with one
    core resource; `extra` requires nothing and has no core resource."""

    def concept(slug, *requires):
        c = make.concept(name=slug.title(), slug=slug)
        c.prerequisites.add(*requires)
        resource = make.resource(title=f"{slug.title()} book", slug=f"{slug}-book")
        resource.core_for.add(c)
        return c, resource

    basics, basics_book = concept("basics")
    middle, middle_book = concept("middle", basics)
    deep, deep_book = concept("deep", middle)
    extra = make.concept(name="Extra", slug="extra")
    return {
        "basics": basics,
        "middle": middle,
        "deep": deep,
        "extra": extra,
        "books": {"basics": basics_book, "middle": middle_book, "deep": deep_book},
    }


def states_of(user):
    catalogue = concept_catalogue(version=catalogue_version())
    states = concept_states(catalogue, statuses_for(user))
    return {catalogue.by_id[pk].slug: state for pk, state in states.states.items()}


def test_a_new_learner_is_ready_for_concepts_without_prerequisites_only(chain, make):
    learner = make.user()
    assert states_of(learner) == {
        "basics": READY,
        "middle": LOCKED,
        "deep": LOCKED,
        "extra": READY,
    }


def test_done_or_skipped_core_resources_make_a_concept_done_and_unlock_the_next(chain, make):
    learner = make.user()
    books = chain["books"]
    services.progress_set(user=learner, resource_id=books["basics"].pk, status="skipped")
    assert states_of(learner) == {
        "basics": DONE,
        "middle": READY,
        "deep": LOCKED,
        "extra": READY,
    }
    services.progress_set(user=learner, resource_id=books["middle"].pk, status="in_progress")
    assert states_of(learner)["middle"] == READY  # in progress is not done
    services.progress_set(user=learner, resource_id=books["middle"].pk, status="done")
    assert states_of(learner)["deep"] == READY


def test_a_concept_is_done_only_when_every_published_core_resource_is(chain, make):
    learner = make.user()
    second = make.resource(title="Second basics book")
    second.core_for.add(chain["basics"])
    hidden = make.resource(title="Unpublished basics book", published=False)
    hidden.core_for.add(chain["basics"])
    services.progress_set(user=learner, resource_id=chain["books"]["basics"].pk, status="done")
    assert states_of(learner)["basics"] == READY
    services.progress_set(user=learner, resource_id=second.pk, status="done")
    assert states_of(learner)["basics"] == DONE  # the unpublished one does not count


def test_a_concept_without_core_resources_is_never_done(chain, make):
    learner = make.user()
    follower = make.concept(slug="after-extra")
    follower.prerequisites.add(chain["extra"])
    assert states_of(learner)["extra"] == READY
    assert states_of(learner)["after-extra"] == LOCKED


def test_marking_a_resource_core_in_the_admin_shows_at_once(chain, make):
    learner = make.user()
    assert states_of(learner)["extra"] == READY
    book = make.resource(title="Extra book")
    book.core_for.add(chain["extra"])  # the catalogue version goes up: a new structure
    services.progress_set(user=learner, resource_id=book.pk, status="done")
    assert states_of(learner)["extra"] == DONE


def node_marks(html):
    svg = parse(html).find("svg", class_="graph")
    marks = {}
    for node in svg.find_all("a", class_="graph-node"):
        mark = node.find("text", class_="graph-mark")
        classes = node.attrs["class"].split()
        marks[node.attrs["href"].split("/")[-2]] = (mark.text if mark else None, classes)
    return marks


def test_the_map_shows_each_concepts_state_in_text_and_class(chain, make, client):
    learner = make.user()
    services.progress_set(user=learner, resource_id=chain["books"]["basics"].pk, status="done")
    client.force_login(learner)
    html = client.get("/en/concepts/map/").content.decode()
    marks = node_marks(html)
    assert marks["basics"][0] == "✓ Done" and "graph-node-done" in marks["basics"][1]
    assert marks["middle"][0] == "→ Ready" and "graph-node-ready" in marks["middle"][1]
    assert marks["deep"][0] == "○ Locked" and "graph-node-locked" in marks["deep"][1]
    page = parse(html)
    # The counts and the rule, in words.
    standing = html_text(str(page.by_id("standing-title").text))
    assert standing == "Where you stand"
    text = html_text(html)
    assert "✓ Done 1 concept" in text and "→ Ready 2 concepts" in text
    assert "○ Locked 1 concept" in text
    assert "every resource the curators chose as core for it" in text
    # The list of relations says the states too.
    relations = page.by_id("concept-map-relations").text
    assert "Deep (○ Locked) requires Middle (→ Ready)" in relations


def test_the_anonymous_map_has_no_states_but_states_the_rule(chain, client):
    html = client.get("/en/concepts/map/").content.decode()
    assert all(mark is None for mark, _ in node_marks(html).values())
    text = html_text(html)
    assert "Sign in and the map shows where you stand" in text
    assert "every resource the curators chose as core for it" in text


def test_the_map_is_in_chinese_too(chain, make, client):
    client.force_login(make.user())
    html = client.get("/zh-hans/concepts/map/").content.decode()
    assert set(node_marks(html)) == {"basics", "middle", "deep", "extra"}


def test_one_learners_map_never_shows_another_learners_states(chain, make):
    ada, bob = make.user(), make.user()
    services.progress_set(user=ada, resource_id=chain["books"]["basics"].pk, status="done")
    clients = {}
    for user in (ada, bob):
        clients[user] = Client()
        clients[user].force_login(user)
    assert node_marks(clients[ada].get("/en/concepts/map/").content.decode())["basics"][0] == (
        "✓ Done"
    )
    assert node_marks(clients[bob].get("/en/concepts/map/").content.decode())["basics"][0] == (
        "→ Ready"
    )


def test_the_concept_page_says_the_state_and_why(chain, make, client):
    learner = make.user()
    client.force_login(learner)
    html = client.get("/en/concepts/deep/").content.decode()
    standing = parse(html).find("section", class_="concept-standing")
    assert "○ Locked" in standing.text
    assert "Locked: first do Middle." in standing.text
    assert standing.find("a", href="/en/concepts/middle/") is not None
    assert standing.find("a", href="/en/resources/deep-book/") is not None  # its core resource
    services.progress_set(user=learner, resource_id=chain["books"]["basics"].pk, status="done")
    services.progress_set(user=learner, resource_id=chain["books"]["middle"].pk, status="skipped")
    standing = parse(client.get("/en/concepts/deep/").content).find(
        "section", class_="concept-standing"
    )
    assert "→ Ready" in standing.text
    assert "Ready: you have done its prerequisites Middle." in standing.text
    standing = parse(client.get("/en/concepts/basics/").content).find(
        "section", class_="concept-standing"
    )
    assert "✓ Done" in standing.text
    standing = parse(client.get("/en/concepts/extra/").content).find(
        "section", class_="concept-standing"
    )
    assert "Ready: it requires no other concept." in standing.text
    assert "have not chosen its core resources" in standing.text


def test_anonymous_visitors_see_no_state_on_a_concept_page(chain, client):
    html = client.get("/en/concepts/deep/").content.decode()
    assert parse(html).find("section", class_="concept-standing") is None


@pytest.mark.parametrize("size", [5, 60])
def test_the_learners_map_takes_a_fixed_number_of_queries(
    make, client, django_assert_num_queries, size
):
    previous = None
    learner = make.user()
    for n in range(size):
        concept = make.concept()
        if previous is not None:
            concept.prerequisites.add(previous)
        book = make.resource()
        book.core_for.add(concept)
        if n % 2:
            services.progress_set(user=learner, resource_id=book.pk, status="done")
        previous = concept
    client.force_login(learner)
    # Session, user (with the catalogue version), the learner's statuses; the concept
    # catalogue (concepts, prerequisites, core resources) once per catalogue version.
    with django_assert_num_queries(3 + 3):
        html = client.get("/en/concepts/map/").content.decode()
    assert len(node_marks(html)) == size
    with django_assert_num_queries(2):  # the learner's page, cached until their next change
        client.get("/en/concepts/map/")
    services.progress_set(user=learner, resource_id=book.pk, status="skipped")
    with django_assert_num_queries(3):  # the concept catalogue is still cached
        client.get("/en/concepts/map/")


@pytest.mark.parametrize("size", [5, 60])
def test_the_concept_page_takes_a_fixed_number_of_queries_for_a_learner(
    make, client, django_assert_num_queries, size
):
    concepts = [make.concept() for _ in range(size)]
    for concept in concepts[1:]:
        concept.prerequisites.add(concepts[0])
        make.resource(concepts=[concept]).core_for.add(concept)
    learner = make.user()
    first_core = concepts[1].core_resources.get()
    services.progress_set(user=learner, resource_id=first_core.pk, status="done")
    client.force_login(learner)
    # The concept catalogue: three more, once per catalogue version.
    with django_assert_num_queries(QUERIES + 3):
        html = client.get(concepts[1].get_absolute_url()).content.decode()
    assert "Done: you have completed every core resource" in html
    other_core = concepts[2].core_resources.get()
    services.progress_set(user=learner, resource_id=other_core.pk, status="done")
    with django_assert_num_queries(QUERIES):
        client.get(concepts[1].get_absolute_url())


def test_the_concept_pages_neighbourhood_map_shows_the_states_too(chain, make, client):
    learner = make.user()
    services.progress_set(user=learner, resource_id=chain["books"]["basics"].pk, status="done")
    client.force_login(learner)
    marks = node_marks(client.get("/en/concepts/middle/").content.decode())
    assert {slug: text for slug, (text, _classes) in marks.items()} == {
        "basics": "✓ Done",
        "middle": "→ Ready",
        "deep": "○ Locked",
    }
    anonymous = node_marks(Client().get("/en/concepts/middle/").content.decode())
    assert all(text is None for text, _classes in anonymous.values())
