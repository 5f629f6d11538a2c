"""What the public pages show is what is published, whichever door a curator changes it
through, and a published path stays whole: every step's resource published, every stage with a
step, every step with a note."""

import threading
import time

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test import Client

from learnpaths.catalogue_io.exporter import catalogue_export
from learnpaths.catalogue_io.format import FORMAT
from learnpaths.catalogue_io.importer import CatalogueError, catalogue_import
from learnpaths.models import LearningPath, PathStatus, Stage, Step
from resources.models import Concept, Resource
from tests.admin_forms import admin_view_url as admin_url
from tests.admin_forms import change_form


def run_action(client, model, action, *objects):
    """POST the changelist's action form as a curator's browser does; the page it ends on."""
    return client.post(
        admin_url(model, "changelist"),
        {"action": action, "_selected_action": [obj.pk for obj in objects]},
        follow=True,
    )


def texts(response) -> str:
    return response.content.decode()


@pytest.fixture
def anonymous():
    return Client()


@pytest.fixture
def learner_client(make):
    client = Client()
    client.force_login(make.user())
    return client


def warm(client, urls):
    for url in urls:
        assert client.get(url).status_code == 200, url


# -- the pages are current at once, whatever the door -------------------------------------------
def test_unpublishing_a_resource_in_the_admin_takes_it_off_every_public_page_at_once(
    staff_client, anonymous, make
):
    concept = make.concept(slug="c")
    resource = make.resource(slug="gone", title="Vanishing Book", concepts=[concept])
    pages = ["/en/", "/en/resources/", "/en/resources/?kind=book", "/en/concepts/c/"]
    warm(anonymous, [*pages, "/en/resources/gone/"])
    assert all("Vanishing Book" in texts(anonymous.get(url)) for url in pages)

    response = run_action(staff_client, Resource, "unpublish", resource)

    assert "1 resource unpublished." in texts(response)
    assert anonymous.get("/en/resources/gone/").status_code == 404
    for url in pages:
        assert "Vanishing Book" not in texts(anonymous.get(url)), url


def test_publishing_a_resource_in_the_admin_shows_it_at_once(staff_client, anonymous, make):
    resource = make.resource(slug="back", title="Returning Book", published=False)
    warm(anonymous, ["/en/", "/en/resources/"])
    assert anonymous.get("/en/resources/back/").status_code == 404

    run_action(staff_client, Resource, "publish", resource)

    assert anonymous.get("/en/resources/back/").status_code == 200
    assert "Returning Book" in texts(anonymous.get("/en/resources/"))
    assert "Returning Book" in texts(anonymous.get("/en/"))


def test_unpublishing_a_path_in_the_admin_takes_it_off_every_public_page_at_once(
    staff_client, anonymous, learner_client, make
):
    concept = make.concept(slug="c")
    path = make.path(slug="gone", title="Vanishing Path", featured=True)
    path.concepts.add(concept)
    pages = ["/en/", "/en/paths/", "/en/concepts/c/"]
    warm(anonymous, [*pages, "/en/paths/gone/"])
    warm(learner_client, ["/en/paths/gone/", "/en/paths/"])
    assert all("Vanishing Path" in texts(anonymous.get(url)) for url in pages)

    response = run_action(staff_client, LearningPath, "unpublish", path)

    assert "1 path unpublished." in texts(response)
    assert anonymous.get("/en/paths/gone/").status_code == 404
    assert learner_client.get("/en/paths/gone/").status_code == 404
    for url in pages:
        assert "Vanishing Path" not in texts(anonymous.get(url)), url
    assert "Vanishing Path" not in texts(learner_client.get("/en/paths/"))


def test_publishing_a_path_in_the_admin_shows_it_at_once(staff_client, anonymous, make):
    path = make.path(slug="new", title="Fresh Path", status=PathStatus.DRAFT, featured=True)
    warm(anonymous, ["/en/", "/en/paths/"])

    run_action(staff_client, LearningPath, "publish", path)

    assert anonymous.get("/en/paths/new/").status_code == 200
    assert "Fresh Path" in texts(anonymous.get("/en/paths/"))
    assert "Fresh Path" in texts(anonymous.get("/en/"))


def test_bulk_edits_on_the_changelist_show_at_once(staff_client, anonymous, make):
    path = make.path(title="Sometimes Featured", featured=True)
    first, second = make.concept(name="Alpha", position=1), make.concept(name="Beta", position=2)
    warm(anonymous, ["/en/", "/en/concepts/"])
    assert "Sometimes Featured" in texts(anonymous.get("/en/"))

    unfeature = {"form-TOTAL_FORMS": 1, "form-INITIAL_FORMS": 1, "form-0-id": path.pk}
    staff_client.post(admin_url(LearningPath, "changelist"), {**unfeature, "_save": "Save"})
    staff_client.post(
        admin_url(Concept, "changelist"),
        {
            "form-TOTAL_FORMS": 2,
            "form-INITIAL_FORMS": 2,
            "form-0-id": first.pk,
            "form-0-position": 9,
            "form-1-id": second.pk,
            "form-1-position": 1,
            "_save": "Save",
        },
    )

    assert "Sometimes Featured" not in texts(anonymous.get("/en/"))
    concepts = texts(anonymous.get("/en/concepts/"))
    assert concepts.index("Beta") < concepts.index("Alpha")


def test_publishing_from_the_shell_shows_at_once(anonymous, make):
    resource = make.resource(slug="r", title="Shell Book")
    path = make.path(slug="p", title="Shell Path")
    warm(anonymous, ["/en/resources/", "/en/paths/"])

    assert Resource.objects.filter(pk=resource.pk).set_published(False) == 1
    assert LearningPath.objects.filter(pk=path.pk).set_status(PathStatus.DRAFT) == 1

    assert "Shell Book" not in texts(anonymous.get("/en/resources/"))
    assert "Shell Path" not in texts(anonymous.get("/en/paths/"))
    assert anonymous.get("/en/resources/r/").status_code == 404
    assert anonymous.get("/en/paths/p/").status_code == 404


# -- permissions ----------------------------------------------------------------------------------
@pytest.mark.parametrize("model", [Resource, LearningPath])
def test_staff_who_may_only_view_are_not_offered_publishing_and_cannot_forge_it(
    client, make, model
):
    viewer = make.user(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename=f"view_{model._meta.model_name}"))
    client.force_login(viewer)
    item = make.resource() if model is Resource else make.path()
    changelist = client.get(admin_url(model, "changelist"))
    assert changelist.status_code == 200
    assert 'value="publish"' not in texts(changelist)
    assert 'value="unpublish"' not in texts(changelist)

    run_action(client, model, "unpublish", item)

    item.refresh_from_db()
    assert (item.published if model is Resource else item.status == PathStatus.PUBLISHED) is True


@pytest.mark.parametrize("model", [Resource, LearningPath])
def test_staff_who_may_change_are_offered_publishing(client, make, model):
    editor = make.user(is_staff=True)
    name = model._meta.model_name
    editor.user_permissions.add(
        *Permission.objects.filter(codename__in=[f"view_{name}", f"change_{name}"])
    )
    client.force_login(editor)
    make.resource() if model is Resource else make.path()  # actions are offered for rows
    html = texts(client.get(admin_url(model, "changelist")))
    assert 'value="publish"' in html and 'value="unpublish"' in html


# -- a resource a published path uses stays published ----------------------------------------------
def test_unpublish_action_keeps_resources_that_published_paths_use_and_says_why(staff_client, make):
    path = make.path(title="Transformers Path")
    used = Step.objects.get(path=path).resource
    unused = make.resource()

    response = run_action(staff_client, Resource, "unpublish", used, unused)

    html = texts(response)
    assert f"“{used.title}” cannot be unpublished" in html and "“Transformers Path”" in html
    assert "1 resource unpublished." in html
    assert Resource.objects.get(pk=used.pk).published is True
    assert Resource.objects.get(pk=unused.pk).published is False


def test_the_resource_form_refuses_to_unpublish_a_resource_a_published_path_uses(
    staff_client, make
):
    path = make.path(title="Transformers Path")
    resource = Step.objects.get(path=path).resource
    data = change_form(staff_client, resource)
    del data["published"]  # the box unticked

    response = staff_client.post(admin_url(Resource, "change", resource.pk), data)

    assert response.status_code == 200
    assert "the published path “Transformers Path” uses it" in texts(response)
    resource.refresh_from_db()
    assert resource.published is True


def test_unpublishing_from_the_shell_is_refused_naming_the_paths(make):
    path = make.path(title="Transformers Path")
    resource = Step.objects.get(path=path).resource
    with pytest.raises(ValidationError, match="Transformers Path"):
        Resource.objects.filter(pk=resource.pk).set_published(False)
    resource.refresh_from_db()
    assert resource.published is True
    LearningPath.objects.filter(pk=path.pk).set_status(PathStatus.DRAFT)
    assert Resource.objects.filter(pk=resource.pk).set_published(False) == 1


def test_the_import_refuses_to_unpublish_a_resource_a_published_path_uses(make):
    path = make.path(title="Transformers Path")
    resource = Step.objects.get(path=path).resource
    document = catalogue_export()
    for item in document["resources"]:
        if item["slug"] == resource.slug:
            item["published"] = False

    with pytest.raises(CatalogueError) as refused:
        catalogue_import(document)

    assert any(
        resource.slug in problem and "“Transformers Path”" in problem
        for problem in refused.value.problems
    )
    resource.refresh_from_db()
    assert resource.published is True


# -- a path is published only when it is whole -----------------------------------------------------
@pytest.fixture
def incomplete_paths(make):
    """Draft paths, each missing one thing a published path needs, by title."""
    make.path(title="No Stage", status=PathStatus.DRAFT, stages=0)
    empty_stage = make.path(title="Empty Stage", status=PathStatus.DRAFT)
    Stage.objects.create(path=empty_stage, position=2, title="Later", goal="Goal.")
    no_note = make.path(title="No Note", status=PathStatus.DRAFT)
    Step.objects.filter(path=no_note).update(note="")
    hidden = make.path(title="Hidden Resource", status=PathStatus.DRAFT)
    Resource.objects.filter(steps__path=hidden).update(published=False)
    return {
        "No Stage": "needs at least one stage",
        "Empty Stage": "stage 2 “Later” has no step",
        "No Note": "has no note",
        "Hidden Resource": "unpublished resource",
    }


def test_publish_action_publishes_only_complete_paths_and_says_what_the_others_lack(
    staff_client, make, incomplete_paths
):
    complete = make.path(title="Complete", status=PathStatus.DRAFT)

    response = run_action(staff_client, LearningPath, "publish", *LearningPath.objects.all())

    html = texts(response)
    assert "1 path published." in html
    for title, reason in incomplete_paths.items():
        assert f"“{title}” cannot be published" in html and reason in html, title
    published = LearningPath.objects.published().values_list("title", flat=True)
    assert list(published) == [complete.title]


def test_publishing_from_the_shell_refuses_an_incomplete_path(incomplete_paths):
    for title, reason in incomplete_paths.items():
        with pytest.raises(ValidationError, match=reason):
            LearningPath.objects.filter(title=title).set_status(PathStatus.PUBLISHED)
    assert not LearningPath.objects.published().exists()


def test_the_path_form_refuses_to_publish_an_incomplete_path(staff_client, incomplete_paths):
    for title, reason in incomplete_paths.items():
        path = LearningPath.objects.get(title=title)
        data = change_form(staff_client, path) | {"status": "published"}
        response = staff_client.post(admin_url(LearningPath, "change", path.pk), data)
        assert response.status_code == 200 and reason in texts(response), title
        path.refresh_from_db()
        assert path.status == PathStatus.DRAFT


def test_the_path_form_refuses_to_delete_the_last_stage_of_a_published_path(staff_client, make):
    path = make.path(title="Short Path")
    data = change_form(staff_client, path) | {"stages-0-DELETE": "on"}

    response = staff_client.post(admin_url(LearningPath, "change", path.pk), data)

    assert "needs at least one stage" in texts(response)
    assert path.stages.count() == 1


def test_the_stage_form_refuses_to_delete_the_last_step_of_a_published_path(staff_client, make):
    stage = make.path(title="Short Path").stages.get()
    data = change_form(staff_client, stage) | {"steps-0-DELETE": "on"}

    response = staff_client.post(admin_url(Stage, "change", stage.pk), data)

    assert "“Short Path” is published" in texts(response) and "has no step" in texts(response)
    assert stage.steps.count() == 1


def test_a_step_without_a_note_is_saved_in_a_draft_but_not_in_a_published_path(staff_client, make):
    draft = make.path(status=PathStatus.DRAFT).stages.get()
    published = make.path().stages.get()
    for stage in (draft, published):
        resource = make.resource(title=f"Extra for {stage.path.title}")
        data = change_form(staff_client, stage) | {
            "steps-1-position": "2", "steps-1-resource": str(resource.pk), "steps-1-note_en": "",
        }  # fmt: skip
        staff_client.post(admin_url(Stage, "change", stage.pk), data)
    assert draft.steps.count() == 2
    assert published.steps.count() == 1


def test_deleting_the_last_step_or_stage_of_a_published_path_is_refused_with_the_reason(
    staff_client, make
):
    path = make.path(title="Short Path")
    stage, step = path.stages.get(), Step.objects.get(path=path)

    for model, obj, reason in (
        (Step, step, "would be left without steps"),
        (Stage, stage, "would be left without stages"),
    ):
        response = staff_client.post(admin_url(model, "delete", obj.pk), {"post": "yes"})
        assert response.status_code == 200 and reason in texts(response)
        response = staff_client.post(
            admin_url(model, "changelist"),
            {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"},
        )
        assert response.status_code == 200 and reason in texts(response)
    assert Step.objects.filter(pk=step.pk).exists() and Stage.objects.filter(pk=stage.pk).exists()
    # In a draft they may go.
    LearningPath.objects.filter(pk=path.pk).set_status(PathStatus.DRAFT)
    response = staff_client.post(admin_url(Step, "delete", step.pk), {"post": "yes"})
    assert response.status_code == 302 and not Step.objects.filter(pk=step.pk).exists()


def test_the_import_refuses_a_published_path_that_is_not_whole_and_takes_drafts(make):
    resource = make.resource(slug="hidden", published=False)
    shown = make.resource(slug="shown")

    def document(status, **step):
        return {
            "format": FORMAT,
            "paths": [
                {
                    "slug": "p", "title": "P", "summary": "S.", "status": status,
                    "stages": [{"title": "T", "goal": "G.", "steps": [step]}],
                }
            ],
        }  # fmt: skip

    with pytest.raises(CatalogueError, match="unpublished resource “"):
        catalogue_import(document("published", resource=resource.slug, note="Why."))
    with pytest.raises(CatalogueError, match="needs the curator's note"):
        catalogue_import(document("published", resource=shown.slug))
    catalogue_import(document("draft", resource=shown.slug))
    assert Step.objects.get(path__slug="p").note == ""


def test_moving_or_changing_a_step_or_stage_cannot_break_a_published_path(staff_client, make):
    path, other = make.path(title="Short Path"), make.path(status=PathStatus.DRAFT)
    stage, step = path.stages.get(), Step.objects.get(path=path)
    hidden = make.resource(title="Hidden Book", published=False)
    attempts = [
        (step, {"stage": [str(other.stages.get().pk)]}, "would be left without steps"),
        (step, {"resource": [str(hidden.pk)]}, "unpublished resource “Hidden Book”"),
        (step, {"note_en": [""]}, "has no note"),
        (stage, {"path": [str(other.pk)]}, "would be left without stages"),
    ]
    for obj, change, reason in attempts:
        data = change_form(staff_client, obj) | change
        response = staff_client.post(admin_url(type(obj), "change", obj.pk), data)
        assert response.status_code == 200 and reason in texts(response), reason
    unchanged = Step.objects.filter(pk=step.pk, stage=stage, resource=step.resource, note="Why.")
    assert unchanged.exists()
    assert Stage.objects.filter(pk=stage.pk, path=path).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_a_resource_cannot_be_unpublished_while_a_path_using_it_is_being_published(make):
    path = make.path(status=PathStatus.DRAFT)
    resource = Step.objects.get(path=path).resource
    publishing, outcome = threading.Event(), {}

    def publish():
        try:
            with transaction.atomic():
                LearningPath.objects.filter(pk=path.pk).set_status(PathStatus.PUBLISHED)
                publishing.set()
                time.sleep(1)  # still uncommitted while the other curator unpublishes
        finally:
            connection.close()

    def unpublish():
        publishing.wait(10)
        try:
            outcome["changed"] = Resource.objects.filter(pk=resource.pk).set_published(False)
        except ValidationError as error:
            outcome["refused"] = error.messages
        finally:
            connection.close()

    threads = [threading.Thread(target=publish), threading.Thread(target=unpublish)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert "refused" in outcome, outcome
    assert LearningPath.objects.get(pk=path.pk).status == PathStatus.PUBLISHED
    assert Resource.objects.get(pk=resource.pk).published is True
