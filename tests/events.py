"""Conferences, workshops, their editions and deadlines for the research track's tests, and the
site's clock: short calls that each save a new, valid row (over tests/factories.py)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from resources.models import ConferenceDeadline, ConferenceEdition, Resource
from tests import factories

UTC = dt.UTC


def at(moment: dt.datetime, monkeypatch) -> None:
    """Make the site's clock (django.utils.timezone.now) read `moment`."""
    monkeypatch.setattr(timezone, "now", lambda: moment)


def conference(title: str = "NeurIPS", *, kind: str = "conference", **fields) -> Resource:
    return factories.ResourceFactory(kind=kind, title=title, **fields)


def edition(event: Resource, year: int, **fields) -> ConferenceEdition:
    """An edition of `event`; a workshop's needs `host=` (an edition of a conference)."""
    return ConferenceEdition.objects.create(conference=event, year=year, **fields)


def deadline(
    of: ConferenceEdition, due: dt.datetime, zone: str = "AoE", kind: str = "paper", **fields
) -> ConferenceDeadline:
    """A deadline of `of` at the instant `due` (aware), stated in `zone`."""
    return ConferenceDeadline.objects.create(
        edition=of, kind=kind, due=due, timezone=zone, **fields
    )


def aoe(year: int, month: int, day: int, hour: int = 23, minute: int = 59) -> dt.datetime:
    """The UTC instant of a wall clock Anywhere on Earth (UTC−12): `aoe(2026, 5, 6)` is
    2026-05-07 11:59 UTC."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=UTC) + dt.timedelta(hours=12)
