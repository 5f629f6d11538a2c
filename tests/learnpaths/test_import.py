"""Taking one's data along: the JSON export read back by the import, and the exports' contents."""

import copy
import csv
import datetime as dt
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from learnpaths import imports, services
from learnpaths.models import (
    ActiveDay,
    LearningPath,
    Note,
    PathFollow,
    PathStatus,
    Progress,
    Step,
    User,
)
from resources.models import Resource
from tests.html import parse


def steps_of(path):
    return list(
        Step.objects.filter(path=path)
        .select_related("resource")
        .order_by("stage__position", "position")
    )


def exported(client) -> dict:
    response = client.get(reverse("export-json"))
    assert response.status_code == 200
    return json.loads(response.content)


def upload(client, content: bytes | str | dict | list, name="learnpaths.json"):
    if isinstance(content, dict | list):
        content = json.dumps(content)
    if isinstance(content, str):
        content = content.encode()
    return client.post(
        reverse("data-import"), {"file": SimpleUploadedFile(name, content, "application/json")}
    )


def state(user) -> dict:
    """Everything of the learner an import may change, as comparable values."""
    user = User.objects.get(pk=user.pk)
    return {
        "progress": sorted(
            Progress.objects.filter(user=user).values_list(
                "resource__slug", "status", "started_at", "completed_at", "updated_at"
            )
        ),
        "follows": sorted(
            PathFollow.objects.filter(user=user).values_list(
                "path__slug", "started_at", "weekly_hours"
            )
        ),
        "notes": sorted(
            Note.objects.filter(user=user).values_list(
                "resource__slug", "body", "body_html", "updated_at"
            )
        ),
        "time_zone": user.time_zone,
        "active_days": sorted(ActiveDay.objects.filter(user=user).values_list("day", flat=True)),
    }


def errors(response) -> list[str]:
    """The messages under the form's file field."""
    page = parse(response.content)
    return [p.text for p in page.find_all("p", class_="error")]


@pytest.fixture
def learner(make):
    """A learner with a bit of everything: each status, two follows (one at their own pace),
    notes (one on a resource they have no status on) and a time zone."""
    user = make.user(username="leaver", time_zone="Asia/Shanghai")
    first = make.path(title="First", stages=2, steps_per_stage=2)
    second = make.path(title="Second", steps_per_stage=2)
    services.path_follow(user=user, path=first)
    services.path_follow(user=user, path=second)
    PathFollow.objects.filter(user=user, path=first).update(weekly_hours=12)
    steps = steps_of(first) + steps_of(second)
    statuses = ["done", "skipped", "in_progress", "not_started", "done"]
    for step, status in zip(steps[:5], statuses, strict=True):
        services.progress_set(user=user, resource_id=step.resource.pk, status=status)
    Note.objects.create(
        user=user, resource=steps[0].resource, body="**Bold** idea <script>x</script>"
    )
    Note.objects.create(user=user, resource=steps[5].resource, body="Read later")
    user.paths = (first, second)
    user.steps = steps
    return user


@pytest.fixture
def document(client, learner) -> dict:
    client.force_login(learner)
    data = exported(client)
    client.logout()
    return data


# -- the exports -----------------------------------------------------------------------------
def test_the_json_export_holds_progress_follows_with_pace_notes_and_time_zone(client, learner):
    client.force_login(learner)
    data = exported(client)
    assert data["format"] == "learnpaths-learner-data" and data["version"] == 1
    assert data["time_zone"] == "Asia/Shanghai"
    assert len(data["progress"]) == 5
    paces = {row["path"]: row["weekly_hours"] for row in data["followed_paths"]}
    assert paces == {learner.paths[0].slug: 12, learner.paths[1].slug: None}
    notes = {row["resource"]: row["body"] for row in data["notes"]}
    assert notes == {
        learner.steps[0].resource.slug: "**Bold** idea <script>x</script>",
        learner.steps[5].resource.slug: "Read later",
    }
    assert all(dt.datetime.fromisoformat(row["updated_at"]) for row in data["notes"])


def test_the_csv_export_has_a_note_column_and_a_row_for_a_note_without_status(client, learner):
    client.force_login(learner)
    response = client.get(reverse("export-csv"))
    rows = {row["resource"]: row for row in csv.DictReader(io.StringIO(response.content.decode()))}
    assert len(rows) == 6
    assert rows[learner.steps[0].resource.slug]["note"] == "**Bold** idea <script>x</script>"
    assert rows[learner.steps[1].resource.slug]["note"] == ""
    unstarted = rows[learner.steps[5].resource.slug]
    assert unstarted["note"] == "Read later" and unstarted["status"] == ""


def test_a_note_that_a_spreadsheet_would_run_is_neutralised_in_the_csv(client, make):
    user = make.user()
    Note.objects.create(user=user, resource=make.resource(), body="=HYPERLINK(1)")
    client.force_login(user)
    (row,) = csv.DictReader(io.StringIO(client.get(reverse("export-csv")).content.decode()))
    assert row["note"] == "'=HYPERLINK(1)"


# -- round trip ------------------------------------------------------------------------------
def test_an_export_imported_into_a_new_account_gives_it_the_same_data(
    client, make, learner, document
):
    newcomer = make.user()
    client.force_login(newcomer)
    response = upload(client, document)
    assert response.status_code == 200 and errors(response) == []
    mine, theirs = state(learner), state(newcomer)
    assert theirs == mine
    again = exported(client)
    for key in ("progress", "followed_paths", "notes", "time_zone", "active_days"):
        assert again[key] == document[key], key
    report = parse(response.content).find(class_="import-report").text
    assert "5 resources’ statuses added or updated" in report
    assert "2 paths followed" in report and "2 notes added or updated" in report


def test_the_imported_notes_are_sanitised_as_on_save(client, make, document):
    newcomer = make.user()
    client.force_login(newcomer)
    upload(client, document)
    html = Note.objects.get(user=newcomer, body__startswith="**Bold**").body_html
    assert "<strong>Bold</strong>" in html and "<script>" not in html


def test_importing_the_same_file_twice_changes_nothing_the_second_time(client, make, document):
    newcomer = make.user()
    client.force_login(newcomer)
    upload(client, document)
    before = state(newcomer)
    version = User.objects.get(pk=newcomer.pk).progress_version
    response = upload(client, document)
    assert response.status_code == 200 and errors(response) == []
    assert state(newcomer) == before
    assert User.objects.get(pk=newcomer.pk).progress_version == version
    assert "Nothing to change" in parse(response.content).find(class_="import-report").text


def test_importing_ones_own_export_changes_nothing(client, learner, document):
    before = state(learner)
    client.force_login(learner)
    upload(client, document)
    assert state(learner) == before


def test_the_dashboard_shows_the_imported_progress_at_once(client, make, document):
    newcomer = make.user()
    client.force_login(newcomer)
    assert "followed-path" not in client.get(reverse("dashboard")).content.decode()  # cached
    upload(client, document)
    page = client.get(reverse("dashboard")).content.decode()
    assert page.count("followed-path") == 2
    assert "<strong>2</strong> resources done" in page


# -- merging into an account that has data -------------------------------------------------
def test_the_newer_status_wins_whichever_side_it_is_on(client, learner, document):
    older, newer = learner.steps[0].resource, learner.steps[2].resource
    rows = {row["resource"]: row for row in document["progress"]}
    # The file says the first resource was set back to not started later than the account's
    # change; the account changed the third after the file was made.
    later = (timezone.now() + dt.timedelta(hours=1)).isoformat()
    rows[older.slug].update(status="not_started", started_at="", completed_at="", updated_at=later)
    services.progress_set(user=learner, resource_id=newer.pk, status="done")
    client.force_login(learner)
    response = upload(client, document)
    assert errors(response) == []
    assert Progress.objects.get(user=learner, resource=older).status == "not_started"
    assert Progress.objects.get(user=learner, resource=older).updated_at.isoformat() == later
    assert Progress.objects.get(user=learner, resource=newer).status == "done"


def test_the_newer_note_wins_and_the_accounts_own_notes_stay(client, learner, document):
    kept = Note.objects.create(user=learner, resource=learner.steps[3].resource, body="Mine")
    note = Note.objects.get(user=learner, resource=learner.steps[5].resource)
    note.body = "Edited since the export"
    note.save()
    for row in document["notes"]:
        if row["resource"] == learner.steps[0].resource.slug:
            row["body"] = "From the file"
            row["updated_at"] = (timezone.now() + dt.timedelta(minutes=5)).isoformat()
    client.force_login(learner)
    upload(client, document)
    bodies = dict(Note.objects.filter(user=learner).values_list("resource_id", "body"))
    assert bodies == {
        learner.steps[0].resource.pk: "From the file",
        learner.steps[3].resource.pk: "Mine",
        learner.steps[5].resource.pk: "Edited since the export",
    }
    assert Note.objects.filter(pk=kept.pk).exists()


def test_follows_are_added_and_the_accounts_pace_and_time_zone_stay(
    client, make, learner, document
):
    receiver = make.user(time_zone="Europe/Paris")
    services.path_follow(user=receiver, path=learner.paths[0])
    PathFollow.objects.filter(user=receiver).update(weekly_hours=3)
    client.force_login(receiver)
    upload(client, document)
    paces = dict(PathFollow.objects.filter(user=receiver).values_list("path__slug", "weekly_hours"))
    assert paces == {learner.paths[0].slug: 3, learner.paths[1].slug: None}
    assert User.objects.get(pk=receiver.pk).time_zone == "Europe/Paris"


def test_an_export_older_than_notes_and_time_zones_imports(client, make, document):
    for key in ("format", "version", "notes", "time_zone"):
        del document[key]
    for row in document["followed_paths"]:
        del row["weekly_hours"]
    newcomer = make.user()
    client.force_login(newcomer)
    assert errors(upload(client, document)) == []
    assert Progress.objects.filter(user=newcomer).count() == 5
    assert PathFollow.objects.filter(user=newcomer, weekly_hours=None).count() == 2
    assert not Note.objects.filter(user=newcomer).exists()


# -- what the catalogue no longer publishes ------------------------------------------------
def test_resources_and_paths_no_longer_published_are_skipped_and_named(
    client, make, learner, document
):
    gone = learner.steps[4].resource  # of the second path, done
    LearningPath.objects.filter(pk=learner.paths[1].pk).set_status(PathStatus.DRAFT)
    Resource.objects.filter(pk=gone.pk).set_published(False)
    document["progress"].append(dict(document["progress"][0], resource="a-resource-that-never-was"))
    newcomer = make.user()
    client.force_login(newcomer)
    response = upload(client, document)
    assert errors(response) == []
    report = parse(response.content).find(class_="import-report").text
    assert f"a-resource-that-never-was, {gone.slug}" in report
    assert learner.paths[1].slug in report
    assert not Progress.objects.filter(user=newcomer, resource=gone).exists()
    assert Progress.objects.filter(user=newcomer).count() == 4
    assert list(PathFollow.objects.filter(user=newcomer).values_list("path", flat=True)) == [
        learner.paths[0].pk
    ]


# -- refused files ---------------------------------------------------------------------------
def mutate(change):
    """A test case: `change(document)` spoils a good export in place."""

    def apply(document):
        document = copy.deepcopy(document)
        change(document)
        return document

    return apply


def first(key):
    return lambda document: document[key][0]


def set_in(key, **values):
    return mutate(lambda document: document[key][0].update(values))


BAD_DOCUMENTS = {
    "a list": (
        lambda d: [d],
        "The file must hold one JSON object, as an export does; it holds a list.",
    ),
    "no progress": (mutate(lambda d: d.pop("progress")), "progress: missing"),
    "progress not a list": (mutate(lambda d: d.update(progress={})), "progress: must be a list"),
    "a row not an object": (mutate(lambda d: d["progress"].append("x")), "progress, row 6:"),
    "a status not declared": (set_in("progress", status="owned"), "“status” must be one of"),
    "a date not a date": (set_in("progress", updated_at="yesterday"), "“updated_at” must be a"),
    "a date without offset": (
        set_in("progress", updated_at="2024-01-01T10:00:00"),
        "“updated_at” must be a date and time with its offset",
    ),
    "a date out of range": (set_in("progress", updated_at="2024-13-01T10:00:00+00:00"), "must"),
    "a date in the future": (
        set_in("progress", updated_at="2999-01-01T10:00:00+00:00"),
        "is in the future",
    ),
    "done without completed_at": (
        set_in("progress", status="done", completed_at=""),
        "a “done” row needs “completed_at”",
    ),
    "not started with dates": (
        set_in("progress", status="not_started"),
        "a “not_started” row has no “completed_at”",
    ),
    "a resource twice": (
        mutate(lambda d: d["progress"].append(d["progress"][0])),
        "this resource comes twice",
    ),
    "a slug with a NUL": (set_in("progress", resource="a\x00b"), "must be a slug"),
    "a slug not a string": (set_in("progress", resource=12), "must be a slug"),
    "no path": (set_in("followed_paths", path=None), "“path” must be a slug"),
    "zero hours a week": (set_in("followed_paths", weekly_hours=0), "from 1 to 80"),
    "200 hours a week": (set_in("followed_paths", weekly_hours=200), "from 1 to 80"),
    "hours as text": (set_in("followed_paths", weekly_hours="5"), "from 1 to 80"),
    "hours as a fraction": (set_in("followed_paths", weekly_hours=2.5), "from 1 to 80"),
    "hours as true": (set_in("followed_paths", weekly_hours=True), "from 1 to 80"),
    "an empty note": (set_in("notes", body="  \n"), "“body” must be the note’s text"),
    "a note too long": (
        set_in("notes", body="x" * (imports.MAX_NOTE_LENGTH + 1)),
        f"a note holds at most {imports.MAX_NOTE_LENGTH}",
    ),
    "a note with a NUL": (set_in("notes", body="a\x00b"), "cannot be stored"),
    "a note with a lone surrogate": (set_in("notes", body="a\ud800b"), "cannot be stored"),
    "an unknown time zone": (mutate(lambda d: d.update(time_zone="Mars/Olympus")), "time_zone:"),
    "a time zone not text": (mutate(lambda d: d.update(time_zone=8)), "time_zone:"),
    "another format": (mutate(lambda d: d.update(format="roadmap")), "format:"),
    "a later version": (mutate(lambda d: d.update(version=2)), "version:"),
}


def snapshot(learner) -> dict:
    return state(learner) | {
        "version": User.objects.get(pk=learner.pk).progress_version,
    }


@pytest.mark.parametrize("case", BAD_DOCUMENTS, ids=list(BAD_DOCUMENTS))
def test_a_spoilt_export_is_refused_with_a_message_and_changes_nothing(
    client, make, learner, document, case
):
    spoil, message = BAD_DOCUMENTS[case]
    # Into an account with data of its own, most of it older than the file's, so that a
    # partial import would show.
    receiver = make.user()
    services.path_follow(user=receiver, path=learner.paths[0])
    services.progress_set(user=receiver, resource_id=learner.steps[0].resource.pk, status="done")
    Progress.objects.filter(user=receiver).update(updated_at=timezone.now() - dt.timedelta(days=9))
    before = snapshot(receiver)
    client.force_login(receiver)
    response = upload(client, spoil(document))
    assert response.status_code == 200
    shown = errors(response)
    assert any(message in error for error in shown), shown
    assert snapshot(receiver) == before


def test_each_problem_names_its_row_and_key(client, make, document):
    spoilt = copy.deepcopy(document)
    spoilt["progress"][2]["status"] = "owned"
    spoilt["followed_paths"][1]["weekly_hours"] = 0
    client.force_login(make.user())
    shown = errors(upload(client, spoilt))
    slug = document["progress"][2]["resource"]
    path = document["followed_paths"][1]["path"]
    assert shown[0].startswith(f"progress, row 3 (resource “{slug}”): “status” must be one of")
    assert shown[1].startswith(f"followed_paths, row 2 (path “{path}”): “weekly_hours”")


def test_many_problems_are_cut_short_and_counted(client, make, document):
    spoilt = copy.deepcopy(document)
    spoilt["progress"] = [
        dict(document["progress"][0], resource=f"r-{n}", status="owned") for n in range(25)
    ]
    client.force_login(make.user())
    shown = errors(upload(client, spoilt))
    assert len(shown) == imports.MAX_MESSAGES + 1
    assert shown[-1] == "…and 15 more problems."


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The submitted file is empty."),
        (b"progress,status\nx,done\n", "not valid JSON (line 1, column 1)"),
        ('{"progress": [], "followed_paths": []} trailing', "not valid JSON"),
        ("{'progress': []}", "not valid JSON"),
        ('{"progress": [NaN], "followed_paths": []}', "not valid JSON"),
        ('{"progress": [1' + "0" * 5000 + "]}", "not valid JSON"),
        ("é".encode("latin-1") + b'{"progress": []}', "not UTF-8 text (byte 1)"),
        ('{"progress": [], "followed_paths": []}'.encode("utf-16"), "not UTF-8 text"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, "not UTF-8 text"),
        ("[" * 100_000 + "]" * 100_000, "nests lists or objects far deeper"),
        ('{"progress": [[[["deep"]]]], "followed_paths": []}', "row 1: must be an object"),
        ("null", "one JSON object"),
        ('"text"', "one JSON object"),
    ],
    ids=[
        "empty",
        "csv",
        "trailing text",
        "single quotes",
        "NaN",
        "a huge number",
        "latin-1",
        "utf-16",
        "an image",
        "deeply nested",
        "nested a little too deep",
        "null",
        "a string",
    ],
)
def test_a_file_that_is_not_an_export_is_refused_with_a_message(client, learner, content, message):
    client.force_login(learner)
    before = snapshot(learner)
    response = upload(client, content)
    assert response.status_code == 200
    shown = errors(response)
    assert any(message in error for error in shown), shown
    assert snapshot(learner) == before


def test_a_utf8_file_with_a_byte_order_mark_imports(client, make, document):
    newcomer = make.user()
    client.force_login(newcomer)
    response = upload(client, b"\xef\xbb\xbf" + json.dumps(document).encode())
    assert errors(response) == []
    assert Progress.objects.filter(user=newcomer).count() == 5


def test_a_file_over_the_size_limit_is_refused_without_being_kept(client, learner):
    client.force_login(learner)
    before = snapshot(learner)
    content = b'{"progress": [], "pad": "' + b"x" * imports.MAX_IMPORT_BYTES + b'"}'
    response = upload(client, content)
    assert "larger than 5 MB" in " ".join(errors(response))
    assert snapshot(learner) == before


def test_too_many_rows_are_refused(client, learner, monkeypatch, document):
    monkeypatch.setattr(imports, "MAX_ROWS", 4)
    client.force_login(learner)
    before = snapshot(learner)
    shown = errors(upload(client, document))
    assert any("progress: more than 4 rows" in error for error in shown), shown
    assert snapshot(learner) == before


def test_no_file_is_a_form_error(client, learner):
    client.force_login(learner)
    response = client.post(reverse("data-import"), {})
    assert response.status_code == 200
    assert errors(response) == ["This field is required."]


def test_two_files_are_a_bad_request(client, learner):
    client.force_login(learner)
    response = client.post(
        reverse("data-import"),
        {
            "file": SimpleUploadedFile("a.json", b"{}"),
            "other": SimpleUploadedFile("b.json", b"{}"),
        },
    )
    assert response.status_code == 400


def test_a_failure_while_writing_leaves_everything_as_it_was(client, make, document, monkeypatch):
    newcomer = make.user()
    before = snapshot(newcomer)

    def fail(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(services, "_import_follows", fail)
    data = imports.parse_learner_data(json.dumps(document).encode())
    with pytest.raises(RuntimeError):
        services.learner_data_import(user=newcomer, data=data)
    assert snapshot(newcomer) == before


def test_the_import_page_explains_the_rules(client, learner):
    client.force_login(learner)
    page = parse(client.get(reverse("data-import")).content)
    (form,) = page.find_all("form", enctype="multipart/form-data")
    assert form.attrs["method"] == "post"
    assert page.find("input", type="file").attrs["name"] == "file"
    text = page.find("main").text
    assert "the newer of the file’s status and yours is kept" in text
    assert "skipped and listed" in text


@pytest.mark.parametrize("paths", [1, 6])
def test_the_import_takes_a_fixed_number_of_queries(client, make, paths, django_assert_num_queries):
    learner = make.user()
    for _ in range(paths):
        path = make.path(stages=2, steps_per_stage=5)
        services.path_follow(user=learner, path=path)
        for step in steps_of(path):
            services.progress_set(user=learner, resource_id=step.resource.pk, status="done")
            Note.objects.create(user=learner, resource=step.resource, body="Noted.")
    client.force_login(learner)
    data = imports.parse_learner_data(client.get(reverse("export-json")).content)
    assert len(data.progress) == len(data.notes) == 10 * paths
    # Savepoint, lock, resources, paths; per kind (progress, notes, follows) the account's
    # rows, the insert and the update; the account's active days and the insert of the file's
    # (one day here: the learner was active today); the version; the savepoint's release.
    newcomer = make.user()
    with django_assert_num_queries(17):
        services.learner_data_import(user=newcomer, data=data)
    assert state(newcomer)["progress"] == state(learner)["progress"]


def test_the_import_works_from_the_chinese_page_too(client, make, document):
    newcomer = make.user()
    client.force_login(newcomer)
    upload = SimpleUploadedFile("x.json", json.dumps(document).encode())
    response = client.post("/zh-hans/me/import/", {"file": upload})
    assert response.status_code == 200
    assert Progress.objects.filter(user=newcomer).count() == 5


def test_a_file_sent_to_another_learner_page_is_still_a_bad_request(client, learner):
    client.force_login(learner)
    upload = SimpleUploadedFile("x.json", b"{}")
    response = client.post(reverse("share-settings"), {"action": "on", "file": upload})
    assert response.status_code == 400
    assert User.objects.get(pk=learner.pk).share_token is None


# -- streaks ---------------------------------------------------------------------------------
def test_active_days_travel_with_the_export_and_add_to_the_accounts_streaks(
    client, make, learner, document
):
    ActiveDay.objects.bulk_create(
        [ActiveDay(user=learner, day=dt.date(2026, 3, day)) for day in (1, 2, 3)]
    )
    client.force_login(learner)
    data = exported(client)
    assert data["active_days"][:3] == ["2026-03-01", "2026-03-02", "2026-03-03"]
    newcomer = make.user()
    ActiveDay.objects.create(user=newcomer, day=dt.date(2026, 3, 2))
    client.force_login(newcomer)
    response = upload(client, data)
    assert errors(response) == []
    days = set(ActiveDay.objects.filter(user=newcomer).values_list("day", flat=True))
    assert days == {dt.date.fromisoformat(day) for day in data["active_days"]}
    report = parse(response.content).find(class_="import-report").text
    assert f"{len(days) - 1} active days added to your streaks" in report


@pytest.mark.parametrize(
    "value, named",
    [
        ("2026-03-01", "active_days:"),
        ([20260301], "active_days, entry 1:"),
        (["2026-02-30"], "active_days, entry 1:"),
        (["2026-03-01", "2999-01-01"], "active_days, entry 2:"),
        (["1 March 2026"], "active_days, entry 1:"),
    ],
)
def test_a_bad_active_day_is_named_and_nothing_is_imported(client, make, document, value, named):
    document["active_days"] = value
    newcomer = make.user()
    client.force_login(newcomer)
    before = state(newcomer)
    response = upload(client, document)
    assert any(message.startswith(named) for message in errors(response)), errors(response)
    assert state(newcomer) == before
