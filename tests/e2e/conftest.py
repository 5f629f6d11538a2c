"""Browser tests: Playwright drives the system Chromium against pytest-django's live server.

One browser for all of tests/e2e, a fresh context (cookies, viewport, colour scheme) per test.
The browser is never downloaded: it is CHROMIUM_PATH or Debian's /usr/bin/chromium. Without one
these tests skip with one line saying how to enable them; in CI (CI=true) that is a failure.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--no-sandbox",  # CI runs as root in a container, where the sandbox cannot start
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
HOW_TO_ENABLE = (
    "Browser tests need Chromium: `apt-get install chromium`, or set CHROMIUM_PATH "
    "to a Chromium binary"
)
PASSWORD = "correct horse battery staple"
_LEFT_OUT = pytest.StashKey[int]()


def chromium_executable() -> str | None:
    path = Path(CHROMIUM_PATH)
    if path.is_file() and os.access(path, os.X_OK):
        return str(path)
    return shutil.which(CHROMIUM_PATH)


def _browser_available() -> bool:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return False
    return chromium_executable() is not None


def pytest_collection_modifyitems(config, items):
    browser_tests = [item for item in items if "tests/e2e/" in item.nodeid]
    for item in browser_tests:
        item.add_marker(pytest.mark.e2e)
    if browser_tests and not os.environ.get("CI") and not _browser_available():
        # Locally without a browser: leave them out and say so once (pytest_terminal_summary),
        # rather than one skip line per test. In CI the `browser` fixture fails them instead.
        config.hook.pytest_deselected(items=browser_tests)
        items[:] = [item for item in items if item not in browser_tests]
        config.stash[_LEFT_OUT] = len(browser_tests)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    left_out = config.stash.get(_LEFT_OUT, 0)
    if left_out:
        terminalreporter.write_line(
            f"SKIPPED {left_out} browser tests (tests/e2e): {HOW_TO_ENABLE}.", yellow=True
        )


@pytest.fixture(scope="package")
def browser():
    executable = chromium_executable()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        executable = None
    if executable is None:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the browser tests. {HOW_TO_ENABLE}.", pytrace=False)
        pytest.skip(HOW_TO_ENABLE)
    # Playwright's sync API keeps an event loop in this thread; Django would then refuse ORM
    # calls from the test ("async context"). These tests are synchronous, so the check is moot
    # here; it is turned back on when the browser closes, after the last test of tests/e2e.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable, args=LAUNCH_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def new_page(browser, live_server):
    """Open pages in fresh contexts: `new_page(width=375, color_scheme="dark")`."""
    contexts = []

    def open_page(*, width=1280, height=900, color_scheme="light", javascript=True, locale="en-GB"):
        context = browser.new_context(
            locale=locale,  # the browser's language, sent as Accept-Language
            base_url=live_server.url,
            viewport={"width": width, "height": height},
            color_scheme=color_scheme,
            java_script_enabled=javascript,
            reduced_motion="reduce",
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        # Every page must load without a failed request or a console error: a missing
        # stylesheet or script, or a CSP violation, shows up here.
        page.problems = []

        def on_console(message):
            if message.type == "error":
                page.problems.append(f"{message.text} ({message.location.get('url')})")

        page.on("console", on_console)
        page.on("pageerror", lambda error: page.problems.append(str(error)))
        page.on(
            "response",
            lambda response: (
                response.status >= 500 and page.problems.append(f"{response.status} {response.url}")
            ),
        )
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


def sign_in(page, username: str, password: str = PASSWORD) -> None:
    page.goto("/en/accounts/login/")
    page.get_by_label("Username or e-mail").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/me/")
