"""Atom feeds (RFC 4287) with Django's syndication framework: what every feed of the site shares.

A feed is a `SiteFeed` subclass that names its items and their text; `SiteFeed` makes it a
valid Atom document: the feed's id is its own absolute URL, its author is the site (so that an
entry without authors of its own still has one), every entry has a stable id (a tag: URI from
the item's primary key, so that renaming a slug does not make readers show it again as new),
its title as plain text, the time it was last updated and its sanitised HTML as content.
Absolute URLs take the request's scheme and host: https behind the TLS proxy (gunicorn hands
Django the scheme the proxy forwarded).
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit

from django.contrib.syndication.views import Feed
from django.http import HttpRequest, HttpResponse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import get_language
from django.utils.xmlutils import SimplerXMLGenerator

SITE_NAME = "Learnpaths"
# How many entries a feed holds: the newest ones. Readers keep the entries they have seen.
FEED_LENGTH = 30
# Characters XML 1.0 cannot hold at all. No form lets a curator type them, but a title written
# through the shell or an old import must not make the whole feed fail (Django's XML writer
# raises on them): they are left out of the feed.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class _XMLWriter(SimplerXMLGenerator):
    def characters(self, content):
        super().characters(_NOT_XML.sub("", content) if content else content)


class AtomFeed(Atom1Feed):
    """Django's Atom writer, with each entry's HTML as its `content` (Django writes only a
    `summary`) and text that XML cannot hold left out."""

    def write(self, outfile, encoding):
        handler = _XMLWriter(outfile, encoding, short_empty_elements=True)
        handler.startDocument()
        handler.startElement("feed", self.root_attributes())
        self.add_root_elements(handler)
        self.write_items(handler)
        handler.endElement("feed")

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        if item.get("content"):
            handler.addQuickElement("content", item["content"], {"type": "html"})


def tag_uri(request: HttpRequest, created: dt.datetime, name: str) -> str:
    """A stable Atom id (RFC 4151 tag: URI) for the item `name` ("resource/12") created at
    `created`, in the page's language: "tag:learnpaths.example,2026-11-29:en/resource/12".
    Entries of the English and the Chinese feeds are told apart: their text differs."""
    host = urlsplit(request.build_absolute_uri("/")).hostname
    return f"tag:{host},{created.astimezone(dt.UTC):%Y-%m-%d}:{get_language()}/{name}"


class SiteFeed(Feed):
    """An Atom feed of the site; one instance answers one request (it keeps the request, for
    absolute ids). Subclasses give `title`, `subtitle`, `link`, `items`,
    `item_title`, `item_updateddate`, `item_created` (for the id), `item_content` (sanitised
    HTML) and may give `item_description` (a summary, sanitised HTML) and `item_author_name`."""

    feed_type = AtomFeed
    author_name = SITE_NAME
    # The id name of an item: "<id_prefix>/<pk>".
    id_prefix = ""

    def __call__(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        self.request = request
        response = super().__call__(request, *args, **kwargs)
        # The page cache stores only body and content type: a header that only a freshly
        # rendered feed had would make two answers to one URL differ (nothing answers a
        # conditional GET with 304 anyway).
        response.headers.pop("Last-Modified", None)
        return response

    def feed_guid(self) -> str:
        return self.request.build_absolute_uri(self.request.path)

    def item_guid(self, item) -> str:
        return tag_uri(self.request, self.item_created(item), f"{self.id_prefix}/{item.pk}")

    def item_title(self, item) -> str:
        # Atom titles are text: the XML writer escapes them (Django's default escapes HTML
        # once more, for RSS readers, and a reader would show "&amp;").
        return str(item)

    def item_description(self, item) -> str | None:
        return None

    def item_extra_kwargs(self, item) -> dict:
        return {"content": self.item_content(item)}

    def item_created(self, item) -> dt.datetime:
        return item.created_at

    def item_content(self, item) -> str:
        raise NotImplementedError
