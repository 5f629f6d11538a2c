"""Read an Atom feed back as a feed reader would, checking what RFC 4287 requires of it."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET  # nosec B405: parses the site's own output
from dataclasses import dataclass
from urllib.parse import urlsplit

NS = "http://www.w3.org/2005/Atom"
A = f"{{{NS}}}"
CONTENT_TYPE = "application/atom+xml; charset=utf-8"


@dataclass
class Entry:
    id: str
    title: str
    updated: dt.datetime
    link: str
    author: str | None
    summary: str | None
    content: str | None


@dataclass
class Feed:
    root: ET.Element
    id: str
    title: str
    subtitle: str | None
    updated: dt.datetime
    self_link: str
    link: str
    language: str | None
    entries: list[Entry]

    @property
    def titles(self) -> list[str]:
        return [entry.title for entry in self.entries]

    def links(self) -> list[str]:
        """Every href in the feed, its own and its entries'."""
        return [link.get("href") for link in self.root.iter(f"{A}link")]


def _one(parent: ET.Element, name: str) -> ET.Element:
    found = parent.findall(f"{A}{name}")
    assert len(found) == 1, f"{len(found)} <{name}> in <{parent.tag}>"
    return found[0]


def _text(parent: ET.Element, name: str) -> str:
    text = _one(parent, name).text or ""
    assert text.strip(), f"empty <{name}>"
    return text


def _optional(parent: ET.Element, name: str) -> str | None:
    element = parent.find(f"{A}{name}")
    return None if element is None else element.text


def _date(parent: ET.Element, name: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(_text(parent, name))
    assert value.tzinfo is not None, f"<{name}> without a time zone"
    return value


def _absolute(url: str) -> str:
    parts = urlsplit(url)
    assert parts.scheme in {"http", "https"} and parts.netloc, f"not absolute: {url}"
    return url


def _link(parent: ET.Element, rel: str) -> str:
    links = [link for link in parent.findall(f"{A}link") if link.get("rel", "alternate") == rel]
    assert len(links) == 1, f"{len(links)} <link rel={rel}> in <{parent.tag}>"
    return _absolute(links[0].get("href", ""))


def read_feed(response) -> Feed:
    """The feed of a 200 response, checked: the feed has one id, title, updated, self link and
    alternate link, and an author; every entry one id, title, updated and alternate link; ids
    are unique and every link is absolute."""
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == CONTENT_TYPE
    root = ET.fromstring(response.content)  # noqa: S314  # nosec B314: the site's own output
    assert root.tag == f"{A}feed"
    assert root.find(f"{A}author/{A}name") is not None  # entries without one inherit it
    entries = []
    for entry in root.findall(f"{A}entry"):
        content = entry.find(f"{A}content")
        summary = entry.find(f"{A}summary")
        for element in (content, summary):
            assert element is None or element.get("type") == "html"
        entries.append(
            Entry(
                id=_text(entry, "id"),
                title=_text(entry, "title"),
                updated=_date(entry, "updated"),
                link=_link(entry, "alternate"),
                author=entry.findtext(f"{A}author/{A}name"),
                summary=None if summary is None else summary.text,
                content=None if content is None else content.text,
            )
        )
    ids = [_text(root, "id"), *(entry.id for entry in entries)]
    assert len(set(ids)) == len(ids), f"ids repeat: {ids}"
    return Feed(
        root=root,
        id=ids[0],
        title=_text(root, "title"),
        subtitle=_optional(root, "subtitle"),
        updated=_date(root, "updated"),
        self_link=_link(root, "self"),
        link=_link(root, "alternate"),
        language=root.get("{http://www.w3.org/XML/1998/namespace}lang"),
        entries=entries,
    )
