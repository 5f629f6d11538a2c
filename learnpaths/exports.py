"""A learner's own data as rows for the CSV and JSON exports (cells that a spreadsheet would run
as formulas are neutralised). The JSON export is what `learnpaths.imports` reads back.
"""

from __future__ import annotations

import unicodedata

from django.utils import timezone

from learnpaths.models import ActiveDay, Note, Progress, User
from learnpaths.selectors import dashboard_data

# Named in every JSON export, so that an import knows what it reads; the version goes up when
# a key changes meaning (keys may be added without it: the import ignores those it does not
# know). Exports made before the format was named have neither key, and read as version 1.
EXPORT_FORMAT = "learnpaths-learner-data"
EXPORT_VERSION = 1


def learner_document(user: User, *, version: int | None = None) -> dict:
    """The learner's data as the JSON export holds it: their progress, the paths they follow
    with their pace (`weekly_hours`: hours a week, null for the path's own), their notes (the
    Markdown they wrote), their time zone ("" for UTC) and the days they were active (their
    streaks: `active_days`, dates "YYYY-MM-DD" in their time zone, oldest first). Dates and
    times are ISO 8601 with an offset. Five queries (the paths come from the cache when it has
    them)."""
    return {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "user": user.username,
        "exported_at": timezone.now().isoformat(),
        "time_zone": user.time_zone,
        "progress": progress_export_rows(user),
        "followed_paths": followed_export_rows(user, version=version),
        "notes": note_export_rows(user),
        "active_days": [
            day.isoformat()
            for day in ActiveDay.objects.filter(user=user)
            .order_by("day")
            .values_list("day", flat=True)
        ],
    }


def progress_export_rows(user: User) -> list[dict]:
    rows = Progress.objects.filter(user=user).select_related("resource").order_by("resource__title")
    return [
        {
            "resource": row.resource.slug,
            "title": row.resource.title,
            "kind": row.resource.kind,
            "url": row.resource.url,
            "status": row.status,
            "started_at": row.started_at.isoformat() if row.started_at else "",
            "completed_at": row.completed_at.isoformat() if row.completed_at else "",
            "updated_at": row.updated_at.isoformat(),
        }
        for row in rows
    ]


def followed_export_rows(user: User, *, version: int | None = None) -> list[dict]:
    followed = dashboard_data(user, version=version)["followed"]
    return [
        {
            "path": item.path.slug,
            "title": item.path.title,
            "started_at": item.follow.started_at.isoformat(),
            "completed_at": item.progress.completed_at.isoformat()
            if item.progress.completed_at
            else "",
            "weekly_hours": item.follow.weekly_hours,
        }
        for item in sorted(followed, key=lambda item: item.follow.started_at)
    ]


def note_export_rows(user: User) -> list[dict]:
    """The learner's notes, by resource title: the resource's slug and title, the note's
    Markdown and when it was last changed. One query."""
    notes = (
        Note.objects.filter(user=user)
        .select_related("resource")
        .only("body", "updated_at", "resource__slug", "resource__title")
        .order_by("resource__title", "resource__slug")
    )
    return [
        {
            "resource": note.resource.slug,
            "title": note.resource.title,
            "body": note.body,
            "updated_at": note.updated_at.isoformat(),
        }
        for note in notes
    ]


EXPORT_FIELDS = [
    "resource",
    "title",
    "kind",
    "url",
    "status",
    "started_at",
    "completed_at",
    "updated_at",
    "note",
]


def csv_export_rows(user: User) -> list[dict]:
    """One row per resource the learner has a status or a note on (`EXPORT_FIELDS`), by
    title: a resource with a note and no status has an empty status and dates. Not yet made
    spreadsheet-safe (`_spreadsheet_safe`, cell by cell). Two queries."""
    rows = {row["resource"]: row | {"note": ""} for row in progress_export_rows(user)}
    notes = (
        Note.objects.filter(user=user)
        .select_related("resource")
        .only("body", "resource__slug", "resource__title", "resource__kind", "resource__url")
    )
    for note in notes:
        resource = note.resource
        row = rows.setdefault(
            resource.slug,
            dict.fromkeys(EXPORT_FIELDS, "")
            | {
                "resource": resource.slug,
                "title": resource.title,
                "kind": resource.kind,
                "url": resource.url,
            },
        )
        row["note"] = note.body
    return sorted(rows.values(), key=lambda row: (row["title"], row["resource"]))


# Spreadsheet programs run a cell as a formula (or a DDE command, "|") when it starts with one
# of these, full-width forms included, after skipping any leading spaces and control characters.
FORMULA_STARTS = frozenset("=+-@|＝＋－＠")


def _spreadsheet_safe(value: str) -> str:
    """`value`, with an apostrophe in front if a spreadsheet could run it as a formula: its first
    character that is not a space (a no-break space included) or a control character (a line
    feed, a zero-width space) starts a formula, or it starts with a tab or a line break."""
    if value[:1] in ("\t", "\r", "\n"):
        return f"'{value}"
    for char in value:
        if char.isspace() or unicodedata.category(char).startswith("C"):
            continue
        return f"'{value}" if char in FORMULA_STARTS else value
    return value
