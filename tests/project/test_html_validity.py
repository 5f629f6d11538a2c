"""Every page type is valid HTML: zero errors from the Nu HTML checker (vnu.jar).

The checker comes from the npm package `vnu-jar` (package.json; `npm ci --ignore-scripts` puts
it in node_modules/) and runs on Java 17+. All pages go to one checker run (one JVM start).
Without the checker these tests skip outside CI and fail in CI (`CI` set), as the browser tests
do.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from learnpaths import services
from tests.security import conftest as security

ROOT = Path(__file__).resolve().parents[2]
VNU_JAR = Path(os.environ.get("VNU_JAR") or ROOT / "node_modules/vnu-jar/build/dist/vnu.jar")
HOW_TO_ENABLE = "The HTML checker needs Java 17+ and `npm ci --ignore-scripts` (vnu-jar)"

world = security.world  # the security tests' fixture: one of everything the site shows


@pytest.fixture
def vnu() -> list[str]:
    """The command that runs the checker; asked for first, so a skip costs no set-up."""
    java = shutil.which("java")
    if java is None or not VNU_JAR.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the HTML checker. {HOW_TO_ENABLE}.", pytrace=False)
        pytest.skip(HOW_TO_ENABLE)
    return [java, "-jar", str(VNU_JAR)]


def validate(command: list[str], pages: dict[str, str], tmp_path: Path) -> dict[str, list[str]]:
    """{url: html} → {url: ["line N: message", ...]} for every page with errors."""
    files = {}
    for number, (url, html) in enumerate(pages.items()):
        files[f"page{number}.html"] = url
        (tmp_path / f"page{number}.html").write_text(html, encoding="utf-8")
    paths = [str(tmp_path / f"page{number}.html") for number in range(len(pages))]
    result = subprocess.run(  # noqa: S603 - the checker on files this test wrote
        [*command, "--format", "json", "--errors-only", *paths],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    messages = json.loads(result.stderr or result.stdout)["messages"]
    errors: dict[str, list[str]] = {}
    for message in messages:
        if message["type"] not in {"error", "non-document-error"}:
            continue
        url = files.get(message.get("url", "").rpartition("/")[2], message.get("url"))
        errors.setdefault(url, []).append(f"line {message.get('lastLine')}: {message['message']}")
    return errors


def fetch(client: Client, pages: dict[str, str], url: str, status: int = 200, **post) -> None:
    """GET `url` (POST `post` if given) and keep the page under a key naming who asked how."""
    response = client.post(url, post) if post else client.get(url)
    assert response.status_code == status, url
    who = " (signed in)" if "_auth_user_id" in client.session else ""
    pages[f"{url}{' (POST)' if post else ''}{who}"] = response.content.decode()


def test_every_page_type_has_no_html_errors(vnu, world, tmp_path):
    pages: dict[str, str] = {}
    anonymous = Client()
    public = [
        reverse("home"),
        reverse("concept-list"),
        reverse("concept-map"),
        world.concept.get_absolute_url(),
        reverse("resource-list"),
        reverse("resource-list") + "?kind=conference",
        world.resource.get_absolute_url(),
        world.workshop.get_absolute_url(),
        reverse("conference-list"),
        reverse("conference-list") + "?area=ml&concept=nothing&kind=workshop",
        reverse("conference-past"),
        reverse("tag-detail", args=[world.tag.slug]),
        reverse("search") + "?q=learning",
        reverse("search") + "?q=zzzznothing",
        reverse("path-list"),
        world.path.get_absolute_url(),
        reverse("login"),
        reverse("signup"),
        reverse("password_reset"),
        reverse("password_reset_done"),
        reverse("password_reset_complete"),
    ]
    for url in public:
        fetch(anonymous, pages, url)
    fetch(anonymous, pages, "/no-such-page/", status=404)
    fetch(anonymous, pages, reverse("login"), username="nobody", password="wrong")
    fetch(anonymous, pages, reverse("signup"), username="x", password1="1", password2="2")
    uid = urlsafe_base64_encode(force_bytes(world.other.pk))
    token = default_token_generator.make_token(world.other)
    reset = anonymous.get(reverse("password_reset_confirm", args=[uid, token]), follow=True)
    fetch(anonymous, pages, reset.redirect_chain[-1][0])
    fetch(anonymous, pages, reverse("password_reset_confirm", args=[uid, "bad-token"]))

    share_token = services.share_token_set(user=world.learner, shared=True)
    fetch(anonymous, pages, reverse("shared-progress", args=[share_token]))
    learner = Client()
    learner.force_login(world.learner)
    services.note_save(user=world.learner, resource_id=world.step.resource.pk, body="*Mine*")
    note_url = reverse("resource-note", args=[world.step.resource.slug])
    for url in [
        reverse("dashboard"),
        reverse("data-import"),
        reverse("notes"),
        reverse("notes") + "?q=nothing",
        note_url,
        world.step.resource.get_absolute_url(),
        reverse("path-list"),
        world.path.get_absolute_url(),
        world.resource.get_absolute_url(),
        reverse("password_change"),
        reverse("password_change_done"),
        reverse("account-delete"),
        reverse("path-pace", args=[world.path.slug]),
        reverse("time-zone"),
        "/zh-hans/me/",
    ]:
        fetch(learner, pages, url)
    fetch(learner, pages, reverse("password_change"), old_password="wrong", new_password1="a")
    export = learner.get(reverse("export-json")).content
    fetch(learner, pages, reverse("data-import"), file=SimpleUploadedFile("a.json", export))
    fetch(learner, pages, "/zh-hans/me/import/", file=SimpleUploadedFile("b.json", b"[1]"))
    fetch(learner, pages, reverse("path-pace", args=[world.path.slug]), weekly_hours="200")
    fetch(learner, pages, reverse("time-zone"), time_zone="Mars/Olympus")
    fetch(learner, pages, note_url, body="x" * 20_001)  # too long: the form with its error
    errors = validate(vnu, pages, tmp_path)
    assert errors == {}, json.dumps(errors, indent=1, ensure_ascii=False)
