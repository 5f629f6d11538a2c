from django.apps import AppConfig


class LearnpathsConfig(AppConfig):
    name = "learnpaths"
    verbose_name = "Learning paths and progress"

    def ready(self) -> None:
        from learnpaths import invalidation

        invalidation.connect()
