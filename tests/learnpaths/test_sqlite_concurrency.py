"""The SQLite default is safe for several writers: WAL, IMMEDIATE transactions and a busy
timeout (learnpaths/settings.py) make simultaneous progress writes queue instead of failing.

pytest-django's SQLite database lives in memory, where there is no file lock to contend for, so
the race runs in a fresh process against a temporary database file, configured by the same
settings module a deployment uses.
"""

import json
import os
import subprocess
import sys
from collections import Counter

from django.conf import settings

ROUNDS, REQUESTS = 10, 20


def test_simultaneous_writers_on_an_sqlite_file_leave_one_row_and_never_lock(tmp_path):
    out = tmp_path / "race.json"
    env = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'race.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "learnpaths.settings",
    }
    finished = subprocess.run(  # noqa: S603 - our own interpreter and module, no shell
        [sys.executable, "-m", "tests.learnpaths._sqlite_race", str(ROUNDS), str(REQUESTS), out],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["journal_mode"] == "wal"
    outcomes = Counter(str(o) for r in report["rounds"] for o in r["outcomes"])
    assert outcomes == {"302": ROUNDS * REQUESTS}  # no "database is locked", no 500
    assert [r["rows"] for r in report["rounds"]] == [["done"]] * ROUNDS
