"""Sharing one's progress: an opt-in public link that can be turned off or regenerated."""

import pytest
from django.urls import reverse

from learnpaths import services
from learnpaths.models import LearningPath, Note, PathFollow, PathStatus, Step, User
from learnpaths.selectors import SHARE_TOKEN
from tests.html import parse


def steps_of(path):
    return list(Step.objects.filter(path=path).select_related("resource").order_by("pk"))


def share(client, action="on"):
    return client.post(reverse("share-settings"), {"action": action})


def token_of(user) -> str | None:
    return User.objects.values_list("share_token", flat=True).get(pk=user.pk)


def shared_url(token: str) -> str:
    return reverse("shared-progress", kwargs={"token": token})


@pytest.fixture
def learner(client, make):
    """A signed-in learner following a published path of four steps, two of them done, and a
    draft path; with a note and a pace of their own."""
    user = make.user(username="sharer", email="sharer@example.org", time_zone="Asia/Shanghai")
    path = make.path(title="Deep Learning Basics", stages=2, steps_per_stage=2)
    draft = make.path(title="Secret Draft")
    for followed in (path, draft):
        services.path_follow(user=user, path=followed)
    LearningPath.objects.filter(pk=draft.pk).set_status(PathStatus.DRAFT)
    PathFollow.objects.filter(user=user, path=path).update(weekly_hours=17)
    for step in steps_of(path)[:2]:
        services.progress_set(user=user, resource_id=step.resource.pk, status="done")
    Note.objects.create(user=user, resource=steps_of(path)[0].resource, body="My private thought")
    client.force_login(user)
    user.path = path
    return user


def test_sharing_is_off_until_the_learner_turns_it_on(client, learner):
    assert token_of(learner) is None
    page = parse(client.get(reverse("dashboard")).content)
    buttons = [b.attrs.get("value") for b in page.find_all("button", name="action")]
    assert buttons == ["on"]
    assert page.find("input", id="share-link") is None


def test_turning_sharing_on_gives_a_random_link_shown_on_the_dashboard(client, learner):
    response = share(client)
    assert response.status_code == 302
    token = token_of(learner)
    assert token and SHARE_TOKEN.fullmatch(token)
    page = parse(client.get(reverse("dashboard")).content)
    link = page.find("input", id="share-link").attrs["value"]
    assert link == "http://testserver" + shared_url(token)
    buttons = [b.attrs.get("value") for b in page.find_all("button", name="action")]
    assert buttons == ["regenerate", "off"]


def test_the_shared_page_shows_paths_and_percentages_and_nothing_private(client, learner):
    share(client)
    client.logout()
    response = client.get(shared_url(token_of(learner)))
    assert response.status_code == 200
    page = parse(response.content)
    titles = [h.text for h in page.find_all("h3", class_="card-title")]
    assert titles == ["Deep Learning Basics"]  # the draft path is not named
    assert page.find("progress").attrs["value"] == "50"
    assert "50% done" in page.find("span", class_="progress-value").text
    html = response.content.decode()
    for private in ("sharer", "sharer@example.org", "My private thought", "Secret Draft"):
        assert private not in html, private
    assert "17" not in page.find("main").text  # the pace
    assert "Asia/Shanghai" not in html


def test_the_shared_page_is_not_for_search_engines_nor_for_caches(client, learner):
    share(client)
    response = client.get(shared_url(token_of(learner)))
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    robots = parse(response.content).find("meta", name="robots")
    assert robots.attrs["content"] == "noindex, nofollow"
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("signed_in", [False, True])
def test_turning_sharing_off_makes_the_link_answer_404_at_once(client, learner, signed_in):
    share(client)
    url = shared_url(token_of(learner))
    other = client.__class__()
    if signed_in:
        other.force_login(learner)
    assert other.get(url).status_code == 200
    share(client, "off")
    assert token_of(learner) is None
    assert other.get(url).status_code == 404
    page = parse(client.get(reverse("dashboard")).content)
    assert page.find("input", id="share-link") is None


def test_regenerating_makes_the_old_link_answer_404_and_the_new_one_work(client, learner):
    share(client)
    old = token_of(learner)
    assert client.get(shared_url(old)).status_code == 200
    share(client, "regenerate")
    new = token_of(learner)
    assert new != old and SHARE_TOKEN.fullmatch(new)
    assert client.get(shared_url(old)).status_code == 404
    assert client.get(shared_url(new)).status_code == 200
    dashboard = parse(client.get(reverse("dashboard")).content)
    assert dashboard.find("input", id="share-link").attrs["value"].endswith(shared_url(new))


def test_turning_sharing_on_again_gives_a_new_link(client, learner):
    share(client)
    first = token_of(learner)
    share(client, "off")
    share(client)
    assert token_of(learner) != first
    assert client.get(shared_url(first)).status_code == 404


@pytest.mark.parametrize(
    "token",
    [
        "x",
        "a" * 42,
        "a" * 44,
        "a" * 10_000,
        "a" * 42 + "=",
        "a" * 42 + "é",
        "汉" * 43,
        "a" * 42 + "%00",
        "a" * 42 + "%0A",
        "' OR 1=1 --" + "a" * 32,
        "..%2F..%2Fetc",
    ],
)
def test_a_malformed_token_is_a_404_without_a_lookup(
    client, learner, token, django_assert_max_num_queries
):
    share(client)
    client.logout()
    with django_assert_max_num_queries(1):  # the catalogue version at most, no user lookup
        response = client.get(f"/en/u/{token}/")
    assert response.status_code in (400, 404)  # 400: the NUL check, before any view
    assert response.status_code == 404 or "%00" in token


def test_a_well_formed_but_unknown_token_is_a_404(client, learner):
    share(client)
    forged = "A" * 43
    assert forged != token_of(learner)
    assert client.get(shared_url(forged)).status_code == 404


def test_the_link_opens_in_either_language(client, learner):
    share(client)
    token = token_of(learner)
    assert client.get(f"/zh-hans/u/{token}/").status_code == 200
    response = client.get(f"/u/{token}/")
    assert response.status_code == 302 and response["Location"].endswith(f"/u/{token}/")


def test_an_unknown_action_is_a_400_and_changes_nothing(client, learner):
    share(client)
    token = token_of(learner)
    response = share(client, "delete-everything")
    assert response.status_code == 400
    assert token_of(learner) == token


def test_an_anonymous_visitor_is_sent_to_sign_in_and_nothing_changes(client, learner):
    client.logout()
    response = share(client)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert "next=/en/me/" in response["Location"]
    assert token_of(learner) is None


def test_the_share_form_refuses_get(client, learner):
    assert client.get(reverse("share-settings")).status_code == 405


def test_shared_page_query_count_is_fixed(client, make, django_assert_num_queries):
    user = make.user()

    def grow(paths: int) -> None:
        for _ in range(paths):
            path = make.path(stages=2, steps_per_stage=3)
            services.path_follow(user=user, path=path)
            for step in steps_of(path)[:2]:
                services.progress_set(user=user, resource_id=step.resource.pk, status="done")

    token = services.share_token_set(user=user, shared=True)
    url = shared_url(token)
    # The catalogue version, the token's learner, their follows, their progress on the paths;
    # the paths come from the cache once built (six queries when the catalogue changed).
    grow(1)
    with django_assert_num_queries(4 + 6):
        client.get(url)
    with django_assert_num_queries(4):
        assert client.get(url).content.decode().count("followed-path") == 1
    grow(6)
    with django_assert_num_queries(4 + 6):
        client.get(url)
    with django_assert_num_queries(4):
        assert client.get(url).content.decode().count("followed-path") == 7


def test_the_shared_page_of_a_learner_following_nothing_says_so(client, make):
    token = services.share_token_set(user=make.user(), shared=True)
    response = client.get(shared_url(token))
    assert response.status_code == 200
    assert "No path followed yet." in response.content.decode()
