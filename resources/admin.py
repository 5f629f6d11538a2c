import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminSplitDateTime
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, gettext_lazy, ngettext
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin
from taggit.models import Tag as UnusedTaggitTag

from learnpaths.core.admin_concurrency import ConcurrencyGuardMixin
from resources.models import (
    Concept,
    ConceptPrerequisite,
    ConferenceDeadline,
    ConferenceEdition,
    Resource,
    Synonym,
    Tag,
    deadline_instant,
    in_fold,
)
from resources.search.index import index_stale

# The catalogue uses its own Tag model (resources.Tag); taggit's default one stays empty.
admin.site.unregister(UnusedTaggitTag)


class PrerequisiteFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        chosen = [
            form.cleaned_data["prerequisite"]
            for form in self.forms
            if form.cleaned_data.get("prerequisite") and not form.cleaned_data.get("DELETE")
        ]
        if self.instance.pk and self.instance in chosen:
            raise ValidationError(gettext("A concept cannot require itself."))
        cycle = self.instance.prerequisite_cycle(chosen)
        if cycle:
            # Translators: joins the concepts of a prerequisite cycle: "A → requires → B".
            chain = gettext(" → requires → ").join(concept.name for concept in cycle)
            raise ValidationError(
                gettext(
                    "These prerequisites would make a cycle: %(chain)s. Remove one of the links."
                )
                % {"chain": chain}
            )


class PrerequisiteInline(admin.TabularInline):
    model = ConceptPrerequisite
    fk_name = "concept"
    formset = PrerequisiteFormSet
    autocomplete_fields = ["prerequisite"]
    extra = 1
    verbose_name = _("prerequisite")
    verbose_name_plural = _("prerequisites (concepts to understand first)")


@admin.register(Concept)
class ConceptAdmin(ConcurrencyGuardMixin, TranslationAdmin):
    list_display = ["name", "name_zh", "area", "position", "resource_total"]
    list_filter = ["area"]
    list_editable = ["position"]
    search_fields = ["name", "name_zh", "slug", "summary_en", "summary_zh_hans"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [PrerequisiteInline]
    readonly_fields = ["core_resource_list"]
    # Explicit: the Count annotation below drops Meta.ordering (GROUP BY), and the autocomplete
    # would page an unordered list (UnorderedObjectListWarning).
    ordering = Concept._meta.ordering

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        index_stale()  # the database queued what changed; indexed now, not at the next search

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(resource_total=Count("resources"))

    @admin.display(description=_("resources"), ordering="resource_total")
    def resource_total(self, obj):
        return obj.resource_total

    @admin.display(description=_("core resources"))
    def core_resource_list(self, obj):
        """The resources core for the concept, each linking to its page here (where `core for`
        is edited)."""
        resources = obj.core_resources.order_by("title") if obj.pk else []
        if not resources:
            return gettext("None yet: choose this concept under “core for” on a resource.")
        unpublished = gettext("(unpublished)")
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                '<li><a href="{}">{}</a>{}</li>',
                (
                    (
                        reverse("admin:resources_resource_change", args=[r.pk]),
                        r.title,
                        "" if r.published else f" {unpublished}",
                    )
                    for r in resources
                ),
            ),
        )


class TagFilter(admin.SimpleListFilter):
    title = _("tag")
    parameter_name = "tag"

    def lookups(self, request, model_admin):
        return Tag.objects.order_by("name").values_list("slug", "name")

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(tags__slug=self.value()).distinct()
        return queryset


class WallClockField(forms.SplitDateTimeField):
    """A date and time as entered, naive: a wall clock in a zone the form decides, not the
    site's time zone."""

    def compress(self, data_list):
        with timezone.override(dt.UTC):
            value = super().compress(data_list)
        return value.replace(tzinfo=None) if value else value


class ConferenceDeadlineForm(forms.ModelForm):
    """Curators enter a deadline as the call for papers states it: the wall clock in the
    deadline's own zone (`timezone`). It is stored as the UTC instant, through the same
    `deadline_instant` as the catalogue import, which refuses times the clocks skip, and times
    they pass twice unless `fold` says which of the two is meant.

    A deadline, zone and fold sent back as they were shown keep the stored instant exactly:
    an unchanged deadline never blocks saving the rest, nor moves."""

    due = WallClockField(
        widget=AdminSplitDateTime,
        label=_("Due"),
        help_text=_(
            "The wall-clock time the call for papers states, in the deadline's time zone "
            "(e.g. 23:59 for “23:59 AoE”), not UTC."
        ),
    )
    fold = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=None,
        choices=[
            ("", "—"),
            (0, _("the first (before the clocks go back)")),
            (1, _("the second (after the clocks go back)")),
        ],
        label=_("If the time happens twice"),
        help_text=_(
            "Only for a deadline the clocks pass twice (when they go back): which of the two "
            "times it is."
        ),
    )

    class Meta:
        model = ConferenceDeadline
        fields = ["kind", "due", "timezone", "fold", "estimated", "note_en", "note_zh_hans"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            local = self.instance.local
            self.initial["due"] = local.replace(tzinfo=None, fold=0)
            self.initial["fold"] = local.fold if in_fold(local) else None

    def clean(self):
        cleaned = super().clean()
        wall = cleaned.get("due")
        if wall is None:
            return cleaned
        zone = cleaned.get("timezone")
        if not zone:  # the zone's own error says why; without it the wall clock means nothing
            del cleaned["due"]
            return cleaned
        if self.instance.pk is not None and not {"due", "timezone", "fold"} & set(
            self.changed_data
        ):
            cleaned["due"] = self.instance.due
            return cleaned
        try:
            cleaned["due"] = deadline_instant(wall, zone, fold=cleaned.get("fold"))
        except ValidationError as error:
            self.add_error("due", error)
            if error.code == "ambiguous_time":
                self.add_error(
                    "fold",
                    ValidationError(_("Choose which of the two times it is."), code="fold"),
                )
        return cleaned


class ConferenceDeadlineInline(admin.TabularInline):
    model = ConferenceDeadline
    form = ConferenceDeadlineForm
    extra = 0


class ConferenceEditionInline(admin.TabularInline):
    """A conference's editions on its page; each one's deadlines on the edition's own page."""

    model = ConferenceEdition
    extra = 0
    show_change_link = True
    autocomplete_fields = ["host"]
    fields = [
        "year", "host", "starts_on", "ends_on", "location", "estimated", "url", "source_url",
        "notes_en", "notes_zh_hans",
    ]  # fmt: skip


class ResourceAdminForm(forms.ModelForm):
    def clean_published(self) -> bool:
        published = self.cleaned_data["published"]
        if not published and self.instance.pk is not None:
            blockers = Resource.objects.filter(pk=self.instance.pk).unpublish_blockers()
            if blockers:
                raise ValidationError([why for reasons in blockers.values() for why in reasons])
        return published


@admin.register(Resource)
class ResourceAdmin(ConcurrencyGuardMixin, admin.ModelAdmin):
    form = ResourceAdminForm
    list_display = ["title", "kind", "level", "cost", "language", "year", "published"]
    list_filter = ["kind", "level", "cost", "language", "published", TagFilter]
    search_fields = ["title", "title_zh", "authors", "slug", "arxiv_id", "doi", "tags__name"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["concepts", "defines", "core_for"]
    date_hierarchy = "created_at"
    actions = ["publish", "unpublish"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [ConferenceEditionInline]
    fieldsets = [
        (None, {"fields": ["title", "title_zh", "slug", "kind", "url", "authors", "year"]}),
        (
            _("For learners"),
            {
                "fields": [
                    "description",
                    "level",
                    "estimated_hours",
                    "cost",
                    "language",
                    "concepts",
                    "defines",
                    "core_for",
                    "tags",
                ]
            },
        ),
        (
            _("Papers"),
            {
                "fields": [
                    "arxiv_id",
                    "doi",
                    "venue",
                    "publication",
                    "volume",
                    "number",
                    "pages",
                    "arxiv_title",
                ],
                "classes": ["collapse"],
            },
        ),
        (_("Conferences and workshops"), {"fields": ["research_area"], "classes": ["collapse"]}),
        (_("Publishing"), {"fields": ["published", "created_at", "updated_at"]}),
    ]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        index_stale()  # the database queued what changed; indexed now, not at the next search

    def get_inlines(self, request, obj):
        # Editions belong to conferences and workshops only.
        return self.inlines if obj is not None and obj.is_event else []

    @admin.action(
        description=gettext_lazy("Publish the selected resources"), permissions=["change"]
    )
    def publish(self, request, queryset) -> None:
        changed = queryset.set_published(True)
        self.message_user(
            request,
            ngettext("%(count)d resource published.", "%(count)d resources published.", changed)
            % {"count": changed},
            messages.SUCCESS,
        )

    @admin.action(
        description=gettext_lazy("Unpublish the selected resources"), permissions=["change"]
    )
    def unpublish(self, request, queryset) -> None:
        """Unpublish the selected resources that no published path uses; say why the others
        were left published."""
        blockers = queryset.unpublish_blockers()
        for reasons in blockers.values():
            for why in reasons:
                self.message_user(request, why, messages.ERROR)
        try:
            changed = queryset.exclude(pk__in=[r.pk for r in blockers]).set_published(False)
        except ValidationError as error:  # a path using one was published meanwhile
            for message in error.messages:
                self.message_user(request, message, messages.ERROR)
            return
        self.message_user(
            request,
            ngettext("%(count)d resource unpublished.", "%(count)d resources unpublished.", changed)
            % {"count": changed},
            messages.SUCCESS,
        )


@admin.register(ConferenceEdition)
class ConferenceEditionAdmin(ConcurrencyGuardMixin, admin.ModelAdmin):
    list_display = ["conference", "year", "starts_on", "location", "estimated", "host"]
    list_filter = ["year", "estimated", "conference__kind", "conference__research_area"]
    search_fields = ["conference__title", "location"]
    autocomplete_fields = ["conference", "host"]
    list_select_related = ["conference", "host__conference"]
    fields = [
        "conference", "year", "host", "starts_on", "ends_on", "location", "estimated", "url",
        "source_url", "notes_en", "notes_zh_hans",
    ]  # fmt: skip
    inlines = [ConferenceDeadlineInline]


@admin.register(Tag)
class TagAdmin(ConcurrencyGuardMixin, admin.ModelAdmin):
    list_display = ["name", "slug", "resource_total"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    ordering = ["name"]  # as ConceptAdmin: the Count annotation would leave it unordered

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(resource_total=Count("tagged_resources"))

    @admin.display(description=_("resources"), ordering="resource_total")
    def resource_total(self, obj):
        return obj.resource_total


class SynonymTermsField(forms.CharField):
    """A synonym group's terms edited as lines of a text area, stored as a list."""

    widget = forms.Textarea(attrs={"rows": 6})

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value) -> list[str]:
        lines = (" ".join(line.split()) for line in (value or "").splitlines())
        return list(dict.fromkeys(line for line in lines if line))


class SynonymAdminForm(forms.ModelForm):
    terms = SynonymTermsField(
        label=_("terms"), help_text=_("A word or a few words per line, in any language.")
    )

    class Meta:
        model = Synonym
        fields = ["slug", "terms"]


@admin.register(Synonym)
class SynonymAdmin(ConcurrencyGuardMixin, admin.ModelAdmin):
    """Synonyms a search applies to queries: every term of a group finds what the others do."""

    form = SynonymAdminForm
    list_display = ["slug", "__str__", "updated_at"]
    search_fields = ["slug", "terms"]
