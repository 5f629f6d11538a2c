"""Public catalogue pages: concepts, resources, tags and the health check (search, which also
lists learning paths, is in learnpaths.views.catalogue)."""

from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from learnpaths.core.cache import cached_page
from resources import citations, selectors
from resources.concept_map import concept_graph
from resources.models import (
    Concept,
    ConceptPrerequisite,
    Resource,
    Tag,
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
    return render(request, "resources/concept_map.html", {"graph": concept_graph(concepts, links)})


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
