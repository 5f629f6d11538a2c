"""Save PNG screenshots of the main pages into docs/screenshots/ (`make screenshots`).

A throwaway site: a temporary SQLite database with the curated catalogue (`seed`) and a demo
learner part-way through a path, served by `runserver` on a free loopback port, photographed
by Playwright with the system Chromium (CHROMIUM_PATH or /usr/bin/chromium; nothing is
downloaded). Nothing outside the temporary directory and docs/screenshots/ is touched.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DEMO_USER, DEMO_PASSWORD = "demo", "a demo password for screenshots"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 760}
# (file name, path, viewport, colour scheme, signed in). Few on purpose: they live in git.
SHOTS = [
    ("home-desktop-light", "/en/", DESKTOP, "light", False),
    ("path-desktop-light", "{path}", DESKTOP, "light", True),
    ("resources-desktop-light", "/en/resources/?kind=paper", DESKTOP, "light", False),
    ("dashboard-desktop-light", "/en/me/", DESKTOP, "light", True),
    ("concept-map-desktop-light", "/en/concepts/map/", DESKTOP, "light", False),
    ("concept-desktop-dark", "/en/concepts/transformer/", DESKTOP, "dark", False),
    ("home-phone-dark", "/en/", PHONE, "dark", False),
    ("path-phone-dark", "{path}", PHONE, "dark", True),
    ("dashboard-phone-dark", "/en/me/", PHONE, "dark", True),
    ("concept-map-phone-dark", "/en/concepts/map/", PHONE, "dark", False),
    # The Chinese site (README): a path and the dashboard as a Chinese reader sees them.
    ("zh-path-desktop-light", "{path_zh}", DESKTOP, "light", True),
    ("zh-dashboard-phone-light", "/zh-hans/me/", PHONE, "light", True),
]

# Run inside `manage.py shell`: the demo learner follows the first path and has done about half
# of it, spread over the last weeks so that the dashboard's activity chart has something to show.
DEMO_SETUP = f"""
from datetime import timedelta
from django.utils import timezone
from learnpaths import services
from learnpaths.models import LearningPath, Progress, Step, User
user = User.objects.create_user({DEMO_USER!r}, "demo@example.org", {DEMO_PASSWORD!r})
path = LearningPath.objects.published().order_by("-featured", "title").first()
services.path_follow(user=user, path=path)
steps = list(Step.objects.filter(path=path).order_by("stage__position", "position"))
done = steps[: max(1, len(steps) // 2)]
for step in done:
    services.progress_set(user=user, resource_id=step.resource.pk, status="done")
services.progress_set(user=user, resource_id=steps[len(done)].resource.pk, status="in_progress")
for weeks, step in enumerate(reversed(done)):
    when = timezone.now() - timedelta(weeks=weeks * 1.5, days=weeks % 3)
    Progress.objects.filter(user=user, resource=step.resource).update(completed_at=when)
print(path.get_absolute_url())
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(env: dict, *args: str) -> str:
    result = subprocess.run(  # noqa: S603 - manage.py with our own arguments
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout


def wait_until_up(url: str, server: subprocess.Popen) -> None:
    for _ in range(100):
        if server.poll() is not None:
            raise SystemExit("the development server stopped; see its output above")
        try:
            with urllib.request.urlopen(url, timeout=1):  # noqa: S310 - our own loopback server
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"the development server did not answer at {url}")


def main() -> None:
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"No Chromium at {CHROMIUM}: apt-get install chromium, or CHROMIUM_PATH.")
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="learnpaths-shots-") as tmp:
        env = {
            **os.environ,
            "DEBUG": "1",
            "DATABASE_URL": f"sqlite:///{tmp}/site.sqlite3",
            "CACHE_URL": "",
            "LOG_LEVEL": "WARNING",
        }
        manage(env, "migrate", "--noinput", "-v0")
        manage(env, "seed", "-v0")
        path_url = manage(env, "shell", "-c", DEMO_SETUP).strip().splitlines()[-1]
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(  # noqa: S603 - fixed arguments
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,  # its request log; a failure shows as no answer
        )
        try:
            wait_until_up(f"{base}/healthz", server)
            shoot(base, path_url)
        finally:
            server.terminate()
            server.wait(timeout=10)


def shoot(base: str, path_url: str) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        sessions = {}
        for name, url, viewport, scheme, signed_in in SHOTS:
            key = (tuple(viewport.items()), scheme, signed_in)
            if key not in sessions:
                context = browser.new_context(
                    base_url=base, viewport=viewport, color_scheme=scheme, reduced_motion="reduce"
                )
                page = context.new_page()
                if signed_in:
                    page.goto("/en/accounts/login/")
                    page.get_by_label("Username or e-mail").fill(DEMO_USER)
                    page.get_by_label("Password").fill(DEMO_PASSWORD)
                    page.get_by_role("main").get_by_role("button", name="Sign in").click()
                    page.wait_for_url("**/me/")
                sessions[key] = page
            page = sessions[key]
            path_zh = path_url.replace("/en/", "/zh-hans/", 1)
            page.goto(url.format(path=path_url, path_zh=path_zh))
            target = OUT / f"{name}.png"
            page.screenshot(path=target)
            print(f"{target.relative_to(ROOT)}  {target.stat().st_size // 1024} KB")
        browser.close()


if __name__ == "__main__":
    main()
