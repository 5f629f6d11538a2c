"""A learner's private notes: written on a path's step, on a resource's page or on "My notes",
shown to their owner alone, searchable, and every page showing them current at once."""

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from learnpaths import services
from learnpaths.models import Note, Step
from tests.html import parse

HTMX = {"HTTP_HX_REQUEST": "true"}


def steps_of(path):
    return list(
        Step.objects.filter(path=path)
        .select_related("resource", "stage")
        .order_by("stage__position", "position")
    )


def note_url(resource) -> str:
    return reverse("resource-note", args=[resource.slug])


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def note_block(html, resource):
    """The learner's note block for `resource` on a page (None when the page has none)."""
    return parse(html).find(id=f"note-{resource.pk}")


def shown_note(html, resource) -> str | None:
    """The text of the learner's note on `resource` as the page shows it, None if none."""
    block = note_block(html, resource)
    assert block is not None, "no note block"
    shown = block.find(class_="learner-note-text")
    if shown is None:
        return None
    label, *body = [child for child in shown.children if not isinstance(child, str)]
    assert label.text == "Your note"
    return " ".join(element.text for element in body)


def textarea_text(html, resource) -> str:
    block = note_block(html, resource)
    (area,) = block.find_all("textarea", name="body")
    return "".join(child for child in area.children if isinstance(child, str)).removeprefix("\n")


def test_a_learner_writes_edits_and_deletes_a_note_on_a_resource_page_without_javascript(make):
    resource = make.resource(slug="r", title="Deep Learning")
    ada = make.user(username="ada")
    client = signed_in(ada)
    page = client.get(resource.get_absolute_url()).content.decode()
    block = note_block(page, resource)
    assert shown_note(page, resource) is None
    assert block.find("summary").text.startswith("Add a note")
    assert block.find("button", name="action") is None  # nothing to delete yet
    form = block.find("form")
    assert form.attrs["action"] == "/en/resources/r/note/"
    assert form.attrs["method"] == "post"
    assert form.find("input", name="next").attrs["value"] == f"/en/resources/r/#note-{resource.pk}"

    response = client.post(
        note_url(resource), {"body": "Read **chapter 6** first.", "next": "/en/resources/r/"}
    )
    assert response.status_code == 302 and response.url == "/en/resources/r/"
    note = Note.objects.get(user=ada, resource=resource)
    assert note.body == "Read **chapter 6** first."
    assert "<strong>chapter 6</strong>" in note.body_html
    page = client.get(response.url).content.decode()
    assert "Your note is saved." in parse(page).find("ul", class_="messages").text
    assert shown_note(page, resource) == "Read chapter 6 first."
    assert note_block(page, resource).find("strong").text == "chapter 6"
    assert textarea_text(page, resource) == "Read **chapter 6** first."
    assert note_block(page, resource).find("summary").text.startswith("Edit your note")

    client.post(note_url(resource), {"body": "Chapter 7 instead."})
    assert Note.objects.get(user=ada, resource=resource).body == "Chapter 7 instead."
    assert Note.objects.count() == 1
    page = client.get(resource.get_absolute_url()).content.decode()
    assert shown_note(page, resource) == "Chapter 7 instead."

    response = client.post(note_url(resource), {"body": "ignored", "action": "delete"})
    assert response.status_code == 302 and response.url == resource.get_absolute_url()
    assert not Note.objects.exists()
    page = client.get(resource.get_absolute_url()).content.decode()
    assert "Your note is deleted." in page
    assert shown_note(page, resource) is None


def test_saving_a_note_empty_deletes_it(make):
    resource = make.resource()
    ada = make.user()
    services.note_save(user=ada, resource_id=resource.pk, body="keep?")
    response = signed_in(ada).post(note_url(resource), {"body": "  \r\n "})
    assert response.status_code == 302
    assert not Note.objects.exists()
    # Saving nothing where there is no note changes nothing either.
    assert signed_in(ada).post(note_url(resource), {"body": ""}).status_code == 302
    assert not Note.objects.exists()


def test_markdown_indentation_is_kept(make):
    resource = make.resource()
    ada = make.user()
    signed_in(ada).post(note_url(resource), {"body": "    code = 1\n\ntext"})
    note = Note.objects.get()
    assert note.body == "    code = 1\n\ntext"
    assert "<code>" in note.body_html


def test_a_too_long_note_is_a_form_error_and_changes_nothing(make):
    resource = make.resource(slug="r")
    ada = make.user()
    services.note_save(user=ada, resource_id=resource.pk, body="the old note")
    limit = Note._meta.get_field("body").max_length
    client = signed_in(ada)
    too_long = "长" * (limit + 1)
    response = client.post(note_url(resource), {"body": too_long, "next": "/en/resources/r/"})
    assert response.status_code == 200
    page = response.content.decode()
    block = note_block(page, resource)
    error = block.find("p", class_="error").text
    assert f"at most {limit} characters (this one has {limit + 1})" in error
    assert block.find("details").attrs.get("open") is not None
    assert block.find("textarea").attrs["aria-invalid"] == "true"
    assert textarea_text(page, resource) == too_long  # the learner's text is not lost
    # The form still leads back to the page it was sent from.
    assert block.find("input", name="next").attrs["value"] == f"/en/resources/r/#note-{resource.pk}"
    assert Note.objects.get().body == "the old note"
    # The same with htmx: the block with the error, in place.
    response = client.post(note_url(resource), {"body": too_long}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert "at most" in note_block(html, resource).find("p", class_="error").text
    assert Note.objects.get().body == "the old note"


def test_delete_works_even_with_text_too_long_for_a_note(make):
    resource = make.resource()
    ada = make.user()
    services.note_save(user=ada, resource_id=resource.pk, body="x")
    limit = Note._meta.get_field("body").max_length
    signed_in(ada).post(note_url(resource), {"body": "x" * (limit + 1), "action": "delete"})
    assert not Note.objects.exists()


def test_htmx_gets_the_note_block_alone_saying_what_changed(make):
    resource = make.resource(slug="r")
    ada = make.user()
    client = signed_in(ada)
    response = client.post(note_url(resource), {"body": "*first*", "next": "/en/paths/p/"}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and "<body" not in html
    root = parse(html)
    (block,) = [e for e in root.children if not isinstance(e, str)]
    assert block.attrs["id"] == f"note-{resource.pk}"
    assert block.find("em").text == "first"
    status = block.find(class_="note-status")
    assert status.attrs["data-announce"] == "Your note is saved."
    # The form inside still leads back to the page it is on, not to the URL it posts to.
    assert block.find("input", name="next").attrs["value"] == f"/en/paths/p/#note-{resource.pk}"
    form = block.find("form")
    assert form.attrs["data-hx-target"] == f"#note-{resource.pk}"
    assert form.attrs["data-hx-swap"] == "outerHTML"
    response = client.post(note_url(resource), {"action": "delete"}, **HTMX)
    block = note_block(response.content, resource)
    assert block.find(class_="note-status").attrs["data-announce"] == "Your note is deleted."
    assert block.find(class_="learner-note-text") is None
    assert not Note.objects.exists()


def test_a_note_shows_at_once_on_the_learners_cached_pages(make):
    path = make.path(slug="p", stages=2, steps_per_stage=2)
    steps = steps_of(path)
    resource = steps[2].resource
    ada = make.user()
    client = signed_in(ada)
    # Every page cached for her first.
    for url in (path.get_absolute_url(), resource.get_absolute_url(), "/en/me/notes/"):
        client.get(url)
    page = client.get(path.get_absolute_url()).content.decode()
    assert shown_note(page, resource) is None
    client.post(note_url(resource), {"body": "on the step", "next": "/en/paths/p/"})
    client.get("/en/paths/p/")  # the message "Your note is saved", shown once
    page = client.get("/en/paths/p/").content.decode()
    assert shown_note(page, resource) == "on the step"
    # Inside the step itself, after its status form.
    step = parse(page).by_id(f"step-{steps[2].pk}")
    assert step.find(id=f"note-{resource.pk}") is not None
    assert parse(page).find_all(class_="learner-note-text") != []
    assert len(parse(page).find_all(class_="learner-note-text")) == 1
    assert shown_note(client.get(resource.get_absolute_url()).content, resource) == "on the step"
    notes = parse(client.get("/en/me/notes/").content).find("ol", class_="note-list")
    assert "on the step" in notes.text
    services.note_delete(user=ada, resource_id=resource.pk)
    assert shown_note(client.get("/en/paths/p/").content, resource) is None
    assert parse(client.get("/en/me/notes/").content).find("ol", class_="note-list") is None


def test_a_status_change_on_a_path_page_keeps_the_steps_note(make):
    path = make.path(slug="p", stages=1, steps_per_stage=2)
    first, _second = steps_of(path)
    ada = make.user()
    services.note_save(user=ada, resource_id=first.resource.pk, body="mine")
    response = signed_in(ada).post(
        reverse("resource-progress", args=[first.resource.slug]),
        {"status": "done", "path": "p"},
        **HTMX,
    )
    step = parse(response.content).by_id(f"step-{first.pk}")
    assert "step-done" in step.attrs["class"].split()
    assert step.find(id=f"note-{first.resource.pk}") is not None
    assert shown_note(response.content, first.resource) == "mine"


def test_anonymous_visitors_see_no_note_block(make, client):
    path = make.path(slug="p")
    (step,) = steps_of(path)
    services.note_save(user=make.user(), resource_id=step.resource.pk, body="secret")
    for url in (path.get_absolute_url(), step.resource.get_absolute_url()):
        html = client.get(url).content.decode()
        assert note_block(html, step.resource) is None
        assert "secret" not in html
    response = client.get("/en/me/notes/")
    assert response.status_code == 302 and response.url.startswith("/en/accounts/login/")
    response = client.post(note_url(step.resource), {"body": "forged"})
    assert response.status_code == 302 and response.url.startswith("/en/accounts/login/")
    # Signed out in another tab: htmx is told to go and sign in, not to swap the sign-in page
    # into the note.
    response = client.post(note_url(step.resource), {"body": "forged"}, **HTMX)
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith("/en/accounts/login/?next=")
    assert list(Note.objects.values_list("body", flat=True)) == ["secret"]


@pytest.mark.parametrize("role", ["learner", "staff"])
def test_nobody_else_sees_a_learners_note_staff_included(make, role):
    path = make.path(slug="p")
    (step,) = steps_of(path)
    resource = step.resource
    ada = make.user()
    other = make.user(is_staff=role == "staff", is_superuser=role == "staff")
    services.note_save(user=ada, resource_id=resource.pk, body="the hidden words")
    client = signed_in(other)
    for url in (
        path.get_absolute_url(),
        resource.get_absolute_url(),
        "/en/me/notes/",
        "/en/me/notes/?q=hidden",
        note_url(resource),
    ):
        html = client.get(url).content.decode()
        assert "hidden words" not in html, url
    # Their own note on the same resource is theirs alone: hers is unchanged.
    client.post(note_url(resource), {"body": "theirs"})
    assert Note.objects.get(user=ada).body == "the hidden words"
    assert Note.objects.get(user=other).body == "theirs"
    assert shown_note(client.get(resource.get_absolute_url()).content, resource) == "theirs"
    # Deleting deletes their own.
    client.post(note_url(resource), {"action": "delete"})
    assert list(Note.objects.values_list("user", flat=True)) == [ada.pk]


def test_notes_are_not_in_the_admin():
    assert Note not in admin.site._registry


def test_my_notes_lists_the_learners_notes_newest_first_with_links(make):
    first, second = make.resource(title="First book"), make.resource(title="Second paper")
    ada = make.user()
    services.note_save(user=ada, resource_id=first.pk, body="older")
    services.note_save(user=ada, resource_id=second.pk, body="*newer*")
    services.note_save(user=make.user(), resource_id=first.pk, body="someone else's")
    page = parse(signed_in(ada).get("/en/me/notes/").content)
    items = page.find("ol", class_="note-list").find_all("li", class_="note-item")
    assert [item.find("h2").text for item in items] == ["Second paper", "First book"]
    assert items[0].find("h2").find("a").attrs["href"] == second.get_absolute_url()
    assert items[0].find("em").text == "newer"
    assert "someone else" not in page.text
    # Editing one brings it to the top.
    signed_in(ada).post(note_url(first), {"body": "older, edited"})
    page = parse(signed_in(ada).get("/en/me/notes/").content)
    assert [h.text for h in page.find("ol", class_="note-list").find_all("h2")] == [
        "First book",
        "Second paper",
    ]


def test_my_notes_is_linked_from_the_nav_and_the_dashboard(make):
    client = signed_in(make.user())
    page = parse(client.get("/en/me/").content)
    links = [a.attrs["href"] for a in page.find_all("a")]
    assert links.count("/en/me/notes/") == 2
    nav = parse(client.get("/en/me/notes/").content).find("nav", class_="site-nav")
    assert nav.find("a", href="/en/me/notes/").attrs["aria-current"] == "page"
    assert "/en/me/notes/" not in Client().get("/en/").content.decode()


def search(client, query) -> list[str]:
    page = parse(client.get("/en/me/notes/", {"q": query}).content)
    found = page.find("ol", class_="note-list")
    return [] if found is None else [h.text for h in found.find_all("h2")]


def test_searching_my_notes_finds_text_and_titles_ignoring_case_in_both_languages(make):
    transformer = make.resource(title="Attention Is All You Need", title_zh="注意力就是一切")
    cnn = make.resource(title="CNN course")
    ada, bob = make.user(), make.user()
    services.note_save(user=ada, resource_id=transformer.pk, body="Multi-head ATTENTION, 多头")
    services.note_save(user=ada, resource_id=cnn.pk, body="卷积神经网络的笔记")
    services.note_save(user=bob, resource_id=cnn.pk, body="bob's attention note")
    client = signed_in(ada)
    assert search(client, "attention") == ["Attention Is All You Need"]
    assert search(client, "MULTI-HEAD") == ["Attention Is All You Need"]
    assert search(client, "cnn") == ["CNN course"]  # the resource's title
    assert search(client, "卷积") == ["CNN course"]
    assert search(client, "注意力") == ["Attention Is All You Need"]  # the Chinese title
    assert search(client, "bob") == []  # another learner's note is never searched
    page = parse(client.get("/en/me/notes/", {"q": "nothing like it"}).content)
    assert "None of your notes contains that" in page.find(class_="empty").text
    assert page.by_id("notes-q").attrs["value"] == "nothing like it"
    # The site's own search box is left alone.
    assert page.find("input", id="site-search").attrs["value"] == ""


def test_a_learner_keeps_their_note_on_a_resource_unpublished_since(make):
    resource = make.resource(slug="gone", title="Gone")
    ada = make.user()
    services.note_save(user=ada, resource_id=resource.pk, body="still mine")
    resource.published = False
    resource.save()
    client = signed_in(ada)
    page = parse(client.get("/en/me/notes/").content)
    item = page.find("li", class_="note-item")
    assert item.find("h2").find("a") is None  # its page is a 404
    assert "no longer published" in item.find("h2").text
    assert client.get(note_url(resource)).status_code == 200
    response = client.post(note_url(resource), {"action": "delete"})
    assert response.status_code == 302 and response.url == "/en/me/notes/"
    assert not Note.objects.exists()
    # Nobody starts a note on an unpublished resource (its page is a 404).
    assert client.post(note_url(resource), {"body": "new"}).status_code == 404
    assert signed_in(make.user()).get(note_url(resource)).status_code == 404
    assert not Note.objects.exists()


def test_the_notes_own_page_shows_the_form_open_and_leads_back(make):
    resource = make.resource(slug="r")
    ada = make.user()
    services.note_save(user=ada, resource_id=resource.pk, body="hello")
    page = parse(signed_in(ada).get(note_url(resource), {"next": "/en/paths/p/"}).content)
    block = page.by_id(f"note-{resource.pk}")
    assert block.find("details").attrs.get("open") is not None
    assert block.find("input", name="next").attrs["value"] == f"/en/paths/p/#note-{resource.pk}"
    # A next URL elsewhere is not followed.
    page = parse(signed_in(ada).get(note_url(resource), {"next": "https://evil.example/"}).content)
    value = page.by_id(f"note-{resource.pk}").find("input", name="next").attrs["value"]
    assert value == f"/en/resources/r/#note-{resource.pk}"


# -- Query counts --------------------------------------------------------------------------
def test_my_notes_query_count_is_fixed(make, django_assert_num_queries):
    ada = make.user()
    client = signed_in(ada)
    for count in (1, 25):
        while Note.objects.filter(user=ada).count() < count:
            services.note_save(user=ada, resource_id=make.resource().pk, body=f"n{make.counter}")
        # Session, user, the count, the page of notes with their resources.
        with django_assert_num_queries(4):
            page = parse(client.get("/en/me/notes/").content)
        assert len(page.find_all("li", class_="note-item")) == count
        with django_assert_num_queries(4):
            client.get("/en/me/notes/", {"q": "n"})
        with django_assert_num_queries(2):  # cached for her until she changes something
            client.get("/en/me/notes/")


def test_path_page_with_notes_keeps_its_query_count(make, django_assert_num_queries):
    small = make.path(stages=1, steps_per_stage=3)
    large = make.path(stages=4, steps_per_stage=15)
    ada = make.user()
    client = signed_in(ada)
    for path in (small, large):
        for step in steps_of(path)[::2]:
            services.note_save(user=ada, resource_id=step.resource.pk, body="*n*")
        client.get(path.get_absolute_url())  # the path's structure, cached
        services.progress_changed([ada.pk])  # her page is stale: built again below
        # Session, user, then her statuses, notes and follow in one query.
        with django_assert_num_queries(3):
            page = parse(client.get(path.get_absolute_url()).content)
        assert len(page.find_all(class_="learner-note-text")) == len(steps_of(path)[::2])
        assert len(page.find_all("form", class_="note-form")) == len(steps_of(path))


def test_resource_page_with_a_note_keeps_its_query_count(make, django_assert_num_queries):
    ada = make.user()
    client = signed_in(ada)
    for tags in (["a"], ["a", "b", "c", "d"]):
        resource = make.resource(tags=tags, concepts=[make.concept()])
        services.note_save(user=ada, resource_id=resource.pk, body="mine")
        # Session, user, resource, tags, concepts, paths, then her status and note together.
        with django_assert_num_queries(7):
            html = client.get(resource.get_absolute_url()).content
        assert shown_note(html, resource) == "mine"
