"""Accounts: sign-up and closing an account."""

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from learnpaths import services
from learnpaths.core.http import safe_next
from learnpaths.forms import AccountDeleteForm, SignupForm


# HEAD too: every page that answers GET answers HEAD (link checkers, monitors).
@require_http_methods(["GET", "HEAD", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("dashboard")
    next_url = safe_next(request, default="/me/")
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
