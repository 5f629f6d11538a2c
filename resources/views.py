"""Public catalogue pages: concepts, resources, tags and the health check (search, which also
lists learning paths, is in learnpaths.views.catalogue)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db import connection
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_safe

from learnpaths.core.cache import cached_page
from resources import calendars, citations, selectors
from resources.concept_map import MAP_MAX_PER_LAYER, concept_graph
from resources.feeds import ConceptResourcesFeed, NewResourcesFeed
from resources.models import (
    EVENT_KINDS,
    Concept,
    ConceptPrerequisite,
    ConferenceDeadline,
    ConferenceEdition,
    ConferenceEditionQuerySet,
    ResearchArea,
    Resource,
    Tag,
    next_change,
)

RESOURCES_PER_PAGE = 24
# The query parameters each cached anonymous page reads (any other one bypasses the cache).
LIST_PARAMS = frozenset({*selectors.CHOICE_FILTERS, "concept", "tag", "sort", "page", "q"})


@require_safe
@cached_page("concept-list")
def concept_list(request: HttpRequest) -> HttpResponse:
    return render(
        request, "resources/concept_list.html", {"concept_areas": selectors.concepts_by_area()}
    )


@require_safe
def concept_map_view(request: HttpRequest) -> HttpResponse:
    """The whole prerequisite graph as a layered SVG, in two queries whatever its size."""
    concepts = Concept.objects.order_by("area", "position", "name")
    links = ConceptPrerequisite.objects.values_list("prerequisite_id", "concept_id")
    graph = concept_graph(concepts, links, max_per_layer=MAP_MAX_PER_LAYER)
    return render(request, "resources/concept_map.html", {"graph": graph})


@require_safe
@cached_page("resource-list", params=LIST_PARAMS)
def resource_list(request: HttpRequest) -> HttpResponse:
    filters = selectors.ResourceFilters.from_query(request.GET)
    context = {
        "page": page(request, selectors.filtered_resources(filters)),
        "filters": filters,
        "facets": selectors.resource_facets(filters),
        "sorts": [(key, label) for key, (label, _) in selectors.SORTS.items()],
        "query_without_page": query_without(request, "page"),
    }
    template = (
        "resources/partials/resource_results.html"
        if request.htmx
        else ("resources/resource_list.html")
    )
    return render(request, template, context)


@require_safe
@cached_page("tag", params=frozenset({"page"}))
def tag_detail(request: HttpRequest, slug: str) -> HttpResponse:
    tag = get_object_or_404(Tag, slug=slug)
    resources = Resource.objects.published().filter(tags=tag).order_by("title").for_list()
    return render(
        request,
        "resources/tag_detail.html",
        {
            "tag": tag,
            "page": page(request, resources),
            "query_without_page": query_without(request, "page"),
        },
    )


@require_safe
@cached_page("resource-feed")
def resource_feed(request: HttpRequest) -> HttpResponse:
    """The newest published resources, as an Atom feed."""
    return NewResourcesFeed()(request)


@require_safe
@cached_page("concept-feed")
def concept_feed(request: HttpRequest, slug: str) -> HttpResponse:
    """The newest published resources on one concept, as an Atom feed; 404 for no concept."""
    return ConceptResourcesFeed()(request, slug=slug)


@require_safe
def resource_bibtex(request: HttpRequest, slug: str) -> HttpResponse:
    """The BibTeX entry of a published paper (other kinds have none: 404). One query."""
    paper = get_object_or_404(Resource.objects.published().papers(), slug=slug)
    return bibtex_response(citations.bibtex([paper]), citations.citation_key(paper))


def bibtex_response(text: str, name: str) -> HttpResponse:
    """A BibTeX file, shown in the browser (it is text) and saved as `name`.bib. `name` is
    a citation key or a slug: letters, digits, "-" and "_", nothing to quote."""
    response = HttpResponse(text, content_type="text/x-bibtex; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{name}.bib"'
    return response


@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")


def page(request: HttpRequest, queryset, per_page: int = RESOURCES_PER_PAGE):
    """The page of `queryset` that `?page=` asks for (the last one when past the end). A search
    ranking is told which page first, to read it with its count in one query."""
    number = request.GET.get("page")
    if hasattr(queryset, "expect"):
        try:
            # Past the end the paginator shows the last page: no need to ask beyond a million.
            first = (min(max(int(number or 1), 1), 1_000_000) - 1) * per_page
        except (TypeError, ValueError, OverflowError):
            first = 0
        queryset.expect(first, first + per_page)
    return Paginator(queryset, per_page).get_page(number)


def query_without(request: HttpRequest, name: str) -> str:
    params = request.GET.copy()
    params.pop(name, None)
    return params.urlencode()


# -- the research track: conference editions, their deadlines and calendars -------------------
# Editions a page of the conference lists shows: a season of the field's conferences and
# workshops fits on one; a catalogue ten times larger is paged.
EDITIONS_PER_PAGE = 30


@dataclass(frozen=True)
class EventFilters:
    """The filters of the conference pages and calendars, read from the query string: a
    research area, a concept (slug) and a kind (conference or workshop). Values the site does
    not know are dropped and listed in `ignored` (the page says so)."""

    area: str = ""
    concept: Concept | None = None
    kind: str = ""
    ignored: tuple[str, ...] = ()

    @classmethod
    def from_query(cls, query) -> EventFilters:
        ignored = []
        area = query.get("area", "")
        if area and area not in ResearchArea.values:
            ignored.append(area)
            area = ""
        kind = query.get("kind", "")
        if kind and kind not in EVENT_KINDS:
            ignored.append(kind)
            kind = ""
        concept = None
        slug = query.get("concept", "")
        if slug:
            concept = Concept.objects.filter(slug=slug).first() if len(slug) <= 120 else None
            if concept is None:
                ignored.append(slug)
        return cls(area=area, concept=concept, kind=kind, ignored=tuple(ignored))

    def editions(self) -> ConferenceEditionQuerySet:
        """The published editions these filters let through."""
        editions = ConferenceEdition.objects.published()
        if self.area:
            editions = editions.filter(conference__research_area=self.area)
        if self.kind:
            editions = editions.filter(conference__kind=self.kind)
        if self.concept is not None:
            editions = editions.filter(
                conference__in=Resource.objects.filter(concepts=self.concept).values("pk")
            )
        return editions

    def deadlines(self) -> QuerySet[ConferenceDeadline]:
        """The deadlines of the editions these filters let through (`editions`)."""
        return ConferenceDeadline.objects.filter(edition__in=self.editions().values("pk"))

    def query(self) -> str:
        """These filters as a query string ("area=ml&concept=attention"), for links that keep
        them."""
        values = {
            "area": self.area,
            "concept": self.concept.slug if self.concept else "",
            "kind": self.kind,
        }
        return urlencode({k: v for k, v in values.items() if v})


EVENT_PARAMS = frozenset({"area", "concept", "kind"})


@require_safe
@cached_page("conferences", params=EVENT_PARAMS | {"page"})
def conference_list(request: HttpRequest) -> HttpResponse:
    """Every edition not over yet, earliest first, each with its deadlines and countdowns;
    filtered by area, concept and kind (kept in the URL), a page at a time."""
    now = timezone.now()
    filters = EventFilters.from_query(request.GET)
    editions = page(request, filters.editions().upcoming(now).for_list(), EDITIONS_PER_PAGE)
    response = render(
        request,
        "resources/conference_list.html",
        {**_event_context(filters), "page": editions, "editions": editions, "now": now},
    )
    # The countdowns change as time passes: not served from the cache once one of them would,
    # nor past midnight (UTC), when an edition ending today is over.
    changes = next_change([d for edition in editions for d in edition.deadlines.all()], now)
    response.cache_until = min(filter(None, (changes, next_midnight(now))))
    return response


@require_safe
@cached_page("conferences-past", params=EVENT_PARAMS | {"page"})
def conference_past(request: HttpRequest) -> HttpResponse:
    """The editions that are over, latest first, a page at a time."""
    now = timezone.now()
    filters = EventFilters.from_query(request.GET)
    past = page(request, filters.editions().past(now).for_list(), EDITIONS_PER_PAGE)
    response = render(
        request,
        "resources/conference_list.html",
        {**_event_context(filters), "page": past, "editions": past, "past": True, "now": now},
    )
    # An upcoming edition becomes past at the start of the day after it ends (UTC).
    response.cache_until = next_midnight(now)
    return response


def _event_context(filters: EventFilters) -> dict:
    return {
        "filters": filters,
        "areas": ResearchArea.choices,
        "kinds": [(k.value, k.label) for k in EVENT_KINDS],
        "concepts": list(Concept.objects.order_by("name").only("slug", "name", "name_zh")),
        "query": filters.query(),
    }


def next_midnight(now: dt.datetime) -> dt.datetime:
    """The next 00:00 UTC after `now`: when the date-based lists change."""
    return dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)


CALENDAR_TYPE = "text/calendar; charset=utf-8"


def _calendar(request: HttpRequest, deadlines, name: str, *, window: bool = True) -> HttpResponse:
    """The calendar file of `deadlines` (a ConferenceDeadline queryset), those a feed holds
    now (`calendars.feed_deadlines`) or, without `window`, all of them."""
    now = timezone.now()
    body = calendars.deadline_calendar(
        calendars.feed_deadlines(deadlines, now, window=window),
        name=name,
        page_url=lambda resource: request.build_absolute_uri(resource.get_absolute_url()),
        now=now,
    )
    return HttpResponse(body, content_type=CALENDAR_TYPE)


@require_safe
@cached_page("calendar", params=EVENT_PARAMS)
def conference_calendars(request: HttpRequest) -> HttpResponse:
    """Every deadline, or those the area, concept and kind filters let through."""
    filters = EventFilters.from_query(request.GET)
    return _calendar(request, filters.deadlines(), gettext("Learnpaths: conference deadlines"))


@require_safe
@cached_page("area-calendar")
def area_calendar(request: HttpRequest, area: str) -> HttpResponse:
    if area not in ResearchArea.values:
        raise Http404
    name = gettext("Learnpaths: %(area)s deadlines") % {"area": ResearchArea(area).label}
    return _calendar(request, EventFilters(area=area).deadlines(), name)


@require_safe
@cached_page("concept-calendar")
def concept_calendar(request: HttpRequest, slug: str) -> HttpResponse:
    concept = get_object_or_404(Concept, slug=slug)
    name = gettext("Learnpaths: %(concept)s deadlines") % {"concept": concept.local_name}
    return _calendar(request, EventFilters(concept=concept).deadlines(), name)


@require_safe
@cached_page("conference-calendar")
def conference_calendar(request: HttpRequest, slug: str) -> HttpResponse:
    conference = get_object_or_404(
        Resource.objects.published().filter(kind__in=EVENT_KINDS), slug=slug
    )
    deadlines = ConferenceDeadline.objects.filter(edition__conference=conference)
    name = gettext("Learnpaths: %(conference)s deadlines") % {"conference": conference.title}
    return _calendar(request, deadlines, name)


@require_safe
@cached_page("deadline-calendar")
def deadline_ics(request: HttpRequest, pk: int) -> HttpResponse:
    """One deadline as a calendar file, for "Add to calendar"."""
    deadline = get_object_or_404(
        ConferenceDeadline.objects.filter(edition__conference__published=True), pk=pk
    )
    return _calendar(request, ConferenceDeadline.objects.filter(pk=pk), str(deadline), window=False)
