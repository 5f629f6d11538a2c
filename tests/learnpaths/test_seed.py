"""`manage.py seed` (run by `make run` on every start) never undoes what curators did."""

import copy
import hashlib
import io
import json

import pytest
from django.core.management import call_command

from learnpaths.catalogue_io.exporter import catalogue_export
from learnpaths.models import LearningPath, SeedRecord, Stage
from resources.models import ConferenceEdition, Resource
from tests.admin_forms import change_form, post_form
from tests.learnpaths.test_catalogue import DOCUMENT
from tests.learnpaths.test_catalogue_io import snapshot


def seed(*args):
    out = io.StringIO()
    call_command("seed", *map(str, args), stdout=out)
    return out.getvalue()


def write(tmp_path, document, name="catalogue.json"):
    target = tmp_path / name
    target.write_text(json.dumps(document))
    return target


def reverse_first_stage(staff_client, path):
    """Reorder the first stage's steps in the admin, last first; returns the new step order."""
    stage = path.stages.order_by("position").first()
    steps = list(stage.steps.order_by("position"))
    assert len(steps) >= 2
    fields = change_form(staff_client, stage)
    count = int(fields["steps-INITIAL_FORMS"][0])
    for index in range(count):
        fields[f"steps-{index}-position"] = [str(count - index)]
    response = post_form(staff_client, stage, fields)
    assert response.status_code == 302, response.content.decode()[:2000]
    return list(reversed(steps))


def test_seeding_again_keeps_an_edited_author_and_a_reordered_path_and_names_them(
    staff_client,
):
    seed()
    fresh = snapshot()
    resource = Resource.objects.order_by("slug").first()
    resource.authors = "Edited by a curator"
    resource.save()
    path = LearningPath.objects.order_by("slug").first()
    reordered = reverse_first_stage(staff_client, path)

    out = seed()

    resource.refresh_from_db()
    assert resource.authors == "Edited by a curator"
    first_stage = path.stages.order_by("position").first()
    assert list(first_stage.steps.order_by("position")) == reordered
    assert f"resource {resource.slug}: changed by a curator since it was seeded" in out
    assert f"path {path.slug}: changed by a curator since it was seeded" in out
    assert "--overwrite" in out
    assert out.count("changed by a curator") == 2

    # The curators' versions stay kept on every later start, not only on the next one.
    assert seed() == out

    out = seed("--overwrite")
    assert "Kept" not in out
    assert snapshot() == fresh
    assert "Kept" not in seed()


@pytest.mark.django_db
def test_seeding_twice_changes_nothing_and_keeps_nothing():
    first = seed()
    assert "Kept" not in first
    before = snapshot()
    second = seed()
    assert snapshot() == before
    assert "Kept" not in second
    assert "0 created, 0 updated" in second


@pytest.mark.django_db
def test_an_untouched_item_is_updated_to_a_changed_fixture_while_an_edited_one_is_kept(tmp_path):
    seed(write(tmp_path, DOCUMENT))
    Resource.objects.filter(slug="conf").update(authors="A curator's credit")

    changed = copy.deepcopy(DOCUMENT)
    changed["resources"][0]["title"] = "A Book, second edition"
    changed["resources"][1]["title"] = "A Conference, renamed"
    changed["paths"][0]["stages"][0]["steps"].reverse()
    out = seed(write(tmp_path, changed))

    assert Resource.objects.get(slug="book").title == "A Book, second edition"
    conference = Resource.objects.get(slug="conf")
    assert (conference.title, conference.authors) == ("A Conference", "A curator's credit")
    stage = Stage.objects.get(path__slug="p")
    assert [s.resource.slug for s in stage.steps.order_by("position")] == ["conf", "book"]
    assert "resource conf: changed by a curator" in out
    assert "book" not in out.split("Kept")[1]


@pytest.mark.django_db
def test_an_item_a_curator_deleted_is_not_created_again_unless_overwritten(tmp_path):
    document = copy.deepcopy(DOCUMENT)
    document["paths"].append(
        {"slug": "second", "title": "Second", "summary": "S.", "status": "draft", "stages": []}
    )
    source = write(tmp_path, document)
    seed(source)
    LearningPath.objects.filter(slug="second").delete()

    out = seed(source)
    assert not LearningPath.objects.filter(slug="second").exists()
    assert "path second: deleted by a curator after it was seeded" in out

    seed(source, "--overwrite")
    assert LearningPath.objects.filter(slug="second").exists()
    assert "Kept" not in seed(source)


@pytest.mark.django_db
def test_an_item_that_names_a_deleted_item_is_kept_too(tmp_path):
    source = write(tmp_path, DOCUMENT)
    seed(source)
    # Taking the resource out of its path first is the only way a curator can delete it.
    path = LearningPath.objects.get(slug="p")
    Stage.objects.get(path=path).steps.filter(resource__slug="conf").delete()
    Resource.objects.get(slug="conf").delete()
    document = copy.deepcopy(DOCUMENT)
    document["paths"].append(
        {
            "slug": "new",
            "title": "New",
            "summary": "S.",
            "status": "draft",
            "stages": [{"title": "T", "goal": "G.", "steps": [{"resource": "conf", "note": "N."}]}],
        }
    )

    out = seed(write(tmp_path, document))

    assert "resource conf: deleted by a curator" in out
    assert "path p: changed by a curator" in out
    assert "path new: names the resource “conf”" in out
    assert not LearningPath.objects.filter(slug="new").exists()
    assert not Resource.objects.filter(slug="conf").exists()


@pytest.mark.django_db
def test_rows_the_seed_did_not_write_are_kept_unless_the_fixture_would_leave_them_as_they_are(
    tmp_path,
):
    # A catalogue restored from a backup (or seeded before fingerprints were kept).
    document = copy.deepcopy(DOCUMENT)
    document["resources"][0]["authors"] = "From the backup"
    backup = write(tmp_path, document, "backup.json")
    call_command("import_catalogue", str(backup), stdout=io.StringIO())

    out = seed(write(tmp_path, DOCUMENT))

    assert Resource.objects.get(slug="book").authors == "From the backup"
    assert "resource book: not written by the seed" in out
    assert out.count("not written by the seed") == 1
    # The rest matched the fixture, so it is the seed's from now on.
    assert set(SeedRecord.objects.values_list("kind", "slug")) == {
        ("concept", "nn"),
        ("concept", "dl"),
        ("resource", "conf"),
        ("path", "p"),
    }


@pytest.mark.django_db
def test_a_refused_seed_changes_nothing_and_records_nothing(tmp_path):
    broken = copy.deepcopy(DOCUMENT)
    broken["paths"][0]["stages"][0]["steps"][0]["resource"] = "missing"
    with pytest.raises(Exception, match="unknown resource slug: missing"):
        seed(write(tmp_path, broken))
    assert not SeedRecord.objects.exists()
    assert catalogue_export()["resources"] == []


def _untranslated(value):
    """`value` with every translation key gone, as documents were before the second language."""
    if isinstance(value, dict):
        return {k: _untranslated(v) for k, v in value.items() if not k.endswith("_zh_hans")}
    if isinstance(value, list):
        return [_untranslated(v) for v in value]
    return value


NEWER_RESOURCE_KEYS = ("publication", "volume", "number", "pages", "arxiv_title", "research_area")


NEWER_PATH_KEYS = ("assumes", "previous_paths", "weekly_hours")


def _first_format(item):
    """An item as the code before typed deadlines, citation fields and paths' `assumes`,
    `previous_paths` and `weekly_hours` exported it: no citation or area keys, one
    `submission_deadline` and `deadline_timezone` an edition, none of those path keys."""
    if "stages" in item:
        return {k: v for k, v in item.items() if k not in NEWER_PATH_KEYS}
    if "editions" not in item:
        return item
    old = {k: v for k, v in item.items() if k not in NEWER_RESOURCE_KEYS}
    old["editions"] = []
    for edition in item["editions"]:
        (deadline,) = edition["deadlines"] or [{"due": None, "timezone": "AoE"}]
        kept = {k: v for k, v in edition.items() if k not in ("deadlines", "host", "estimated")}
        kept.pop("source_url")
        old["editions"].append(
            kept
            | {"submission_deadline": deadline["due"], "deadline_timezone": deadline["timezone"]}
        )
    return old


@pytest.mark.django_db
def test_a_site_seeded_before_typed_deadlines_calls_its_untouched_conferences_unedited(tmp_path):
    """Digests written by the code before deadlines were typed: a conference whose one deadline
    and fields are as seeded is updated by the new fixtures, not kept as a curator's edit."""
    document = copy.deepcopy(DOCUMENT)
    seed(write(tmp_path, document, "before.json"))
    for record in SeedRecord.objects.filter(kind="resource"):
        (item,) = [i for i in catalogue_export()["resources"] if i["slug"] == record.slug]
        old = json.dumps(
            _first_format(_untranslated(item)), sort_keys=True, ensure_ascii=False, default=str
        )
        record.digest = hashlib.sha256(old.encode()).hexdigest()
        record.save()
    conference = next(r for r in document["resources"] if r["kind"] == "conference")
    conference["research_area"] = "ml"
    conference["editions"][0]["source_url"] = "https://example.org/call"

    output = seed(write(tmp_path, document, "after.json"))

    assert "changed by a curator" not in output
    assert Resource.objects.get(slug=conference["slug"]).research_area == "ml"
    assert ConferenceEdition.objects.get().source_url == "https://example.org/call"


@pytest.mark.django_db
def test_a_site_seeded_before_translations_takes_them_and_calls_nothing_edited(tmp_path):
    """A site seeded by the code before translations recorded digests of the format without
    translation keys; seeding the translated fixtures updates its untouched items."""
    translated = copy.deepcopy(DOCUMENT)
    translated["concepts"][0]["summary_zh_hans"] = "由多层单元组成。"
    translated["paths"][0]["stages"][0]["title_zh_hans"] = "第一阶段"
    seed(write(tmp_path, _untranslated(translated), "before.json"))
    for record in SeedRecord.objects.all():  # the digests the older code wrote
        item = next(
            i for key in ("concepts", "resources", "paths") for i in catalogue_export()[key]
            if i["slug"] == record.slug and key.startswith(record.kind)
        )  # fmt: skip
        old = json.dumps(
            _first_format(_untranslated(item)), sort_keys=True, ensure_ascii=False, default=str
        )
        record.digest = hashlib.sha256(old.encode()).hexdigest()
        record.save()

    output = seed(write(tmp_path, translated, "after.json"))

    assert "changed by a curator" not in output
    path = LearningPath.objects.get(slug=translated["paths"][0]["slug"])
    assert path.stages.order_by("position")[0].title_zh_hans == "第一阶段"


@pytest.mark.django_db
def test_the_whole_catalogue_retires_what_the_fixtures_dropped_unless_edited_or_in_use(make):
    from learnpaths.catalogue_io.seed import catalogue_seed
    from learnpaths.models import PathFollow
    from resources.models import Concept

    first = copy.deepcopy(DOCUMENT)
    for slug in ("old", "edited"):
        first["concepts"].append(
            {**first["concepts"][0], "slug": slug, "name": slug, "prerequisites": []}
        )
    first["resources"].append({**first["resources"][0], "slug": "unused", "url": "https://e.org/u"})
    catalogue_seed(copy.deepcopy(first))
    Concept.objects.filter(slug="edited").update(name="A curator's name")
    PathFollow.objects.create(user=make.user(), path=LearningPath.objects.get(slug="p"))
    later = copy.deepcopy(DOCUMENT)
    later["paths"] = []  # the path and both its resources leave the fixtures too
    later["resources"] = []

    partial = catalogue_seed(copy.deepcopy(later))  # a file of the catalogue, not all of it
    assert partial.removed == [] and Concept.objects.filter(slug="old").exists()
    report = catalogue_seed(copy.deepcopy(later), retire=True)

    assert sorted(report.removed) == [("concept", "old"), ("resource", "unused")]
    assert not Concept.objects.filter(slug="old").exists()
    assert not Resource.objects.filter(slug="unused").exists()
    kept = {(kind, slug): reason for kind, slug, reason in report.kept}
    assert "changed by a curator" in kept["concept", "edited"]
    assert "learners or paths use it" in kept["path", "p"]
    assert "learners or paths use it" in kept["resource", "book"]
    assert LearningPath.objects.filter(slug="p").exists()
    assert Resource.objects.filter(slug__in=["book", "conf"]).count() == 2
    again = catalogue_seed(copy.deepcopy(later), retire=True)
    assert again.removed == []


def test_seed_without_files_retires_and_says_so(tmp_path, settings, db):
    fixtures = tmp_path / "fixtures"
    fixtures.mkdir()
    settings.BASE_DIR = tmp_path
    document = copy.deepcopy(DOCUMENT)
    old = {**document["concepts"][0], "slug": "old", "name": "Old", "prerequisites": []}
    document["concepts"].append(old)
    write(fixtures, document)
    seed()
    document["concepts"].pop()
    write(fixtures, document)

    out = seed()

    assert "Removed, as the fixtures no longer hold them (1):\n  concept old" in out
