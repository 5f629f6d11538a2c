"""Read pages as a browser would: elements with their attributes and text, not substrings.

The one HTML reader of the tests: `parse` gives the element tree; `elements`, `hrefs`, `ids`,
`texts` and `html_text` are flat views of it for the tests that only need those."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    children: list[Element | str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The text inside, whitespace collapsed."""
        parts = [c if isinstance(c, str) else c.text for c in self.children]
        return " ".join("".join(parts).split())

    def iter(self):
        yield self
        for child in self.children:
            if isinstance(child, Element):
                yield from child.iter()

    def find_all(self, tag: str | None = None, **attrs: str) -> list[Element]:
        """Elements with this tag (any if None) whose attributes have these values; `class_`
        matches one class among several, `for_` the attribute for, other underscores stand for
        dashes."""
        found = []
        for element in self.iter():
            if tag is not None and element.tag != tag:
                continue
            if all(_matches(element, name, value) for name, value in attrs.items()):
                found.append(element)
        return found

    def find(self, tag: str | None = None, **attrs: str) -> Element | None:
        found = self.find_all(tag, **attrs)
        return found[0] if found else None

    def by_id(self, id_: str) -> Element:
        (element,) = self.find_all(id=id_)
        return element


def _matches(element: Element, name: str, value: str) -> bool:
    if name == "class_":
        return value in element.attrs.get("class", "").split()
    # for_ is the attribute "for" (a keyword in Python); other underscores stand for dashes.
    return element.attrs.get(name.removesuffix("_").replace("_", "-")) == value


class _Builder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Element("#root", {})
        self.stack = [self.root]
        self.flat: list[tuple[str, dict[str, str | None]]] = []  # start tags, attributes as given

    def handle_starttag(self, tag, attrs):
        element = Element(tag, {name: value or "" for name, value in attrs})
        self.flat.append((tag, dict(attrs)))
        self.stack[-1].children.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_endtag(self, tag):
        for index in range(len(self.stack) - 1, 0, -1):
            if self.stack[index].tag == tag:
                del self.stack[index:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def _build(html: str | bytes) -> _Builder:
    builder = _Builder()
    builder.feed(html.decode() if isinstance(html, bytes) else html)
    builder.close()
    return builder


def parse(html: str | bytes) -> Element:
    """The document's element tree, under a root element named "#root"."""
    return _build(html).root


def elements(html: str | bytes) -> list[tuple[str, dict[str, str | None]]]:
    """Every start tag of `html` as (name, attributes), in document order."""
    return _build(html).flat


def hrefs(html: str | bytes) -> list[str]:
    return [attrs["href"] for tag, attrs in elements(html) if tag == "a" and attrs.get("href")]


def ids(html: str | bytes) -> list[str]:
    return [attrs["id"] for _, attrs in elements(html) if attrs.get("id")]


def texts(html: str | bytes) -> list[tuple[str, str]]:
    """Every run of text in `html` with the name of the element it is directly in ("" at the
    top level)."""

    def walk(element: Element):
        for child in element.children:
            if isinstance(child, str):
                yield ("" if element is root else element.tag), child
            else:
                yield from walk(child)

    root = parse(html)
    return list(walk(root))


def html_text(html: str | bytes) -> str:
    """The text of `html` as a reader sees it, whitespace collapsed."""
    return " ".join("".join(text for _, text in texts(html)).split())
