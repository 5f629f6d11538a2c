"""Journey 3 with the keyboard alone: Tab to reach things, Enter or Space to use them."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from learnpaths.models import Progress, Step
from tests.e2e.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

MAX_TABS = 120


def tab_to(page, selector: str) -> None:
    """Press Tab until the focused element matches `selector`, checking that focus is visible."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            outline = page.evaluate(
                """() => {
                    const style = getComputedStyle(document.activeElement);
                    return [style.outlineStyle, parseFloat(style.outlineWidth),
                            document.activeElement.matches(':focus-visible')];
                }"""
            )
            assert outline[0] != "none" and outline[1] >= 2 and outline[2], (
                f"focus on {selector} is not visible: {outline}"
            )
            return
    raise AssertionError(f"{selector} cannot be reached with Tab")


def test_a_learner_can_do_journey_three_with_the_keyboard_alone(page, make):
    path = make.path(stages=1, steps_per_stage=3, title="Keys only", slug="keys")
    steps = list(Step.objects.filter(path=path).order_by("position"))
    page.goto("/en/paths/keys/")

    tab_to(page, "a[href^='/en/accounts/signup/']")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Create an account")
    for selector, text in [
        ("#id_username", "keyboarder"),
        ("#id_email", "keyboarder@example.org"),
        ("#id_password1", PASSWORD),
        ("#id_password2", PASSWORD),
    ]:
        tab_to(page, selector)
        page.keyboard.type(text)
    page.keyboard.press("Enter")  # submits the form from its last field
    expect(page).to_have_url(re.compile("/en/paths/keys/$"))

    tab_to(page, ".follow-form button")
    page.keyboard.press("Space")
    expect(page.get_by_role("status")).to_contain_text("You follow")

    for step, key, percent in zip(steps[:2], ["Enter", "Space"], ["33", "67"], strict=True):
        tab_to(page, f"#step-{step.pk} button[value=done]")
        page.keyboard.press(key)
        expect(page.locator("#path-progress-steps")).to_have_attribute("value", percent)
        status = page.locator(f"#step-{step.pk} .status")
        expect(status).to_contain_text("Done")
        # Focus moves to the step's new status, which a live region announces; not to the
        # button now in the pressed one's place ("Back to in progress").
        expect(status).to_be_focused()
        expect(page.locator("[aria-live=polite]")).to_have_text(
            f"Marked done: {step.resource.title}"
        )
        # So the same key again undoes nothing.
        page.keyboard.press(key)
        page.wait_for_timeout(300)
        expect(status).to_contain_text("Done")
        expect(page.locator("#path-progress-steps")).to_have_attribute("value", percent)
        assert Progress.objects.get(resource=step.resource).status == "done"

    tab_to(page, ".continue a")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(f"#step-{steps[2].pk}$"))
