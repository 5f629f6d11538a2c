from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResourcesConfig(AppConfig):
    name = "resources"
    verbose_name = _("Catalogue")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from learnpaths.core import cache
        from resources import invalidation, versions
        from resources.models import (
            Concept,
            ConceptPrerequisite,
            ConferenceDeadline,
            ConferenceEdition,
            Resource,
            Synonym,
            Tag,
            TaggedResource,
        )
        from resources.search.documents import register_catalogue

        cache.use_version(versions.catalogue_version)
        register_catalogue()
        post_migrate.connect(_install_search_triggers, sender=self)
        invalidation.curated(
            Concept,
            ConceptPrerequisite,
            Resource,
            Tag,
            TaggedResource,
            ConferenceEdition,
            ConferenceDeadline,
            Synonym,
            # `defines` too: a concept's page marks the papers that introduced it; `core_for`
            # decides when a concept is done.
            through=[
                Resource.concepts.through,
                Resource.defines.through,
                Resource.core_for.through,
            ],
        )


def _install_search_triggers(sender, using="default", **kwargs) -> None:
    # After every migrate: SQLite drops a table's triggers whenever a migration rebuilds it,
    # and a deploy that changed the search's text rules or dictionary rebuilds the index.
    from resources.search.index import ensure_analyser, install_triggers

    install_triggers(using)
    ensure_analyser(using)
