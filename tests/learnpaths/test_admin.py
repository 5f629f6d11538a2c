import pytest
from django.contrib import admin

from learnpaths.models import SelfCheck, Stage, Step
from resources.models import ConceptPrerequisite, Resource
from tests.admin_forms import admin_view_url as admin_url
from tests.admin_forms import change_form, post_form
from tests.html import parse

ADMIN_MODELS = list(admin.site._registry)


def test_every_catalogue_and_path_model_is_in_the_admin():
    names = {model.__name__ for model in ADMIN_MODELS}
    assert {
        "Concept",
        "Resource",
        "Tag",
        "ConferenceEdition",
        "LearningPath",
        "Stage",
        "Step",
        "Progress",
        "User",
    } <= names


@pytest.mark.parametrize("model", ADMIN_MODELS, ids=lambda m: m.__name__)
@pytest.mark.parametrize("view", ["changelist", "add"])
def test_admin_pages_answer_for_staff(staff_client, make, model, view):
    make.path(stages=2, steps_per_stage=2)
    response = staff_client.get(admin_url(model, view))
    # axes' sign-in records are written by axes alone: its admin has no add page.
    expected = 403 if view == "add" and model._meta.app_label == "axes" else 200
    assert response.status_code == expected


@pytest.mark.parametrize("model", ADMIN_MODELS, ids=lambda m: m.__name__)
def test_admin_pages_redirect_anonymous_and_learners_to_login(client, make, model):
    url = admin_url(model, "changelist")
    response = client.get(url)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    client.force_login(make.user())
    response = client.get(url)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_admin_resource_search_and_filters(staff_client, make):
    make.resource(title="Attention Is All You Need", kind="paper", tags=["transformers"])
    make.resource(title="Deep Learning", kind="book")
    changelist = admin_url(Resource, "changelist")
    response = staff_client.get(changelist, {"q": "attention"})
    assert b"Attention Is All You Need" in response.content
    assert b"Deep Learning</a>" not in response.content
    response = staff_client.get(changelist, {"kind__exact": "book"})
    assert b"Deep Learning" in response.content and b"Attention Is" not in response.content
    response = staff_client.get(changelist, {"tag": "transformers"})
    assert b"Attention Is" in response.content and b"Deep Learning</a>" not in response.content


def test_admin_unpublish_action(staff_client, make):
    resource = make.resource()
    staff_client.post(
        admin_url(Resource, "changelist"),
        {"action": "unpublish", "_selected_action": [resource.pk]},
    )
    resource.refresh_from_db()
    assert resource.published is False


def concept_form(concept, prerequisites):
    data = {
        "name": concept.name, "slug": concept.slug, "name_zh": concept.name_zh,
        "area": concept.area, "position": 0, "summary_en": concept.summary, "body_en": "",
        "prerequisite_links-TOTAL_FORMS": len(prerequisites),
        "prerequisite_links-INITIAL_FORMS": 0,
    }  # fmt: skip
    for i, prerequisite in enumerate(prerequisites):
        data[f"prerequisite_links-{i}-prerequisite"] = prerequisite.pk
    return data


def test_admin_refuses_a_prerequisite_cycle_with_a_clear_message(staff_client, make):
    a, b = make.concept(name="Attention"), make.concept(name="Transformer")
    b.prerequisites.add(a)
    response = staff_client.post(admin_url(type(a), "change", a.pk), concept_form(a, [b]))
    assert response.status_code == 200
    assert "would make a cycle: Attention → requires → Transformer → requires → Attention" in (
        response.content.decode()
    )
    assert not ConceptPrerequisite.objects.filter(concept=a).exists()


def test_admin_saves_an_acyclic_prerequisite(staff_client, make):
    a, b = make.concept(), make.concept()
    response = staff_client.post(admin_url(type(a), "change", b.pk), concept_form(b, [a]))
    assert response.status_code == 302
    assert list(b.prerequisites.all()) == [a]


def steps_form(stage, rows):
    data = {
        "path": stage.path_id, "position": stage.position,
        "title_en": stage.title, "goal_en": stage.goal,
        "steps-TOTAL_FORMS": len(rows), "steps-INITIAL_FORMS": len(rows),
        "self_checks-TOTAL_FORMS": 0, "self_checks-INITIAL_FORMS": 0,
    }  # fmt: skip
    for i, (step, position) in enumerate(rows):
        data |= {
            f"steps-{i}-id": step.pk, f"steps-{i}-stage": stage.pk,
            f"steps-{i}-position": position, f"steps-{i}-resource": step.resource_id,
            f"steps-{i}-note_en": step.note,
        }  # fmt: skip
    return data


def test_admin_reorders_steps_by_swapping_positions(staff_client, make):
    stage = make.path(steps_per_stage=3).stages.get()
    first, second, third = stage.steps.order_by("position")
    data = steps_form(stage, [(first, 2), (second, 1), (third, 3)])
    response = staff_client.post(admin_url(Stage, "change", stage.pk), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert list(stage.steps.order_by("position")) == [second, first, third]


def test_admin_refuses_two_steps_at_one_position(staff_client, make):
    stage = make.path(steps_per_stage=2).stages.get()
    first, second = stage.steps.order_by("position")
    response = staff_client.post(
        admin_url(Stage, "change", stage.pk), steps_form(stage, [(first, 1), (second, 1)])
    )
    assert response.status_code == 200
    assert list(stage.steps.order_by("position").values_list("position", flat=True)) == [1, 2]


def test_admin_explains_why_a_resource_in_a_path_cannot_be_deleted(staff_client, make):
    path = make.path()
    resource = Step.objects.get(path=path).resource
    response = staff_client.post(admin_url(Resource, "delete", resource.pk), {"post": "yes"})
    assert response.status_code == 200
    assert "protected related objects" in response.content.decode()
    assert Resource.objects.filter(pk=resource.pk).exists()


def test_admin_shows_followers_completions_and_drop_off_without_names(staff_client, make):
    from learnpaths import services
    from learnpaths.models import LearningPath

    path = make.path(stages=2, steps_per_stage=1)
    first, second = Step.objects.filter(path=path).order_by("stage__position")
    finisher, dropout, idle = (make.user(username=n) for n in ("finisher", "dropout", "idle"))
    for learner in (finisher, dropout, idle):
        services.path_follow(user=learner, path=path)
    for learner in (finisher, dropout):
        services.progress_set(user=learner, resource_id=first.resource.pk, status="done")
    services.progress_set(user=finisher, resource_id=second.resource.pk, status="done")
    changelist = parse(staff_client.get(admin_url(LearningPath, "changelist")).content)
    assert changelist.find("td", class_="field-follower_total").text == "3"
    assert changelist.find("td", class_="field-completion_total").text == "1"
    html = staff_client.get(admin_url(LearningPath, "change", path.pk)).content.decode()
    assert "3 followers, 1 completed the path." in html
    assert "<td>1. Stage 1</td><td>2</td><td>2</td>" in html
    assert "<td>2. Stage 2</td><td>1</td><td>1</td>" in html
    assert "dropout" not in html and "finisher" not in html


def test_admin_refuses_to_delete_a_resource_with_learners_progress(staff_client, make):
    from learnpaths import services

    resource = make.resource(title="Studied Book")
    services.progress_set(user=make.user(username="ada"), resource_id=resource.pk, status="done")
    response = staff_client.post(admin_url(Resource, "delete", resource.pk), {"post": "yes"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "would require deleting the following protected related objects" in html
    assert "ada · Studied Book · Done" in html
    assert Resource.objects.filter(pk=resource.pk).exists()


def test_admin_bulk_delete_refuses_resources_in_paths_or_with_progress(staff_client, make):
    from learnpaths import services

    in_path = Step.objects.get(path=make.path()).resource
    studied = make.resource()
    services.progress_set(user=make.user(), resource_id=studied.pk, status="in_progress")
    unused = make.resource()
    changelist = admin_url(Resource, "changelist")
    selected = [in_path.pk, studied.pk, unused.pk]
    response = staff_client.post(
        changelist, {"action": "delete_selected", "_selected_action": selected, "post": "yes"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "would require deleting the following protected related objects" in html
    assert f"step 1: {in_path.title}" in html and f"{studied.title} · In progress" in html
    assert Resource.objects.filter(pk__in=selected).count() == 3  # none of them, not just some
    response = staff_client.post(
        changelist, {"action": "delete_selected", "_selected_action": [unused.pk], "post": "yes"}
    )
    assert response.status_code == 302
    assert not Resource.objects.filter(pk=unused.pk).exists()
    assert Resource.objects.filter(pk__in=[in_path.pk, studied.pk]).count() == 2


def test_the_admin_names_learnpaths_not_django(staff_client):
    page = staff_client.get("/admin/").content.decode()
    assert "Django administration" not in page
    assert "Django site admin" not in page
    tree = parse(page)
    assert tree.find("a", href="/admin/").text == "Learnpaths administration"
    assert tree.find("title").text == "Learnpaths | Learnpaths admin"


def test_a_resource_that_steps_use_cannot_be_deleted_and_the_page_says_where_and_what_instead(
    staff_client, make
):
    path = make.path(title="Transformers from scratch", stages=2, steps_per_stage=1)
    step = path.stages.get(position=2).steps.get()
    response = staff_client.get(f"/admin/resources/resource/{step.resource.pk}/delete/")
    assert response.status_code == 200
    page = response.content.decode()
    protected = page.split('<ul id="deleted-objects">', 1)[1].split("</ul>", 1)[0]
    assert "Transformers from scratch" in protected
    assert f"stage 2 (Stage 2) · step 1: {step.resource.title}" in protected
    assert "Unpublish it instead." in page
    # The list's "Delete selected" action says the same.
    response = staff_client.post(
        "/admin/resources/resource/",
        {"action": "delete_selected", "_selected_action": [step.resource.pk]},
    )
    page = response.content.decode()
    assert "Transformers from scratch" in page
    assert "Unpublish it instead." in page


def _delete_instead(page: str) -> str:
    return page.split('class="delete-instead"', 1)[1].split("</div>", 1)[0]


def test_the_cannot_delete_page_words_what_blocks_and_names_the_real_action(staff_client, make):
    from learnpaths import services

    studied = make.resource(title="Studied Book")
    services.progress_set(user=make.user(), resource_id=studied.pk, status="done")
    used = Step.objects.get(path=make.path()).resource
    pages = {
        "progress": staff_client.get(admin_url(Resource, "delete", studied.pk)),
        "steps": staff_client.get(admin_url(Resource, "delete", used.pk)),
        "selected": staff_client.post(
            admin_url(Resource, "changelist"),
            {"action": "delete_selected", "_selected_action": [studied.pk]},
        ),
    }
    text = {name: _delete_instead(page.content.decode()) for name, page in pages.items()}
    for name in pages:
        # The action as the list of resources offers it.
        assert "“Unpublish the selected resources” action" in text[name], name
        assert "selected items" not in text[name]
    for name in ("progress", "selected"):
        assert "Learners keep their progress on it" in text[name]
        # Nothing about steps or paths: none uses this resource.
        assert "step" not in text[name] and "path" not in text[name]
    assert "take its step out of the published paths" in text["steps"]
    assert "Learners keep their progress" not in text["steps"]


# -- core resources, self-check questions, a path's pace -----------------------------------------
def test_a_curator_marks_a_resource_core_for_concepts_and_the_concept_lists_it(staff_client, make):
    cnn, rnn = make.concept(name="CNNs"), make.concept(name="RNNs")
    course = make.resource(title="CS231n")
    draft = make.resource(title="Old notes", published=False)
    draft.core_for.add(cnn)
    page = parse(staff_client.get(admin_url(Resource, "change", course.pk)).content)
    assert "admin-autocomplete" in page.find("select", name="core_for").attrs["class"]
    fields = change_form(staff_client, course)
    fields["core_for"] = [str(cnn.pk), str(rnn.pk)]

    response = post_form(staff_client, course, fields)

    assert response.status_code == 302
    assert set(course.core_for.all()) == {cnn, rnn}
    page = parse(staff_client.get(admin_url(type(cnn), "change", cnn.pk)).content)
    listed = page.find("div", class_="field-core_resource_list")
    links = listed.find_all("a")
    assert [a.text for a in links] == ["CS231n", "Old notes"]
    assert links[0].attrs["href"] == admin_url(Resource, "change", course.pk)
    assert "Old notes (unpublished)" in listed.text


def test_a_concept_without_core_resources_says_how_to_add_one(staff_client, make):
    concept = make.concept()
    page = parse(staff_client.get(admin_url(type(concept), "change", concept.pk)).content)
    assert "choose this concept under “core for” on a resource" in (
        page.find("div", class_="field-core_resource_list").text
    )


def self_check_rows(fields, rows):
    """The stage form's self-check inline filled with `rows` of (position, question, answer,
    Chinese question, Chinese answer), all new."""
    fields["self_checks-TOTAL_FORMS"] = [str(len(rows))]
    for i, (position, question, answer, question_zh, answer_zh) in enumerate(rows):
        fields |= {
            f"self_checks-{i}-position": [str(position)],
            f"self_checks-{i}-question_en": [question],
            f"self_checks-{i}-answer_en": [answer],
            f"self_checks-{i}-question_zh_hans": [question_zh],
            f"self_checks-{i}-answer_zh_hans": [answer_zh],
        }
    return fields


def test_a_curator_writes_a_stages_self_check_questions_in_both_languages(staff_client, make):
    stage = make.path().stages.get()
    fields = self_check_rows(
        change_form(staff_client, stage),
        [
            (2, "Why *ReLU*?", "It does not saturate for positive inputs.", "为什么用 ReLU？", ""),
            (1, "What is a gradient?", "Partial derivatives.", "", "偏导数组成的向量。"),
        ],
    )

    response = post_form(staff_client, stage, fields)

    assert response.status_code == 302, response.content.decode()[:2000]
    first, second = stage.self_checks.order_by("position")
    assert first.question_en == "What is a gradient?"
    assert first.answer_zh_hans == "偏导数组成的向量。"
    assert second.question_zh_hans == "为什么用 ReLU？"
    assert "<em>ReLU</em>" in second.question_html_en


def test_two_self_checks_at_one_position_are_refused(staff_client, make):
    stage = make.path().stages.get()
    fields = self_check_rows(
        change_form(staff_client, stage), [(1, "A?", "a.", "", ""), (1, "B?", "b.", "", "")]
    )
    response = post_form(staff_client, stage, fields)
    assert response.status_code == 200
    assert "Please correct the duplicate data for position." in response.content.decode()
    assert not SelfCheck.objects.exists()


@pytest.mark.parametrize(("hours", "saved"), [("8", 8), ("0", 5), ("81", 5)])
def test_a_curator_sets_a_paths_weekly_hours_within_one_to_eighty(staff_client, make, hours, saved):
    path = make.path()
    fields = change_form(staff_client, path)
    assert fields["weekly_hours"] == ["5"]
    fields["weekly_hours"] = [hours]
    response = post_form(staff_client, path, fields)
    assert response.status_code == (302 if saved == 8 else 200)
    path.refresh_from_db()
    assert path.weekly_hours == saved
