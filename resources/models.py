"""The catalogue: concepts, resources (with tags) and conference editions."""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
import zoneinfo
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from urllib.parse import quote

from django.core.exceptions import ValidationError
from django.core.validators import (
    MaxLengthValidator,
    MaxValueValidator,
    MinValueValidator,
    RegexValidator,
    URLValidator,
)
from django.db import models, transaction
from django.db.models import Q
from django.db.models.functions import Coalesce, Lower
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.text import slugify
from django.utils.translation import get_language, gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager, _TaggableManager
from taggit.models import TagBase, TaggedItemBase

from learnpaths.core.graphs import cycle_through
from learnpaths.core.markdown import render_markdown, render_markdown_fields
from resources.invalidation import catalogue_changed

HTTP_URL_CHECK = Q(url__startswith="http://") | Q(url__startswith="https://")

# Ranges of the curated integers: what a curator may enter, far inside what the columns hold
# (a small integer stops at 32767), so that no value accepted by a form or the import can
# overflow a column later. Positions are orders within a list (concepts of an area, stages of a
# path, steps of a stage); a thousand is more than any list needs.
MAX_POSITION = 999
MIN_YEAR, MAX_YEAR = 1900, 2100
MAX_HOURS = 2000

# Lengths of the Markdown fields, in characters: rendering grows with the text, so a field is
# bounded where it is entered (forms, admin, import) to keep a save and a page small. Far above
# any curated text (the longest seeded concept body is about 1 600 characters): a description
# or body of several pages, a note of a few paragraphs, a summary or goal of a short paragraph.
MAX_MARKDOWN_LENGTH = 20_000
MAX_NOTE_LENGTH = 5_000
MAX_SUMMARY_LENGTH = 1_000


def bounded_text(max_length: int) -> dict:
    """The keyword arguments of a TextField holding at most `max_length` characters: the form
    field gets `max_length` (and the textarea its maxlength), model validation (the import
    calls `full_clean`) the validator, as Django checks a TextField's length only in forms."""
    return {"max_length": max_length, "validators": [MaxLengthValidator(max_length)]}


def _has_dot_segment(identifier: str) -> bool:
    return any(part in {".", ".."} for part in identifier.split("/"))


def validate_doi(value: str) -> None:
    """A DOI: `10.<registrant>/<suffix>`, without spaces or control characters, and with no "."
    or ".." between slashes: a browser resolves those in the link (10.1000/x/../../10.9999/evil
    would lead to doi.org/10.9999/evil)."""
    if not DOI_PATTERN.fullmatch(value) or _has_dot_segment(value):
        raise ValidationError(
            _("Enter a DOI such as 10.1038/nature14539 (no “.” or “..” between slashes)."),
            code="invalid",
        )


DOI_PATTERN = re.compile(r"10\.\d{4,9}/[^\s\x00-\x1f\x7f]+")


def identifier_url(base: str, identifier: str) -> str:
    """The link to `identifier` (a DOI, an arXiv id) under `base`, or "" without one.

    The identifier is percent-encoded: a DOI may contain "#", "?" or "%" (10.1000/abc#def
    would otherwise resolve as 10.1000/abc). "/" separates its parts and stays. A part that is
    "." or ".." (stored before the validators refused it) has its dots encoded twice, as %252E:
    browsers resolve "%2E" like "." (WHATWG URL), and the link must stay on the identifier.
    """
    if not identifier:
        return ""
    parts = [
        part.replace(".", "%252E") if part in {".", ".."} else quote(part, safe="")
        for part in identifier.split("/")
    ]
    return base + "/".join(parts)


class WebURLField(models.URLField):
    """A URL that must be http or https; forms complete a bare domain with https://."""

    default_validators = [URLValidator(schemes=["http", "https"])]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 500)
        super().__init__(*args, **kwargs)

    def formfield(self, **kwargs):
        return super().formfield(**{"assume_scheme": "https", **kwargs})


def choice_label(choices: type[models.TextChoices], value: str) -> str:
    """The label of `value` in the active language, or the value itself if it is not one of
    `choices`. Used instead of `get_FOO_display()`, which hashes every lazy label of the field
    (a translation each) on each call: 10 µs against 85 µs for a resource's kind."""
    try:
        return str(choices(value).label)
    except ValueError:
        return value


class Level(models.TextChoices):
    BEGINNER = "beginner", _("Beginner")
    INTERMEDIATE = "intermediate", _("Intermediate")
    ADVANCED = "advanced", _("Advanced")


class ConceptArea(models.TextChoices):
    FOUNDATIONS = "foundations", _("Foundations")
    ARCHITECTURES = "architectures", _("Architectures")
    # "Language" names the area of language models, not a resource's language.
    LANGUAGE = "language", pgettext_lazy("concept area", "Language")
    VISION = "vision", _("Vision")
    LARGE_MODELS = "large-models", _("Large models")
    REASONING = "reasoning", _("Reasoning and knowledge")
    RESPONSIBLE = "responsible", _("Trustworthy and efficient AI")


def chinese_name_first(name_zh: str) -> bool:
    """Whether a concept is named by its Chinese name first: on a Chinese page, if it has one."""
    return bool(name_zh) and get_language() == "zh-hans"


def concept_names(name: str, name_zh: str) -> tuple[str, str, str]:
    """(the name in the page's language, the name in the other, the other's language tag):
    ("Attention", "注意力机制", "zh-Hans") on an English page, ("注意力机制", "Attention",
    "en") on a Chinese one; the other is "" when the concept has no Chinese name."""
    if chinese_name_first(name_zh):
        return name_zh, name, "en"
    return name, name_zh, "zh-Hans"


def local_concept_name(name: str, name_zh: str) -> str:
    """A concept's name on a page in the active language: the Chinese one on a Chinese page
    (when it has one), else the English one."""
    return name_zh if chinese_name_first(name_zh) else name


class ConceptQuerySet(models.QuerySet):
    def for_list(self) -> ConceptQuerySet:
        """Concepts in map order with the number of published resources on each."""
        return self.annotate(
            resource_count=models.Count("resources", filter=Q(resources__published=True))
        ).order_by("area", "position", "name")


class Concept(models.Model):
    name = models.CharField(_("name"), max_length=120, unique=True)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=60, help_text=_("e.g. 卷积神经网络"))
    area = models.CharField(_("area"), max_length=20, choices=ConceptArea.choices)
    position = models.PositiveSmallIntegerField(
        _("position"),
        default=0,
        validators=[MaxValueValidator(MAX_POSITION)],
        help_text=_("Order within its area on the concept map (0–999)."),
    )
    summary = models.TextField(
        _("summary"),
        help_text=_("One or two sentences, Markdown."),
        **bounded_text(MAX_SUMMARY_LENGTH),
    )
    summary_html = models.TextField(_("summary html"), editable=False, default="")
    body = models.TextField(
        _("body"),
        blank=True,
        help_text=_("The explanation, in Markdown."),
        **bounded_text(MAX_MARKDOWN_LENGTH),
    )
    body_html = models.TextField(_("body html"), editable=False, default="")
    prerequisites = models.ManyToManyField(
        "self",
        verbose_name=_("prerequisites"),
        through="ConceptPrerequisite",
        symmetrical=False,
        related_name="leads_to",
        blank=True,
        help_text=_("Concepts to understand first. Cycles are refused."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ConceptQuerySet.as_manager()

    class Meta:
        verbose_name = _("concept")
        verbose_name_plural = _("concepts")
        ordering = ["area", "position", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(position__lte=MAX_POSITION), name="concept_position_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.name_zh})"

    def save(self, *args, **kwargs) -> None:
        render_markdown_fields(self, ("summary", "summary_html"), ("body", "body_html"))
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("concept-detail", kwargs={"slug": self.slug})

    @property
    def area_label(self) -> str:
        return choice_label(ConceptArea, self.area)

    @property
    def names(self) -> tuple[str, str, str]:
        """The concept's names in the page's language first (`concept_names`)."""
        return concept_names(self.name, self.name_zh)

    @property
    def local_name(self) -> str:
        """The name in the page's language (the English one where there is no Chinese)."""
        return self.names[0]

    def prerequisite_cycle(self, prerequisites) -> list[Concept] | None:
        """The chain that would become a cycle if `prerequisites` were this concept's, or None.

        Returned as [self, ..., self] so that a message can name every concept on it.
        """
        if self.pk is None:
            return None  # nothing can require a concept that does not exist yet
        edges: dict[int, list[int]] = {}
        for concept_id, prerequisite_id in ConceptPrerequisite.objects.exclude(
            concept_id=self.pk
        ).values_list("concept_id", "prerequisite_id"):
            edges.setdefault(concept_id, []).append(prerequisite_id)
        edges[self.pk] = [p.pk for p in prerequisites]
        ids = cycle_through(self.pk, edges)
        if ids is None:
            return None
        by_id = Concept.objects.in_bulk(ids)
        return [by_id[i] for i in ids]


class ConceptPrerequisite(models.Model):
    """`concept` requires `prerequisite`."""

    concept = models.ForeignKey(
        Concept,
        on_delete=models.CASCADE,
        related_name="prerequisite_links",
        verbose_name=_("concept"),
    )
    prerequisite = models.ForeignKey(
        Concept,
        on_delete=models.CASCADE,
        related_name="dependent_links",
        verbose_name=_("prerequisite"),
    )

    class Meta:
        verbose_name = _("concept prerequisite")
        verbose_name_plural = _("concept prerequisites")
        constraints = [
            models.UniqueConstraint(
                fields=["concept", "prerequisite"], name="concept_prerequisite_unique"
            ),
            models.CheckConstraint(
                condition=~Q(concept=models.F("prerequisite")),
                name="concept_prerequisite_not_self",
                violation_error_message=_("A concept cannot require itself."),
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(concept)s requires %(prerequisite)s") % {
            "concept": self.concept.name,
            "prerequisite": self.prerequisite.name,
        }


TAG_SLUG_LENGTH = 100


def tag_slug_base(name: str) -> str:
    """A readable slug for a tag name, never empty: its letters and digits in any script
    (`注意力` → `注意力`, `Ünïcode` → `ünïcode`); for a name of symbols only, the Unicode names of
    the symbols (`∇` → `nabla`, `🔥` → `fire`); `tag` when even those give nothing."""
    slug = slugify(name, allow_unicode=True)
    if not slug:
        # Marks, joiners, variation selectors and spaces would only add noise to the name.
        symbols = [
            unicodedata.name(char, "")
            for char in name
            if unicodedata.category(char)[0] not in "MCZ"
        ]
        slug = slugify(" ".join(symbols))
    # Room for a "-<n>" suffix that makes it unique.
    return slug[: TAG_SLUG_LENGTH - 8].strip("-_") or "tag"


def unique_tag_slug(base: str, taken: Collection[str]) -> str:
    """`base`, or `base-2`, `base-3`… : the first one not in `taken`."""
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


# Zero-width (non-)joiners belong to words in some scripts (Persian, Hindi) and to emoji
# sequences (👩‍💻); every other control, format or separator character is refused in a tag name.
TAG_NAME_JOINERS = {"\u200c", "\u200d"}
TAG_NAME_MAX_LENGTH = 100


def normalise_tag_name(name: str) -> str:
    """A tag name as stored and looked up: NFKC-normalised (the ligature "ﬁne" is "fine", the
    full-width "Ｃ＋＋" is "C++") and without surrounding spaces."""
    return unicodedata.normalize("NFKC", name).strip()


def validate_tag_name(value: str) -> None:
    """Refuse control, invisible formatting and line-separator characters (Unicode Cc, Cf, Zl,
    Zp): they would be written into pages and links as they are, unseen."""
    if any(
        unicodedata.category(char) in {"Cc", "Cf", "Zl", "Zp"} and char not in TAG_NAME_JOINERS
        for char in value
    ):
        raise ValidationError(
            _("A tag name cannot contain control or invisible characters."), code="invisible"
        )


class CuratedTagsManager(_TaggableManager):
    """Tags given by name (admin, import, shell) are normalised before they are looked up, so
    that look-alikes resolve to one tag; names with control characters are refused."""

    def _to_tag_model_instances(self, tags, tag_kwargs):
        tags = [normalise_tag_name(tag) if isinstance(tag, str) else tag for tag in tags]
        for tag in tags:
            if isinstance(tag, str):
                validate_tag_name(tag)
        return super()._to_tag_model_instances(tags, tag_kwargs)


class CuratedTags(TaggableManager):
    """A resource's tags: names are normalised (`CuratedTagsManager`), and the form field
    refuses control characters with a form error."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("manager", CuratedTagsManager)
        super().__init__(*args, **kwargs)

    def formfield(self, **kwargs):
        field = super().formfield(**kwargs)
        field.validators.append(validate_tag_name)
        return field


class Tag(TagBase):
    # Redeclared to refuse invisible characters (`save` and `clean` normalise it).
    name = models.CharField(
        _("name"),
        unique=True,
        max_length=TAG_NAME_MAX_LENGTH,
        validators=[validate_tag_name],
    )
    # Redeclared to let a curator leave it empty: `save` then makes one from the name.
    slug = models.SlugField(
        _("slug"),
        unique=True,
        max_length=TAG_SLUG_LENGTH,
        allow_unicode=True,
        blank=True,
        help_text=_("Leave empty to make it from the name."),
    )

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        constraints = [
            # The tag's page is reached by its slug: an empty one could not be linked to.
            models.CheckConstraint(condition=~Q(slug=""), name="tag_slug_not_empty"),
            # Tags are matched ignoring case (TAGGIT_CASE_INSENSITIVE): "Attention" next to
            # "attention" would be two tags that no lookup can tell apart.
            models.UniqueConstraint(
                Lower("name"),
                name="tag_name_unique_ignoring_case",
                violation_error_message=_(
                    "A tag with this name already exists (tag names ignore case)."
                ),
            ),
        ]

    def clean(self) -> None:
        # Before the constraints are checked, so that a form may leave the slug empty and the
        # normalised name is the one compared with the other tags'.
        self.name = normalise_tag_name(self.name)
        self.fill_slug()

    def save(self, *args, **kwargs) -> None:
        self.name = normalise_tag_name(self.name)
        self.fill_slug()
        super().save(*args, **kwargs)

    def fill_slug(self) -> None:
        """Give the tag a slug made from its name, unique among tags, if it has none."""
        if self.slug:
            return
        base = tag_slug_base(self.name)
        taken = (
            Tag.objects.exclude(pk=self.pk)
            .filter(slug__startswith=base)
            .values_list("slug", flat=True)
        )
        self.slug = unique_tag_slug(base, set(taken))

    def slugify(self, tag: str, i: int | None = None) -> str:
        # taggit's hook; `save` has normally chosen the slug before taggit would call it.
        base = tag_slug_base(tag)
        return base if i is None else f"{base}-{i + 1}"

    def get_absolute_url(self) -> str:
        return reverse("tag-detail", kwargs={"slug": self.slug})


class TaggedResource(TaggedItemBase):
    """Tags through a real foreign key (not a generic relation), so joins stay cheap."""

    tag = models.ForeignKey(
        Tag, on_delete=models.CASCADE, related_name="tagged_resources", verbose_name=_("tag")
    )
    content_object = models.ForeignKey(
        "Resource",
        on_delete=models.CASCADE,
        related_name="tagged_items",
        verbose_name=_("content object"),
    )

    class Meta:
        verbose_name = _("tagged resource")
        verbose_name_plural = _("tagged resources")
        constraints = [
            models.UniqueConstraint(fields=["content_object", "tag"], name="tagged_resource_unique")
        ]


class ResourceKind(models.TextChoices):
    BOOK = "book", _("Book")
    COURSE = "course", _("Course")
    PAPER = "paper", _("Paper")
    CONFERENCE = "conference", _("Conference")
    WORKSHOP = "workshop", _("Workshop")
    JOURNAL = "journal", _("Journal")
    LIBRARY = "library", _("Library or tool")
    PLATFORM = "platform", _("Platform")
    COMMUNITY = "community", _("Community")
    ARTICLE = "article", _("Article or tutorial")
    VIDEO = "video", _("Video")


EVENT_KINDS = (ResourceKind.CONFERENCE, ResourceKind.WORKSHOP)


class Publication(models.TextChoices):
    """Where a paper was published, which decides its BibTeX entry type (@inproceedings,
    @article, @misc with its arXiv eprint)."""

    PROCEEDINGS = "proceedings", _("Conference or workshop proceedings")
    JOURNAL = "journal", _("Journal")
    PREPRINT = "preprint", _("Preprint only (arXiv)")


class ResearchArea(models.TextChoices):
    """The research community a conference or workshop belongs to, as the deadline sites
    group them (ccf-deadlines, aideadlin.es)."""

    MACHINE_LEARNING = "ml", _("Machine learning (ML)")
    COMPUTER_VISION = "cv", _("Computer vision (CV)")
    NLP = "nlp", _("Natural language processing (NLP)")
    SPEECH = "speech", _("Speech")
    ROBOTICS = "robotics", _("Robotics")
    DATA_MINING = "data-mining", _("Data mining (KDD)")
    ARTIFICIAL_INTELLIGENCE = "ai", _("Artificial intelligence (general)")


class Cost(models.TextChoices):
    FREE = "free", _("Free")
    FREE_TO_AUDIT = "audit", _("Free to audit")
    PAID = "paid", _("Paid")


class Language(models.TextChoices):
    ENGLISH = "en", _("English")
    CHINESE = "zh", _("中文 (Chinese)")
    MULTILINGUAL = "multi", _("Several languages")


# Why a resource may not be unpublished is known to the apps that use resources, not to the
# catalogue: each guard takes a Resource queryset and returns {resource: [reason, …]} for those
# it holds (learning paths register one: the published paths whose steps use it).
UNPUBLISH_GUARDS: list[Callable[[ResourceQuerySet], dict[Resource, list[str]]]] = []


class ResourceQuerySet(models.QuerySet):
    def published(self) -> ResourceQuerySet:
        return self.filter(published=True)

    def newest(self) -> ResourceQuerySet:
        """Most recently added first (the published ones read in order from the
        `resource_published_new` index)."""
        return self.order_by("-created_at", "-pk")

    def papers(self) -> ResourceQuerySet:
        """The papers: the resources that are cited (resources.citations)."""
        return self.filter(kind=ResourceKind.PAPER)

    def for_list(self) -> ResourceQuerySet:
        """Everything a resource card shows, in a fixed number of queries: the tags come as
        a list in `prefetched_tags` (read them through `Resource.card_tags`)."""
        # Into a plain list: prefetched into `tags` itself, taggit builds a filtered queryset
        # for every resource to hold its tags, which cost more than the query (about 0.2 ms a
        # resource, a third of a list page's time).
        return self.prefetch_related(models.Prefetch("tags", to_attr="prefetched_tags"))

    def milestones_of(self, concept: Concept) -> ResourceQuerySet:
        """The papers of this queryset on `concept` (through `concepts` or `defines`) that have
        a year, oldest first, ties by title: the concept's timeline. Each has `introduced`:
        whether it introduced the concept (`defines`). One query, no row twice however the
        paper is linked; a paper without a year has no place on a timeline and is left out."""
        on_concept = Resource.concepts.through.objects.filter(
            resource=models.OuterRef("pk"), concept=concept
        )
        introduces = Resource.defines.through.objects.filter(
            resource=models.OuterRef("pk"), concept=concept
        )
        return (
            self.filter(kind=ResourceKind.PAPER, year__isnull=False)
            .filter(models.Exists(on_concept) | models.Exists(introduces))
            .annotate(introduced=models.Exists(introduces))
            .order_by("year", "title", "pk")
        )

    def unpublish_blockers(self) -> dict[Resource, list[str]]:
        """The resources of this queryset that may not be unpublished, each with the reasons
        (sentences naming it), sorted by title: what the `UNPUBLISH_GUARDS` say."""
        blockers: dict[Resource, list[str]] = {}
        for guard in UNPUBLISH_GUARDS:
            for resource, reasons in guard(self).items():
                blockers.setdefault(resource, []).extend(reasons)
        return dict(sorted(blockers.items(), key=lambda item: (item[0].title, item[0].pk)))

    def set_published(self, published: bool) -> int:
        """Publish or unpublish these resources and make the public pages current at once (the
        catalogue version is raised). Returns the number of resources changed.

        Raises ValidationError, changing nothing, when unpublishing a resource that a step of a
        published path uses (`unpublish_blockers`); each message names the resource and paths.
        """
        with transaction.atomic():
            # Locked until commit, as `LearningPath.objects.set_status` locks the resources of
            # the paths it publishes: a path cannot be published while one is unpublished.
            locked = Resource.objects.select_for_update().filter(
                pk__in=self.exclude(published=published).values("pk")
            )
            ids = list(locked.values_list("pk", flat=True))
            changing = Resource.objects.filter(pk__in=ids).exclude(published=published)
            if not published:
                blockers = changing.unpublish_blockers()
                if blockers:
                    raise ValidationError([why for reasons in blockers.values() for why in reasons])
            changed = changing.update(published=published, updated_at=timezone.now())
            if changed:  # a bulk update: model signals do not see it
                catalogue_changed()
        return changed


class Resource(models.Model):
    title = models.CharField(_("title"), max_length=255)
    title_zh = models.CharField(
        _("Chinese title"), max_length=255, blank=True, help_text=_("If the resource has one.")
    )
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=ResourceKind.choices)
    url = WebURLField(_("URL"), help_text=_("http or https only."))
    authors = models.CharField(
        _("authors or organisation"), max_length=500, blank=True, help_text=_("As credited.")
    )
    year = models.PositiveSmallIntegerField(
        _("year"),
        null=True,
        blank=True,
        validators=[MinValueValidator(MIN_YEAR), MaxValueValidator(MAX_YEAR)],
        help_text=_("Year of publication or first release."),
    )
    description = models.TextField(
        _("description"),
        blank=True,
        help_text=_("Markdown."),
        **bounded_text(MAX_MARKDOWN_LENGTH),
    )
    description_html = models.TextField(_("description html"), editable=False, default="")
    level = models.CharField(
        _("level"), max_length=20, choices=Level.choices, default=Level.BEGINNER
    )
    estimated_hours = models.PositiveIntegerField(
        _("estimated hours"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_HOURS)],
        help_text=_("Rough time to work through it."),
    )
    cost = models.CharField(_("cost"), max_length=10, choices=Cost.choices, default=Cost.FREE)
    language = models.CharField(
        _("language"), max_length=10, choices=Language.choices, default=Language.ENGLISH
    )
    arxiv_id = models.CharField(
        _("arXiv id"),
        max_length=30,
        blank=True,
        validators=[
            RegexValidator(
                r"^(\d{4}\.\d{4,5}|[a-z\-]+(\.[A-Z]{2})?/\d{7})(v\d+)?\Z",
                _("Enter an arXiv identifier such as 1706.03762."),
            )
        ],
    )
    doi = models.CharField(
        _("DOI"),
        max_length=200,
        blank=True,
        validators=[validate_doi],
    )
    venue = models.CharField(
        _("venue"),
        max_length=200,
        blank=True,
        help_text=_("Where a paper appeared: the proceedings or journal, such as “NeurIPS 2017”."),
    )
    publication = models.CharField(
        _("published in"),
        max_length=20,
        choices=Publication.choices,
        blank=True,
        help_text=_("Decides how the paper is cited (its BibTeX entry type)."),
    )
    volume = models.CharField(_("volume"), max_length=30, blank=True)
    number = models.CharField(_("issue number"), max_length=30, blank=True)
    pages = models.CharField(_("pages"), max_length=30, blank=True, help_text=_("Such as 533–536."))
    arxiv_title = models.CharField(
        _("title on arXiv"),
        max_length=255,
        blank=True,
        help_text=_("Only where it differs from the published title."),
    )
    research_area = models.CharField(
        _("research area"),
        max_length=20,
        choices=ResearchArea.choices,
        blank=True,
        help_text=_("Conferences and workshops: the community they belong to."),
    )
    concepts = models.ManyToManyField(
        Concept, verbose_name=_("concepts"), related_name="resources", blank=True
    )
    defines = models.ManyToManyField(
        Concept,
        verbose_name=_("introduces"),
        related_name="defined_by",
        blank=True,
        help_text=_(
            "The concepts this resource introduced or defines (the paper a concept comes "
            "from): it comes first in searches for them."
        ),
    )
    core_for = models.ManyToManyField(
        Concept,
        verbose_name=_("core for"),
        related_name="core_resources",
        blank=True,
        help_text=_(
            "The concepts this resource is core for: a learner has a concept done once every "
            "published resource core for it is done or skipped."
        ),
    )
    tags = CuratedTags(through=TaggedResource, blank=True)
    published = models.BooleanField(_("published"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ResourceQuerySet.as_manager()

    class Meta:
        # "model" context: in the catalogue the bare "resource" is also a count's unit and
        # "resources" the admin's column of counts.
        verbose_name = pgettext_lazy("model", "resource")
        verbose_name_plural = pgettext_lazy("model", "resources")
        ordering = ["title"]
        indexes = [
            # Covers the facet counts (grouped by the four choices) and the ids of the
            # published resources that pass the choice filters, which the concept and tag
            # facets and the concepts' resource counts join on: read without the table's
            # wide rows. Its prefix serves what (published, kind) served before.
            models.Index(
                fields=["published", "kind", "level", "cost", "language", "id"],
                name="resource_facets",
            ),
            models.Index(fields=["published", "-created_at"], name="resource_published_new"),
            # The resource list's default order: a page of the unfiltered list is read in
            # order from the index instead of sorting every published row.
            models.Index(fields=["published", "title"], name="resource_published_title"),
            models.Index(fields=["published", "year"], name="resource_published_year"),
        ]
        constraints = [
            models.CheckConstraint(condition=HTTP_URL_CHECK, name="resource_url_http"),
            models.CheckConstraint(
                condition=Q(year__isnull=True) | Q(year__gte=MIN_YEAR, year__lte=MAX_YEAR),
                name="resource_year_range",
            ),
            models.CheckConstraint(
                condition=Q(estimated_hours__isnull=True) | Q(estimated_hours__gte=1),
                name="resource_hours_positive",
            ),
            models.CheckConstraint(
                condition=Q(estimated_hours__isnull=True) | Q(estimated_hours__lte=MAX_HOURS),
                name="resource_hours_range",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=ResourceKind.values), name="resource_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(level__in=Level.values), name="resource_level_valid"
            ),
            models.CheckConstraint(condition=Q(cost__in=Cost.values), name="resource_cost_valid"),
            models.CheckConstraint(
                condition=Q(publication__in=["", *Publication.values]),
                name="resource_publication_valid",
            ),
            models.CheckConstraint(
                condition=Q(research_area__in=["", *ResearchArea.values]),
                name="resource_research_area_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        self.description_html = render_markdown(self.description)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("resource-detail", kwargs={"slug": self.slug})

    @property
    def kind_label(self) -> str:
        return choice_label(ResourceKind, self.kind)

    @property
    def level_label(self) -> str:
        return choice_label(Level, self.level)

    @property
    def cost_label(self) -> str:
        return choice_label(Cost, self.cost)

    @property
    def language_label(self) -> str:
        return choice_label(Language, self.language)

    @property
    def short_title(self) -> str:
        """The acronym a title ends with in parentheses ("… Systems (NeurIPS)" → "NeurIPS"),
        as researchers name conferences; else the whole title."""
        match = re.search(r"\(([^()]{2,20})\)$", self.title)
        return match.group(1) if match else self.title

    @property
    def research_area_label(self) -> str:
        return choice_label(ResearchArea, self.research_area) if self.research_area else ""

    @property
    def arxiv_url(self) -> str:
        return identifier_url("https://arxiv.org/abs/", self.arxiv_id)

    @property
    def doi_url(self) -> str:
        return identifier_url("https://doi.org/", self.doi)

    @property
    def card_tags(self) -> list[Tag]:
        """The tags a card shows: those `ResourceQuerySet.for_list()` prefetched, else read
        now (one query)."""
        try:
            return self.prefetched_tags
        except AttributeError:
            return list(self.tags.all())

    @property
    def is_event(self) -> bool:
        return self.kind in EVENT_KINDS

    @property
    def text_lang(self) -> str:
        """The BCP 47 tag of the resource's own title and description ("en", "zh"), for their
        `lang` attribute on pages in the other language; "" for a resource in several."""
        return "" if self.language == Language.MULTILINGUAL else self.language

    @property
    def is_paper(self) -> bool:
        """Whether it is cited: papers have a BibTeX entry (resources.citations)."""
        return self.kind == ResourceKind.PAPER


ANYWHERE_ON_EARTH = "AoE"
# The areas of tzdata's geographic names ("Area/Location"). Names outside them are aliases kept
# for old systems ("US/Eastern", "EST5EDT", "Etc/GMT+12" with its inverted sign) or name no place
# at all ("localtime", "posixrules", "Factory"): what they mean depends on the server.
GEOGRAPHIC_AREAS = frozenset(
    {"Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe",
     "Indian", "Pacific"}
)  # fmt: skip
# Deadlines are within the catalogue's years: far from year 1 and 9999, where converting between
# zones would overflow, and from dates a typo makes.
EARLIEST_DEADLINE = dt.datetime(MIN_YEAR, 1, 1, tzinfo=dt.UTC)
LATEST_DEADLINE = dt.datetime(MAX_YEAR + 1, 1, 1, tzinfo=dt.UTC)


@functools.cache
def deadline_zone_names() -> frozenset[str]:
    """The zone names a deadline may be stated in: AoE, UTC and tzdata's geographic names."""
    geographic = {
        name
        for name in zoneinfo.available_timezones()
        if name.partition("/")[0] in GEOGRAPHIC_AREAS and name.partition("/")[2]
    }
    return frozenset({ANYWHERE_ON_EARTH, "UTC", *geographic})


def deadline_zone(name: str) -> zoneinfo.ZoneInfo:
    """The zone `name` stands for: AoE (UTC−12), UTC, or a geographic IANA name
    ("Europe/Paris"). Raises ValidationError for anything else (a name tzdata does not know, an
    alias such as "US/Eastern", a name whose meaning depends on the server such as "localtime",
    a path, a non-string)."""
    if not isinstance(name, str) or name not in deadline_zone_names():
        raise ValidationError(
            _(
                "Enter “AoE” (Anywhere on Earth), “UTC” or a time zone name of the form "
                "Area/City, such as America/Los_Angeles."
            ),
            code="unknown_zone",
        )
    # Anywhere on Earth is UTC-12; the IANA name's sign is inverted by POSIX convention.
    return zoneinfo.ZoneInfo("Etc/GMT+12" if name == ANYWHERE_ON_EARTH else name)


def validate_deadline_timezone(value: str) -> None:
    deadline_zone(value)


def check_deadline_range(instant: dt.datetime) -> None:
    """Raise ValidationError unless the aware `instant` falls in the catalogue's years
    (MIN_YEAR to MAX_YEAR, UTC), where it can be shown in any zone."""
    if not EARLIEST_DEADLINE <= instant < LATEST_DEADLINE:
        raise deadline_out_of_range()


def deadline_out_of_range() -> ValidationError:
    return ValidationError(
        _("A deadline must fall in the years %(first)s to %(last)s (UTC)."),
        code="out_of_range",
        params={"first": MIN_YEAR, "last": MAX_YEAR},
    )


def deadline_instant(wall: dt.datetime, zone_name: str, fold: int | None = None) -> dt.datetime:
    """The UTC instant of `wall`, a naive wall-clock time in the zone `zone_name` (AoE, UTC or
    a geographic IANA name), as calls for papers state deadlines.

    `fold` picks one of the two instants a wall clock names when the clocks go back over it:
    0 the first, 1 the second; None refuses such a time. Raises ValidationError (naming the
    zone) when the zone is unknown, the time is outside the catalogue's years, or the wall
    clock does not exist there (the clocks skip it) or happens twice without `fold`: the
    instant would be a guess.
    """
    if wall.tzinfo is not None:
        raise ValueError("deadline_instant() takes a naive wall-clock time")
    zone = deadline_zone(zone_name)
    if not MIN_YEAR <= wall.year <= MAX_YEAR:  # then no conversion below can overflow
        raise deadline_out_of_range()
    earlier, later = wall.replace(tzinfo=zone, fold=0), wall.replace(tzinfo=zone, fold=1)
    instant = earlier.astimezone(dt.UTC)
    if earlier.utcoffset() != later.utcoffset():
        # The offsets before and after the change, not its cause: not every change of offset
        # is daylight saving time (Pacific/Apia skipped 30 Dec 2011 crossing the date line).
        shown = {
            "time": wall.isoformat(sep=" ", timespec="minutes"),
            "zone": zone_name,
            "before": utc_offset(earlier.utcoffset()),
            "after": utc_offset(later.utcoffset()),
        }
        # In a gap the instant does not come back to the same wall clock.
        if instant.astimezone(zone).replace(tzinfo=None) != wall:
            message = _(
                "%(time)s does not exist in %(zone)s: the clocks go forward from %(before)s to "
                "%(after)s and skip it. Check the time the call for papers states."
            )
            raise ValidationError(message, code="nonexistent_time", params=shown)
        if fold is None:
            message = _(
                "%(time)s happens twice in %(zone)s: the clocks go back from %(before)s to "
                "%(after)s and pass it again, so it names no single instant."
            )
            raise ValidationError(message, code="ambiguous_time", params=shown)
        instant = wall.replace(tzinfo=zone, fold=fold).astimezone(dt.UTC)
    check_deadline_range(instant)
    return instant


def in_fold(local: dt.datetime) -> bool:
    """Whether the aware `local` wall clock happens twice in its zone (the clocks go back over
    it): then only its offset, or its `fold`, says which instant it is."""
    return local.replace(fold=0).utcoffset() != local.replace(fold=1).utcoffset() and (
        local.astimezone(dt.UTC).astimezone(local.tzinfo).replace(tzinfo=None)
        == local.replace(tzinfo=None)
    )


def utc_offset(offset: dt.timedelta | None) -> str:
    """An offset from UTC as people write it: "UTC−12", "UTC+5:45", "UTC+0"."""
    minutes = int((offset or dt.timedelta(0)).total_seconds()) // 60
    sign = "+" if minutes >= 0 else "\N{MINUS SIGN}"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def zone_label(moment: dt.datetime, zone_name: str) -> str:
    """How a time in `zone_name` is labelled: "AoE (UTC−12)", "PDT (UTC−7, America/Los_Angeles)",
    "UTC+5:45 (Asia/Kathmandu)" (an abbreviation only where tzdata has a real one)."""
    utc = utc_offset(moment.utcoffset())
    if zone_name == ANYWHERE_ON_EARTH:
        return f"{ANYWHERE_ON_EARTH} ({utc})"
    abbreviation = moment.tzname() or ""
    if abbreviation.isalpha() and abbreviation != "UTC":
        return f"{abbreviation} ({utc}, {zone_name})"
    return f"{utc} ({zone_name})"


@dataclass(frozen=True)
class Deadline:
    """A deadline as pages show it: `instant` (aware, UTC) for `<time datetime>`, `local`
    (aware, in the organisers' zone) for the wall clock, and that zone's `label`."""

    instant: dt.datetime
    local: dt.datetime
    label: str

    @property
    def iso(self) -> str:
        """The exact instant in ISO 8601, UTC: "2026-05-07T11:59:00Z". HTML's valid date
        strings allow at most three digits of a second's fraction, so finer ones are cut to
        milliseconds (deadlines are set to the minute anyway)."""
        timespec = "milliseconds" if self.instant.microsecond else "seconds"
        return self.instant.astimezone(dt.UTC).isoformat(timespec=timespec).replace("+00:00", "Z")

    @property
    def wall_clock(self) -> str:
        """The organisers' wall clock in the page's language: "6 May 2026, 23:59",
        "2026年5月6日 23:59" (the format is a message of the catalogue)."""
        # Translators: a date and time in Django's date format syntax.
        return dateformat.format(self.local, gettext("j M Y, H:i"))

    def passed(self, now: dt.datetime | None = None) -> bool:
        return self.instant < (now or timezone.now())


class DeadlineKind(models.TextChoices):
    """The dates a call for papers sets, in the order a submission meets them."""

    ABSTRACT = "abstract", _("Abstract registration")
    PAPER = "paper", _("Full paper")
    SUPPLEMENTARY = "supplementary", _("Supplementary material")
    # ACL Rolling Review: a reviewed paper is committed to one conference by this date.
    COMMITMENT = "commitment", _("ARR commitment")
    REBUTTAL = "rebuttal", _("Author response ends")
    NOTIFICATION = "notification", _("Notification")
    CAMERA_READY = "camera-ready", _("Camera-ready")


def countdown(instant: dt.datetime, now: dt.datetime) -> tuple[str, dt.datetime]:
    """What is left until `instant` as pages say it ("in 12 days 4 h", "in 3 h 20 min", "in
    under a minute"), and the moment that text next changes (when a page showing it goes
    stale). Whole units, rounded down: a countdown never promises more time than is left.
    `instant` must be after `now` (both aware)."""
    left = instant - now
    minute = dt.timedelta(minutes=1)
    if left < minute:
        return gettext("in under a minute"), instant
    days, rest = left.days, left - dt.timedelta(days=left.days)
    hours, minutes = int(rest.total_seconds() // 3600), int(rest.total_seconds() % 3600 // 60)
    if days:
        # Changes when the hours left drop by one.
        step = rest - dt.timedelta(hours=hours)
        text = ngettext("in %(days)d day %(hours)d h", "in %(days)d days %(hours)d h", days)
        return text % {"days": days, "hours": hours}, now + step + dt.timedelta(microseconds=1)
    step = rest - dt.timedelta(hours=hours, minutes=minutes)
    changes = now + step + dt.timedelta(microseconds=1)
    if hours:
        return gettext("in %(hours)d h %(minutes)d min") % {
            "hours": hours,
            "minutes": minutes,
        }, changes
    return gettext("in %(minutes)d min") % {"minutes": minutes}, changes


class ConferenceEditionQuerySet(models.QuerySet):
    def published(self) -> ConferenceEditionQuerySet:
        return self.filter(conference__published=True)

    def for_list(self) -> ConferenceEditionQuerySet:
        """Everything an edition's card shows in a fixed number of queries: its conference,
        host edition, deadlines (in date order) and the published workshops it hosts."""
        workshops = ConferenceEdition.objects.published().select_related("conference")
        return self.select_related("conference", "host__conference").prefetch_related(
            models.Prefetch("deadlines", ConferenceDeadline.objects.order_by("due", "kind")),
            models.Prefetch("workshops", workshops.order_by("conference__title")),
        )

    def with_dates(self) -> ConferenceEditionQuerySet:
        """Annotated with `first_day` and `last_day`: the edition's own dates, else its host's
        (a workshop whose day is not announced happens during its host conference)."""
        return self.annotate(
            first_day=Coalesce("starts_on", "host__starts_on"),
            last_day=Coalesce("ends_on", "starts_on", "host__ends_on", "host__starts_on"),
        )

    def upcoming(self, now: dt.datetime) -> ConferenceEditionQuerySet:
        """Editions not over yet at `now` (UTC): ending today or later (`with_dates`), or
        undated with a deadline ahead. Earliest first; undated ones after the dated."""
        ahead = models.Exists(
            ConferenceDeadline.objects.filter(edition=models.OuterRef("pk"), due__gte=now)
        )
        return (
            self.with_dates()
            .filter(Q(last_day__gte=now.date()) | Q(last_day__isnull=True) & ahead)
            .order_by(models.F("first_day").asc(nulls_last=True), "conference__title", "pk")
        )

    def past(self, now: dt.datetime) -> ConferenceEditionQuerySet:
        """The editions `upcoming(now)` leaves out, latest first."""
        return (
            self.with_dates()
            .exclude(pk__in=self.upcoming(now).values("pk"))
            .order_by(models.F("first_day").desc(nulls_last=True), "conference__title", "pk")
        )


class ConferenceEdition(models.Model):
    """One year's edition of a conference or workshop: when, where, its deadlines
    (`ConferenceDeadline`), and for a workshop the conference edition hosting it."""

    conference = models.ForeignKey(
        Resource,
        on_delete=models.CASCADE,
        related_name="editions",
        limit_choices_to={"kind__in": EVENT_KINDS},
        verbose_name=_("conference"),
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(MIN_YEAR), MaxValueValidator(MAX_YEAR)]
    )
    host = models.ForeignKey(
        "self",
        # A host edition is not deleted from under its workshops, but may go with them.
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="workshops",
        limit_choices_to={"conference__kind": ResourceKind.CONFERENCE},
        verbose_name=_("host edition"),
        help_text=_("Workshops: the conference edition that hosts this one."),
    )
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    location = models.CharField(
        _("location"), max_length=200, blank=True, help_text=_("City, country.")
    )
    estimated = models.BooleanField(
        _("estimated"),
        default=False,
        help_text=_(
            "Not announced yet: dates and place estimated from the previous edition. Pages say so."
        ),
    )
    url = WebURLField(_("URL"), blank=True)
    source_url = WebURLField(
        _("source"),
        blank=True,
        help_text=_("The official call for papers or dates page the deadlines were checked on."),
    )
    notes = models.CharField(_("notes"), max_length=300, blank=True)

    objects = ConferenceEditionQuerySet.as_manager()

    class Meta:
        verbose_name = _("conference edition")
        verbose_name_plural = _("conference editions")
        ordering = ["conference__title", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["conference", "year"], name="edition_unique_year"),
            models.CheckConstraint(
                condition=Q(starts_on__isnull=True)
                | Q(ends_on__isnull=True)
                | Q(ends_on__gte=models.F("starts_on")),
                name="edition_ends_after_start",
                violation_error_message=_("An edition cannot end before it starts."),
            ),
            models.CheckConstraint(condition=Q(url="") | HTTP_URL_CHECK, name="edition_url_http"),
            models.CheckConstraint(
                condition=Q(source_url="")
                | Q(source_url__startswith="http://")
                | Q(source_url__startswith="https://"),
                name="edition_source_url_http",
            ),
            models.CheckConstraint(
                condition=Q(year__gte=MIN_YEAR, year__lte=MAX_YEAR), name="edition_year_range"
            ),
            models.CheckConstraint(
                condition=~Q(host=models.F("pk")), name="edition_not_its_own_host"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.conference.title} {self.year}"

    def clean(self) -> None:
        if not self.conference_id:
            return
        kind = self.conference.kind
        if kind not in EVENT_KINDS:
            raise ValidationError({"conference": _("Choose a conference or workshop resource.")})
        if kind == ResourceKind.WORKSHOP and self.host_id is None:
            raise ValidationError({"host": _("A workshop's edition needs its host edition.")})
        if kind != ResourceKind.WORKSHOP and self.host_id is not None:
            raise ValidationError({"host": _("Only a workshop's edition has a host edition.")})
        if self.host_id is not None and self.host.conference.kind != ResourceKind.CONFERENCE:
            raise ValidationError({"host": _("Choose an edition of a conference.")})
        if self.host_id is not None and self.year != self.host.year:
            raise ValidationError(
                {"year": _("A workshop's edition is in the year of its host edition.")}
            )

    @property
    def title(self) -> str:
        """How researchers name an edition: "NeurIPS 2026" (`Resource.short_title`)."""
        return f"{self.conference.short_title} {self.year}"


class ConferenceDeadlineQuerySet(models.QuerySet):
    def upcoming(self, now: dt.datetime) -> ConferenceDeadlineQuerySet:
        """Deadlines of published conferences and workshops still ahead at `now`, soonest
        first, with their edition and conference."""
        return (
            self.filter(due__gte=now, edition__conference__published=True)
            .select_related("edition__conference", "edition__host__conference")
            .order_by("due", "edition__conference__title", "kind")
        )


class ConferenceDeadline(models.Model):
    """One deadline of an edition (abstract, full paper, …): an instant, stored in UTC, and
    the zone the call for papers states it in, which pages show it in."""

    edition = models.ForeignKey(
        ConferenceEdition,
        on_delete=models.CASCADE,
        related_name="deadlines",
        verbose_name=_("edition"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=DeadlineKind.choices)
    due = models.DateTimeField(_("due"), help_text=_("Stored in UTC."))
    timezone = models.CharField(
        _("time zone"),
        max_length=64,
        default=ANYWHERE_ON_EARTH,
        validators=[validate_deadline_timezone],
        help_text=_("The time zone the call for papers states: AoE or an IANA name."),
    )
    estimated = models.BooleanField(
        _("estimated"),
        default=False,
        help_text=_("Not announced yet: estimated from the previous year's date."),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = ConferenceDeadlineQuerySet.as_manager()

    class Meta:
        verbose_name = _("deadline")
        verbose_name_plural = _("deadlines")
        ordering = ["due", "kind"]
        indexes = [models.Index(fields=["due"], name="deadline_due")]
        constraints = [
            models.UniqueConstraint(
                fields=["edition", "kind", "due"], name="deadline_unique_kind_instant"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=DeadlineKind.values), name="deadline_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.edition} · {self.kind_label}"

    @property
    def kind_label(self) -> str:
        return choice_label(DeadlineKind, self.kind)

    @property
    def shown(self) -> Deadline:
        """The deadline as pages show it, in its own zone."""
        instant = self.due
        try:
            zone, name = deadline_zone(self.timezone), self.timezone
            local = instant.astimezone(zone)
        # A zone no longer accepted, or an instant stored before the range check within hours
        # of year 1 or 9999: show UTC rather than fail the page.
        except (ValidationError, OverflowError):
            local, name = instant.astimezone(dt.UTC), "UTC"
        return Deadline(instant, local, zone_label(local, name))

    @property
    def local(self) -> dt.datetime:
        """The deadline as the call for papers states it: aware, in its zone."""
        return self.shown.local


def next_change(deadlines: Iterable[ConferenceDeadline], now: dt.datetime) -> dt.datetime | None:
    """When a page showing these deadlines with their countdowns goes out of date: the first
    moment one passes or its countdown's text changes; None if none is ahead."""
    return min((countdown(d.due, now)[1] for d in deadlines if d.due > now), default=None)


class CatalogueVersion(models.Model):
    """One row whose number goes up whenever curated content changes: raised only by
    `resources.invalidation.catalogue_changed`, read by `resources.versions`.

    Cached pages and structures are versioned by this number, so a change made through any
    app server is seen by all of them at once, whatever the cache backend. It lives in the
    database (not the cache) so that it rolls back with a failed import and is shared by every
    gunicorn worker even with the per-process local-memory cache.
    """

    number = models.PositiveBigIntegerField(_("number"), default=0)

    class Meta:
        verbose_name = _("catalogue version")
        verbose_name_plural = _("catalogue versions")

    def __str__(self) -> str:
        return f"catalogue version {self.number}"


# -- search ----------------------------------------------------------------------------------
# The search index (resources.search): the terms each document is found by, with weights, in
# tables of plain rows that both databases read the same way. The database itself queues every
# document whose words change (triggers, resources.search.index.STALE_TRIGGERS), whichever way
# it was written; the queue is indexed before the next search reads.


class SearchTerm(models.Model):
    """One term of one document's index and its weight (the sum of its fields' weights:
    resources.search.index.WEIGHTS). A concrete subclass adds the document's `document` key."""

    term = models.CharField(_("term"), max_length=64)
    weight = models.PositiveIntegerField(_("weight"))

    class Meta:
        abstract = True
        constraints = [models.UniqueConstraint(fields=["document", "term"], name="%(class)s_once")]
        # A term's documents and weights, read from the index alone.
        indexes = [models.Index(fields=["term", "document", "weight"], name="%(class)s_lookup")]

    def __str__(self) -> str:
        return f"{self.term} ({self.weight})"


class ResourceSearchTerm(SearchTerm):
    document = models.ForeignKey(
        Resource, on_delete=models.CASCADE, related_name="search_terms", db_index=False
    )

    class Meta(SearchTerm.Meta):
        verbose_name = _("resource search term")
        verbose_name_plural = _("resource search terms")


class ConceptSearchTerm(SearchTerm):
    document = models.ForeignKey(
        Concept, on_delete=models.CASCADE, related_name="search_terms", db_index=False
    )

    class Meta(SearchTerm.Meta):
        verbose_name = _("concept search term")
        verbose_name_plural = _("concept search terms")


class SearchWord(models.Model):
    """A word some document is indexed by, as written (normalised, unstemmed): what typo
    correction and "Did you mean" choose from."""

    word = models.CharField(_("word"), max_length=64, unique=True)
    length = models.PositiveSmallIntegerField(_("length"))

    class Meta:
        verbose_name = _("search word")
        verbose_name_plural = _("search words")
        indexes = [models.Index(fields=["length", "word"], name="search_word_length")]

    def __str__(self) -> str:
        return self.word


class SearchIndexState(models.Model):
    """One row: the analyser (text rules and dictionary, resources.search.index.analyser) that
    built the search index, so that a deploy that changes it rebuilds the index at `migrate`."""

    analyser = models.CharField(_("analyser"), max_length=64)

    class Meta:
        verbose_name = _("search index state")
        verbose_name_plural = _("search index states")

    def __str__(self) -> str:
        return self.analyser


class SearchStale(models.Model):
    """A document to index again: written by database triggers, emptied before a search."""

    kind = models.CharField(_("kind"), max_length=20)
    object_id = models.BigIntegerField(_("object id"))

    class Meta:
        verbose_name = _("stale search document")
        verbose_name_plural = _("stale search documents")
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="search_stale_once")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id}"


def validate_synonym_terms(value) -> None:
    """A synonym group's terms: a list of at least two different texts of 1–100 characters."""
    if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
        raise ValidationError(_("Give the terms as a list of texts."), code="invalid")
    # Compared as search reads them: "FOO" and "ＦＯＯ" are one term.
    terms = {" ".join(unicodedata.normalize("NFKC", t).casefold().split()) for t in value}
    if "" in terms or any(len(t) > 100 for t in terms):
        raise ValidationError(_("Each term is 1 to 100 characters long."), code="invalid")
    if len(terms) < 2:
        raise ValidationError(_("Give at least two different terms."), code="too_few")


class Synonym(models.Model):
    """Search terms that mean the same to a learner (大模型, 大语言模型, LLM, large language
    model): a query holding one of them finds documents with any of them (resources.search)."""

    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    terms = models.JSONField(
        _("terms"),
        default=list,
        validators=[validate_synonym_terms],
        help_text=_("A word or a few words per line, in any language."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("synonym group")
        verbose_name_plural = _("synonym groups")
        ordering = ["slug"]

    def __str__(self) -> str:
        return " = ".join(self.terms[:4])
