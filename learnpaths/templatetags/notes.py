from django import template

from learnpaths.fragments import note_html

register = template.Library()


@register.simple_tag(takes_context=True)
def note_form(context, resource, note):
    """The signed-in learner's note on `resource` with its form, `note` theirs or None (see
    learnpaths.fragments.note_html); nothing for anonymous visitors."""
    return note_html(
        context["request"],
        resource_id=resource.pk,
        resource_slug=resource.slug,
        resource_title=resource.title,
        note=note,
    )
