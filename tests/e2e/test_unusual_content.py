"""Curated content of unusual shape never makes a page wider than a phone: a wide formula
scrolls in its own box, and long unbroken words (tags, titles, authors, URLs, code) wrap."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

pytestmark = pytest.mark.django_db(transaction=True)

WIDTH = 390
ROW = "&".join(f"a_{{{n}}}" for n in range(40))
SUM = "+".join(f"x_{{{n}}}" for n in range(60))
WORD = "Transformer" * 10  # 110 characters, no break opportunity
DESCRIPTION = f"""A row vector:

$$\\begin{{pmatrix}}{ROW}\\end{{pmatrix}}$$

In a sentence $$\\begin{{pmatrix}}{ROW}\\end{{pmatrix}}$$ too, and inline ${SUM}$.

See https://example.org/{"a" * 300} and `{"c" * 200}` and {WORD}.

```
{"long_line_of_code = 1; " * 12}
```

| {WORD} | {WORD} |
|---|---|
| x | y |
"""


@pytest.fixture
def unusual(make):
    tag = "t" * 100
    resource = make.resource(
        title=f"A very long title {WORD}",
        slug="unusual",
        authors=f"{WORD} et al.",
        venue=WORD,
        description=DESCRIPTION,
        tags=[tag, WORD[:90]],
    )
    path = make.path(title=f"Path {WORD}", description=DESCRIPTION)
    return resource, path


def overflow(page) -> str | None:
    widths = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    if widths[0] <= WIDTH:
        return None
    wide = page.evaluate(
        """() => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > innerWidth + 1)
            .slice(-3).map(e => e.outerHTML.slice(0, 100))"""
    )
    return f"{page.url}: {widths[0]} px wide: {wide}"


def test_at_390_px_unusual_content_never_widens_the_page(new_page, unusual):
    resource, path = unusual
    page = new_page(width=WIDTH, height=844)
    tag = resource.tags.order_by("name").first()
    urls = [
        resource.get_absolute_url(),
        "/en/resources/",
        tag.get_absolute_url(),
        "/en/search/?q=Transformer",
        path.get_absolute_url(),
    ]
    problems = []
    for url in urls:
        assert page.goto(url).status == 200
        problems.append(overflow(page))
    assert [p for p in problems if p] == []


def test_a_wide_formula_scrolls_in_its_own_box_reached_by_keyboard(new_page, unusual):
    resource, _ = unusual
    page = new_page(width=WIDTH, height=844)
    page.goto(resource.get_absolute_url())
    boxes = page.locator(".math-display")
    assert boxes.count() == 2
    for index in range(2):
        box = boxes.nth(index)
        scroll, client = box.evaluate("e => [e.scrollWidth, e.clientWidth]")
        assert scroll > client, "the formula should be wider than its box"
        assert client <= WIDTH
        box.focus()
        page.keyboard.press("ArrowRight")
        page.wait_for_function("e => e.scrollLeft > 0", arg=box.element_handle())
    violations = Axe().run(page).response["violations"]
    assert [(v["id"], v["impact"], [n["html"][:80] for n in v["nodes"]]) for v in violations] == []
