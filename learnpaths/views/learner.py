"""The signed-in learner's own pages: the dashboard, their time zone and the exports of their
data."""

import csv
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_safe

from learnpaths import exports, selectors, services
from learnpaths.core.cache import cached_page
from learnpaths.exports import _spreadsheet_safe
from learnpaths.forms import TimeZoneForm
from resources.versions import catalogue_version


@login_required
@require_safe
@cached_page("dashboard", daily=True)  # the activity chart counts by week up to today
def dashboard_view(request: HttpRequest) -> HttpResponse:
    context = selectors.dashboard_data(request.user, version=catalogue_version(request))
    return render(request, "learnpaths/dashboard.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def time_zone_view(request: HttpRequest) -> HttpResponse:
    """The learner's time zone: a form; a valid choice is saved and leads to the dashboard, an
    unknown one is shown with its error and changes nothing."""
    current = request.user.time_zone
    form = TimeZoneForm(request.POST or None, current=current, initial={"time_zone": current})
    if request.method == "POST" and form.is_valid():
        services.user_time_zone_set(user=request.user, time_zone=form.cleaned_data["time_zone"])
        messages.success(
            request,
            gettext("Your time zone is now %(zone)s.") % {"zone": request.user.time_zone or "UTC"},
        )
        return redirect("dashboard")
    return render(request, "learnpaths/time_zone.html", {"form": form})


@login_required
@require_safe
def export_csv(request: HttpRequest) -> HttpResponse:
    stamp = timezone.localdate().isoformat()
    response = HttpResponse(
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="learnpaths-progress-{stamp}.csv"'},
    )
    writer = csv.DictWriter(response, fieldnames=exports.EXPORT_FIELDS)
    writer.writeheader()
    for row in exports.progress_export_rows(request.user):
        writer.writerow({key: _spreadsheet_safe(str(value)) for key, value in row.items()})
    return response


@login_required
@require_safe
def export_json(request: HttpRequest) -> HttpResponse:
    stamp = timezone.localdate().isoformat()
    document = {
        "user": request.user.username,
        "exported_at": timezone.now().isoformat(),
        "progress": exports.progress_export_rows(request.user),
        "followed_paths": exports.followed_export_rows(
            request.user, version=catalogue_version(request)
        ),
    }
    return HttpResponse(
        json.dumps(document, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="learnpaths-progress-{stamp}.json"'},
    )
