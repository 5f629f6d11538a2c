"""Reading back a learner's JSON export (`learnpaths.exports.learner_document`): checked whole
before anything is written (`services.learner_data_import` writes it).

`parse_learner_data(raw)` takes the file's bytes and returns a `LearnerData`, or raises
`ImportRefused` with one message per problem, each naming the key or the row ("progress, row
3 (resource “cnn-book”): …"). What it checks:

- the file: at most `MAX_IMPORT_BYTES`, UTF-8 (a byte-order mark is allowed), one JSON object
  (not a list), no NaN or Infinity, not nested deeper than the parser's recursion limit;
- the object: `progress` and `followed_paths` lists (at most `MAX_ROWS` rows each), optional
  `notes` list and `time_zone` (exports made before notes and time zones have neither); when
  `format` or `version` is there, the export's (`exports.EXPORT_FORMAT`, `EXPORT_VERSION`);
  other keys (`user`, `exported_at`, a row's `title`, `kind`, `url`, a follow's
  `completed_at`, which follows from the progress) are ignored;
- each row: a slug-shaped `resource` or `path`, once per list; a declared status
  (`learnpaths.statuses`), its dates as the status declares them (`completed_at` exactly for
  the statuses that complete; `started_at` for those that set it, none for those that clear
  it); dates in ISO 8601 with an offset, not in the future; `weekly_hours` null or a whole
  number from 1 to 80; a note's body text of at most the model's length, not blank;
- `time_zone`: "" or a time zone this server knows (e.g. Asia/Shanghai);
- `active_days` (optional; exports made before streaks have none): a list of dates
  "YYYY-MM-DD", at most `MAX_ROWS`, none after tomorrow.

Whether a slug names something in the catalogue is not checked here: the service skips and
reports what the catalogue no longer publishes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext, ngettext

from learnpaths import statuses
from learnpaths.exports import EXPORT_FORMAT, EXPORT_VERSION
from learnpaths.models import MAX_WEEKLY_HOURS, MIN_WEEKLY_HOURS, Note, validate_time_zone

# A learner's export is a few hundred kilobytes with many long notes; 5 MiB leaves room and
# bounds what one request holds in memory (the upload handler keeps no more than this).
MAX_IMPORT_BYTES = 5 * 1024 * 1024
# Per list: far more than the catalogue holds, and bounds the statements of one import.
MAX_ROWS = 10_000
# How many problems the form shows; the rest are counted ("and 12 more problems").
MAX_MESSAGES = 10
SLUG = re.compile(r"[-a-zA-Z0-9_]{1,120}")
# Dates up to a day ahead pass (the exporting server's clock may run ahead of this one's).
FUTURE_TOLERANCE = timedelta(days=1)
MAX_NOTE_LENGTH = Note._meta.get_field("body").max_length


class ImportRefused(Exception):
    """The file cannot be imported; `messages` say why, each naming where (already cut to
    `MAX_MESSAGES` and a count of the rest)."""

    def __init__(self, messages: list[str]):
        super().__init__(messages)
        self.messages = messages


@dataclass(frozen=True)
class ProgressRow:
    resource: str  # slug
    status: str  # a declared status (statuses.VALUES)
    started_at: datetime | None
    completed_at: datetime | None
    updated_at: datetime


@dataclass(frozen=True)
class FollowRow:
    path: str  # slug
    started_at: datetime
    weekly_hours: int | None  # hours a week; None: the path's own


@dataclass(frozen=True)
class NoteRow:
    resource: str  # slug
    body: str  # Markdown
    updated_at: datetime


@dataclass(frozen=True)
class LearnerData:
    progress: tuple[ProgressRow, ...]
    follows: tuple[FollowRow, ...]
    notes: tuple[NoteRow, ...]
    time_zone: str | None  # None: the file does not say (an export older than time zones)
    active_days: frozenset[date] = frozenset()


def parse_learner_data(raw: bytes) -> LearnerData:
    """The learner's data in `raw` (the bytes of a JSON export), or ImportRefused naming every
    problem (see the module's docstring). No query."""
    if len(raw) > MAX_IMPORT_BYTES:
        raise ImportRefused([too_large_message()])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportRefused(
            [
                gettext(
                    "The file is not UTF-8 text (byte %(position)s): choose the JSON file "
                    "exported from your dashboard."
                )
                % {"position": error.start + 1}
            ]
        ) from None
    try:
        document = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:  # the parser's own guard, before it could exhaust the stack
        raise ImportRefused(
            [gettext("The file nests lists or objects far deeper than an export does.")]
        ) from None
    except ValueError as error:
        where = ""
        if isinstance(error, json.JSONDecodeError):
            where = gettext(" (line %(line)s, column %(column)s)") % {
                "line": error.lineno,
                "column": error.colno,
            }
        raise ImportRefused(
            [
                gettext(
                    "The file is not valid JSON%(where)s: choose the JSON file exported "
                    "from your dashboard."
                )
                % {"where": where}
            ]
        ) from None
    reader = _Reader()
    data = reader.document(document)
    if reader.problems:
        raise ImportRefused(_cut(reader.problems))
    return data


def too_large_message() -> str:
    return gettext("The file is larger than %(size)s MB, more than any export.") % {
        "size": MAX_IMPORT_BYTES // (1024 * 1024)
    }


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def _cut(problems: list[str]) -> list[str]:
    shown = problems[:MAX_MESSAGES]
    if hidden := len(problems) - len(shown):
        shown.append(
            ngettext("…and %(count)s more problem.", "…and %(count)s more problems.", hidden)
            % {"count": hidden}
        )
    return shown


class _Reader:
    """Reads the parsed JSON into a LearnerData, noting each problem in `problems`."""

    def __init__(self):
        self.problems: list[str] = []
        self.now = timezone.now()

    def problem(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")

    def document(self, document: Any) -> LearnerData:
        if not isinstance(document, dict):
            self.problems.append(
                gettext("The file must hold one JSON object, as an export does; it holds %(kind)s.")
                % {"kind": _kind(document)}
            )
            return LearnerData((), (), (), None)
        if "format" in document and document["format"] != EXPORT_FORMAT:
            self.problem("format", gettext("this is not a Learnpaths export of a learner’s data."))
        if "version" in document and document["version"] != EXPORT_VERSION:
            self.problem(
                "version",
                gettext("this site reads version %(version)s of the export.")
                % {"version": EXPORT_VERSION},
            )
        progress = self.rows(document, "progress", self.progress_row, "resource", required=True)
        follows = self.rows(document, "followed_paths", self.follow_row, "path", required=True)
        notes = self.rows(document, "notes", self.note_row, "resource", required=False)
        return LearnerData(
            progress=progress,
            follows=follows,
            notes=notes,
            time_zone=self.time_zone(document),
            active_days=self.active_days(document),
        )

    def rows(self, document: dict, key: str, read, slug_key: str, *, required: bool) -> tuple:
        """The rows of list `key`, each read by `read(row, where)` (None when it has a
        problem); a slug named twice is a problem."""
        if key not in document:
            if required:
                self.problem(key, gettext("missing; an export always has it (a list)."))
            return ()
        rows = document[key]
        if not isinstance(rows, list):
            self.problem(key, gettext("must be a list, not %(kind)s.") % {"kind": _kind(rows)})
            return ()
        if len(rows) > MAX_ROWS:
            self.problem(
                key,
                gettext("more than %(count)s rows; no export has that many.") % {"count": MAX_ROWS},
            )
            return ()
        read_rows, seen = [], set()
        for number, row in enumerate(rows, start=1):
            where = gettext("%(key)s, row %(number)s") % {"key": key, "number": number}
            if not isinstance(row, dict):
                self.problem(
                    where, gettext("must be an object, not %(kind)s.") % {"kind": _kind(row)}
                )
                continue
            slug = self.slug(row, slug_key, where)
            if slug is None:
                continue
            where = f"{where} ({slug_key} “{slug}”)"
            if slug in seen:
                self.problem(where, gettext("this %(key)s comes twice.") % {"key": slug_key})
                continue
            seen.add(slug)
            if (value := read(row, slug, where)) is not None:
                read_rows.append(value)
        return tuple(read_rows)

    def progress_row(self, row: dict, slug: str, where: str) -> ProgressRow | None:
        status = row.get("status")
        declared = statuses.BY_VALUE.get(status) if isinstance(status, str) else None
        if declared is None:
            self.problem(
                where,
                gettext("“status” must be one of %(values)s.")
                % {"values": ", ".join(statuses.VALUES)},
            )
            return None
        before = len(self.problems)
        updated_at = self.date(row, "updated_at", where, required=True)
        started_at = self.date(row, "started_at", where, required=False)
        completed_at = self.date(row, "completed_at", where, required=False)
        if len(self.problems) > before:
            return None
        # The dates a status has follow its declaration, as the site writes them.
        for key, value, stamp in (
            ("completed_at", completed_at, declared.completed_at),
            ("started_at", started_at, declared.started_at),
        ):
            if stamp is statuses.Stamp.SET and value is None:
                self.problem(
                    where,
                    gettext("a “%(status)s” row needs “%(key)s”.") % {"status": status, "key": key},
                )
            elif stamp is statuses.Stamp.CLEAR and value is not None:
                self.problem(
                    where,
                    gettext("a “%(status)s” row has no “%(key)s”; leave it empty.")
                    % {"status": status, "key": key},
                )
        if len(self.problems) > before:
            return None
        return ProgressRow(slug, status, started_at, completed_at, updated_at)

    def follow_row(self, row: dict, slug: str, where: str) -> FollowRow | None:
        started_at = self.date(row, "started_at", where, required=True)
        hours = row.get("weekly_hours")
        # bool is an int in Python, and 2.0 is not a whole number of hours in the form.
        if hours is not None and (
            type(hours) is not int or not MIN_WEEKLY_HOURS <= hours <= MAX_WEEKLY_HOURS
        ):
            self.problem(
                where,
                gettext("“weekly_hours” must be empty or a whole number from %(min)s to %(max)s.")
                % {"min": MIN_WEEKLY_HOURS, "max": MAX_WEEKLY_HOURS},
            )
            return None
        return None if started_at is None else FollowRow(slug, started_at, hours)

    def note_row(self, row: dict, slug: str, where: str) -> NoteRow | None:
        updated_at = self.date(row, "updated_at", where, required=True)
        body = row.get("body")
        if not isinstance(body, str) or not body.strip():
            self.problem(where, gettext("“body” must be the note’s text, not empty."))
            return None
        if len(body) > MAX_NOTE_LENGTH:
            self.problem(
                where,
                gettext("the note has %(length)s characters; a note holds at most %(max)s.")
                % {"length": len(body), "max": MAX_NOTE_LENGTH},
            )
            return None
        if not _storable(body):
            self.problem(where, gettext("the note holds a character that cannot be stored."))
            return None
        return None if updated_at is None else NoteRow(slug, body, updated_at)

    def time_zone(self, document: dict) -> str | None:
        if "time_zone" not in document:
            return None
        value = document["time_zone"]
        if not isinstance(value, str) or not _storable(value):
            self.problem("time_zone", gettext("must be the name of a time zone, or empty."))
            return None
        try:
            validate_time_zone(value)
        except ValidationError as error:
            self.problem("time_zone", " ".join(error.messages))
            return None
        return value

    def active_days(self, document: dict) -> frozenset[date]:
        """The days of `active_days` (none when the file has no such key); one problem for
        the list, naming the first bad entry."""
        values = document.get("active_days", [])
        if not isinstance(values, list) or len(values) > MAX_ROWS:
            self.problem(
                "active_days",
                gettext("must be a list of at most %(count)s dates.") % {"count": MAX_ROWS},
            )
            return frozenset()
        days = set()
        latest = (self.now + FUTURE_TOLERANCE).date()
        for number, value in enumerate(values, start=1):
            day = None
            if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                try:
                    day = date.fromisoformat(value)
                except ValueError:  # well formed but not a day (2026-02-30)
                    day = None
            if day is None or day > latest:
                self.problem(
                    gettext("active_days, entry %(number)s") % {"number": number},
                    gettext("must be a past date written YYYY-MM-DD, e.g. 2026-03-01."),
                )
                return frozenset()
            days.add(day)
        return frozenset(days)

    def slug(self, row: dict, key: str, where: str) -> str | None:
        value = row.get(key)
        if not isinstance(value, str) or not SLUG.fullmatch(value):
            self.problem(
                where,
                gettext("“%(key)s” must be a slug (letters, digits, - and _), as exported.")
                % {"key": key},
            )
            return None
        return value

    def date(self, row: dict, key: str, where: str, *, required: bool) -> datetime | None:
        """The date at `key`: None when empty ("" or null, as exports write a missing date)
        and not `required`; a problem when it is not ISO 8601 with an offset, or ahead."""
        value = row.get(key)
        if value in ("", None) and not required:
            return None
        parsed = None
        if isinstance(value, str) and _storable(value):
            try:
                parsed = parse_datetime(value)
            except ValueError:  # well formed but out of range (month 13)
                parsed = None
        if parsed is None or timezone.is_naive(parsed):
            self.problem(
                where,
                gettext("“%(key)s” must be a date and time with its offset, e.g. %(example)s.")
                % {"key": key, "example": "2025-03-01T09:30:00+00:00"},
            )
            return None
        if parsed > self.now + FUTURE_TOLERANCE:
            self.problem(where, gettext("“%(key)s” is in the future.") % {"key": key})
            return None
        return parsed


def _storable(text: str) -> bool:
    """Text a database can store: no NUL (PostgreSQL refuses it) and no lone surrogate (JSON
    can spell one, "\\ud800", and UTF-8 cannot encode it)."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _kind(value: Any) -> str:
    """What a JSON value is, in words, for messages."""
    if isinstance(value, dict):
        return gettext("an object")
    if isinstance(value, list):
        return gettext("a list")
    if isinstance(value, str):
        return gettext("text")
    if isinstance(value, bool):
        return gettext("true or false")
    if isinstance(value, int | float):
        return gettext("a number")
    return gettext("null")
