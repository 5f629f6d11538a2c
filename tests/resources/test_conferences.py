"""The conference pages: upcoming editions earliest first, past ones on their own page, filters
kept in the URL, each deadline in its own zone's wall clock with a countdown computed on the
server, estimates never shown as fact, workshops with their hosts, the home page's box, and pages
that are never served from the cache once what they say has changed."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from tests.events import UTC, aoe, at, conference, deadline, edition
from tests.html import Element, html_text, parse

D = dt.date


def page(client, url: str = "/en/conferences/") -> Element:
    response = client.get(url)
    assert response.status_code == 200, url
    return parse(response.content)


def cards(root: Element) -> list[Element]:
    return root.find_all("article", class_="edition")


def titles(root: Element) -> list[str]:
    """The editions a page lists, in order: "NeurIPS 2026", …"""
    return [card.find("a").text for card in cards(root)]


def card(root: Element, title: str) -> Element:
    (found,) = [c for c in cards(root) if c.find("a").text == title]
    return found


def deadline_elements(element: Element) -> list[Element]:
    """Each deadline listed in an edition's card (a term and its description)."""
    return [item for item in element.find_all("div") if item.find("dt") is not None]


def deadline_items(element: Element) -> list[str]:
    """The text of each deadline listed in an edition's card: "Full paper — 6 May 2026, …"."""
    return [
        f"{item.find('dt').text} — {item.find('dd').text}" for item in deadline_elements(element)
    ]


# -- which editions, in which order ---------------------------------------------------------------


@pytest.fixture
def season(make, monkeypatch):
    """Editions around 2 June 2026 (the clock): some over, some not."""
    at(dt.datetime(2026, 6, 2, 12, tzinfo=UTC), monkeypatch)
    ends_today = edition(
        conference("Ends today"), 2026, starts_on=D(2026, 5, 30), ends_on=D(2026, 6, 2)
    )
    edition(conference("Ended yesterday"), 2026, starts_on=D(2026, 5, 28), ends_on=D(2026, 6, 1))
    edition(conference("Later"), 2026, starts_on=D(2026, 7, 1), ends_on=D(2026, 7, 4))
    edition(conference("Sooner"), 2026, starts_on=D(2026, 6, 10), ends_on=D(2026, 6, 12))
    edition(conference("One day"), 2026, starts_on=D(2026, 6, 20))
    edition(conference("Long ago"), 2024, starts_on=D(2024, 7, 1), ends_on=D(2024, 7, 4))
    undated = edition(conference("Undated ahead"), 2027)
    deadline(undated, dt.datetime(2026, 9, 1, tzinfo=UTC))
    undated_over = edition(conference("Undated over"), 2026)
    deadline(undated_over, dt.datetime(2026, 3, 1, tzinfo=UTC))
    hidden = conference("Unpublished", published=False)
    edition(hidden, 2026, starts_on=D(2026, 6, 15), ends_on=D(2026, 6, 16))
    return ends_today


def test_upcoming_editions_are_listed_earliest_first_the_undated_last(client, season):
    assert titles(page(client)) == [
        "Ends today 2026",
        "Sooner 2026",
        "One day 2026",
        "Later 2026",
        "Undated ahead 2027",
    ]


def test_editions_that_are_over_are_on_the_past_page_only_latest_first(client, season):
    assert titles(page(client, "/en/conferences/past/")) == [
        "Ended yesterday 2026",
        "Long ago 2024",
        "Undated over 2026",
    ]


def test_an_edition_ending_today_moves_to_the_past_page_the_next_day(client, season, monkeypatch):
    at(dt.datetime(2026, 6, 2, 23, 59, tzinfo=UTC), monkeypatch)
    assert "Ends today 2026" in titles(page(client))
    at(dt.datetime(2026, 6, 3, 0, 1, tzinfo=UTC), monkeypatch)  # the page above may be cached
    assert "Ends today 2026" not in titles(page(client))
    assert "Ends today 2026" in titles(page(client, "/en/conferences/past/"))


def test_a_cached_list_drops_an_edition_at_the_end_of_its_last_day(make, monkeypatch):
    """With no deadline ahead to bound it, the cached list must still not outlive midnight
    (UTC), when an edition ending that day is over."""
    at(dt.datetime(2026, 6, 2, 23, 30, tzinfo=UTC), monkeypatch)
    edition(conference("Ends today"), 2026, starts_on=D(2026, 5, 30), ends_on=D(2026, 6, 2))
    edition(conference("Later"), 2026, starts_on=D(2026, 7, 1), ends_on=D(2026, 7, 4))
    client = Client()
    assert titles(page(client)) == ["Ends today 2026", "Later 2026"]
    at(dt.datetime(2026, 6, 3, 0, 0, 1, tzinfo=UTC), monkeypatch)
    assert titles(page(client)) == ["Later 2026"]
    assert titles(page(client, "/en/conferences/past/")) == ["Ends today 2026"]


# -- filters ----------------------------------------------------------------------------------


@pytest.fixture
def areas(make, monkeypatch):
    at(dt.datetime(2026, 1, 1, tzinfo=UTC), monkeypatch)
    attention = make.concept(slug="attention", name="Attention", name_zh="注意力机制")
    make.concept(slug="convolution", name="Convolution")
    neurips = conference("NeurIPS", research_area="ml")
    neurips.concepts.add(attention)
    host = edition(neurips, 2026, starts_on=D(2026, 12, 6))
    edition(conference("CVPR", research_area="cv"), 2026, starts_on=D(2026, 6, 3))
    acl = conference("ACL", research_area="nlp")
    acl.concepts.add(attention)
    edition(acl, 2026, starts_on=D(2026, 7, 2))
    workshop = conference("Efficient Reasoning", kind="workshop", research_area="ml")
    edition(workshop, 2026, host=host, starts_on=D(2026, 12, 12))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["CVPR 2026", "ACL 2026", "NeurIPS 2026", "Efficient Reasoning 2026"]),
        ("area=ml", ["NeurIPS 2026", "Efficient Reasoning 2026"]),
        ("area=cv", ["CVPR 2026"]),
        ("concept=attention", ["ACL 2026", "NeurIPS 2026"]),
        ("kind=workshop", ["Efficient Reasoning 2026"]),
        ("kind=conference&area=ml", ["NeurIPS 2026"]),
        ("area=nlp&concept=attention&kind=conference", ["ACL 2026"]),
        ("area=robotics", []),
    ],
)
def test_filters_choose_the_editions(client, areas, query, expected):
    root = page(client, f"/en/conferences/?{query}")
    assert titles(root) == expected
    if not expected:
        assert "No upcoming editions match these filters." in root.text


def selected(root: Element, name: str) -> list[str]:
    (select,) = root.find_all("select", name=name)
    return [
        option.attrs["value"] for option in select.find_all("option") if "selected" in option.attrs
    ]


def test_the_filters_stay_in_the_form_and_the_links(client, areas):
    root = page(client, "/en/conferences/?area=ml&concept=attention&kind=conference")
    assert selected(root, "area") == ["ml"]
    assert selected(root, "concept") == ["attention"]
    assert selected(root, "kind") == ["conference"]
    (subscribe,) = root.find_all("p", class_="subscribe")
    links = [a.attrs["href"] for a in subscribe.find_all("a")]
    feed = urlsplit(links[0])
    assert feed.path == "/en/conferences.ics"
    assert parse_qs(feed.query) == {
        "area": ["ml"],
        "concept": ["attention"],
        "kind": ["conference"],
    }
    assert "/en/conferences/areas/ml.ics" in links
    assert "/en/concepts/attention/deadlines.ics" in links
    (past,) = [
        a for a in root.find_all("a") if a.attrs.get("href", "").startswith("/en/conferences/past/")
    ]
    assert parse_qs(urlsplit(past.attrs["href"]).query) == parse_qs(feed.query)
    # And the feed the link names holds what the page lists.
    assert client.get(links[0]).status_code == 200


def test_without_filters_the_subscribe_link_is_to_every_deadline(client, areas):
    root = page(client)
    assert selected(root, "area") == [] and selected(root, "kind") == []
    (subscribe,) = root.find_all("p", class_="subscribe")
    assert [a.attrs["href"] for a in subscribe.find_all("a")] == ["/en/conferences.ics"]


@pytest.mark.parametrize("url", ["/en/conferences/", "/en/conferences/past/"])
def test_unknown_filter_values_are_ignored_with_a_notice(client, areas, url):
    response = client.get(f"{url}?area=astrology&concept=no-such&kind=party")
    assert response.status_code == 200
    root = parse(response.content)
    (notice,) = root.find_all("p", class_="notice")
    message, values = notice.text.split(": ")
    assert message == "Ignored unknown filter values"
    assert sorted(values.rstrip(".").split(", ")) == ["astrology", "no-such", "party"]
    assert selected(root, "area") == []
    if url == "/en/conferences/":
        assert titles(root) == ["CVPR 2026", "ACL 2026", "NeurIPS 2026", "Efficient Reasoning 2026"]


def test_hostile_filter_values_are_ignored_and_escaped(client, areas):
    response = client.get("/en/conferences/?area=<script>x</script>&concept=" + "a" * 500)
    assert response.status_code == 200
    assert b"<script>x" not in response.content
    assert len(titles(parse(response.content))) == 4


# -- deadlines: wall clock, countdown, passed, estimated -----------------------------------------


@pytest.fixture
def neurips(make):
    """NeurIPS 2026 with an abstract deadline on 2 May and the paper deadline on 6 May 2026,
    both 23:59 AoE."""
    row = edition(conference("NeurIPS"), 2026, starts_on=D(2026, 12, 6), ends_on=D(2026, 12, 12))
    deadline(row, aoe(2026, 5, 2), kind="abstract")
    deadline(row, aoe(2026, 5, 6), kind="paper")
    return row


def paper_item(client, url: str = "/en/conferences/") -> str:
    (item,) = [
        i for i in deadline_items(card(page(client, url), "NeurIPS 2026")) if "Full paper" in i
    ]
    return item


def test_each_deadline_shows_its_kind_its_wall_clock_and_a_countdown(client, neurips, monkeypatch):
    at(aoe(2026, 5, 6) - dt.timedelta(days=12, hours=4), monkeypatch)
    root = page(client)
    items = deadline_items(card(root, "NeurIPS 2026"))
    assert items[0].startswith(
        "Abstract registration — 2 May 2026, 23:59 AoE (UTC−12) in 8 days 4 h"
    )
    assert items[1].startswith("Full paper — 6 May 2026, 23:59 AoE (UTC−12) in 12 days 4 h")
    (time,) = deadline_elements(card(root, "NeurIPS 2026"))[1].find_all("time")
    assert time.attrs["datetime"] == "2026-05-07T11:59:00Z"


def test_the_chinese_page_shows_the_wall_clock_the_chinese_way(client, neurips, monkeypatch):
    at(aoe(2026, 5, 6) - dt.timedelta(days=12, hours=4), monkeypatch)
    root = page(client, "/zh-hans/conferences/")
    times = [t.text for t in card(root, "NeurIPS 2026").find_all("time")]
    assert times == ["2026年5月2日 23:59 AoE (UTC−12)", "2026年5月6日 23:59 AoE (UTC−12)"]


@pytest.mark.parametrize(
    ("left", "shown"),
    [
        (dt.timedelta(days=12, hours=4), "in 12 days 4 h"),
        (dt.timedelta(days=12, hours=4, minutes=59, seconds=59), "in 12 days 4 h"),  # rounded down
        (dt.timedelta(days=1, minutes=30), "in 1 day 0 h"),
        (dt.timedelta(hours=23, minutes=59), "in 23 h 59 min"),
        (dt.timedelta(hours=3, minutes=20), "in 3 h 20 min"),
        (dt.timedelta(minutes=45, seconds=30), "in 45 min"),
        (dt.timedelta(seconds=30), "in under a minute"),
    ],
)
def test_the_countdown_is_whole_units_rounded_down(client, neurips, monkeypatch, left, shown):
    at(aoe(2026, 5, 6) - left, monkeypatch)
    item = paper_item(client)
    (countdown,) = [
        li.find("span", class_="countdown")
        for li in deadline_elements(card(page(client), "NeurIPS 2026"))
        if "Full paper" in li.text
    ]
    assert countdown.text == shown
    assert "passed" not in item


def test_a_passed_deadline_is_marked_passed_without_a_countdown(client, neurips, monkeypatch):
    at(aoe(2026, 5, 4), monkeypatch)  # after the abstract, before the paper
    items = deadline_items(card(page(client), "NeurIPS 2026"))
    assert items[0].endswith("(passed)") and " in " not in items[0].split("(UTC−12)")[1]
    assert "Add to calendar" not in items[0]
    assert "passed" not in items[1] and "in 2 days" in items[1]
    assert "Add to calendar" in items[1]


def test_a_deadline_at_this_very_instant_is_passed(client, neurips, monkeypatch):
    at(aoe(2026, 5, 6), monkeypatch)
    assert paper_item(client).endswith("(passed)")


def test_estimates_say_so_and_are_never_shown_as_fact(client, make, monkeypatch):
    at(dt.datetime(2026, 11, 29, tzinfo=UTC), monkeypatch)
    guessed = edition(
        conference("ICML"), 2027, starts_on=D(2027, 7, 12), location="Seoul, Korea", estimated=True
    )
    deadline(guessed, aoe(2027, 1, 28), estimated=True)
    announced = edition(conference("CVPR"), 2027, starts_on=D(2027, 6, 14))
    deadline(announced, aoe(2027, 11, 13), kind="abstract")
    deadline(announced, aoe(2027, 11, 20), estimated=True)
    root = page(client)
    icml = card(root, "ICML 2027")
    assert "estimated" in icml.find("h2").text
    assert "Not announced yet: dates estimated from the previous edition." in icml.text
    (item,) = deadline_items(icml)
    assert "estimated" in item
    cvpr = card(root, "CVPR 2027")
    assert "estimated" not in cvpr.find("h2").text and "Not announced yet" not in cvpr.text
    abstract, paper = deadline_items(cvpr)
    assert "estimated" not in abstract and "estimated" in paper
    # The home page's box says so too.
    rows = {
        row.find("a").text: row.text
        for row in parse(Client().get("/en/").content).find_all("tr")[1:]
    }
    assert "estimated" in rows["ICML 2027"]


# -- workshops and hosts ----------------------------------------------------------------------


def test_a_workshop_names_its_host_and_the_host_lists_its_workshops(client, make, monkeypatch):
    at(dt.datetime(2026, 1, 1, tzinfo=UTC), monkeypatch)
    neurips = conference("Neural Information Processing Systems (NeurIPS)", slug="neurips")
    host = edition(neurips, 2026, starts_on=D(2026, 12, 6), ends_on=D(2026, 12, 12))
    workshop = conference("Efficient Reasoning", kind="workshop", slug="er")
    deadline(edition(workshop, 2026, host=host, starts_on=D(2026, 12, 12)), aoe(2026, 8, 29))
    other = conference("Math-AI", kind="workshop", slug="math-ai")
    edition(other, 2026, host=host, starts_on=D(2026, 12, 13))
    hidden = conference("Hidden workshop", kind="workshop", published=False)
    edition(hidden, 2026, host=host)
    root = page(client)
    hosted = card(root, "Efficient Reasoning 2026")
    assert "Workshop at NeurIPS 2026" in hosted.text
    host_card = card(root, "NeurIPS 2026")
    (workshops,) = host_card.find_all("p", class_="workshops")
    assert [(a.text, a.attrs["href"]) for a in workshops.find_all("a")] == [
        ("Efficient Reasoning", "/en/resources/er/"),
        ("Math-AI", "/en/resources/math-ai/"),
    ]
    assert "Hidden workshop" not in html_text(client.get("/en/conferences/").content)
    # The same cards on the conference's and the workshop's own pages.
    detail = parse(client.get("/en/resources/neurips/").content)
    assert "Efficient Reasoning" in card(detail, "NeurIPS 2026").text
    detail = parse(client.get("/en/resources/er/").content)
    assert "Workshop at NeurIPS 2026" in detail.text
    # And the home page's box.
    assert "Workshop at NeurIPS 2026" in html_text(client.get("/en/").content)


# -- the home page's box ----------------------------------------------------------------------


def home_rows(client) -> list[tuple[str, str]]:
    """(edition, deadline kind) of each row of the home page's box."""
    root = parse(client.get("/en/").content)
    table = root.find("table", class_="deadlines")
    if table is None:
        return []
    return [
        (row.find("th").find("a").text, row.find_all("td")[0].text)
        for row in table.find_all("tr")[1:]
    ]


def test_the_home_page_shows_the_next_deadlines_of_any_kind(client, make, monkeypatch):
    at(dt.datetime(2026, 4, 1, tzinfo=UTC), monkeypatch)
    neurips = edition(conference("NeurIPS"), 2026)
    deadline(neurips, aoe(2026, 3, 30), kind="abstract")  # passed
    deadline(neurips, aoe(2026, 5, 6), kind="paper")
    deadline(neurips, aoe(2026, 9, 25), kind="notification")
    deadline(neurips, aoe(2026, 10, 23), kind="camera-ready")
    acl = edition(conference("ACL"), 2026)
    deadline(acl, aoe(2026, 4, 2), kind="commitment", note="ARR February")
    deadline(acl, aoe(2026, 4, 20), kind="rebuttal")
    deadline(edition(conference("Hidden", published=False), 2026), aoe(2026, 4, 3))
    deadline(edition(conference("Far"), 2027), aoe(2027, 1, 1))
    assert home_rows(client) == [
        ("ACL 2026", "ARR commitment (ARR February)"),
        ("ACL 2026", "Author response ends"),
        ("NeurIPS 2026", "Full paper"),
        ("NeurIPS 2026", "Notification"),
        ("NeurIPS 2026", "Camera-ready"),
        ("Far 2027", "Full paper"),
    ]


def test_the_home_page_shows_no_deadlines_once_all_have_passed(client, make, monkeypatch):
    row = deadline(edition(conference("NeurIPS"), 2026), aoe(2026, 5, 6))
    at(row.due - dt.timedelta(minutes=1), monkeypatch)
    assert home_rows(client) == [("NeurIPS 2026", "Full paper")]
    at(row.due + dt.timedelta(seconds=1), monkeypatch)  # the page above is cached
    assert home_rows(client) == []
    assert "No announced deadlines ahead right now." in html_text(client.get("/en/").content)


# -- cached pages do not outlive their countdowns ----------------------------------------------


def countdowns(client, url: str = "/en/conferences/") -> list[str]:
    return [span.text for span in page(client, url).find_all("span", class_="countdown")]


@pytest.mark.parametrize("url", ["/en/conferences/", "/en/resources/neurips/", "/en/"])
def test_a_cached_page_is_not_served_once_its_countdown_would_read_differently(
    make, monkeypatch, url
):
    due = aoe(2026, 5, 6)
    row = edition(conference("NeurIPS", slug="neurips"), 2026, starts_on=D(2026, 12, 6))
    deadline(row, due)
    client = Client()  # anonymous: one page for everyone, from the cache
    start = due - dt.timedelta(days=12, hours=4, minutes=30)
    at(start, monkeypatch)
    assert countdowns(client, url) == ["in 12 days 4 h"]
    at(start + dt.timedelta(minutes=29), monkeypatch)
    assert countdowns(client, url) == ["in 12 days 4 h"]  # from the cache, still true
    at(start + dt.timedelta(minutes=30, seconds=1), monkeypatch)
    assert countdowns(client, url) == ["in 12 days 3 h"]
    at(due - dt.timedelta(minutes=2, seconds=30), monkeypatch)
    assert countdowns(client, url) == ["in 2 min"]
    at(due - dt.timedelta(seconds=30), monkeypatch)
    assert countdowns(client, url) == ["in under a minute"]
    at(due + dt.timedelta(seconds=1), monkeypatch)
    assert countdowns(client, url) == []


def test_a_cached_list_is_served_again_while_nothing_it_shows_changed(
    make, monkeypatch, django_assert_num_queries
):
    due = aoe(2026, 5, 6)
    deadline(edition(conference("NeurIPS"), 2026, starts_on=D(2026, 12, 6)), due)
    client = Client()
    at(due - dt.timedelta(days=3, minutes=30), monkeypatch)
    client.get("/en/conferences/")
    at(due - dt.timedelta(days=3, minutes=1), monkeypatch)
    with django_assert_num_queries(1):  # the catalogue version: the page comes from the cache
        assert client.get("/en/conferences/").status_code == 200


# -- queries ------------------------------------------------------------------------------------


def fill(make, count: int) -> None:
    """`count` upcoming conference editions with four deadlines each, and as many workshops
    hosted by them, each with a deadline, on several concepts."""
    concepts = [make.concept(slug=f"topic-{i}") for i in range(3)]
    for n in range(count):
        host_event = conference(f"Conf {n:02}", research_area="ml")
        host_event.concepts.add(concepts[n % 3])
        host = edition(host_event, 2026, starts_on=D(2026, 12, 1) + dt.timedelta(days=n))
        for day, kind in enumerate(("abstract", "paper", "notification", "camera-ready")):
            deadline(host, aoe(2026, 5, 1 + day + n % 20), kind=kind, note=f"note {n}")
        workshop = conference(f"Workshop {n:02}", kind="workshop", research_area="ml")
        deadline(edition(workshop, 2026, host=host), aoe(2026, 8, 1))


QUERIES = {
    # The catalogue version, the concepts of the filter form, the page's count, the editions
    # with their conferences and hosts, their deadlines, the workshops they host (+ the concept
    # filtered on).
    "/en/conferences/": 6,
    "/en/conferences/?area=ml&kind=conference": 6,
    "/en/conferences/?concept=topic-0": 7,
    "/en/conferences/past/": 6,
}


@pytest.mark.parametrize("size", [3, 30])
@pytest.mark.parametrize("url", list(QUERIES))
def test_the_conference_pages_take_a_fixed_number_of_queries(
    make, monkeypatch, django_assert_num_queries, size, url
):
    at(dt.datetime(2026, 1, 1, tzinfo=UTC), monkeypatch)
    fill(make, size)
    if "past" in url:  # a year later, every edition is over
        at(dt.datetime(2027, 6, 1, tzinfo=UTC), monkeypatch)
    with django_assert_num_queries(QUERIES[url]):
        response = Client().get(url)
    root = parse(response.content)
    assert len(cards(root)) == (min(size * 2, 30) if "past" in url else len(cards(root)))
    assert cards(root), "the page lists the editions"
    assert "Workshops:" in root.text  # the hosts list their workshops
    if url == "/en/conferences/" and size * 2 <= 30:  # all on the first page
        assert "Workshop at" in root.text


def test_a_long_list_of_editions_is_paged_and_the_pages_keep_the_filters(make, monkeypatch):
    at(dt.datetime(2026, 1, 1, tzinfo=UTC), monkeypatch)
    fill(make, 20)  # 40 editions, 30 a page
    first = Client().get("/en/conferences/?kind=conference")
    root = parse(first.content)
    assert len(cards(root)) == 20
    both = parse(Client().get("/en/conferences/").content)
    assert len(cards(both)) == 30
    assert 'href="?page=2"' in Client().get("/en/conferences/").content.decode()
    second = parse(Client().get("/en/conferences/?page=2").content)
    assert len(cards(second)) == 10
    paged = Client().get("/en/conferences/?area=ml&page=2").content.decode()
    assert "area=ml&amp;page=1" in paged or 'href="?area=ml&amp;page=1"' in paged


@pytest.mark.parametrize("size", [3, 12])
def test_a_conference_page_reads_its_editions_deadlines_and_workshops_in_fixed_queries(
    make, monkeypatch, django_assert_num_queries, size
):
    at(dt.datetime(2026, 1, 1, tzinfo=UTC), monkeypatch)
    host_event = conference("NeurIPS", slug="neurips")
    for n in range(size):
        host = edition(host_event, 2000 + n, starts_on=D(2000 + n, 12, 1))
        for day, kind in enumerate(("abstract", "paper", "camera-ready")):
            deadline(host, aoe(2000 + n, 5, 1 + day), kind=kind)
        workshop = conference(f"Workshop {n:02}", kind="workshop")
        edition(workshop, 2000 + n, host=host)
    # Catalogue version, resource, tags, concepts, editions (with hosts), their deadlines, the
    # workshops they host, paths.
    with django_assert_num_queries(8):
        response = Client().get("/en/resources/neurips/")
    root = parse(response.content)
    assert len(cards(root)) == size
    assert len(root.find_all("p", class_="workshops")) == size


@pytest.mark.django_db
def test_an_edition_is_named_by_its_conferences_acronym_as_researchers_name_it(client, monkeypatch):
    at(dt.datetime(2026, 1, 1, tzinfo=UTC), monkeypatch)
    full = "Conference on Neural Information Processing Systems (NeurIPS)"
    neurips = edition(conference(full), 2026, starts_on=dt.date(2026, 12, 6))
    deadline(neurips, aoe(2026, 5, 6))
    plain = edition(conference("AAAI Conference on Artificial Intelligence"), 2027)
    deadline(plain, aoe(2026, 7, 28))
    root = page(client)
    assert titles(root) == ["NeurIPS 2026", "AAAI Conference on Artificial Intelligence 2027"]
    assert full in card(root, "NeurIPS 2026").text  # the full name beside it
    home = html_text(client.get("/en/").content)
    assert "NeurIPS 2026" in home and f"{full} 2026" not in home
    calendar = client.get("/en/conferences.ics").content.decode()
    assert "SUMMARY:NeurIPS 2026: Full paper" in calendar
