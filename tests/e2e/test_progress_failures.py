"""A status change that fails says so and can be retried; Back never shows an old status."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from learnpaths.models import Progress, Step
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def learner_on_path(page, make):
    """A signed-in learner on the page of a path of two steps; the steps."""
    path = make.path(stages=1, steps_per_stage=2, title="Fragile", slug="fragile")
    make.user(username="carol")
    sign_in(page, "carol")
    page.goto("/en/paths/fragile/")
    return list(Step.objects.filter(path=path).select_related("resource").order_by("position"))


def test_a_failed_status_change_says_so_changes_nothing_and_can_be_retried(page, learner_on_path):
    step = learner_on_path[0]
    status = page.locator(f"#step-{step.pk} .status")
    url = f"**/resources/{step.resource.slug}/progress/"
    page.route(url, lambda route: route.fulfill(status=500, body="Server Error"))
    page.locator(f"#step-{step.pk}").get_by_role("button", name="Mark done").click()
    error = page.locator(f"#step-{step.pk} .request-error")
    expect(error).to_contain_text("Your change was not saved")
    expect(page.locator("[aria-live=assertive]")).to_contain_text("Your change was not saved")
    expect(status).to_contain_text("Not started")
    expect(page.locator("#path-progress-steps")).to_have_attribute("value", "0")
    assert not Progress.objects.exists()

    page.unroute(url)
    error.get_by_role("button", name="Try again").click()
    expect(status).to_contain_text("Done")
    expect(error).to_have_count(0)
    assert Progress.objects.get(resource=step.resource).status == "done"
    page.problems.clear()  # the 500 was ours


def test_a_network_error_says_so(page, learner_on_path):
    step = learner_on_path[0]
    page.route(f"**/resources/{step.resource.slug}/progress/", lambda route: route.abort())
    page.locator(f"#step-{step.pk}").get_by_role("button", name="Mark done").click()
    expect(page.locator(f"#step-{step.pk} .request-error")).to_contain_text("could not be reached")
    expect(page.locator(f"#step-{step.pk} .status")).to_contain_text("Not started")
    assert not Progress.objects.exists()
    page.problems.clear()  # the aborted request is logged as a console error


def test_a_status_change_after_the_csrf_cookie_changed_asks_for_a_reload(page, learner_on_path):
    step = learner_on_path[0]
    page.context.clear_cookies(name="csrftoken")  # as after signing in again in another tab
    page.locator(f"#step-{step.pk}").get_by_role("button", name="Mark done").click()
    error = page.locator(f"#step-{step.pk} .request-error")
    expect(error).to_contain_text("Reload the page and try again")
    expect(page.locator(f"#step-{step.pk} .status")).to_contain_text("Not started")
    assert not Progress.objects.exists()
    error.get_by_role("button", name="Reload the page").click()
    page.wait_for_load_state()
    page.locator(f"#step-{step.pk}").get_by_role("button", name="Mark done").click()
    expect(page.locator(f"#step-{step.pk} .status")).to_contain_text("Done")
    assert Progress.objects.get(resource=step.resource).status == "done"
    page.problems.clear()  # the 403 is logged as a console error


def test_back_after_a_status_change_shows_the_new_status(page, learner_on_path):
    step = learner_on_path[0]
    page.locator(f"#step-{step.pk}").get_by_role("button", name="Mark done").click()
    expect(page.locator(f"#step-{step.pk} .status")).to_contain_text("Done")
    page.get_by_role("link", name="Paths", exact=True).first.click()
    expect(page).to_have_url(re.compile("/en/paths/$"))
    page.go_back()
    expect(page).to_have_url(re.compile("/en/paths/fragile/$"))
    expect(page.locator(f"#step-{step.pk} .status")).to_contain_text("Done")
    expect(page.locator("#path-progress-steps")).to_have_attribute("value", "50")
