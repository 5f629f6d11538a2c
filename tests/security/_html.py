"""Small readers of rendered HTML for the hostile-input tests."""

from html.parser import HTMLParser


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


def elements(html: str | bytes) -> list[tuple[str, dict[str, str | None]]]:
    """Every start tag of `html` as (name, attributes), in document order."""
    collector = _Collector()
    collector.feed(html.decode() if isinstance(html, bytes) else html)
    return collector.elements


def hrefs(html: str | bytes) -> list[str]:
    return [attrs["href"] for tag, attrs in elements(html) if tag == "a" and attrs.get("href")]


def ids(html: str | bytes) -> list[str]:
    return [attrs["id"] for _, attrs in elements(html) if attrs.get("id")]


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class _Texts(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.found: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        if tag not in VOID:
            self.open.append(tag)

    def handle_endtag(self, tag):
        if tag in self.open:
            del self.open[len(self.open) - 1 - self.open[::-1].index(tag) :]

    def handle_data(self, data):
        self.found.append((self.open[-1] if self.open else "", data))


def texts(html: str | bytes) -> list[tuple[str, str]]:
    """Every run of text in `html` with the name of the element it is directly in."""
    parser = _Texts()
    parser.feed(html.decode() if isinstance(html, bytes) else html)
    return parser.found


def html_text(html: str | bytes) -> str:
    """The text of `html` as a reader sees it, whitespace collapsed."""
    return " ".join("".join(text for _, text in texts(html)).split())
