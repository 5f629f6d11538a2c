import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from learnpaths.models import Progress, ProgressStatus, Step
from resources.models import ConceptPrerequisite, ConferenceEdition, Resource


def test_concept_cannot_require_itself_in_the_database(make):
    concept = make.concept()
    with pytest.raises(IntegrityError), transaction.atomic():
        ConceptPrerequisite.objects.create(concept=concept, prerequisite=concept)


def test_the_same_prerequisite_link_cannot_be_stored_twice(make):
    a, b = make.concept(), make.concept()
    ConceptPrerequisite.objects.create(concept=a, prerequisite=b)
    with pytest.raises(IntegrityError), transaction.atomic():
        ConceptPrerequisite.objects.create(concept=a, prerequisite=b)


def test_prerequisite_cycle_is_found_through_other_concepts(make):
    a, b, c = make.concept(name="A"), make.concept(name="B"), make.concept(name="C")
    a.prerequisites.add(b)
    b.prerequisites.add(c)
    assert c.prerequisite_cycle([a]) == [c, a, b, c]
    assert c.prerequisite_cycle([]) is None
    assert a.prerequisite_cycle([c]) is None  # a → b → c already; a → c is no cycle


def test_prerequisites_are_not_symmetrical(make):
    a, b = make.concept(), make.concept()
    a.prerequisites.add(b)
    assert list(b.leads_to.all()) == [a]
    assert list(b.prerequisites.all()) == []


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://example.org/x", "data:text/html,x"])
def test_resource_url_must_be_http(make, url):
    resource = Resource(title="X", slug="x", kind="book", url=url)
    with pytest.raises(ValidationError) as error:
        resource.full_clean()
    assert "url" in error.value.message_dict


def test_database_refuses_non_http_url(make):
    with pytest.raises(IntegrityError), transaction.atomic():
        Resource.objects.create(title="X", slug="x", kind="book", url="javascript:alert(1)")


def test_paper_identifiers_are_validated(make):
    resource = Resource(
        title="X", slug="x", kind="paper", url="https://a.org", arxiv_id="nope", doi="doi:123"
    )
    with pytest.raises(ValidationError) as error:
        resource.full_clean()
    assert {"arxiv_id", "doi"} <= set(error.value.message_dict)
    paper = make.resource(kind="paper", arxiv_id="1706.03762", doi="10.5555/3295222.3295349")
    paper.full_clean()
    assert paper.arxiv_url == "https://arxiv.org/abs/1706.03762"
    assert paper.doi_url == "https://doi.org/10.5555/3295222.3295349"


def test_description_is_rendered_and_sanitised_on_save(make):
    resource = make.resource(description="**Read** <script>alert(1)</script>")
    assert resource.description_html == "<p><strong>Read</strong> </p>"


def test_resource_used_in_a_path_cannot_be_deleted(make):
    path = make.path()
    resource = Step.objects.get(path=path).resource
    with pytest.raises(ProtectedError):
        resource.delete()
    assert Resource.objects.filter(pk=resource.pk).exists()


def test_resource_with_learner_progress_cannot_be_deleted(make):
    resource = make.resource()
    Progress.objects.create(user=make.user(), resource=resource, status=ProgressStatus.IN_PROGRESS)
    with pytest.raises(ProtectedError):
        resource.delete()


def test_a_resource_appears_once_per_path(make):
    path = make.path(stages=2)
    first, second = path.stages.order_by("position")
    resource = first.steps.get().resource
    duplicate = Step(stage=second, position=2, resource=resource, note="Again.")
    with pytest.raises(ValidationError) as error:
        duplicate.full_clean()
    assert "already step 1 of stage 1" in str(error.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


def test_the_same_resource_may_be_in_two_paths(make):
    path = make.path()
    resource = Step.objects.get(path=path).resource
    other = make.path()
    Step.objects.create(stage=other.stages.get(), position=2, resource=resource, note="Also here.")
    assert resource.steps.count() == 2


def test_step_positions_are_unique_within_a_stage(make):
    path = make.path()
    stage = path.stages.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Step.objects.create(stage=stage, position=1, resource=make.resource(), note="Clash.")


def test_progress_is_one_row_per_user_and_resource(make):
    user, resource = make.user(), make.resource()
    Progress.objects.create(user=user, resource=resource)
    with pytest.raises(IntegrityError), transaction.atomic():
        Progress.objects.create(user=user, resource=resource)


def test_done_progress_needs_a_completion_time(make):
    with pytest.raises(IntegrityError), transaction.atomic():
        Progress.objects.create(user=make.user(), resource=make.resource(), status="done")


def test_deleting_a_user_removes_only_their_progress(make):
    resource = make.resource()
    leaver, stayer = make.user(), make.user()
    Progress.objects.create(user=leaver, resource=resource)
    Progress.objects.create(user=stayer, resource=resource)
    leaver.delete()
    assert list(Progress.objects.values_list("user", flat=True)) == [stayer.pk]
    assert Resource.objects.filter(pk=resource.pk).exists()


def test_edition_must_belong_to_a_conference_and_end_after_it_starts(make):
    book = make.resource(kind="book")
    edition = ConferenceEdition(conference=book, year=2026)
    with pytest.raises(ValidationError) as error:
        edition.full_clean()
    assert "conference" in error.value.message_dict
    conference = make.resource(kind="conference")
    import datetime as dt

    with pytest.raises(IntegrityError), transaction.atomic():
        ConferenceEdition.objects.create(
            conference=conference,
            year=2026,
            starts_on=dt.date(2026, 7, 10),
            ends_on=dt.date(2026, 7, 1),
        )


def test_deadline_is_shown_in_the_organisers_time_zone(make):
    import datetime as dt

    conference = make.resource(kind="conference")
    edition = ConferenceEdition.objects.create(conference=conference, year=2026)
    deadline = edition.deadlines.create(
        kind="paper", due=dt.datetime(2026, 5, 16, 11, 59, tzinfo=dt.UTC), timezone="AoE"
    )
    assert deadline.local.strftime("%Y-%m-%d %H:%M") == "2026-05-15 23:59"
    deadline.timezone = "Mars/Olympus"
    with pytest.raises(ValidationError):
        deadline.full_clean()


def test_emails_are_unique_case_insensitively(make):
    make.user(email="Ada@Example.org")
    with pytest.raises(IntegrityError), transaction.atomic():
        make.user(email="ada@example.org")
