"""Who may GET what: every URL the resolver knows × anonymous, learner, another learner, staff.

The URL list comes from the resolver, so a new URL without a row in EXPECTED fails the test
until someone decides who may see it. State-changing URLs also refuse POSTs without a CSRF token.
"""

import json
import re

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from learnpaths import services
from learnpaths.models import Note, PathFollow, Progress, Step, User
from resources.models import ConferenceDeadline, Resource
from tests.html import parse
from tests.security.conftest import PASSWORD

ROLES = ("anonymous", "learner", "other", "staff")
LOGIN = (302, "/en/accounts/login/?next=")
ADMIN_LOGIN = (302, "/admin/login/?next=")
OK = (200, None)
POST_ONLY = (405, None)


def everyone(expected):
    return dict.fromkeys(ROLES, expected)


def signed_in():
    return {"anonymous": LOGIN, "learner": OK, "other": OK, "staff": OK}


def staff_only(staff=OK, others=ADMIN_LOGIN):
    return {"anonymous": others, "learner": others, "other": others, "staff": staff}


EXPECTED = {
    # The public catalogue.
    "home": everyone(OK),
    "healthz": everyone(OK),
    # GET changes nothing and goes back to the site (the switch POSTs).
    "set_language": everyone((302, "/")),
    "favicon": everyone((302, "/static/img/favicon.svg")),
    # Start here: anyone gets a suggestion; a signed-in learner's POST saves what they know.
    "start": everyone(OK),
    "concept-list": everyone(OK),
    "concept-map": everyone(OK),
    "concept-detail": everyone(OK),
    "resource-list": everyone(OK),
    "resource-detail": everyone(OK),
    "tag-detail": everyone(OK),
    "search": everyone(OK),
    "path-list": everyone(OK),
    "path-detail": everyone(OK),
    # Atom feeds of the catalogue.
    "resource-feed": everyone(OK),
    "path-feed": everyone(OK),
    "concept-feed": everyone(OK),
    # The research track: conference pages and calendar feeds.
    "conference-list": everyone(OK),
    "conference-past": everyone(OK),
    "conference-calendars": everyone(OK),
    "area-calendar": everyone(OK),
    "concept-calendar": everyone(OK),
    "conference-calendar": everyone(OK),
    "deadline-ics": everyone(OK),
    # Citations: BibTeX files of the public papers.
    "resource-bibtex": everyone(OK),
    "path-bibtex": everyone(OK),
    "stage-bibtex": everyone(OK),
    # Writes: POST only.
    "resource-progress": everyone(POST_ONLY),
    # A learner's own note on a resource: its page (a form) and where the form is sent.
    "resource-note": signed_in(),
    "path-follow": everyone(POST_ONLY),
    "share-settings": everyone(POST_ONLY),
    "logout": everyone(POST_ONLY),
    # A follower's pace on a path: its form; a learner who does not follow the path gets 404.
    "path-pace": {"anonymous": LOGIN, "learner": OK, "other": (404, None), "staff": (404, None)},
    # The learner's own pages.
    "dashboard": signed_in(),
    "time-zone": signed_in(),
    "notes": signed_in(),
    "export-csv": signed_in(),
    "export-json": signed_in(),
    "data-import": signed_in(),
    # A learner's shared progress: public, but only under a token that learner holds (the
    # walk's "not-a-valid-token" is none; see test_a_shared_page_shows_only_its_owners_data).
    "shared-progress": everyone((404, None)),
    "account-delete": signed_in(),
    "password_change": signed_in(),
    "password_change_done": signed_in(),
    # Signing in and up: signed-in people are sent on.
    "login": {
        "anonymous": OK,
        "learner": (302, "/en/me/"),
        "other": (302, "/en/me/"),
        "staff": (302, "/en/me/"),
    },
    "signup": {
        "anonymous": OK,
        "learner": (302, "/en/me/"),
        "other": (302, "/en/me/"),
        "staff": (302, "/en/me/"),
    },
    "password_reset": everyone(OK),
    "password_reset_done": everyone(OK),
    "password_reset_confirm": everyone(OK),  # with a bad token: "this link is invalid"
    "password_reset_complete": everyone(OK),
    # The admin: staff only.
    "admin:index": staff_only(),
    "admin:login": {"anonymous": OK, "learner": OK, "other": OK, "staff": (302, "/admin/")},
    "admin:logout": staff_only(staff=POST_ONLY, others=(302, "/admin/")),
    "admin:password_change": staff_only(),
    "admin:password_change_done": staff_only(),
    "admin:autocomplete": staff_only(staff=(403, None)),  # without its parameters
    "admin:jsi18n": staff_only(),
    "admin:view_on_site": staff_only(staff=(302, "/en/resources/")),
    "admin:app_list": staff_only(),
    "admin:<catch-all>": staff_only(staff=(404, None)),
    # Every model's admin views.
    "admin model:changelist": staff_only(),
    "admin model:add": staff_only(),
    "admin model:change": staff_only(),
    "admin model:history": staff_only(),
    "admin model:delete": staff_only(),
    "admin model:<object>": staff_only(staff=(302, "/admin/")),  # redirects to its change page
    "admin:auth_user_password_change": staff_only(),  # a user's password, set by staff
}
# axes' records are written by axes alone: no add page, even for staff.
EXPECTED_AXES_ADD = staff_only(staff=(403, None))


def walk(patterns, prefix="", namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        else:
            assert isinstance(pattern, URLPattern)
            yield prefix + str(pattern.pattern), namespace, pattern


def key_for(route, namespace, pattern) -> tuple[str, object]:
    model_admin = getattr(pattern.callback, "model_admin", None)
    if model_admin is not None:
        opts = model_admin.model._meta
        if pattern.name is None:
            return "admin model:<object>", model_admin.model
        view = pattern.name.removeprefix(f"{opts.app_label}_{opts.model_name}_")
        if opts.app_label == "axes" and view == "add":
            return "axes add", model_admin.model
        return f"admin model:{view}", model_admin.model
    if pattern.name is None:
        assert namespace == "admin" and "(?P<url>" in route, route
        return "admin:<catch-all>", None
    return (f"{namespace}:{pattern.name}" if namespace else pattern.name), None


def url_for(route, key, model, world) -> str:
    slugs = {
        "concept-detail": world.concept.slug,
        "concept-feed": world.concept.slug,
        "resource-detail": world.resource.slug,
        "resource-progress": world.resource.slug,
        "resource-note": world.resource.slug,
        "path-detail": world.path.slug,
        "path-follow": world.path.slug,
        "path-pace": world.path.slug,
        "path-bibtex": world.path.slug,
        "concept-calendar": world.concept.slug,
        "conference-calendar": world.resource.slug,
        "stage-bibtex": world.path.slug,
        "resource-bibtex": world.paper.slug,
        "tag-detail": world.tag.slug,
    }
    values = {
        "slug": slugs.get(key),
        "uidb64": urlsafe_base64_encode(force_bytes(world.learner.pk)),
        "token": "not-a-valid-token",
        "object_id": str(model._default_manager.first().pk) if model else str(world.resource.pk),
        "id": str(world.learner.pk),  # the admin's "set this user's password" page
        "content_type_id": str(ContentType.objects.get_for_model(Resource).pk),
        "app_label": "resources",
        "url": "nowhere/",
        "position": "1",  # a stage's
        "area": "ml",
        "pk": str(ConferenceDeadline.objects.order_by("pk").first().pk),
    }

    def fill(match):
        name = match.group("name")
        assert values.get(name), f"no value for <{name}> in {route}"
        return values[name]

    path = re.sub(r"\(\?P<(?P<name>\w+)>[^)]*\)", fill, route)
    path = re.sub(r"<(?:\w+:)?(?P<name>\w+)>", fill, path)
    return "/" + path.replace("^", "").replace("$", "")


def all_urls(world):
    rows = []
    for route, namespace, pattern in walk(get_resolver().url_patterns):
        key, model = key_for(route, namespace, pattern)
        rows.append((key, url_for(route, key, model, world)))
    return rows


def clients(world):
    result = {"anonymous": Client()}
    for role in ("learner", "other", "staff"):
        result[role] = Client()
        result[role].force_login(getattr(world, role))
    return result


def test_every_url_answers_each_kind_of_visitor_as_expected(world):
    # Every page in each language (its prefix comes from the language active in the walk);
    # redirects stay in the page's language.
    rows = []
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            rows += [(key, url) for key, url in all_urls(world) if (key, url) not in rows]
    unknown = sorted({key for key, _ in rows} - set(EXPECTED) - {"axes add"})
    assert not unknown, f"URLs without an expectation (add them to EXPECTED): {unknown}"
    by_role = clients(world)
    failures = []
    for key, url in rows:
        expected = EXPECTED_AXES_ADD if key == "axes add" else EXPECTED[key]
        for role in ROLES:
            response = by_role[role].get(url)
            status, location = expected[role]
            prefix = url.split("/")[1]
            if location and prefix in dict(settings.LANGUAGES):
                location = location.replace("/en/", f"/{prefix}/", 1)
            actual_location = response.get("Location", "").removeprefix("http://testserver")
            if response.status_code != status or (
                location and not actual_location.startswith(location)
            ):
                failures.append(
                    f"{role} GET {url} ({key}): {response.status_code} {actual_location}"
                    f" — expected {status} {location or ''}"
                )
    assert not failures, "\n".join(failures)
    assert len(rows) > 60  # the admin's URLs are in the walk, not only ours


def test_drafts_are_not_found_even_by_their_curator(world):
    by_role = clients(world)
    for role in ROLES:
        assert by_role[role].get(world.draft.get_absolute_url()).status_code == 404, role


# -- CSRF ----------------------------------------------------------------------------------
def csrf_client(user=None):
    client = Client(enforce_csrf_checks=True)
    if user is not None:
        client.force_login(user)
    return client


def unchanged_progress(world):
    return Progress.objects.filter(user=world.learner).values_list("resource", "status")


STATE_CHANGING = {
    "resource-progress": "learner",
    "resource-note": "learner",
    "path-follow": "learner",
    "share-settings": "learner",
    "data-import": "learner",
    "path-pace": "learner",
    "time-zone": "learner",
    "start": "learner",
    "logout": "learner",
    "account-delete": "learner",
    "password_change": "learner",
    "signup": "anonymous",
    "login": "anonymous",
    "password_reset": "anonymous",
    "admin:logout": "staff",
    "admin model:add": "staff",
}


def test_every_post_only_url_is_in_the_csrf_test(world):
    post_only = {key for key, expected in EXPECTED.items() if POST_ONLY in expected.values()}
    assert post_only <= set(STATE_CHANGING)


def test_posts_without_a_csrf_token_are_refused_and_change_nothing(world):
    learner = world.learner
    world.paper.core_for.add(world.concept)  # what /start/ would skip, were the POST taken
    before = {
        "progress": list(unchanged_progress(world)),
        "follows": PathFollow.objects.count(),
        "notes": Note.objects.count(),
        "users": User.objects.count(),
        "resources": Resource.objects.count(),
        "password": learner.password,
        "share_token": learner.share_token,
        "pace": list(PathFollow.objects.values_list("weekly_hours", flat=True)),
        "time zone": learner.time_zone,
    }
    export = json.dumps({"progress": [], "followed_paths": [], "time_zone": "Asia/Tokyo"})
    attempts = [
        (learner, f"/en/resources/{world.resource.slug}/progress/", {"status": "done"}),
        (learner, f"/en/paths/{world.path.slug}/follow/", {"action": "unfollow"}),
        (learner, "/en/me/share/", {"action": "on"}),
        (learner, "/en/me/import/", {"file": SimpleUploadedFile("x.json", export.encode())}),
        (learner, f"/en/paths/{world.path.slug}/pace/", {"weekly_hours": "9"}),
        (learner, "/en/me/time-zone/", {"time_zone": "Asia/Tokyo"}),
        (learner, "/en/start/", {"known": [world.concept.slug]}),
        (learner, f"/en/resources/{world.resource.slug}/note/", {"body": "forged"}),
        (learner, "/en/accounts/logout/", {}),
        (learner, "/en/accounts/delete/", {"password": PASSWORD}),
        (
            learner,
            "/en/accounts/password_change/",
            {
                "old_password": PASSWORD,
                "new_password1": "a new pass phrase",
                "new_password2": "a new pass phrase",
            },
        ),
        (
            None,
            "/en/accounts/signup/",
            {
                "username": "mallory",
                "email": "m@example.org",
                "password1": "x!" * 8,
                "password2": "x!" * 8,
            },
        ),
        (None, "/en/accounts/login/", {"username": "learner", "password": PASSWORD}),
        (None, "/en/accounts/password_reset/", {"email": learner.email}),
        (world.staff, "/admin/logout/", {}),
        (
            world.staff,
            "/admin/resources/resource/add/",
            {"title": "Injected", "slug": "injected", "kind": "book", "url": "https://e.org"},
        ),
    ]
    assert {url for _, url, _ in attempts} >= {"/en/accounts/logout/", "/admin/logout/"}
    for user, url, data in attempts:
        client = csrf_client(user)
        response = client.post(url, data)
        assert response.status_code == 403, url
        assert b"CSRF" in response.content or b"Forbidden" in response.content, url
        if user is not None:
            assert client.session.get(SESSION_KEY) == str(user.pk), f"{url} signed out"
        else:
            assert SESSION_KEY not in client.session, url
    learner.refresh_from_db()
    assert {
        "progress": list(unchanged_progress(world)),
        "follows": PathFollow.objects.count(),
        "notes": Note.objects.count(),
        "users": User.objects.count(),
        "resources": Resource.objects.count(),
        "password": learner.password,
        "share_token": learner.share_token,
        "pace": list(PathFollow.objects.values_list("weekly_hours", flat=True)),
        "time zone": learner.time_zone,
    } == before
    assert learner.time_zone == ""
    assert mail.outbox == []


def test_the_same_post_with_its_token_goes_through(world):
    client = csrf_client(world.learner)
    client.get(world.resource.get_absolute_url())
    token = client.cookies["csrftoken"].value
    response = client.post(
        f"/en/resources/{world.resource.slug}/progress/",
        {"status": "done", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302
    assert Progress.objects.get(user=world.learner, resource=world.resource).status == "done"


@pytest.mark.parametrize("role", ["learner", "other"])
def test_a_learner_only_ever_changes_their_own_progress(world, role):
    client = csrf_client(getattr(world, role))
    client.get(world.resource.get_absolute_url())
    token = client.cookies["csrftoken"].value
    client.post(
        f"/en/resources/{world.step.resource.slug}/progress/",
        {"status": "done", "csrfmiddlewaretoken": token},
    )
    mine = Progress.objects.get(user=getattr(world, role), resource=world.step.resource)
    assert mine.status == "done"
    others = Progress.objects.exclude(user=getattr(world, role)).filter(
        resource=world.step.resource
    )
    expected = {"learner": [], "other": ["in_progress"]}[role]
    assert [p.status for p in others] == expected


# -- sharing and importing ---------------------------------------------------------------------
def test_a_learner_only_ever_turns_their_own_share_link_on_or_off(world):
    token = services.share_token_set(user=world.learner, shared=True)
    client = csrf_client(world.other)
    client.get("/en/me/")
    csrf = client.cookies["csrftoken"].value
    for action in ("off", "regenerate", "on"):
        # A user field, as a forger would add, is not read.
        response = client.post(
            "/en/me/share/",
            {"action": action, "user": world.learner.pk, "csrfmiddlewaretoken": csrf},
        )
        assert response.status_code == 302
    assert User.objects.get(pk=world.learner.pk).share_token == token
    assert User.objects.get(pk=world.other.pk).share_token not in (None, token)


def test_an_anonymous_visitor_can_neither_share_nor_import(world, client):
    response = client.post("/en/me/share/", {"action": "on"})
    assert response.status_code == 302 and response["Location"].startswith(LOGIN[1])
    upload = SimpleUploadedFile("x.json", b'{"progress": [], "followed_paths": []}')
    response = client.post("/en/me/import/", {"file": upload})
    assert response.status_code == 302 and response["Location"].startswith(LOGIN[1])
    assert not User.objects.exclude(share_token=None).exists()


def test_an_import_only_ever_writes_into_the_importers_account(world):
    learner_before = list(unchanged_progress(world))
    export = {
        "progress": [
            {
                "resource": world.resource.slug,
                "status": "done",
                "started_at": "2025-01-01T10:00:00+00:00",
                "completed_at": "2025-01-02T10:00:00+00:00",
                "updated_at": "2025-01-02T10:00:00+00:00",
                "user": world.learner.pk,
            }
        ],
        "followed_paths": [],
        "user": world.learner.username,
    }
    client = Client()
    client.force_login(world.other)
    upload = SimpleUploadedFile("x.json", json.dumps(export).encode())
    response = client.post("/en/me/import/", {"file": upload, "user": world.learner.pk})
    assert response.status_code == 200
    assert list(unchanged_progress(world)) == learner_before
    assert Progress.objects.get(user=world.other, resource=world.resource).status == "done"


def test_a_shared_page_shows_only_its_owners_data(world):
    token = services.share_token_set(user=world.learner, shared=True)
    # Another learner follows the same path and has done all of it.
    services.path_follow(user=world.other, path=world.path)
    for step in Step.objects.filter(path=world.path):
        services.progress_set(user=world.other, resource_id=step.resource_id, status="done")
    by_role = clients(world)
    for role in ROLES:
        response = by_role[role].get(f"/en/u/{token}/")
        assert response.status_code == 200, role
        (bar,) = parse(response.content).find_all("progress")
        assert bar.attrs["value"] == "0", role  # the learner's: one step in progress, none done
        assert world.learner.email not in response.content.decode(), role


def test_a_learner_cannot_change_another_learners_pace_or_time_zone(world):
    """`other` does not follow the path `learner` follows: their pace form answers 404 and
    leaves the learner's follow as it was; the time zone form only ever changes its sender's."""
    client = csrf_client(world.other)
    client.get(world.resource.get_absolute_url())
    token = client.cookies["csrftoken"].value
    response = client.post(
        f"/en/paths/{world.path.slug}/pace/",
        {"weekly_hours": "40", "csrfmiddlewaretoken": token, "user": world.learner.pk},
    )
    assert response.status_code == 404
    assert list(PathFollow.objects.values_list("user", "weekly_hours")) == [
        (world.learner.pk, None)
    ]
    response = client.post(
        "/en/me/time-zone/",
        {"time_zone": "Asia/Tokyo", "csrfmiddlewaretoken": token, "user": world.learner.pk},
    )
    assert response.status_code == 302
    world.learner.refresh_from_db()
    world.other.refresh_from_db()
    assert (world.learner.time_zone, world.other.time_zone) == ("", "Asia/Tokyo")


def test_saving_what_one_knows_changes_only_ones_own_progress(world):
    world.paper.core_for.add(world.concept)
    client = csrf_client(world.other)
    client.get("/en/start/")
    token = client.cookies["csrftoken"].value
    response = client.post(
        "/en/start/", {"known": [world.concept.slug], "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    assert Progress.objects.get(user=world.other, resource=world.paper).status == "skipped"
    assert not Progress.objects.filter(user=world.learner, resource=world.paper).exists()


# -- Notes ---------------------------------------------------------------------------------
@pytest.mark.parametrize("role", ["anonymous", "other", "staff"])
def test_nobody_but_its_owner_reads_or_changes_a_note(world, role):
    """A note is found by the requester and the resource's slug: there is no id to forge, and
    another learner or a curator on the public site reads and writes only their own."""
    resource = world.step.resource  # a step of the path too
    services.note_save(user=world.learner, resource_id=resource.pk, body="the learner's words")
    user = None if role == "anonymous" else getattr(world, role)
    client = csrf_client(user)
    note_url = f"/en/resources/{resource.slug}/note/"
    for url in [
        resource.get_absolute_url(),
        world.path.get_absolute_url(),
        "/en/me/notes/",
        "/en/me/notes/?q=words",
        note_url,
    ]:
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
        assert "learner&#x27;s words" not in response.content.decode(), url
    client.get(resource.get_absolute_url())
    token = client.cookies["csrftoken"].value
    for data in ({"body": "overwritten"}, {"body": ""}, {"action": "delete"}):
        response = client.post(note_url, {**data, "csrfmiddlewaretoken": token})
        assert response.status_code == 302
        if user is None:
            assert response.url.startswith("/en/accounts/login/")
    assert Note.objects.get(user=world.learner).body == "the learner's words"
    assert Note.objects.count() == 1  # theirs was written, then deleted: their own
