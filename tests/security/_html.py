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
