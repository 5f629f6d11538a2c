"""Paper deadlines: shown in the organisers' own wall clock and zone, with the exact instant in
`<time datetime>`; never listed as upcoming once passed, whatever is cached; marked as passed."""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from learnpaths.catalogue_io.exporter import catalogue_export
from learnpaths.catalogue_io.format import FORMAT
from learnpaths.catalogue_io.importer import CatalogueError, catalogue_import
from resources.models import ConferenceDeadline, ConferenceEdition, Resource
from tests.admin_forms import form_fields

UTC = dt.UTC


class Rows(HTMLParser):
    """Each table row of a page: its text, and the (datetime, text) of its `<time>` elements."""

    def __init__(self, html: str):
        super().__init__()
        self.rows: list[dict] = []
        self._time: dict | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        # A table's rows (the home page), or an edition's card (a conference's page).
        if tag == "tr" or (tag == "article" and "edition" in (dict(attrs).get("class") or "")):
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
    """A conference `title` with an edition whose full-paper deadline is `deadline` in `zone`."""
    conference = make.resource(kind="conference", title=title)
    return add_edition(conference, deadline, zone, **fields)


def add_edition(conference, deadline, zone="AoE", **fields) -> ConferenceEdition:
    edition = ConferenceEdition.objects.create(conference=conference, year=deadline.year, **fields)
    edition.deadlines.create(kind="paper", due=deadline, timezone=zone)
    return edition


def paper_deadline(edition: ConferenceEdition) -> dt.datetime:
    return edition.deadlines.get(kind="paper").due


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
    row = Rows(client.get("/en/").content.decode()).row(title)
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
        add_edition(conference, deadline)
    rows = Rows(client.get(conference.get_absolute_url()).content.decode())
    assert "(passed)" in rows.row("2026")["text"]
    assert "passed" not in rows.row("2027")["text"]


def test_a_stored_zone_tzdata_no_longer_knows_is_shown_in_utc(client, make, monkeypatch):
    at(dt.datetime(2026, 1, 1, tzinfo=UTC), monkeypatch)
    instant = dt.datetime(2026, 5, 7, 11, 59, tzinfo=UTC)
    gone = edition(make, "Old zone", instant, "AoE")
    ConferenceDeadline.objects.filter(edition=gone).update(timezone="Mars/Olympus")
    row = Rows(client.get("/en/").content.decode()).row("Old zone")
    assert row["times"][0]["datetime"] == "2026-05-07T11:59:00Z"
    assert "7 May 2026, 11:59" in row["times"][0]["text"]


# -- what is cached never outlives a listed deadline ----------------------------------------


def upcoming_titles(client) -> list[str]:
    rows = Rows(client.get("/en/").content.decode()).rows
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
    assert "No announced deadlines ahead" in client.get("/en/").content.decode()


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


# -- the catalogue import and export -----------------------------------------------------------


def import_editions(*editions: dict) -> None:
    catalogue_import(
        {
            "format": FORMAT,
            "resources": [
                {
                    "slug": "conf",
                    "title": "A Conference",
                    "kind": "conference",
                    "url": "https://example.org/conf",
                    "editions": [{"year": 2026 + n, **e} for n, e in enumerate(editions)],
                }
            ],
        }
    )


def imported_deadlines() -> list[dt.datetime]:
    return list(ConferenceDeadline.objects.order_by("edition__year").values_list("due", flat=True))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("stated", "zone", "instant"),
    [
        ("2028-05-15T23:59", "AoE", dt.datetime(2028, 5, 16, 11, 59, tzinfo=UTC)),
        ("2028-05-16T11:59:00Z", "AoE", dt.datetime(2028, 5, 16, 11, 59, tzinfo=UTC)),
        ("2028-05-16T11:59:00+00:00", "AoE", dt.datetime(2028, 5, 16, 11, 59, tzinfo=UTC)),
        (
            "2028-05-16T19:59+08:00",
            "America/Los_Angeles",
            dt.datetime(2028, 5, 16, 11, 59, tzinfo=UTC),
        ),
        ("2026-07-15T23:59", "America/Los_Angeles", dt.datetime(2026, 7, 16, 6, 59, tzinfo=UTC)),
        ("2026-12-01T23:59", "America/Los_Angeles", dt.datetime(2026, 12, 2, 7, 59, tzinfo=UTC)),
        ("2026-06-01T09:00", "Pacific/Auckland", dt.datetime(2026, 5, 31, 21, 0, tzinfo=UTC)),
        # In a fold, the offset says which of the two 01:30s is meant.
        ("2026-11-01T01:30-04:00", "America/New_York", dt.datetime(2026, 11, 1, 5, 30, tzinfo=UTC)),
        ("2026-11-01T01:30-05:00", "America/New_York", dt.datetime(2026, 11, 1, 6, 30, tzinfo=UTC)),
    ],
)
def test_import_takes_a_wall_clock_in_its_zone_or_an_explicit_offset_as_the_instant(
    stated, zone, instant
):
    import_editions({"submission_deadline": stated, "deadline_timezone": zone})
    assert imported_deadlines() == [instant]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("stated", "zone", "reason"),
    [
        (
            "2026-03-08T02:30",
            "America/New_York",
            "2026-03-08 02:30 does not exist in America/New_York",
        ),
        ("2026-03-29T01:15", "Europe/London", "2026-03-29 01:15 does not exist in Europe/London"),
        (
            "2026-11-01T01:30",
            "America/New_York",
            "2026-11-01 01:30 happens twice in America/New_York",
        ),
        (
            "2026-04-05T02:30",
            "Pacific/Auckland",
            "2026-04-05 02:30 happens twice in Pacific/Auckland",
        ),
    ],
)
def test_import_refuses_a_wall_clock_a_daylight_saving_change_skips_or_repeats(
    stated, zone, reason
):
    with pytest.raises(CatalogueError) as refused:
        import_editions({"submission_deadline": stated, "deadline_timezone": zone})
    (problem,) = refused.value.problems
    assert problem.startswith('resources[0] "conf" editions[0]: submission_deadline: ')
    assert reason in problem
    assert not ConferenceEdition.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("edition", "reason"),
    [
        ({"submission_deadline": "next Friday"}, "“next Friday” is not an ISO 8601"),
        ({"submission_deadline": "2026-02-30T10:00"}, "“2026-02-30T10:00” is not"),
        ({"submission_deadline": "2026-05-15"}, "submission_deadline: give the time as well"),
        ({"submission_deadline": 20260515}, "submission_deadline: must be a date and time written"),
        ({"submission_deadline": ["2026-05-15T23:59"]}, "submission_deadline: must be a date"),
        ({"submission_deadline": {"at": 1}}, "submission_deadline: must be a date"),
        ({"submission_deadline": True}, "submission_deadline: must be a date"),
        ({"submission_deadline": "9999-12-31T23:59"}, "submission_deadline: A deadline must"),
        ({"submission_deadline": "0001-01-01T00:00+08:00"}, "submission_deadline: A deadline"),
        ({"submission_deadline": "2026-05-15T23:59", "deadline_timezone": "Mars/Olympus"},
         "deadline_timezone: Enter “AoE”"),
        ({"submission_deadline": "2026-05-15T23:59", "deadline_timezone": 5}, "zone: Enter"),
        ({"submission_deadline": "2026-05-15T23:59", "deadline_timezone": ""}, "zone:"),
        ({"starts_on": "2026-12-06T10:00"}, "starts_on:"),
        ({"starts_on": "2026-12-06T10:00:00Z"}, "starts_on:"),
        ({"ends_on": "soon"}, "ends_on:"),
        ({"starts_on": 20261206}, "starts_on:"),
        ({"ends_on": ["2026-12-06"]}, "ends_on:"),
        ({"starts_on": "2026-12-12", "ends_on": "2026-12-06"}, "cannot end before it starts"),
    ],
)  # fmt: skip
def test_import_refuses_a_bad_date_or_time_with_one_clear_reason(edition, reason):
    with pytest.raises(CatalogueError) as refused:
        import_editions(edition)
    (problem,) = refused.value.problems
    assert problem.startswith('resources[0] "conf" editions[0]: ') and reason in problem
    assert not ConferenceEdition.objects.exists()


OUT_OF_RANGE = "submission_deadline: A deadline must fall in the years 1900 to 2100 (UTC)."


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("stated", "zone"),
    [
        # Shown in their zones, these would be past year 9999 or before year 1.
        ("9999-12-31T23:59Z", "Pacific/Kiritimati"),
        ("9999-12-31T23:59", "Pacific/Kiritimati"),
        ("0001-01-01T00:00Z", "AoE"),
        ("0001-01-01T00:00", "Pacific/Kiritimati"),
        ("9999-12-31T23:59-12:00", "UTC"),
        # Outside the catalogue's years.
        ("1899-12-31T23:59Z", "UTC"),
        ("2101-01-01T00:00Z", "Europe/Paris"),
        ("2100-12-31T23:59", "AoE"),  # 2101-01-01 11:59 UTC
        ("3026-05-15T23:59", "AoE"),
    ],
)
def test_import_refuses_a_deadline_outside_the_catalogues_years(stated, zone):
    with pytest.raises(CatalogueError) as refused:
        import_editions({"submission_deadline": stated, "deadline_timezone": zone})
    assert refused.value.problems == [f'resources[0] "conf" editions[0]: {OUT_OF_RANGE}']
    assert not ConferenceEdition.objects.exists()


@pytest.mark.parametrize(
    ("instant", "zone", "shown"),
    [
        (dt.datetime(9999, 12, 31, 23, 59, tzinfo=UTC), "Pacific/Kiritimati", "31 Dec 9999, 23:59"),
        (dt.datetime(1, 1, 1, 0, 0, tzinfo=UTC), "AoE", "1 Jan 0001, 00:00"),
    ],
)
def test_a_stored_deadline_its_zone_cannot_show_is_shown_in_utc_everywhere(
    client, staff_client, make, monkeypatch, instant, zone, shown
):
    """Stored before imports checked the range: no page fails, the export still works."""
    at(dt.datetime(2026, 1, 1, tzinfo=UTC), monkeypatch)
    conference = make.resource(kind="conference", title="Far")
    edition = ConferenceEdition.objects.create(conference=conference, year=2026)
    edition.deadlines.create(kind="paper", due=instant, timezone=zone)
    home = client.get("/en/")
    assert home.status_code == 200
    page = client.get(conference.get_absolute_url())
    assert page.status_code == 200
    rows = [Rows(page.content.decode()).row("2026")]
    if instant.year > 2026:  # the home page lists upcoming deadlines only
        rows.append(Rows(home.content.decode()).row("Far"))
    for row in rows:
        assert row["times"][0]["datetime"] == instant.isoformat().replace("+00:00", "Z")
        assert " ".join(row["times"][0]["text"].split()) == f"{shown} UTC+0 (UTC)"
    changelist = reverse("admin:resources_conferenceedition_changelist")
    assert staff_client.get(changelist).status_code == 200
    (written,) = catalogue_export()["resources"][0]["editions"]
    assert dt.datetime.fromisoformat(written["deadlines"][0]["due"]) == instant


@pytest.mark.django_db
@pytest.mark.parametrize(
    "zone",
    [
        # Their meaning depends on the server: its own zone, its default rules, none at all.
        "localtime", "posixrules", "Factory",
        # Aliases for old systems, and Etc/GMT+12, which is UTC−12 (POSIX inverts the sign).
        "US/Eastern", "EST5EDT", "EST", "GMT", "Etc/GMT+12", "Etc/UTC", "Europe",
        "../zoneinfo/UTC", "/usr/share/zoneinfo/UTC", "aoe", "utc", "Mars/Olympus",
    ],
)  # fmt: skip
def test_import_refuses_a_zone_other_than_aoe_utc_or_a_geographic_name(zone):
    with pytest.raises(CatalogueError) as refused:
        import_editions({"submission_deadline": "2026-05-15T23:59", "deadline_timezone": zone})
    (problem,) = refused.value.problems
    assert problem.startswith('resources[0] "conf" editions[0]: deadline_timezone: Enter “AoE”')
    assert "“UTC” or a time zone name of the form Area/City" in problem
    assert not ConferenceEdition.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("zone", "instant"),
    [
        ("AoE", dt.datetime(2026, 5, 16, 11, 59, tzinfo=UTC)),
        ("UTC", dt.datetime(2026, 5, 15, 23, 59, tzinfo=UTC)),
        ("Pacific/Kiritimati", dt.datetime(2026, 5, 15, 9, 59, tzinfo=UTC)),
        ("America/Argentina/Buenos_Aires", dt.datetime(2026, 5, 16, 2, 59, tzinfo=UTC)),
    ],
)
def test_import_takes_aoe_utc_and_geographic_zone_names(zone, instant):
    import_editions({"submission_deadline": "2026-05-15T23:59", "deadline_timezone": zone})
    assert imported_deadlines() == [instant]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("stated", "zone", "reason"),
    [
        # Samoa moved across the date line: 30 Dec 2011 never happened there. Not daylight saving.
        (
            "2011-12-30T12:00",
            "Pacific/Apia",
            "2011-12-30 12:00 does not exist in Pacific/Apia: the clocks go forward from UTC−10 "
            "to UTC+14 and skip it.",
        ),
        # Moscow left UTC+4 for UTC+3 for good in 2014, daylight saving in neither.
        (
            "2014-10-26T01:30",
            "Europe/Moscow",
            "2014-10-26 01:30 happens twice in Europe/Moscow: the clocks go back from UTC+4 to "
            "UTC+3 and pass it again, so it names no single instant. Write it with its UTC "
            "offset to say which: “2014-10-26T01:30+04:00” is the first.",
        ),
        (
            "2026-03-08T02:30",
            "America/New_York",
            "the clocks go forward from UTC−5 to UTC−4 and skip it.",
        ),
    ],
)
def test_a_skipped_or_repeated_time_is_explained_by_its_offsets_not_a_guessed_cause(
    stated, zone, reason
):
    with pytest.raises(CatalogueError) as refused:
        import_editions({"submission_deadline": stated, "deadline_timezone": zone})
    (problem,) = refused.value.problems
    assert reason in problem
    assert "daylight" not in problem
    assert not ConferenceEdition.objects.exists()


@pytest.mark.django_db
def test_export_then_import_gives_back_every_deadline_exactly():
    conference = Resource.objects.create(
        slug="conf", title="A Conference", kind="conference", url="https://example.org/conf"
    )
    stored = {
        2026: (dt.datetime(2026, 11, 1, 5, 30, tzinfo=UTC), "America/New_York"),  # first 01:30
        2027: (dt.datetime(2027, 11, 7, 6, 30, tzinfo=UTC), "America/New_York"),  # second 01:30
        2028: (dt.datetime(2028, 5, 16, 11, 59, 59, 500, tzinfo=UTC), "AoE"),
        2029: (dt.datetime(2029, 4, 1, 13, 30, tzinfo=UTC), "Pacific/Auckland"),  # its fold
        2030: (dt.datetime(2030, 3, 1, 4, 0, 30, tzinfo=UTC), "Asia/Shanghai"),
    }
    for year, (instant, zone) in stored.items():
        edition = ConferenceEdition.objects.create(conference=conference, year=year)
        edition.deadlines.create(kind="paper", due=instant, timezone=zone)
    document = catalogue_export()
    written = [e["deadlines"][0]["due"] for e in document["resources"][0]["editions"]]
    # The wall clock as calls for papers state it; an offset only where it alone is ambiguous.
    assert "2028-05-15T23:59:59.000500" in written and "2030-03-01T12:00:30" in written
    assert "2026-11-01T01:30-04:00" in written and "2027-11-07T01:30-05:00" in written
    Resource.objects.all().delete()
    catalogue_import(document)
    assert dict(ConferenceDeadline.objects.values_list("edition__year", "due")) == {
        year: instant for year, (instant, _) in stored.items()
    }
    assert not catalogue_import(catalogue_export()).changed


# -- the admin -------------------------------------------------------------------------------


def admin_form(client, url: str, form_id: str) -> dict[str, list[str]]:
    return form_fields(client.get(url).content.decode(), form_id)


def edition_form(conference, day: str, time: str, zone: str) -> dict:
    """The edition admin's add form with one full-paper deadline in its inline."""
    return {
        "conference": conference.pk, "year": 2026, "location": "", "url": "", "notes": "",
        "source_url": "",
        "deadlines-TOTAL_FORMS": "1", "deadlines-INITIAL_FORMS": "0",
        "deadlines-MIN_NUM_FORMS": "0", "deadlines-MAX_NUM_FORMS": "1000",
        "deadlines-0-kind": "paper", "deadlines-0-due_0": day, "deadlines-0-due_1": time,
        "deadlines-0-timezone": zone, "deadlines-0-note_en": "", "deadlines-0-note_zh_hans": "",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("day", "time", "zone", "instant"),
    [
        ("2026-05-06", "23:59", "AoE", dt.datetime(2026, 5, 7, 11, 59, tzinfo=UTC)),
        ("2026-07-15", "23:59", "America/Los_Angeles", dt.datetime(2026, 7, 16, 6, 59, tzinfo=UTC)),
        ("2026-12-01", "23:59", "America/Los_Angeles", dt.datetime(2026, 12, 2, 7, 59, tzinfo=UTC)),
        ("2026-03-01", "07:00", "Asia/Shanghai", dt.datetime(2026, 2, 28, 23, 0, tzinfo=UTC)),
    ],
)
def test_curators_enter_the_deadline_as_the_call_for_papers_states_it(
    staff_client, make, day, time, zone, instant
):
    conference = make.resource(kind="conference")
    response = staff_client.post(
        reverse("admin:resources_conferenceedition_add"), edition_form(conference, day, time, zone)
    )
    assert response.status_code == 302
    edition = ConferenceEdition.objects.get()
    assert paper_deadline(edition) == instant
    # Shown again as entered, and saved again unchanged.
    change = reverse("admin:resources_conferenceedition_change", args=[edition.pk])
    fields = admin_form(staff_client, change, "conferenceedition_form")
    assert fields["deadlines-0-due_0"] == [day] and fields["deadlines-0-due_1"] == [time + ":00"]
    assert staff_client.post(change, fields).status_code == 302
    assert paper_deadline(edition) == instant


@pytest.mark.parametrize(
    ("day", "time", "zone", "reason"),
    [
        ("2026-03-08", "02:30", "America/New_York", "does not exist in"),
        ("2026-11-01", "01:30", "America/New_York", "happens twice in"),
        ("2026-09-27", "02:15", "Pacific/Auckland", "does not exist in"),
    ],
)
def test_the_admin_refuses_a_wall_clock_a_daylight_saving_change_skips_or_repeats(
    staff_client, make, day, time, zone, reason
):
    conference = make.resource(kind="conference")
    response = staff_client.post(
        reverse("admin:resources_conferenceedition_add"), edition_form(conference, day, time, zone)
    )
    assert response.status_code == 200
    assert f"{day} {time} {reason} {zone}" in response.content.decode()
    assert not ConferenceEdition.objects.exists()


def test_the_conference_page_lists_its_editions_and_links_each_to_its_deadlines(staff_client, make):
    stored = edition(make, "NeurIPS", dt.datetime(2026, 5, 7, 11, 59, tzinfo=UTC), "AoE")
    change = reverse("admin:resources_resource_change", args=[stored.conference.pk])
    html = staff_client.get(change).content.decode()
    assert reverse("admin:resources_conferenceedition_change", args=[stored.pk]) in html
    fields = admin_form(staff_client, change, "resource_form")
    fields["editions-0-location"] = ["Sydney"]
    assert staff_client.post(change, fields).status_code == 302
    stored.refresh_from_db()
    assert (stored.location, paper_deadline(stored)) == (
        "Sydney",
        dt.datetime(2026, 5, 7, 11, 59, tzinfo=UTC),
    )


@pytest.mark.parametrize(
    ("day", "time", "zone", "reason"),
    [
        ("9999-12-31", "23:59", "Pacific/Kiritimati", "must fall in the years 1900 to 2100"),
        ("0001-01-01", "00:00", "AoE", "must fall in the years 1900 to 2100"),
        ("1850-05-15", "23:59", "UTC", "must fall in the years 1900 to 2100"),
        ("2026-05-15", "23:59", "localtime", "a time zone name of the form Area/City"),
        ("2026-05-15", "23:59", "Factory", "a time zone name of the form Area/City"),
        ("2026-05-15", "23:59", "US/Eastern", "a time zone name of the form Area/City"),
    ],
)
def test_the_admin_refuses_a_deadline_out_of_range_or_in_a_zone_the_server_decides(
    staff_client, make, day, time, zone, reason
):
    conference = make.resource(kind="conference")
    response = staff_client.post(
        reverse("admin:resources_conferenceedition_add"), edition_form(conference, day, time, zone)
    )
    assert response.status_code == 200
    assert reason in response.content.decode()
    assert not ConferenceEdition.objects.exists()


# (zone, the first instant of a wall clock the clocks pass twice, the second)
FOLDS = [
    ("Australia/Lord_Howe", dt.datetime(2027, 4, 3, 14, 50, tzinfo=UTC),
     dt.datetime(2027, 4, 3, 15, 20, tzinfo=UTC)),  # 01:50, at +11:00 then +10:30
    ("America/New_York", dt.datetime(2027, 11, 7, 5, 30, tzinfo=UTC),
     dt.datetime(2027, 11, 7, 6, 30, tzinfo=UTC)),  # 01:30, at −04:00 then −05:00
]  # fmt: skip


@pytest.mark.parametrize(("zone", "first", "second"), FOLDS)
@pytest.mark.parametrize("which", [0, 1], ids=["first", "second"])
def test_an_edition_whose_deadline_the_clocks_pass_twice_saves_unchanged_and_can_switch(
    staff_client, make, zone, first, second, which
):
    instants = (first, second)
    stored = edition(make, "Folded", instants[which], zone, location="Sydney")
    change = reverse("admin:resources_conferenceedition_change", args=[stored.pk])
    fields = admin_form(staff_client, change, "conferenceedition_form")
    assert fields["deadlines-0-fold"] == [str(which)]
    fields["location"] = ["Melbourne"]  # an unrelated change
    assert staff_client.post(change, fields).status_code == 302
    stored.refresh_from_db()
    assert (stored.location, paper_deadline(stored)) == ("Melbourne", instants[which])
    fields = admin_form(staff_client, change, "conferenceedition_form")
    fields["deadlines-0-fold"] = [str(1 - which)]
    assert staff_client.post(change, fields).status_code == 302
    assert paper_deadline(stored) == instants[1 - which]


@pytest.mark.parametrize(("zone", "first", "second"), FOLDS)
def test_a_conference_whose_edition_deadline_the_clocks_pass_twice_saves_unchanged(
    staff_client, make, zone, first, second
):
    """Imported with its offset, the deadline must not block saving its conference."""
    import_editions(
        {"submission_deadline": second.isoformat(), "deadline_timezone": zone},
        {"submission_deadline": first.isoformat(), "deadline_timezone": zone},
    )
    conference = Resource.objects.get(slug="conf")
    change = reverse("admin:resources_resource_change", args=[conference.pk])
    fields = admin_form(staff_client, change, "resource_form")
    fields["title"] = ["A Conference, renamed"]
    assert staff_client.post(change, fields).status_code == 302
    assert Resource.objects.get().title == "A Conference, renamed"
    assert imported_deadlines() == [second, first]


def test_the_admin_asks_which_of_two_times_and_takes_the_answer(staff_client, make):
    conference = make.resource(kind="conference")
    add = reverse("admin:resources_conferenceedition_add")
    form = edition_form(conference, "2027-11-07", "01:30", "America/New_York")
    response = staff_client.post(add, form)
    assert response.status_code == 200
    assert "Choose which of the two times it is." in response.content.decode()
    assert staff_client.post(add, form | {"deadlines-0-fold": "1"}).status_code == 302
    assert paper_deadline(ConferenceEdition.objects.get()) == FOLDS[1][2]


def test_an_unchanged_deadline_is_saved_again_to_the_microsecond(staff_client, make):
    instant = dt.datetime(2028, 5, 16, 11, 59, 59, 500, tzinfo=UTC)  # as an import may store it
    stored = edition(make, "Exact", instant, "AoE")
    change = reverse("admin:resources_conferenceedition_change", args=[stored.pk])
    fields = admin_form(staff_client, change, "conferenceedition_form")
    assert staff_client.post(change, fields | {"notes_en": ["Exact"]}).status_code == 302
    stored.refresh_from_db()
    assert (stored.notes, paper_deadline(stored)) == ("Exact", instant)
