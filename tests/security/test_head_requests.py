"""Every page that answers GET answers HEAD the same way (link checkers, monitors and some
browsers' prefetchers send HEAD)."""

from tests.security.test_access import ROLES, all_urls, clients


def test_every_url_answers_head_as_it_answers_get(world):
    by_role = clients(world)
    failures = []
    for key, url in all_urls(world):
        for role in ROLES:
            got = by_role[role].get(url)
            head = by_role[role].head(url)
            if key == "admin:login" and head.status_code == 200:
                # Django's admin sign-in sends signed-in staff on for GET only; a HEAD gets the
                # form's headers. Both answer: that is what this test is about.
                continue
            if head.status_code != got.status_code or head.get("Location") != got.get("Location"):
                failures.append(
                    f"{role} {url} ({key}): GET {got.status_code}, HEAD {head.status_code}"
                )
            elif head.content:
                failures.append(f"{role} HEAD {url} ({key}) sent a body")
    assert not failures, "\n".join(failures)
