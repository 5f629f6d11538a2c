from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LearnpathsConfig(AppConfig):
    name = "learnpaths"
    verbose_name = _("Learning paths and progress")

    def ready(self) -> None:
        from learnpaths.core import languages  # noqa: F401 (connects its pre_save receiver)
        from learnpaths.models import (
            LearningPath,
            SelfCheck,
            Stage,
            Step,
            published_paths_using,
        )
        from learnpaths.search import register_paths
        from resources import invalidation
        from resources.models import UNPUBLISH_GUARDS

        register_paths()
        invalidation.curated(
            LearningPath,
            Stage,
            Step,
            SelfCheck,
            through=[LearningPath.concepts.through, LearningPath.previous_paths.through],
        )
        if published_paths_using not in UNPUBLISH_GUARDS:
            UNPUBLISH_GUARDS.append(published_paths_using)
