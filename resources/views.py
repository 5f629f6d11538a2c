"""Public catalogue pages: home, concepts, resources, tags, search and the health check."""

from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from learnpaths.core.cache import cached_page
from resources import selectors
from resources.concept_map import concept_graph
from resources.models import (
    Concept,
    ConceptPrerequisite,
    Resource,
    Tag,
)

RESOURCES_PER_PAGE = 24
# The query parameters each cached anonymous page reads (any other one bypasses the cache).
LIST_PARAMS = frozenset({*selectors.CHOICE_FILTERS, "concept", "tag", "sort", "page"})


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
    return render(request, "resources/concept_map.html", {"graph": concept_graph(concepts, links)})


@require_safe
@cached_page("resource-list", params=LIST_PARAMS)
def resource_list(request: HttpRequest) -> HttpResponse:
    filters = selectors.ResourceFilters.from_query(request.GET)
    context = {
        "page": _page(request, selectors.filtered_resources(filters)),
        "filters": filters,
        "facets": selectors.resource_facets(filters),
        "sorts": [(key, label) for key, (label, _) in selectors.SORTS.items()],
        "query_without_page": _query_without(request, "page"),
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
    page = _page(request, resources)
    return render(
        request,
        "resources/tag_detail.html",
        {"tag": tag, "page": page, "query_without_page": _query_without(request, "page")},
    )


@require_safe
@cached_page("search", params=frozenset({"q", "page"}))
def search(request: HttpRequest) -> HttpResponse:
    query = selectors.normalise_query(request.GET.get("q", ""))
    context = {
        "query": query,
        "too_long": len(request.GET.get("q", "")) > selectors.MAX_QUERY_LENGTH,
    }
    if query:
        context |= {
            "page": _page(request, selectors.search_resources(query)),
            "concepts": list(selectors.search_concepts(query)),
            "query_without_page": _query_without(request, "page"),
        }
    if not query or not context["page"].paginator.count:
        context["suggestions"] = Concept.objects.annotate(n=Count("resources")).order_by("-n")[:8]
    return render(request, "resources/search.html", context)


@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")


def _page(request: HttpRequest, queryset):
    """The page of `queryset` that `?page=` asks for (the last one when past the end)."""
    return Paginator(queryset, RESOURCES_PER_PAGE).get_page(request.GET.get("page"))


def _query_without(request: HttpRequest, name: str) -> str:
    params = request.GET.copy()
    params.pop(name, None)
    return params.urlencode()
