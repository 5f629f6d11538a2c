"""Making cached pages current: the one module that knows how.

Every cached page and structure is stored under the catalogue version (learnpaths.core.cache),
one number in the database; `catalogue_changed()` raises it, so every older value is
unreachable at once, on every app server. Every write to curated content comes through here:

- row-level saves, deletes and many-to-many changes, through model signals (below): curators
  change the catalogue through many doors — admin forms with inlines, the admin's bulk delete,
  `manage.py seed`, the shell — and a cache that misses one door shows stale pages;
- bulk writes, which signals do not see, call `catalogue_changed()` themselves: publishing
  (`Resource.objects.set_published`, `LearningPath.objects.set_status`, which the admin's
  Publish/Unpublish actions call), the catalogue import and `seed_bench`.

No database trigger raises the catalogue version: the code that writes is the code that says
so. (A learner's own pages are versioned by `User.progress_version`, which the progress
services raise.) The handler only raises a counter: no business logic lives in signals.
"""

from django.apps import apps
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.signals import m2m_changed, post_delete, post_save

VERSION_PK = 1  # the one row of CatalogueVersion


def catalogue_changed() -> None:
    """Make every cached catalogue page and structure stale (raise the catalogue version by
    one). Part of the caller's transaction: rolled back with it, seen by others at commit."""
    # Looked up, not imported: the models call this module (publishing), so it imports none.
    CatalogueVersion = apps.get_model("resources", "CatalogueVersion")
    rows = CatalogueVersion.objects.filter(pk=VERSION_PK)
    if rows.update(number=F("number") + 1):
        return
    # The row is missing (a test database that was flushed): create it, once.
    try:
        with transaction.atomic():
            CatalogueVersion.objects.create(pk=VERSION_PK, number=1)
    except IntegrityError:
        rows.update(number=F("number") + 1)


def _catalogue_changed(sender, **kwargs) -> None:
    if kwargs.get("raw"):
        return  # loaddata: the caller raises the version once at the end
    action = kwargs.get("action")
    if action is not None and not action.startswith("post_"):
        return  # m2m_changed fires before and after; once, after
    catalogue_changed()


def curated(*models, through=()) -> None:
    """Raise the catalogue version whenever a row of `models` is saved or deleted, or a
    many-to-many relation in `through` changes. The catalogue's app calls it for its own models
    (resources.apps), an app above it (learning paths) for the curated models it adds to the
    public pages."""
    for model in models:
        post_save.connect(_catalogue_changed, sender=model, dispatch_uid=f"catalogue-{model}")
        post_delete.connect(_catalogue_changed, sender=model, dispatch_uid=f"catalogue-d-{model}")
    for relation in through:
        uid = f"catalogue-{relation}"
        m2m_changed.connect(_catalogue_changed, sender=relation, dispatch_uid=uid)
