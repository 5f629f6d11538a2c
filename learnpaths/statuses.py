"""A learner's progress statuses, declared once.

Each `Status` says what it is called, what the step's form offers from it, whether it counts
toward completion and which timestamps it sets. Everything else is derived from `STATUSES`:
`ProgressStatus` (the model field's choices), `Progress`'s check constraints, the upsert's
timestamps (`services`), the status line, buttons and announcements (`fragments`), the counts
(`progress.Tally`, `PathFollowQuerySet.completed`, the dashboard, the admin's statistics) and
the CSS class of the status line. Adding a status is one entry here and a migration for the
new choice; its CSS class can reuse one that exists (static/css/site.css).

This module imports nothing of the project: models, services and fragments all import it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class Stamp(enum.Enum):
    """What a change to a status does to one of the row's timestamps."""

    SET = "set"  # the time of the change, unless the row has one already (the first is kept)
    CLEAR = "clear"  # emptied
    KEEP = "keep"  # left as it was (empty for a new row)


@dataclass(frozen=True)
class Offer:
    """A button of the step's form: move to `status`; `style` is "", "secondary" or "quiet"."""

    status: str
    text: Promise
    style: str = ""


@dataclass(frozen=True)
class Status:
    """One progress status.

    `label` names it (the field's choice, the admin, the status line after `symbol`);
    `announcement` is what a screen reader hears after a change to it ("…: %(title)s");
    `offers` are the form's buttons while a resource has this status, in order; `completes`:
    it counts toward completing a step, a stage and a path, and `completed_at` is set (the
    database checks that it is set exactly for these statuses); `started_at` as `Stamp` says;
    `css_class` is added to the status line. `apart`: the status completes without the
    learner having studied the resource here ("I know this already"): it is counted apart
    ("%(count)s skipped"), and not in hours studied, resources done or weekly activity.
    """

    value: str
    label: Promise
    announcement: Promise
    offers: tuple[Offer, ...]
    completes: bool = False
    started_at: Stamp = Stamp.CLEAR
    css_class: str = ""
    symbol: str = ""
    apart: Promise | None = None

    @property
    def completed_at(self) -> Stamp:
        return Stamp.SET if self.completes else Stamp.CLEAR

    @property
    def studied(self) -> bool:
        """Completed by working through the resource: counts as study time and activity."""
        return self.completes and self.apart is None


_MARK_DONE = Offer("done", _("Mark done"))
_SKIP = Offer("skipped", _("I know this already"), "quiet")
_UNDO = Offer("not_started", _("Undo"), "quiet")

STATUSES: tuple[Status, ...] = (
    Status(
        "not_started",
        _("Not started"),
        _("Marked not started: %(title)s"),
        offers=(_MARK_DONE, Offer("in_progress", _("Start"), "secondary"), _SKIP),
    ),
    Status(
        "in_progress",
        _("In progress"),
        _("Marked in progress: %(title)s"),
        offers=(_MARK_DONE, _SKIP, _UNDO),
        started_at=Stamp.SET,
        css_class="status-active",
    ),
    Status(
        "done",
        _("Done"),
        _("Marked done: %(title)s"),
        offers=(Offer("in_progress", _("Back to in progress"), "secondary"), _UNDO),
        completes=True,
        started_at=Stamp.SET,
        css_class="status-complete",
        symbol="✓ ",
    ),
    Status(
        "skipped",
        _("Skipped"),
        _("Marked as known already: %(title)s"),
        offers=(_UNDO,),
        completes=True,
        started_at=Stamp.KEEP,  # skipping says nothing about when it was started, if ever
        css_class="status-known",
        symbol="↷ ",
        apart=_("%(count)s skipped"),
    ),
)

BY_VALUE: dict[str, Status] = {status.value: status for status in STATUSES}
VALUES: tuple[str, ...] = tuple(BY_VALUE)
DEFAULT = STATUSES[0]
# Statuses that count toward completion; those of them that were studied; those counted apart.
COMPLETING: tuple[str, ...] = tuple(s.value for s in STATUSES if s.completes)
STUDIED: tuple[str, ...] = tuple(s.value for s in STATUSES if s.studied)
APART: tuple[Status, ...] = tuple(s for s in STATUSES if s.apart is not None)

# The model field's choices: ProgressStatus.DONE == "done", ProgressStatus.values, ….
ProgressStatus = models.TextChoices(
    "ProgressStatus", [(s.value.upper(), (s.value, s.label)) for s in STATUSES]
)


def status_of(value: str | None) -> Status:
    """The declared status `value` (not started for None or an unknown value)."""
    return BY_VALUE.get(value or "", DEFAULT)


def completes(value: str | None) -> bool:
    return status_of(value).completes


def choose_one() -> str:
    """What a request with an undeclared status is told: "Choose one of these statuses: Not
    started, In progress, Done, Skipped." """
    labels = ", ".join(str(s.label) for s in STATUSES)
    return gettext("Choose one of these statuses: %(statuses)s.") % {"statuses": labels}


def constraints() -> list[models.CheckConstraint]:
    """`Progress`'s checks: a declared status, and `completed_at` set exactly when the status
    completes."""
    completing = models.Q(status__in=COMPLETING)
    return [
        models.CheckConstraint(condition=models.Q(status__in=VALUES), name="progress_status_valid"),
        models.CheckConstraint(
            condition=(completing & models.Q(completed_at__isnull=False))
            | (~completing & models.Q(completed_at__isnull=True)),
            name="progress_completed_iff_completes",
        ),
    ]
