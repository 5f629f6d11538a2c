"""Security headers on every response, scored the way the Mozilla HTTP Observatory scores them."""

from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from tests.security import observatory
from tests.security.conftest import PASSWORD


def main_pages(world):
    return [
        "/",
        "/resources/",
        world.resource.get_absolute_url(),
        "/paths/",
        world.path.get_absolute_url(),
        "/search/?q=x",
        "/accounts/login/",
    ]


@pytest.fixture
def production(settings):
    # As deployed: behind the TLS proxy, plain http is redirected to https.
    settings.SECURE_SSL_REDIRECT = True
    return settings


def test_main_pages_score_at_least_100_on_the_observatory(client, world, production):
    for url in main_pages(world):
        https_response = client.get(url, secure=True)
        assert https_response.status_code == 200, url
        http_response = client.get(url)
        result = observatory.score(https_response, http_response)
        assert result.total >= 100, (url, result.total, result.modifiers)
        # Nothing is penalised, even where the total would hide it.
        assert all(m >= 0 for _, m in result.modifiers.values()), (url, result.modifiers)


def test_the_scorer_can_fail_a_page_without_headers():
    bare = HttpResponse("<html><script src='http://cdn.example/x.js'></script></html>")
    result = observatory.score(bare, HttpResponse("plain"))
    # CSP -25, HSTS -20, redirection -20, SRI -50, XCTO -5, XFO -20.
    assert result.total == 0
    assert result.modifiers["content-security-policy"] == ("csp-not-implemented", -25)


def test_the_scorer_penalises_unsafe_inline_scripts():
    response = HttpResponse()
    response["Content-Security-Policy"] = "default-src 'self'; script-src 'self' 'unsafe-inline'"
    assert observatory.csp_test(response.headers, secure=True)[1] == -20
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    assert observatory.csp_test(response.headers, secure=True)[1] == 0


def test_signing_in_sets_only_secure_httponly_samesite_cookies(client, world):
    response = client.post(
        "/accounts/login/", {"username": "learner", "password": PASSWORD}, secure=True
    )
    assert response.status_code == 302
    assert {"sessionid", "csrftoken"} <= set(response.cookies)
    for morsel in response.cookies.values():
        assert morsel["secure"] and morsel["httponly"] and morsel["samesite"] == "Lax"
    result, modifier = observatory.cookies_test(response.cookies, hsts_pass=True)
    assert (result, modifier) == ("cookies-secure-with-httponly-sessions-and-samesite", 5)


def test_every_response_carries_the_security_headers(client, world):
    for url in [*main_pages(world), "/no-such-page/", "/healthz", "/admin/login/"]:
        response = client.get(url, secure=True)
        assert response.status_code in {200, 404}, url
        csp = observatory.parse_csp(response["Content-Security-Policy"])
        assert csp == {
            "default-src": {"'none'"},
            "script-src": {"'self'"},
            "style-src": {"'self'"},
            "img-src": {"'self'"},
            "connect-src": {"'self'"},
            "object-src": {"'none'"},
            "base-uri": {"'none'"},
            "form-action": {"'self'"},
            "frame-ancestors": {"'none'"},
        }, url
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["Cross-Origin-Opener-Policy"] == "same-origin"
        assert response["Cross-Origin-Resource-Policy"] == "same-origin"
        assert "camera=()" in response["Permissions-Policy"]
        assert response["Strict-Transport-Security"] == (
            "max-age=31536000; includeSubDomains; preload"
        )


class InlineCode(HTMLParser):
    """Everything in a page that a CSP without 'unsafe-inline' would block."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []
        self.in_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script":
            self.in_script = not attributes.get("src")
            if attributes.get("src", "").startswith(("//", "http:", "https:")):
                self.found.append(f"third-party script {attributes['src']}")
        if tag == "style":
            self.found.append("<style> element")
        if (
            tag == "link"
            and attributes.get("rel") == "stylesheet"
            and not attributes.get("href", "").startswith("/")
        ):
            self.found.append(f"third-party stylesheet {attributes.get('href')}")
        for name, value in attrs:
            if name == "style":
                self.found.append(f"style attribute on <{tag}>")
            if name.startswith("on"):
                self.found.append(f"{name} handler on <{tag}>")
            if name in {"href", "src", "action"} and (value or "").strip().lower().startswith(
                ("javascript:", "data:")
            ):
                self.found.append(f"{name}={value} on <{tag}>")

    def handle_endtag(self, tag):
        if tag == "script":
            self.in_script = False

    def handle_data(self, data):
        if self.in_script and data.strip():
            self.found.append(f"inline script {data.strip()[:60]!r}")


def inline_code(response) -> list[str]:
    parser = InlineCode()
    parser.feed(response.content.decode())
    return parser.found


def test_public_pages_need_no_inline_script_or_style(client, world):
    client.force_login(world.learner)  # the signed-in variants have the most markup
    urls = [
        *main_pages(world)[:-1],
        "/concepts/",
        world.concept.get_absolute_url(),
        world.tag.get_absolute_url(),
        "/me/",
        "/accounts/delete/",
        "/accounts/password_change/",
        "/no-such-page/",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code in {200, 404}, url
        assert inline_code(response) == [], url
    client.logout()
    for url in ["/accounts/login/", "/accounts/signup/", "/accounts/password_reset/"]:
        assert inline_code(client.get(url)) == [], url


def admin_urls(world):
    urls = [reverse("admin:index"), reverse("admin:password_change")]
    for model in admin.site._registry:
        info = model._meta.app_label, model._meta.model_name
        urls.append(reverse("admin:app_list", args=[model._meta.app_label]))
        urls.append(reverse("admin:{}_{}_changelist".format(*info)))
        obj = model._default_manager.first()
        assert obj is not None, f"the world fixture has no {model.__name__}"
        urls.append(reverse("admin:{}_{}_change".format(*info), args=[obj.pk]))
        urls.append(reverse("admin:{}_{}_history".format(*info), args=[obj.pk]))
        if model._meta.app_label != "axes":
            urls.append(reverse("admin:{}_{}_add".format(*info)))
    return urls


def test_the_admin_works_under_the_same_policy(client, world):
    """Django's admin ships no inline script or style on these pages, so it needs no allowance."""
    assert inline_code(client.get(reverse("admin:login"))) == []
    client.force_login(world.staff)
    for url in admin_urls(world):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Content-Security-Policy" in response
        assert inline_code(response) == [], url


def test_static_files_carry_the_isolation_headers(settings):
    # WhiteNoise answers before Django's middleware; finders serve the files without a
    # collectstatic in tests.
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    response = Client().get("/static/css/site.css")
    assert response.status_code == 200
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
