"""The catalogue's Atom feeds: the newest resources, and the newest resources on a concept. Each
is read back as a feed reader reads it (tests/atom.py checks what RFC 4287 requires)."""

import datetime as dt
import http.client
import xml.etree.ElementTree as ET  # nosec B405: parses the site's own output
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from learnpaths.core.feeds import FEED_LENGTH
from resources.models import Resource
from tests.atom import CONTENT_TYPE, A, read_feed
from tests.html import parse
from tests.security.test_headers import _start_gunicorn, slow_clients

RESOURCES = "/en/feeds/resources.atom"
NOW = timezone.now()


def added(resource, days_ago: int):
    """`resource` as if a curator had added it `days_ago` days ago."""
    Resource.objects.filter(pk=resource.pk).update(created_at=NOW - dt.timedelta(days=days_ago))
    resource.refresh_from_db()
    return resource


def concept_feed(concept, language="en") -> str:
    return f"/{language}/concepts/{concept.slug}/feed.atom"


def test_the_new_resources_feed_lists_the_published_ones_newest_first(client, make):
    old = added(make.resource(title="Old book", authors="A. Author"), 30)
    new = added(make.resource(title="New course", description="Learn *this*."), 1)
    added(make.resource(title="Hidden draft", published=False), 0)

    feed = read_feed(client.get(RESOURCES))

    assert feed.titles == ["New course", "Old book"]
    first, second = feed.entries
    assert first.link == f"http://testserver{new.get_absolute_url()}"
    assert first.content == new.description_html == "<p>Learn <em>this</em>.</p>"
    assert second.author == "A. Author"
    assert first.author is None  # the feed's own author, the site, stands for it
    assert feed.root.findtext(f"{A}author/{A}name") == "Learnpaths"
    assert feed.updated == max(new.updated_at, old.updated_at) == first.updated
    assert feed.title == "New resources · Learnpaths"
    assert feed.self_link == feed.id == f"http://testserver{RESOURCES}"
    assert feed.link == "http://testserver/en/resources/?sort=newest"
    assert feed.language == "en"


def test_the_feed_holds_the_newest_thirty(client, make):
    resources = [added(make.resource(), days_ago=n) for n in range(FEED_LENGTH + 2)]
    feed = read_feed(client.get(RESOURCES))
    assert feed.titles == [r.title for r in resources[:FEED_LENGTH]]


def test_entry_ids_stay_the_same_when_a_curator_renames_a_resource(client, make):
    resource = make.resource(title="First title", slug="first-slug")
    (before,) = read_feed(client.get(RESOURCES)).entries
    resource.title, resource.slug = "Second title", "second-slug"
    resource.save()  # as the admin does: the cached feed is stale at once

    (after,) = read_feed(client.get(RESOURCES)).entries

    assert after.title == "Second title" and after.link.endswith("/second-slug/")
    day = f"{resource.created_at.astimezone(dt.UTC):%Y-%m-%d}"
    assert before.id == after.id == f"tag:testserver,{day}:en/resource/{resource.pk}"
    # The Chinese feed's entry is another entry (its text may differ), with an id of its own.
    (chinese,) = read_feed(client.get("/zh-hans/feeds/resources.atom")).entries
    assert chinese.id == f"tag:testserver,{day}:zh-hans/resource/{resource.pk}"


def test_behind_the_tls_proxy_every_link_is_https(client, make):
    concept = make.concept()
    make.resource(concepts=[concept])
    for url in (RESOURCES, concept_feed(concept)):
        # gunicorn hands Django the scheme the proxy forwarded: the test client's `secure`.
        feed = read_feed(client.get(url, secure=True))
        assert feed.entries
        assert all(link.startswith("https://testserver/en/") for link in feed.links()), url
        assert feed.id.startswith("https://testserver/")


@pytest.fixture(scope="module")
def gunicorn_behind_the_proxy(tmp_path_factory):
    """A gunicorn with the production settings' defaults (as tests/security/test_headers.py
    starts it), over a database of its own."""
    database = tmp_path_factory.mktemp("feeds") / "db.sqlite3"
    port, process = _start_gunicorn(DATABASE_URL=f"sqlite:///{database}")
    yield port
    process.terminate()
    process.wait(timeout=30)


def test_the_real_server_behind_the_proxy_gives_https_links(gunicorn_behind_the_proxy):
    connection = http.client.HTTPConnection(slow_clients.HOST, gunicorn_behind_the_proxy)
    connection.request("GET", RESOURCES, headers={"X-Forwarded-Proto": "https"})
    response = connection.getresponse()
    body = response.read()
    connection.close()
    assert response.status == 200
    assert response.getheader("Content-Type") == CONTENT_TYPE
    root = ET.fromstring(body)  # noqa: S314  # nosec B314: the site's own output
    links = [link.get("href") for link in root.iter("{http://www.w3.org/2005/Atom}link")]
    assert links and all(urlsplit(link).scheme == "https" for link in links), links


def test_the_chinese_feeds_have_chinese_titles(client, make):
    concept = make.concept(name="Attention", name_zh="注意力机制")
    make.resource(concepts=[concept])

    feed = read_feed(client.get("/zh-hans/feeds/resources.atom"))
    assert feed.title == "新资源 · Learnpaths"
    assert feed.subtitle == "最近加入目录的书籍、课程、论文和其他资源。"
    assert feed.language == "zh-hans"
    assert feed.self_link == "http://testserver/zh-hans/feeds/resources.atom"
    assert all("/zh-hans/" in entry.link for entry in feed.entries)

    feed = read_feed(client.get(concept_feed(concept, "zh-hans")))
    assert feed.title == "关于 注意力机制 的资源 · Learnpaths"
    assert (
        read_feed(client.get(concept_feed(concept))).title == "Resources on Attention · Learnpaths"
    )


HOSTILE_TITLE = '</title><script>alert("t")</script> & ]]> <![CDATA[ x'
HOSTILE_DESCRIPTION = '<img src=x onerror="alert(1)"> <script>alert(2)</script> ]]> **bold**'


def test_hostile_text_is_escaped_and_the_feed_still_parses(client, make):
    concept = make.concept(name_zh="</title>&")
    resource = make.resource(
        title=HOSTILE_TITLE,
        authors="</name><script>x</script>",
        description=HOSTILE_DESCRIPTION,
        concepts=[concept],
    )
    for url in (RESOURCES, concept_feed(concept), concept_feed(concept, "zh-hans")):
        feed = read_feed(client.get(url))  # it parses
        (entry,) = feed.entries
        # Text shown as written, never as markup.
        assert entry.title == HOSTILE_TITLE
        assert entry.author == "</name><script>x</script>"
        assert not [e for e in feed.root.iter() if e.tag.endswith(("script", "img"))]
        # The content is the sanitised HTML, escaped once into the XML.
        assert entry.content == resource.description_html
        html = parse(entry.content)
        assert not html.find_all("script")
        assert all("onerror" not in img.attrs for img in html.find_all("img"))
    assert "</title>&" in read_feed(client.get(concept_feed(concept, "zh-hans"))).title


def test_characters_xml_cannot_hold_are_left_out_instead_of_failing_the_feed(client, make):
    # No form lets a curator type them, but the shell or an old import might have.
    make.resource(title="Vertical\x0btab\x01", authors="Bell\x07")
    (entry,) = read_feed(client.get(RESOURCES)).entries
    assert entry.title == "Verticaltab"
    assert entry.author == "Bell"


def test_an_unpublished_resource_never_appears(client, make):
    concept = make.concept()
    shown = make.resource(title="Shown", concepts=[concept])
    make.resource(title="Draft", published=False, concepts=[concept])
    for url in (RESOURCES, concept_feed(concept)):
        assert read_feed(client.get(url)).titles == ["Shown"]
    # Unpublished after the feeds were cached: gone from both at once.
    Resource.objects.filter(pk=shown.pk).set_published(False)
    for url in (RESOURCES, concept_feed(concept)):
        assert read_feed(client.get(url)).titles == []


def test_the_concept_feed_lists_that_concepts_resources_newest_first(client, make):
    concept, other = make.concept(), make.concept()
    older = added(make.resource(title="Older", concepts=[concept]), 5)
    added(make.resource(title="Newer", concepts=[concept, other]), 1)
    make.resource(title="Elsewhere", concepts=[other])

    feed = read_feed(client.get(concept_feed(concept)))

    assert feed.titles == ["Newer", "Older"]
    assert feed.link == f"http://testserver{concept.get_absolute_url()}"
    assert feed.self_link == f"http://testserver{concept_feed(concept)}"
    assert feed.entries[1].id.endswith(f":en/resource/{older.pk}")
    assert concept.local_name in feed.subtitle


def test_a_concept_without_resources_has_a_valid_empty_feed(client, make):
    feed = read_feed(client.get(concept_feed(make.concept())))
    assert feed.entries == []


def test_an_unknown_concept_has_no_feed(client, db):
    assert client.get("/en/concepts/no-such-concept/feed.atom").status_code == 404
    assert client.get("/zh-hans/concepts/no-such-concept/feed.atom").status_code == 404


def test_feeds_answer_only_reads(client, make):
    concept = make.concept()
    for url in (RESOURCES, concept_feed(concept)):
        assert client.post(url).status_code == 405
        head = client.head(url)
        assert head.status_code == 200 and head.content == b""
        assert head["Content-Type"] == CONTENT_TYPE


@pytest.mark.parametrize("count", [5, 60])
def test_feed_query_counts_do_not_grow_with_the_catalogue(
    client, make, django_assert_num_queries, count
):
    concept = make.concept()
    for _ in range(count):
        make.resource(concepts=[concept], tags=["a", "b"], authors="Someone")
    # The catalogue version, then the resources.
    with django_assert_num_queries(2):
        feed = read_feed(client.get(RESOURCES))
    assert len(feed.entries) == min(count, FEED_LENGTH)
    # The catalogue version, the concept, its resources.
    with django_assert_num_queries(3):
        feed = read_feed(client.get(concept_feed(concept)))
    assert len(feed.entries) == min(count, FEED_LENGTH)
    # Cached as the pages are: only the catalogue version is read.
    for url in (RESOURCES, concept_feed(concept)):
        with django_assert_num_queries(1):
            assert len(read_feed(client.get(url)).entries) == min(count, FEED_LENGTH)


def test_a_cached_feed_is_current_after_a_curators_edit(client, make):
    resource = make.resource(title="Before")
    first = client.get(RESOURCES)
    assert first.content == client.get(RESOURCES).content  # from the cache
    resource.title = "After"
    resource.save()
    assert read_feed(client.get(RESOURCES)).titles == ["After"]
    assert client.get(RESOURCES)["Content-Type"] == first["Content-Type"] == CONTENT_TYPE


def feed_links(html: bytes) -> dict[str, str]:
    """{path: title} of the feeds the page's head names (absolute, as its other alternates)."""
    head = parse(html).find("head")
    return {
        link.attrs["href"].removeprefix("http://testserver"): link.attrs["title"]
        for link in head.find_all("link", rel="alternate", type="application/atom+xml")
        if link.attrs["href"].startswith("http://testserver/")
    }


def subscribe_links(html: bytes) -> list[str]:
    return [
        a.attrs["href"]
        for a in parse(html).find("main").find_all("a", type="application/atom+xml")
        if a.text == "Subscribe (Atom)"
    ]


def test_pages_point_feed_readers_to_their_feeds(client, make):
    concept = make.concept(name="Attention")
    make.resource(concepts=[concept])
    make.path()

    home = client.get("/en/").content
    assert feed_links(home) == {
        reverse("resource-feed"): "New resources",
        reverse("path-feed"): "New learning paths",
    }
    assert subscribe_links(home) == [reverse("resource-feed")]

    resources = client.get("/en/resources/").content
    assert feed_links(resources) == {reverse("resource-feed"): "New resources"}
    assert subscribe_links(resources) == [reverse("resource-feed")]

    paths = client.get("/en/paths/").content
    assert feed_links(paths) == {reverse("path-feed"): "New learning paths"}
    assert subscribe_links(paths) == [reverse("path-feed")]

    concept_page = client.get(concept.get_absolute_url()).content
    assert feed_links(concept_page) == {concept_feed(concept): "Resources on Attention"}
    assert subscribe_links(concept_page) == [concept_feed(concept)]

    # Every link a page offers is a feed that answers.
    for url in (reverse("resource-feed"), reverse("path-feed"), concept_feed(concept)):
        read_feed(client.get(url))


def test_the_chinese_pages_point_to_the_chinese_feeds(make):
    concept = make.concept()
    client = Client()
    html = client.get(f"/zh-hans/concepts/{concept.slug}/").content
    assert list(feed_links(html)) == [concept_feed(concept, "zh-hans")]
    assert set(feed_links(client.get("/zh-hans/").content)) == {
        "/zh-hans/feeds/resources.atom",
        "/zh-hans/feeds/paths.atom",
    }
