"""The signed-in learner's own pages: the dashboard, their time zone, the exports of their
data and its import, sharing their progress; and the public page of a shared progress."""

import csv
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from learnpaths import exports, imports, selectors, services
from learnpaths.core.cache import cached_page
from learnpaths.core.uploads import accepts_file
from learnpaths.exports import _spreadsheet_safe
from learnpaths.forms import LearnerDataImportForm, TimeZoneForm
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
    for row in exports.csv_export_rows(request.user):
        writer.writerow({key: _spreadsheet_safe(str(value)) for key, value in row.items()})
    return response


@login_required
@require_safe
def export_json(request: HttpRequest) -> HttpResponse:
    stamp = timezone.localdate().isoformat()
    document = exports.learner_document(request.user, version=catalogue_version(request))
    return HttpResponse(
        json.dumps(document, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="learnpaths-progress-{stamp}.json"'},
    )


@accepts_file(max_bytes=imports.MAX_IMPORT_BYTES)
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def data_import(request: HttpRequest) -> HttpResponse:
    """The form to import a JSON export (GET), and the import (POST): a file with any problem
    comes back with the problems under the field and changes nothing; a good one is merged
    (`services.learner_data_import`) and the page says what changed and what was skipped."""
    report = None
    if request.method == "POST":
        form = LearnerDataImportForm(request.POST, request.FILES)
        if form.is_valid():
            report = services.learner_data_import(user=request.user, data=form.learner_data)
            form = LearnerDataImportForm()
    else:
        form = LearnerDataImportForm()
    return render(request, "learnpaths/data_import.html", {"form": form, "report": report})


@require_POST
def share_settings(request: HttpRequest) -> HttpResponse:
    """Turn the public link to the learner's progress on (`action=on`; a new link), off
    (`off`) or swap it for a new one (`regenerate`); the old link answers 404 after any of
    them. Back to the dashboard, which shows the link."""
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("dashboard"))
    action = request.POST.get("action")
    if action not in ("on", "off", "regenerate"):
        return render(
            request,
            "400.html",
            {"reason": gettext("Choose to turn sharing on, off, or to make a new link.")},
            status=400,
        )
    services.share_token_set(user=request.user, shared=action != "off")
    messages.success(
        request,
        {
            "on": gettext("Your progress can now be seen by anyone with the link below."),
            "off": gettext("Sharing is off: your link no longer works."),
            "regenerate": gettext("Your link is new: the old one no longer works."),
        }[action],
    )
    return redirect(f"{reverse('dashboard')}#sharing-title")


# Never stored by a browser or a proxy: once the learner turns sharing off, no copy of the
# page may outlive the link. Not cached by the site either (it is three small queries).
@never_cache
@require_safe
def shared_progress(request: HttpRequest, token: str) -> HttpResponse:
    """The public page of a learner's shared progress (/u/<token>/): the published paths they
    follow and how far they are along each; 404 for a token no learner shares under (revoked,
    regenerated, forged or malformed). Not for search engines (noindex, here and in the
    page)."""
    followed = selectors.shared_progress(token, version=catalogue_version(request))
    if followed is None:
        raise Http404("No progress is shared under this link.")
    response = render(request, "learnpaths/shared_progress.html", {"followed": followed})
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
