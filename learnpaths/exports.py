"""A learner's own data as rows for the CSV and JSON exports (cells that a spreadsheet would run
as formulas are neutralised).
"""

from __future__ import annotations

import unicodedata

from learnpaths.models import Progress, User
from learnpaths.selectors import dashboard_data


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
        }
        for item in sorted(followed, key=lambda item: item.follow.started_at)
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
]


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
