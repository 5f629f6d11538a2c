"""The Atom feed of learning paths: the newest published ones, in the page's language, read back
as a feed reader reads it (tests/atom.py checks what RFC 4287 requires)."""

import datetime as dt

import pytest
from django.utils import timezone

from learnpaths.core.feeds import FEED_LENGTH
from learnpaths.models import LearningPath, PathStatus
from tests.atom import read_feed

PATHS = "/en/feeds/paths.atom"


def created(path, days_ago: int):
    """`path` as if a curator had created it `days_ago` days ago."""
    when = timezone.now() - dt.timedelta(days=days_ago)
    LearningPath.objects.filter(pk=path.pk).update(created_at=when)
    path.refresh_from_db()
    return path


def test_the_paths_feed_lists_the_published_paths_newest_first(client, make):
    old = created(make.path(title="Old path", summary="Old *summary*."), 20)
    new = created(make.path(title="New path", description="The **whole** story."), 2)
    created(make.path(title="Secret draft", status=PathStatus.DRAFT), 0)

    feed = read_feed(client.get(PATHS))

    assert feed.titles == ["New path", "Old path"]
    first, second = feed.entries
    assert first.link == f"http://testserver{new.get_absolute_url()}"
    assert first.content == new.description_html == "<p>The <strong>whole</strong> story.</p>"
    assert second.summary == old.summary_html == "<p>Old <em>summary</em>.</p>"
    assert second.content is None  # no description: the summary says it all
    assert first.updated == new.updated_at
    day = f"{new.created_at.astimezone(dt.UTC):%Y-%m-%d}"
    assert first.id == f"tag:testserver,{day}:en/path/{new.pk}"
    assert feed.title == "New learning paths · Learnpaths"
    assert feed.link == "http://testserver/en/paths/"
    assert feed.self_link == feed.id == f"http://testserver{PATHS}"


def test_a_path_taken_back_to_draft_leaves_the_cached_feed_at_once(client, make):
    path = make.path(title="Soon a draft")
    assert read_feed(client.get(PATHS)).titles == ["Soon a draft"]
    LearningPath.objects.filter(pk=path.pk).set_status(PathStatus.DRAFT)
    assert read_feed(client.get(PATHS)).titles == []


def test_the_chinese_feed_shows_the_paths_in_chinese(client, make):
    make.path(
        title="Deep learning", title_zh_hans="深度学习", summary="Start.", summary_zh_hans="开始。"
    )
    make.path(title="Only in English", summary="Untranslated.")

    feed = read_feed(client.get("/zh-hans/feeds/paths.atom"))

    assert feed.title == "新学习路径 · Learnpaths"
    assert feed.subtitle == "最近加入的精选学习路径。"
    # English where a path has no translation.
    assert sorted(feed.titles) == sorted(["深度学习", "Only in English"])
    summaries = {entry.title: entry.summary for entry in feed.entries}
    assert summaries["深度学习"] == "<p>开始。</p>"
    assert all(entry.link.startswith("http://testserver/zh-hans/paths/") for entry in feed.entries)
    assert all(":zh-hans/path/" in entry.id for entry in feed.entries)


def test_hostile_path_text_is_escaped(client, make):
    title = '</title><script>alert("p")</script> & ]]>'
    make.path(title=title, summary="<script>alert(1)</script> *ok*")
    feed = read_feed(client.get(PATHS))
    (entry,) = feed.entries
    assert entry.title == title
    assert "<script" not in entry.summary
    assert not [e for e in feed.root.iter() if e.tag.endswith("script")]


def test_the_feed_links_over_https_behind_the_tls_proxy(client, make):
    make.path()
    feed = read_feed(client.get(PATHS, secure=True))
    assert feed.entries
    assert all(link.startswith("https://testserver/en/") for link in feed.links())


@pytest.mark.parametrize("count", [5, 60])
def test_the_paths_feed_reads_a_fixed_number_of_queries(
    client, make, django_assert_num_queries, count
):
    for _ in range(count):
        make.path(stages=0, description="Some *Markdown*.")
    with django_assert_num_queries(2):  # the catalogue version, the paths
        feed = read_feed(client.get(PATHS))
    assert len(feed.entries) == min(count, FEED_LENGTH)
    with django_assert_num_queries(1):  # cached as the pages are
        client.get(PATHS)
