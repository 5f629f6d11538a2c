"""A stage moved to another path takes its steps along, whatever the door, and the move keeps
both paths whole: the one it leaves and the one it joins."""

import re

import pytest
from django.test import Client

from learnpaths.models import PathStatus, Stage, Step
from tests.admin_forms import admin_view_url as admin_url
from tests.admin_forms import change_form
from tests.learnpaths.test_publishing import texts


def step_titles(client, path) -> list[str]:
    """The resource titles listed as steps on the path's public page, in order."""
    response = client.get(path.get_absolute_url())
    assert response.status_code == 200
    return re.findall(r'class="step-title"[^>]*>\s*<a[^>]*>([^<]+)</a>', texts(response))


def move_stage(client, stage, path, position=9):
    data = change_form(client, stage) | {"path": [str(path.pk)], "position": [str(position)]}
    return client.post(admin_url(Stage, "change", stage.pk), data)


def test_a_stage_moved_in_the_admin_takes_its_steps_to_the_new_path(staff_client, make):
    old, new = make.path(stages=2, steps_per_stage=2), make.path(stages=1)
    moved = old.stages.get(position=2)
    titles = [step.resource.title for step in moved.steps.order_by("position")]
    anonymous = Client()
    before_old, before_new = step_titles(anonymous, old), step_titles(anonymous, new)
    assert set(titles) <= set(before_old)

    response = move_stage(staff_client, moved, new)

    assert response.status_code == 302, texts(response)
    assert set(Step.objects.filter(stage=moved).values_list("path", flat=True)) == {new.pk}
    # The pages are current at once: the steps show on the new path and left the old one.
    assert step_titles(anonymous, new) == before_new + titles
    assert not set(titles) & set(step_titles(anonymous, old))


def test_a_stage_moved_through_the_orm_takes_its_steps_along(make):
    old, new = make.path(stages=2), make.path(status=PathStatus.DRAFT)
    stage = old.stages.get(position=2)
    stage.path = new
    stage.save()
    assert list(Step.objects.filter(stage=stage).values_list("path", flat=True)) == [new.pk]
    assert not Step.objects.filter(path=old, stage=stage).exists()


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"note": ""}, "has no note"),
        ({"resource__published": False}, "uses the unpublished resource"),
        ("empty", "has no step"),
    ],
)
def test_a_published_path_does_not_receive_a_stage_that_would_break_it(
    staff_client, make, change, reason
):
    old, new = make.path(stages=2, status=PathStatus.DRAFT), make.path(title="Receiving Path")
    stage = old.stages.get(position=2)
    step = stage.steps.get()
    if change == "empty":
        step.delete()
    elif "note" in change:
        Step.objects.filter(pk=step.pk).update(note="")
    else:
        type(step.resource).objects.filter(pk=step.resource_id).update(published=False)

    response = move_stage(staff_client, stage, new)

    assert response.status_code == 200 and reason in texts(response)
    assert "Receiving Path" in texts(response)
    assert Stage.objects.get(pk=stage.pk).path_id == old.pk
    assert set(Step.objects.filter(stage=stage).values_list("path", flat=True)) <= {old.pk}


def test_a_published_path_does_not_lose_its_last_stage_to_a_move(staff_client, make):
    old, new = make.path(title="Only Stage Path"), make.path(status=PathStatus.DRAFT)
    stage = old.stages.get()
    response = move_stage(staff_client, stage, new)
    assert response.status_code == 200 and "would be left without stages" in texts(response)
    assert Stage.objects.get(pk=stage.pk).path_id == old.pk


def test_a_stage_whose_resource_the_receiving_path_uses_is_refused_with_a_message(
    staff_client, make
):
    old, new = make.path(stages=2), make.path(stages=1)
    stage = old.stages.get(position=2)
    shared = stage.steps.get().resource
    # The receiving path already has this resource as a step.
    Step.objects.create(stage=new.stages.get(), position=2, resource=shared, note="Also here.")

    response = move_stage(staff_client, stage, new)

    assert response.status_code == 200
    assert f"“{shared.title}” is already a step of" in texts(response)
    assert Stage.objects.get(pk=stage.pk).path_id == old.pk
