import copy
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from learnpaths.catalogue_io.format import FORMAT
from learnpaths.catalogue_io.importer import CatalogueError, catalogue_import
from learnpaths.models import LearningPath, Stage, Step
from resources.models import Concept, ConceptPrerequisite, ConferenceEdition, Resource, Tag

DOCUMENT = {
    "format": FORMAT,
    "concepts": [
        {
            "slug": "nn",
            "name": "Neural networks",
            "name_zh": "神经网络",
            "area": "foundations",
            "summary": "Layers of units.",
            "prerequisites": [],
        },
        {
            "slug": "dl",
            "name": "Deep learning",
            "name_zh": "深度学习",
            "area": "foundations",
            "summary": "Many layers.",
            "prerequisites": ["nn"],
        },
    ],
    "resources": [
        {
            "slug": "book",
            "title": "A Book",
            "kind": "book",
            "url": "https://example.org/book",
            "year": 2016,
            "tags": ["Textbook", "free online"],
            "concepts": ["dl"],
        },
        {
            "slug": "conf",
            "title": "A Conference",
            "kind": "conference",
            "url": "https://example.org/conf",
            "editions": [
                {
                    "year": 2026,
                    "starts_on": "2026-12-06",
                    "ends_on": "2026-12-12",
                    "location": "Somewhere",
                    "submission_deadline": "2026-05-15T23:59",
                    "deadline_timezone": "AoE",
                }
            ],
        },
    ],
    "paths": [
        {
            "slug": "p",
            "title": "A Path",
            "summary": "S.",
            "status": "published",
            "concepts": ["dl"],
            "stages": [
                {
                    "title": "One",
                    "goal": "G.",
                    "steps": [
                        {"resource": "book", "note": "Read it."},
                        {"resource": "conf", "note": "Follow it.", "optional": True},
                    ],
                }
            ],
        },
    ],
}


def snapshot():
    return {
        model.__name__: sorted(map(str, model.objects.values_list()))
        for model in (
            Concept,
            ConceptPrerequisite,
            Resource,
            Tag,
            ConferenceEdition,
            LearningPath,
            Stage,
            Step,
        )
    }


@pytest.mark.django_db
def test_importing_twice_changes_nothing():
    first = catalogue_import(copy.deepcopy(DOCUMENT))
    assert first.created["concepts"] == 2 and first.created["paths"] == 1
    before = snapshot()
    second = catalogue_import(copy.deepcopy(DOCUMENT))
    assert not second.changed
    assert snapshot() == before


@pytest.mark.django_db
def test_import_updates_by_slug_instead_of_duplicating():
    catalogue_import(copy.deepcopy(DOCUMENT))
    changed = copy.deepcopy(DOCUMENT)
    changed["resources"][0]["title"] = "A Better Book"
    changed["paths"][0]["stages"][0]["steps"].reverse()
    report = catalogue_import(changed)
    assert report.updated["resources"] == 1 and report.updated["paths"] == 1
    assert Resource.objects.get(slug="book").title == "A Better Book"
    assert list(Step.objects.order_by("position").values_list("resource__slug", flat=True)) == [
        "conf",
        "book",
    ]
    assert Resource.objects.count() == 2


@pytest.mark.django_db
def test_import_stores_deadline_in_utc_from_its_time_zone():
    catalogue_import(copy.deepcopy(DOCUMENT))
    (deadline,) = ConferenceEdition.objects.get().deadlines.all()
    assert (deadline.kind, deadline.timezone) == ("paper", "AoE")
    assert deadline.due.isoformat() == "2026-05-16T11:59:00+00:00"
    assert sorted(Resource.objects.get(slug="book").tags.names()) == ["free online", "textbook"]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["resources"][0].update(url="javascript:alert(1)"), 'resources[0] "book": url'),
        (lambda d: d["resources"][0].update(concepts=["nope"]), "unknown concept slug(s): nope"),
        (lambda d: d["concepts"][0].update(prerequisites=["dl"]), "prerequisites form a cycle"),
        (
            lambda d: d["paths"][0]["stages"][0]["steps"].append({"resource": "book", "note": "x"}),
            "resource book is already used",
        ),
        (lambda d: d["resources"][0].update(titel="typo"), "unknown field(s): titel"),
        (
            lambda d: d["resources"][1]["editions"][0].update(ends_on="2026-12-01"),
            "cannot end before it starts",
        ),
        (lambda d: d["paths"][0]["stages"][0]["steps"][0].update(note=""), "curator's note"),
    ],
)
@pytest.mark.django_db
def test_an_invalid_document_changes_nothing_and_names_the_problem(mutate, message):
    catalogue_import(copy.deepcopy(DOCUMENT))
    before = snapshot()
    broken = copy.deepcopy(DOCUMENT)
    broken["resources"][0]["title"] = "Changed before the error"
    mutate(broken)
    with pytest.raises(CatalogueError) as error:
        catalogue_import(broken)
    assert message in str(error.value)
    assert snapshot() == before


@pytest.mark.django_db
def test_seed_command_loads_the_curated_catalogue_and_twice_changes_nothing():
    call_command("seed")
    before = snapshot()
    assert Concept.objects.count() >= 15
    assert Resource.objects.count() >= 50
    assert LearningPath.objects.published().count() >= 4
    call_command("seed")
    assert snapshot() == before


@pytest.mark.django_db
def test_seed_command_reports_a_broken_file(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({"format": "something-else"}))
    with pytest.raises(CommandError, match="not a catalogue document"):
        call_command("seed", str(broken))
    assert Concept.objects.count() == 0


@pytest.mark.django_db
def test_step_hours_are_imported_and_validated():
    document = copy.deepcopy(DOCUMENT)
    document["paths"][0]["stages"][0]["steps"][0]["hours"] = 6
    catalogue_import(document)
    step = Step.objects.get(resource__slug="book")
    assert step.hours == 6 and step.estimated_hours == 6
    assert Step.objects.get(resource__slug="conf").hours is None
    document["paths"][0]["stages"][0]["steps"][0]["hours"] = 0
    with pytest.raises(CatalogueError, match="hours must be a whole number from 1 to 2000"):
        catalogue_import(document)
    assert Step.objects.get(resource__slug="book").hours == 6


def test_every_problem_of_a_translated_path_is_reported_once(db):
    document = copy.deepcopy(DOCUMENT)
    path = document["paths"][0]
    path["title"] = "T" * 201
    path["title_zh_hans"] = "标" * 201
    path["stages"][0]["steps"][0]["resource"] = "no-such-resource"
    with pytest.raises(CatalogueError) as raised:
        catalogue_import(document)
    problems = raised.value.problems
    assert sum("title_zh_hans" in p for p in problems) == 1
    assert sum("title" in p and "_zh_hans" not in p for p in problems) == 1, problems
    assert any("no-such-resource" in p for p in problems)
