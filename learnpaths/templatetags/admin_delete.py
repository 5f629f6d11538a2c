"""What the admin's "cannot delete" pages for resources say instead (unpublish)."""

from django import template
from django.contrib import admin
from django.db.models import Case, Exists, Max, OuterRef, Value, When

from learnpaths.models import PathStatus, Progress, Step
from resources.models import Resource

register = template.Library()


@register.simple_tag
def admin_action_label(opts, name: str) -> str:
    """The label of the admin action `name` of the model whose `_meta` is `opts`, as its list
    of actions shows it (so the text naming it can never drift from the real action)."""
    _, _, description = admin.site._registry[opts.model].get_action(name)
    return str(description)


@register.simple_tag
def resource_delete_blockers(resources) -> dict[str, bool]:
    """What keeps these resources (one Resource or a queryset of them) from being deleted:
    {"steps": a path uses one, "published_steps": a published path does, "progress": a learner
    has progress on one}. One query."""
    pks = [resources.pk] if isinstance(resources, Resource) else resources.values("pk")
    steps = Step.objects.filter(resource=OuterRef("pk"))
    found = Resource.objects.filter(pk__in=pks).aggregate(
        steps=_any(Exists(steps)),
        published_steps=_any(Exists(steps.filter(path__status=PathStatus.PUBLISHED))),
        progress=_any(Exists(Progress.objects.filter(resource=OuterRef("pk")))),
    )
    return {key: bool(value) for key, value in found.items()}


def _any(condition):
    return Max(Case(When(condition, then=Value(1)), default=Value(0)))
