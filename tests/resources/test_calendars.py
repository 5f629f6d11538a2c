"""Calendar feeds of conference deadlines (RFC 5545): each feed read back as a calendar app reads
it, every event at its deadline's exact instant, each feed holding exactly its deadlines."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

import pytest
from django.utils import translation
from icalendar import Calendar

from resources.models import ConferenceDeadline, DeadlineKind
from tests import events
from tests.events import UTC, at, conference, deadline, edition

CALENDAR_TYPE = "text/calendar; charset=utf-8"
CJK = re.compile(r"[\u4e00-\u9fff]")


# -- reading a feed as a calendar app does -------------------------------------------------------


def feed(client, url: str) -> Calendar:
    """The feed at `url`, parsed, after checking what RFC 5545 requires of every feed."""
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"] == CALENDAR_TYPE
    raw = response.content
    # Content lines end in CRLF and are folded at 75 octets (RFC 5545 §3.1).
    lines = raw.split(b"\r\n")
    assert lines[-1] == b"" and all(b"\n" not in line for line in lines)
    assert all(len(line) <= 75 for line in lines), max(lines, key=len)
    calendar = Calendar.from_ical(raw)
    assert calendar.name == "VCALENDAR"
    assert str(calendar["VERSION"]) == "2.0" and str(calendar["PRODID"])
    uids = [str(event["UID"]) for event in calendar.walk("VEVENT")]
    assert len(uids) == len(set(uids)), "UIDs must be unique"
    defined = {str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")}
    for event in calendar.walk("VEVENT"):
        assert "DTSTAMP" in event and "DTSTART" in event
        assert event.decoded("DTSTAMP").utcoffset() == dt.timedelta(0)  # DTSTAMP is in UTC
        tzid = event["DTSTART"].params.get("TZID")
        assert tzid is None or tzid in defined, f"TZID {tzid} has no VTIMEZONE"
    return calendar


def instant(calendar: Calendar, event) -> dt.datetime:
    """The UTC instant an event starts at, as RFC 5545 §3.3.5 defines it; with a TZID, checked
    to be the same by the IANA zone of that name and by the feed's own VTIMEZONE (an app may
    use either). A wall clock the clocks pass twice means its first occurrence."""
    start = event["DTSTART"]
    value = start.dt
    tzid = start.params.get("TZID")
    if tzid is None:
        assert value.utcoffset() == dt.timedelta(0), "a time without TZID must be UTC (Z)"
        return value.astimezone(UTC)
    wall = value.replace(tzinfo=None)
    by_name = wall.replace(tzinfo=zoneinfo.ZoneInfo(tzid), fold=0).astimezone(UTC)
    (vtimezone,) = [z for z in calendar.walk("VTIMEZONE") if str(z["TZID"]) == tzid]
    by_definition = wall.replace(tzinfo=vtimezone.to_tz(lookup_tzid=False), fold=0)
    assert by_definition.astimezone(UTC) == by_name, f"the VTIMEZONE of {tzid} disagrees"
    return by_name


def pk(event) -> int:
    match = re.fullmatch(r"deadline-(\d+)@learnpaths", str(event["UID"]))
    assert match, event["UID"]
    return int(match.group(1))


def instants(calendar: Calendar) -> dict[int, dt.datetime]:
    """{deadline id: the instant its event starts at} for every event of the feed."""
    return {pk(event): instant(calendar, event) for event in calendar.walk("VEVENT")}


def by_pk(calendar: Calendar) -> dict:
    return {pk(event): event for event in calendar.walk("VEVENT")}


# -- a small catalogue ----------------------------------------------------------------------------


@pytest.fixture
def catalogue(make, monkeypatch):
    """Deadlines of several areas, concepts and kinds, one unpublished conference, one
    estimated deadline; the clock at 1 January 2026."""
    at(dt.datetime(2026, 1, 1, tzinfo=UTC), monkeypatch)
    attention, vision = make.concept(slug="attention"), make.concept(slug="vision")
    neurips = conference("NeurIPS", research_area="ml", slug="neurips")
    neurips.concepts.add(attention)
    cvpr = conference("CVPR", research_area="cv", slug="cvpr")
    cvpr.concepts.add(vision)
    acl = conference("ACL", research_area="nlp", slug="acl")
    acl.concepts.add(attention)
    hidden = conference("Hidden", research_area="ml", slug="hidden", published=False)
    hidden.concepts.add(attention, vision)
    neurips_2026 = edition(neurips, 2026, location="San Diego, USA")
    workshop = conference("Efficient Reasoning", kind="workshop", research_area="ml", slug="er")
    workshop.concepts.add(attention)
    rows = {
        "neurips abstract": deadline(
            neurips_2026, dt.datetime(2026, 5, 2, 11, 59, tzinfo=UTC), "AoE", "abstract"
        ),
        "neurips paper": deadline(neurips_2026, dt.datetime(2026, 5, 7, 11, 59, tzinfo=UTC)),
        "cvpr paper": deadline(
            edition(cvpr, 2026), dt.datetime(2026, 11, 14, 7, 59, tzinfo=UTC), "America/Los_Angeles"
        ),
        "acl commitment": deadline(
            edition(acl, 2026),
            dt.datetime(2026, 3, 14, 11, 59, tzinfo=UTC),
            "AoE",
            "commitment",
            estimated=True,
        ),
        "hidden paper": deadline(edition(hidden, 2026), dt.datetime(2026, 4, 1, tzinfo=UTC), "UTC"),
        "workshop paper": deadline(
            edition(workshop, 2026, host=neurips_2026),
            dt.datetime(2026, 8, 29, 11, 59, tzinfo=UTC),
        ),
    }
    return {name: row.pk for name, row in rows.items()}


def ids(catalogue: dict, *names: str) -> set[int]:
    return {catalogue[name] for name in names}


PUBLISHED = ("neurips abstract", "neurips paper", "cvpr paper", "acl commitment", "workshop paper")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/en/conferences.ics", PUBLISHED),
        ("/en/conferences.ics?area=ml", ("neurips abstract", "neurips paper", "workshop paper")),
        ("/en/conferences.ics?area=cv", ("cvpr paper",)),
        ("/en/conferences.ics?kind=workshop", ("workshop paper",)),
        ("/en/conferences.ics?kind=conference&area=ml", ("neurips abstract", "neurips paper")),
        (
            "/en/conferences.ics?concept=attention",
            ("neurips abstract", "neurips paper", "acl commitment", "workshop paper"),
        ),
        ("/en/conferences.ics?concept=attention&area=nlp", ("acl commitment",)),
        ("/en/conferences.ics?area=speech", ()),
        # Values the site does not know are ignored, as on the page.
        ("/en/conferences.ics?area=astrology&kind=party&concept=nope", PUBLISHED),
        ("/en/conferences/areas/ml.ics", ("neurips abstract", "neurips paper", "workshop paper")),
        ("/en/conferences/areas/nlp.ics", ("acl commitment",)),
        ("/en/conferences/areas/robotics.ics", ()),
        (
            "/en/concepts/attention/deadlines.ics",
            ("neurips abstract", "neurips paper", "acl commitment", "workshop paper"),
        ),
        ("/en/concepts/vision/deadlines.ics", ("cvpr paper",)),
        ("/en/resources/neurips/deadlines.ics", ("neurips abstract", "neurips paper")),
        ("/en/resources/er/deadlines.ics", ("workshop paper",)),
        ("/zh-hans/resources/cvpr/deadlines.ics", ("cvpr paper",)),
    ],
)
def test_each_feed_holds_exactly_its_published_deadlines_at_their_instants(
    client, catalogue, url, expected
):
    calendar = feed(client, url)
    got = instants(calendar)
    assert set(got) == ids(catalogue, *expected)
    stored = dict(ConferenceDeadline.objects.values_list("pk", "due"))
    assert got == {pk: stored[pk] for pk in got}


def test_a_single_deadline_feed_holds_that_deadline_only(client, catalogue):
    wanted = catalogue["cvpr paper"]
    calendar = feed(client, f"/en/deadlines/{wanted}.ics")
    assert instants(calendar) == {wanted: dt.datetime(2026, 11, 14, 7, 59, tzinfo=UTC)}
    (event,) = calendar.walk("VEVENT")
    assert str(event["SUMMARY"]) == "CVPR 2026: Full paper"
    assert str(event["URL"]) == "http://testserver/en/resources/cvpr/"


@pytest.mark.parametrize(
    "url",
    [
        "/en/conferences/areas/astrology.ics",
        "/en/conferences/areas/ML.ics",
        "/en/concepts/no-such-concept/deadlines.ics",
        "/en/resources/no-such-conference/deadlines.ics",
        "/en/resources/hidden/deadlines.ics",  # unpublished
        "/en/deadlines/999999.ics",
        "/zh-hans/deadlines/999999.ics",
    ],
)
def test_unknown_or_unpublished_feeds_are_not_found(client, catalogue, url):
    assert client.get(url).status_code == 404


def test_the_deadline_feed_of_an_unpublished_conference_is_not_found(client, catalogue):
    assert client.get(f"/en/deadlines/{catalogue['hidden paper']}.ics").status_code == 404


def test_a_resource_that_is_not_an_event_has_no_deadline_feed(client, make):
    book = make.resource(kind="book", slug="a-book")
    assert client.get("/en/resources/a-book/deadlines.ics").status_code == 404
    assert client.get(book.get_absolute_url()).status_code == 200


def test_estimated_deadlines_are_tentative_and_say_so(client, catalogue):
    events_by_pk = by_pk(feed(client, "/en/conferences.ics"))
    estimated = events_by_pk[catalogue["acl commitment"]]
    assert str(estimated["STATUS"]) == "TENTATIVE"
    assert str(estimated["SUMMARY"]) == "ACL 2026: ARR commitment (estimated)"
    assert "estimated" in str(estimated["DESCRIPTION"])
    for name in ("neurips paper", "cvpr paper", "workshop paper"):
        announced = events_by_pk[catalogue[name]]
        assert str(announced["STATUS"]) == "CONFIRMED"
        assert "estimated" not in str(announced["SUMMARY"]).lower()


# -- instants: AoE across the date line, daylight saving ----------------------------------------


def test_an_aoe_deadline_is_written_in_utc_at_the_right_instant_across_the_date_line(
    client, make, monkeypatch
):
    at(dt.datetime(2026, 1, 1, tzinfo=UTC), monkeypatch)
    # 6 May 2026 23:59 Anywhere on Earth (UTC−12) is 7 May 11:59 UTC: the next day.
    row = deadline(edition(conference("NeurIPS", slug="neurips"), 2026), events.aoe(2026, 5, 6))
    response = client.get(f"/en/deadlines/{row.pk}.ics")
    unfolded = response.content.decode().replace("\r\n ", "")
    assert "DTSTART:20260507T115900Z\r\n" in unfolded
    calendar = feed(client, f"/en/deadlines/{row.pk}.ics")
    assert instants(calendar) == {row.pk: dt.datetime(2026, 5, 7, 11, 59, tzinfo=UTC)}
    (event,) = calendar.walk("VEVENT")
    # The description states the call's own wall clock and zone.
    assert str(event["DESCRIPTION"]).startswith("6 May 2026, 23:59 AoE (UTC−12)\n")


def pacific(wall: str, hours_behind_utc: int) -> dt.datetime:
    """The UTC instant of `wall` on a Los Angeles clock `hours_behind_utc` hours behind UTC."""
    return dt.datetime.fromisoformat(wall).replace(tzinfo=UTC) + dt.timedelta(
        hours=hours_behind_utc
    )


# (what the case is, the instant of the call's Los Angeles wall clock)
LOS_ANGELES = [
    ("before the March change (PST)", pacific("2026-03-07T23:59", 8)),
    ("the last minute of PST", pacific("2026-03-08T01:59", 8)),
    ("after the March change (PDT)", pacific("2026-03-09T23:59", 7)),
    ("before the November change (PDT)", pacific("2026-10-31T23:59", 7)),
    ("the first 01:30 of 1 November (PDT)", pacific("2026-11-01T01:30", 7)),
    ("the second 01:30 of 1 November (PST)", pacific("2026-11-01T01:30", 8)),
    ("after the November change (PST)", pacific("2026-11-02T23:59", 8)),
    ("next year's March (PDT)", pacific("2027-03-15T12:00", 7)),
]


@pytest.mark.parametrize(("case", "due"), LOS_ANGELES, ids=[case for case, _ in LOS_ANGELES])
def test_a_deadline_in_a_daylight_saving_zone_comes_back_at_its_instant(
    client, make, monkeypatch, case, due
):
    at(dt.datetime(2026, 1, 1, tzinfo=UTC), monkeypatch)
    row = deadline(edition(conference("ICML"), due.year), due, "America/Los_Angeles")
    for url in (f"/en/deadlines/{row.pk}.ics", "/en/conferences.ics"):
        assert instants(feed(client, url)) == {row.pk: due}, url


def test_deadlines_of_several_zones_and_years_in_one_feed_each_keep_their_instant(
    client, make, monkeypatch
):
    at(dt.datetime(2026, 1, 1, tzinfo=UTC), monkeypatch)
    event = conference("Many zones")
    rows = [
        deadline(edition(event, year), due, zone)
        for year, (due, zone) in enumerate(
            [
                (dt.datetime(2026, 2, 28, 23, 0, tzinfo=UTC), "Asia/Shanghai"),
                (dt.datetime(2026, 8, 1, 18, 15, tzinfo=UTC), "Asia/Kathmandu"),
                (dt.datetime(2026, 5, 31, 21, 0, tzinfo=UTC), "Pacific/Auckland"),
                (dt.datetime(2027, 4, 3, 15, 20, tzinfo=UTC), "Australia/Lord_Howe"),
                (dt.datetime(2026, 7, 16, 6, 59, tzinfo=UTC), "America/Los_Angeles"),
                (dt.datetime(2027, 12, 2, 7, 59, tzinfo=UTC), "America/Los_Angeles"),
                (dt.datetime(2026, 6, 1, 12, 0, tzinfo=UTC), "UTC"),
                (dt.datetime(2027, 1, 1, 11, 59, tzinfo=UTC), "AoE"),
            ],
            start=2026,
        )
    ]
    calendar = feed(client, "/en/conferences.ics")
    assert instants(calendar) == {row.pk: row.due for row in rows}
    tzids = {str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")}
    assert {"Asia/Shanghai", "Pacific/Auckland", "America/Los_Angeles"} <= tzids


# -- languages and hostile text ------------------------------------------------------------------


def test_the_chinese_feed_speaks_chinese(client, make, monkeypatch):
    at(dt.datetime(2026, 1, 1, tzinfo=UTC), monkeypatch)
    row = deadline(
        edition(conference("ACL", slug="acl", research_area="nlp"), 2026),
        events.aoe(2026, 5, 6),
        note="ARR February cycle",
        note_zh_hans="ARR 二月周期",
    )
    english = by_pk(feed(client, "/en/conferences.ics"))[row.pk]
    chinese_calendar = feed(client, "/zh-hans/conferences.ics")
    chinese = by_pk(chinese_calendar)[row.pk]
    description = str(chinese["DESCRIPTION"])
    assert description.startswith("2026年5月6日 23:59 AoE (UTC−12)\n")
    assert "ARR 二月周期" in description and "ARR February cycle" not in description
    assert str(chinese["URL"]) == "http://testserver/zh-hans/resources/acl/"
    assert "ARR February cycle" in str(english["DESCRIPTION"])
    # The summary names the kind of deadline in Chinese (needs the lead's translations merged).
    with translation.override("zh-hans"):
        kind = str(DeadlineKind.PAPER.label)
        name = translation.gettext("Learnpaths: conference deadlines")
    assert CJK.search(kind), "“Full paper” has no Chinese translation yet"
    assert kind in str(chinese["SUMMARY"]) and "Full paper" not in str(chinese["SUMMARY"])
    assert str(chinese_calendar["X-WR-CALNAME"]) == name and CJK.search(name)


HOSTILE_TITLE = "Conf, with; semicolons \\ back\\slash: 中文会议 “quotes”"


def test_hostile_text_round_trips(client, make, monkeypatch):
    at(dt.datetime(2026, 1, 1, tzinfo=UTC), monkeypatch)
    place = "Zürich; Switzerland, 瑞士\\ “Kongresshaus”"
    note = "Line one;\nline two, with a comma\n第三行：中文\\"
    row = deadline(
        edition(conference(HOSTILE_TITLE, slug="hostile"), 2026, location=place),
        events.aoe(2026, 5, 6),
        note=note,
    )
    for url in (
        "/en/conferences.ics",
        f"/en/deadlines/{row.pk}.ics",
        "/en/resources/hostile/deadlines.ics",
    ):
        (event,) = feed(client, url).walk("VEVENT")
        assert str(event["SUMMARY"]) == f"{HOSTILE_TITLE} 2026: Full paper"
        assert str(event["LOCATION"]) == place
        assert f"\n{note}\n" in str(event["DESCRIPTION"])
        assert instant(Calendar(), event) == row.due


def test_a_newline_in_a_title_does_not_break_the_feed(client, make, monkeypatch):
    at(dt.datetime(2026, 1, 1, tzinfo=UTC), monkeypatch)
    title = "Broken\r\nBEGIN:VEVENT\nUID:evil"
    row = deadline(edition(conference(title, slug="broken"), 2026), events.aoe(2026, 5, 6))
    calendar = feed(client, "/en/conferences.ics")
    (event,) = calendar.walk("VEVENT")
    assert pk(event) == row.pk
    assert "BEGIN:VEVENT" in str(event["SUMMARY"])  # text, not a component


# -- what stays in a feed ------------------------------------------------------------------------


def test_a_feed_keeps_a_season_of_passed_deadlines_not_older_ones(client, make, monkeypatch):
    at(dt.datetime(2026, 11, 29, tzinfo=UTC), monkeypatch)
    event = conference("Kept")
    recent = deadline(edition(event, 2026), dt.datetime(2026, 5, 7, 11, 59, tzinfo=UTC))
    old = deadline(edition(event, 2025), dt.datetime(2025, 5, 7, 11, 59, tzinfo=UTC))
    ahead = deadline(edition(event, 2027), dt.datetime(2027, 5, 7, 11, 59, tzinfo=UTC))
    got = instants(feed(client, "/en/conferences.ics"))
    assert set(got) == {recent.pk, ahead.pk}
    assert old.pk not in got
