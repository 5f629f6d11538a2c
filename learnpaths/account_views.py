"""Accounts (sign-up, closing an account) and the learner's own pages."""

import csv
import json
import unicodedata

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from learnpaths import dashboard, services
from learnpaths.cache import catalogue_version, learner_page
from learnpaths.forms import AccountDeleteForm, SignupForm
from learnpaths.views import safe_next

# Spreadsheet programs run a cell as a formula (or a DDE command, "|") when it starts with one
# of these, full-width forms included, after skipping any leading spaces and control characters.
FORMULA_STARTS = frozenset("=+-@|＝＋－＠")


# HEAD too: every page that answers GET answers HEAD (link checkers, monitors).
@require_http_methods(["GET", "HEAD", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("dashboard")
    next_url = safe_next(request, default="/me/")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="learnpaths.backends.UsernameOrEmailBackend")
        messages.success(request, f"Welcome, {user.username}! Follow a path to get started.")
        return redirect(next_url)
    return render(request, "registration/signup.html", {"form": form, "next": next_url})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def account_delete(request: HttpRequest) -> HttpResponse:
    form = AccountDeleteForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = request.user
        logout(request)
        services.account_delete(user=user)
        messages.info(request, "Your account and your progress have been deleted.")
        return redirect("home")
    return render(request, "registration/account_delete.html", {"form": form})


@login_required
@require_safe
@learner_page("dashboard", daily=True)  # the activity chart counts by week up to today
def dashboard_view(request: HttpRequest) -> HttpResponse:
    context = dashboard.dashboard_data(request.user, version=catalogue_version(request))
    return render(request, "learnpaths/dashboard.html", context)


def _spreadsheet_safe(value: str) -> str:
    """`value`, with an apostrophe in front if a spreadsheet could run it as a formula: its first
    character that is not a space (a no-break space included) or a control character (a line
    feed, a zero-width space) starts a formula, or it starts with a tab or a line break."""
    if value[:1] in ("\t", "\r", "\n"):
        return f"'{value}"
    for char in value:
        if char.isspace() or unicodedata.category(char).startswith("C"):
            continue
        return f"'{value}" if char in FORMULA_STARTS else value
    return value


@login_required
@require_safe
def export_csv(request: HttpRequest) -> HttpResponse:
    stamp = timezone.localdate().isoformat()
    response = HttpResponse(
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="learnpaths-progress-{stamp}.csv"'},
    )
    writer = csv.DictWriter(response, fieldnames=dashboard.EXPORT_FIELDS)
    writer.writeheader()
    for row in dashboard.progress_export_rows(request.user):
        writer.writerow({key: _spreadsheet_safe(str(value)) for key, value in row.items()})
    return response


@login_required
@require_safe
def export_json(request: HttpRequest) -> HttpResponse:
    stamp = timezone.localdate().isoformat()
    document = {
        "user": request.user.username,
        "exported_at": timezone.now().isoformat(),
        "progress": dashboard.progress_export_rows(request.user),
        "followed_paths": dashboard.followed_export_rows(
            request.user, version=catalogue_version(request)
        ),
    }
    return HttpResponse(
        json.dumps(document, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="learnpaths-progress-{stamp}.json"'},
    )
