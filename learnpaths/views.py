"""Learning-path pages."""

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from learnpaths.models import LearningPath, Stage, Step
from resources.models import Concept, Level


@require_GET
def path_list(request: HttpRequest) -> HttpResponse:
    paths = (
        LearningPath.objects.published()
        .for_cards()
        .prefetch_related(Prefetch("concepts", queryset=Concept.objects.order_by("name")))
    )
    level = request.GET.get("level", "")
    topic = request.GET.get("topic", "")
    if level in Level.values:
        paths = paths.filter(level=level)
    else:
        level = ""
    topics = Concept.objects.filter(paths__status="published").distinct().order_by("name")
    if topic:
        paths = paths.filter(concepts__slug=topic)
    context = {
        "paths": paths,
        "levels": Level.choices,
        "topics": topics,
        "selected_level": level,
        "selected_topic": topic,
    }
    return render(request, "learnpaths/path_list.html", context)


@require_GET
def path_detail(request: HttpRequest, slug: str) -> HttpResponse:
    steps = Step.objects.select_related("resource").order_by("position")
    path = get_object_or_404(
        LearningPath.objects.published().prefetch_related(
            Prefetch("concepts", queryset=Concept.objects.order_by("name")),
            Prefetch(
                "stages",
                queryset=Stage.objects.order_by("position").prefetch_related(
                    Prefetch("steps", queryset=steps)
                ),
            ),
        ),
        slug=slug,
    )
    stages = list(path.stages.all())
    steps_in_path = [step for stage in stages for step in stage.steps.all()]
    context = {
        "path": path,
        "stages": stages,
        "step_total": len(steps_in_path),
        "hours_total": sum(step.resource.estimated_hours or 0 for step in steps_in_path),
    }
    return render(request, "learnpaths/path_detail.html", context)
