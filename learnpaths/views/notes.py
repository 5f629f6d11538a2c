"""A learner's private notes on resources: the "My notes" page and the note's own form.

A note is only ever its owner's: every view here reads and writes the requester's own note,
found by the resource's slug (there is no note id to forge), and none is cached for anyone else
(pages are cached per learner, `cached_page`).
"""

from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.db.models import Exists, OuterRef, Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe
from django_htmx.http import HttpResponseClientRedirect

from learnpaths import selectors, services
from learnpaths.core.cache import cached_page
from learnpaths.core.http import safe_next
from learnpaths.forms import NoteForm
from learnpaths.fragments import NOTE_DELETED, NOTE_SAVED, note_changed_message, note_html
from learnpaths.models import Note, User
from resources.models import Resource
from resources.views import page, query_without

NOTES_PER_PAGE = 25
# The longest search the page reads, as the site's search box allows.
MAX_QUERY_LENGTH = 200


@login_required
@require_safe
@cached_page("notes", params=frozenset({"q", "page"}))
def notes_view(request: HttpRequest) -> HttpResponse:
    """The learner's notes, most recently changed first, `NOTES_PER_PAGE` a page, each with
    its resource and its form; `?q=` keeps those whose text or resource title contains it
    (`selectors.learner_notes`). Four queries: session, user, count, page."""
    query = request.GET.get("q", "").strip()[:MAX_QUERY_LENGTH]
    context = {
        "page": page(request, selectors.learner_notes(request.user, query), NOTES_PER_PAGE),
        "notes_query": query,  # not `query`: base.html fills the site's search box with it
        "query_without_page": query_without(request, "page"),
    }
    return render(request, "learnpaths/notes.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
def note_edit(request: HttpRequest, slug: str) -> HttpResponse:
    """The learner's note on the resource `slug`, on a page of its own (GET), and where its
    form is sent (POST): "delete" (`action`) or an empty text deletes it, other text saves it.
    Then back to the page it was sent from (`next`) with a message, or for htmx the note's
    block, changed. Text too long: the form again with its error and the learner's text (the
    block for htmx, this page otherwise), nothing saved.

    404 for a resource that is not published, unless the learner has a note on it (their
    note stays theirs to read, change and delete when a curator unpublishes the resource).
    Anonymous visitors (signed out in another tab) are sent to sign in, htmx too."""
    if not request.user.is_authenticated:
        sign_in = redirect_to_login(request.path)
        return HttpResponseClientRedirect(sign_in.url) if request.htmx else sign_in
    user = request.user
    resource = _noted_resource(user, slug)
    if request.method != "POST":
        return _edit_page(request, resource, _note_of(user, resource), form=None)
    if request.POST.get("action") == "delete":
        services.note_delete(user=user, resource_id=resource.pk)
        note, change = None, NOTE_DELETED
    else:
        form = NoteForm(request.POST)
        if not form.is_valid():
            note = _note_of(user, resource)
            if request.htmx:
                return HttpResponse(_note_block(request, resource, note, form=form))
            return _edit_page(request, resource, note, form=form)
        note = services.note_save(
            user=user, resource_id=resource.pk, body=form.cleaned_data["body"]
        )
        change = NOTE_SAVED if note is not None else NOTE_DELETED
    if request.htmx:
        return HttpResponse(_note_block(request, resource, note, changed=change))
    messages.success(request, note_changed_message(change))
    return HttpResponseRedirect(safe_next(request, _back_url(resource)))


def _noted_resource(user: User, slug: str) -> Resource:
    """The resource `slug` if it is published or the learner has a note on it; Http404."""
    own_note = Note.objects.filter(user=user, resource=OuterRef("pk"))
    resources = Resource.objects.filter(Q(published=True) | Exists(own_note))
    return get_object_or_404(resources.only("pk", "slug", "title", "published"), slug=slug)


def _note_of(user: User, resource: Resource) -> Note | None:
    return Note.objects.filter(user=user, resource=resource).first()


def _back_url(resource: Resource) -> str:
    """Where a note's page leads back to: the resource's page, or the learner's notes when
    the resource is no longer published (its page is a 404)."""
    return resource.get_absolute_url() if resource.published else reverse("notes")


def _note_block(request: HttpRequest, resource: Resource, note: Note | None, **kwargs) -> str:
    return note_html(
        request,
        resource_id=resource.pk,
        resource_slug=resource.slug,
        resource_title=resource.title,
        note=note,
        **kwargs,
    )


def _edit_page(
    request: HttpRequest, resource: Resource, note: Note | None, *, form: NoteForm | None
) -> HttpResponse:
    # The form leads back to where the learner came from, not to this page.
    back = urlsplit(safe_next(request, _back_url(resource))).path
    block = _note_block(request, resource, note, form=form, next_path=back, editing=True)
    context = {"resource": resource, "note_block": block, "back": back}
    return render(request, "learnpaths/note_edit.html", context)
