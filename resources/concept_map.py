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

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise

NODE_WIDTH = 176
NODE_HEIGHT = 58
ROW_GAP = 44  # between layers, room for the edges' curves
NODE_GAP = 16  # between neighbours in a layer
DUMMY_WIDTH = 12
MARGIN = 8
LINE_CHARS = 22  # characters of a concept name per line at the map's font size
SWEEPS = 4


@dataclass
class MapNode:
    key: Hashable
    label: str
    label_zh: str = ""
    url: str = ""
    current: bool = False
    layer: int = 0
    x: float = 0
    y: float = 0
    lines: list[str] = field(default_factory=list)

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
    def label_lines(self) -> list[tuple[str, float]]:
        """The name's lines with their baselines, vertically centred with the Chinese name."""
        total = len(self.lines) + (1 if self.label_zh else 0)
        top = self.y + NODE_HEIGHT / 2 - total * 8 + 12
        return [(line, top + 16 * i) for i, line in enumerate(self.lines)]

    @property
    def zh_y(self) -> float:
        total = len(self.lines) + 1
        return self.y + NODE_HEIGHT / 2 - total * 8 + 12 + 16 * len(self.lines)


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


def wrap(text: str, width: int = LINE_CHARS, max_lines: int = 2) -> list[str]:
    """Break `text` into at most `max_lines` lines of about `width` characters, with an ellipsis
    if it does not fit (the full name is in the text alternative and the node's tooltip)."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if len(candidate) <= width or not current:
            current = candidate
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], " ".join(lines[max_lines - 1 :])]
    return [line if len(line) <= width else line[: width - 1].rstrip() + "…" for line in lines]


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
    nodes: Sequence[MapNode], edges: Iterable[tuple[Hashable, Hashable]]
) -> MapLayout:
    """Place `nodes` in layers top to bottom, prerequisites above what requires them.

    `edges` are (prerequisite key, concept key) pairs; pairs naming unknown keys are ignored.
    The input order of `nodes` is the starting order of each column (and breaks ties), so the
    same graph always gives the same picture.
    """
    by_key = {node.key: node for node in nodes}
    edge_list = [(s, t) for s, t in edges if s in by_key and t in by_key and s != t]
    layer = longest_path_layers(list(by_key), edge_list)
    depth = max(layer.values(), default=-1) + 1

    # Layers of keys ("columns" of the ordering problem); long edges get one dummy per layer
    # they cross.
    columns: list[list[Hashable]] = [[] for _ in range(depth)]
    for node in nodes:
        node.layer = layer[node.key]
        node.lines = wrap(node.label)
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


def concept_graph(concepts, links, *, current=None) -> MapLayout:
    """The layout for Concept rows and (prerequisite_id, concept_id) pairs."""
    nodes = [
        MapNode(
            key=c.pk,
            label=c.name,
            label_zh=c.name_zh,
            url=c.get_absolute_url(),
            current=current is not None and c.pk == current.pk,
        )
        for c in concepts
    ]
    return layered_layout(nodes, links)
