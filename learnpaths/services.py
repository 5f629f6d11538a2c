"""Writes that span several rows: progress (one resource, or the concepts a learner knows),
following paths and the pace on them, notes, a learner's time zone, sharing one's progress,
importing one's exported data, closing an account."""

from __future__ import annotations

import contextlib
import functools
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from learnpaths import selectors, statuses
from learnpaths.concept_states import DONE, ConceptEntry, ConceptStates
from learnpaths.core.markdown import render_markdown_fields
from learnpaths.imports import LearnerData
from learnpaths.models import (
    MAX_WEEKLY_HOURS,
    MIN_WEEKLY_HOURS,
    ActiveDay,
    LearningPath,
    Note,
    PathFollow,
    Progress,
    ProgressStatus,
    User,
    validate_time_zone,
)
from resources.models import Resource


def progress_changed(rows: Iterable[int] | QuerySet) -> None:
    """Raise the `progress_version` of these learners (user ids, or a QuerySet of Progress or
    PathFollow rows, which becomes a subquery), which keys the pages cached for them
    (`learnpaths.core.cache.learner_page`). Every write to a learner's progress, follows or
    notes calls it in the writing transaction (the upsert writes `_RAISE_VERSION` into its own
    statement), so that their next page shows the change. One statement; none for no ids."""
    if isinstance(rows, QuerySet):
        users = User.objects.filter(pk__in=rows.values("user_id"))
    else:
        if not (ids := sorted({int(pk) for pk in rows})):
            return
        users = User.objects.filter(pk__in=ids)
    users.update(progress_version=F("progress_version") + 1)


_RAISE_VERSION = "UPDATE {user} SET progress_version = progress_version + 1 WHERE id = %s"

# Insert the row or update it, in one statement that PostgreSQL and SQLite read alike (the ORM's
# bulk_create(update_conflicts=True) can only copy the new values): repeated or concurrent
# identical requests leave one row. Each timestamp follows the status's declared `Stamp`
# (learnpaths.statuses): SET keeps the first time (COALESCE), CLEAR empties it, KEEP leaves it.
_UPSERT_PROGRESS = """
INSERT INTO {progress} (user_id, resource_id, status, started_at, completed_at, updated_at)
VALUES (%s, %s, %s, %s, %s, %s)
ON CONFLICT (user_id, resource_id) DO UPDATE SET
    status = excluded.status,
    updated_at = excluded.updated_at,
    started_at = {started_at},
    completed_at = {completed_at}
"""
# The learner's day (in their time zone) on which they changed their progress, for their
# streaks (`ActiveDay`): one row per learner and day, however many changes that day.
_RECORD_ACTIVE_DAY = (
    "INSERT INTO {active_day} (user_id, day) VALUES (%s, %s) ON CONFLICT (user_id, day) DO NOTHING"
)
# On PostgreSQL the learner's version is raised and their day recorded in the same statement (a
# data-modifying WITH runs to completion whether or not it is read): one statement, one round
# trip, atomic.
_UPSERT_AND_RAISE = (
    "WITH raised AS (" + _RAISE_VERSION + "), active AS (" + _RECORD_ACTIVE_DAY + ")"
) + _UPSERT_PROGRESS


def _stamp_sql(table: str, column: str, stamp: statuses.Stamp) -> str:
    if stamp is statuses.Stamp.SET:
        return f"COALESCE({table}.{column}, excluded.{column})"
    if stamp is statuses.Stamp.KEEP:
        return f"{table}.{column}"
    return "NULL"


@functools.cache
def _upsert_sql(vendor: str, value: str) -> str:
    """The upsert (and on PostgreSQL the version's raise) for status `value`; built once."""
    quote = connection.ops.quote_name
    table = quote(Progress._meta.db_table)
    status = statuses.BY_VALUE[value]
    sql = _UPSERT_AND_RAISE if vendor == "postgresql" else _UPSERT_PROGRESS
    return sql.format(
        user=quote(User._meta.db_table),
        active_day=quote(ActiveDay._meta.db_table),
        progress=table,
        started_at=_stamp_sql(table, "started_at", status.started_at),
        completed_at=_stamp_sql(table, "completed_at", status.completed_at),
    )


def progress_set(*, user: User, resource_id: int, status: str) -> None:
    """Set the learner's status on a resource; repeated or concurrent calls leave one row.

    The timestamps follow the status's declaration (`learnpaths.statuses`): `started_at` is
    kept from the first time the resource was started, `completed_at` from the first time it
    was completed, and cleared when the new status says so. The learner's version is raised
    (`progress_changed`) and today, in their time zone, recorded as one of their active days
    (`ActiveDay`, for streaks) in the same transaction. One statement on PostgreSQL, whatever
    the size of the catalogue, of the paths or of the learner's history (the paths the learner
    follows need no update: their completion follows from these rows); three on SQLite, which
    has no data-modifying WITH.
    """
    statements = _upsert_progress(user, resource_id, status)
    with _atomic_unless_one(statements), connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)


def progress_set_on_path(
    *, user: User, resource_id: int, status: str, path_id: int, resource_ids: Iterable[int]
) -> selectors.LearnerPathState:
    """`progress_set`, then the learner's progress on the path's resources as it is after the
    change, and their follow of the path with its pace, for the path page the change was sent
    from. On PostgreSQL both statements go in one round trip (the driver sends them together;
    the result is the last one's): the read costs no second wait for the database. They run in
    one implicit transaction there, so the read sees the write."""
    statements = _upsert_progress(user, resource_id, status)
    read, read_params = selectors.learner_path_query(user, path_id, resource_ids)
    with _atomic_unless_one(statements), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            ((write, write_params),) = statements
            cursor.execute(f"{write};{read}", [*write_params, *read_params])
        else:  # SQLite runs one statement per call
            for sql, params in statements:
                cursor.execute(sql, params)
            cursor.execute(read, read_params)
        return selectors.learner_path_state_from(cursor.fetchall())


def _atomic_unless_one(statements: list) -> contextlib.AbstractContextManager:
    """A transaction for the upsert and the version's raise when they are two statements (they
    commit together or not at all), joining the caller's if there is one (no savepoint); none
    when they are one statement, atomic by itself, which spares PostgreSQL BEGIN and COMMIT."""
    return transaction.atomic(savepoint=False) if len(statements) > 1 else contextlib.nullcontext()


def _upsert_progress(user: User, resource_id: int, status: str) -> list[tuple[str, list]]:
    """The statements that set the status, raise the learner's version and record their active
    day, with parameters: one on PostgreSQL, three on SQLite. Every change a learner makes to
    their own progress goes through here (`progress_set`, `progress_set_on_path`); staff edits
    in the admin do not, and do not make a day of the learner's active. ValueError for an
    undeclared status."""
    declared = statuses.BY_VALUE.get(status)
    if declared is None:
        raise ValueError(f"unknown status {status!r}")
    now = timezone.now()
    adapt = connection.ops.adapt_datetimefield_value

    def stamp(rule: statuses.Stamp):
        return adapt(now) if rule is statuses.Stamp.SET else None

    vendor = connection.vendor
    upsert = [user.pk, resource_id, status, stamp(declared.started_at)]
    upsert += [stamp(declared.completed_at), adapt(now)]
    active = [user.pk, connection.ops.adapt_datefield_value(timezone.localdate(now, user.zone))]
    if vendor == "postgresql":
        return [(_upsert_sql(vendor, status), [user.pk, *active, *upsert])]
    quote = connection.ops.quote_name
    raise_version = _RAISE_VERSION.format(user=quote(User._meta.db_table))
    record_day = _RECORD_ACTIVE_DAY.format(active_day=quote(ActiveDay._meta.db_table))
    return [
        (_upsert_sql(vendor, status), upsert),
        (raise_version, [user.pk]),
        (record_day, active),
    ]


def path_follow(*, user: User, path: LearningPath) -> PathFollow:
    """Follow a path (idempotent); the learner's version is raised when the follow is new."""
    with transaction.atomic():
        follow, created = PathFollow.objects.get_or_create(user=user, path=path)
        if created:
            progress_changed([user.pk])
    return follow


def path_unfollow(*, user: User, path: LearningPath) -> None:
    """Stop following a path. Progress on its resources is the learner's and stays."""
    with transaction.atomic():
        deleted, _counts = PathFollow.objects.filter(user=user, path=path).delete()
        if deleted:
            progress_changed([user.pk])


def follow_pace_set(*, user: User, path_id: int, weekly_hours: int | None) -> bool:
    """Set the learner's hours of study per week on a path they follow (None: the path's own
    `weekly_hours` again) and raise their version. Returns False, changing nothing, when they
    do not follow the path: a learner only ever sets their own pace. ValueError for hours
    outside MIN_WEEKLY_HOURS–MAX_WEEKLY_HOURS. Two statements."""
    if weekly_hours is not None and not MIN_WEEKLY_HOURS <= weekly_hours <= MAX_WEEKLY_HOURS:
        raise ValueError(f"weekly hours out of range: {weekly_hours!r}")
    with transaction.atomic():
        changed = PathFollow.objects.filter(user=user, path_id=path_id).update(
            weekly_hours=weekly_hours
        )
        if changed:
            progress_changed([user.pk])
    return bool(changed)


def user_time_zone_set(*, user: User, time_zone: str) -> None:
    """Set the learner's time zone (an IANA name, "" for UTC) and raise their version: their
    pages show dates, the weekly chart and streaks in it. Days already recorded as active keep
    the date they had. ValidationError for a name that is not a time zone, changing nothing.
    Two statements."""
    validate_time_zone(time_zone)
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(time_zone=time_zone)
        progress_changed([user.pk])
    user.time_zone = time_zone


def note_save(*, user: User, resource_id: int, body: str) -> Note | None:
    """Write the learner's note on a resource: create it or replace its text (one note per
    learner and resource; concurrent saves leave one row, the last text). A `body` of
    whitespace only deletes the note instead (`note_delete`) and returns None. The text is
    rendered and sanitised by `Note.save`; its length is the caller's to check (`NoteForm`:
    the database's own check comes too late for a form error). The learner's version is
    raised in the same transaction, so that every page of theirs shows the change at once."""
    if not body.strip():
        note_delete(user=user, resource_id=resource_id)
        return None
    with transaction.atomic():
        # Not update_or_create: it saves only the fields it was given, and `Note.save` writes
        # the rendered HTML too. get_or_create takes care of a concurrent first save.
        note, created = Note.objects.select_for_update().get_or_create(
            user=user, resource_id=resource_id, defaults={"body": body}
        )
        if not created:
            note.body = body
            note.save()
        progress_changed([user.pk])
    return note


def note_delete(*, user: User, resource_id: int) -> None:
    """Delete the learner's note on a resource, if they have one (idempotent); their version
    is raised when one was deleted."""
    with transaction.atomic():
        deleted, _counts = Note.objects.filter(user=user, resource_id=resource_id).delete()
        if deleted:
            progress_changed([user.pk])


def account_delete(*, user: User) -> None:
    """Delete the learner and everything that is theirs (progress, follows, notes); nothing
    else."""
    with transaction.atomic():
        # The row goes with its version, but the rule stays without exception: whatever
        # writes a learner's progress raises their version.
        progress_changed([user.pk])
        user.delete()


def share_token_set(*, user: User, shared: bool) -> str | None:
    """Share the learner's progress under a new random token (`shared`), or stop sharing it;
    returns the token (None: not shared). Either way the link that worked before answers 404
    from now on (`selectors.shared_progress`): turning sharing on again, or regenerating, gives
    a new link. The learner's version is raised in the same statement, so that their dashboard
    (cached per version) shows the new link at once. One statement."""
    # 32 random bytes: 43 URL-safe characters (selectors.SHARE_TOKEN), not guessable.
    token = secrets.token_urlsafe(selectors.SHARE_TOKEN_BYTES) if shared else None
    User.objects.filter(pk=user.pk).update(
        share_token=token, progress_version=F("progress_version") + 1
    )
    user.share_token = token
    return token


@dataclass
class ImportReport:
    """What `learner_data_import` changed, in rows, and the slugs it skipped because the
    catalogue publishes no such resource or path (any more)."""

    progress: int = 0
    follows: int = 0
    notes: int = 0
    time_zone: bool = False
    active_days: int = 0
    skipped_resources: list[str] = field(default_factory=list)
    skipped_paths: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(
            self.progress or self.follows or self.notes or self.time_zone or self.active_days
        )


def learner_data_import(*, user: User, data: LearnerData) -> ImportReport:
    """Merge a learner's exported data (`imports.parse_learner_data`) into their account, in
    one transaction; nothing the account has is deleted.

    - Progress and notes, which carry the time of their last change: for each resource, the
      newer of the file's row and the account's wins (on a tie the account's stays). The
      winning row is written as the file has it, dates included.
    - Follows and the time zone, which carry none: what the account has stays (a path it
      follows keeps its pace); the file adds the paths the account does not follow, with their
      start date and pace, and its time zone when the account has none.
    - Active days (streaks): the file's are added to the account's.
    - Resources and paths the catalogue does not publish (any more) are skipped, and named in
      the report.

    Importing the same file again therefore changes nothing, and a file imported into a new
    account gives it the exported progress, follows, pace, notes and time zone. The learner's
    version is raised when anything changed (`progress_changed`). About a dozen statements,
    not one per row (bulk writes, in batches on a large file).
    """
    report = ImportReport()
    with transaction.atomic():
        # On PostgreSQL, imports and status changes of this learner wait for each other (the
        # progress upsert raises the version on this row), so that no row is inserted twice.
        User.objects.select_for_update().filter(pk=user.pk).values_list("pk").first()
        resource_slugs = {row.resource for row in data.progress} | {
            row.resource for row in data.notes
        }
        resources = dict(
            Resource.objects.published().filter(slug__in=resource_slugs).values_list("slug", "pk")
        )
        paths = dict(
            LearningPath.objects.published()
            .filter(slug__in={row.path for row in data.follows})
            .values_list("slug", "pk")
        )
        report.skipped_resources = sorted(resource_slugs - resources.keys())
        report.skipped_paths = sorted({row.path for row in data.follows} - paths.keys())
        report.progress = _import_progress(user, data, resources)
        report.notes = _import_notes(user, data, resources)
        report.follows = _import_follows(user, data, paths)
        report.active_days = _import_active_days(user, data)
        if data.time_zone and not user.time_zone:
            report.time_zone = bool(
                User.objects.filter(pk=user.pk, time_zone="").update(time_zone=data.time_zone)
            )
            user.time_zone = data.time_zone
        if report.changed:
            progress_changed([user.pk])
    return report


def _import_active_days(user: User, data: LearnerData) -> int:
    """Add the file's active days the account lacks; returns how many. Two statements at most
    (none for a file without active days)."""
    if not data.active_days:
        return 0
    known = set(
        ActiveDay.objects.filter(user=user, day__in=data.active_days).values_list("day", flat=True)
    )
    new = [ActiveDay(user=user, day=day) for day in sorted(data.active_days - known)]
    ActiveDay.objects.bulk_create(new, ignore_conflicts=True, batch_size=500)
    return len(new)


def _import_progress(user: User, data: LearnerData, resources: dict[str, int]) -> int:
    """Write the file's progress rows that are new or newer (`learner_data_import`); returns
    how many. Three statements at most."""

    def fill(progress: Progress, row) -> None:
        progress.status = row.status
        progress.started_at = row.started_at
        progress.completed_at = row.completed_at

    fields = ["status", "started_at", "completed_at"]
    return _import_newer(Progress, user, data.progress, resources, fill, fields)


def _import_notes(user: User, data: LearnerData, resources: dict[str, int]) -> int:
    """Write the file's notes that are new or newer, as `_import_progress` does progress;
    each note's HTML rendered and sanitised as on save. Three statements at most."""

    def fill(note: Note, row) -> None:
        note.body = row.body
        render_markdown_fields(note, ("body", "body_html"))

    return _import_newer(Note, user, data.notes, resources, fill, ["body", "body_html"])


def _import_newer(
    model, user: User, rows, resources: dict[str, int], fill, fields: list[str]
) -> int:
    """Write the file's `rows` (one per resource slug, with `updated_at`) of a per-learner,
    per-resource `model` (Progress, Note) where the account has none on that resource or an
    older one: `fill(instance, row)` copies the row's values into `fields`, and `updated_at`
    is the file's.
    Rows on resources the catalogue does not publish are left out. Returns how many were
    written; three statements at most (the account's rows, the insert, the update)."""
    rows = [row for row in rows if row.resource in resources]
    existing = {
        instance.resource_id: instance
        for instance in model.objects.filter(
            user=user, resource_id__in=[resources[row.resource] for row in rows]
        )
    }
    added, replaced = [], []
    for row in rows:
        current = existing.get(resources[row.resource])
        if current is not None and row.updated_at <= current.updated_at:
            continue
        instance = current or model(user=user, resource_id=resources[row.resource])
        fill(instance, row)
        instance.updated_at = row.updated_at
        (replaced if current else added).append(instance)
    _insert_keeping_dates(model, added, ["updated_at"])
    written = added + replaced
    if written:
        model.objects.bulk_update(written, [*fields, "updated_at"])
    return len(written)


def _import_follows(user: User, data: LearnerData, paths: dict[str, int]) -> int:
    """Follow the file's paths the learner does not follow, with the file's start date and
    pace; returns how many. Three statements at most."""
    followed = set(PathFollow.objects.filter(user=user).values_list("path_id", flat=True))
    added = [
        PathFollow(
            user=user,
            path_id=paths[row.path],
            weekly_hours=row.weekly_hours,
            started_at=row.started_at,
        )
        for row in data.follows
        if row.path in paths and paths[row.path] not in followed
    ]
    if added:
        _insert_keeping_dates(PathFollow, added, ["started_at"])
        PathFollow.objects.bulk_update(added, ["started_at"])
    return len(added)


def _insert_keeping_dates(model: type, rows: list, dates: list[str]) -> None:
    """Insert `rows` (bulk_create), then give them back their own values of `dates`, which the
    insert stamped with the present (auto_now and auto_now_add fields): the caller's
    bulk_update writes them (it leaves such fields as they are)."""
    kept = [[getattr(row, name) for name in dates] for row in rows]
    model.objects.bulk_create(rows)
    for row, values in zip(rows, kept, strict=True):
        for name, value in zip(dates, values, strict=True):
            setattr(row, name, value)


NOT_STARTED, SKIPPED = ProgressStatus.NOT_STARTED.value, ProgressStatus.SKIPPED.value


def concepts_known_set(
    *, user: User, known: Iterable[ConceptEntry], states: ConceptStates
) -> tuple[int, int]:
    """Record what the learner says they know (/start/): the core resources of the `known`
    concepts that they have not started get the status skipped; the resources they had skipped
    of the concepts that were done (`states`, read before) and are no longer among `known`
    go back to not started, unless also core for a known concept. Resources done or in progress
    are never changed, nor are those changed since `states` was read. Each write goes through
    `progress_set` (timestamps, the learner's version), in one transaction. Returns (resources
    skipped, resources set back)."""
    catalogue = states.catalogue
    known_ids = {concept.pk for concept in known}
    keep = {r for pk in known_ids for r in catalogue.by_id[pk].core}
    skip = sorted(r for r in keep if states.statuses.get(r, NOT_STARTED) == NOT_STARTED)
    unticked = [c for c in states.with_state(DONE) if c.pk not in known_ids]
    restore = sorted(
        {
            r
            for concept in unticked
            for r in concept.core
            if r not in keep and states.statuses.get(r) == SKIPPED
        }
    )
    with transaction.atomic():
        # Read again, locked: a resource marked done in another tab since stays done.
        rows = Progress.objects.select_for_update().filter(
            user=user, resource_id__in=[*skip, *restore]
        )
        now = dict(rows.values_list("resource_id", "status"))
        skip = [r for r in skip if now.get(r, NOT_STARTED) == NOT_STARTED]
        restore = [r for r in restore if now.get(r) == SKIPPED]
        for resource_id in skip:
            progress_set(user=user, resource_id=resource_id, status=SKIPPED)
        for resource_id in restore:
            progress_set(user=user, resource_id=resource_id, status=NOT_STARTED)
    return len(skip), len(restore)
