"""A layered drawing of the concept prerequisite graph, computed on the server.

The classic Sugiyama recipe, kept small: (1) longest-path layering, so that every concept sits one
row below its deepest prerequisite; (2) a placeholder ("dummy") in every row that a long edge
passes through, so that edges run between the boxes instead of through them; (3) a few barycentre
sweeps that reorder each row by the average position of its neighbours, which removes most edge
crossings; (4) coordinates. Rows run top to bottom because the graph is deep and narrow: that way
it fits a laptop's width and scrolls the way pages do. The result is plain data that a template
turns into SVG; no JavaScript and no external service.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise

from resources.search.text import segmenter

NODE_WIDTH = 184
NODE_HEIGHT = 58
ROW_GAP = 44  # between layers, room for the edges' curves
NODE_GAP = 16  # between neighbours in a layer
DUMMY_WIDTH = 12
MARGIN = 8
LINE_CHARS = 23  # characters of a concept name per line at the map's font size
SWEEPS = 4
# Concepts per layer of the whole map: four boxes and the edges' lanes between them fit the
# page's column on a laptop, so a catalogue of any size grows the map downwards, not sideways.
MAP_MAX_PER_LAYER = 4


@dataclass(frozen=True)
class NodeMark:
    """A word a page puts on a node, as a line under its names, with a class for its box
    (`graph-node-<name>`): how an app above the catalogue marks concepts (a learner's states)
    without the map knowing what the marks mean."""

    name: str  # a CSS class suffix: letters and dashes
    text: str  # shown in the node, and after its name in the list of relations


@dataclass
class MapNode:
    key: Hashable
    label: str  # the name in the page's language
    other: str = ""  # the name in the other language, smaller below
    lang: str = "en"  # BCP 47 tags of the two
    other_lang: str = "zh-Hans"
    url: str = ""
    current: bool = False
    mark: NodeMark | None = None
    layer: int = 0
    x: float = 0
    y: float = 0
    lines: list[str] = field(default_factory=list)
    other_lines: list[str] = field(default_factory=list)

    @property
    def width(self) -> int:
        return NODE_WIDTH

    @property
    def height(self) -> int:
        return NODE_HEIGHT

    @property
    def text_x(self) -> float:
        return self.x + NODE_WIDTH / 2

    @property
    def text_lines(self) -> list[tuple[str, float, str, str]]:
        """(text, baseline, CSS class, language) of every line, the name's, the other name's,
        then the mark's (in the page's language), centred vertically in the node."""
        rows = [(line, "graph-label", self.lang) for line in self.lines]
        rows += [(line, "graph-label-other", self.other_lang) for line in self.other_lines]
        if self.mark is not None:
            rows.append((self.mark.text, "graph-mark", ""))
        top = self.y + NODE_HEIGHT / 2 - len(rows) * 8 + 12
        return [(text, top + 16 * i, css, lang) for i, (text, css, lang) in enumerate(rows)]


@dataclass
class MapEdge:
    source: MapNode  # the prerequisite
    target: MapNode  # the concept that requires it
    d: str = ""  # SVG path data


@dataclass
class MapLayout:
    nodes: list[MapNode]
    edges: list[MapEdge]
    width: int
    height: int
    layers: int

    @property
    def relations(self) -> list[tuple[MapNode, list[MapNode]]]:
        """Each node that has prerequisites, with them: the map's text alternative."""
        required: dict[Hashable, list[MapNode]] = {}
        for edge in self.edges:
            required.setdefault(edge.target.key, []).append(edge.source)
        return [
            (node, sorted(required[node.key], key=lambda n: n.label))
            for node in sorted(self.nodes, key=lambda n: (n.layer, n.label))
            if node.key in required
        ]


def _columns(text: str) -> int:
    """Display width in columns: a CJK character takes two (east-asian wide or full-width)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


# A word, or one CJK character (Chinese breaks between any two), with the spaces before it.
_TOKEN = re.compile(
    r"(\s*)([\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]|[^\s\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]+)"
)


def _tokens(text: str, width: int) -> Iterator[tuple[str, str]]:
    """(spaces before, token) of `text`: its words, Chinese cut into words by jieba (so that a
    line never ends inside 强化学习), a Chinese word too wide for a line into characters."""
    chinese: list[str] = []
    for space, token in _TOKEN.findall(text):
        if _columns(token) == 2 and not space and chinese:
            chinese[-1] += token
            continue
        if chinese:
            yield from _chinese_words(chinese.pop(), width)
        if _columns(token) == 2:
            chinese.append(space + token)
        else:
            yield space, token
    if chinese:
        yield from _chinese_words(chinese.pop(), width)


def _chinese_words(run: str, width: int) -> Iterator[tuple[str, str]]:
    space = run[: len(run) - len(run.lstrip())]
    for word in segmenter().cut(run.lstrip()):
        if _columns(word) > width:
            for character in word:
                yield space, character
                space = ""
        else:
            yield space, word
        space = ""


def wrap(text: str, width: int = LINE_CHARS, max_lines: int = 2) -> list[str]:
    """Break `text` into at most `max_lines` lines of about `width` columns (a Chinese
    character counts two; Chinese breaks between words, as jieba cuts them, other scripts at
    spaces), with an ellipsis if it does not fit (the full name is in the node's tooltip)."""
    lines: list[str] = []
    current = ""
    for space, token in _tokens(text, width):
        candidate = f"{current}{' ' if space and current else ''}{token}"
        if _columns(candidate) <= width or not current:
            current = candidate
        else:
            lines.append(current)
            current = token
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], " ".join(lines[max_lines - 1 :])]
    return [_fit(line, width) for line in lines]


def _fit(line: str, width: int) -> str:
    if _columns(line) <= width:
        return line
    while line and _columns(line) > width - 1:
        line = line[:-1]
    return line.rstrip() + "…"


def longest_path_layers(
    keys: Sequence[Hashable], edges: Iterable[tuple[Hashable, Hashable]]
) -> dict[Hashable, int]:
    """Layer of each key: 0 without prerequisites, else one more than its deepest prerequisite.

    `edges` are (prerequisite, concept) pairs. The graph must be acyclic (the admin refuses
    cycles); should one slip in, the nodes on it are put after everything else instead of
    looping forever.
    """
    prerequisites: dict[Hashable, list[Hashable]] = {key: [] for key in keys}
    for source, target in edges:
        prerequisites[target].append(source)
    layer: dict[Hashable, int] = {}
    visiting: set[Hashable] = set()

    def visit(key: Hashable) -> int:
        if key in layer:
            return layer[key]
        if key in visiting:  # a cycle: break it here
            return 0
        visiting.add(key)
        depth = max((visit(p) + 1 for p in prerequisites[key]), default=0)
        visiting.discard(key)
        layer[key] = depth
        return depth

    for key in keys:
        visit(key)
    return layer


def bounded_layers(
    keys: Sequence[Hashable], edges: Iterable[tuple[Hashable, Hashable]], max_per_layer: int
) -> dict[Hashable, int]:
    """Layers like `longest_path_layers`, but with at most `max_per_layer` keys in a layer.

    List scheduling (the idea behind Coffman–Graham layering; Di Battista et al., *Graph
    Drawing*, 1999, §9.1): keys are taken in order of their longest-path layer, then of
    `keys`, and each goes to the first layer below all its prerequisites that has room. A
    prerequisite still sits above everything that requires it; a wide graph becomes a taller,
    narrower one that fits a phone's width.
    """
    edge_list = list(edges)
    depth = longest_path_layers(keys, edge_list)
    prerequisites: dict[Hashable, list[Hashable]] = {key: [] for key in keys}
    for source, target in edge_list:
        prerequisites[target].append(source)
    place = {key: i for i, key in enumerate(keys)}
    layer: dict[Hashable, int] = {}
    filled: dict[int, int] = {}
    for key in sorted(keys, key=lambda k: (depth[k], place[k])):
        # A cycle's back edge (the admin refuses them) points at a key not placed yet: ignored.
        below = max((layer[p] + 1 for p in prerequisites[key] if p in layer), default=0)
        while filled.get(below, 0) >= max(max_per_layer, 1):
            below += 1
        layer[key] = below
        filled[below] = filled.get(below, 0) + 1
    return layer


def count_crossings(
    columns: list[list[Hashable]], links: Iterable[tuple[Hashable, Hashable]]
) -> int:
    """Edge crossings between adjacent columns; `links` join a key to one in the next column."""
    position = {key: (c, i) for c, column in enumerate(columns) for i, key in enumerate(column)}
    by_gap: dict[int, list[tuple[int, int]]] = {}
    for a, b in links:
        (ca, ia), (cb, ib) = position[a], position[b]
        if ca > cb:
            (ca, ia), (cb, ib) = (cb, ib), (ca, ia)
        by_gap.setdefault(ca, []).append((ia, ib))
    crossings = 0
    for pairs in by_gap.values():
        for i, (a1, b1) in enumerate(pairs):
            for a2, b2 in pairs[i + 1 :]:
                if (a1 - a2) * (b1 - b2) < 0:
                    crossings += 1
    return crossings


def layered_layout(
    nodes: Sequence[MapNode],
    edges: Iterable[tuple[Hashable, Hashable]],
    *,
    max_per_layer: int | None = None,
) -> MapLayout:
    """Place `nodes` in layers top to bottom, prerequisites above what requires them.

    `edges` are (prerequisite key, concept key) pairs; pairs naming unknown keys are ignored.
    The input order of `nodes` is the starting order of each column (and breaks ties), so the
    same graph always gives the same picture. With `max_per_layer`, no layer holds more
    nodes than that (`bounded_layers`).
    """
    by_key = {node.key: node for node in nodes}
    edge_list = [(s, t) for s, t in edges if s in by_key and t in by_key and s != t]
    if max_per_layer is None:
        layer = longest_path_layers(list(by_key), edge_list)
    else:
        layer = bounded_layers(list(by_key), edge_list, max_per_layer)
    depth = max(layer.values(), default=-1) + 1

    # Layers of keys ("columns" of the ordering problem); long edges get one dummy per layer
    # they cross.
    columns: list[list[Hashable]] = [[] for _ in range(depth)]
    for node in nodes:
        node.layer = layer[node.key]
        node.lines = wrap(node.label)
        # Three lines fit a node: the other name gets what the name and the mark leave.
        room = 3 - len(node.lines) - (node.mark is not None)
        node.other_lines = wrap(node.other, max_lines=room) if node.other and room else []
        columns[node.layer].append(node.key)
    chains: list[tuple[Hashable, Hashable, list[Hashable]]] = []
    links: list[tuple[Hashable, Hashable]] = []  # between adjacent columns only
    for n, (source, target) in enumerate(edge_list):
        chain = [source]
        for column in range(layer[source] + 1, layer[target]):
            dummy = ("dummy", n, column)
            columns[column].append(dummy)
            chain.append(dummy)
        chain.append(target)
        links += list(pairwise(chain))
        chains.append((source, target, chain))

    left: dict[Hashable, list[Hashable]] = {}
    right: dict[Hashable, list[Hashable]] = {}
    for a, b in links:
        right.setdefault(a, []).append(b)
        left.setdefault(b, []).append(a)

    def reorder(column: list[Hashable], neighbours, index: dict[Hashable, int]) -> list[Hashable]:
        def barycentre(item: tuple[int, Hashable]) -> tuple[float, int]:
            i, key = item
            near = [index[k] for k in neighbours.get(key, []) if k in index]
            return (sum(near) / len(near) if near else i, i)

        return [key for _, key in sorted(enumerate(column), key=barycentre)]

    best = [list(c) for c in columns]
    best_crossings = count_crossings(best, links)
    for sweep in range(SWEEPS):
        ltr = sweep % 2 == 0
        order = range(1, depth) if ltr else range(depth - 2, -1, -1)
        for c in order:
            fixed = columns[c - 1] if ltr else columns[c + 1]
            index = {key: i for i, key in enumerate(fixed)}
            columns[c] = reorder(columns[c], left if ltr else right, index)
        crossings = count_crossings(columns, links)
        if crossings < best_crossings:
            best, best_crossings = [list(c) for c in columns], crossings
    columns = best

    # Coordinates: layers top to bottom; within a layer real nodes take a full slot and dummies
    # a thin one; every layer is centred on the widest.
    def row_width(row: list[Hashable]) -> float:
        slots = [NODE_WIDTH if k in by_key else DUMMY_WIDTH for k in row]
        return sum(slots) + NODE_GAP * max(len(slots) - 1, 0)

    inner_width = max((row_width(r) for r in columns), default=0)
    points: dict[Hashable, tuple[float, float]] = {}
    for r, row in enumerate(columns):
        y = MARGIN + r * (NODE_HEIGHT + ROW_GAP)
        x = MARGIN + (inner_width - row_width(row)) / 2
        for key in row:
            width = NODE_WIDTH if key in by_key else DUMMY_WIDTH
            if key in by_key:
                by_key[key].x, by_key[key].y = x, y
            points[key] = (x + width / 2, y)
            x += width + NODE_GAP

    map_edges = []
    for source, target, chain in chains:
        xs = [points[k] for k in chain]
        # Leave each box at the middle of its bottom edge and enter the next at the middle of
        # its top; dummies are passed straight through at the height of a box.
        way = [(xs[0][0], xs[0][1] + NODE_HEIGHT)]
        for x, y in xs[1:-1]:
            way += [(x, y), (x, y + NODE_HEIGHT)]
        way.append((xs[-1][0], xs[-1][1] - 2))  # stop short for the arrow head
        map_edges.append(MapEdge(by_key[source], by_key[target], _curve(way)))

    height = MARGIN * 2 + depth * NODE_HEIGHT + max(depth - 1, 0) * ROW_GAP
    return MapLayout(
        nodes=list(nodes),
        edges=map_edges,
        width=int(inner_width + MARGIN * 2),
        height=int(height),
        layers=depth,
    )


def _curve(points: list[tuple[float, float]]) -> str:
    """SVG path through `points`: straight runs where x is level, S-curves between layers."""
    (x0, y0), rest = points[0], points[1:]
    d = [f"M{x0:g},{y0:g}"]
    for x1, y1 in rest:
        if x1 == x0:
            d.append(f"V{y1:g}")
        else:
            mid = (y0 + y1) / 2
            d.append(f"C{x0:g},{mid:g} {x1:g},{mid:g} {x1:g},{y1:g}")
        x0, y0 = x1, y1
    return " ".join(d)


def concept_graph(
    concepts, links, *, current=None, max_per_layer=None, marks: Mapping | None = None
) -> MapLayout:
    """The layout for concepts (Concept rows, or anything with `pk`, `names` and
    `get_absolute_url()`) and (prerequisite_id, concept_id) pairs (`layered_layout`); `marks`
    gives some concepts a NodeMark, by id."""
    marks = marks or {}
    nodes = [
        MapNode(
            key=c.pk,
            label=name,
            other=other,
            lang="en" if other_lang != "en" else "zh-Hans",
            other_lang=other_lang,
            url=c.get_absolute_url(),
            current=current is not None and c.pk == current.pk,
            mark=marks.get(c.pk),
        )
        for c in concepts
        for name, other, other_lang in [c.names]
    ]
    return layered_layout(nodes, links, max_per_layer=max_per_layer)
