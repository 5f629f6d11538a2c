"""The security headers that matter, on every kind of response the site gives.

Each header is read the way a browser reads it (a Content-Security-Policy split into directives,
Set-Cookie into attributes, Permissions-Policy into features) and checked for the property we rely
on, on public and signed-in pages, the admin, error pages, htmx fragments, downloads and static
files. The tests run with production settings (DEBUG off), asked over https as the TLS proxy in
front of the app would ask.

These are plain assertions, not a score. A copy of the MDN HTTP Observatory's rules would be one
more thing to keep in step with theirs, and its own scanner does not fit a CI run: tried with
@mdn/mdn-http-observatory 1.4.8 against gunicorn on 127.0.0.1, it scans only the root page, asks
http and https on the same host and port, and counts HSTS only behind a trusted certificate, so
it can only report the missing TLS (60/100, C+); its install also downloads Chromium's HSTS
preload list (a postinstall script) and it wants Node 22.
"""

import http.client
import importlib.util
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.contrib import admin
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from tests.security.conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[2]

HTMX = {"HX-Request": "true"}
# Every source in the policy: our own origin, or nothing. No other host, scheme, wildcard,
# nonce, hash, 'unsafe-inline' or 'unsafe-eval' (README, "Security, as deployed").
OWN_ORIGIN_ONLY = {"'self'", "'none'"}
ONE_YEAR = 365 * 24 * 60 * 60
# Referrer policies that send nothing to other sites: the path of a learner's page (which path,
# which step) stays here when they follow a link to a book or a course.
PRIVATE_REFERRER = {"no-referrer", "same-origin"}
REFUSED_FEATURES = {"camera", "microphone", "geolocation", "payment", "usb"}


def csp_directives(value: str) -> dict[str, list[str]]:
    """`"default-src 'none'; img-src 'self' https://x.org"` → `{"default-src": ["'none'"],
    "img-src": ["'self'", "https://x.org"]}`.

    Directive names and quoted keywords are case-insensitive, so both are lower-cased. A
    directive named twice fails the test: browsers silently keep the first, so it means two
    policies were glued together.
    """
    directives: dict[str, list[str]] = {}
    for part in value.split(";"):
        tokens = part.split()
        if not tokens:
            continue
        name, sources = tokens[0].lower(), tokens[1:]
        assert name not in directives, f"{name} twice in {value!r}"
        directives[name] = [s.lower() if s.startswith("'") else s for s in sources]
    return directives


def hsts_directives(value: str) -> dict[str, str | None]:
    """`"max-age=31536000; includeSubDomains; preload"` → `{"max-age": "31536000",
    "includesubdomains": None, "preload": None}` (names lower-cased, quotes dropped)."""
    directives: dict[str, str | None] = {}
    for part in value.split(";"):
        name, _, argument = part.strip().partition("=")
        if name:
            directives[name.lower()] = argument.strip('"') if argument else None
    return directives


def permissions_policy(value: str) -> dict[str, str]:
    """`"camera=(), geolocation=(self)"` → `{"camera": "()", "geolocation": "(self)"}`: each
    feature and its allow-list (a structured-field dictionary; "()" allows no origin at all)."""
    features: dict[str, str] = {}
    for member in value.split(","):
        name, _, allowlist = member.strip().partition("=")
        features[name.strip()] = allowlist.strip()
    return features


def header_tokens(value: str) -> list[str]:
    """A comma-separated header such as Referrer-Policy, as lower-cased tokens."""
    return [token.strip().lower() for token in value.split(",") if token.strip()]


def responses(client: Client, world) -> dict[str, HttpResponse]:
    """One response of each kind the site gives, by kind, in the order a visit would ask them.

    All over https, as behind the TLS proxy. The status of each is checked, so that a kind is
    really what its name says (a 404 page, not a redirect to one).
    """
    learner_path = world.path.get_absolute_url()
    kinds = [
        ("public page", 200, lambda: client.get("/en/", secure=True)),
        ("resource list", 200, lambda: client.get("/en/resources/", secure=True)),
        ("resource page", 200, lambda: client.get(world.resource.get_absolute_url(), secure=True)),
        ("path page", 200, lambda: client.get(learner_path, secure=True)),
        ("search", 200, lambda: client.get("/en/search/?q=x", secure=True)),
        (
            "htmx fragment",
            200,
            lambda: client.get("/en/resources/?kind=book", headers=HTMX, secure=True),
        ),
        ("health check", 200, lambda: client.get("/healthz", secure=True)),
        ("not found", 404, lambda: client.get("/no-such-page/", secure=True)),
        ("bad request", 400, lambda: client.get("/en/search/?q=%00", secure=True)),
        ("redirect to sign-in", 302, lambda: client.get("/en/me/", secure=True)),
        ("sign-in page", 200, lambda: client.get("/en/accounts/login/", secure=True)),
        ("admin sign-in page", 200, lambda: client.get(reverse("admin:login"), secure=True)),
        (
            "signing in",
            302,
            lambda: client.post(
                "/en/accounts/login/", {"username": "learner", "password": PASSWORD}, secure=True
            ),
        ),
        ("signed-in dashboard", 200, lambda: client.get("/en/me/", secure=True)),
        ("signed-in path page", 200, lambda: client.get(learner_path, secure=True)),
        ("progress export", 200, lambda: client.get("/en/me/export.json", secure=True)),
        (
            "htmx progress update",
            200,
            lambda: client.post(
                reverse("resource-progress", args=[world.step.resource.slug]),
                {"status": "done", "path": world.path.slug, "next": learner_path},
                headers=HTMX,
                secure=True,
            ),
        ),
        ("signing out", 302, lambda: client.post("/en/accounts/logout/", secure=True)),
        # Signed in through the form, not force_login(): that rewrites the Morsel objects the
        # client shares with earlier responses' cookies, the sign-out's among them.
        (
            "admin signing in",
            302,
            lambda: client.post(
                reverse("admin:login"),
                {"username": "curator", "password": PASSWORD, "next": "/admin/"},
                secure=True,
            ),
        ),
        ("admin page", 200, lambda: client.get("/admin/", secure=True)),
        ("static file", 200, lambda: client.get("/static/css/site.css", secure=True)),
    ]
    answers = {}
    for kind, status, ask in kinds:
        answers[kind] = ask()
        assert answers[kind].status_code == status, (kind, answers[kind].status_code)
    return answers


@pytest.fixture
def every_kind(client, world, settings) -> dict[str, HttpResponse]:
    # HSTS and secure cookies are set only when DEBUG is off (learnpaths/settings.py).
    assert not settings.DEBUG
    # WhiteNoise answers static files before Django's middleware; finders serve them without a
    # collectstatic in tests.
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    return responses(client, world)


def documents(every_kind) -> dict[str, HttpResponse]:
    """Everything the app itself answers: static files come from WhiteNoise, outside the
    middleware that sets the page policies (they are our own CSS, scripts and images)."""
    return {kind: r for kind, r in every_kind.items() if kind != "static file"}


def test_every_page_has_a_content_security_policy_that_allows_only_our_own_origin(every_kind):
    for kind, response in documents(every_kind).items():
        assert "Content-Security-Policy" in response, kind
        csp = csp_directives(response["Content-Security-Policy"])
        # Whatever is not listed is refused ...
        assert csp.get("default-src") == ["'none'"], (kind, csp)
        # ... and what is listed comes from our origin: no inline or eval'd script or style, no
        # other host, no data: or blob: URL.
        foreign = {d: s for d, ss in csp.items() for s in ss if s not in OWN_ORIGIN_ONLY}
        assert foreign == {}, (kind, foreign)
        # Plugins never run (object-src falls back to default-src when absent).
        assert csp.get("object-src", csp["default-src"]) == ["'none'"], (kind, csp)
        # These three do not fall back to default-src, so each must be there.
        assert csp.get("frame-ancestors") == ["'none'"], (kind, csp)
        assert csp.get("base-uri") == ["'none'"], (kind, csp)
        assert csp.get("form-action") == ["'self'"], (kind, csp)


def test_no_page_can_be_framed_by_any_site(every_kind):
    # frame-ancestors 'none' (above) for current browsers, X-Frame-Options for older ones.
    framable = {
        kind: r.get("X-Frame-Options")
        for kind, r in documents(every_kind).items()
        if (r.get("X-Frame-Options") or "").strip().upper() != "DENY"
    }
    assert framable == {}


def test_browsers_never_guess_a_content_type(every_kind):
    # Static files most of all: a stylesheet or script must not be run as something else.
    sniffable = {
        kind: r.get("X-Content-Type-Options")
        for kind, r in every_kind.items()
        if header_tokens(r.get("X-Content-Type-Options", "")) != ["nosniff"]
    }
    assert sniffable == {}


def test_no_address_of_ours_is_sent_to_other_sites(every_kind):
    leaky = {}
    for kind, response in every_kind.items():
        # Browsers apply the last token they know; every one must be private, so that none can.
        policies = header_tokens(response.get("Referrer-Policy", ""))
        if not policies or not set(policies) <= PRIVATE_REFERRER:
            leaky[kind] = response.get("Referrer-Policy")
    assert leaky == {}


def test_browsers_are_told_to_use_only_https_for_a_year_with_subdomains(every_kind):
    for kind, response in every_kind.items():
        assert "Strict-Transport-Security" in response, kind
        hsts = hsts_directives(response["Strict-Transport-Security"])
        assert int(hsts.get("max-age") or 0) >= ONE_YEAR, (kind, hsts)
        # Both are required for the browsers' preload list, which the site asks to be on.
        assert "includesubdomains" in hsts, (kind, hsts)
        assert "preload" in hsts, (kind, hsts)


def test_every_cookie_is_secure_httponly_and_same_site(every_kind):
    seen = set()
    for kind, response in every_kind.items():
        for name, morsel in response.cookies.items():
            if not morsel.value and morsel["max-age"] == 0:
                continue  # a cookie being deleted (signing out) carries nothing to protect
            seen.add(name)
            assert morsel["secure"], (kind, name, "Secure")
            assert morsel["httponly"], (kind, name, "HttpOnly")
            assert morsel["samesite"].lower() in {"lax", "strict"}, (kind, name, morsel["samesite"])
    # The session and the CSRF token were among them, so the loop did check something.
    assert {"sessionid", "csrftoken"} <= seen


def test_other_sites_can_neither_load_our_responses_nor_keep_a_window_on_them(every_kind):
    for kind, response in every_kind.items():
        assert response.get("Cross-Origin-Resource-Policy") == "same-origin", kind
        assert response.get("Cross-Origin-Opener-Policy") == "same-origin", kind
    # No page is shared with other origins. WhiteNoise lets any site read the static files
    # (`Access-Control-Allow-Origin: *`): they are public, and `*` never carries cookies.
    for kind, response in documents(every_kind).items():
        assert "Access-Control-Allow-Origin" not in response, kind
    static = every_kind["static file"]
    assert static.get("Access-Control-Allow-Origin", "*") == "*"
    assert "Access-Control-Allow-Credentials" not in static


def test_every_response_refuses_powerful_browser_features(every_kind):
    for kind, response in every_kind.items():
        features = permissions_policy(response.get("Permissions-Policy", ""))
        allowed = {f: features.get(f) for f in REFUSED_FEATURES if features.get(f) != "()"}
        assert allowed == {}, kind


def test_no_response_names_the_software_behind_it(every_kind):
    # The Server header is gunicorn's alone (it drops one set by the app): checked on the live
    # server below.
    named = {kind: r["X-Powered-By"] for kind, r in every_kind.items() if "X-Powered-By" in r}
    assert named == {}


def test_plain_http_is_sent_to_the_same_page_over_https(client, world, settings):
    # As deployed (the default; the test environment turns it off): the proxy forwards plain
    # http too, and the app answers it with a permanent redirect.
    settings.SECURE_SSL_REDIRECT = True
    for url in ["/en/", world.path.get_absolute_url(), "/en/search/?q=x", "/en/accounts/login/"]:
        response = client.get(url)
        assert response.status_code == 301, url
        assert response["Location"] == f"https://testserver{url}", url
    # Load balancers check health over plain http.
    assert client.get("/healthz").status_code == 200


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
        "/en/",
        "/en/resources/",
        world.resource.get_absolute_url(),
        "/en/paths/",
        world.path.get_absolute_url(),
        "/en/search/?q=x",
        "/en/concepts/",
        world.concept.get_absolute_url(),
        world.tag.get_absolute_url(),
        "/en/me/",
        "/en/accounts/delete/",
        "/en/accounts/password_change/",
        "/no-such-page/",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code in {200, 404}, url
        assert inline_code(response) == [], url
    client.logout()
    for url in ["/en/accounts/login/", "/en/accounts/signup/", "/en/accounts/password_reset/"]:
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


# The real server: gunicorn as configured (gunicorn.conf.py) with production settings, asked the
# way the TLS proxy asks (scripts/slow_clients.py starts it over a throwaway SQLite file).
_spec = importlib.util.spec_from_file_location("slow_clients", ROOT / "scripts/slow_clients.py")
slow_clients = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(slow_clients)


def _start_gunicorn(**settings: str):
    """(port, process) of a gunicorn over its own SQLite file (`DATABASE_URL` in `settings`)."""
    env = slow_clients.environment()
    # SECURE_SSL_REDIRECT as deployed: the settings' default, not the test environment's 0.
    del env["SECURE_SSL_REDIRECT"]
    env.update(WEB_CONCURRENCY="1", GUNICORN_THREADS="2", **settings)
    slow_clients.migrate(env)
    port = slow_clients.free_port()
    return port, slow_clients.start(ROOT / "gunicorn.conf.py", env, port)


@pytest.fixture(scope="module")
def gunicorn():
    """The port of a running gunicorn with the production settings' defaults."""
    port, process = _start_gunicorn()
    yield port
    process.terminate()
    process.wait(timeout=30)


def test_a_client_that_is_not_the_proxy_cannot_claim_https(tmp_path):
    # gunicorn alone decides whether X-Forwarded-Proto is believed: only from the proxy's
    # addresses (FORWARDED_ALLOW_IPS). Here the proxy is elsewhere, so 127.0.0.1 is any client
    # reaching the app server directly; claiming https must not make the request secure.
    port, process = _start_gunicorn(
        FORWARDED_ALLOW_IPS="192.0.2.1", DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}"
    )
    try:
        response = live_get(port, "/en/paths/", {"X-Forwarded-Proto": "https"})
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert response.status == 301
    assert urlsplit(response.getheader("Location")).scheme == "https"


def live_get(port: int, path: str, headers: dict[str, str]) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection(slow_clients.HOST, port, timeout=10)
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def test_behind_the_tls_proxy_gunicorn_pins_https_and_names_no_version(gunicorn):
    # The proxy terminates TLS and says so in X-Forwarded-Proto, which gunicorn believes from
    # the proxy's address (forwarded_allow_ips) and passes to Django as the request's scheme.
    response = live_get(gunicorn, "/en/", {"X-Forwarded-Proto": "https"})
    assert response.status == 200
    hsts = hsts_directives(response.getheader("Strict-Transport-Security", ""))
    assert int(hsts.get("max-age") or 0) >= ONE_YEAR, hsts
    # "Server: gunicorn", without the version an attacker would look vulnerabilities up by.
    server = response.getheader("Server", "")
    assert not re.search(r"\d", server), server


def test_gunicorn_sends_plain_http_to_the_same_page_over_https(gunicorn):
    response = live_get(gunicorn, "/en/paths/?page=2", {})
    assert response.status == 301
    location = urlsplit(response.getheader("Location"))
    assert (location.scheme, location.netloc) == ("https", f"127.0.0.1:{gunicorn}")
    assert (location.path, location.query) == ("/en/paths/", "page=2")
