"""Two curators editing the same item: a save based on a stale form is refused, never lost."""

import datetime as dt
import html
import threading
import time

import pytest
from django.db import connection

from learnpaths.core.admin_concurrency import VERSION_FIELD
from learnpaths.models import LearningPath, Stage, Step
from resources.models import Concept, ConferenceEdition, Resource, Tag
from tests.admin_forms import change_form, post_form

STALE = "was changed by someone else since you opened it; reload the page"


def refused(response) -> bool:
    return response.status_code == 200 and STALE in html.unescape(response.content.decode())


def swap_first_two(fields, prefix):
    first, second = fields[f"{prefix}-0-position"][0], fields[f"{prefix}-1-position"][0]
    fields[f"{prefix}-0-position"], fields[f"{prefix}-1-position"] = [second], [first]


@pytest.fixture
def catalogue(make):
    path = make.path(stages=2, steps_per_stage=2)
    concept = make.concept()
    make.concept().prerequisites.add(concept)
    conference = make.resource(kind="conference", tags=["venue"])
    edition = ConferenceEdition.objects.create(conference=conference, year=2030)
    edition.deadlines.create(kind="paper", due=dt.datetime(2030, 5, 1, 12, tzinfo=dt.UTC))
    return {
        "path": path,
        "stage": path.stages.order_by("position").first(),
        "step": Step.objects.filter(path=path).order_by("pk").first(),
        "concept": concept,
        "resource": conference,
        "edition": edition,
        "tag": Tag.objects.get(name="venue"),
    }


# (item, the first curator's change, the second curator's change, how to read the first's back)
EDITS = [
    (
        "path",
        lambda f: f.update(title_en=["First curator's title"]),
        lambda f: f.update(summary_en=["Second curator's summary"]),
        lambda o: (o.title, o.summary) == ("First curator's title", "A path."),
    ),
    (
        "path",
        lambda f: swap_first_two(f, "stages"),
        lambda f: f.update(title_en=["Second curator's title"]),
        lambda o: list(o.stages.values_list("title", flat=True)) == ["Stage 2", "Stage 1"],
    ),
    (
        "stage",
        lambda f: swap_first_two(f, "steps"),
        lambda f: f.update(title_en=["Second curator's title"]),
        lambda o: (
            o.title == "Stage 1"
            and list(o.steps.order_by("position").values_list("pk", flat=True))
            == sorted(o.steps.values_list("pk", flat=True), reverse=True)
        ),
    ),
    (
        "stage",
        lambda f: f.update({"steps-0-note_en": ["First curator's note"]}),
        lambda f: f.update(goal_en=["Second curator's goal"]),
        lambda o: (
            o.goal == "Goal." and o.steps.order_by("pk").first().note == "First curator's note"
        ),
    ),
    (
        "step",
        lambda f: f.update(note_en=["First curator's note"]),
        lambda f: f.update(optional=["on"]),
        lambda o: (o.note, o.optional) == ("First curator's note", False),
    ),
    (
        "concept",
        lambda f: f.update(name_zh=["第一"]),
        lambda f: f.update(summary_en=["Second curator's summary"]),
        lambda o: o.name_zh == "第一" and o.summary.startswith("Summary of concept"),
    ),
    (
        "resource",
        lambda f: f.update(authors=["First curator"]),
        lambda f: f.update(authors=["Second curator"]),
        lambda o: o.authors == "First curator",
    ),
    (
        "resource",
        lambda f: f.update({"editions-0-location": ["First city"]}),
        lambda f: f.update(title_en=["Second curator's title"]),
        lambda o: o.editions.get().location == "First city" and o.title.startswith("Resource"),
    ),
    (
        "edition",
        lambda f: f.update(location=["First city"]),
        lambda f: f.update(location=["Second city"]),
        lambda o: o.location == "First city",
    ),
    (
        "tag",
        lambda f: f.update(name=["first name"]),
        lambda f: f.update(name=["second name"]),
        lambda o: o.name == "first name",
    ),
]


@pytest.mark.parametrize(
    ("item", "first_edit", "second_edit", "holds_first"),
    EDITS,
    ids=[f"{edit[0]}-{n}" for n, edit in enumerate(EDITS)],
)
def test_the_second_save_of_a_form_opened_before_the_first_save_is_refused(
    staff_client, catalogue, item, first_edit, second_edit, holds_first
):
    obj = catalogue[item]
    first = change_form(staff_client, obj)
    second = change_form(staff_client, obj)
    assert first[VERSION_FIELD] == second[VERSION_FIELD]

    first_edit(first)
    response = post_form(staff_client, obj, first)
    assert response.status_code == 302, response.content.decode()[:3000]

    second_edit(second)
    response = post_form(staff_client, obj, second)
    assert refused(response)
    obj = type(obj).objects.get(pk=obj.pk)
    assert holds_first(obj)

    # Reloading gives a form of the new version, which saves.
    fresh = change_form(staff_client, obj)
    second_edit(fresh)
    response = post_form(staff_client, obj, fresh)
    assert response.status_code == 302, response.content.decode()[:3000]


def test_a_path_form_is_stale_once_one_of_its_stages_was_saved_elsewhere(staff_client, catalogue):
    path, stage = catalogue["path"], catalogue["stage"]
    path_form = change_form(staff_client, path)
    stage_form = change_form(staff_client, stage)
    stage_form["title_en"] = ["Renamed on the stage page"]
    assert post_form(staff_client, stage, stage_form).status_code == 302

    path_form["summary_en"] = ["Edited on the path page"]
    assert refused(post_form(staff_client, path, path_form))
    assert Stage.objects.get(pk=stage.pk).title == "Renamed on the stage page"
    assert LearningPath.objects.get(pk=path.pk).summary == "A path."


def test_a_resource_form_is_stale_once_its_tags_or_concepts_changed(staff_client, catalogue):
    resource = catalogue["resource"]
    form = change_form(staff_client, resource)
    resource.concepts.add(catalogue["concept"])
    form["authors"] = ["Someone"]
    assert refused(post_form(staff_client, resource, form))
    assert Resource.objects.get(pk=resource.pk).authors == ""


def test_an_unchanged_item_saves_and_saving_twice_from_one_form_is_refused(staff_client, catalogue):
    concept = catalogue["concept"]
    form = change_form(staff_client, concept)
    form["summary_en"] = ["New summary."]
    assert post_form(staff_client, concept, form).status_code == 302
    # The same form again (a double submit, or Back and resubmit) is a stale form too.
    form["summary_en"] = ["Another summary."]
    assert refused(post_form(staff_client, concept, form))
    assert Concept.objects.get(pk=concept.pk).summary == "New summary."


def test_staff_who_may_only_view_see_the_item_without_a_token(client, make, catalogue):
    from django.contrib.auth.models import Permission

    viewer = make.user(username="viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_resource"))
    client.force_login(viewer)
    response = client.get(f"/admin/resources/resource/{catalogue['resource'].pk}/change/")
    assert response.status_code == 200
    assert VERSION_FIELD not in response.content.decode()


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks: run by the PostgreSQL leg of .ci/run"
)
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_saves_of_one_version_leave_exactly_one(monkeypatch, make):
    from django.test import Client

    from resources.admin import ConceptAdmin

    curator = make.user(username="curator", is_staff=True, is_superuser=True)
    concept = make.concept()
    original_save = ConceptAdmin.save_model

    def slow_save(self, request, obj, form, change):
        # Hold the transaction open so that the other request arrives in the middle of it.
        time.sleep(0.5)
        original_save(self, request, obj, form, change)

    monkeypatch.setattr(ConceptAdmin, "save_model", slow_save)
    client = Client()
    client.force_login(curator)
    form = change_form(client, concept)
    barrier = threading.Barrier(2, timeout=10)
    statuses = {}

    def save(summary):
        try:
            own = Client()
            own.force_login(curator)
            barrier.wait()
            response = post_form(own, concept, {**form, "summary_en": [summary]})
            statuses[summary] = "saved" if response.status_code == 302 else refused(response)
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(s,)) for s in ("First.", "Second.")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(statuses.values(), key=str) == [True, "saved"]
    winner = next(s for s, outcome in statuses.items() if outcome == "saved")
    assert Concept.objects.get(pk=concept.pk).summary == winner


def test_a_change_to_a_linked_concept_does_not_make_a_resource_form_stale(staff_client, catalogue):
    # Saving a concept rewrites the search index of its resources; no curator edited them.
    resource, concept = catalogue["resource"], catalogue["concept"]
    resource.concepts.add(concept)
    resource_form = change_form(staff_client, resource)
    concept_form = change_form(staff_client, concept)
    concept_form["name"] = ["Renamed concept"]
    assert post_form(staff_client, concept, concept_form).status_code == 302

    resource_form["authors"] = ["Someone"]
    response = post_form(staff_client, resource, resource_form)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Resource.objects.get(pk=resource.pk).authors == "Someone"
