"""Template filters of the research track's pages."""

import datetime as dt

from django import template

from resources.models import countdown as countdown_text

register = template.Library()


@register.filter
def countdown(instant: dt.datetime, now: dt.datetime) -> str:
    """`{{ deadline.due|countdown:now }}`: "in 12 days 4 h", or "" once `instant` has passed.
    `now` is the moment the view rendered the page at (the one its cache lifetime is
    computed from)."""
    if instant <= now:
        return ""
    return countdown_text(instant, now)[0]
