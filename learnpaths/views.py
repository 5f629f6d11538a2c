"""Learning-path pages, following paths and marking progress."""

from urllib.parse import urlencode

from django.contrib import messages
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString
from django.views.decorators.http import require_POST, require_safe

from learnpaths import selectors, services
from learnpaths.cache import anonymous_page, cached, learner_page
from learnpaths.forms import ProgressForm
from learnpaths.models import LearningPath
from learnpaths.path_data import (
    PathData,
    published_path,
    published_resource,
    stage_steps_html,
    step_html,
)
from resources.models import Concept, Level


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


@require_safe
@anonymous_page("path-list", params=frozenset({"level", "topic"}))
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
        "paths": cached(request, "path-list", level, topic, build=lambda: list(paths)),
        "levels": Level.choices,
        "topics": cached(request, "path-topics", build=lambda: list(topics)),
        "selected_level": level,
        "selected_topic": topic,
    }
    return render(request, "learnpaths/path_list.html", context)


def _path_context(request: HttpRequest, path: PathData) -> dict:
    resource_ids = [step.resource_id for stage in path.stages for step in stage.steps]
    learner = selectors.learner_path_state(request.user, path.pk, resource_ids)
    return {
        "path": path,
        "progress": selectors.path_progress(path.stages, learner.statuses, learner.completed_at),
        "following": learner.following,
        "statuses": learner.statuses,
    }


@require_safe
@anonymous_page("path")
@learner_page("path")
def path_detail(request: HttpRequest, slug: str) -> HttpResponse:
    path = published_path(request, slug)
    context = _path_context(request, path)
    statuses = context["statuses"]
    context["stages"] = [
        (stage_progress, stage_steps_html(request, path, stage_progress.stage, statuses))
        for stage_progress in context["progress"].stages
    ]
    return render(request, "learnpaths/path_detail.html", context)


def safe_next(request: HttpRequest, default: str) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


def _sign_in_first(request: HttpRequest, next_url: str) -> HttpResponse:
    login_url = f"{reverse('login')}?{urlencode({'next': next_url})}"
    if is_htmx(request):
        return HttpResponse(status=204, headers={"HX-Redirect": login_url})
    return HttpResponseRedirect(login_url)


@require_POST
def path_follow(request: HttpRequest, slug: str) -> HttpResponse:
    path = get_object_or_404(LearningPath.objects.published(), slug=slug)
    if not request.user.is_authenticated:
        return _sign_in_first(request, path.get_absolute_url())
    if request.POST.get("action") == "unfollow":
        services.path_unfollow(user=request.user, path=path)
        messages.info(request, f"You no longer follow “{path.title}”. Your progress is kept.")
    else:
        services.path_follow(user=request.user, path=path)
        messages.success(request, f"You follow “{path.title}”. It is on your dashboard.")
    return redirect(path)


@require_POST
def progress_update(request: HttpRequest, slug: str) -> HttpResponse:
    resource = published_resource(request, slug)
    if not request.user.is_authenticated:
        return _sign_in_first(request, safe_next(request, resource.url))
    form = ProgressForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "400.html",
            {"reason": "Choose done, in progress or not started."},
            status=400,
        )
    services.progress_set(
        user=request.user, resource_id=resource.pk, status=form.cleaned_data["status"]
    )
    if not is_htmx(request):  # the next URL is checked only where it is used
        return HttpResponseRedirect(safe_next(request, resource.url))
    path_slug = request.POST.get("path", "")
    if path_slug:
        path = published_path(request, path_slug)
        context = _path_context(request, path)
        status = context["statuses"].get(resource.pk)
        context["changed_step_html"] = SafeString(  # nosec B703 - built by step_html
            "".join(
                step_html(request, step, status, path_slug=path.slug)
                for stage in path.stages
                for step in stage.steps
                if step.resource_id == resource.pk
            )
        )
        # Only the bars of the stage holding the step change (and the path's).
        context["changed_stages"] = [
            stage_progress
            for stage_progress in context["progress"].stages
            if any(step.resource_id == resource.pk for step in stage_progress.stage.steps)
        ]
        return render(request, "learnpaths/partials/progress_update.html", context)
    status = selectors.statuses_for(request.user, [resource.pk]).get(resource.pk)
    return render(
        request,
        "learnpaths/partials/_resource_progress.html",
        {"resource": resource, "status": status},
    )
