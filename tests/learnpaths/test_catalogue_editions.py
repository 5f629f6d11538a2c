"""The catalogue format's editions (docs: /work/notes/edition-format.md): typed deadlines in their
own zones, a workshop's host edition, the first format's single deadline still read; every
mistake refused with a problem naming where it is, and nothing written."""

from __future__ import annotations

import copy
import datetime as dt

import pytest

from learnpaths.catalogue_io.exporter import catalogue_export
from learnpaths.catalogue_io.format import FORMAT
from learnpaths.catalogue_io.importer import CatalogueError, catalogue_import
from resources.models import ConferenceDeadline, ConferenceEdition, Resource
from tests.events import UTC, at

pytestmark = pytest.mark.django_db


def event(slug: str, kind: str = "conference", *editions: dict, **fields) -> dict:
    return {
        "slug": slug,
        "title": slug.upper(),
        "kind": kind,
        "url": f"https://example.org/{slug}",
        "research_area": "ml",
        "editions": list(editions),
        **fields,
    }


def year(number: int, *deadlines: dict, host: dict | None = None, **fields) -> dict:
    """An edition of the format, with its deadlines."""
    return {
        "year": number,
        "starts_on": None,
        "ends_on": None,
        "location": "",
        "url": "",
        "source_url": "",
        "estimated": False,
        "notes": "",
        "host": host,
        "deadlines": list(deadlines),
        **fields,
    }


def due(kind: str, when: str, zone: str = "AoE", **fields) -> dict:
    return {"kind": kind, "due": when, "timezone": zone, "estimated": False, "note": "", **fields}


def document(*resources: dict) -> dict:
    return {"format": FORMAT, "resources": list(resources)}


def stored_deadlines(slug: str | None = None) -> list[tuple]:
    """(conference, year, kind, due, zone, estimated, English note, Chinese note) of each
    deadline stored, in date order."""
    rows = ConferenceDeadline.objects.order_by("due", "kind")
    if slug is not None:
        rows = rows.filter(edition__conference__slug=slug)
    return list(
        rows.values_list(
            "edition__conference__slug",
            "edition__year",
            "kind",
            "due",
            "timezone",
            "estimated",
            "note_en",
            "note_zh_hans",
        )
    )


def hosts() -> dict[tuple[str, int], tuple[str, int] | None]:
    """{(workshop, year): (host conference, year)} of every edition stored."""
    return {
        (e.conference.slug, e.year): (e.host.conference.slug, e.host.year) if e.host else None
        for e in ConferenceEdition.objects.select_related("conference", "host__conference")
    }


def refused(doc: dict) -> list[str]:
    """The problems of a refused import (and check that it wrote nothing)."""
    before = (
        list(Resource.objects.order_by("pk").values_list("pk", "slug", "title")),
        hosts(),
        stored_deadlines(),
    )
    with pytest.raises(CatalogueError) as error:
        catalogue_import(doc)
    after = (
        list(Resource.objects.order_by("pk").values_list("pk", "slug", "title")),
        hosts(),
        stored_deadlines(),
    )
    assert after == before, "a refused import changed the catalogue"
    return error.value.problems


# -- deadlines ----------------------------------------------------------------------------------


ACL = event(
    "acl",
    "conference",
    year(
        2026,
        due(
            "commitment",
            "2026-03-14T23:59",
            note="ARR December cycle",
            note_zh_hans="ARR 十二月周期",
        ),
        due(
            "commitment", "2026-02-15T23:59", note="ARR October cycle", note_zh_hans="ARR 十月周期"
        ),
        due("rebuttal", "2026-01-25T23:59", "UTC"),
        due("notification", "2026-04-04T12:00", "America/Los_Angeles", estimated=True),
        due("camera-ready", "2026-04-20T23:59", "Asia/Shanghai"),
        starts_on="2026-07-02",
        ends_on="2026-07-07",
        location="San Diego, USA",
        source_url="https://example.org/acl/dates",
    ),
)


def test_deadlines_are_imported_with_their_kinds_zones_estimates_and_notes():
    report = catalogue_import(document(ACL))
    assert report.changed
    assert stored_deadlines() == [
        (
            "acl", 2026, "rebuttal", dt.datetime(2026, 1, 25, 23, 59, tzinfo=UTC), "UTC", False,
            "", None,
        ),
        (
            "acl", 2026, "commitment", dt.datetime(2026, 2, 16, 11, 59, tzinfo=UTC), "AoE", False,
            "ARR October cycle", "ARR 十月周期",
        ),
        (
            "acl", 2026, "commitment", dt.datetime(2026, 3, 15, 11, 59, tzinfo=UTC), "AoE", False,
            "ARR December cycle", "ARR 十二月周期",
        ),
        (
            "acl", 2026, "notification", dt.datetime(2026, 4, 4, 19, 0, tzinfo=UTC),
            "America/Los_Angeles", True, "", None,
        ),
        (
            "acl", 2026, "camera-ready", dt.datetime(2026, 4, 20, 15, 59, tzinfo=UTC),
            "Asia/Shanghai", False, "", None,
        ),
    ]  # fmt: skip
    edition = ConferenceEdition.objects.get()
    assert (edition.starts_on, edition.ends_on, edition.location, edition.host) == (
        dt.date(2026, 7, 2),
        dt.date(2026, 7, 7),
        "San Diego, USA",
        None,
    )
    assert edition.source_url == "https://example.org/acl/dates"


def test_a_deadlines_chinese_note_is_shown_on_chinese_pages(client, monkeypatch):
    at(dt.datetime(2026, 1, 1, tzinfo=UTC), monkeypatch)
    catalogue_import(document(ACL))
    chinese = client.get("/zh-hans/resources/acl/").content.decode()
    english = client.get("/en/resources/acl/").content.decode()
    assert "ARR 十月周期" in chinese and "ARR October cycle" not in chinese
    assert "ARR October cycle" in english and "ARR 十月周期" not in english


@pytest.mark.parametrize(
    ("legacy", "expected"),
    [
        (
            {"submission_deadline": "2026-05-15T23:59", "deadline_timezone": "UTC"},
            [("paper", dt.datetime(2026, 5, 15, 23, 59, tzinfo=UTC), "UTC")],
        ),
        (
            {"submission_deadline": "2026-05-15T23:59"},  # AoE unless told
            [("paper", dt.datetime(2026, 5, 16, 11, 59, tzinfo=UTC), "AoE")],
        ),
        (
            {"submission_deadline": "2026-05-15T23:59", "deadline_timezone": "Europe/Paris"},
            [("paper", dt.datetime(2026, 5, 15, 21, 59, tzinfo=UTC), "Europe/Paris")],
        ),
        ({"submission_deadline": None, "deadline_timezone": "AoE"}, []),
    ],
)
def test_the_first_formats_submission_deadline_is_read_as_a_full_paper_deadline(legacy, expected):
    edition = {"year": 2026, "location": "Vienna", **legacy}  # as documents of the first format
    catalogue_import(document(event("icml", "conference", edition)))
    assert [(k, d, z) for _, _, k, d, z, *_ in stored_deadlines()] == expected
    assert ConferenceEdition.objects.get().location == "Vienna"
    # Written back in the new format, and read again unchanged.
    (written,) = catalogue_export()["resources"][0]["editions"]
    assert "submission_deadline" not in written and len(written["deadlines"]) == len(expected)
    assert not catalogue_import(catalogue_export()).changed


def test_an_edition_cannot_give_both_formats_deadlines():
    edition = year(2026, due("paper", "2026-05-15T23:59"), submission_deadline="2026-05-15T23:59")
    assert refused(document(event("icml", "conference", edition))) == [
        'resources[0] "icml" editions[0]: give either deadlines or submission_deadline, not both'
    ]


WHERE = 'resources[0] "icml" editions[0] deadlines[0]'


@pytest.mark.parametrize(
    ("deadline", "problem"),
    [
        (due("poster", "2026-05-15T23:59"), "kind: Value 'poster' is not a valid choice."),
        (due("", "2026-05-15T23:59"), "kind: This field cannot be blank."),
        (
            due("paper", "2026-05-15T23:59", "Mars/Olympus"),
            "timezone: Enter “AoE” (Anywhere on Earth), “UTC” or a time zone name of the form "
            "Area/City, such as America/Los_Angeles.",
        ),
        (
            due("paper", "2026-05-15T23:59", "US/Pacific"),
            "timezone: Enter “AoE” (Anywhere on Earth), “UTC” or a time zone name of the form "
            "Area/City, such as America/Los_Angeles.",
        ),
        (
            due("paper", "2026-13-15T23:59"),
            "due: “2026-13-15T23:59” is not an ISO 8601 date and time such as “2026-05-15T23:59”",
        ),
        (
            due("paper", "2026-05-15"),
            "due: give the time as well as the date, such as “2026-05-15T23:59”",
        ),
        (
            due("paper", "soon"),
            "due: “soon” is not an ISO 8601 date and time such as “2026-05-15T23:59”",
        ),
        (
            due("paper", 20260515),
            "due: must be a date and time written as text, such as “2026-05-15T23:59”",
        ),
        (due("paper", None), "due: a deadline needs its date and time"),
        (
            due("paper", "2026-03-08T02:30", "America/New_York"),
            "due: 2026-03-08 02:30 does not exist in America/New_York: the clocks go forward from "
            "UTC−5 to UTC−4 and skip it. Check the time the call for papers states.",
        ),
        (
            due("paper", "2026-11-01T01:30", "America/New_York"),
            "due: 2026-11-01 01:30 happens twice in America/New_York: the clocks go back from "
            "UTC−4 to UTC−5 and pass it again, so it names no single instant. Write it with its "
            "UTC offset to say which: “2026-11-01T01:30-04:00” is the first.",
        ),
        (
            due("paper", "2101-05-15T23:59"),
            "due: A deadline must fall in the years 1900 to 2100 (UTC).",
        ),
        (
            due("paper", "2026-05-15T23:59", estimated="yes"),
            'estimated must be true or false (without quotes), not "yes"',
        ),
        (
            due("paper", "2026-05-15T23:59", note="x" * 201),
            "note: Ensure this value has at most 200 characters (it has 201).",
        ),
        (
            {"kind": "paper", "due": "2026-05-15T23:59", "deadline": "2026-05-15"},
            "unknown field(s): deadline",
        ),
        ("2026-05-15T23:59", "must be an object"),
    ],
)
def test_a_bad_deadline_is_refused_with_a_clear_problem(deadline, problem):
    doc = document(event("icml", "conference", year(2026, deadline)))
    assert refused(doc) == [f"{WHERE}: {problem}"]


def test_every_bad_deadline_of_an_edition_is_named_at_once():
    doc = document(
        event(
            "icml",
            "conference",
            year(
                2026,
                due("poster", "2026-05-15T23:59"),
                due("paper", "2026-05-15T23:59"),
                due("paper", "2026-05-15T23:59", "Mars/Olympus"),
            ),
        )
    )
    problems = refused(doc)
    assert [p.split(": ")[0] for p in problems] == [
        'resources[0] "icml" editions[0] deadlines[0]',
        'resources[0] "icml" editions[0] deadlines[2]',
    ]


def test_the_same_deadline_twice_is_refused():
    twice = year(2026, due("paper", "2026-05-15T23:59"), due("paper", "2026-05-15T23:59"))
    assert refused(document(event("icml", "conference", twice))) == [
        'resources[0] "icml" editions[0]: deadlines: the same kind of deadline is given twice at '
        "one time"
    ]


def test_deadlines_must_be_a_list():
    doc = document(event("icml", "conference", year(2026, deadlines="2026-05-15T23:59")))
    assert refused(doc) == ['resources[0] "icml" editions[0]: deadlines must be a list']


# -- workshops and their hosts ----------------------------------------------------------------


NEURIPS = event(
    "neurips",
    "conference",
    year(2025, due("paper", "2025-05-15T23:59")),
    year(2026, due("abstract", "2026-05-01T23:59"), due("paper", "2026-05-06T23:59")),
)
WORKSHOP = event(
    "er",
    "workshop",
    year(
        2026,
        due("paper", "2026-08-29T23:59"),
        due("notification", "2026-09-29T23:59"),
        host={"conference": "neurips", "year": 2026},
    ),
)


@pytest.mark.parametrize("order", ["host first", "workshop first"])
def test_a_workshops_host_is_found_wherever_it_is_in_the_document(order):
    resources = [NEURIPS, WORKSHOP] if order == "host first" else [WORKSHOP, NEURIPS]
    catalogue_import(document(*resources))
    assert hosts() == {
        ("neurips", 2025): None,
        ("neurips", 2026): None,
        ("er", 2026): ("neurips", 2026),
    }
    assert [row[:3] for row in stored_deadlines("er")] == [
        ("er", 2026, "paper"),
        ("er", 2026, "notification"),
    ]


def test_a_workshop_can_move_to_another_host_edition():
    catalogue_import(document(NEURIPS, WORKSHOP))
    moved = copy.deepcopy(WORKSHOP)
    moved["editions"][0] |= {"year": 2025, "host": {"conference": "neurips", "year": 2025}}
    assert catalogue_import(document(NEURIPS, moved)).changed
    assert hosts()[("er", 2025)] == ("neurips", 2025)
    assert ("er", 2026) not in hosts()


def test_a_workshops_edition_is_in_its_hosts_year():
    assert refused(document(NEURIPS, with_host({"conference": "neurips", "year": 2025}))) == [
        f"{WORKSHOP_AT}: year: A workshop's edition is in the year of its host edition."
    ]


def with_host(host) -> dict:
    workshop = copy.deepcopy(WORKSHOP)
    workshop["editions"][0]["host"] = host
    return workshop


WORKSHOP_AT = 'resources[1] "er" editions[0]'


@pytest.mark.parametrize(
    ("host", "problem"),
    [
        (None, "host: a workshop's edition needs its host edition"),
        ({"conference": "nope", "year": 2026}, "host: no edition 2026 of a conference “nope”"),
        (
            {"conference": "neurips", "year": 2027},
            "host: no edition 2027 of a conference “neurips”",
        ),
        ({"conference": "er", "year": 2026}, "host: no edition 2026 of a conference “er”"),
        ({"conference": "neurips"}, 'host must be {"conference": "<slug>", "year": <year>}'),
        ("neurips", 'host must be {"conference": "<slug>", "year": <year>}'),
        (
            {"conference": "neurips", "year": "2026"},
            'host must be {"conference": "<slug>", "year": <year>}',
        ),
    ],
)
def test_a_workshop_edition_without_a_known_host_is_refused(host, problem):
    assert refused(document(NEURIPS, with_host(host))) == [f"{WORKSHOP_AT}: {problem}"]


def test_a_workshop_cannot_be_hosted_by_another_workshop():
    other = event("other", "workshop", year(2026, host={"conference": "neurips", "year": 2026}))
    catalogue_import(document(NEURIPS, other))
    problems = refused(document(NEURIPS, with_host({"conference": "other", "year": 2026}), other))
    assert problems == [f"{WORKSHOP_AT}: host: no edition 2026 of a conference “other”"]


def test_a_conference_edition_with_a_host_is_refused():
    hosted = event("icml", "conference", year(2026, host={"conference": "neurips", "year": 2026}))
    assert refused(document(NEURIPS, hosted)) == [
        'resources[1] "icml" editions[0]: host: only a workshop\'s edition has a host edition'
    ]


def test_a_year_still_hosting_a_workshop_is_not_deleted():
    catalogue_import(document(NEURIPS, WORKSHOP))
    without_2026 = copy.deepcopy(NEURIPS)
    without_2026["editions"] = without_2026["editions"][:1]
    assert refused(document(without_2026)) == [
        'resources[0] "neurips": editions: 2026 still host workshops; move them first'
    ]
    # Once the workshop has moved, the year goes.
    moved = with_host({"conference": "neurips", "year": 2025})
    moved["editions"][0]["year"] = 2025
    catalogue_import(document(NEURIPS, moved))
    catalogue_import(document(without_2026))
    assert ("neurips", 2026) not in hosts()


def test_deleting_a_workshop_edition_frees_its_host_year():
    catalogue_import(document(NEURIPS, WORKSHOP))
    no_editions = copy.deepcopy(WORKSHOP)
    no_editions["editions"] = []
    without_2026 = copy.deepcopy(NEURIPS)
    without_2026["editions"] = without_2026["editions"][:1]
    catalogue_import(document(no_editions))
    catalogue_import(document(without_2026))
    assert hosts() == {("neurips", 2025): None}


# -- importing again, and the round trip ------------------------------------------------------


def test_importing_the_same_document_again_changes_nothing():
    doc = document(WORKSHOP, NEURIPS, ACL)
    catalogue_import(copy.deepcopy(doc))
    rows = list(ConferenceDeadline.objects.order_by("pk").values_list("pk", "due", "kind"))
    editions = list(ConferenceEdition.objects.order_by("pk").values_list("pk", "year"))
    report = catalogue_import(copy.deepcopy(doc))
    assert not report.changed, str(report)
    # The rows are kept: a deadline's id is its event's UID in the calendar feeds.
    assert list(ConferenceDeadline.objects.order_by("pk").values_list("pk", "due", "kind")) == rows
    assert list(ConferenceEdition.objects.order_by("pk").values_list("pk", "year")) == editions


def test_export_then_import_gives_back_every_deadline_and_host_exactly():
    catalogue_import(document(NEURIPS, WORKSHOP, ACL))
    icml = Resource.objects.create(
        slug="icml", title="ICML", kind="conference", url="https://example.org/icml"
    )
    edition = ConferenceEdition.objects.create(conference=icml, year=2027, estimated=True)
    exact = {
        dt.datetime(2027, 11, 7, 8, 30, tzinfo=UTC): "America/Los_Angeles",  # the second 01:30
        dt.datetime(2027, 4, 3, 14, 50, tzinfo=UTC): "Australia/Lord_Howe",  # the first 01:50
        dt.datetime(2027, 5, 16, 11, 59, 59, 500, tzinfo=UTC): "AoE",
        dt.datetime(2027, 8, 1, 18, 15, tzinfo=UTC): "Asia/Kathmandu",
    }
    for instant, zone in exact.items():
        edition.deadlines.create(kind="paper", due=instant, timezone=zone, estimated=True)
    first = catalogue_export()
    before, before_hosts = stored_deadlines(), hosts()
    # Workshops first: a host edition is protected while it hosts one.
    Resource.objects.filter(kind="workshop").delete()
    Resource.objects.all().delete()
    assert not ConferenceDeadline.objects.exists()
    catalogue_import(copy.deepcopy(first))
    assert stored_deadlines() == before
    assert hosts() == before_hosts
    assert ConferenceEdition.objects.get(conference__slug="icml").estimated
    assert catalogue_export() == first
    assert not catalogue_import(catalogue_export()).changed
