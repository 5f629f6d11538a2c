"""Users, curated learning paths (path → stages → steps) and learners' progress."""

from __future__ import annotations

from collections.abc import Iterable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import Coalesce, Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from learnpaths import statuses
from learnpaths.core.graphs import cycle_through
from learnpaths.core.markdown import render_markdown_fields
from learnpaths.statuses import ProgressStatus
from resources.invalidation import catalogue_changed
from resources.models import (
    MAX_HOURS,
    MAX_MARKDOWN_LENGTH,
    MAX_NOTE_LENGTH,
    MAX_POSITION,
    MAX_SUMMARY_LENGTH,
    Concept,
    Level,
    Resource,
    ResourceKind,
    SearchTerm,
    bounded_text,
    choice_label,
)

# Reordering in the admin first parks the rows it moves in free positions from PARKING_OFFSET
# up (see learnpaths.admin.PositionedFormSet), so the columns also hold that range, used only
# inside a save: forms and the import accept 1–MAX_POSITION.
PARKING_OFFSET = MAX_POSITION + 1
POSITION_RANGE = Q(position__gte=1, position__lte=MAX_POSITION + PARKING_OFFSET)


# A learner's pace: hours of study per week, on a path (its suggestion) and per follow.
MIN_WEEKLY_HOURS, MAX_WEEKLY_HOURS = 1, 80
WEEKLY_HOURS_VALIDATORS = [
    MinValueValidator(MIN_WEEKLY_HOURS),
    MaxValueValidator(MAX_WEEKLY_HOURS),
]
WEEKLY_HOURS_RANGE = Q(weekly_hours__gte=MIN_WEEKLY_HOURS, weekly_hours__lte=MAX_WEEKLY_HOURS)


def validate_time_zone(value: str) -> None:
    """Refuses a name that is not an IANA time zone this Python knows (zoneinfo)."""
    if value and value not in available_timezones():
        raise ValidationError(
            gettext("“%(zone)s” is not a time zone (e.g. Asia/Shanghai)."), params={"zone": value}
        )


class User(AbstractUser):
    """A learner or curator. E-mail is unique (case-insensitively) so it can be used to sign in."""

    email = models.EmailField(_("e-mail address"), blank=True)
    # Raised with every write to the learner's progress or follows, in the writing transaction,
    # by `services.progress_changed` (every writer calls it). The user row is read on every
    # request anyway, so pages cached per learner are keyed by it at no extra query.
    progress_version = models.PositiveBigIntegerField(
        _("progress version"), default=0, editable=False
    )

    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        blank=True,
        validators=[validate_time_zone],
        help_text=_("Where the learner's days begin and end (e.g. Asia/Shanghai); empty: UTC."),
    )
    # The secret part of the learner's public progress link (/u/<token>/); NULL: not shared.
    # Regenerating it makes the old link answer 404.
    share_token = models.CharField(
        _("share token"), max_length=64, null=True, blank=True, unique=True, editable=False
    )

    objects = UserManager()

    @property
    def zone(self) -> ZoneInfo:
        """The learner's time zone (`time_zone`); UTC when empty, or when this Python no longer
        knows the stored name (tzdata renames zones now and then)."""
        try:
            return ZoneInfo(self.time_zone or "UTC")
        except (ZoneInfoNotFoundError, ValueError):
            return ZoneInfo("UTC")

    def save(self, *args, **kwargs):
        # Never write back the progress version an instance was loaded with: a password change
        # or an admin edit saving the whole row would undo a raise made since it was loaded,
        # and pages cached under the older number would be served again.
        if not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key and field.name != "progress_version"
            ]
        super().save(*args, **kwargs)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                condition=~Q(email=""),
                name="user_email_ci_unique",
                violation_error_message=_("A user with that e-mail address already exists."),
            )
        ]


class PathStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class LearningPathQuerySet(models.QuerySet):
    def published(self) -> LearningPathQuerySet:
        return self.filter(status=PathStatus.PUBLISHED)

    def newest(self) -> LearningPathQuerySet:
        """Most recently created first. A path has no date of publication: one written as a
        draft long ago and published today comes where its creation puts it."""
        return self.order_by("-created_at", "-pk")

    def publication_problems(self) -> dict[LearningPath, list[str]]:
        """Each path of this queryset (as stored) with the reasons it cannot be published, an
        empty list when it can (`publication_problems`). Three queries."""
        paths = self.prefetch_related(
            Prefetch(
                "stages",
                queryset=Stage.objects.order_by("position").prefetch_related(
                    Prefetch(
                        "steps",
                        queryset=Step.objects.order_by("position").select_related("resource"),
                    )
                ),
            )
        )
        return {
            path: publication_problems([(stage, stage.steps.all()) for stage in path.stages.all()])
            for path in paths
        }

    def set_status(self, status: str) -> int:
        """Publish these paths or take them back to draft, and make the public pages current at
        once (the catalogue version is raised). Returns the number of paths changed.

        Raises ValidationError, changing nothing, when publishing a path that is not complete
        (`publication_problems`); each message names the path.
        """
        with transaction.atomic():
            changing = self.exclude(status=status)
            if status == PathStatus.PUBLISHED:
                # Lock the paths' resources until commit (`Resource.objects.set_published`
                # locks them too): none can be unpublished while the paths are published.
                used = Step.objects.filter(path__in=changing.values("pk")).values("resource")
                list(Resource.objects.select_for_update().filter(pk__in=used).values_list("pk"))
                refused = [
                    publication_refusal(path, problems)
                    for path, problems in changing.publication_problems().items()
                    if problems
                ]
                if refused:
                    raise ValidationError(refused)
            changed = changing.update(status=status, updated_at=timezone.now())
            if changed:  # a bulk update: model signals do not see it
                catalogue_changed()
        return changed

    def for_cards(self) -> LearningPathQuerySet:
        """Paths with their stage and step counts and total estimated hours, in one query."""
        # order_by(): no ordering in the grouped subqueries (modeltranslation turns Meta.ordering
        # into an explicit one, which GROUP BY would then include, a group per step).
        steps = Step.objects.filter(path=models.OuterRef("pk")).order_by()
        return self.annotate(
            stage_count=models.Count("stages", distinct=True),
            step_count=models.Subquery(
                steps.values("path").annotate(n=models.Count("pk")).values("n")[:1]
            ),
            total_hours=models.Subquery(
                steps.values("path")
                .annotate(
                    h=models.Sum(
                        Coalesce("hours", "resource__estimated_hours"),
                        output_field=models.IntegerField(),
                    )
                )
                .values("h")[:1]
            ),
        ).order_by("-featured", "title")


class LearningPath(models.Model):
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    summary = models.TextField(
        _("summary"),
        help_text=_("One or two sentences, Markdown."),
        **bounded_text(MAX_SUMMARY_LENGTH),
    )
    summary_html = models.TextField(_("summary html"), editable=False, default="")
    description = models.TextField(
        _("description"),
        blank=True,
        help_text=_("Markdown."),
        **bounded_text(MAX_MARKDOWN_LENGTH),
    )
    description_html = models.TextField(_("description html"), editable=False, default="")
    assumes = models.TextField(
        _("assumes"),
        blank=True,
        help_text=_("What a learner should know before starting, one or two sentences, Markdown."),
        **bounded_text(MAX_SUMMARY_LENGTH),
    )
    assumes_html = models.TextField(_("assumes html"), editable=False, default="")
    previous_paths = models.ManyToManyField(
        "self",
        verbose_name=_("previous paths"),
        symmetrical=False,
        related_name="next_paths",
        blank=True,
        help_text=_("The paths a learner should take before this one."),
    )
    level = models.CharField(
        _("level"), max_length=20, choices=Level.choices, default=Level.BEGINNER
    )
    concepts = models.ManyToManyField(
        Concept,
        verbose_name=_("concepts"),
        related_name="paths",
        blank=True,
        help_text=_("The topics this path teaches."),
    )
    weekly_hours = models.PositiveSmallIntegerField(
        _("hours per week"),
        default=5,
        validators=WEEKLY_HOURS_VALIDATORS,
        help_text=_("The pace a learner starts with (1–80 hours a week); each can set their own."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=PathStatus.choices, default=PathStatus.DRAFT
    )
    featured = models.BooleanField(
        _("featured"), default=False, help_text=_("Shown on the home page.")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = LearningPathQuerySet.as_manager()

    class Meta:
        verbose_name = _("learning path")
        verbose_name_plural = _("learning paths")
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=PathStatus.values), name="path_status_valid"
            ),
            models.CheckConstraint(condition=Q(level__in=Level.values), name="path_level_valid"),
            models.CheckConstraint(condition=WEEKLY_HOURS_RANGE, name="path_weekly_hours_range"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        render_markdown_fields(
            self,
            ("summary", "summary_html"),
            ("description", "description_html"),
            ("assumes", "assumes_html"),
        )
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("path-detail", kwargs={"slug": self.slug})

    def previous_path_cycle(self, previous) -> list[LearningPath] | None:
        """The chain [self, …, self] that would lead back to this path if `previous` were the
        paths to take before it, or None. Two queries."""
        if self.pk is None:
            return None  # no path can come after one that does not exist yet
        edges: dict[int, list[int]] = {}
        through = LearningPath.previous_paths.through.objects.exclude(from_learningpath=self.pk)
        for path_id, previous_id in through.values_list("from_learningpath", "to_learningpath"):
            edges.setdefault(path_id, []).append(previous_id)
        edges[self.pk] = [p.pk for p in previous]
        ids = cycle_through(self.pk, edges)
        if ids is None:
            return None
        by_id = LearningPath.objects.in_bulk(ids)
        return [by_id[i] for i in ids]

    def papers(self) -> list[Resource]:
        """The published papers among the path's steps, in the path's order (what its BibTeX
        file cites). One query."""
        return step_papers(Step.objects.filter(path=self))

    @property
    def level_label(self) -> str:
        return choice_label(Level, self.level)


class Stage(models.Model):
    path = models.ForeignKey(
        LearningPath, on_delete=models.CASCADE, related_name="stages", verbose_name=_("path")
    )
    position = models.PositiveSmallIntegerField(
        _("position"),
        validators=[MinValueValidator(1), MaxValueValidator(MAX_POSITION)],
        help_text=_("Order within the path (1, 2, 3…; at most 999)."),
    )
    title = models.CharField(_("title"), max_length=200)
    goal = models.TextField(
        _("goal"),
        help_text=_("What the learner can do after this stage."),
        **bounded_text(MAX_SUMMARY_LENGTH),
    )

    class Meta:
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        ordering = ["path", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["path", "position"],
                name="stage_unique_position",
                violation_error_message=_("Two stages of a path cannot share a position."),
            ),
            models.CheckConstraint(condition=POSITION_RANGE, name="stage_position_range"),
        ]

    def __str__(self) -> str:
        return f"{self.path.title} · {self.position}. {self.title}"

    def save(self, *args, **kwargs) -> None:
        adding = self._state.adding
        with transaction.atomic():
            super().save(*args, **kwargs)
            if not adding:
                # Steps carry a copy of their stage's path (Step.path): a stage moved to another
                # path takes its steps along, or the new path would list it empty and the old
                # one would still count its steps. The post_save signal raised the catalogue
                # version in this same transaction: both paths' pages are current at commit.
                self.steps.exclude(path_id=self.path_id).update(path_id=self.path_id)

    def get_absolute_url(self) -> str:
        return f"{self.path.get_absolute_url()}#stage-{self.position}"

    def papers(self) -> list[Resource]:
        """The published papers among the stage's steps, in order. One query."""
        return step_papers(Step.objects.filter(stage=self))

    def clean(self) -> None:
        """Refuses moving a stored stage to a path that already has one of its resources as a
        step (a resource appears once per path), naming them; ValidationError on `path`."""
        if self.pk is None or self.path_id is None:
            return
        shared = (
            Step.objects.filter(stage=self)
            .exclude(path_id=self.path_id)
            .filter(resource__in=Step.objects.filter(path_id=self.path_id).values("resource"))
            .select_related("resource")
            .order_by("position")
        )
        titles = [f"“{step.resource.title}”" for step in shared]
        if titles:
            raise ValidationError(
                {
                    "path": ngettext(
                        "%(resources)s is already a step of “%(path)s”; a resource appears once "
                        "per path. Take it out of one of the two first.",
                        "%(resources)s are already steps of “%(path)s”; a resource appears once "
                        "per path. Take them out of one of the two first.",
                        len(titles),
                    )
                    % {"resources": ", ".join(titles), "path": self.path.title}
                }
            )


class Step(models.Model):
    stage = models.ForeignKey(
        Stage, on_delete=models.CASCADE, related_name="steps", verbose_name=_("stage")
    )
    # Denormalised from stage.path so that the database can hold "a resource at most once per
    # path"; kept in step with the stage on every save.
    path = models.ForeignKey(
        LearningPath,
        on_delete=models.CASCADE,
        related_name="+",
        editable=False,
        verbose_name=_("path"),
    )
    position = models.PositiveSmallIntegerField(
        _("position"),
        validators=[MinValueValidator(1), MaxValueValidator(MAX_POSITION)],
        help_text=_("Order within the stage (1, 2, 3…; at most 999)."),
    )
    # PROTECT: a resource that a path uses must be taken out of the path before it can go.
    # "model" context: the bare word "resource" is also a count's unit in the catalogue.
    resource = models.ForeignKey(
        Resource,
        on_delete=models.PROTECT,
        related_name="steps",
        verbose_name=pgettext_lazy("model", "resource"),
    )
    # Optional while the path is a draft; publishing requires it (`publication_problems`).
    note = models.TextField(
        _("curator's note"),
        blank=True,
        help_text=_(
            "Why this resource, and what to focus on. Markdown. Required before the path "
            "is published."
        ),
        **bounded_text(MAX_NOTE_LENGTH),
    )
    note_html = models.TextField(_("note html"), editable=False, default="")
    hours = models.PositiveSmallIntegerField(
        _("hours for this step"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_HOURS)],
        help_text=_(
            "When the note asks for only part of the resource (say two chapters): the time "
            "that part takes. Empty: the resource's own estimate."
        ),
    )
    optional = models.BooleanField(_("optional"), default=False)

    class Meta:
        verbose_name = _("step")
        verbose_name_plural = _("steps")
        ordering = ["stage", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["stage", "position"],
                name="step_unique_position",
                violation_error_message=_("Two steps of a stage cannot share a position."),
            ),
            models.UniqueConstraint(
                fields=["path", "resource"],
                name="step_resource_once_per_path",
                violation_error_message=_("This resource is already a step of this path."),
            ),
            models.CheckConstraint(condition=POSITION_RANGE, name="step_position_range"),
            models.CheckConstraint(
                condition=Q(hours__isnull=True) | Q(hours__gte=1, hours__lte=MAX_HOURS),
                name="step_hours_range",
            ),
        ]

    def __str__(self) -> str:
        # Path and stage first: where a step is listed alone (the admin's "cannot delete" page
        # for a resource), the curator must be able to tell which path it belongs to.
        return gettext(
            "%(path)s · stage %(stage)s (%(stage_title)s) · step %(step)s: %(title)s"
        ) % {
            "path": self.stage.path.title,
            "stage": self.stage.position,
            "stage_title": self.stage.title,
            "step": self.position,
            "title": self.resource.title,
        }

    def save(self, *args, **kwargs) -> None:
        self.path_id = self.stage.path_id
        render_markdown_fields(self, ("note", "note_html"))
        super().save(*args, **kwargs)

    def clean(self) -> None:
        if self.stage_id is None or self.resource_id is None:
            return
        duplicate = (
            Step.objects.filter(path_id=self.stage.path_id, resource_id=self.resource_id)
            .exclude(pk=self.pk)
            .select_related("stage")
            .first()
        )
        if duplicate is not None:
            raise ValidationError(
                {
                    "resource": gettext(
                        "“%(resource)s” is already step %(step)s of stage %(stage)s in this path; "
                        "a resource appears once per path."
                    )
                    % {
                        "resource": self.resource.title,
                        "step": duplicate.position,
                        "stage": duplicate.stage.position,
                    }
                }
            )

    @property
    def estimated_hours(self) -> int | None:
        """The time this step takes: its own estimate, else the whole resource's."""
        return self.hours if self.hours is not None else self.resource.estimated_hours


def step_papers(steps: QuerySet[Step]) -> list[Resource]:
    """The published papers that `steps` lead to, in the path's order (stage, then step). A
    resource is a step of a path at most once, so none comes twice. One query."""
    steps = (
        steps.filter(resource__published=True, resource__kind=ResourceKind.PAPER)
        .select_related("resource")
        .defer("resource__description", "resource__description_html")
        .order_by("stage__position", "position")
    )
    return [step.resource for step in steps]


def publication_problems(stages: Iterable[tuple[Stage, Iterable[Step]]]) -> list[str]:
    """Why a path made of `stages` cannot be published; an empty list when it can.

    `stages` holds each stage with its steps, saved or not, in order; every step has its
    resource loaded. A published path has at least one stage, every stage at least one step,
    every step a curator's note, and every step's resource is published (learners are never
    shown a link to a page that is not there).
    """
    problems = []
    stages = list(stages)
    if not stages:
        problems.append(gettext("a published path needs at least one stage."))
    unpublished = []
    for stage, stage_steps in stages:
        steps = list(stage_steps)
        label = gettext("stage %(position)s “%(title)s”") % {
            "position": stage.position,
            "title": stage.title,
        }
        if not steps:
            problems.append(
                gettext("%(stage)s has no step; every stage of a published path needs one.")
                % {"stage": label}
            )
        for step in steps:
            if not step.note.strip():
                problems.append(
                    gettext("step %(position)s of %(stage)s (“%(resource)s”) has no note.")
                    % {"position": step.position, "stage": label, "resource": step.resource.title}
                )
            if not step.resource.published:
                unpublished.append(f"“{step.resource.title}”")
    if unpublished:
        problems.append(
            ngettext(
                "it uses the unpublished resource %(resources)s; publish it or take it out.",
                "it uses the unpublished resources %(resources)s; publish them or take them out.",
                len(unpublished),
            )
            % {"resources": ", ".join(unpublished)}
        )
    return problems


def publication_refusal(path: LearningPath, problems: list[str]) -> str:
    """One message naming `path` and every reason (`publication_problems`) it cannot be
    published."""
    return gettext("“%(path)s” cannot be published: %(reasons)s") % {
        "path": path.title,
        "reasons": " ".join(problems),
    }


class Progress(models.Model):
    """A learner's status on one resource; it counts in every path that contains the resource."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="progress", verbose_name=_("user")
    )
    # PROTECT: a learner's record must not vanish because a curator deleted a resource;
    # curators unpublish instead.
    resource = models.ForeignKey(
        Resource,
        on_delete=models.PROTECT,
        related_name="progress",
        verbose_name=pgettext_lazy("model", "resource"),
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ProgressStatus.choices,
        default=ProgressStatus.NOT_STARTED,
    )
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("progress")
        verbose_name_plural = _("progress")
        constraints = [
            models.UniqueConstraint(fields=["user", "resource"], name="progress_one_per_resource"),
            *statuses.constraints(),
        ]
        indexes = [models.Index(fields=["user", "status"], name="progress_user_status")]

    def __str__(self) -> str:
        return f"{self.user} · {self.resource} · {self.get_status_display()}"


class PathFollowQuerySet(models.QuerySet):
    def completed(self) -> PathFollowQuerySet:
        """Follows whose learner has completed (done or skipped: `statuses.COMPLETING`) every
        required step of the path as it is now (a path without required steps is never
        completed). Completion is not stored: it follows from
        the learner's progress, so a status change writes one row, and a step a curator adds
        counts at once."""
        required = Step.objects.filter(path=OuterRef("path"), optional=False)
        done = Progress.objects.filter(
            user=OuterRef(OuterRef("user")),
            resource=OuterRef("resource"),
            status__in=statuses.COMPLETING,
        )
        return self.filter(Exists(required), ~Exists(required.filter(~Exists(done))))


class PathFollow(models.Model):
    """A learner following a path: it is on their dashboard. Whether and when they completed it
    follows from their progress (`PathFollowQuerySet.completed`, `progress.path_progress`)."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="follows", verbose_name=_("user")
    )
    path = models.ForeignKey(
        LearningPath, on_delete=models.CASCADE, related_name="follows", verbose_name=_("path")
    )
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    # NULL: the path's own `weekly_hours`, so a curator's change reaches learners who kept it.
    weekly_hours = models.PositiveSmallIntegerField(
        _("hours per week"), null=True, blank=True, validators=WEEKLY_HOURS_VALIDATORS
    )

    objects = PathFollowQuerySet.as_manager()

    class Meta:
        verbose_name = _("path follow")
        verbose_name_plural = _("path follows")
        constraints = [
            models.UniqueConstraint(fields=["user", "path"], name="follow_once_per_path"),
            models.CheckConstraint(
                condition=Q(weekly_hours__isnull=True) | WEEKLY_HOURS_RANGE,
                name="follow_weekly_hours_range",
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(user)s follows %(path)s") % {"user": self.user, "path": self.path}


class Note(models.Model):
    """A learner's private Markdown note on one resource: shown to its owner only."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="notes", verbose_name=_("user")
    )
    # PROTECT, like Progress: a learner's notes must not vanish with a deleted resource.
    resource = models.ForeignKey(
        Resource,
        on_delete=models.PROTECT,
        related_name="notes",
        verbose_name=pgettext_lazy("model", "resource"),
    )
    body = models.TextField(_("note"), **bounded_text(MAX_MARKDOWN_LENGTH))
    body_html = models.TextField(_("note html"), editable=False, default="")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        constraints = [
            models.UniqueConstraint(fields=["user", "resource"], name="note_one_per_resource"),
            models.CheckConstraint(condition=~Q(body=""), name="note_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.resource}"

    def save(self, *args, **kwargs) -> None:
        render_markdown_fields(self, ("body", "body_html"))
        super().save(*args, **kwargs)


class ActiveDay(models.Model):
    """A day, in the learner's time zone, on which they changed their progress: streaks count
    these. One row per learner and day."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="active_days", verbose_name=_("user")
    )
    day = models.DateField(_("day"))

    class Meta:
        verbose_name = _("active day")
        verbose_name_plural = _("active days")
        constraints = [
            models.UniqueConstraint(fields=["user", "day"], name="active_day_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.day.isoformat()}"


class SelfCheck(models.Model):
    """A curator's self-check question on a stage, with a model answer the learner opens when
    ready; nothing is graded."""

    stage = models.ForeignKey(
        Stage, on_delete=models.CASCADE, related_name="self_checks", verbose_name=_("stage")
    )
    position = models.PositiveSmallIntegerField(
        _("position"),
        validators=[MinValueValidator(1), MaxValueValidator(MAX_POSITION)],
        help_text=_("Order within the stage (1, 2, 3…)."),
    )
    question = models.TextField(
        _("question"), help_text=_("Markdown."), **bounded_text(MAX_SUMMARY_LENGTH)
    )
    question_html = models.TextField(_("question html"), editable=False, default="")
    answer = models.TextField(
        _("model answer"), help_text=_("Markdown."), **bounded_text(MAX_NOTE_LENGTH)
    )
    answer_html = models.TextField(_("answer html"), editable=False, default="")

    class Meta:
        verbose_name = _("self-check question")
        verbose_name_plural = _("self-check questions")
        ordering = ["stage", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["stage", "position"],
                name="self_check_unique_position",
                violation_error_message=_("Two questions of a stage cannot share a position."),
            ),
            models.CheckConstraint(condition=POSITION_RANGE, name="self_check_position_range"),
        ]

    def __str__(self) -> str:
        return f"{self.stage} · {self.position}"

    def save(self, *args, **kwargs) -> None:
        render_markdown_fields(self, ("question", "question_html"), ("answer", "answer_html"))
        super().save(*args, **kwargs)


class SeedKind(models.TextChoices):
    CONCEPT = "concept", "concept"
    RESOURCE = "resource", "resource"
    PATH = "path", "path"
    SYNONYM = "synonym", "synonym"


class SeedRecord(models.Model):
    """What `manage.py seed` last wrote for one curated item, as a fingerprint of the item's rows.

    The digest is a SHA-256 of the item as the catalogue export writes it (a concept with its
    prerequisites; a resource with its concepts, tags and editions; a path with its concepts,
    stages and steps). When the rows no longer match it, a curator changed the item, and seeding
    leaves it alone (see learnpaths.catalogue_io.seed.catalogue_seed).
    """

    kind = models.CharField(_("kind"), max_length=10, choices=SeedKind.choices)
    slug = models.SlugField(_("slug"), max_length=120)
    digest = models.CharField(_("digest"), max_length=64)
    seeded_at = models.DateTimeField(_("seeded at"), auto_now=True)

    class Meta:
        verbose_name = _("seed record")
        verbose_name_plural = _("seed records")
        constraints = [
            models.UniqueConstraint(fields=["kind", "slug"], name="seed_record_unique"),
            models.CheckConstraint(
                condition=Q(kind__in=SeedKind.values), name="seed_record_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.slug}"


def unpublish_refusal(resource: Resource, paths: list[str]) -> str:
    """Why `resource` cannot be unpublished: the published paths (titles) whose steps use it."""
    return ngettext(
        "“%(resource)s” cannot be unpublished: the published path %(paths)s uses it. "
        "Take it out of the path or unpublish the path first.",
        "“%(resource)s” cannot be unpublished: the published paths %(paths)s use it. "
        "Take it out of the paths or unpublish the paths first.",
        len(paths),
    ) % {"resource": resource.title, "paths": ", ".join(f"“{title}”" for title in paths)}


def published_paths_using(resources: QuerySet[Resource]) -> dict[Resource, list[str]]:
    """The resources of `resources` that a step of a published path uses, each with one
    sentence naming those paths (`unpublish_refusal`): an unpublish guard of the catalogue
    (`resources.models.UNPUBLISH_GUARDS`). One query."""
    rows = (
        resources.filter(steps__path__status=PathStatus.PUBLISHED)
        .annotate(path_title=models.F("steps__path__title"))
        .order_by("title", "pk", "path_title")
    )
    titles: dict[Resource, list[str]] = {}
    for resource in rows:
        titles.setdefault(resource, []).append(resource.path_title)
    return {resource: [unpublish_refusal(resource, paths)] for resource, paths in titles.items()}


class PathSearchTerm(SearchTerm):
    """A learning path's search terms (learnpaths.search)."""

    document = models.ForeignKey(
        LearningPath, on_delete=models.CASCADE, related_name="search_terms", db_index=False
    )

    class Meta(SearchTerm.Meta):
        verbose_name = _("learning path search term")
        verbose_name_plural = _("learning path search terms")
