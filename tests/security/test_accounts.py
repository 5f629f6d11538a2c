"""Sign-in: brute-force lockout (django-axes), sessions, and the production settings."""

import json
import logging
import os
import subprocess
import sys
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from learnpaths.auth import client_ip
from tests.html import parse
from tests.security.conftest import PASSWORD

LOGIN = "/en/accounts/login/"
ROOT = Path(__file__).resolve().parents[2]


def sign_in(client, username, password=None, ip="203.0.113.7"):
    data = {"username": username, "password": password or "wrong password"}
    return client.post(LOGIN, data, REMOTE_ADDR=ip)


def fail(client, username, times, ip="203.0.113.7"):
    """Wrong passwords; the last response is returned."""
    for _ in range(times):
        response = sign_in(client, username, ip=ip)
    return response


def test_five_wrong_passwords_lock_the_account_from_that_address(client, world):
    response = fail(client, "learner", 4)
    assert response.status_code == 200
    assert b"Please enter a correct username or e-mail and password" in response.content
    # The fifth wrong password locks the pair, and says so.
    assert sign_in(client, "learner").status_code == 429
    # Even the right password is refused now, with a page that says why and for how long.
    response = sign_in(client, "learner", PASSWORD)
    assert response.status_code == 429
    page = response.content.decode()
    assert "Sign-in paused for 15 minutes" in page
    assert "5 wrong passwords in a row" in page
    assert reverse("password_reset") in page
    assert "_auth_user_id" not in client.session


def test_the_lockout_counts_the_e_mail_address_and_the_username_together(client, world):
    assert fail(client, "learner", 3).status_code == 200
    assert fail(client, world.learner.email.upper(), 1).status_code == 200
    assert fail(client, world.learner.email, 1).status_code == 429
    assert AccessAttempt.objects.get(username="learner").failures_since_start == 5
    assert sign_in(client, world.learner.email, PASSWORD).status_code == 429


def test_a_lockout_leaves_other_accounts_and_other_addresses_alone(client, world):
    fail(client, "learner", 5)
    assert sign_in(client, "learner", PASSWORD).status_code == 429
    # Another account from the same address.
    assert sign_in(client, "other", PASSWORD).status_code == 302
    # The same account from another address.
    assert sign_in(Client(), "learner", PASSWORD, ip="198.51.100.9").status_code == 302


def test_the_lockout_ends_after_the_cool_off(client, world):
    fail(client, "learner", 5)
    # Trying again during the pause does not extend it: the page's "15 minutes" holds.
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=10))
    assert sign_in(client, "learner", PASSWORD).status_code == 429
    assert sign_in(client, "learner").status_code == 429
    paused_at = AccessAttempt.objects.get(username="learner").attempt_time
    assert paused_at < timezone.now() - timedelta(minutes=9)
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    response = sign_in(client, "learner", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/en/me/"


def test_a_successful_sign_in_resets_the_count(client, world):
    fail(client, "learner", 4)
    assert sign_in(client, "learner", PASSWORD).status_code == 302
    client.logout()
    fail(client, "learner", 4)
    assert sign_in(client, "learner", PASSWORD).status_code == 302


def test_staff_can_see_and_lift_a_lockout_in_the_admin(client, world):
    fail(client, "learner", 5)
    attempt = AccessAttempt.objects.get(username="learner")
    admin = Client()
    admin.force_login(world.staff)
    changelist = admin.get(reverse("admin:axes_accessattempt_changelist"))
    assert changelist.status_code == 200 and b"learner" in changelist.content
    delete_url = reverse("admin:axes_accessattempt_delete", args=[attempt.pk])
    assert admin.get(delete_url).status_code == 200
    assert admin.post(delete_url, {"post": "yes"}).status_code == 302
    assert sign_in(client, "learner", PASSWORD).status_code == 302


def test_learners_cannot_reach_the_lockout_admin(client, world):
    client.force_login(world.learner)
    response = client.get(reverse("admin:axes_accessattempt_changelist"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_the_admin_sign_in_is_protected_too(client, world):
    for _ in range(5):
        client.post(reverse("admin:login"), {"username": "curator", "password": "nope"})
    response = client.post(reverse("admin:login"), {"username": "curator", "password": PASSWORD})
    assert response.status_code == 429


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "1.2.3.4", "10.0.0.1"),  # no proxy: the header is the client's to forge
        (1, "1.2.3.4", "1.2.3.4"),
        (1, "6.6.6.6, 1.2.3.4", "1.2.3.4"),  # the client prepended a forged address
        (2, "6.6.6.6, 1.2.3.4, 5.5.5.5", "1.2.3.4"),
        (1, "", "10.0.0.1"),  # proxy misconfigured: fall back to the connection
        (1, "not-an-address", "10.0.0.1"),
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_the_client_address_comes_from_the_trusted_end_of_x_forwarded_for(
    rf, settings, proxies, forwarded, expected
):
    settings.TRUSTED_PROXIES = proxies
    request = rf.post(LOGIN, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def test_behind_a_proxy_a_forged_header_does_not_escape_the_lockout(client, world, settings):
    settings.TRUSTED_PROXIES = 1
    for n in range(5):
        client.post(
            LOGIN,
            {"username": "learner", "password": "wrong"},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR=f"6.6.6.{n}, 203.0.113.7",
        )
    response = client.post(
        LOGIN,
        {"username": "learner", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="6.6.6.99, 203.0.113.7",
    )
    assert response.status_code == 429


def test_signing_in_gives_a_new_session_key(client, world):
    client.get(LOGIN)
    client.session["before"] = True  # an anonymous session exists
    session = client.session
    session["theme"] = "dark"
    session.save()
    before = session.session_key
    client.cookies["sessionid"] = before
    assert sign_in(client, "learner", PASSWORD).status_code == 302
    after = client.cookies["sessionid"].value
    assert after != before
    assert client.session["theme"] == "dark"  # rotated, not thrown away


def test_an_old_session_cookie_is_useless_after_signing_out(client, world):
    assert sign_in(client, "learner", PASSWORD).status_code == 302
    old_cookie = client.cookies["sessionid"].value
    assert client.get("/en/me/").status_code == 200
    assert client.post(reverse("logout")).status_code == 302
    thief = Client()
    thief.cookies["sessionid"] = old_cookie
    response = thief.get("/en/me/")
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


def test_signing_out_is_post_only(client, world):
    client.force_login(world.learner)
    assert client.get(reverse("logout")).status_code == 405
    assert client.get("/en/me/").status_code == 200


def test_the_password_validators_are_on(client, world):
    response = client.post(
        "/en/accounts/signup/",
        {
            "username": "newbie",
            "email": "n@example.org",
            "password1": "12345678",
            "password2": "12345678",
        },
    )
    assert response.status_code == 200
    assert b"This password is too common" in response.content


def production_env(**extra):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "SECURE_SSL_REDIRECT"}
    }
    env.update(extra)
    return env


def manage(*args, env):
    return subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_deployment_checks_pass_in_production():
    env = production_env(DEBUG="0", SECRET_KEY="k" * 20 + "-Zq8!x" * 8, ALLOWED_HOSTS="example.org")
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS"])
def test_production_refuses_to_start_without_its_secrets(missing):
    env = production_env(DEBUG="0", SECRET_KEY="s" * 60, ALLOWED_HOSTS="example.org")
    del env[missing]
    result = manage("check", env=env)
    assert result.returncode != 0
    assert f"{missing} is not set" in result.stderr


def test_production_logs_are_json_lines_on_stdout():
    env = production_env(DEBUG="0", SECRET_KEY="s" * 60, ALLOWED_HOSTS="example.org")
    code = (
        "import django, logging; django.setup(); "
        "logging.getLogger('learnpaths').warning('disk %s', 'full')"
    )
    result = subprocess.run(  # noqa: S603 - the interpreter running the tests
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "learnpaths.settings"},
        capture_output=True,
        text=True,
        check=True,
    )
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert {"level": "WARNING", "logger": "learnpaths", "message": "disk full"}.items() <= (
        records[-1].items()
    )
    assert "time" in records[-1]
    assert result.stderr == ""


def test_log_level_comes_from_the_environment():
    assert logging.getLogger().level == logging.getLevelName(os.environ.get("LOG_LEVEL", "INFO"))


class FormPage(HTMLParser):
    """The form's field blocks (`div.field`): for each, its input's name and its error texts;
    and the name of the input that carries `autofocus`."""

    def __init__(self, html: str):
        super().__init__()
        self.blocks: dict[str, list[str]] = {}
        self.autofocus: list[str] = []
        self._block: str | None = None
        self._depth = 0
        self._in_error = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "div":
            if self._block is not None:
                self._depth += 1
            elif "field" in (attrs.get("class") or "").split():
                self._block, self._depth = "", 1
        if tag in {"input", "select", "textarea"}:
            if "autofocus" in attrs:
                self.autofocus.append(attrs.get("name"))
            if self._block == "":
                self._block = attrs.get("name")
                self.blocks[self._block] = []
        if tag == "p" and self._block and "error" in (attrs.get("class") or "").split():
            self._in_error = True

    def handle_endtag(self, tag):
        if tag == "p":
            self._in_error = False
        if tag == "div" and self._block is not None:
            self._depth -= 1
            if self._depth == 0:
                self._block = None

    def handle_data(self, data):
        if self._in_error and data.strip():
            self.blocks[self._block].append(data.strip())


SIGNUP = {"username": "newbie", "email": "n@example.org"}


@pytest.mark.parametrize(
    ("password1", "message"),
    [("12345678", "This password is too common"), ("x7Qz", "This password is too short")],
)
def test_sign_up_shows_password_faults_under_the_password_and_focuses_it(
    client, world, password1, message
):
    data = {**SIGNUP, "password1": password1, "password2": password1}
    page = FormPage(client.post("/en/accounts/signup/", data).content.decode())
    assert any(message in error for error in page.blocks["password1"])
    assert page.blocks["password2"] == []
    assert page.autofocus == ["password1"]


def test_sign_up_focuses_the_first_field_with_an_error(client, world):
    data = {"username": "learner", "email": "n@example.org", "password1": "a", "password2": "b"}
    page = FormPage(client.post("/en/accounts/signup/", data).content.decode())
    assert page.blocks["username"]
    assert page.autofocus == ["username"]
    data = {**SIGNUP, "password1": PASSWORD, "password2": PASSWORD + "!"}
    page = FormPage(client.post("/en/accounts/signup/", data).content.decode())
    assert page.blocks["password1"] == []
    assert any("didn’t match" in error for error in page.blocks["password2"])
    assert page.autofocus == ["password2"]


def test_sign_in_speaks_of_username_or_e_mail(client, world):
    page = client.get(LOGIN).content.decode()
    assert parse(page).find("label", for_="id_username").text == "Username or e-mail"
    page = sign_in(client, "nobody@example.org").content.decode()
    assert "Please enter a correct username or e-mail and password" in page
    assert "correct username and password" not in page


def test_password_change_shows_password_faults_under_the_new_password(client, world):
    client.force_login(world.learner)
    data = {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"}
    page = FormPage(client.post("/en/accounts/password_change/", data).content.decode())
    assert any("too common" in error for error in page.blocks["new_password1"])
    assert page.blocks["new_password2"] == []
    assert page.autofocus == ["new_password1"]
    data = {"old_password": "wrong", "new_password1": PASSWORD, "new_password2": PASSWORD}
    page = FormPage(client.post("/en/accounts/password_change/", data).content.decode())
    assert page.blocks["old_password"]
    assert page.autofocus == ["old_password"]


def test_password_reset_shows_password_faults_under_the_new_password(client, world):
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    uid = urlsafe_base64_encode(force_bytes(world.learner.pk))
    token = default_token_generator.make_token(world.learner)
    form_url = client.get(f"/en/accounts/reset/{uid}/{token}/", follow=True).redirect_chain[-1][0]
    page = FormPage(client.get(form_url).content.decode())
    assert page.autofocus == ["new_password1"]
    data = {"new_password1": "12345678", "new_password2": "12345678"}
    page = FormPage(client.post(form_url, data).content.decode())
    assert any("too common" in error for error in page.blocks["new_password1"])
    assert page.blocks["new_password2"] == []
    assert page.autofocus == ["new_password1"]


def test_account_deletion_focuses_the_password_after_a_wrong_one(client, world):
    client.force_login(world.learner)
    page = FormPage(client.post("/en/accounts/delete/", {"password": "wrong"}).content.decode())
    assert page.blocks["password"] == ["That is not your password."]
    assert page.autofocus == ["password"]
