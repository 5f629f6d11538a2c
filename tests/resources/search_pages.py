"""What a search page lists, read from its HTML as a visitor sees it: the slugs of the
concepts, learning paths and resources it shows, each group in its order."""

from __future__ import annotations

import re

from tests.html import parse

GROUPS = {"concepts": "concept-hits", "paths": "path-hits", "resources": "resource-hits"}
_LINK = re.compile(r"^/[a-z-]+/(concepts|paths|resources)/([^/?#]+)/$")


def listed(html: str | bytes) -> dict[str, list[str]]:
    """{group: [slug, …]} for each group the page shows (an absent group lists nothing)."""
    tree = parse(html)
    shown: dict[str, list[str]] = {}
    for group, heading in GROUPS.items():
        slugs: list[str] = []
        for section in tree.find_all("section", aria_labelledby=heading):
            for link in section.find_all("a"):
                match = _LINK.match(link.attrs.get("href") or "")
                if match and match.group(1) == group and match.group(2) not in slugs:
                    slugs.append(match.group(2))
        shown[group] = slugs
    return shown
