from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResourcesConfig(AppConfig):
    name = "resources"
    verbose_name = _("Catalogue")

    def ready(self) -> None:
        from learnpaths.core import cache
        from resources import invalidation, versions
        from resources.models import (
            Concept,
            ConceptPrerequisite,
            ConferenceEdition,
            Resource,
            Tag,
            TaggedResource,
        )

        cache.use_version(versions.catalogue_version)
        invalidation.curated(
            Concept,
            ConceptPrerequisite,
            Resource,
            Tag,
            TaggedResource,
            ConferenceEdition,
            through=[Resource.concepts.through],
        )
