"""axe-core on every page type, light and dark, and the phone-width layout.

The curated catalogue (`manage.py seed`) is the data, so that real titles, notes and Markdown
are what axe and the layout checks see.
"""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command

from learnpaths import services
from learnpaths.models import LearningPath, Step
from resources.models import Concept, Resource, Tag
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)

axe = Axe()  # every finding fails the test, whatever its impact ("minor" included)


@pytest.fixture
def site(make):
    """The curated catalogue, a learner half-way through a path, and a URL per page type."""
    call_command("seed", verbosity=0)
    learner = make.user(username="learner")
    path = LearningPath.objects.published().order_by("title").first()
    services.path_follow(user=learner, path=path)
    steps = list(Step.objects.filter(path=path).select_related("resource"))
    for step in steps[: len(steps) // 2]:
        services.progress_set(user=learner, resource_id=step.resource.pk, status="done")
    services.progress_set(user=learner, resource_id=steps[-1].resource.pk, status="in_progress")
    concept = Concept.objects.filter(prerequisites__isnull=False, leads_to__isnull=False).first()
    public = {
        "home": "/en/",
        "concepts": "/en/concepts/",
        "concept map": "/en/concepts/map/",
        "concept": concept.get_absolute_url(),
        "resources": "/en/resources/",
        "resources filtered": "/en/resources/?kind=paper&level=advanced",
        "resource": Resource.objects.published()
        .filter(kind="conference")
        .first()
        .get_absolute_url(),
        "workshop": Resource.objects.published().filter(kind="workshop").first().get_absolute_url(),
        "conferences": "/en/conferences/",
        "past conferences": "/en/conferences/past/",
        "tag": Tag.objects.order_by("name").first().get_absolute_url(),
        "search": "/en/search/?q=transformer",
        "search in Chinese": "/en/search/?q=卷积",
        "paths": "/en/paths/",
        "path (anonymous)": path.get_absolute_url(),
        "sign in": "/en/accounts/login/",
        "sign up": "/en/accounts/signup/",
        "password reset": "/en/accounts/password_reset/",
        "404": "/no-such-page/",
    }
    private = {
        "path (signed in)": path.get_absolute_url(),
        "dashboard": "/en/me/",
        "password change": "/en/accounts/password_change/",
        "account deletion": "/en/accounts/delete/",
        "resource (signed in)": steps[-1].resource.get_absolute_url(),
    }
    return {"learner": learner, "public": public, "private": private}


def visit(page, url: str) -> None:
    page.problems.clear()
    response = page.goto(url)
    expected = 404 if url == "/no-such-page/" else 200
    assert response.status == expected, f"{url} answered {response.status}"
    if expected == 404:  # Chromium reports the 404 itself as a console error
        page.problems[:] = [p for p in page.problems if "404" not in p]
    assert page.problems == [], f"{url}: {page.problems}"


def axe_problems(page, name: str) -> list[str]:
    violations = axe.run(page).response["violations"]
    for violation in violations:  # shown with -s or on failure, whatever their impact
        print(f"[{name}] {violation['impact']}: {violation['id']} ({len(violation['nodes'])})")
    return [
        f"{name} {page.url}: {v['impact']} {v['id']}: {v['help']} — "
        + "; ".join(node["html"][:160] for node in v["nodes"][:3])
        for v in violations
    ]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_page_has_accessibility_problems(new_page, site, scheme):
    page = new_page(color_scheme=scheme)
    assert page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches") == (scheme == "dark")
    found = []
    for name, url in site["public"].items():
        visit(page, url)
        found += axe_problems(page, name)
    sign_in(page, site["learner"].username)
    for name, url in site["private"].items():
        visit(page, url)
        found += axe_problems(page, name)
    assert found == [], "\n".join(found)


def test_at_phone_width_no_page_scrolls_sideways_and_the_navigation_is_reachable(new_page, site):
    page = new_page(width=375, height=740, color_scheme="dark")
    sign_in(page, site["learner"].username)
    urls = {**site["public"], **site["private"]}
    urls.pop("sign in"), urls.pop("sign up")  # signed in, these redirect to the dashboard
    overflowing = []
    for name, url in urls.items():
        visit(page, url)
        widths = page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        if widths[0] > widths[1]:
            wide = page.evaluate(
                """() => [...document.querySelectorAll('body *')]
                    .filter(e => e.getBoundingClientRect().right > innerWidth + 1)
                    .slice(0, 3).map(e => e.outerHTML.slice(0, 120))"""
            )
            overflowing.append(f"{name} ({url}): {widths[0]} > {widths[1]}: {wide}")
        nav = page.get_by_role("navigation", name="Main")
        for link in ("Paths", "Concepts", "Resources", "My learning"):
            target = nav.get_by_role("link", name=link)
            box = target.bounding_box()
            assert target.is_visible() and box, f"{name}: {link} is not shown"
            assert box["x"] >= 0 and box["x"] + box["width"] <= 375, f"{name}: {link} is cut off"
    assert overflowing == [], "\n".join(overflowing)
