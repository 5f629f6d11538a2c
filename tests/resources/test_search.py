import pytest
from django.core.management import call_command
from django.db import connection

from resources.search import refresh_search_vectors

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL search; CI runs the suite there too"
)


def found(client, q):
    response = client.get("/en/search/", {"q": q})
    assert response.status_code == 200
    return [resource.title for resource in response.context["page"]]


@pytest.fixture
def catalogue(make):
    cnn = make.concept(name="Convolutional neural networks", name_zh="卷积神经网络", slug="cnn")
    attention = make.concept(name="Attention", name_zh="注意力机制", slug="attention")
    make.resource(
        title="ImageNet Classification with Deep Convolutional Neural Networks",
        concepts=[cnn],
        description="The AlexNet paper.",
    )
    make.resource(
        title="Attention Is All You Need",
        concepts=[attention],
        description="Introduces the Transformer architecture.",
    )
    make.resource(
        title="Dive into Deep Learning",
        title_zh="动手学深度学习",
        description="Interactive book.",
        tags=["textbook"],
    )
    make.resource(
        title="A survey that mentions attention in passing",
        description="Attention Is All You Need is cited here.",
    )
    make.resource(title="Unrelated course", concepts=[], description="Statistics basics.")
    refresh_search_vectors()


def test_search_finds_by_title(client, catalogue):
    assert "Attention Is All You Need" in found(client, "attention")


def test_search_finds_by_concept_name(client, catalogue):
    assert "ImageNet Classification with Deep Convolutional Neural Networks" in found(
        client, "convolutional"
    )
    assert found(client, "transformer")[0] == "Attention Is All You Need"


def test_chinese_terms_find_concepts_and_resources(client, catalogue):
    response = client.get("/en/search/", {"q": "卷积"})
    assert [c.slug for c in response.context["concepts"]] == ["cnn"]
    # The same search again comes from the page cache (no context): read the page's titles.
    assert [r.title for r in response.context["page"]] == [
        "ImageNet Classification with Deep Convolutional Neural Networks"
    ]
    assert found(client, "动手学") == ["Dive into Deep Learning"]


def test_exact_title_match_ranks_first(client, catalogue):
    assert found(client, "Attention Is All You Need")[0] == "Attention Is All You Need"


def test_empty_and_fruitless_searches_say_so_and_suggest_concepts(client, catalogue):
    html = client.get("/en/search/", {"q": ""}).content.decode()
    assert "Type a topic" in html and "Popular concepts" in html
    html = client.get("/en/search/", {"q": "zzzzqqq"}).content.decode()
    assert "No resource matches “zzzzqqq”" in html and "Popular concepts" in html


def test_search_escapes_the_query_it_echoes(client, catalogue):
    html = client.get("/en/search/", {"q": "<img src=x onerror=alert(1)>"}).content.decode()
    assert "<img src=x onerror" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


@on_postgresql
def test_search_tolerates_typos_on_postgresql(client, catalogue):
    assert "Attention Is All You Need" in found(client, "atention")


@on_postgresql
def test_search_weights_titles_above_descriptions_on_postgresql(client, catalogue):
    results = found(client, "attention need")
    assert results.index("Attention Is All You Need") < results.index(
        "A survey that mentions attention in passing"
    )


@on_postgresql
def test_search_vector_has_a_gin_index_that_the_planner_uses(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'resource_search_vector_gin'"
        )
        assert "USING gin (search_vector)" in cursor.fetchone()[0]
        cursor.execute("SET enable_seqscan = off")
        cursor.execute(
            "EXPLAIN SELECT id FROM resources_resource "
            "WHERE search_vector @@ websearch_to_tsquery('english', 'attention')"
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET enable_seqscan = on")
    assert "resource_search_vector_gin" in plan


@pytest.mark.django_db
def test_curated_search_in_english_and_chinese(client):
    call_command("seed", verbosity=0)
    assert "Attention Is All You Need" in found(client, "attention")[:3]
    response = client.get("/en/search/", {"q": "卷积"})
    assert "convolutional-neural-networks" in [c.slug for c in response.context["concepts"]]
    assert list(response.context["page"])
