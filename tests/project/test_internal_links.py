"""No published page of the curated catalogue links to a page that is not there, for anonymous
visitors and signed-in learners alike, even after a curator tried to unpublish a resource that
a published path uses."""

from collections import deque
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from learnpaths import services
from learnpaths.models import LearningPath, Step
from resources.models import Concept, Resource, Tag

# Query-string variants of one page (facets, sorting, paging) are many; a few per page show
# whether they answer, and keep the crawl well under a minute.
VARIANTS_PER_PAGE = 3
LINK_ATTRIBUTES = {"href", "action", "hx-get", "data-hx-get"}


class Links(HTMLParser):
    """The link targets on a page: every href, form action and htmx GET, as written."""

    def __init__(self, html: str):
        super().__init__()
        self.targets: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in LINK_ATTRIBUTES:
                # An empty form action means the page itself.
                self.targets.append(value or "")


def internal(page: str, target: str) -> str | None:
    """The same-origin path (with query) `target` on `page` leads to, or None for another site,
    another scheme, or a static file."""
    url = urldefrag(urljoin(f"http://testserver{page}", target)).url
    parts = urlsplit(url)
    if parts.scheme != "http" or parts.netloc != "testserver":
        return None
    if parts.path.startswith("/static/"):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def crawl(client: Client, start: list[str]) -> dict[str, tuple[int, str]]:
    """Breadth-first from `start`: every internal URL reached, with its status and the page that
    first linked to it."""
    seen: dict[str, tuple[int, str]] = {}
    variants: dict[str, int] = {}
    queue = deque((url, "(start)") for url in start)
    while queue:
        url, origin = queue.popleft()
        if url in seen:
            continue
        path = urlsplit(url).path
        if "?" in url:
            if variants.get(path, 0) >= VARIANTS_PER_PAGE:
                continue
            variants[path] = variants.get(path, 0) + 1
        response = client.get(url)
        seen[url] = (response.status_code, origin)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        for target in Links(response.content.decode()).targets:
            link = internal(url, target)
            if link is not None and link not in seen:
                queue.append((link, url))
    return seen


@pytest.fixture
def curated(curated_catalogue, db):
    """The curated catalogue, seeded once for this module (tests/conftest.py)."""


def published_pages() -> list[str]:
    return [
        "/en/",
        reverse("resource-list"),
        reverse("path-list"),
        reverse("concept-list"),
        reverse("concept-map"),
        *(r.get_absolute_url() for r in Resource.objects.published()),
        *(p.get_absolute_url() for p in LearningPath.objects.published()),
        *(c.get_absolute_url() for c in Concept.objects.all()),
        *(t.get_absolute_url() for t in Tag.objects.filter(tagged_resources__isnull=False)),
    ]


def test_no_published_page_links_to_a_missing_page(curated, staff_client, make):
    # A curator tries to unpublish a resource that published paths use: it must stay reachable.
    used = Step.objects.filter(path__status="published").select_related("resource")[0].resource
    staff_client.post(
        reverse("admin:resources_resource_changelist"),
        {"action": "unpublish", "_selected_action": [used.pk]},
    )
    learner = make.user()
    path = LearningPath.objects.published().order_by("slug")[0]
    services.path_follow(user=learner, path=path)
    first_step = Step.objects.filter(path=path).order_by("stage__position", "position")[0]
    services.progress_set(user=learner, resource_id=first_step.resource_id, status="done")
    signed_in = Client()
    signed_in.force_login(learner)
    pages = published_pages()

    for client, extra in ((Client(), []), (signed_in, [reverse("dashboard")])):
        reached = crawl(client, [*pages, *extra])
        broken = {url: found for url, found in reached.items() if found[0] in (404, 500)}
        assert not broken, broken
        assert set(pages) <= set(reached)


def test_a_learners_pages_never_link_to_a_path_or_resource_unpublished_since(curated, make):
    learner = make.user()
    path = LearningPath.objects.published().order_by("slug")[0]
    services.path_follow(user=learner, path=path)
    LearningPath.objects.filter(pk=path.pk).set_status("draft")
    # Of the path's resources, those no published path uses can be unpublished now.
    free = (
        Resource.objects.filter(steps__path=path)
        .exclude(steps__path__status="published")
        .order_by("pk")
    )
    done, doing = list(free[:2])
    services.progress_set(user=learner, resource_id=done.pk, status="done")
    services.progress_set(user=learner, resource_id=doing.pk, status="in_progress")
    Resource.objects.filter(pk__in=[done.pk, doing.pk]).set_published(False)
    signed_in = Client()
    signed_in.force_login(learner)

    reached = crawl(signed_in, [reverse("dashboard")])

    broken = {url: found for url, found in reached.items() if found[0] in (404, 500)}
    assert not broken, broken
    dashboard = signed_in.get(reverse("dashboard")).content.decode()
    for title in (path.title, done.title, doing.title):
        assert f'{title} <span class="muted">(no longer published)</span>' in dashboard
    # The exports are the learner's data: they keep all of it.
    exported = signed_in.get(reverse("export-json")).content.decode()
    assert path.slug in exported and done.slug in exported and doing.slug in exported
