import re
from collections import Counter
from itertools import pairwise

import pytest

from resources.concept_map import (
    LINE_CHARS,
    MapNode,
    NodeMark,
    bounded_layers,
    count_crossings,
    layered_layout,
    longest_path_layers,
    wrap,
)
from resources.models import ConceptPrerequisite
from tests.html import parse


def nodes(*keys):
    return [MapNode(key=k, label=f"Concept {k}") for k in keys]


def test_a_concept_sits_one_layer_below_its_deepest_prerequisite():
    # a → b → c, and a → c directly: c goes under b, not under a.
    layers = longest_path_layers("abcd", [("a", "b"), ("b", "c"), ("a", "c")])
    assert layers == {"a": 0, "b": 1, "c": 2, "d": 0}


def test_a_cycle_does_not_loop_forever():
    layers = longest_path_layers("ab", [("a", "b"), ("b", "a")])
    assert set(layers) == {"a", "b"}


def test_every_edge_points_down_and_long_edges_avoid_the_boxes():
    layout = layered_layout(nodes(*"abcd"), [("a", "b"), ("b", "c"), ("a", "c"), ("c", "d")])
    by_key = {n.key: n for n in layout.nodes}
    assert [by_key[k].layer for k in "abcd"] == [0, 1, 2, 3]
    for edge in layout.edges:
        assert edge.source.y + edge.source.height <= edge.target.y
    # a → c passes layer 1 beside b, not through it.
    long_edge = next(e for e in layout.edges if (e.source.key, e.target.key) == ("a", "c"))
    xs = [float(x) for x in re.findall(r"[MC ](-?[\d.]+),", long_edge.d)]
    b = by_key["b"]
    assert any(x < b.x or x > b.x + b.width for x in xs)
    assert layout.layers == 4
    assert layout.width >= b.width and layout.height > 3 * b.height


def test_boxes_in_a_layer_do_not_overlap():
    layout = layered_layout(nodes(*"abcdefg"), [("a", k) for k in "bcdefg"])
    row = sorted((n for n in layout.nodes if n.layer == 1), key=lambda n: n.x)
    assert len(row) == 6
    for left, right in pairwise(row):
        assert left.x + left.width < right.x


def test_the_sweeps_remove_crossings_that_the_input_order_has():
    # Input order puts x's children in the opposite order to x and y: two crossings.
    keys = ["x", "y", "y1", "x1"]
    edges = [("x", "x1"), ("y", "y1")]
    assert count_crossings([["x", "y"], ["y1", "x1"]], edges) == 1
    layout = layered_layout(nodes(*keys), edges)
    by_key = {n.key: n for n in layout.nodes}
    assert by_key["x1"].x < by_key["y1"].x  # untangled


def test_the_same_graph_always_gives_the_same_picture():
    edges = [("a", "c"), ("b", "c"), ("c", "d"), ("a", "d")]
    first = layered_layout(nodes(*"abcd"), edges)
    second = layered_layout(nodes(*"abcd"), edges)
    assert [(n.x, n.y) for n in first.nodes] == [(n.x, n.y) for n in second.nodes]
    assert [e.d for e in first.edges] == [e.d for e in second.edges]


def test_long_names_wrap_to_two_lines_with_an_ellipsis():
    assert wrap("Attention") == ["Attention"]
    assert wrap("Recurrent neural networks (RNN, LSTM, GRU)") == [
        "Recurrent neural",
        "networks (RNN, LSTM, G…",
    ]


def test_relations_list_every_prerequisite_of_every_concept():
    layout = layered_layout(nodes(*"abc"), [("a", "c"), ("b", "c"), ("a", "b")])
    assert [(n.key, [p.key for p in ps]) for n, ps in layout.relations] == [
        ("b", ["a"]),
        ("c", ["a", "b"]),
    ]


def test_an_empty_graph_has_no_size_problems():
    layout = layered_layout([], [])
    assert layout.nodes == [] and layout.edges == [] and layout.layers == 0


@pytest.fixture
def concept_chain(make):
    def grow(n):
        previous = None
        for _ in range(n):
            concept = make.concept()
            if previous is not None:
                ConceptPrerequisite.objects.create(concept=concept, prerequisite=previous)
            previous = concept

    return grow


def test_the_map_page_draws_every_concept_as_a_link_and_lists_the_relations(client, make):
    basics = make.concept(name="Basics", slug="basics")
    deeper = make.concept(name="Deeper", slug="deeper")
    deeper.prerequisites.add(basics)
    html = client.get("/en/concepts/map/").content.decode()
    graph = parse(html).find("svg", class_="graph")
    assert len(graph.find_all("a", class_="graph-node")) == 2
    assert len(graph.find_all("path", class_="graph-edge")) == 1
    assert {a.attrs["href"] for a in graph.find_all("a", class_="graph-node")} == {
        "/en/concepts/basics/",
        "/en/concepts/deeper/",
    }
    assert re.search(
        r'<a href="/en/concepts/deeper/">Deeper</a> requires\s*'
        r'<a href="/en/concepts/basics/">Basics</a>',
        html,
    )
    assert ' style="' not in html.split("<main", 1)[1]  # a strict CSP allows no inline styles


def test_the_map_is_linked_from_the_home_and_concepts_pages(client, make):
    make.concept()
    for url in ("/en/", "/en/concepts/"):
        assert 'href="/en/concepts/map/"' in client.get(url).content.decode()


def test_the_map_page_runs_a_fixed_number_of_queries(
    client, concept_chain, django_assert_num_queries
):
    concept_chain(5)
    with django_assert_num_queries(2):
        assert client.get("/en/concepts/map/").status_code == 200
    concept_chain(60)
    with django_assert_num_queries(2):
        assert client.get("/en/concepts/map/").status_code == 200


def test_a_concept_page_draws_its_neighbourhood_one_level_each_way(client, make):
    names = ("First", "Middle", "Last", "Far")
    first, middle, last, far = (make.concept(name=n, slug=n.lower()) for n in names)
    middle.prerequisites.add(first)
    last.prerequisites.add(middle)
    far.prerequisites.add(last)
    html = client.get("/en/concepts/middle/").content.decode()
    graph = parse(html).find("svg", class_="graph")
    nodes = {a.attrs["href"]: a for a in graph.find_all("a", class_="graph-node")}
    assert set(nodes) == {"/en/concepts/first/", "/en/concepts/middle/", "/en/concepts/last/"}
    current = nodes["/en/concepts/middle/"]
    assert "graph-node-current" in current.attrs["class"].split()
    assert current.attrs.get("aria-current") == "page"
    assert len(graph.find_all("path", class_="graph-edge")) == 2


def test_a_concept_without_relations_shows_no_empty_picture(client, make):
    make.concept(slug="alone")
    assert parse(client.get("/en/concepts/alone/").content).find("svg", class_="graph") is None


ENGLISH, CHINESE = "Reinforcement learning from human feedback", "对齐与基于人类反馈的强化学习"


@pytest.mark.parametrize(
    ("language", "main", "other"),
    [
        ("en", (ENGLISH, "en"), (CHINESE, "zh-Hans")),
        ("zh-hans", (CHINESE, "zh-Hans"), (ENGLISH, "en")),
    ],
)
def test_a_node_names_its_concept_in_the_page_language_first_within_its_box(
    client, make, language, main, other
):
    make.concept(slug="rlhf", name=ENGLISH, name_zh=CHINESE)
    page = parse(client.get(f"/{language}/concepts/map/").content)
    (node,) = [a for a in page.find_all("a", class_="graph-node") if "/rlhf/" in a.attrs["href"]]
    lines = [(text.text, text.attrs["lang"]) for text in node.find_all("text")]
    assert [lang for _, lang in lines] == sorted(
        (lang for _, lang in lines), key=lambda lang: lang != main[1]
    )  # the main name's lines first, then the other's
    assert lines[0][1] == main[1] and lines[-1][1] == other[1] and len(lines) <= 3
    shown = "".join(text for text, lang in lines if lang == main[1]).replace(" ", "")
    assert main[0].replace(" ", "").startswith(shown.removesuffix("…"))
    for text, _lang in lines:  # within the box: LINE_CHARS columns, a Chinese character taking two
        assert sum(2 if "\u4e00" <= ch <= "\u9fff" else 1 for ch in text) <= LINE_CHARS, text


def _random_dag(size: int, seed: int = 17) -> list[tuple[int, int]]:
    import random

    rng = random.Random(seed)
    return [(rng.randrange(0, k), k) for k in range(1, size) for _ in range(rng.randint(1, 2))]


@pytest.mark.parametrize("size, bound", [(42, 4), (150, 4), (150, 2), (420, 4)])
def test_a_bounded_map_keeps_prerequisites_above_and_no_layer_wider_than_the_bound(size, bound):
    edges = _random_dag(size)
    layout = layered_layout(nodes(*range(size)), edges, max_per_layer=bound)
    by_key = {n.key: n for n in layout.nodes}

    for source, target in edges:
        assert by_key[source].layer < by_key[target].layer
    per_layer = Counter(n.layer for n in layout.nodes)
    assert max(per_layer.values()) <= bound
    boxes = sorted(layout.nodes, key=lambda n: (n.y, n.x))
    for left, right in pairwise(boxes):
        if left.y == right.y:
            assert left.x + left.width < right.x  # side by side, never on top of each other
        else:
            assert left.y + left.height < right.y
    unbounded = layered_layout(nodes(*range(size)), edges)
    assert layout.width <= unbounded.width


def test_bounded_layers_are_the_longest_path_ones_when_the_bound_is_not_reached():
    edges = [("a", "b"), ("b", "c"), ("a", "c")]
    assert bounded_layers("abcd", edges, 4) == longest_path_layers("abcd", edges)
    assert bounded_layers("abcd", edges, 1) == {"a": 0, "d": 1, "b": 2, "c": 3}


@pytest.mark.parametrize(
    ("name", "lines"),
    [
        # A line never ends inside a Chinese word: not "…的强" / "化学习" (化学 is chemistry).
        ("对齐与基于人类反馈的强化学习", ["对齐与基于人类反馈的", "强化学习"]),
        ("后训练与偏好优化", ["后训练与偏好优化"]),
        (
            "Post-training and preference optimisation",
            ["Post-training and", "preference optimisation"],
        ),
    ],
)
def test_names_wrap_between_words_in_both_languages(name, lines):
    assert wrap(name) == lines


def test_a_marked_node_shows_its_mark_under_its_names_within_three_lines():
    marked = MapNode(
        key="a",
        label="A concept with a name long enough for two lines",
        other="另一个名字",
        mark=NodeMark("done", "✓ Done"),
    )
    layout = layered_layout([marked, MapNode(key="b", label="Short", other="短")], [])
    node, plain = layout.nodes
    lines = [(text, css) for text, _y, css, _lang in node.text_lines]
    assert len(lines) == 3 and lines[-1] == ("✓ Done", "graph-mark")
    assert [css for _text, css in lines[:2]] == ["graph-label", "graph-label"]  # no room left
    assert [css for _text, _y, css, _lang in plain.text_lines] == [
        "graph-label",
        "graph-label-other",
    ]
    assert all(node.y < y < node.y + node.height for _text, y, _css, _lang in node.text_lines)
