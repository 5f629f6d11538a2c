"""Public catalogue pages: home, concepts, resources, tags, search and the health check."""

from itertools import groupby

from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count, Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_safe

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
)

RESOURCES_PER_PAGE = 24


def concept_map() -> list[tuple[str, list[Concept]]]:
    """Concepts grouped by area, in map order, with their resource counts (one query)."""
    labels = dict(ConceptArea.choices)
    concepts = Concept.objects.for_list()
    return [(labels[area], list(group)) for area, group in groupby(concepts, key=lambda c: c.area)]


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    context = {
        "featured_paths": LearningPath.objects.published().filter(featured=True).for_cards()[:6],
        "concept_areas": concept_map(),
        "recent_resources": Resource.objects.published()
        .order_by("-created_at", "-pk")
        .for_list()[:8],
        "deadlines": ConferenceEdition.objects.upcoming_deadlines(timezone.now())[:6],
    }
    return render(request, "resources/home.html", context)


@require_safe
def concept_list(request: HttpRequest) -> HttpResponse:
    return render(request, "resources/concept_list.html", {"concept_areas": concept_map()})


@require_safe
def concept_detail(request: HttpRequest, slug: str) -> HttpResponse:
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
    context = {
        "concept": concept,
        "graph": concept_graph([*prerequisites, concept, *leads_to], links, current=concept),
        "resources_by_kind": resources_by_kind,
        "paths": LearningPath.objects.published().filter(concepts=concept).for_cards(),
    }
    return render(request, "resources/concept_detail.html", context)


@require_safe
def resource_list(request: HttpRequest) -> HttpResponse:
    filters = selectors.ResourceFilters.from_query(request.GET)
    page = Paginator(selectors.filtered_resources(filters), RESOURCES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {
        "page": page,
        "filters": filters,
        "facets": selectors.resource_facets(filters),
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
def resource_detail(request: HttpRequest, slug: str) -> HttpResponse:
    resource = get_object_or_404(
        Resource.objects.published().prefetch_related(
            "tags",
            Prefetch("concepts", queryset=Concept.objects.order_by("name")),
            Prefetch("editions", queryset=ConferenceEdition.objects.order_by("-year")),
        ),
        slug=slug,
    )
    paths = LearningPath.objects.published().filter(stages__steps__resource=resource).distinct()
    context = {
        "resource": resource,
        "paths": paths.order_by("title"),
        "status": statuses_for(request.user, [resource.pk]).get(resource.pk),
    }
    return render(request, "resources/resource_detail.html", context)


@require_safe
def tag_detail(request: HttpRequest, slug: str) -> HttpResponse:
    tag = get_object_or_404(Tag, slug=slug)
    resources = Resource.objects.published().filter(tags=tag).order_by("title").for_list()
    page = Paginator(resources, RESOURCES_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "resources/tag_detail.html",
        {"tag": tag, "page": page, "query_without_page": _query_without(request, "page")},
    )


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    query = selectors.normalise_query(request.GET.get("q", ""))
    context = {
        "query": query,
        "too_long": len(request.GET.get("q", "")) > selectors.MAX_QUERY_LENGTH,
    }
    if query:
        page = Paginator(selectors.search_resources(query), RESOURCES_PER_PAGE).get_page(
            request.GET.get("page")
        )
        context |= {
            "page": page,
            "concepts": selectors.search_concepts(query),
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


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _query_without(request: HttpRequest, name: str) -> str:
    params = request.GET.copy()
    params.pop(name, None)
    return params.urlencode()
