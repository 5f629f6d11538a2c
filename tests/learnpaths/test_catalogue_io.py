"""Catalogue backup: `export_catalogue` → `import_catalogue` gives back the same catalogue."""

import copy
import datetime as dt
import io
import json

import pytest
from django.apps import apps
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from learnpaths.catalogue_io.exporter import catalogue_export
from learnpaths.catalogue_io.format import FORMAT
from learnpaths.catalogue_io.importer import CatalogueError, catalogue_import
from learnpaths.models import LearningPath, PathStatus, SelfCheck, Stage, Step
from resources.models import (
    CatalogueVersion,
    Concept,
    ConceptPrerequisite,
    ConceptSearchTerm,
    ConferenceDeadline,
    ConferenceEdition,
    Resource,
    ResourceSearchTerm,
    SearchIndexState,
    SearchStale,
    SearchWord,
    Synonym,
    Tag,
    TaggedResource,
)
from tests.learnpaths.test_catalogue import DOCUMENT

# Every table of the catalogue, with how its foreign keys are named naturally (default: slug).
CATALOGUE_TABLES = {
    Concept: {},
    ConceptPrerequisite: {},
    Resource: {},
    Resource.concepts.through: {},
    Resource.defines.through: {},
    Resource.core_for.through: {},
    Synonym: {},
    Tag: {},
    TaggedResource: {"tag": ("tag__name",)},
    ConferenceEdition: {
        "conference": ("conference__slug",),
        "host": ("host__conference__slug", "host__year"),
    },
    ConferenceDeadline: {"edition": ("edition__conference__slug", "edition__year")},
    LearningPath: {},
    LearningPath.concepts.through: {},
    Stage: {},
    Step: {"stage": ("stage__path__slug", "stage__position")},
    SelfCheck: {"stage": ("stage__path__slug", "stage__position")},
}
# Not content: a counter that an import raises, and the search index, which the database
# queues and the next search builds from the content.
DERIVED = {ConceptSearchTerm, ResourceSearchTerm, SearchIndexState, SearchStale, SearchWord}
# Surrogate keys, timestamps of the import itself, and the derived search index (rebuilt by
# the import) are not catalogue content.
NOT_CONTENT = {"id", "created_at", "updated_at"}


def natural_columns(model, foreign_keys):
    columns = []
    for model_field in model._meta.concrete_fields:
        if model_field.name in NOT_CONTENT:
            continue
        if model_field.is_relation:
            columns.extend(foreign_keys.get(model_field.name, (f"{model_field.name}__slug",)))
        else:
            columns.append(model_field.name)
    return columns


def snapshot():
    """Every row of every catalogue table, identified by natural keys instead of ids."""
    tables = {}
    for model, foreign_keys in CATALOGUE_TABLES.items():
        columns = natural_columns(model, foreign_keys)
        rows = [dict(zip(columns, row, strict=True)) for row in model.objects.values_list(*columns)]
        tables[model._meta.label] = sorted(rows, key=repr)
    return tables


def test_the_snapshot_covers_every_catalogue_table():
    catalogue = {
        *apps.get_app_config("resources").get_models(include_auto_created=True),
        LearningPath,
        LearningPath.concepts.through,
        Stage,
        Step,
        SelfCheck,
    } - {CatalogueVersion, *DERIVED}
    assert catalogue == set(CATALOGUE_TABLES)
    assert "description_html" in natural_columns(Resource, {})
    assert "note_html" in natural_columns(Step, {})
    assert "answer_html_zh_hans" in natural_columns(SelfCheck, {})


@pytest.fixture
def curated(curated_catalogue, db):
    """The curated fixtures, plus what a backup must also carry: unpublished resources, draft
    paths (one unfinished), and a deadline in another zone with seconds."""
    # One no published path uses: the others cannot be unpublished.
    Resource.objects.filter(slug="tpami").update(published=False)
    LearningPath.objects.filter(pk=LearningPath.objects.order_by("slug")[0].pk).update(
        status=PathStatus.DRAFT
    )
    LearningPath.objects.create(slug="unfinished", title="Unfinished", summary="Soon.")
    conference = Resource.objects.filter(kind="conference").order_by("slug")[0]
    edition = ConferenceEdition.objects.create(conference=conference, year=2031)
    edition.deadlines.create(
        kind="paper", due=dt.datetime(2031, 3, 1, 4, 0, 30, tzinfo=dt.UTC), timezone="Asia/Shanghai"
    )


@pytest.fixture
def small(make):
    """A few rows of every kind, for tests that need a valid catalogue but not the curated one."""
    basics = make.concept()
    advanced = make.concept()
    advanced.prerequisites.add(basics)
    make.path(stages=2, steps_per_stage=2)
    make.resource(tags=["Textbook"], concepts=[advanced])
    conference = make.resource(kind="conference")
    ConferenceEdition.objects.create(conference=conference, year=2030)


def empty_the_catalogue():
    LearningPath.objects.all().delete()  # stages and steps go with their path
    Resource.objects.all().delete()
    Concept.objects.all().delete()
    Tag.objects.all().delete()
    Synonym.objects.all().delete()
    assert not any(snapshot().values())


def export(tmp_path, name="catalogue.json"):
    target = tmp_path / name
    out = io.StringIO()
    call_command("export_catalogue", output=str(target), stdout=out)
    assert f"Catalogue exported to {target}" in out.getvalue()
    return target


def import_(path):
    out = io.StringIO()
    call_command("import_catalogue", str(path), stdout=out)
    return out.getvalue()


def test_export_then_import_into_an_empty_database_reproduces_the_catalogue(curated, tmp_path):
    before = snapshot()
    assert Concept.objects.count() >= 15 and Resource.objects.count() >= 50
    backup = export(tmp_path)
    document = json.loads(backup.read_text(encoding="utf-8"))
    assert document["format"] == FORMAT
    assert "tpami" in {r["slug"] for r in document["resources"]}
    assert {"draft", "published"} == {p["status"] for p in document["paths"]}

    empty_the_catalogue()
    report = import_(backup)

    assert f"concepts: {len(document['concepts'])} created" in report
    # The curated content's concepts done by their core resources, and its questions.
    assert before["resources.Resource_core_for"] and before["learnpaths.SelfCheck"]
    assert snapshot() == before
    assert not Resource.objects.get(slug="tpami").published


def test_deadlines_are_written_as_local_time_in_their_zone(curated):
    editions = {
        (r["slug"], e["year"]): e for r in catalogue_export()["resources"] for e in r["editions"]
    }
    conference = Resource.objects.filter(kind="conference").order_by("slug")[0]
    (written,) = editions[conference.slug, 2031]["deadlines"]
    assert (written["due"], written["timezone"]) == ("2031-03-01T12:00:30", "Asia/Shanghai")
    aoe = ConferenceDeadline.objects.filter(timezone="AoE").order_by("pk")[0]
    # Anywhere on Earth is UTC-12: 23:59 AoE is 11:59 UTC the next day.
    written = editions[aoe.edition.conference.slug, aoe.edition.year]["deadlines"]
    local = aoe.due.replace(tzinfo=None) - dt.timedelta(hours=12)
    assert {"kind": aoe.kind, "due": local.isoformat(timespec="minutes")}.items() <= next(
        d for d in written if d["kind"] == aoe.kind and d["timezone"] == "AoE"
    ).items()


def test_importing_an_export_again_changes_nothing_and_exports_the_same_bytes(curated, tmp_path):
    first = export(tmp_path, "first.json")
    before = snapshot()
    assert "nothing changed" in import_(first)
    assert "nothing changed" in import_(first)
    assert snapshot() == before
    assert export(tmp_path, "second.json").read_bytes() == first.read_bytes()


def test_export_goes_to_standard_output_without_output(small):
    out = io.StringIO()
    call_command("export_catalogue", stdout=out)
    assert json.loads(out.getvalue()) == catalogue_export()


def test_export_takes_the_same_number_of_queries_whatever_the_catalogue_size(make):
    def queries():
        with CaptureQueriesContext(connection) as context:
            catalogue_export()
        return len(context)

    make.concept().prerequisites.add(make.concept())
    make.path(stages=1, steps_per_stage=2)
    small = queries()
    for _ in range(5):
        concept = make.concept()
        concept.prerequisites.add(make.concept())
        make.path(stages=3, steps_per_stage=4)
        make.resource(tags=["a", "b"], concepts=[concept])
    assert queries() == small


def close_a_cycle(concepts):
    """Make a concept that others build on require one of those others."""
    by_slug = {c["slug"]: c for c in concepts}
    dependent = next(c for c in concepts if c["prerequisites"])
    by_slug[dependent["prerequisites"][0]]["prerequisites"].append(dependent["slug"])


def first_resource(document):
    return document["resources"][0]


BREAKAGES = {
    "malformed JSON": (lambda text: text[: len(text) // 2], "cannot be read as JSON"),
    "wrong format": (
        lambda text: text.replace(FORMAT, "learnpaths-catalog/2", 1),
        '"format" must be "learnpaths-catalog/1"',
    ),
    "unknown slug": (
        lambda d: d["paths"][0]["stages"][0]["steps"][0].update(resource="no-such-resource"),
        "unknown resource slug: no-such-resource",
    ),
    "invalid URL": (
        lambda d: d["resources"][1].update(url="javascript:alert(1)"),
        "url: Enter a valid URL.",
    ),
    "cycle": (lambda d: close_a_cycle(d["concepts"]), "prerequisites form a cycle"),
}


@pytest.mark.parametrize("breakage", BREAKAGES)
def test_an_invalid_file_is_refused_with_the_problem_named_and_nothing_changed(
    small, tmp_path, breakage
):
    backup = export(tmp_path)
    break_it, message = BREAKAGES[breakage]
    text = backup.read_text(encoding="utf-8")
    if breakage in {"malformed JSON", "wrong format"}:
        text = break_it(text)
    else:
        document = json.loads(text)
        first_resource(document)["title"] = "Changed before the error"  # must be rolled back
        break_it(document)
        text = json.dumps(document)
    backup.write_text(text, encoding="utf-8")
    before = snapshot()
    with pytest.raises(CommandError) as error:
        import_(backup)
    assert "nothing changed" in str(error.value)
    assert message in str(error.value)
    assert snapshot() == before


def test_a_refused_import_exits_non_zero_and_lists_every_problem(
    small, tmp_path, capsys, monkeypatch
):
    # A command run from the command line closes the connections when it ends; here that one
    # holds the test's transaction.
    monkeypatch.setattr("django.core.management.base.connections.close_all", lambda: None)
    backup = export(tmp_path)
    document = json.loads(backup.read_text(encoding="utf-8"))
    document["resources"][0]["url"] = "ftp://example.org/"
    document["resources"][1]["concepts"] = ["no-such-concept"]
    backup.write_text(json.dumps(document), encoding="utf-8")
    before = snapshot()
    with pytest.raises(SystemExit) as exit_:
        execute_from_command_line(["manage.py", "import_catalogue", str(backup)])
    assert exit_.value.code != 0
    stderr = capsys.readouterr().err
    assert "2 problem(s); nothing changed" in stderr
    assert f'resources[0] "{document["resources"][0]["slug"]}": url: Enter a valid URL.' in stderr
    assert "unknown concept slug(s): no-such-concept" in stderr
    assert snapshot() == before


def test_import_of_a_missing_file_says_so(db, tmp_path):
    with pytest.raises(CommandError, match="cannot be read as JSON"):
        import_(tmp_path / "missing.json")


# -- numbers are whole numbers in range, as written ---------------------------------------------
def _set(*keys):
    """A function that sets the value at this place of a copy of test_catalogue's DOCUMENT."""

    def set_value(document, value):
        container = document
        for key in keys[:-1]:
            container = container[key]
        container[keys[-1]] = value

    return set_value


BOOK = ('resources[0] "book"', "resources", 0)
HOURS = "must be a whole number from 1 to 2000, or null"
YEARS = "must be a whole number from 1900 to 2100"
# (place in the document, where the problem is reported, field, value, the reason given)
NUMBERS = [
    (BOOK, "estimated_hours", 5.5, f"{HOURS}: 5.5 has a decimal point"),
    (BOOK, "estimated_hours", 5.0, f"{HOURS}: 5.0 has a decimal point"),
    (BOOK, "estimated_hours", True, f"{HOURS}: true is true or false, not a number"),
    (BOOK, "estimated_hours", "5", f'{HOURS}: "5" is text (write the number without quotes)'),
    (BOOK, "estimated_hours", 0, f"{HOURS}: 0 is out of range"),
    (BOOK, "estimated_hours", 2001, f"{HOURS}: 2001 is out of range"),
    (BOOK, "estimated_hours", [5], f"{HOURS}: [5] is not a number"),
    (BOOK, "year", "2020", f'{YEARS}, or null: "2020" is text'),
    (BOOK, "year", False, f"{YEARS}, or null: false is true or false"),
    (BOOK, "year", 2016.0, f"{YEARS}, or null: 2016.0 has a decimal point"),
    (BOOK, "year", 1899, f"{YEARS}, or null: 1899 is out of range"),
    (('concepts[0] "nn"', "concepts", 0), "position", 1.5,
     "position must be a whole number from 0 to 999: 1.5 has a decimal point"),
    (('concepts[0] "nn"', "concepts", 0), "position", "1",
     'position must be a whole number from 0 to 999: "1" is text'),
    (('concepts[0] "nn"', "concepts", 0), "position", -1,
     "position must be a whole number from 0 to 999: -1 is out of range"),
    (('resources[1] "conf" editions[0]', "resources", 1, "editions", 0), "year", "2026",
     f'{YEARS}: "2026" is text'),
    (('resources[1] "conf" editions[0]', "resources", 1, "editions", 0), "year", True,
     f"{YEARS}: true is true or false"),
    (('paths[0] "p" stages[0] steps[0]', "paths", 0, "stages", 0, "steps", 0), "hours", 2.5,
     f"hours {HOURS}: 2.5 has a decimal point"),
    (('paths[0] "p" stages[0] steps[0]', "paths", 0, "stages", 0, "steps", 0), "hours", True,
     f"hours {HOURS}: true is true or false"),
]  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize(("place", "name", "value", "reason"), NUMBERS)
def test_import_refuses_a_number_it_would_store_otherwise_naming_the_reason(
    place, name, value, reason
):
    document = copy.deepcopy(DOCUMENT)
    where, *keys = place
    _set(*keys, name)(document, value)
    with pytest.raises(CatalogueError) as refused:
        catalogue_import(document)
    # First: a path naming the refused resource is then reported too.
    problem = refused.value.problems[0]
    assert problem.startswith(f"{where}: {name} ") and reason in problem
    assert not any(snapshot().values())


PATH = ('paths[0] "p"', "paths", 0)
STEP = ('paths[0] "p" stages[0] steps[0]', "paths", 0, "stages", 0, "steps", 0)
# (place, field, value): "false" was read as true, 0 and 1 as false and true.
YES_NO = [
    (BOOK, "published", "yes"), (BOOK, "published", 1), (PATH, "featured", "false"),
    (PATH, "featured", 0), (STEP, "optional", "false"), (STEP, "optional", 1),
]  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize(("place", "name", "value"), YES_NO)
def test_import_refuses_a_yes_or_no_that_is_not_true_or_false(place, name, value):
    document = copy.deepcopy(DOCUMENT)
    where, *keys = place
    _set(*keys, name)(document, value)
    with pytest.raises(CatalogueError) as refused:
        catalogue_import(document)
    shown = json.dumps(value)
    assert refused.value.problems[0] == (
        f"{where}: {name} must be true or false (without quotes), not {shown}"
    )
    assert not any(snapshot().values())


@pytest.mark.django_db
def test_whole_numbers_in_range_are_taken_and_a_second_import_changes_nothing():
    document = copy.deepcopy(DOCUMENT)
    document["resources"][0] |= {"estimated_hours": 2000, "year": 1900}
    document["concepts"][0]["position"] = 999
    document["paths"][0]["stages"][0]["steps"][0]["hours"] = 1
    catalogue_import(copy.deepcopy(document))
    book = Resource.objects.get(slug="book")
    assert (book.estimated_hours, book.year) == (2000, 1900)
    assert Concept.objects.get(slug="nn").position == 999
    assert not catalogue_import(document).changed


# -- core resources, self-check questions and a path's pace --------------------------------------
QUESTIONS = [
    {"question": "What does a layer compute?", "answer": "An affine map, then a nonlinearity.",
     "question_zh_hans": "一层计算什么？", "answer_zh_hans": "先做仿射变换，再做非线性。"},
    {"question": "Why *nonlinear*?", "answer": "Else the layers collapse into one linear map."},
]  # fmt: skip


def with_the_new_keys():
    document = copy.deepcopy(DOCUMENT)
    document["resources"][0]["core_for"] = ["dl", "nn"]
    document["paths"][0]["weekly_hours"] = 8
    document["paths"][0]["stages"][0]["self_check"] = copy.deepcopy(QUESTIONS)
    return document


@pytest.mark.django_db
def test_core_resources_questions_and_pace_are_imported_and_exported_as_written():
    report = catalogue_import(with_the_new_keys())

    assert report.created["paths"] == 1
    assert sorted(Resource.objects.get(slug="book").core_for.values_list("slug", flat=True)) == [
        "dl",
        "nn",
    ]
    assert LearningPath.objects.get(slug="p").weekly_hours == 8
    first, second = SelfCheck.objects.order_by("position")
    assert (first.position, first.question_en, first.answer_zh_hans) == (
        1,
        "What does a layer compute?",
        "先做仿射变换，再做非线性。",
    )
    assert "<em>nonlinear</em>" in second.question_html_en
    assert second.question_zh_hans is None  # not translated: the page shows the English one
    exported = catalogue_export()
    book = next(r for r in exported["resources"] if r["slug"] == "book")
    assert book["core_for"] == ["dl", "nn"]
    (path,) = exported["paths"]
    assert path["weekly_hours"] == 8
    assert path["stages"][0]["self_check"] == [
        QUESTIONS[0],
        QUESTIONS[1] | {"question_zh_hans": "", "answer_zh_hans": ""},
    ]
    assert not catalogue_import(exported).changed


@pytest.mark.django_db
def test_questions_are_replaced_as_a_whole_and_their_stage_kept():
    catalogue_import(with_the_new_keys())
    stage = Stage.objects.get()
    changed = with_the_new_keys()
    changed["paths"][0]["stages"][0]["self_check"] = [QUESTIONS[1] | {"answer": "It collapses."}]

    report = catalogue_import(changed)

    assert report.updated["paths"] == 1
    (check,) = SelfCheck.objects.all()
    assert (check.stage, check.position, check.answer_en) == (stage, 1, "It collapses.")
    del changed["paths"][0]["stages"][0]["self_check"]  # left out: none
    catalogue_import(changed)
    assert not SelfCheck.objects.exists() and Stage.objects.get() == stage


@pytest.mark.django_db
def test_the_new_keys_at_their_defaults_leave_the_export_and_fingerprints_as_before():
    from learnpaths.catalogue_io.seed import _digest

    catalogue_import(copy.deepcopy(DOCUMENT))
    exported = catalogue_export()
    (path,) = exported["paths"]
    assert path["weekly_hours"] == 5
    assert "self_check" not in path["stages"][0]
    assert not any("core_for" in resource for resource in exported["resources"])
    before_the_keys = {k: v for k, v in path.items() if k != "weekly_hours"}
    assert _digest(path) == _digest(before_the_keys)
    assert _digest(path | {"weekly_hours": 6}) != _digest(before_the_keys)


SELF_CHECK_AT = 'paths[0] "p" stages[0] self_check[0]'
# (what breaks the document, the problem named)
NEW_KEY_PROBLEMS = [
    (lambda d: d["resources"][0].update(core_for=["nope"]),
     'resources[0] "book": unknown concept slug(s): nope'),
    (lambda d: d["resources"][0].update(core_for="dl"),
     'resources[0] "book": concept must be a list of slugs'),
    (lambda d: d["paths"][0].update(weekly_hours=0),
     'paths[0] "p": weekly_hours must be a whole number from 1 to 80: 0 is out of range'),
    (lambda d: d["paths"][0].update(weekly_hours=81),
     'paths[0] "p": weekly_hours must be a whole number from 1 to 80: 81 is out of range'),
    (lambda d: d["paths"][0].update(weekly_hours=5.5),
     'paths[0] "p": weekly_hours must be a whole number from 1 to 80: 5.5 has a decimal point'),
    (lambda d: d["paths"][0]["stages"][0]["self_check"][0].update(question=" "),
     f"{SELF_CHECK_AT}: a self-check needs its question and its model answer"),
    (lambda d: d["paths"][0]["stages"][0]["self_check"][0].pop("answer"),
     f"{SELF_CHECK_AT}: a self-check needs its question and its model answer"),
    (lambda d: d["paths"][0]["stages"][0]["self_check"][0].update(question="x" * 1001),
     f"{SELF_CHECK_AT}: question: Ensure this value has at most"),
    (lambda d: d["paths"][0]["stages"][0]["self_check"][0].update(answer_zh_hans=["答"]),
     f"{SELF_CHECK_AT}: answer_zh_hans must be text"),
    (lambda d: d["paths"][0]["stages"][0]["self_check"][0].update(hint="x"),
     f"{SELF_CHECK_AT}: unknown field(s): hint"),
    (lambda d: d["paths"][0]["stages"][0].update(self_check={"question": "?"}),
     'paths[0] "p" stages[0]: self_check must be a list'),
]  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize(("break_it", "message"), NEW_KEY_PROBLEMS)
def test_a_bad_core_resource_question_or_pace_is_named_and_changes_nothing(break_it, message):
    catalogue_import(with_the_new_keys())
    before = snapshot()
    broken = with_the_new_keys()
    broken["paths"][0]["stages"][0]["self_check"].reverse()  # would change the questions
    break_it(broken)
    with pytest.raises(CatalogueError) as refused:
        catalogue_import(broken)
    assert any(problem.startswith(message) for problem in refused.value.problems), refused.value
    assert snapshot() == before
