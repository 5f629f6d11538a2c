"""Requests no browser sends on this site: a NUL character anywhere, a file, an oversized body.
Each gets the site's 400 page, never a 500, and nothing is stored."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from learnpaths.models import Progress, Stage, User
from tests.admin_forms import admin_view_url as admin_url

BAD_REQUEST_HEADING = "That request could not be understood"


def assert_bad_request_page(response):
    assert response.status_code == 400
    assert BAD_REQUEST_HEADING in response.content.decode()


@pytest.fixture
def learner_client(client, make):
    client.force_login(make.user(username="nul-learner"))
    return client


@pytest.mark.parametrize(
    "url",
    [
        "/en/resources/?kind=book%00",
        "/en/resources/?tag%00=x",
        "/en/search/?q=attention%00",
        "/en/paths/?concept=%00",
        "/en/resources/book%00/",
        "/en/tags/x%00/",
    ],
)
def test_nul_in_the_address_is_a_bad_request(client, db, url):
    assert_bad_request_page(client.get(url))


def test_nul_in_a_mark_done_form_field_is_a_bad_request(learner_client, make):
    path = make.path()
    resource = path.stages.get().steps.get().resource
    for data in (
        {"status": "done", "path": "x\x00"},
        {"status": "done\x00", "path": path.slug},
        {"status": "done", "path": path.slug, "extra\x00": "1"},
    ):
        response = learner_client.post(
            reverse("resource-progress", args=[resource.slug]), data, headers={"hx-request": "true"}
        )
        assert_bad_request_page(response)
    assert not Progress.objects.exists()


def test_nul_in_a_multipart_form_field_is_a_bad_request(learner_client, make):
    resource = make.resource()
    response = learner_client.post(
        reverse("resource-progress", args=[resource.slug]), {"status": "done", "next": "/\x00"}
    )  # the test client sends multipart/form-data by default
    assert_bad_request_page(response)
    assert not Progress.objects.exists()


def test_nul_in_the_admin_sign_in_is_a_bad_request(client, db):
    response = client.post(
        reverse("admin:login"), {"username": "admin\x00", "password": "x", "next": "/admin/"}
    )
    assert_bad_request_page(response)


def test_nul_in_a_sign_up_is_a_bad_request_and_creates_no_account(client, db):
    response = client.post(
        reverse("signup"),
        {
            "username": "new\x00bie",
            "email": "n@example.org",
            "password1": "correct horse battery staple",
            "password2": "correct horse battery staple",
        },
    )
    assert_bad_request_page(response)
    assert not User.objects.exists()


@pytest.mark.parametrize("header", ["user-agent", "referer", "accept-language", "hx-current-url"])
def test_nul_in_a_header_is_a_bad_request(client, db, header):
    assert_bad_request_page(client.get("/en/resources/", headers={header: "x\x00y"}))


@pytest.mark.parametrize("cookie", ["sessionid", "csrftoken", "anything"])
def test_nul_in_a_cookie_is_a_bad_request(client, db, cookie):
    client.cookies[cookie] = "abcdefghijkl\x00mnop"
    assert_bad_request_page(client.get("/en/"))


def test_a_file_sent_to_a_public_form_is_refused_and_nothing_is_stored(client, db):
    upload = SimpleUploadedFile("avatar.png", b"\x89PNG" + b"x" * 5000, "image/png")
    response = client.post(
        reverse("signup"),
        {
            "username": "newbie",
            "email": "n@example.org",
            "password1": "correct horse battery staple",
            "password2": "correct horse battery staple",
            "avatar": upload,
        },
    )
    assert_bad_request_page(response)
    assert not User.objects.exists()


def test_a_file_sent_to_the_admin_is_refused(staff_client, make):
    resource = make.resource(title="Before")
    upload = SimpleUploadedFile("x.txt", b"hello", "text/plain")
    response = staff_client.post(
        admin_url(type(resource), "change", resource.pk), {"title": "After", "file": upload}
    )
    assert_bad_request_page(response)
    resource.refresh_from_db()
    assert resource.title == "Before"


def test_a_body_over_the_size_limit_is_a_bad_request(client, db):
    response = client.post(
        reverse("signup"),
        "username=" + "x" * (2 * 1024 * 1024),
        content_type="application/x-www-form-urlencoded",
    )
    assert_bad_request_page(response)
    assert not User.objects.exists()


def test_the_admin_saves_a_stage_with_two_hundred_steps(staff_client, make):
    stage = make.path(steps_per_stage=200).stages.get()
    steps = list(stage.steps.order_by("position"))
    data = {
        "path": stage.path_id, "position": stage.position,
        "title_en": "Renamed", "goal_en": stage.goal,
        "steps-TOTAL_FORMS": len(steps), "steps-INITIAL_FORMS": len(steps),
        "steps-MIN_NUM_FORMS": 0, "steps-MAX_NUM_FORMS": 1000,
        "self_checks-TOTAL_FORMS": 0, "self_checks-INITIAL_FORMS": 0,
    }  # fmt: skip
    for i, step in enumerate(steps):
        data |= {
            f"steps-{i}-id": step.pk, f"steps-{i}-stage": stage.pk,
            f"steps-{i}-position": step.position, f"steps-{i}-resource": step.resource_id,
            f"steps-{i}-note_en": step.note, f"steps-{i}-hours": "",
        }  # fmt: skip
    response = staff_client.post(admin_url(Stage, "change", stage.pk), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    stage.refresh_from_db()
    assert stage.title == "Renamed"


@pytest.mark.parametrize(
    "request_kwargs",
    [
        {"path": "/en/search/?q=a%00b"},
        {"path": "/en/resources/book%00/"},
        {"path": "/en/me/", "headers": {"user-agent": "x\x00y"}},
        {"path": "/en/me/", "method": "post", "data": {"x": "a\x00b"}},
    ],
    ids=["query", "path", "header", "form-field"],
)
def test_nul_in_a_signed_in_request_keeps_the_learner_signed_in(learner_client, request_kwargs):
    learner_client.get("/en/me/")  # the CSRF cookie is set as on any visit
    csrf_before = learner_client.cookies["csrftoken"].value
    kwargs = dict(request_kwargs)
    send = getattr(learner_client, kwargs.pop("method", "get"))
    response = send(kwargs.pop("path"), **kwargs)
    assert_bad_request_page(response)
    assert "sessionid" not in response.cookies
    assert "csrftoken" not in response.cookies
    assert learner_client.cookies["csrftoken"].value == csrf_before
    me = learner_client.get("/en/me/")
    assert me.status_code == 200
    assert me.wsgi_request.user.username == "nul-learner"


def test_nul_in_a_signed_in_learners_session_cookie_is_a_bad_request(learner_client):
    session_key = learner_client.cookies["sessionid"].value
    learner_client.cookies["sessionid"] = session_key[:8] + "\x00" + session_key[8:]
    assert_bad_request_page(learner_client.get("/en/me/"))
    learner_client.cookies["sessionid"] = session_key
    assert learner_client.get("/en/me/").wsgi_request.user.username == "nul-learner"
