"""Accounts: sign-up and closing an account."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from django.views.i18n import set_language

from learnpaths import services
from learnpaths.core.http import safe_next
from learnpaths.core.languages import url_in_language
from learnpaths.forms import AccountDeleteForm, SignupForm


# HEAD too: every page that answers GET answers HEAD (link checkers, monitors).
@require_http_methods(["GET", "HEAD", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("dashboard")
    next_url = safe_next(request, default=reverse("dashboard"))
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="learnpaths.auth.UsernameOrEmailBackend")
        messages.success(
            request,
            gettext("Welcome, %(username)s! Follow a path to get started.")
            % {"username": user.username},
        )
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
        messages.info(request, gettext("Your account and your progress have been deleted."))
        return redirect("home")
    return render(request, "registration/account_delete.html", {"form": form})


@csrf_exempt  # see learnpaths/urls.py: the switch is on cached anonymous pages
def switch_language(request: HttpRequest) -> HttpResponse:
    """Django's `set_language`, for this site: only its own languages are taken (another code
    changes nothing), and `next` — a page in any language, its `next` parameter too — comes
    back as the same page in the chosen one (`url_in_language`), whatever language the
    visitor's cookie or browser asked for before."""
    if request.method != "POST":
        return set_language(request)  # changes nothing; back to `next`
    form = request.POST.copy()
    language = form.get("language", "")
    if language not in dict(settings.LANGUAGES):
        form.pop("language", None)  # set_language then only redirects
    else:
        next_url = form.get("next", "")
        if next_url.startswith("/") and not next_url.startswith("//"):
            form["next"] = url_in_language(next_url, language)
    request.POST = form
    return set_language(request)
