from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy

from learnpaths.models import (
    LearningPath,
    PathFollow,
    PathStatus,
    Progress,
    Stage,
    Step,
    User,
)
from learnpaths.selectors import path_engagement
from resources.admin import publish, unpublish

# Rows whose position changes are first parked this far out of the way, so that swapping two
# positions never trips the (parent, position) unique constraint half-way through a save.
PARKING_OFFSET = 10_000


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
                    f"Position {data['position']} is used twice; give each row its own position."
                )
            positions[data["position"]] = form.prefix

    def save(self, commit=True):
        moving = [
            form.instance.pk
            for form in self.initial_forms
            if form.instance.pk and (form.has_changed() or self._should_delete_form(form))
        ]
        with transaction.atomic():
            if moving:
                self.model.objects.filter(pk__in=moving).update(
                    position=F("position") + PARKING_OFFSET
                )
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
                    f"“{resource}” is listed twice; a resource appears once per path."
                )
            seen.add(resource.pk)


class StageInline(admin.TabularInline):
    model = Stage
    formset = PositionedFormSet
    fields = ["position", "title", "goal"]
    extra = 1
    show_change_link = True


class StepInline(admin.TabularInline):
    model = Step
    formset = StepFormSet
    fields = ["position", "resource", "note", "hours", "optional"]
    autocomplete_fields = ["resource"]
    extra = 1


@admin.register(LearningPath)
class LearningPathAdmin(admin.ModelAdmin):
    list_display = [
        "title", "level", "status", "featured", "follower_total", "completion_total", "updated_at",
    ]  # fmt: skip
    list_filter = ["status", "level", "featured", "concepts"]
    list_editable = ["featured"]
    search_fields = ["title", "summary", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["concepts"]
    actions = [publish, unpublish]
    publish_state = ("status", PathStatus.PUBLISHED)
    unpublish_state = ("status", PathStatus.DRAFT)
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

    @admin.display(description="followers", ordering="follower_total")
    def follower_total(self, obj):
        return obj.follower_total

    @admin.display(description="completed", ordering="completion_total")
    def completion_total(self, obj):
        return obj.completion_total

    @admin.display(description="Learners (anonymous counts)")
    def learners(self, obj):
        if obj.pk is None:
            return "—"
        followers, completions, stages = path_engagement(obj)
        return render_to_string(
            "admin/learnpaths/path_engagement.html",
            {"followers": followers, "completions": completions, "stages": stages},
        )


@admin.register(Stage)
class StageAdmin(admin.ModelAdmin):
    list_display = ["__str__", "path", "position"]
    list_filter = ["path"]
    list_select_related = ["path"]
    search_fields = ["title", "path__title"]
    autocomplete_fields = ["path"]
    inlines = [StepInline]

    def view_on_site(self, obj):
        return obj.get_absolute_url()


@admin.register(Step)
class StepAdmin(admin.ModelAdmin):
    list_display = ["resource", "stage", "position", "optional"]
    list_filter = ["optional", "path"]
    list_select_related = ["resource", "stage__path"]
    search_fields = ["resource__title", "stage__title", "note"]
    autocomplete_fields = ["stage", "resource"]


@admin.register(Progress)
class ProgressAdmin(admin.ModelAdmin):
    list_display = ["user", "resource", "status", "updated_at"]
    list_filter = ["status"]
    list_select_related = ["user", "resource"]
    search_fields = ["user__username", "resource__title"]
    autocomplete_fields = ["user", "resource"]
    readonly_fields = ["updated_at"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    pass


# The admin names the site, not the framework ("Django administration").
admin.site.site_header = gettext_lazy("Learnpaths administration")
admin.site.site_title = gettext_lazy("Learnpaths admin")
admin.site.index_title = gettext_lazy("Learnpaths")
