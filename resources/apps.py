from django.apps import AppConfig


class ResourcesConfig(AppConfig):
    name = "resources"
    verbose_name = "Catalogue"

    def ready(self) -> None:
        from learnpaths.core import cache
        from resources import invalidation, versions

        cache.use_version(versions.catalogue_version)
        invalidation.connect()
