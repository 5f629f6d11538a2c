"""Catalogue pages that also show learning paths and the learner's progress: home, concept
detail, the concept map, resource detail and search (the catalogue app itself knows nothing of
paths or learners).
"""

from collections.abc import Mapping

from django.db.models import Prefetch, prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from learnpaths.concept_states import ConceptStates, concept_catalogue, concept_states
from learnpaths.core.cache import cached_page
from learnpaths.models import LearningPath
from learnpaths.search import search_paths
from learnpaths.selectors import learner_resource_state, learner_what_next, statuses_for
from resources import citations, selectors
from resources import views as catalogue_views
from resources.concept_map import MAP_MAX_PER_LAYER, NodeMark, concept_graph
from resources.models import (
    Concept,
    ConceptArea,
    ConferenceDeadline,
    ConferenceEdition,
    Resource,
    next_change,
)
from resources.search import engine
from resources.selectors import concept_milestones, concept_resources_by_kind, concepts_by_area
from resources.versions import catalogue_version
from resources.views import page, query_without

# The parameters the search page reads: the query, the choice filters, the sort and the page.
# Results per page of the search, as search engines show: ten read well, and a page costs less.
SEARCH_PER_PAGE = 10
# The home page's box: the next deadlines of any conference or workshop.
HOME_DEADLINES = 6
SEARCH_PARAMS = frozenset({"q", "page", "sort", *selectors.CHOICE_FILTERS})


@require_safe
@cached_page("home")
def home(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    context = _home_context(now)
    if request.user.is_authenticated:  # their page is cached for them alone
        context["what_next"] = learner_what_next(request.user, version=catalogue_version(request))
    response = render(request, "resources/home.html", context)
    # The upcoming deadlines go out of date as time passes, not only with edits: the cached
    # page is not served once one has passed or its countdown changed.
    response.cache_until = next_change(context["deadlines"], now)
    return response


def _home_context(now) -> dict:
    return {
        "featured_paths": list(
            LearningPath.objects.published().filter(featured=True).for_cards()[:6]
        ),
        "concept_areas": concepts_by_area(),
        "recent_resources": list(
            Resource.objects.published().order_by("-created_at", "-pk").for_list()[:8]
        ),
        "deadlines": list(ConferenceDeadline.objects.upcoming(now)[:HOME_DEADLINES]),
        "now": now,
    }


@require_safe
@cached_page("concept")
def concept_detail(request: HttpRequest, slug: str) -> HttpResponse:
    if not request.user.is_authenticated:
        return render(request, "resources/concept_detail.html", _concept_context(slug))
    states = learner_concept_states(request)
    context = _concept_context(slug, marks=states.marks())
    concept = context["concept"]
    if concept.pk in states.catalogue.by_id:  # else created since the version was read
        context["concept_state"] = states.explain(concept.pk)
    return render(request, "resources/concept_detail.html", context)


def learner_concept_states(request: HttpRequest) -> ConceptStates:
    """The signed-in learner's state on every concept: one query (their statuses), the
    concepts from the cache."""
    catalogue = concept_catalogue(version=catalogue_version(request))
    return concept_states(catalogue, statuses_for(request.user))


@require_safe
def concept_map(request: HttpRequest) -> HttpResponse:
    """The whole concept map; for a signed-in learner, with their state on every concept.
    Anonymous visitors get the catalogue's own map page (`resources.views.concept_map_view`)."""
    if not request.user.is_authenticated:
        return catalogue_views.concept_map_view(request)
    return _learner_concept_map(request)


@cached_page("concept-map")
def _learner_concept_map(request: HttpRequest) -> HttpResponse:
    """The map with the learner's states, cached for them until their progress or the catalogue
    changes: their statuses (one query) on the cached concept catalogue."""
    states = learner_concept_states(request)
    catalogue = states.catalogue
    graph = concept_graph(
        catalogue.concepts,
        catalogue.links,
        max_per_layer=MAP_MAX_PER_LAYER,
        marks=states.marks(),
    )
    context = {"graph": graph, "concept_states": states}
    return render(request, "resources/concept_map.html", context)


def _concept_context(slug: str, *, marks: Mapping[int, NodeMark] | None = None) -> dict:
    """The concept page's context; `marks` put a learner's states on the neighbourhood map."""
    concept = get_object_or_404(
        Concept.objects.prefetch_related(
            Prefetch("prerequisites", queryset=Concept.objects.order_by("name")),
            Prefetch("leads_to", queryset=Concept.objects.order_by("name")),
        ),
        slug=slug,
    )
    # The neighbourhood, one level each way, from the rows prefetched above.
    prerequisites, leads_to = list(concept.prerequisites.all()), list(concept.leads_to.all())
    links = [(p.pk, concept.pk) for p in prerequisites] + [(concept.pk, n.pk) for n in leads_to]
    return {
        "concept": concept,
        "graph": concept_graph(
            [*prerequisites, concept, *leads_to], links, current=concept, marks=marks
        ),
        "milestones": concept_milestones(concept),
        "resources_by_kind": concept_resources_by_kind(concept),
        "paths": list(LearningPath.objects.published().filter(concepts=concept).for_cards()),
    }


@require_safe
@cached_page("resource")
def resource_detail(request: HttpRequest, slug: str) -> HttpResponse:
    context = _resource_context(slug)
    resource = context["resource"]
    # The learner's status and note (for staff too: their own, like any learner's).
    learner = learner_resource_state(request.user, resource.pk)
    now = timezone.now()
    context["now"] = now
    context |= {"status": learner.statuses.get(resource.pk), "note": learner.notes.get(resource.pk)}
    response = render(request, "resources/resource_detail.html", context)
    # Then a deadline is marked passed or its countdown changes.
    deadlines = [d for edition in resource.editions.all() for d in edition.deadlines.all()]
    response.cache_until = next_change(deadlines, now)
    return response


def _resource_context(slug: str) -> dict:
    resource = get_object_or_404(
        Resource.objects.published().prefetch_related(
            "tags",
            Prefetch("concepts", queryset=Concept.objects.order_by("name")),
        ),
        slug=slug,
    )
    # Only conferences and workshops have editions to show: for any other resource the
    # prefetch is of nothing, which costs no query.
    editions = ConferenceEdition.objects.for_list().order_by("-year")
    prefetch_related_objects(
        [resource], Prefetch("editions", editions if resource.is_event else editions.none())
    )
    paths = LearningPath.objects.published().filter(stages__steps__resource=resource).distinct()
    return {
        "resource": resource,
        "paths": list(paths.order_by("title")),
        # A paper's citation, shown on the page and offered as a file (no query).
        "bibtex": citations.bibtex([resource]) if resource.is_paper else "",
        "citation_key": citations.citation_key(resource) if resource.is_paper else "",
    }


@require_safe
@cached_page("search", params=SEARCH_PARAMS)
def search(request: HttpRequest) -> HttpResponse:
    """Concepts, learning paths and resources matching `q`, resources filtered by kind, level,
    cost and language. A query that finds nothing is corrected when a word looks mistyped
    (and the corrected search shown, saying so); one that finds little offers its correction."""
    filters = selectors.ResourceFilters.from_query(request.GET)
    context = {"filters": filters, "query": filters.query, "too_long": filters.too_long}
    if filters.query:
        context |= _search_results(request, filters)
        if not context["found"] and filters.searching:
            corrected = engine.correction(filters.query, filters.parsed)
            if corrected:
                retry = _with_query(request, corrected)
                again = _search_results(request, retry)
                if again["found"]:
                    context |= again | {"corrected_from": filters.query, "filters": retry}
        elif context["page"].paginator.count < engine.POOR_RESULTS and filters.searching:
            suggestion = engine.correction(filters.query, filters.parsed)
            if suggestion:
                # The same search with the corrected words: its filters kept, from page 1.
                params = request.GET.copy()
                params["q"] = suggestion
                params.pop("page", None)
                context["suggestion"] = suggestion
                context["suggestion_url"] = f"{request.path}?{params.urlencode()}"
    if not filters.query or not context["page"].paginator.count:
        # The foundations, in map order: where a learner who found nothing can start (one
        # cheap query; counting every concept's resources costs ~80 ms at 100,000).
        context["suggestions"] = Concept.objects.filter(area=ConceptArea.FOUNDATIONS).order_by(
            "position", "name"
        )[:8]
    return render(request, "resources/search.html", context)


def _search_results(request: HttpRequest, filters: selectors.ResourceFilters) -> dict:
    parsed = filters.parsed
    results = {
        "page": page(request, selectors.filtered_resources(filters), SEARCH_PER_PAGE),
        "concepts": selectors.search_concepts(parsed),
        "paths": search_paths(parsed),
        "facets": selectors.choice_options(filters),
        "query_without_page": query_without(request, "page"),
    }
    results["found"] = bool(
        results["page"].paginator.count or results["concepts"] or results["paths"]
    )
    return results


def _with_query(request: HttpRequest, query: str) -> selectors.ResourceFilters:
    params = request.GET.copy()
    params["q"] = query
    return selectors.ResourceFilters.from_query(params)
