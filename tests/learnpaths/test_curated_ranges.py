"""Curated integers (positions, hours, years) are checked where they are entered, and the database
never holds a value that a later edit could overflow."""

import copy

import pytest
from django.db import IntegrityError, transaction

from learnpaths.catalogue_io.importer import CatalogueError, catalogue_import
from learnpaths.models import Stage, Step
from resources.models import Concept, ConferenceEdition, Resource
from tests.admin_forms import change_form, post_form
from tests.learnpaths.test_catalogue import DOCUMENT


def error_text(response) -> str:
    return response.content.decode()


@pytest.mark.parametrize(
    ("target", "field", "value"),
    [
        ("stage", "steps-0-position", "30000"),
        ("stage", "steps-0-position", "1000"),
        ("stage", "position", "30000"),
        ("path", "stages-0-position", "30000"),
        ("concept", "position", "30000"),
        ("resource", "estimated_hours", "30000"),
        ("resource", "year", "30000"),
        ("stage", "steps-0-hours", "30000"),
    ],
)
def test_an_out_of_range_number_is_a_form_error_and_nothing_is_saved(
    staff_client, make, target, field, value
):
    path = make.path(stages=1, steps_per_stage=2)
    stage = path.stages.get()
    obj = {
        "stage": stage,
        "path": path,
        "concept": make.concept(),
        "resource": stage.steps.first().resource,
    }[target]
    fields = change_form(staff_client, obj)
    fields[field] = [value]
    response = post_form(staff_client, obj, fields)
    assert response.status_code == 200
    assert "less than or equal to" in error_text(response)
    assert not Stage.objects.filter(position__gt=2).exists()
    assert not Step.objects.filter(position__gt=2).exists()
    assert not Step.objects.filter(hours__isnull=False).exists()
    assert Concept.objects.filter(position__gt=999).count() == 0
    assert Resource.objects.filter(estimated_hours=30000).count() == 0
    assert Resource.objects.filter(year=30000).count() == 0


def test_steps_at_the_highest_positions_can_still_be_edited_and_reordered(staff_client, make):
    stage = make.path(stages=1, steps_per_stage=2).stages.get()
    first, second = stage.steps.order_by("position")
    Step.objects.filter(pk=first.pk).update(position=999)
    Step.objects.filter(pk=second.pk).update(position=998)
    fields = change_form(staff_client, stage)
    prefix = {fields[f"steps-{i}-id"][0]: i for i in range(2)}
    fields[f"steps-{prefix[str(first.pk)]}-position"] = ["998"]
    fields[f"steps-{prefix[str(second.pk)]}-position"] = ["999"]
    fields[f"steps-{prefix[str(first.pk)]}-note_en"] = ["Edited at the end of the range."]
    response = post_form(staff_client, stage, fields)
    assert response.status_code == 302, error_text(response)[:2000]
    assert dict(stage.steps.values_list("pk", "position")) == {first.pk: 998, second.pk: 999}
    assert stage.steps.get(pk=first.pk).note == "Edited at the end of the range."


def test_stages_at_the_highest_positions_can_still_be_reordered(staff_client, make):
    path = make.path(stages=2, steps_per_stage=1)
    first, second = path.stages.order_by("position")
    Stage.objects.filter(pk=first.pk).update(position=1)
    Stage.objects.filter(pk=second.pk).update(position=999)
    fields = change_form(staff_client, path)
    prefix = {fields[f"stages-{i}-id"][0]: i for i in range(2)}
    fields[f"stages-{prefix[str(first.pk)]}-position"] = ["999"]
    fields[f"stages-{prefix[str(second.pk)]}-position"] = ["1"]
    response = post_form(staff_client, path, fields)
    assert response.status_code == 302, error_text(response)[:2000]
    assert dict(path.stages.values_list("pk", "position")) == {first.pk: 999, second.pk: 1}


@pytest.mark.parametrize(
    ("model", "values"),
    [
        (Step, {"position": 30000}),
        (Step, {"position": 0}),
        (Step, {"hours": 30000}),
        (Stage, {"position": 30000}),
        (Concept, {"position": 30000}),
        (Resource, {"estimated_hours": 30000}),
        (ConferenceEdition, {"year": 30000}),
    ],
)
def test_the_database_refuses_a_value_out_of_range(make, model, values):
    path = make.path(stages=1, steps_per_stage=1)
    conference = make.resource(kind="conference")
    ConferenceEdition.objects.create(conference=conference, year=2030)
    make.concept()
    assert model.objects.exists()
    with pytest.raises(IntegrityError), transaction.atomic():
        model.objects.filter(pk=model.objects.first().pk).update(**values)
    assert path.stages.get().position == 1


def _document(mutate):
    document = copy.deepcopy(DOCUMENT)
    mutate(document)
    return document


def _many_steps(document):
    document["resources"] += [
        {"slug": f"r{n}", "title": f"R{n}", "kind": "book", "url": f"https://example.org/{n}"}
        for n in range(1000)
    ]
    document["paths"][0]["stages"][0]["steps"] = [
        {"resource": f"r{n}", "note": "Why."} for n in range(1000)
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (
            lambda d: d["concepts"][0].update(position=40000),
            "position must be a whole number from 0 to 999",
        ),
        (
            lambda d: d["concepts"][0].update(position=-1),
            "position must be a whole number from 0 to 999",
        ),
        (lambda d: d["resources"][0].update(estimated_hours=40000), "estimated_hours must be"),
        (lambda d: d["resources"][0].update(year=40000), "year must be a whole number"),
        (
            lambda d: d["resources"][1]["editions"][0].update(year=40000),
            "year must be a whole number",
        ),
        (
            lambda d: d["paths"][0]["stages"][0]["steps"][0].update(hours=40000),
            "hours must be a whole number from 1 to 2000",
        ),
        (_many_steps, "a stage has at most 999 steps"),
    ],
)
def test_import_refuses_an_out_of_range_number_and_changes_nothing(mutate, message):
    with pytest.raises(CatalogueError) as error:
        catalogue_import(_document(mutate))
    assert message in str(error.value)
    assert not Concept.objects.exists() and not Resource.objects.exists()


def test_steps_stored_out_of_range_by_other_means_are_flagged_then_fixed_in_the_admin(
    staff_client, make
):
    # The columns hold the parking range too, so the shell can store what no form accepts.
    stage = make.path(stages=1, steps_per_stage=2).stages.get()
    first, second = stage.steps.order_by("position")
    Step.objects.filter(pk=first.pk).update(position=1999)
    Step.objects.filter(pk=second.pk).update(position=1000)
    fields = change_form(staff_client, stage)
    response = post_form(staff_client, stage, fields)
    assert response.status_code == 200
    assert "less than or equal to 999" in error_text(response)

    prefix = {fields[f"steps-{i}-id"][0]: i for i in range(2)}
    fields[f"steps-{prefix[str(first.pk)]}-position"] = ["2"]
    fields[f"steps-{prefix[str(second.pk)]}-position"] = ["1"]
    response = post_form(staff_client, stage, fields)
    assert response.status_code == 302, error_text(response)[:2000]
    assert dict(stage.steps.values_list("pk", "position")) == {first.pk: 2, second.pk: 1}
