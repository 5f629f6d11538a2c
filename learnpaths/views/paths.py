"""Learning-path pages, following paths and marking progress."""

import re
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import F, Prefetch
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_htmx.http import HttpResponseClientRedirect

from learnpaths import selectors, services, statuses
from learnpaths.core.cache import cached_page
from learnpaths.core.http import safe_next
from learnpaths.feeds import NewPathsFeed
from learnpaths.forms import PaceForm
from learnpaths.fragments import (
    path_progress_html,
    stage_progress_html,
    stage_steps_html,
    step_html,
)
from learnpaths.models import LearningPath, PathFollow, PathStatus, ProgressStatus, Stage
from learnpaths.pace import Pace
from learnpaths.path_structures import PathData, ResourceRef, published_path, published_resource
from learnpaths.progress import PathProgress, path_progress
from resources import citations
from resources.models import Concept, Level
from resources.views import bibtex_response


@require_safe
@cached_page("path-feed")
def path_feed(request: HttpRequest) -> HttpResponse:
    """The newest published learning paths, as an Atom feed."""
    return NewPathsFeed()(request)


@require_safe
@cached_page("path-list", params=frozenset({"level", "topic"}))
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


@require_safe
@cached_page("path", daily=True)  # a follower's pace: planned hours and dates as of today
def path_detail(request: HttpRequest, slug: str) -> HttpResponse:
    path = published_path(request, slug)
    learner = selectors.learner_path_state(request.user, path.pk, path.resource_ids)
    progress = path_progress(path.stages, learner.statuses, learner.completed_at)
    pace = _pace(request, learner, progress)
    signed_in = request.user.is_authenticated
    token = get_token(request) if signed_in else None  # one for all the page's forms
    # The visitor's own parts of the page, in the order the template shows them.
    own_parts: list[SafeString] = [
        path_progress_html(request, progress, next_paths=path.next_paths)
    ]
    for stage_progress in progress.stages:
        own_parts.append(stage_progress_html(stage_progress) if signed_in else SafeString(""))
        own_parts.append(
            stage_steps_html(
                request,
                path,
                stage_progress.stage,
                learner.statuses,
                notes=learner.notes,
                csrf_token=token,
            )
        )
    return _render_path_page(request, path, learner.following, own_parts, pace)


@require_safe
def path_bibtex(request: HttpRequest, slug: str) -> HttpResponse:
    """The BibTeX of a published path's papers, in the path's order. Two queries."""
    path = get_object_or_404(LearningPath.objects.published(), slug=slug)
    return bibtex_response(citations.bibtex(path.papers()), path.slug)


@require_safe
def stage_bibtex(request: HttpRequest, slug: str, position: int) -> HttpResponse:
    """The BibTeX of the papers of one stage of a published path. Two queries."""
    stage = get_object_or_404(
        Stage,
        path__slug=slug,
        path__status=PathStatus.PUBLISHED,
        position=position,
    )
    return bibtex_response(citations.bibtex(stage.papers()), f"{slug}-stage-{position}")


def _render_path_page(
    request: HttpRequest,
    path: PathData,
    following: bool,
    own_parts: list[SafeString],
    pace: Pace | None,
) -> HttpResponse:
    progress_html, *stage_parts = own_parts  # safe strings: built to be inserted as they are
    context = {
        "path": path,
        "following": following,
        "pace": pace,
        "progress_html": progress_html,
        "stages": list(zip(path.stages, stage_parts[::2], stage_parts[1::2], strict=True)),
    }
    return render(request, "learnpaths/path_detail.html", context)


def _sign_in_first(request: HttpRequest, next_url: str) -> HttpResponse:
    login_url = f"{reverse('login')}?{urlencode({'next': next_url})}"
    if request.htmx:
        return HttpResponseClientRedirect(login_url)
    return HttpResponseRedirect(login_url)


@require_POST
def path_follow(request: HttpRequest, slug: str) -> HttpResponse:
    path = get_object_or_404(LearningPath.objects.published(), slug=slug)
    if not request.user.is_authenticated:
        return _sign_in_first(request, path.get_absolute_url())
    if request.POST.get("action") == "unfollow":
        services.path_unfollow(user=request.user, path=path)
        messages.info(
            request,
            gettext("You no longer follow “%(path)s”. Your progress is kept.")
            % {"path": path.title},
        )
    else:
        services.path_follow(user=request.user, path=path)
        messages.success(
            request,
            gettext("You follow “%(path)s”. It is on your dashboard.") % {"path": path.title},
        )
    return redirect(path)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def path_pace(request: HttpRequest, slug: str) -> HttpResponse:
    """The learner's hours per week on a path they follow (404 when they do not): a page with
    the form, whose POST comes from it, the path page or the dashboard and goes back to `next`
    when valid; an invalid value is shown with its error on this page, and nothing changes."""
    path = published_path(request, slug)
    follow = get_object_or_404(
        PathFollow.objects.annotate(path_weekly_hours=F("path__weekly_hours")),
        user=request.user,
        path_id=path.pk,
    )
    next_url = safe_next(request, path.get_absolute_url())
    form = PaceForm(
        request.POST if request.method == "POST" else None,
        initial={"weekly_hours": follow.weekly_hours or follow.path_weekly_hours},
    )
    if request.method == "POST" and (request.POST.get("reset") or form.is_valid()):
        weekly_hours = None if request.POST.get("reset") else form.cleaned_data["weekly_hours"]
        if not services.follow_pace_set(
            user=request.user, path_id=path.pk, weekly_hours=weekly_hours
        ):
            raise Http404("You do not follow this path.")  # unfollowed since the page was shown
        messages.success(
            request,
            gettext("Your pace on “%(path)s”: %(hours)s h a week.")
            % {"path": path.title, "hours": weekly_hours or follow.path_weekly_hours},
        )
        return HttpResponseRedirect(next_url)
    context = {"path": path, "follow": follow, "form": form, "next": next_url}
    return render(request, "learnpaths/pace.html", context)


@require_POST
def progress_update(request: HttpRequest, slug: str) -> HttpResponse:
    resource = published_resource(request, slug)
    if not request.user.is_authenticated:
        return _sign_in_first(request, safe_next(request, resource.get_absolute_url()))
    status = request.POST.get("status")
    if status not in ProgressStatus.values:
        return render(
            request,
            "400.html",
            {"reason": statuses.choose_one()},
            status=400,
        )
    if request.htmx and (path_slug := request.POST.get("path", "")):
        try:
            path = published_path(request, path_slug)
        except Http404:  # unpublished since the page was shown: save, and show the resource
            services.progress_set(user=request.user, resource_id=resource.pk, status=status)
            return HttpResponseClientRedirect(resource.get_absolute_url())
        return HttpResponse(_path_step_update(request, path, resource, status))
    services.progress_set(user=request.user, resource_id=resource.pk, status=status)
    if not request.htmx:  # the next URL is checked only where it is used
        return HttpResponseRedirect(safe_next(request, resource.get_absolute_url()))
    status = selectors.statuses_for(request.user, [resource.pk]).get(resource.pk)
    return render(
        request,
        "learnpaths/partials/_resource_progress.html",
        {"resource": resource, "status": status, "changed": True},
    )


def _path_step_update(
    request: HttpRequest, path: PathData, resource: ResourceRef, status: str
) -> str:
    """Set the status sent from a path page and answer htmx with the changed step, then out of
    band the path's bars and those of the stage holding the step (the others did not change)."""
    learner = services.progress_set_on_path(
        user=request.user,
        resource_id=resource.pk,
        status=status,
        path_id=path.pk,
        resource_ids=path.resource_ids,
    )
    progress = path_progress(path.stages, learner.statuses, learner.completed_at)
    pace = _pace(request, learner, progress)
    parts = [
        step_html(
            request,
            step,
            learner.statuses.get(resource.pk),
            path_slug=path.slug,
            note=learner.notes.get(resource.pk),
            changed=True,
        )
        for stage in path.stages
        for step in stage.steps
        if step.resource_id == resource.pk
    ]
    if not parts:
        parts.append(_step_gone_html(request, resource))
    parts.append(path_progress_html(request, progress, next_paths=path.next_paths, oob=True))
    parts.extend(
        stage_progress_html(stage_progress, oob=True)
        for stage_progress in progress.stages
        if any(step.resource_id == resource.pk for step in stage_progress.stage.steps)
    )
    if learner.following:
        parts.append(_pace_oob_html(request, path, pace))
    return "".join(parts)


def _pace(
    request: HttpRequest, learner: selectors.LearnerPathState, progress: PathProgress
) -> Pace | None:
    """The learner's pace on the path when they follow it (`selectors.learner_pace`)."""
    if not learner.following:
        return None
    return selectors.learner_pace(
        progress,
        user=request.user,
        started_at=learner.started_at,
        weekly_hours=learner.weekly_hours,
        path_weekly_hours=learner.path_weekly_hours,
    )


def _pace_oob_html(request: HttpRequest, path: PathData, pace: Pace | None) -> str:
    """The pace section of the path page (`_pace.html`), for htmx to swap in place (out of
    band) after a status change; an empty, hidden one when there is nothing left to plan."""
    if pace is None:
        return format_html('<div id="pace-{}" data-hx-swap-oob="true" hidden></div>', path.pk)
    context = {
        "pace": pace,
        "path": path,
        "heading": "h2",
        "stages_open": True,
        "oob": True,
        "page_path": path.url,
    }
    return render_to_string("learnpaths/partials/_pace.html", context, request=request)


def _step_gone_html(request: HttpRequest, resource: ResourceRef) -> str:
    """What takes the place of a step that a curator took out of the path while the learner
    had the page open: a sentence saying so, focused and announced like any status change
    (`data-announce`, static/js/progress.js), instead of the step vanishing silently."""
    message = gettext(
        "This step is no longer part of the path; your progress on “%(resource)s” was saved."
    ) % {"resource": resource.title}
    target = request.htmx.target or ""
    step_id = format_html(' id="{}"', target) if re.fullmatch(r"step-\d+", target) else ""
    return format_html(
        '<li class="step step-removed"{}><p class="status" tabindex="-1" data-announce="{}">{}'
        "</p></li>",
        step_id,
        message,
        message,
    )
