"""Markdown fields have a maximum length wherever they are entered (admin, import): rendering
grows with the text, and a 960 KB formula once took 23 s to save. Longer text is refused with
the reason, and nothing is stored."""

import copy

import pytest

from learnpaths.catalogue_io.importer import CatalogueError, catalogue_import
from learnpaths.models import LearningPath
from resources.models import (
    MAX_MARKDOWN_LENGTH,
    MAX_NOTE_LENGTH,
    MAX_SUMMARY_LENGTH,
    Concept,
    Resource,
)
from tests.admin_forms import change_form, post_form
from tests.learnpaths.test_catalogue import DOCUMENT

HUGE_MATH = "$" + "x-" * 480_000 + "x$"


@pytest.mark.parametrize(
    ("target", "field", "limit"),
    [
        ("resource", "description", MAX_MARKDOWN_LENGTH),
        ("concept", "body_en", MAX_MARKDOWN_LENGTH),
        ("concept", "body_zh_hans", MAX_MARKDOWN_LENGTH),
        ("concept", "summary_en", MAX_SUMMARY_LENGTH),
        ("path", "description_en", MAX_MARKDOWN_LENGTH),
        ("path", "summary_zh_hans", MAX_SUMMARY_LENGTH),
        ("stage", "goal_en", MAX_SUMMARY_LENGTH),
        ("stage", "steps-0-note_en", MAX_NOTE_LENGTH),
        ("stage", "steps-0-note_zh_hans", MAX_NOTE_LENGTH),
    ],
)
def test_the_admin_refuses_an_over_long_markdown_field(staff_client, make, target, field, limit):
    path = make.path(stages=1, steps_per_stage=1)
    stage = path.stages.get()
    obj = {
        "resource": stage.steps.get().resource,
        "concept": make.concept(),
        "path": path,
        "stage": stage,
    }[target]
    fields = change_form(staff_client, obj)
    fields[field] = ["a" * (limit + 1)]
    response = post_form(staff_client, obj, fields)
    assert response.status_code == 200
    assert (
        f"Ensure this value has at most {limit} characters (it has {limit + 1})."
        in response.content.decode()
    )
    obj.refresh_from_db()
    name = field.rsplit("-", 1)[-1]
    holder = stage.steps.get() if name.startswith("note") else obj
    assert len(getattr(holder, name) or "") < limit


def test_the_admin_refuses_a_huge_formula_quickly(staff_client, make):
    resource = make.resource()
    fields = change_form(staff_client, resource)
    fields["description"] = [HUGE_MATH]
    response = post_form(staff_client, resource, fields)
    assert response.status_code == 200
    assert f"at most {MAX_MARKDOWN_LENGTH} characters" in response.content.decode()
    assert Resource.objects.get(pk=resource.pk).description != HUGE_MATH


def _set(where, key, value):
    def mutate(document):
        target = document
        for step in where:
            target = target[step]
        target[key] = value

    return mutate


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (_set(["resources", 0], "description", HUGE_MATH), "description: Ensure this value has"),
        (_set(["concepts", 0], "body", "b" * 20_001), "body: Ensure this value has at most"),
        (_set(["concepts", 0], "summary", "s" * 1_001), "summary: Ensure this value has"),
        (_set(["paths", 0], "description", "d" * 20_001), "description: Ensure this value"),
        (_set(["paths", 0], "summary", "s" * 1_001), "summary: Ensure this value has"),
        (_set(["paths", 0, "stages", 0], "goal", "g" * 1_001), "goal: Ensure this value has"),
        (_set(["paths", 0, "stages", 0], "title", "t" * 201), "title: Ensure this value has"),
        (
            _set(["paths", 0, "stages", 0, "steps", 0], "note", "n" * 5_001),
            "note: Ensure this value has at most 5000 characters (it has 5001)",
        ),
    ],
)
def test_the_import_refuses_an_over_long_field_with_the_reason(mutate, message):
    document = copy.deepcopy(DOCUMENT)
    mutate(document)
    with pytest.raises(CatalogueError) as error:
        catalogue_import(document)
    assert message in str(error.value)
    assert not Concept.objects.exists() and not Resource.objects.exists()
    assert not LearningPath.objects.exists()
