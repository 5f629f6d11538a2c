from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from taggit.models import Tag as UnusedTaggitTag

from resources.models import Concept, ConceptPrerequisite, ConferenceEdition, Resource, Tag
from resources.search import refresh_search_vectors

# The catalogue uses its own Tag model (resources.Tag); taggit's default one stays empty.
admin.site.unregister(UnusedTaggitTag)


@admin.action(description="Publish the selected items")
def publish(modeladmin, request, queryset):
    field, value = modeladmin.publish_state
    updated = queryset.update(**{field: value})
    modeladmin.message_user(request, f"{updated} item(s) published.", messages.SUCCESS)


@admin.action(description="Unpublish the selected items")
def unpublish(modeladmin, request, queryset):
    field, value = modeladmin.unpublish_state
    updated = queryset.update(**{field: value})
    modeladmin.message_user(request, f"{updated} item(s) unpublished.", messages.SUCCESS)


class PrerequisiteFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        chosen = [
            form.cleaned_data["prerequisite"]
            for form in self.forms
            if form.cleaned_data.get("prerequisite") and not form.cleaned_data.get("DELETE")
        ]
        if self.instance.pk and self.instance in chosen:
            raise ValidationError("A concept cannot require itself.")
        cycle = self.instance.prerequisite_cycle(chosen)
        if cycle:
            chain = " → requires → ".join(concept.name for concept in cycle)
            raise ValidationError(
                f"These prerequisites would make a cycle: {chain}. Remove one of the links."
            )


class PrerequisiteInline(admin.TabularInline):
    model = ConceptPrerequisite
    fk_name = "concept"
    formset = PrerequisiteFormSet
    autocomplete_fields = ["prerequisite"]
    extra = 1
    verbose_name = "prerequisite"
    verbose_name_plural = "prerequisites (concepts to understand first)"


@admin.register(Concept)
class ConceptAdmin(admin.ModelAdmin):
    list_display = ["name", "name_zh", "area", "position", "resource_total"]
    list_filter = ["area"]
    list_editable = ["position"]
    search_fields = ["name", "name_zh", "slug", "summary"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [PrerequisiteInline]
    # Explicit: the Count annotation below drops Meta.ordering (GROUP BY), and the autocomplete
    # would page an unordered list (UnorderedObjectListWarning).
    ordering = Concept._meta.ordering

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        refresh_search_vectors(form.instance.resources.values_list("pk", flat=True))

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(resource_total=Count("resources"))

    @admin.display(description="resources", ordering="resource_total")
    def resource_total(self, obj):
        return obj.resource_total


class TagFilter(admin.SimpleListFilter):
    title = "tag"
    parameter_name = "tag"

    def lookups(self, request, model_admin):
        return Tag.objects.order_by("name").values_list("slug", "name")

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(tags__slug=self.value()).distinct()
        return queryset


class ConferenceEditionInline(admin.TabularInline):
    model = ConferenceEdition
    extra = 0
    fields = [
        "year", "starts_on", "ends_on", "location", "submission_deadline",
        "deadline_timezone", "url", "notes",
    ]  # fmt: skip


@admin.register(Resource)
class ResourceAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "level", "cost", "language", "year", "published"]
    list_filter = ["kind", "level", "cost", "language", "published", TagFilter]
    search_fields = ["title", "title_zh", "authors", "slug", "arxiv_id", "doi", "tags__name"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["concepts"]
    date_hierarchy = "created_at"
    actions = [publish, unpublish]
    publish_state = ("published", True)
    unpublish_state = ("published", False)
    readonly_fields = ["created_at", "updated_at"]
    inlines = [ConferenceEditionInline]
    fieldsets = [
        (None, {"fields": ["title", "title_zh", "slug", "kind", "url", "authors", "year"]}),
        (
            "For learners",
            {
                "fields": [
                    "description",
                    "level",
                    "estimated_hours",
                    "cost",
                    "language",
                    "concepts",
                    "tags",
                ]
            },
        ),
        ("Papers", {"fields": ["arxiv_id", "doi", "venue"], "classes": ["collapse"]}),
        ("Publishing", {"fields": ["published", "created_at", "updated_at"]}),
    ]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        refresh_search_vectors([form.instance.pk])

    def get_inlines(self, request, obj):
        # Editions belong to conferences and workshops only.
        return self.inlines if obj is not None and obj.is_event else []


@admin.register(ConferenceEdition)
class ConferenceEditionAdmin(admin.ModelAdmin):
    list_display = ["conference", "year", "starts_on", "location", "submission_deadline"]
    list_filter = ["year"]
    search_fields = ["conference__title", "location"]
    autocomplete_fields = ["conference"]
    list_select_related = ["conference"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "resource_total"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    ordering = ["name"]  # as ConceptAdmin: the Count annotation would leave it unordered

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        refresh_search_vectors(obj.tagged_resources.values_list("content_object_id", flat=True))

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(resource_total=Count("tagged_resources"))

    @admin.display(description="resources", ordering="resource_total")
    def resource_total(self, obj):
        return obj.resource_total
