# ruff: noqa: S310 - loopback URLs built by the test itself
"""Two app servers over one PostgreSQL database and one Redis: nothing is kept per process.

Runs where PostgreSQL and Redis are reachable (CI has both); the two servers are real
`runserver` processes on two loopback ports, reading the test database this test commits to.
"""

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.db import connection

from learnpaths.models import Stage, Step
from tests.admin_forms import form_fields

ROOT = Path(__file__).resolve().parents[2]
REDIS = ("127.0.0.1", 6379)


def _redis_up() -> bool:
    try:
        with socket.create_connection(REDIS, timeout=0.5):
            return True
    except OSError:
        return False


pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql" or not _redis_up(),
    reason="scale-out needs PostgreSQL and Redis on 127.0.0.1 (CI runs it on PostgreSQL)",
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Browser:
    """A client for one server sharing a cookie dict with the others. Cookies are kept by hand:
    with DEBUG off they are marked Secure, which urllib's cookie jar will not send over http."""

    def __init__(self, base: str, cookies: dict):
        self.base, self.cookies = base, cookies

    def _open(self, request: urllib.request.Request) -> tuple[int, str]:
        request.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        try:
            response = urllib.request.build_opener(_NoRedirect).open(request, timeout=20)
        except urllib.error.HTTPError as error:
            response = error
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        return response.status, response.read().decode()

    def get(self, path: str) -> tuple[int, str]:
        return self._open(urllib.request.Request(self.base + path))

    def post(self, path: str, data: dict) -> int:
        body = {**data, "csrfmiddlewaretoken": self.cookies["csrftoken"]}
        encoded = urllib.parse.urlencode(body, doseq=True).encode()
        return self._open(urllib.request.Request(self.base + path, data=encoded))[0]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture
def servers(transactional_db, tmp_path):
    db = connection.settings_dict
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "scale-out-test-key-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CACHE_URL": "redis://127.0.0.1:6379/3",
        "CACHE_KEY_PREFIX": f"scale-out-{os.getpid()}",
        "LOG_LEVEL": "WARNING",
        # Production serves hashed static files from a manifest: build one, as a deploy would.
        "STATIC_ROOT": str(tmp_path / "static"),
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT, env=env, check=True, timeout=120,
    )  # fmt: skip
    ports = [_free_port(), _free_port()]
    processes = [
        subprocess.Popen(  # noqa: S603 - fixed command
            [
                sys.executable,
                "manage.py",
                "runserver",
                "--noreload",
                "--insecure",
                f"127.0.0.1:{port}",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for port in ports
    ]
    try:
        for port in ports:
            for _ in range(100):
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                    break
                except OSError:
                    time.sleep(0.1)
        yield [f"http://127.0.0.1:{port}" for port in ports]
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)


def test_two_app_servers_share_sessions_cache_and_progress(servers, make):
    path = make.path(stages=1, steps_per_stage=2)
    step = Step.objects.filter(path=path).select_related("resource").first()
    make.user(username="ada", password="a long enough passphrase")
    make.user(username="curator", password="a curators passphrase", is_staff=True,
              is_superuser=True)  # fmt: skip
    cookies: dict[str, str] = {}
    a, b = Browser(servers[0], cookies), Browser(servers[1], cookies)

    # A session made on A is valid on B.
    a.get("/en/accounts/login/")
    login = {"username": "ada", "password": "a long enough passphrase"}
    assert a.post("/en/accounts/login/", login) == 302
    status, html = b.get("/en/me/")
    assert status == 200 and "ada" in html and "Sign out" in html

    # Progress written through A is read through B, though B had the learner's page cached.
    _, html = b.get(path.get_absolute_url())
    assert re.search(rf'class="step step-not_started[^"]*" id="step-{step.pk}"', html)
    assert a.post(f"/en/resources/{step.resource.slug}/progress/", {"status": "done"}) == 302
    _, html = b.get(path.get_absolute_url())
    assert re.search(rf'class="step step-done[^"]*" id="step-{step.pk}"', html)

    # A curator's change made in A's admin is seen through both servers at once, though both
    # had the page cached, for anonymous visitors and for the learner.
    anonymous = [Browser(server, {}) for server in servers]
    old_heading = "</span> Stage 1</h2>"  # after the stage's number
    for browser in (a, b, *anonymous):
        assert old_heading in browser.get(path.get_absolute_url())[1]
    curator = Browser(servers[0], {})
    curator.get("/admin/login/")
    signed_in = curator.post(
        "/admin/login/?next=/admin/",
        {"username": "curator", "password": "a curators passphrase", "next": "/admin/"},
    )
    assert signed_in == 302
    stage = Stage.objects.get(path=path)
    change_url = f"/admin/learnpaths/stage/{stage.pk}/change/"
    fields = form_fields(curator.get(change_url)[1], "stage_form")
    fields.pop("csrfmiddlewaretoken")
    fields["title_en"] = ["Renamed by a curator"]
    assert curator.post(change_url, fields) == 302
    stage.refresh_from_db()
    assert stage.title == "Renamed by a curator"
    for browser in (a, b, *anonymous):
        html = browser.get(path.get_absolute_url())[1]
        assert "</span> Renamed by a curator</h2>" in html and old_heading not in html
