"""Public catalogue pages: home, concepts, resources, tags, search and the health check."""

from itertools import groupby

from django.db import connection
from django.db.models import Count, Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from learnpaths.cache import anonymous_page, cached, cached_page, catalogue_version
from learnpaths.models import LearningPath
from learnpaths.selectors import statuses_for
from resources import selectors
from resources.concept_map import concept_graph
from resources.models import (
    Concept,
    ConceptArea,
    ConceptPrerequisite,
    ConferenceEdition,
    Resource,
    ResourceKind,
    Tag,
    next_deadline,
)

RESOURCES_PER_PAGE = 24
# The query parameters each cached anonymous page reads (any other one bypasses the cache).
LIST_PARAMS = frozenset({*selectors.CHOICE_FILTERS, "concept", "tag", "sort", "page"})


def concept_map() -> list[tuple[str, list[Concept]]]:
    """Concepts grouped by area, in map order, with their resource counts (one query)."""
    labels = dict(ConceptArea.choices)
    concepts = Concept.objects.for_list()
    return [(labels[area], list(group)) for area, group in groupby(concepts, key=lambda c: c.area)]


@require_safe
@anonymous_page("home")
def home(request: HttpRequest) -> HttpResponse:
    # The upcoming deadlines go out of date as time passes, not only with edits: the context is
    # built again once one of them has passed, and neither the page nor its fragment (keyed by
    # the first deadline listed) is served past it.
    context = cached(request, "home", build=_home_context, stale=_lists_a_passed_deadline)
    until = next_deadline(context["deadlines"])
    context = {
        **context,
        "catalogue_version": catalogue_version(request),
        "deadlines_until": until.isoformat() if until else "",
    }
    response = render(request, "resources/home.html", context)
    response.cache_until = until
    return response


def _lists_a_passed_deadline(context: dict) -> bool:
    return any(edition.deadline.passed() for edition in context["deadlines"])


def _home_context() -> dict:
    return {
        "featured_paths": list(
            LearningPath.objects.published().filter(featured=True).for_cards()[:6]
        ),
        "concept_areas": concept_map(),
        "recent_resources": list(
            Resource.objects.published().order_by("-created_at", "-pk").for_list()[:8]
        ),
        "deadlines": list(ConferenceEdition.objects.upcoming_deadlines(timezone.now())[:6]),
    }


@require_safe
@anonymous_page("concept-list")
def concept_list(request: HttpRequest) -> HttpResponse:
    concept_areas = cached(request, "concept-map", build=concept_map)
    return render(request, "resources/concept_list.html", {"concept_areas": concept_areas})


@require_safe
def concept_map_view(request: HttpRequest) -> HttpResponse:
    """The whole prerequisite graph as a layered SVG, in two queries whatever its size."""
    concepts = Concept.objects.order_by("area", "position", "name")
    links = ConceptPrerequisite.objects.values_list("prerequisite_id", "concept_id")
    return render(request, "resources/concept_map.html", {"graph": concept_graph(concepts, links)})


@require_safe
@anonymous_page("concept")
def concept_detail(request: HttpRequest, slug: str) -> HttpResponse:
    context = cached(request, "concept", slug, build=lambda: _concept_context(slug))
    context = {**context, "catalogue_version": catalogue_version(request)}
    return render(request, "resources/concept_detail.html", context)


def _concept_context(slug: str) -> dict:
    concept = get_object_or_404(
        Concept.objects.prefetch_related(
            Prefetch("prerequisites", queryset=Concept.objects.order_by("name")),
            Prefetch("leads_to", queryset=Concept.objects.order_by("name")),
        ),
        slug=slug,
    )
    resources = Resource.objects.published().filter(concepts=concept).order_by("kind", "title")
    kind_labels = dict(ResourceKind.choices)
    resources_by_kind = [
        (kind_labels[kind], list(group))
        for kind, group in groupby(resources.for_list(), key=lambda r: r.kind)
    ]
    # The neighbourhood, one level each way, from the rows prefetched above.
    prerequisites, leads_to = list(concept.prerequisites.all()), list(concept.leads_to.all())
    links = [(p.pk, concept.pk) for p in prerequisites] + [(concept.pk, n.pk) for n in leads_to]
    return {
        "concept": concept,
        "graph": concept_graph([*prerequisites, concept, *leads_to], links, current=concept),
        "resources_by_kind": resources_by_kind,
        "paths": list(LearningPath.objects.published().filter(concepts=concept).for_cards()),
    }


@require_safe
@anonymous_page("resource-list", params=LIST_PARAMS)
def resource_list(request: HttpRequest) -> HttpResponse:
    filters = selectors.ResourceFilters.from_query(request.GET)
    # Keyed by the parsed filters, so junk parameters cannot multiply the cache entries.
    key = (sorted(filters.choices.items()), filters.concepts, filters.tags, filters.sort)
    page = cached_page(
        request,
        "resource-list",
        key,
        queryset=selectors.filtered_resources(filters),
        per_page=RESOURCES_PER_PAGE,
    )
    context = {
        "page": page,
        "filters": filters,
        "facets": cached(request, "facets", key, build=lambda: selectors.resource_facets(filters)),
        "sorts": [(key, label) for key, (label, _) in selectors.SORTS.items()],
        "query_without_page": _query_without(request, "page"),
    }
    template = (
        "resources/partials/resource_results.html"
        if _is_htmx(request)
        else ("resources/resource_list.html")
    )
    return render(request, template, context)


@require_safe
@anonymous_page("resource")
def resource_detail(request: HttpRequest, slug: str) -> HttpResponse:
    context = cached(request, "resource", slug, build=lambda: _resource_context(slug))
    resource = context["resource"]
    status = statuses_for(request.user, [resource.pk]).get(resource.pk)
    response = render(request, "resources/resource_detail.html", {**context, "status": status})
    response.cache_until = next_deadline(resource.editions.all())  # then it is marked passed
    return response


def _resource_context(slug: str) -> dict:
    resource = get_object_or_404(
        Resource.objects.published().prefetch_related(
            "tags",
            Prefetch("concepts", queryset=Concept.objects.order_by("name")),
            Prefetch("editions", queryset=ConferenceEdition.objects.order_by("-year")),
        ),
        slug=slug,
    )
    paths = LearningPath.objects.published().filter(stages__steps__resource=resource).distinct()
    return {"resource": resource, "paths": list(paths.order_by("title"))}


@require_safe
@anonymous_page("tag", params=frozenset({"page"}))
def tag_detail(request: HttpRequest, slug: str) -> HttpResponse:
    tag = get_object_or_404(Tag, slug=slug)
    resources = Resource.objects.published().filter(tags=tag).order_by("title").for_list()
    page = cached_page(request, "tag", tag.pk, queryset=resources, per_page=RESOURCES_PER_PAGE)
    return render(
        request,
        "resources/tag_detail.html",
        {"tag": tag, "page": page, "query_without_page": _query_without(request, "page")},
    )


@require_safe
@anonymous_page("search", params=frozenset({"q", "page"}))
def search(request: HttpRequest) -> HttpResponse:
    query = selectors.normalise_query(request.GET.get("q", ""))
    context = {
        "query": query,
        "too_long": len(request.GET.get("q", "")) > selectors.MAX_QUERY_LENGTH,
    }
    if query:
        page = cached_page(
            request,
            "search",
            query,
            queryset=selectors.search_resources(query),
            per_page=RESOURCES_PER_PAGE,
        )
        context |= {
            "page": page,
            "concepts": cached(
                request,
                "search-concepts",
                query,
                build=lambda: list(selectors.search_concepts(query)),
            ),
            "query_without_page": _query_without(request, "page"),
        }
    if not query or not context["page"].paginator.count:
        context["suggestions"] = cached(
            request,
            "suggestions",
            build=lambda: list(Concept.objects.annotate(n=Count("resources")).order_by("-n")[:8]),
        )
    return render(request, "resources/search.html", context)


@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _query_without(request: HttpRequest, name: str) -> str:
    params = request.GET.copy()
    params.pop(name, None)
    return params.urlencode()
