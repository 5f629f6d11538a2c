"""A browser set to Chinese gets the Chinese site; the switch keeps the page and is remembered."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("javascript", [True, False])
def test_a_chinese_browser_gets_chinese_and_switching_keeps_the_page(new_page, make, javascript):
    make.path(title="Keys", title_zh_hans="钥匙", slug="keys")
    page = new_page(locale="zh-CN", width=390, height=844, javascript=javascript)

    page.goto("/paths/keys/")

    expect(page).to_have_url(re.compile(r"/zh-hans/paths/keys/$"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(page.locator("h1")).to_have_text("钥匙")
    expect(page.locator(".site-nav")).to_contain_text("学习路径")
    # The header, switch included, fits a phone's width.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    page.locator("#language-select").select_option("en")
    page.locator(".language-form button").click()

    expect(page).to_have_url(re.compile(r"/en/paths/keys/$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Keys")
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/en/$"))  # the choice outlasts the browser's language
    assert not page.problems
