"""The curated catalogue itself (fixtures/*.json): what issue 17 asks of it for a 2026 learner
of large models, in Chinese and English, checked on the documents `make seed` loads and on the
site they make."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from learnpaths.catalogue_io.importer import read_documents
from learnpaths.models import LearningPath, PathFollow, Step
from tests.html import parse

FIXTURES = sorted((Path(settings.BASE_DIR) / "fixtures").glob("*.json"))
DOCUMENT = read_documents(FIXTURES)
CONCEPTS = DOCUMENT["concepts"]
RESOURCES = DOCUMENT["resources"]
PATHS = [p for p in DOCUMENT["paths"] if p["status"] == "published"]
# Sites whose pages are published at http addresses (the CCL and VALSE sites), linked as
# published.
HTTP_ONLY = ("http://cips-cl.org/", "http://valser.org/")
ARXIV_URL = re.compile(r"^https://arxiv\.org/(?:abs|pdf)/(\d{4}\.\d{4,5})(?:v\d+)?$")


def test_concepts_cover_large_models_in_both_languages():
    slugs = {c["slug"] for c in CONCEPTS}
    assert len(CONCEPTS) >= 40
    for needed in (
        "reinforcement-learning", "tokenisation", "self-supervised-learning", "diffusion-models",
        "multimodal-models", "mixture-of-experts", "retrieval-augmented-generation",
        "tool-use-and-agents", "llm-evaluation", "efficient-inference-and-serving",
        "quantisation", "distributed-training", "post-training-and-preference-optimisation",
        "reasoning-models", "knowledge-graphs",
    ):  # fmt: skip
        assert needed in slugs
    assert "reasoning-and-knowledge-graphs" not in slugs  # split into its two subjects
    for concept in CONCEPTS:
        for key in ("name_zh", "summary_zh_hans", "body_zh_hans", "summary", "body"):
            assert concept[key].strip(), (concept["slug"], key)
        assert len(concept["body"]) > 600, concept["slug"]  # an explanation, not a stub
    roots = [c["slug"] for c in CONCEPTS if not c["prerequisites"]]
    assert roots == ["mathematics-for-ml"]  # every other concept says what comes before it


def test_resources_are_many_real_and_some_are_chinese():
    assert len(RESOURCES) >= 220
    assert sum(r["language"] == "zh" for r in RESOURCES) >= 30
    urls = Counter(r["url"] for r in RESOURCES)
    assert [u for u, n in urls.items() if n > 1] == []
    titles = Counter((r["title"].casefold(), r["kind"]) for r in RESOURCES)
    assert [t for t, n in titles.items() if n > 1] == []
    for resource in RESOURCES:
        assert resource["url"].startswith(("https://", *HTTP_ONLY)), resource["slug"]
        assert resource["concepts"], resource["slug"]
        assert resource["description"].strip(), resource["slug"]
        if resource["kind"] == "paper":
            assert resource["year"] and resource["authors"] and resource["venue"], resource["slug"]
        arxiv = ARXIV_URL.match(resource["url"])
        if arxiv:  # the id written down is the one linked
            assert resource["arxiv_id"] == arxiv[1], resource["slug"]


@pytest.mark.parametrize(
    "slug",
    [
        "attention-is-all-you-need", "gpt-3-2020", "chinchilla-2022", "instructgpt-2022",
        "lora-2021", "scaling-laws-2020",
    ],
)  # fmt: skip
def test_the_milestones_before_2023_are_still_there(slug):
    assert slug in {r["slug"] for r in RESOURCES}


def test_the_catalogue_reaches_this_years_papers():
    years = Counter(r["year"] for r in RESOURCES if r["kind"] == "paper")
    assert sum(n for year, n in years.items() if year and year >= 2023) >= 20


def test_paths_are_staged_noted_in_both_languages_and_ordered():
    slugs = {p["slug"] for p in DOCUMENT["paths"]}
    assert len(PATHS) >= 10
    for path in PATHS:
        where = path["slug"]
        assert 3 <= len(path["stages"]) <= 6, where
        for key in ("title_zh_hans", "summary_zh_hans", "description_zh_hans", "assumes"):
            assert path.get(key, "").strip(), (where, key)
        assert path.get("assumes_zh_hans", "").strip(), where
        assert set(path.get("previous_paths", [])) <= slugs - {where}
        for stage in path["stages"]:
            assert stage["title_zh_hans"].strip() and stage["goal_zh_hans"].strip(), where
            assert 1 <= len(stage["steps"]) <= 8, (where, stage["title"])
            for step in stage["steps"]:
                assert step["note"].strip() and step["note_zh_hans"].strip(), (where, step)
                assert isinstance(step.get("hours"), int) and step["hours"] >= 1, (where, step)
    beginners = [p for p in PATHS if not p.get("previous_paths")]
    assert beginners, "some path must be a place to start"


def test_every_concept_is_covered_by_one_to_three_published_core_resources_on_paths():
    published = {r["slug"]: r for r in RESOURCES if r.get("published", True)}
    on_paths = {step["resource"] for p in PATHS for s in p["stages"] for step in s["steps"]}
    core: dict[str, list[str]] = {}
    for resource in published.values():
        for concept in resource.get("core_for", []):
            assert concept in resource["concepts"], (resource["slug"], concept)
            core.setdefault(concept, []).append(resource["slug"])
    for concept in CONCEPTS:
        assert 1 <= len(core.get(concept["slug"], [])) <= 3, concept["slug"]
    # A learner's progress on the paths marks the concepts done, except two: machine learning
    # is taught by CS229 and graph neural networks by the GCN paper and Distill's introduction,
    # which no path takes as steps yet.
    off_paths = {c for c, slugs in core.items() if not set(slugs) & on_paths}
    assert off_paths == {"machine-learning", "graph-neural-networks"}


def test_three_paths_check_every_stage_with_questions_in_both_languages():
    checked = []
    for path in PATHS:
        stages = [stage.get("self_check", []) for stage in path["stages"]]
        for questions in stages:
            assert len(questions) <= 4, path["slug"]
            for question in questions:
                for key in ("question", "answer", "question_zh_hans", "answer_zh_hans"):
                    assert question.get(key, "").strip(), (path["slug"], question["question"], key)
        if all(len(questions) >= 2 for questions in stages):
            checked.append(path["slug"])
    assert {"deep-learning-foundations", "from-rnns-to-transformers-and-llms"} <= set(checked)
    assert len(checked) >= 3
    for path in DOCUMENT["paths"]:
        assert 1 <= path.get("weekly_hours", 5) <= 80, path["slug"]
    assert all("weekly_hours" in path for path in PATHS)


def test_previous_paths_name_only_what_no_other_previous_path_already_requires():
    # "After this path" on a path lists the paths naming it: a path that also needs another
    # one, not listed there, would send a learner somewhere they are not ready for.
    previous = {p["slug"]: p.get("previous_paths", []) for p in DOCUMENT["paths"]}

    def before(slug: str) -> set[str]:
        found, todo = set(), list(previous[slug])
        while todo:
            current = todo.pop()
            if current not in found:
                found.add(current)
                todo += previous[current]
        return found

    for slug, names in previous.items():
        for name in names:
            implied = [other for other in names if other != name and name in before(other)]
            assert not implied, (slug, name, implied)


def test_no_beginner_path_starts_with_a_research_paper():
    kinds = {r["slug"]: r["kind"] for r in RESOURCES}
    for path in PATHS:
        if path["level"] == "beginner":
            first = path["stages"][0]["steps"][0]["resource"]
            assert kinds[first] != "paper", path["slug"]


@pytest.mark.django_db
def test_every_path_can_be_completed_by_a_learner(client, curated_catalogue, make):
    learner = make.user(username="learner")
    client.force_login(learner)
    paths = list(LearningPath.objects.published().order_by("slug"))
    assert len(paths) == len(PATHS)

    for path in paths:
        steps = Step.objects.filter(path=path).select_related("resource")
        client.post(reverse("path-follow", args=[path.slug]), {"action": "follow"})
        for step in steps:
            response = client.post(
                reverse("resource-progress", args=[step.resource.slug]),
                {"status": "done", "path": path.slug, "next": path.get_absolute_url()},
            )
            assert response.status_code == 302, (path.slug, step.resource.slug)
        page = client.get(path.get_absolute_url())
        assert page.status_code == 200
        assert "Path complete on" in page.content.decode(), path.slug
    assert PathFollow.objects.completed().filter(user=learner).count() == len(paths)


@pytest.mark.django_db
def test_the_curated_concept_map_has_no_overlapping_boxes_and_fits_a_laptop(
    client, curated_catalogue
):

    for language in ("en", "zh-hans"):
        page = parse(client.get(f"/{language}/concepts/map/").content)

        svg = page.find("svg", class_="graph")
        boxes = [
            tuple(float(rect.attrs[k]) for k in ("x", "y", "width", "height"))
            for rect in svg.find_all("rect")
        ]
        assert len(boxes) == len(CONCEPTS), language
        for i, (x1, y1, w1, h1) in enumerate(boxes):
            for x2, y2, w2, h2 in boxes[i + 1 :]:
                apart = x1 + w1 <= x2 or x2 + w2 <= x1 or y1 + h1 <= y2 or y2 + h2 <= y1
                assert apart, (language, (x1, y1), (x2, y2))
        assert int(svg.attrs["width"]) <= 1150  # the page's column (74rem) less its padding
