"""A resource's own title and description carry its language, so that a page in the other
language reads them with the right voice and fonts."""

import pytest

from tests.html import parse

pytestmark = pytest.mark.django_db


def _lang(element):
    return element.attrs.get("lang")


def test_resource_text_is_marked_with_its_own_language_on_every_page(client, make):
    english = make.resource(slug="paper", title="Attention Is All You Need", description="Why.")
    make.resource(slug="book", title="大语言模型", language="zh", description="为什么读。")
    make.resource(slug="hub", title="Hugging Face Hub", language="multi")

    detail = parse(client.get("/zh-hans/resources/paper/").content)
    assert _lang(detail.find("h1")) == "en"
    assert _lang(detail.find("div", class_="prose")) == "en"
    chinese = parse(client.get("/en/resources/book/").content)
    assert _lang(chinese.find("h1")) == "zh" and _lang(chinese.find("div", class_="prose")) == "zh"
    assert _lang(parse(client.get("/en/resources/hub/").content).find("h1")) is None

    listing = parse(client.get("/zh-hans/resources/").content)
    titles = {"Attention Is All You Need", "大语言模型", "Hugging Face Hub"}
    links = {a.text: _lang(a) for a in listing.find_all("a") if a.text in titles}
    expected = {"Attention Is All You Need": "en", "大语言模型": "zh", "Hugging Face Hub": None}
    assert links == expected

    path = make.path(stages=1, steps_per_stage=1)
    step_resource = path.stages.get().steps.get().resource
    page = parse(client.get(f"/zh-hans/paths/{path.slug}/").content)
    title = page.find("h3", class_="step-title").find("a")
    assert title.text == step_resource.title and _lang(title) == step_resource.language == "en"
    assert english.text_lang == "en"
