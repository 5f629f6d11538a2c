"""Paper deadlines: shown in the organisers' own wall clock and zone, with the exact instant in
`<time datetime>`; never listed as upcoming once passed, whatever is cached; marked as passed."""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.utils import timezone

from resources.models import ConferenceEdition

UTC = dt.UTC


class Rows(HTMLParser):
    """Each table row of a page: its text, and the (datetime, text) of its `<time>` elements."""

    def __init__(self, html: str):
        super().__init__()
        self.rows: list[dict] = []
        self._time: dict | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append({"text": "", "times": []})
        elif tag == "time" and self.rows:
            self._time = {"datetime": dict(attrs)["datetime"], "text": ""}
            self.rows[-1]["times"].append(self._time)

    def handle_endtag(self, tag):
        if tag == "time":
            self._time = None

    def handle_data(self, data):
        if self.rows:
            self.rows[-1]["text"] += data
        if self._time is not None:
            self._time["text"] += data

    def row(self, title: str) -> dict | None:
        return next((row for row in self.rows if title in row["text"]), None)


def at(moment: dt.datetime, monkeypatch) -> None:
    """Make the site's clock (django.utils.timezone.now) read `moment`."""
    monkeypatch.setattr(timezone, "now", lambda: moment)


def edition(make, title: str, deadline: dt.datetime, zone: str, **fields) -> ConferenceEdition:
    conference = make.resource(kind="conference", title=title)
    return ConferenceEdition.objects.create(
        conference=conference,
        year=deadline.year,
        submission_deadline=deadline,
        deadline_timezone=zone,
        **fields,
    )


# (title, exact instant, zone, wall clock shown, zone label shown)
DEADLINES = [
    ("NeurIPS", dt.datetime(2026, 5, 7, 11, 59, tzinfo=UTC), "AoE",
     "6 May 2026, 23:59", "AoE (UTC−12)"),
    ("ICML", dt.datetime(2026, 7, 16, 6, 59, tzinfo=UTC), "America/Los_Angeles",
     "15 Jul 2026, 23:59", "PDT (UTC−7, America/Los_Angeles)"),
    ("ICLR", dt.datetime(2026, 12, 2, 7, 59, tzinfo=UTC), "America/Los_Angeles",
     "1 Dec 2026, 23:59", "PST (UTC−8, America/Los_Angeles)"),
    ("ACL", dt.datetime(2026, 5, 31, 21, 0, tzinfo=UTC), "Pacific/Auckland",
     "1 Jun 2026, 09:00", "NZST (UTC+12, Pacific/Auckland)"),
    ("CVPR", dt.datetime(2026, 2, 28, 23, 0, tzinfo=UTC), "Asia/Shanghai",
     "1 Mar 2026, 07:00", "CST (UTC+8, Asia/Shanghai)"),
    ("AAAI", dt.datetime(2026, 8, 1, 18, 15, tzinfo=UTC), "Asia/Kathmandu",
     "2 Aug 2026, 00:00", "UTC+5:45 (Asia/Kathmandu)"),
]  # fmt: skip


def assert_shown(row: dict, instant: dt.datetime, wall: str, label: str) -> None:
    (time,) = row["times"]
    assert time["datetime"] == instant.isoformat().replace("+00:00", "Z")
    assert dt.datetime.fromisoformat(time["datetime"]) == instant
    assert " ".join(time["text"].split()) == f"{wall} {label}"


@pytest.mark.parametrize(("title", "instant", "zone", "wall", "label"), DEADLINES)
def test_home_shows_each_deadline_in_its_own_zones_wall_clock(
    client, make, monkeypatch, title, instant, zone, wall, label
):
    at(dt.datetime(2026, 1, 1, tzinfo=UTC), monkeypatch)
    edition(make, title, instant, zone)
    row = Rows(client.get("/").content.decode()).row(title)
    assert row is not None, f"{title} is not listed"
    assert_shown(row, instant, wall, label)


@pytest.mark.parametrize(("title", "instant", "zone", "wall", "label"), DEADLINES)
def test_conference_page_shows_the_deadline_in_its_own_zones_wall_clock(
    client, make, monkeypatch, title, instant, zone, wall, label
):
    at(dt.datetime(2026, 1, 1, tzinfo=UTC), monkeypatch)
    conference = edition(make, title, instant, zone).conference
    row = Rows(client.get(conference.get_absolute_url()).content.decode()).row(str(instant.year))
    assert_shown(row, instant, wall, label)
    assert "passed" not in row["text"]


def test_a_passed_deadline_is_marked_as_passed_in_words(client, make, monkeypatch):
    at(dt.datetime(2026, 6, 1, tzinfo=UTC), monkeypatch)
    conference = make.resource(kind="conference", title="NeurIPS")
    for deadline in (
        dt.datetime(2026, 5, 7, 11, 59, tzinfo=UTC),
        dt.datetime(2027, 5, 7, tzinfo=UTC),
    ):
        ConferenceEdition.objects.create(
            conference=conference, year=deadline.year, submission_deadline=deadline
        )
    rows = Rows(client.get(conference.get_absolute_url()).content.decode())
    assert "(passed)" in rows.row("2026")["text"]
    assert "passed" not in rows.row("2027")["text"]


def test_a_stored_zone_tzdata_no_longer_knows_is_shown_in_utc(client, make, monkeypatch):
    at(dt.datetime(2026, 1, 1, tzinfo=UTC), monkeypatch)
    instant = dt.datetime(2026, 5, 7, 11, 59, tzinfo=UTC)
    gone = edition(make, "Old zone", instant, "AoE")
    ConferenceEdition.objects.filter(pk=gone.pk).update(deadline_timezone="Mars/Olympus")
    row = Rows(client.get("/").content.decode()).row("Old zone")
    assert row["times"][0]["datetime"] == "2026-05-07T11:59:00Z"
    assert "7 May 2026, 11:59" in row["times"][0]["text"]


# -- what is cached never outlives a listed deadline ----------------------------------------


def upcoming_titles(client) -> list[str]:
    rows = Rows(client.get("/").content.decode()).rows
    return [row["text"].split()[0] for row in rows if row["times"]]


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "signed-in"])
def test_a_deadline_that_passes_while_the_home_page_is_cached_is_no_longer_listed(
    client, make, monkeypatch, signed_in
):
    if signed_in:
        client.force_login(make.user())
    first = dt.datetime(2026, 5, 7, 11, 59, tzinfo=UTC)
    edition(make, "Sooner", first, "AoE")
    edition(make, "Later", first + dt.timedelta(days=30), "AoE")
    at(first - dt.timedelta(minutes=1), monkeypatch)
    assert upcoming_titles(client) == ["Sooner", "Later"]
    assert upcoming_titles(client) == ["Sooner", "Later"]  # now from the caches
    at(first + dt.timedelta(seconds=1), monkeypatch)
    assert upcoming_titles(client) == ["Later"]
    at(first + dt.timedelta(days=31), monkeypatch)
    assert upcoming_titles(client) == []
    assert "No announced paper deadlines ahead" in client.get("/").content.decode()


def test_a_seventh_deadline_moves_up_when_a_listed_one_passes_while_cached(
    client, make, monkeypatch
):
    first = dt.datetime(2026, 5, 7, 11, 59, tzinfo=UTC)
    for n in range(7):
        edition(make, f"Conf{n}", first + dt.timedelta(days=n), "AoE")
    at(first - dt.timedelta(hours=1), monkeypatch)
    assert upcoming_titles(Client()) == [f"Conf{n}" for n in range(6)]
    at(first + dt.timedelta(minutes=1), monkeypatch)
    assert upcoming_titles(Client()) == [f"Conf{n}" for n in range(1, 7)]


def test_a_deadline_that_passes_while_the_conference_page_is_cached_is_marked_passed(
    client, make, monkeypatch
):
    deadline = dt.datetime(2026, 5, 7, 11, 59, tzinfo=UTC)
    conference = edition(make, "NeurIPS", deadline, "AoE").conference
    at(deadline - dt.timedelta(minutes=1), monkeypatch)
    for _ in range(2):  # rendered, then from the page cache
        row = Rows(client.get(conference.get_absolute_url()).content.decode()).row("2026")
        assert "passed" not in row["text"]
    at(deadline + dt.timedelta(seconds=1), monkeypatch)
    row = Rows(client.get(conference.get_absolute_url()).content.decode()).row("2026")
    assert "(passed)" in row["text"]
