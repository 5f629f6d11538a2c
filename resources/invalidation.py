"""Bump the catalogue version whenever curated content is saved or deleted.

Why signals here, against the house style: curators change the catalogue through many doors —
admin forms with inlines, the admin's bulk delete, `manage.py seed`/catalogue import, the shell —
and a fragment cache that misses one door shows stale pages. Model signals see every row-level
save, delete and many-to-many change in this one module. Bulk writes (`bulk_create`, `update`)
bypass signals, so the code that does them bumps explicitly: catalogue import, `seed_bench`, and
publishing (`Resource.objects.set_published`, `LearningPath.objects.set_status`, which the
admin's Publish/Unpublish actions call). Outside tests, curated rows are never written with a
bare `update()` elsewhere. The handler only bumps a counter: no business logic lives in signals.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save

from resources.versions import bump_catalogue_version


def _catalogue_changed(sender, **kwargs) -> None:
    if kwargs.get("raw"):
        return  # loaddata: the caller bumps once at the end
    action = kwargs.get("action")
    if action is not None and not action.startswith("post_"):
        return  # m2m_changed fires before and after; one bump, after
    bump_catalogue_version()


def curated(*models, through=()) -> None:
    """Raise the catalogue version whenever a row of `models` is saved or deleted, or a
    many-to-many relation in `through` changes. The catalogue calls it for its own models; an
    app above it (learning paths) for the curated models it adds to the public pages."""
    for model in models:
        post_save.connect(_catalogue_changed, sender=model, dispatch_uid=f"catalogue-{model}")
        post_delete.connect(_catalogue_changed, sender=model, dispatch_uid=f"catalogue-d-{model}")
    for relation in through:
        uid = f"catalogue-{relation}"
        m2m_changed.connect(_catalogue_changed, sender=relation, dispatch_uid=uid)


def connect() -> None:
    from resources.models import (
        Concept,
        ConceptPrerequisite,
        ConferenceEdition,
        Resource,
        Tag,
        TaggedResource,
    )

    curated(
        Concept,
        ConceptPrerequisite,
        Resource,
        Tag,
        TaggedResource,
        ConferenceEdition,
        through=[Resource.concepts.through],
    )
