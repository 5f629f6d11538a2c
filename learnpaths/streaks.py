"""Streaks: days in a row on which a learner changed their progress (`ActiveDay`), in their time
zone. Pure arithmetic on dates: no queries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Streaks:
    current: int  # active days in a row ending today, or yesterday when today is not yet active
    longest: int  # the longest run of active days in a row ever
    active_today: bool


def streaks(days: Iterable[dt.date], today: dt.date) -> Streaks:
    """The learner's streaks from their active days (any order, repeats allowed) as of `today`,
    in their time zone. A streak that ended yesterday is still current: today is not over.
    Days after `today` (recorded in a zone ahead of the learner's present one) count toward the
    longest streak only."""
    active = set(days)
    longest = 0
    for day in active:
        if day - ONE_DAY in active:
            continue  # not the first day of a run: counted from that first day
        length = 1
        while day + length * ONE_DAY in active:
            length += 1
        longest = max(longest, length)
    end = today if today in active else today - ONE_DAY
    current = 0
    while end - current * ONE_DAY in active:
        current += 1
    return Streaks(current=current, longest=longest, active_today=today in active)
