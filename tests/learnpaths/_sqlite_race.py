"""Run by test_sqlite_concurrency in a fresh process against an SQLite *file* database (the
test suite's own SQLite database is in memory, where there is no file lock to contend for).

Usage: DATABASE_URL=sqlite:////tmp/x.sqlite3 python -m tests.learnpaths._sqlite_race ROUNDS N OUT
Writes JSON to OUT (stdout carries the logs): per round, what each of N simultaneous requests
got, and the progress rows left.
"""

import json
import os
import sys
import threading

import django


def main(rounds: int, requests: int, out: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "learnpaths.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from learnpaths.models import Progress, User
    from resources.models import Resource

    setup_test_environment()  # the test Client needs it (and it allows the host "testserver")
    call_command("migrate", verbosity=0)
    user = User.objects.create_user("racer")  # signed in with force_login
    resource = Resource.objects.create(
        title="Raced", slug="raced", kind="book", url="https://example.org/"
    )
    url = f"/en/resources/{resource.slug}/progress/"
    with connection.cursor() as cursor:
        journal_mode = cursor.execute("PRAGMA journal_mode").fetchone()[0]
    results = []
    for _ in range(rounds):
        Progress.objects.all().delete()
        barrier = threading.Barrier(requests, timeout=30)
        outcomes = [None] * requests

        def post(index, barrier=barrier, outcomes=outcomes):
            try:
                client = Client()
                client.force_login(user)
                barrier.wait()
                outcomes[index] = client.post(url, {"status": "done"}).status_code
            except Exception as error:
                outcomes[index] = f"{type(error).__name__}: {error}"
            finally:
                connection.close()

        threads = [threading.Thread(target=post, args=(i,)) for i in range(requests)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        rows = list(Progress.objects.filter(user=user).values_list("status", flat=True))
        results.append({"outcomes": outcomes, "rows": rows})
    with open(out, "w", encoding="utf-8") as file:
        json.dump({"journal_mode": journal_mode, "rounds": results}, file)


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3])
