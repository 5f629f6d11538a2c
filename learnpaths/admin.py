import itertools
from collections import defaultdict
from collections.abc import Iterable

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, Count, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.utils.translation import gettext, gettext_lazy, ngettext
from modeltranslation.admin import (
    TranslationAdmin,
    TranslationStackedInline,
    TranslationTabularInline,
)

from learnpaths import services, statuses
from learnpaths.core.admin_concurrency import ConcurrencyGuardMixin
from learnpaths.models import (
    PARKING_OFFSET,
    LearningPath,
    PathFollow,
    PathStatus,
    Progress,
    SelfCheck,
    Stage,
    Step,
    User,
    publication_problems,
    publication_refusal,
)
from learnpaths.selectors import path_engagement


class PositionedFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        positions: dict[int, str] = {}
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if not data or data.get("DELETE") or data.get("position") is None:
                continue
            if data["position"] in positions:
                raise ValidationError(
                    gettext("Position %(position)s is used twice; give each row its own position.")
                    % {"position": data["position"]}
                )
            positions[data["position"]] = form.prefix

    def save(self, commit=True):
        # Rows whose position changes are first parked in free slots above every position a
        # form accepts (PARKING_OFFSET, PARKING_OFFSET + 1, …: within what the column and its
        # constraint hold, whatever positions the rows had), so that swapping two positions
        # never trips the (parent, position) unique constraint half-way through a save.
        moving = [
            form.instance.pk
            for form in self.initial_forms
            if form.instance.pk and (form.has_changed() or self._should_delete_form(form))
        ]
        with transaction.atomic():
            if moving:
                siblings = self.model.objects.filter(**{self.fk.name: self.instance.pk})
                used = set(siblings.values_list("position", flat=True))
                free = (p for p in itertools.count(PARKING_OFFSET) if p not in used)
                slots = itertools.islice(free, len(moving))
                parked = [When(pk=pk, then=Value(s)) for pk, s in zip(moving, slots, strict=True)]
                self.model.objects.filter(pk__in=moving).update(position=Case(*parked))
            return super().save(commit)


class StepFormSet(PositionedFormSet):
    def clean(self):
        super().clean()
        seen = set()
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            resource = data.get("resource")
            if not resource or data.get("DELETE"):
                continue
            if resource.pk in seen:
                raise ValidationError(
                    gettext("“%(resource)s” is listed twice; a resource appears once per path.")
                    % {"resource": resource}
                )
            seen.add(resource.pk)


def _kept_forms(formset) -> list[forms.ModelForm] | None:
    """The formset's forms that will be saved (filled in, not marked for deletion), in
    position order; None while any form has errors (they are shown first)."""
    if any(formset.errors):
        return None
    kept = [f for f in formset.forms if f.cleaned_data and not formset._should_delete_form(f)]
    return sorted(kept, key=lambda f: f.instance.position or 0)


def _incomplete(path_title: str, problems: list[str]) -> str:
    return gettext(
        "“%(path)s” is published, so it must stay complete: %(reasons)s "
        "Set it to draft to work on it."
    ) % {"path": path_title, "reasons": " ".join(problems)}


class PathStageFormSet(PositionedFormSet):
    """A path's stages on its change form: a published path is saved only when complete, as
    submitted (its status and stages) with the stages' steps as stored."""

    def clean(self):
        super().clean()
        path = self.instance
        kept = _kept_forms(self)
        if kept is None or path.status != PathStatus.PUBLISHED:
            return
        steps: dict[int, list[Step]] = defaultdict(list)
        stored = [f.instance.pk for f in kept if f.instance.pk]
        for step in (
            Step.objects.filter(stage__in=stored).select_related("resource").order_by("position")
        ):
            steps[step.stage_id].append(step)
        problems = publication_problems([(f.instance, steps[f.instance.pk]) for f in kept])
        if problems:
            raise ValidationError(_incomplete(path.title, problems))


class StageStepFormSet(StepFormSet):
    """A stage's steps on its change form: a stage of a published path keeps at least one
    step, each with a note and a published resource."""

    def clean(self):
        super().clean()
        stage = self.instance
        kept = _kept_forms(self)
        if kept is None or stage.path_id is None or stage.path.status != PathStatus.PUBLISHED:
            return
        problems = publication_problems([(stage, [f.instance for f in kept])])
        if problems:
            raise ValidationError(_incomplete(stage.path.title, problems))


class StageInline(TranslationTabularInline):
    model = Stage
    formset = PathStageFormSet
    fields = ["position", "title", "goal"]
    extra = 1
    show_change_link = True


class StepInline(TranslationTabularInline):
    model = Step
    formset = StageStepFormSet
    fields = ["position", "resource", "note", "hours", "optional"]
    autocomplete_fields = ["resource"]
    extra = 1


class SelfCheckInline(TranslationStackedInline):
    """A stage's self-check questions, edited on the stage's page (the path's page lists its
    stages, each with a link there)."""

    model = SelfCheck
    formset = PositionedFormSet
    fields = ["position", "question", "answer"]
    extra = 0


class LearningPathAdminForm(forms.ModelForm):
    def clean_previous_paths(self):
        previous = self.cleaned_data["previous_paths"]
        if self.instance.pk and self.instance in previous:
            raise ValidationError(gettext("A path cannot come before itself."))
        cycle = self.instance.previous_path_cycle(previous)
        if cycle:
            # Translators: joins the paths of a cycle of previous paths: "A → after → B".
            chain = gettext(" → after → ").join(path.title for path in cycle)
            raise ValidationError(
                gettext("These previous paths would make a cycle: %(chain)s. Remove one of them.")
                % {"chain": chain}
            )
        return previous


@admin.register(LearningPath)
class LearningPathAdmin(ConcurrencyGuardMixin, TranslationAdmin):
    form = LearningPathAdminForm
    list_display = [
        "title", "level", "status", "featured", "follower_total", "completion_total", "updated_at",
    ]  # fmt: skip
    list_filter = ["status", "level", "featured", "concepts"]
    list_editable = ["featured"]
    search_fields = ["title_en", "title_zh_hans", "summary_en", "summary_zh_hans", "slug"]
    prepopulated_fields = {"slug": ["title_en"]}
    autocomplete_fields = ["concepts", "previous_paths"]
    actions = ["publish", "unpublish"]
    inlines = [StageInline]
    readonly_fields = ["learners"]
    # Explicit: the Count annotation drops Meta.ordering (GROUP BY), and the stage autocomplete
    # would page an unordered list (UnorderedObjectListWarning).
    ordering = LearningPath._meta.ordering

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                follower_total=Count("follows", distinct=True),
                completion_total=Coalesce(
                    Subquery(
                        PathFollow.objects.completed()
                        .filter(path=OuterRef("pk"))
                        .order_by()
                        .values("path")
                        .annotate(total=Count("pk"))
                        .values("total")
                    ),
                    0,
                ),
            )
        )

    @admin.display(description=gettext_lazy("followers"), ordering="follower_total")
    def follower_total(self, obj):
        return obj.follower_total

    @admin.display(description=gettext_lazy("completed"), ordering="completion_total")
    def completion_total(self, obj):
        return obj.completion_total

    @admin.action(description=gettext_lazy("Publish the selected paths"), permissions=["change"])
    def publish(self, request, queryset) -> None:
        """Publish the selected paths that are complete; say what each other one lacks."""
        # By primary key: the changelist's queryset carries aggregate annotations.
        selected = LearningPath.objects.filter(pk__in=queryset.values_list("pk", flat=True))
        ready = []
        for path, problems in selected.publication_problems().items():
            if problems:
                self.message_user(request, publication_refusal(path, problems), messages.ERROR)
            else:
                ready.append(path.pk)
        try:
            changed = LearningPath.objects.filter(pk__in=ready).set_status(PathStatus.PUBLISHED)
        except ValidationError as error:  # a resource was unpublished meanwhile
            for message in error.messages:
                self.message_user(request, message, messages.ERROR)
            return
        self.message_user(
            request,
            ngettext("%(count)d path published.", "%(count)d paths published.", changed)
            % {"count": changed},
            messages.SUCCESS,
        )

    @admin.action(
        description=gettext_lazy("Unpublish the selected paths (back to draft)"),
        permissions=["change"],
    )
    def unpublish(self, request, queryset) -> None:
        selected = LearningPath.objects.filter(pk__in=queryset.values_list("pk", flat=True))
        changed = selected.set_status(PathStatus.DRAFT)
        self.message_user(
            request,
            ngettext("%(count)d path unpublished.", "%(count)d paths unpublished.", changed)
            % {"count": changed},
            messages.SUCCESS,
        )

    @admin.display(description=gettext_lazy("Learners (anonymous counts)"))
    def learners(self, obj):
        if obj.pk is None:
            return "—"
        followers, completions, stages = path_engagement(obj)
        return render_to_string(
            "admin/learnpaths/path_engagement.html",
            {
                "followers": followers,
                "completions": completions,
                "stages": stages,
                "apart": statuses.APART,
            },
        )


def emptying_refusals(*, stages: Iterable[Stage] = (), steps: Iterable[Step] = ()) -> list[str]:
    """Why taking these stored stages and steps out of their paths (deleting or moving them)
    would leave a published path without stages or one of its stages without steps; an empty
    list when it would not. Two queries at most."""
    stages, steps = list(stages), list(steps)
    stage_ids = {stage.pk for stage in stages}
    step_ids = {step.pk for step in steps}
    refusals = []
    emptied = (
        Stage.objects.filter(
            pk__in={step.stage_id for step in steps} - stage_ids, path__status=PathStatus.PUBLISHED
        )
        .annotate(left=Count("steps", filter=~Q(steps__pk__in=step_ids)))
        .filter(left=0)
        .select_related("path")
        .order_by("path__title", "position")
    )
    for stage in emptied if step_ids else ():
        refusals.append(
            gettext(
                "Stage %(position)s “%(stage)s” of the published path “%(path)s” would be left "
                "without steps. Add another step to it first, or set the path to draft."
            )
            % {"position": stage.position, "stage": stage.title, "path": stage.path.title}
        )
    emptied_paths = (
        LearningPath.objects.published()
        .filter(pk__in={stage.path_id for stage in stages})
        .annotate(left=Count("stages", filter=~Q(stages__pk__in=stage_ids)))
        .filter(left=0)
    )
    for path in emptied_paths if stage_ids else ():
        refusals.append(
            gettext(
                "The published path “%(path)s” would be left without stages. Add another stage "
                "to it first, or set it to draft."
            )
            % {"path": path.title}
        )
    return refusals


class StageAdminForm(forms.ModelForm):
    def clean(self):
        data = super().clean()
        moved = self.instance.pk and data.get("path") and data["path"].pk != self.instance.path_id
        if moved:
            stored = Stage.objects.get(pk=self.instance.pk)
            refusals = emptying_refusals(stages=[stored])
            if refusals:
                raise ValidationError(refusals)
        return data


@admin.register(Stage)
class StageAdmin(ConcurrencyGuardMixin, TranslationAdmin):
    form = StageAdminForm
    list_display = ["__str__", "path", "position"]
    list_filter = ["path"]
    list_select_related = ["path"]
    search_fields = ["title_en", "title_zh_hans", "path__title_en", "path__title_zh_hans"]
    autocomplete_fields = ["path"]
    inlines = [StepInline, SelfCheckInline]

    def view_on_site(self, obj):
        return obj.get_absolute_url()

    def get_deleted_objects(self, objs, request):
        # The reasons join the "protected" list, so the confirmation page refuses to delete.
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        return deleted, counts, perms_needed, [*protected, *emptying_refusals(stages=objs)]


class StepAdminForm(forms.ModelForm):
    def clean(self):
        data = super().clean()
        stage, resource = data.get("stage"), data.get("resource")
        problems = []
        if self.instance.pk and stage and stage.pk != self.instance.stage_id:
            problems += emptying_refusals(steps=[Step.objects.get(pk=self.instance.pk)])
        if stage and resource and stage.path.status == PathStatus.PUBLISHED:
            note = data.get("note_en") or ""  # English is required; Chinese falls back to it
            step = Step(position=data.get("position"), resource=resource, note=note)
            reasons = publication_problems([(stage, [step])])
            if reasons:
                problems.append(_incomplete(stage.path.title, reasons))
        if problems:
            raise ValidationError(problems)
        return data


@admin.register(Step)
class StepAdmin(ConcurrencyGuardMixin, TranslationAdmin):
    form = StepAdminForm
    list_display = ["resource", "stage", "position", "optional"]
    list_filter = ["optional", "path"]
    list_select_related = ["resource", "stage__path"]
    search_fields = [
        "resource__title", "stage__title_en", "stage__title_zh_hans", "note_en", "note_zh_hans",
    ]  # fmt: skip
    autocomplete_fields = ["stage", "resource"]

    def get_deleted_objects(self, objs, request):
        # The reasons join the "protected" list, so the confirmation page refuses to delete.
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        return deleted, counts, perms_needed, [*protected, *emptying_refusals(steps=objs)]


@admin.register(Progress)
class ProgressAdmin(admin.ModelAdmin):
    list_display = ["user", "resource", "status", "updated_at"]
    list_filter = ["status"]
    list_select_related = ["user", "resource"]
    search_fields = ["user__username", "resource__title"]
    autocomplete_fields = ["user", "resource"]
    readonly_fields = ["updated_at"]

    # The admin writes progress too: the learners' cached pages must show it at once, as for
    # every other write (services.progress_changed), in the same transaction.
    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            services.progress_changed([obj.user_id, form.initial.get("user") or obj.user_id])

    def delete_model(self, request, obj):
        with transaction.atomic():
            services.progress_changed([obj.user_id])
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            services.progress_changed(list(queryset.values_list("user_id", flat=True)))
            super().delete_queryset(request, queryset)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    pass


# The admin names the site, not the framework ("Django administration").
admin.site.site_header = gettext_lazy("Learnpaths administration")
admin.site.site_title = gettext_lazy("Learnpaths admin")
admin.site.index_title = gettext_lazy("Learnpaths")
