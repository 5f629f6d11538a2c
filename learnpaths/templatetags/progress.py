from django import template

from learnpaths.fragments import progress_form as build_progress_form
from learnpaths.fragments import step_counts as build_step_counts

register = template.Library()


@register.simple_tag(takes_context=True)
def progress_form(context, resource, status, target, changed=False):
    """The status buttons for one resource (see learnpaths.fragments.progress_form); `changed`
    in the htmx answer to a status change."""
    return build_progress_form(
        context["request"],
        resource_slug=resource.slug,
        resource_title=resource.title,
        status=status,
        target=target,
        changed=changed,
    )


@register.simple_tag
def step_counts(tally):
    """ "12/12 required · 2/5 optional · 3 skipped" (see learnpaths.fragments.step_counts)."""
    return build_step_counts(tally)
