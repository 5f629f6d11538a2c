"""A clean log shows real problems: an ordinary session writes no warning to it.

Signing up, signing in, changing the password, browsing every page type, HEAD requests (through
the WSGI handler as a server calls it, not the test client, which drops HEAD bodies itself) and
the admin's pages and autocompletes: no log record at WARNING or above, no Python warning.
"""

import logging
import warnings
from io import BytesIO

import pytest
from django.contrib import admin
from django.core.handlers.wsgi import WSGIHandler
from django.urls import reverse

from learnpaths.models import PathFollow
from tests.security import conftest as security
from tests.security.conftest import PASSWORD

world = security.world  # the security tests' fixture: one of everything the site shows

PAGES = ("home", "concept-list", "concept-map", "resource-list", "path-list", "search")


def public_pages(world) -> list[str]:
    return [
        *(reverse(name) for name in PAGES),
        reverse("search") + "?q=attention",
        world.concept.get_absolute_url(),
        world.resource.get_absolute_url(),
        world.path.get_absolute_url(),
        reverse("tag-detail", args=[world.tag.slug]),
    ]


def head(path: str, environ: dict | None = None) -> tuple[str, bytes]:
    """A HEAD request through the WSGI application, as gunicorn makes it: (status, body)."""
    statuses = []
    path, _, query = path.partition("?")
    environ = {
        "REQUEST_METHOD": "HEAD",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "wsgi.url_scheme": "http",
        "wsgi.input": BytesIO(),
        **(environ or {}),
    }
    result = WSGIHandler()(environ, lambda status, headers, *_: statuses.append(status))
    try:
        body = b"".join(result)
    finally:
        getattr(result, "close", lambda: None)()
    return statuses[0], body


@pytest.fixture
def quiet(caplog):
    """Fails the test on any warning: Python warnings raise, WARNING log records are listed."""
    caplog.set_level(logging.INFO)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # The test run has no collectstatic output (pyproject's filterwarnings says the same).
        warnings.filterwarnings("ignore", "No directory at", UserWarning)
        yield
    loud = [
        f"{record.levelname} {record.name}: {record.getMessage()}"
        for record in caplog.records
        if record.levelno >= logging.WARNING
    ]
    assert loud == []


@pytest.mark.usefixtures("quiet")
def test_a_learners_ordinary_session_logs_no_warning(client, world, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    signup = {
        "username": "newcomer",
        "email": "newcomer@example.org",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    assert client.post(reverse("signup"), signup).status_code == 302
    client.post(reverse("logout"))
    signin = {"username": "newcomer@example.org", "password": PASSWORD}
    assert client.post(reverse("login"), signin).status_code == 302
    new = PASSWORD + " again"
    change = {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    assert client.post(reverse("password_change"), change).status_code == 302
    client.post(reverse("path-follow", args=[world.path.slug]))
    assert PathFollow.objects.filter(user__username="newcomer").exists()
    for url in [*public_pages(world), reverse("dashboard"), reverse("password_change")]:
        assert client.get(url).status_code == 200, url
    client.post(reverse("logout"))
    for url in public_pages(world):
        assert client.get(url).status_code == 200, url
        assert client.head(url).status_code == 200, url


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("quiet")
def test_head_requests_get_headers_and_no_body(world, settings):
    # WhiteNoise serves from the finders: no collectstatic in tests.
    settings.WHITENOISE_USE_FINDERS = settings.WHITENOISE_AUTOREFRESH = True
    for url in [*public_pages(world), reverse("login"), "/static/css/site.css", "/healthz"]:
        status, body = head(url)
        assert status.startswith("200"), (url, status)
        assert body == b"", url


@pytest.mark.usefixtures("quiet")
def test_a_curators_admin_session_logs_no_warning(client, world, settings):
    settings.WHITENOISE_USE_FINDERS = settings.WHITENOISE_AUTOREFRESH = True
    client.force_login(world.staff)
    assert client.get("/admin/").status_code == 200
    # Browsers ask for /favicon.ico on pages without a favicon link, the admin's among them.
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    favicon = client.get(response.url)
    assert favicon.status_code == 200
    # Read to the end: the test client then closes the file (an open one would warn).
    assert b"<svg" in favicon.getvalue()
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        base = f"/admin/{opts.app_label}/{opts.model_name}/"
        assert client.get(base).status_code == 200, base
        assert client.get(base + "add/").status_code in (200, 403), base
        obj = model._default_manager.first()
        if obj is not None:
            assert client.get(f"{base}{obj.pk}/change/").status_code == 200, base
        for field_name in model_admin.autocomplete_fields:
            response = client.get(
                "/admin/autocomplete/",
                {
                    "app_label": opts.app_label,
                    "model_name": opts.model_name,
                    "field_name": field_name,
                    "term": "",
                },
            )
            assert response.status_code == 200, (model, field_name)
