"""Directed graphs of the catalogue (concepts' prerequisites, paths' previous paths)."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from typing import TypeVar

K = TypeVar("K", bound=Hashable)


def cycle_through(start: K, edges: Mapping[K, Iterable[K]]) -> list[K] | None:
    """The chain [start, …, start] along `edges` (node → the nodes it points to) that leads
    back to `start`, or None when no chain does. Depth-first; O(nodes + edges)."""
    came_from: dict[K, K] = {}
    stack = [start]
    seen: set[K] = set()
    while stack:
        current = stack.pop()
        for nxt in edges.get(current, ()):
            if nxt == start:
                chain = [current]
                while chain[-1] != start:
                    chain.append(came_from[chain[-1]])
                return [*reversed(chain), start]
            if nxt not in seen:
                seen.add(nxt)
                came_from[nxt] = current
                stack.append(nxt)
    return None
