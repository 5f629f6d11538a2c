"""A stage's self-check questions on the path page: listed under "Check yourself", each model
answer behind a disclosure, in the page's language (English where not translated)."""

import copy

import pytest

from learnpaths.catalogue_io.importer import catalogue_import
from learnpaths.models import SelfCheck
from tests.html import parse
from tests.learnpaths.test_catalogue import DOCUMENT

pytestmark = pytest.mark.django_db


def a_path_with_questions():
    document = copy.deepcopy(DOCUMENT)
    first = document["paths"][0]["stages"][0]
    second = copy.deepcopy(first) | {"title": "Two", "self_check": []}
    second["steps"] = [second["steps"].pop()]
    first["steps"].pop()
    first["self_check"] = [
        {"question": "What does **backpropagation** compute?",
         "answer": "The gradient of the loss with respect to every weight.",
         "question_zh_hans": "**反向传播**计算什么？", "answer_zh_hans": "损失对每个权重的梯度。"},
        {"question": "Why a validation set?", "answer": "To choose settings on unseen data."},
    ]  # fmt: skip
    document["paths"][0]["stages"].append(second)
    catalogue_import(document)


def self_checks(client, language):
    response = client.get(f"/{language}/paths/p/")
    assert response.status_code == 200
    page = parse(response.content)
    return [stage.find("section", class_="self-checks") for stage in page.find_all(class_="stage")]


def test_each_question_is_listed_with_its_model_answer_behind_a_disclosure(client):
    a_path_with_questions()

    first, second = self_checks(client, "en")

    assert first.find("h3").text.startswith("Check yourself")
    items = first.find_all("li", class_="self-check")
    questions = [item.find(class_="self-check-question") for item in items]
    assert [q.text for q in questions] == [
        "What does backpropagation compute?",
        "Why a validation set?",
    ]
    assert questions[0].find("strong").text == "backpropagation"  # Markdown, rendered
    details = items[0].find("details")
    assert "open" not in details.attrs  # the answer waits until the learner opens it
    assert details.find("summary").text == "Model answer"
    assert "The gradient of the loss with respect to every weight." in details.text
    assert second is None  # a stage without questions has no section


def test_the_questions_are_in_the_page_language_falling_back_to_english(client):
    a_path_with_questions()

    first, _second = self_checks(client, "zh-hans")

    items = first.find_all("li", class_="self-check")
    assert items[0].find(class_="self-check-question").find("strong").text == "反向传播"
    assert "损失对每个权重的梯度。" in items[0].find("details").text
    assert items[1].find(class_="self-check-question").text == "Why a validation set?"
    assert "To choose settings on unseen data." in items[1].find("details").text


def test_a_curators_edit_of_a_question_shows_at_once(client):
    a_path_with_questions()
    self_checks(client, "en")  # cached
    check = SelfCheck.objects.get(position=2)
    check.answer = "To estimate how the model does on data it was not trained on."
    check.save()

    first, _second = self_checks(client, "en")

    assert "data it was not trained on" in first.find_all("details")[1].text
