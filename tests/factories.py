"""factory_boy factories for the catalogue and learners: each call saves a new, valid row.

Tests mostly reach them through the `make` fixture of tests/conftest.py (`make.resource(...)`,
`make.path(stages=2, steps_per_stage=3)`); any field can be given to override its default.
"""

from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from learnpaths.models import LearningPath, PathStatus, Stage, Step, User
from resources.models import Concept, Resource

PASSWORD = "correct horse battery staple"


class ConceptFactory(DjangoModelFactory):
    class Meta:
        model = Concept

    name = factory.Sequence(lambda n: f"Concept {n}")
    slug = factory.Sequence(lambda n: f"concept-{n}")
    name_zh = factory.Sequence(lambda n: f"概念{n}")
    area = "foundations"
    summary = factory.Sequence(lambda n: f"Summary of concept {n}.")


class ResourceFactory(DjangoModelFactory):
    """A published book; `tags=["nlp"]` and `concepts=[concept]` attach those after saving."""

    class Meta:
        model = Resource
        skip_postgeneration_save = True  # the hooks below write their own rows

    title = factory.Sequence(lambda n: f"Resource {n}")
    slug = factory.Sequence(lambda n: f"resource-{n}")
    kind = "book"
    url = factory.Sequence(lambda n: f"https://example.org/{n}")
    year = factory.Sequence(lambda n: 2000 + n % 25)
    estimated_hours = 5

    @factory.post_generation
    def tags(self, create, names, **kwargs):
        if create and names:
            self.tags.add(*names)

    @factory.post_generation
    def concepts(self, create, concepts, **kwargs):
        if create and concepts:
            self.concepts.add(*concepts)


class PathFactory(DjangoModelFactory):
    """A published path; `stages=S, stages__steps_per_stage=T` give it S stages (default 1) of T
    steps (default 1), each step a new resource (`StepFactory`)."""

    class Meta:
        model = LearningPath
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Path {n}")
    slug = factory.Sequence(lambda n: f"path-{n}")
    summary = "A path."
    status = PathStatus.PUBLISHED

    @factory.post_generation
    def stages(self, create, count, steps_per_stage=1, **kwargs):
        if not create:
            return
        for position in range(1, (1 if count is None else count) + 1):
            stage = StageFactory(path=self, position=position)
            for step_position in range(1, steps_per_stage + 1):
                StepFactory(stage=stage, position=step_position)


class StageFactory(DjangoModelFactory):
    class Meta:
        model = Stage

    path = factory.SubFactory(PathFactory, stages=0)
    position = 1
    title = factory.LazyAttribute(lambda stage: f"Stage {stage.position}")
    goal = "Goal."


class StepFactory(DjangoModelFactory):
    class Meta:
        model = Step

    stage = factory.SubFactory(StageFactory)
    position = 1
    resource = factory.SubFactory(ResourceFactory)
    note = "Why."


class UserFactory(DjangoModelFactory):
    """A learner who can sign in with PASSWORD (or `password=`)."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"learner{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")

    @classmethod
    def _create(cls, model_class, *args, password: str = PASSWORD, **kwargs):
        # create_user hashes the password and normalises the e-mail, as sign-up does.
        return model_class.objects.create_user(*args, password=password, **kwargs)
