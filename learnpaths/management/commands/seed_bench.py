"""A synthetic catalogue for `make bench`: N resources, N/50 concepts, N/30 paths of 4 stages ×
10 steps, N/2 learners with about 50 progress rows each. Bulk inserts; every row it makes has a
`bench-` slug or username, and a new run deletes exactly those rows first.

Resources' titles and descriptions draw on a vocabulary of --words distinct words (real words of
the field and model names first, made-up ones after) with Zipf-like frequencies, as a real
catalogue's do, so that a search word matches some resources and not nearly all of them. The
Chinese-language resources (a third) have a Chinese title and description made of standard
terms of the field; the multilingual ones a Chinese title and an English description with a
Chinese sentence. Everything is determined by --seed."""

# ruff: noqa: S311, S608 - synthetic data; the SQL holds table names from _meta, no input
from __future__ import annotations

import datetime as dt
import random
import time
from html import escape

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from learnpaths import services
from learnpaths.core.markdown import render_markdown
from learnpaths.models import (
    LearningPath,
    PathFollow,
    PathSearchTerm,
    Progress,
    Stage,
    Step,
    User,
)
from resources.invalidation import catalogue_changed
from resources.models import (
    EVENT_KINDS,
    MAX_POSITION,
    Concept,
    ConceptArea,
    ConceptPrerequisite,
    ConceptSearchTerm,
    ConferenceDeadline,
    ConferenceEdition,
    Cost,
    DeadlineKind,
    Language,
    Level,
    ResearchArea,
    Resource,
    ResourceKind,
    ResourceSearchTerm,
    Tag,
    TaggedResource,
)
from resources.search.index import index_stale

from ._bench_vocabulary import (
    CHINESE_CONNECTORS,
    CHINESE_TERMS,
    CONNECTORS,
    MODEL_NAMES,
    Zipf,
    vocabulary,
)

PREFIX = "bench-"
BENCH_PASSWORD = "bench-password-not-secret"  # noqa: S105  # nosec B105
WORDS = [
    "attention",
    "transformer",
    "convolution",
    "recurrent",
    "gradient",
    "descent",
    "optimisation",
    "embedding",
    "diffusion",
    "generative",
    "adversarial",
    "reinforcement",
    "policy",
    "graph",
    "neural",
    "network",
    "kernel",
    "regularisation",
    "dropout",
    "normalisation",
    "residual",
    "encoder",
    "decoder",
    "retrieval",
    "alignment",
    "scaling",
    "law",
    "tokenizer",
    "pretraining",
    "finetuning",
    "distillation",
    "quantisation",
    "inference",
    "vision",
    "language",
    "speech",
    "multimodal",
    "reasoning",
    "agent",
    "memory",
    "sparse",
    "mixture",
    "experts",
    "contrastive",
]
BATCH = 5000
# Descriptions are Markdown: "<first part> *Why it matters:* <second part>" (the Chinese ones
# with WHY_ZH). Their HTML is built directly (rendering 100,000 of them would take a minute);
# `Texts.check_html` compares it with render_markdown's on a sample.
WHY_EN = "Why it matters:"
WHY_ZH = "为什么重要："


def _sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize()


def _capitalised(words: list[str]) -> str:
    text = " ".join(words)
    return text[:1].upper() + text[1:]


class Texts:
    """Titles and descriptions of the synthetic resources, from a Zipf-distributed vocabulary."""

    def __init__(self, rng: random.Random, words: int):
        self.rng = rng
        self.words = Zipf(vocabulary(rng, words))
        self.terms = Zipf(list(CHINESE_TERMS), exponent=0.8)
        self.models = set(MODEL_NAMES)

    def title(self) -> str:
        rng = self.rng
        words = self.words.draw(rng, rng.randint(3, 7))
        if rng.random() < 0.35:
            words.insert(rng.randint(1, len(words) - 1), rng.choice(CONNECTORS))
        if words[0] in self.models and len(words) > 2:
            words[0] += ":"
        return _capitalised(words)

    def english(self, n: int) -> str:
        return _capitalised(self.words.draw(self.rng, n))

    def chinese(self, terms: int) -> str:
        """Terms joined as Chinese is written (no spaces), some with a connector between."""
        rng = self.rng
        parts = []
        for term in self.terms.draw(rng, terms):
            if parts and parts[-1] == term:
                continue
            if parts and rng.random() < 0.5:
                parts.append(rng.choice(CHINESE_CONNECTORS))
            parts.append(term)
        return "".join(parts)

    def chinese_title(self) -> str:
        return self.chinese(self.rng.randint(2, 4))

    def description(self, language: str) -> tuple[str, str]:
        """(Markdown, HTML) of a description in the resource's language."""
        rng = self.rng
        if language == "zh":
            first = "，".join(self.chinese(rng.randint(2, 4)) for _ in range(rng.randint(2, 4)))
            second = self.chinese(rng.randint(2, 3))
            return (
                f"{first}。*{WHY_ZH}*{second}。",
                f"<p>{escape(first)}。<em>{WHY_ZH}</em>{escape(second)}。</p>",
            )
        first = self.english(rng.randint(15, 35))
        second = self.english(rng.randint(6, 14))
        if language == "multi":
            second += "。" + self.chinese(rng.randint(2, 4))
        return (
            f"{first}. *{WHY_EN}* {second}",
            f"<p>{escape(first)}. <em>{WHY_EN}</em> {escape(second)}</p>",
        )

    def check_html(self) -> None:
        """The HTML built directly is what render_markdown makes of the same Markdown."""
        state = self.rng.getstate()
        for language in ("en", "zh", "multi"):
            markdown, html = self.description(language)
            if render_markdown(markdown) != html:
                raise AssertionError(f"{html!r} != {render_markdown(markdown)!r}")
        self.rng.setstate(state)


class Command(BaseCommand):
    help = "Replace the benchmark catalogue and learners (bench-*) with N synthetic resources."

    def add_arguments(self, parser):
        parser.add_argument("--resources", type=int, default=1000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--words", type=int, default=4000, help="distinct words of titles and descriptions"
        )

    def handle(self, *args, resources: int, seed: int, words: int, **options):
        started = time.monotonic()
        rng = random.Random(seed)  # nosec B311
        with transaction.atomic():
            self.delete_bench_rows()
            counts = self.create(rng, resources, Texts(rng, words))
            catalogue_changed()
        index_stale()  # the rows written above were queued by the database
        if connection.vendor == "postgresql":
            # As autovacuum would soon: statistics, and the visibility map that lets the search
            # index's lookups read the index alone (index-only scans) instead of the table.
            with connection.cursor() as cursor:
                # VACUUM cannot run in a transaction (a test's): statistics only, then.
                cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
        summary = ", ".join(f"{n} {name}" for name, n in counts.items())
        self.stdout.write(f"Benchmark data: {summary} in {time.monotonic() - started:.1f} s")

    def delete_bench_rows(self) -> None:
        # Plain DELETEs in dependency order: QuerySet.delete() would load every row to run
        # Python-side cascades, which takes minutes for hundreds of thousands of rows.
        # Every name below comes from model metadata and every value is a constant: no input.
        def table(model):
            return connection.ops.quote_name(model._meta.db_table)

        def ids(model, where: str) -> str:
            return f"SELECT id FROM {table(model)} WHERE {where}"  # nosec B608

        def delete(model, where: str) -> str:
            return f"DELETE FROM {table(model)} WHERE {where}"  # nosec B608

        users = ids(User, "username LIKE 'bench-%'")
        resources = ids(Resource, "slug LIKE 'bench-%'")
        paths = ids(LearningPath, "slug LIKE 'bench-%'")
        concepts = ids(Concept, "slug LIKE 'bench-%'")
        tagged = f"SELECT tag_id FROM {table(TaggedResource)}"  # nosec B608
        path_concepts = LearningPath.concepts.through
        resource_concepts = Resource.concepts.through
        progress_where = f"user_id IN ({users}) OR resource_id IN ({resources})"
        follow_where = f"user_id IN ({users}) OR path_id IN ({paths})"
        # Learners other than bench ones may have progress on bench resources or follow bench
        # paths: their cached pages must not show those rows any more (one UPDATE each, with
        # the same conditions as the DELETEs below as subqueries).
        bench_user = Q(user__username__startswith=PREFIX)
        services.progress_changed(
            Progress.objects.filter(bench_user | Q(resource__slug__startswith=PREFIX))
        )
        services.progress_changed(
            PathFollow.objects.filter(bench_user | Q(path__slug__startswith=PREFIX))
        )
        defines = Resource.defines.through
        editions = ids(ConferenceEdition, f"conference_id IN ({resources})")
        statements = [
            delete(Progress, progress_where),
            delete(PathSearchTerm, f"document_id IN ({paths})"),
            delete(ResourceSearchTerm, f"document_id IN ({resources})"),
            delete(ConceptSearchTerm, f"document_id IN ({concepts})"),
            delete(defines, f"resource_id IN ({resources}) OR concept_id IN ({concepts})"),
            delete(PathFollow, follow_where),
            delete(Step, f"path_id IN ({paths})"),
            delete(Stage, f"path_id IN ({paths})"),
            delete(path_concepts, f"learningpath_id IN ({paths})"),
            delete(LearningPath, f"id IN ({paths})"),
            delete(ConferenceDeadline, f"edition_id IN ({editions})"),
            # Workshops' editions and their hosts in one statement: no row is left pointing at
            # a deleted one.
            delete(ConferenceEdition, f"conference_id IN ({resources})"),
            delete(TaggedResource, f"content_object_id IN ({resources})"),
            delete(resource_concepts, f"resource_id IN ({resources})"),
            delete(Resource, f"id IN ({resources})"),
            delete(
                ConceptPrerequisite,
                f"concept_id IN ({concepts}) OR prerequisite_id IN ({concepts})",
            ),
            delete(path_concepts, f"concept_id IN ({concepts})"),
            delete(resource_concepts, f"concept_id IN ({concepts})"),
            delete(Concept, f"id IN ({concepts})"),
            delete(Tag, f"slug LIKE 'bench-%' AND id NOT IN ({tagged})"),
            delete(User, f"id IN ({users})"),
        ]
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)  # no parameters: "%" is literal for every driver

    def create_editions(self, rng: random.Random, resources: list, now) -> tuple[int, int]:
        """Last year's, this year's and next year's edition of every conference, each with
        five deadlines in a zone of its own around `now`; each workshop at a conference's
        edition of this year or next, with two. Returns (editions, deadlines)."""
        zones = ["AoE", "UTC", "America/Los_Angeles", "Europe/Paris", "Asia/Shanghai"]
        conferences = [r for r in resources if r.kind == ResourceKind.CONFERENCE]
        workshops = [r for r in resources if r.kind == ResourceKind.WORKSHOP]
        editions = ConferenceEdition.objects.bulk_create(
            (
                ConferenceEdition(
                    conference=c,
                    year=now.year + offset,
                    starts_on=(
                        start := (
                            now + dt.timedelta(days=offset * 365 + rng.randint(-150, 150))
                        ).date()
                    ),
                    ends_on=start + dt.timedelta(days=rng.randint(0, 6)),
                    location=f"Bench City {c.pk % 50}",
                    estimated=offset == 1 and rng.random() < 0.5,
                    notes=_sentence(rng, 6),
                )
                for c in conferences
                for offset in (-1, 0, 1)
            ),
            batch_size=BATCH,
        )
        hosts = [e for e in editions if e.year >= now.year]
        hosted = (
            ConferenceEdition.objects.bulk_create(
                (
                    ConferenceEdition(
                        conference=w,
                        year=(host := rng.choice(hosts)).year,
                        host=host,
                        starts_on=host.ends_on,
                        ends_on=host.ends_on,
                        location=host.location,
                    )
                    for w in workshops
                ),
                batch_size=BATCH,
            )
            if hosts
            else []
        )
        kinds = [DeadlineKind.ABSTRACT, DeadlineKind.PAPER, DeadlineKind.REBUTTAL,
                 DeadlineKind.NOTIFICATION, DeadlineKind.CAMERA_READY]  # fmt: skip
        deadlines = []
        for edition in [*editions, *hosted]:
            start = dt.datetime.combine(edition.starts_on, dt.time(23, 59), tzinfo=dt.UTC)
            zone = rng.choice(zones)
            chosen = kinds if edition.host is None else kinds[1::2]
            for step, kind in enumerate(chosen):
                due = start - dt.timedelta(days=200 - 40 * step)
                deadlines.append(
                    ConferenceDeadline(
                        edition=edition, kind=kind, due=due, timezone=zone,
                        estimated=edition.estimated,
                    )
                )  # fmt: skip
        ConferenceDeadline.objects.bulk_create(deadlines, batch_size=BATCH)
        return len(editions) + len(hosted), len(deadlines)

    def create(self, rng: random.Random, n: int, texts: Texts) -> dict[str, int]:
        now = timezone.now()
        texts.check_html()
        # Markdown is rendered once per distinct text, not once per row (resources' descriptions:
        # see Texts).
        notes = {text: render_markdown(text) for text in (_sentence(rng, 20) for _ in range(40))}
        summaries = {
            text: render_markdown(text) for text in (_sentence(rng, 15) for _ in range(30))
        }

        n_concepts = max(n // 50, 5)
        areas = ConceptArea.values
        concepts = Concept.objects.bulk_create(
            Concept(
                name=f"Bench concept {i}",
                slug=f"{PREFIX}concept-{i}",
                name_zh=f"基准概念{i}",
                area=areas[i % len(areas)],
                # Its place within its area (the positions stop at MAX_POSITION).
                position=min(i // len(areas), MAX_POSITION),
                summary=(summary := rng.choice(list(summaries))),
                summary_html=summaries[summary],
            )
            for i in range(n_concepts)
        )
        prerequisites = {
            (c.pk, p.pk)
            for i, c in enumerate(concepts[1:], start=1)
            for p in rng.sample(concepts[:i], min(i, rng.randint(0, 3)))
        }
        ConceptPrerequisite.objects.bulk_create(
            ConceptPrerequisite(concept_id=c, prerequisite_id=p) for c, p in prerequisites
        )
        tags = Tag.objects.bulk_create(
            Tag(name=f"bench-{word}-{i}", slug=f"{PREFIX}{word}-{i}")
            for i in range(20)
            for word in WORDS[:10]
        )
        kinds, levels = ResourceKind.values, Level.values
        languages = Language.values
        areas_of_events = ResearchArea.values

        def resource(i: int) -> Resource:
            language = languages[i % len(languages)]
            description, description_html = texts.description(language)
            return Resource(
                title=texts.title(),
                title_zh=texts.chinese_title() if language != "en" else "",
                slug=f"{PREFIX}resource-{i}",
                kind=kinds[i % len(kinds)],
                url=f"https://example.org/bench/{i}",
                authors="Bench Author, Another Author",
                year=1990 + i % 35,
                description=description,
                description_html=description_html,
                level=levels[i % len(levels)],
                estimated_hours=1 + i % 40,
                cost=Cost.values[i % len(Cost.values)],
                language=language,
                research_area=areas_of_events[i % len(areas_of_events)]
                if kinds[i % len(kinds)] in EVENT_KINDS
                else "",
            )

        resources = Resource.objects.bulk_create((resource(i) for i in range(n)), batch_size=BATCH)
        TaggedResource.objects.bulk_create(
            (
                TaggedResource(content_object_id=r.pk, tag_id=t.pk)
                for r in resources
                for t in rng.sample(tags, 3)
            ),
            batch_size=BATCH,
        )
        through = Resource.concepts.through
        through.objects.bulk_create(
            (
                through(resource_id=r.pk, concept_id=c.pk)
                for r in resources
                for c in rng.sample(concepts, 2)
            ),
            batch_size=BATCH,
        )

        n_editions, n_deadlines = self.create_editions(rng, resources, now)

        n_paths = max(n // 30, 1)
        paths = LearningPath.objects.bulk_create(
            LearningPath(
                title=f"Bench path {i}: {_sentence(rng, 3)}",
                slug=f"{PREFIX}path-{i}",
                summary=(summary := rng.choice(list(summaries))),
                summary_html=summaries[summary],
                level=levels[i % len(levels)],
                status="published",
                featured=i < 6,
            )
            for i in range(n_paths)
        )
        path_concepts = LearningPath.concepts.through
        path_concepts.objects.bulk_create(
            path_concepts(learningpath_id=p.pk, concept_id=c.pk)
            for p in paths
            for c in rng.sample(concepts, 3)
        )
        stages = Stage.objects.bulk_create(
            (
                Stage(path=p, position=s, title=f"Stage {s}", goal=_sentence(rng, 10))
                for p in paths
                for s in range(1, 5)
            ),
            batch_size=BATCH,
        )
        path_resources: dict[int, list[int]] = {}
        steps = []
        for stage in stages:
            taken = path_resources.setdefault(stage.path_id, [])
            for position in range(1, 11):
                resource = rng.choice(resources)
                while resource.pk in taken:
                    resource = rng.choice(resources)
                taken.append(resource.pk)
                note = rng.choice(list(notes))
                steps.append(
                    Step(
                        stage=stage,
                        path_id=stage.path_id,
                        position=position,
                        resource_id=resource.pk,
                        note=note,
                        note_html=notes[note],
                        optional=position == 10,
                    )
                )
        Step.objects.bulk_create(steps, batch_size=BATCH)

        password = make_password(BENCH_PASSWORD)  # hashed once: hashing is slow on purpose
        users = User.objects.bulk_create(
            (
                User(username=f"{PREFIX}learner-{i}", email=f"{PREFIX}learner-{i}@example.org",
                     password=password)
                for i in range(max(n // 2, 1))
            ),
            batch_size=BATCH,
        )  # fmt: skip
        follows, progress = [], []
        for user in users:
            followed = rng.sample(paths, min(2, len(paths)))
            if user.username == f"{PREFIX}learner-0":
                # The learner the benchmark signs in as; never the same path twice.
                followed = [paths[0], *[p for p in followed if p != paths[0]]][: len(followed)]
            follows += [PathFollow(user=user, path=p) for p in followed]
            pool = [pk for p in followed for pk in path_resources[p.pk]]
            chosen = set(rng.sample(pool, min(35, len(pool))))
            while len(chosen) < 50:
                chosen.add(rng.choice(resources).pk)
            for resource_id in chosen:
                done = rng.random() < 0.7
                progress.append(
                    Progress(
                        user=user,
                        resource_id=resource_id,
                        status="done" if done else "in_progress",
                        started_at=now,
                        completed_at=now if done else None,
                    )
                )
        PathFollow.objects.bulk_create(follows, batch_size=BATCH)
        Progress.objects.bulk_create(progress, batch_size=BATCH)
        # New learners' rows: no page was ever cached under their new ids, so no version to
        # raise (the old bench learners, deleted above, had theirs raised there).
        return {
            "resources": len(resources),
            "concepts": len(concepts),
            "paths": len(paths),
            "editions": n_editions,
            "deadlines": n_deadlines,
            "steps": len(steps),
            "learners": len(users),
            "progress rows": len(progress),
        }
