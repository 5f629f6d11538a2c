"""Calendar feeds of conference deadlines (RFC 5545), written by the `icalendar` package.

Each deadline is one event at its exact instant: in its own zone with a TZID and that zone's
VTIMEZONE where the call for papers names a place's zone, in UTC ("Z") for AoE and UTC (AoE
has no IANA zone a calendar app would know by name; the description states it) and for a wall
clock the clocks pass twice (a TZID cannot name its second occurrence). Events have
no DTEND: RFC 5545 §3.6.1 makes such an event end at its start, a moment, which a deadline is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.utils.translation import gettext
from icalendar import Calendar, Event

from resources.models import ConferenceDeadline, in_fold

PRODUCT_ID = "-//Learnpaths//Conference deadlines//EN"
# Calendar apps that honour it poll a subscribed feed this often (RFC 7986 REFRESH-INTERVAL,
# and the older X-PUBLISHED-TTL): deadlines change rarely.
REFRESH = dt.timedelta(hours=6)  # = X-PUBLISHED-TTL's "PT6H" below
# How long a passed deadline stays in the feeds: a season back, so that a subscriber still
# sees the notification and camera-ready dates of the last round.
KEPT_AFTER = dt.timedelta(days=365)


def feed_deadlines(deadlines, now: dt.datetime, *, window: bool = True):
    """The deadlines (a ConferenceDeadline queryset) a feed holds at `now`: of published
    conferences and workshops, due at most `KEPT_AFTER` ago (all of them without `window`),
    soonest first, with their edition and conference."""
    deadlines = deadlines.filter(edition__conference__published=True)
    if window:
        deadlines = deadlines.filter(due__gte=now - KEPT_AFTER)
    return deadlines.select_related("edition__conference", "edition__host__conference").order_by(
        "due", "pk"
    )


def deadline_calendar(
    deadlines: Iterable[ConferenceDeadline],
    *,
    name: str,
    page_url,
    now: dt.datetime,
) -> bytes:
    """The iCalendar file (UTF-8 bytes, CRLF lines folded at 75 octets) of `deadlines`,
    titled `name`; `page_url(resource)` gives the absolute URL of a conference's page.
    DTSTAMP is `now` (UTC); UIDs are the deadlines' ids, stable while they exist."""
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("name", name)
    calendar.add("x-wr-calname", name)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT6H")
    years = set()
    for deadline in deadlines:
        calendar.add_component(_event(deadline, page_url, now))
        years.add(deadline.shown.local.year)
    if years:
        # Only the years used: a zone's whole history would make every feed long.
        calendar.add_missing_timezones(
            first_date=dt.date(min(years), 1, 1), last_date=dt.date(max(years) + 1, 1, 1)
        )
    return calendar.to_ical()


def _event(deadline: ConferenceDeadline, page_url, now: dt.datetime) -> Event:
    edition, shown = deadline.edition, deadline.shown
    event = Event()
    event.add("uid", f"deadline-{deadline.pk}@learnpaths")
    event.add("dtstamp", now.astimezone(dt.UTC))
    zone = getattr(shown.local.tzinfo, "key", "")
    # A wall clock the clocks pass twice names its first occurrence with a TZID (RFC 5545
    # §3.3.5): a deadline at the second one would come an hour early, so it is written in UTC.
    if not zone or zone == "UTC" or zone.startswith("Etc/") or in_fold(shown.local):
        event.add("dtstart", deadline.due.astimezone(dt.UTC))
    else:
        event.add("dtstart", shown.local)
    summary = gettext("%(edition)s: %(deadline)s") % {
        "edition": edition.title,
        "deadline": deadline.kind_label,
    }
    if deadline.estimated:
        summary += " " + gettext("(estimated)")
    event.add("summary", summary)
    lines = [f"{shown.wall_clock} {shown.label}"]
    if deadline.note:
        lines.append(deadline.note)
    if deadline.estimated:
        lines.append(gettext("Not announced yet: estimated from the previous year's date."))
    url = page_url(edition.conference)
    lines.append(url)
    event.add("description", "\n".join(lines))
    event.add("url", url)
    if edition.location:
        event.add("location", edition.location)
    event.add("status", "TENTATIVE" if deadline.estimated else "CONFIRMED")
    event.add("transp", "TRANSPARENT")  # a deadline does not make anyone busy
    return event
