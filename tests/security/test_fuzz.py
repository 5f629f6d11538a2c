"""Whatever arrives in a query string or a form, the answer is never a server error."""

import pytest
from django.contrib.auth import SESSION_KEY
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from learnpaths.models import Progress, User
from tests.security.conftest import PASSWORD

FAST = settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

# Anything a browser or a script could send: any text (NUL and control characters included, but
# no lone surrogates, which cannot be encoded), huge and negative numbers, very long strings.
hostile = st.one_of(
    st.text(st.characters(exclude_categories=["Cs"]), max_size=50),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(["", "0", "-1", "1e309", "NaN", "\x00", "%00", "../../etc", "a" * 5000]),
    st.text(st.sampled_from("\x00\t\n\r <>\"'&;%/\\"), max_size=20),
)
many = st.lists(hostile, max_size=4)


def no_server_error(response):
    assert response.status_code < 500, response.status_code
    return response


def has_nul(*values):
    # Refused as a whole by RejectNulBytesMiddleware, before any form sees it.
    return any("\x00" in value for value in values)


@pytest.fixture
def sample(make):
    resource = make.resource(tags=["vision"], concepts=[make.concept()])
    path = make.path(stages=1, steps_per_stage=2)
    return resource, path


@FAST
@given(
    kind=many, level=many, cost=many, language=many, concept=many, tag=many,
    sort=hostile, page=hostile, htmx=st.booleans(),
)  # fmt: skip
def test_resource_filters(
    client, sample, kind, level, cost, language, concept, tag, sort, page, htmx
):
    query = {
        "kind": kind, "level": level, "cost": cost, "language": language,
        "concept": concept, "tag": tag, "sort": sort, "page": page,
    }  # fmt: skip
    headers = {"HX-Request": "true"} if htmx else {}
    no_server_error(client.get("/en/resources/", query, headers=headers))


@FAST
@given(q=hostile, page=hostile)
def test_search(client, sample, q, page):
    no_server_error(client.get("/en/search/", {"q": q, "page": page}))


@FAST
@given(level=hostile, topic=hostile)
def test_path_list(client, sample, level, topic):
    no_server_error(client.get("/en/paths/", {"level": level, "topic": topic}))


@FAST
@given(page=hostile)
def test_tag_pages(client, sample, page):
    no_server_error(client.get("/en/tags/vision/", {"page": page}))


@FAST
@given(slug=hostile)
def test_slugs_in_the_path(client, sample, slug):
    for prefix in ("/en/tags/", "/en/concepts/", "/en/resources/", "/en/paths/"):
        no_server_error(client.get(prefix + slug.replace("/", "") + "/"))


@FAST
@given(username=hostile, email=hostile, password1=hostile, password2=hostile, next_url=hostile)
def test_signup_form(client, db, username, email, password1, password2, next_url):
    users = User.objects.count()
    response = no_server_error(
        client.post(
            "/en/accounts/signup/",
            {
                "username": username,
                "email": email,
                "password1": password1,
                "password2": password2,
                "next": next_url,
            },
        )
    )
    if has_nul(username, email, password1, password2, next_url):
        assert response.status_code == 400
        assert User.objects.count() == users
    elif response.status_code == 200:
        # The form again, with its errors: nobody was half-created.
        assert User.objects.count() == users
        assert b'role="alert"' in response.content
    else:
        assert response.status_code == 302
        assert User.objects.count() == users + 1
        client.logout()


@FAST
@given(username=hostile, password=hostile, next_url=hostile)
def test_sign_in_form(client, make, username, password, next_url):
    response = no_server_error(
        client.post(
            "/en/accounts/login/", {"username": username, "password": password, "next": next_url}
        )
    )
    # Never signed in with a wrong password.
    assert response.status_code in ({400} if has_nul(username, password, next_url) else {200, 429})
    assert SESSION_KEY not in client.session


@FAST
@given(email=hostile)
def test_password_reset_form(client, db, email):
    no_server_error(client.post("/en/accounts/password_reset/", {"email": email}))


@FAST
@given(status=hostile, next_url=hostile, path=hostile, htmx=st.booleans())
def test_progress_form(client, make, sample, status, next_url, path, htmx):
    resource, _ = sample
    learner = User.objects.filter(username="fuzzer").first() or make.user(username="fuzzer")
    client.force_login(learner)
    headers = {"HX-Request": "true"} if htmx else {}
    before = list(Progress.objects.values_list("user", "resource", "status"))
    response = no_server_error(
        client.post(
            f"/en/resources/{resource.slug}/progress/",
            {"status": status, "next": next_url, "path": path},
            headers=headers,
        )
    )
    if status not in {"done", "in_progress", "not_started"} or has_nul(next_url, path):
        assert response.status_code == 400
        assert list(Progress.objects.values_list("user", "resource", "status")) == before


@FAST
@given(password=hostile)
def test_account_delete_form(client, make, password):
    learner = User.objects.filter(username="fuzzer").first() or make.user(
        username="fuzzer", password=PASSWORD
    )
    client.force_login(learner)
    response = no_server_error(client.post("/en/accounts/delete/", {"password": password}))
    # A wrong password: the form again.
    assert response.status_code == (400 if has_nul(password) else 200)
    assert User.objects.filter(pk=learner.pk).exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("username", "x" * 151), ("email", "a" * 250 + "@example.org"), ("username", "bad/name")],
)
def test_over_long_or_malformed_sign_up_values_get_a_form_error(client, db, field, value):
    data = {
        "username": "newbie",
        "email": "newbie@example.org",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    response = client.post("/en/accounts/signup/", {**data, field: value})
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert not User.objects.filter(username="newbie").exists()


@pytest.mark.parametrize(
    "url",
    [
        "/en/tags/%00/",
        "/en/paths/?topic=%00",
        "/en/resources/?kind=a%00",
        "/en/search/?q=%00&page=%00",
    ],
)
def test_a_nul_character_in_the_url_is_a_bad_request(client, sample, url):
    # PostgreSQL cannot compare text with NUL in it: this used to be a 500 there.
    response = client.get(url)
    assert response.status_code == 400
    assert "Content-Security-Policy" in response


def test_a_nul_character_in_an_admin_search_is_a_bad_request(client, make):
    client.force_login(make.user(is_staff=True, is_superuser=True))
    assert client.get("/admin/resources/resource/?q=%00").status_code == 400
