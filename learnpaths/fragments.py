"""A path step's markup and the progress bars: the one renderer of a step.

A step is its body, the same for every visitor (`templates/learnpaths/partials/_step_body.html`,
rendered once per catalogue version into `path_structures.StepData.body_html`, sharing the
resource badges with the catalogue's cards), and this visitor's status form around it:
`step_html` puts them together, for the full path page and the htmx answer to a status change
alike; the resource page uses `progress_form` through `{% progress_form %}`.

Python, not template partials, because the template engine is the bottleneck here: 40 steps
with their forms took 4.6–5.0 ms through django-template-partials and 0.24–0.26 ms here
(Django 5.2, the same markup, 50 renders, 29 Nov 2026), on a page whose whole budget under
varied traffic is a few milliseconds. Every string is translated (gettext); every value is
escaped where it is inserted.

The learner's own note on a resource (`note_html`) is rendered here too, for the same reasons:
it sits in every step of a path page, and the resource page and "My notes" page show the same
block (`{% note_form %}`), which the htmx answer to a note's form replaces in place.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from html import escape  # not Django's: no lazy-string wrapper, called for every step
from typing import Any
from urllib.parse import quote, urlsplit

from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import get_language, gettext, ngettext, pgettext

from learnpaths import statuses
from learnpaths.core.http import safe_next
from learnpaths.forms import NoteForm
from learnpaths.path_structures import PathData, PathLink, StageData, StepData
from learnpaths.progress import PathProgress, StageProgress, Tally

# The buttons for each status, built once per language: the form is rendered for every step of
# a path page. They have no ids on purpose: htmx would refocus a button with the id of the one
# pressed, and after "Mark done" that is "Back to in progress", which a second Enter would then
# press. Each is a real <button> of the form: it works with the keyboard and without JavaScript.
_BUTTON = '<button type="submit" name="status" value="{}" class="button button-small{}">{}</button>'


@functools.lru_cache(maxsize=64)
def _status_parts(value: str, language: str | None) -> tuple[str, str, str]:
    """(the status line's classes, its text, the form's buttons) of a declared status, escaped,
    in `language` (the active one, which is the cache's key)."""
    declared = statuses.status_of(value)
    classes = f"status status-{declared.value}"
    if declared.css_class:
        classes += f" {declared.css_class}"
    buttons = "".join(
        _BUTTON.format(
            offer.status, f" button-{offer.style}" if offer.style else "", escape(str(offer.text))
        )
        for offer in declared.offers
    )
    return classes, escape(declared.symbol + str(declared.label)), buttons


def status_announcement(status: str, title: str) -> str:
    """What a screen reader hears after the learner changed a status: "Marked done: <title>"."""
    return str(statuses.status_of(status).announcement) % {"title": title}


def progress_form(
    request,
    *,
    resource_slug: str,
    resource_title: str,
    status: str | None,
    target: str,
    path_slug: str = "",
    csrf_token: str | None = None,
    action: str | None = None,
    changed: bool = False,
) -> SafeString:
    """A resource's status buttons: a plain POST form (htmx swaps `#target` in place), or a
    sign-in link for anonymous visitors. It is rendered for every step of a path page, so it
    is a function with precomputed parts rather than a template include (a path page has
    dozens of steps); the resource page uses it through `{% progress_form %}`.

    `changed` for the htmx answer to a status change: the status line then carries what to
    announce (`data-announce`), and static/js/progress.js moves focus to it and announces it,
    so that focus leaves the buttons whose meaning just changed."""
    if not request.user.is_authenticated:
        next_url = quote(request.path, safe="/") + "%23" + quote(target, safe="")
        return format_html(
            '<p class="progress-cta"><a href="{}?next={}">{}</a></p>',
            reverse("login"),
            mark_safe(next_url),  # noqa: S308  # nosec B308 B703 - percent-encoded above
            gettext("Sign in to track your progress"),
        )
    status = statuses.status_of(status).value
    classes, label, buttons = _status_parts(status, get_language())
    action = escape(action or reverse("resource-progress", args=[resource_slug]))
    title = escape(resource_title)
    target = escape(target)
    token = escape(csrf_token or get_token(request))
    path_input = (
        f'<input type="hidden" name="path" value="{escape(path_slug)}">' if path_slug else ""
    )
    announce = (
        f' data-announce="{escape(status_announcement(status, resource_title))}"' if changed else ""
    )
    group_label = escape(gettext("Set your status for %(title)s") % {"title": resource_title})
    return mark_safe(  # noqa: S308  # nosec B308 B703 - every value is escaped above
        # data-hx-*: the form of htmx's attributes that is valid HTML.
        f'<form class="progress-form" method="post" action="{action}" data-hx-post="{action}" '
        f'data-hx-target="#{target}" data-hx-swap="outerHTML">'
        f'<input type="hidden" name="csrfmiddlewaretoken" value="{token}">'
        f'<input type="hidden" name="next" value="{escape(_page_path(request))}#{target}">'
        f"{path_input}"
        f'<p class="{classes}" tabindex="-1"{announce}>'
        f'<span class="visually-hidden">{title}: </span>{label}</p>'
        f'<div class="progress-actions" role="group" aria-label="{group_label}">'
        f"{buttons}</div></form>"
    )


def _page_path(request) -> str:
    """The path of the page a form is on: the request's, or, in the answer to that form's own
    POST (htmx swaps it in place), the page its `next` names, not the URL it posted to."""
    if request.method == "POST":
        return urlsplit(safe_next(request, default=request.path)).path
    return request.path


def step_html(
    request,
    step: StepData,
    status: str | None,
    *,
    path_slug: str,
    note: Any = None,
    csrf_token: str | None = None,
    changed: bool = False,
) -> SafeString:
    """One step of a path page for this visitor: the cached body plus their status form
    (`changed` as for `progress_form`) and their note (`note_html`)."""
    status = statuses.status_of(status).value
    form = progress_form(
        request,
        resource_slug=step.resource_slug,
        resource_title=step.title,
        status=status,
        target=f"step-{step.pk}",
        path_slug=path_slug,
        csrf_token=csrf_token,
        action=step.progress_url,
        changed=changed,
    )
    own_note = note_html(
        request,
        resource_id=step.resource_id,
        resource_slug=step.resource_slug,
        resource_title=step.title,
        note=note,
        csrf_token=csrf_token,
    )
    optional = " step-optional" if step.optional else ""
    # The body was escaped by its template, the form and the note just above.
    return mark_safe(  # noqa: S308  # nosec B308 B703
        f'<li class="step step-{status}{optional}" id="step-{step.pk}">'
        f'<div class="step-body">{step.body_html}{form}{own_note}</div></li>'
    )


def stage_steps_html(
    request,
    path: PathData,
    stage: StageData,
    statuses: dict[int, str],
    *,
    notes: dict[int, Any] | None = None,
    csrf_token: str | None,
) -> SafeString:
    """All the steps of a stage for this visitor, as one piece of HTML, with their notes (by
    resource id) and the page's CSRF token (None for anonymous visitors): a page's forms share
    one, as `{% csrf_token %}` does, since masking one costs more than rendering a step."""
    notes = notes or {}
    return mark_safe(  # noqa: S308  # nosec B308 B703 - built by step_html
        "".join(
            step_html(
                request,
                step,
                statuses.get(step.resource_id),
                path_slug=path.slug,
                note=notes.get(step.resource_id),
                csrf_token=csrf_token,
            )
            for step in stage.steps
        )
    )


NOTE_MAX_LENGTH = NoteForm.base_fields["body"].max_length


@functools.lru_cache(maxsize=4096)
def _note_url(slug: str, language: str | None) -> str:
    """The URL a resource's note is sent to, in `language` (the active one, the cache's key):
    a path page has a note form per step, and reversing a URL costs as much as the step."""
    return reverse("resource-note", args=[slug])


def note_target(resource_id: int) -> str:
    """The id of the block holding the learner's note on a resource: the same on every page
    (a page shows a resource once), so the answer to its form needs to be told nothing."""
    return f"note-{resource_id}"


# What the block says after a change sent with htmx; static/js/progress.js moves focus to it and
# announces it. A visitor without JavaScript gets the same sentence as a message on the page.
NOTE_SAVED = "saved"
NOTE_DELETED = "deleted"


def note_changed_message(change: str) -> str:
    if change == NOTE_DELETED:
        return gettext("Your note is deleted.")
    return gettext("Your note is saved.")


def note_html(
    request,
    *,
    resource_id: int,
    resource_slug: str,
    resource_title: str,
    note: Any = None,
    csrf_token: str | None = None,
    form: NoteForm | None = None,
    changed: str = "",
    next_path: str | None = None,
    editing: bool = False,
) -> SafeString:
    """The signed-in learner's private note on a resource (nothing for anonymous visitors):
    its sanitised HTML if there is one, and a disclosure holding the form that saves, replaces
    or deletes it (saved empty, or its delete button). A plain POST form; htmx swaps the block
    in place (`note_target`).

    `note` is anything with `body` (Markdown) and `body_html` (sanitised by `Note.save`): a
    Note or a `selectors.NoteText`. `form` is a form that failed validation: the disclosure is
    then open, with the learner's text and the error. `changed` (`NOTE_SAVED`,
    `NOTE_DELETED`) in the htmx answer to a change: the block says so, and is announced.
    `next_path`: the page the form leads back to, when not this one; `editing`: the
    disclosure starts open (the note's own page)."""
    if not request.user.is_authenticated:
        return SafeString("")
    target = note_target(resource_id)
    back = escape(next_path or _page_path(request))
    action = escape(_note_url(resource_slug, get_language()))
    token = escape(csrf_token or get_token(request))
    title = escape(resource_title)
    shown = ""
    if note is not None:
        heading = escape(gettext("Your note"))
        shown = (
            f'<div class="learner-note-text prose"><p class="note-label">{heading}</p>'
            f"{note.body_html}</div>"
        )
    error, described, invalid = "", f"{target}-help", ""
    text = note.body if note is not None else ""
    if form is not None and form.errors:
        text = form.data.get("body", "")
        message = " ".join(str(e) for e in form.errors.get("body", ()))
        error = (
            f'<p class="error" id="{target}-error" tabindex="-1" '
            f'data-announce="{escape(message)}">{escape(message)}</p>'
        )
        described += f" {target}-error"
        invalid, editing = ' aria-invalid="true"', True
    summary = gettext("Edit your note") if note is not None else gettext("Add a note")
    delete = ""
    if note is not None:
        delete_text = escape(gettext("Delete note"))
        delete = (
            '<button type="submit" name="action" value="delete" '
            f'class="button button-small button-secondary">{delete_text}</button>'
        )
    status = ""
    if changed:
        said = escape(note_changed_message(changed))
        status = f'<p class="note-status muted" tabindex="-1" data-announce="{said}">{said}</p>'
    # Messages outside the f-strings: makemessages cannot read inside them.
    label = gettext("Your note (Markdown)")
    help_text = gettext("Only you can see it. Save it empty to delete it.")
    save = gettext("Save note")
    # body_html was sanitised when the note was saved (learnpaths.core.markdown); everything
    # else is escaped above. The newline after <textarea>: HTML drops the first one there.
    return mark_safe(  # noqa: S308  # nosec B308 B703
        f'<div class="learner-note" id="{target}">{shown}'
        f'<details class="note-editor"{" open" if editing else ""}><summary>{escape(summary)}'
        f'<span class="visually-hidden"> ({title})</span></summary>'
        f'<form class="note-form" method="post" action="{action}" data-hx-post="{action}" '
        f'data-hx-target="#{target}" data-hx-swap="outerHTML">'
        f'<input type="hidden" name="csrfmiddlewaretoken" value="{token}">'
        f'<input type="hidden" name="next" value="{back}#{target}">'
        f'<label for="{target}-body">{escape(label)}</label>'
        f'<p class="help" id="{target}-help">{escape(help_text)}</p>{error}'
        f'<textarea id="{target}-body" name="body" rows="5" maxlength="{NOTE_MAX_LENGTH}" '
        f'aria-describedby="{described}"{invalid}>\n{escape(text)}</textarea>'
        f'<div class="note-actions"><button type="submit" class="button button-small">'
        f"{escape(save)}</button>{delete}</div></form></details>{status}</div>"
    )


def _oob(oob: bool) -> str:
    return ' data-hx-swap-oob="true"' if oob else ""


def step_counts(tally: Tally) -> str:
    """ "12/12 required · 2/5 optional · 3 skipped": the two kinds of steps counted apart, and
    the steps whose status is counted apart (`_apart`); plain text (the dashboard's template
    prints it through `{% step_counts %}`)."""
    return _required_and_optional(
        tally,
        gettext("%(done)s/%(total)s required")
        % {"done": tally.required_done, "total": tally.required_total},
        gettext("%(done)s/%(total)s optional")
        % {"done": tally.optional_done, "total": tally.optional_total},
    ) + _apart(tally)


def _apart(tally: Tally) -> str:
    """ " · 3 skipped" for each status counted toward completion but shown apart
    (`statuses.Status.apart`), or nothing."""
    return "".join(
        " · " + str(status.apart) % {"count": count} for status, count in tally.apart_counts()
    )


def _hours(tally: Tally) -> str:
    """ "40 of ≈ 40 h required · 6 of ≈ 15 h optional", as `step_counts`."""
    return _required_and_optional(
        tally,
        gettext("%(done)s of ≈ %(total)s h required")
        % {"done": tally.required_hours_done, "total": tally.required_hours_total},
        gettext("%(done)s of ≈ %(total)s h optional")
        % {"done": tally.optional_hours_done, "total": tally.optional_hours_total},
    )


def _required_and_optional(tally: Tally, required: str, optional: str) -> str:
    """The required part (also when a path has no step of either kind) and the optional part,
    each only when the path has such steps."""
    parts = []
    if tally.required_total or not tally.optional_total:
        parts.append(required)
    if tally.optional_total:
        parts.append(optional)
    return " · ".join(parts)


def path_progress_html(
    request, progress: PathProgress, *, next_paths: Iterable[PathLink] = (), oob: bool = False
) -> SafeString:
    """The learner's progress through the whole path (required and optional steps counted
    apart, the percentages of the required ones; hours; completion; where to go next: on a
    complete path, the published paths that come after it, `next_paths`), or an invitation to
    sign in; `oob` for an htmx response that swaps it in place."""
    # Messages outside the f-strings: makemessages cannot read inside them.
    title, steps, hours, done = (
        gettext("Your progress"),
        gettext("Steps"),
        gettext("Hours"),
        gettext("Complete"),
    )
    head = (
        f'<section class="path-progress" id="path-progress" aria-labelledby="path-progress-title"'
        f'{_oob(oob)}><h2 id="path-progress-title" class="visually-hidden">'
        f"{escape(title)}</h2>"
    )
    if not request.user.is_authenticated:
        next_url = quote(request.path, safe="/")
        invitation = format_html(
            gettext("{sign_in} or {create_account} to follow this path and track your progress."),
            sign_in=format_html(
                '<a href="{}?next={}">{}</a>', reverse("login"), next_url, gettext("Sign in")
            ),
            create_account=format_html(
                '<a href="{}?next={}">{}</a>',
                reverse("signup"),
                next_url,
                gettext("create an account"),
            ),
        )
        return mark_safe(  # noqa: S308  # nosec B308 B703 - built by format_html
            f'{head}<p class="progress-cta">{invitation}</p></section>'
        )
    tally = progress.tally
    complete = (
        f' <strong class="complete-label">{escape(done)}</strong>' if progress.complete else ""
    )
    studied = ngettext(
        "≈ %(hours)s hour studied on this path",
        "≈ %(hours)s hours studied on this path",
        tally.hours_studied,
    ) % {"hours": tally.hours_studied}
    parts = [
        head,
        '<div class="progress-row"><label for="path-progress-steps">'
        f"{escape(steps)}</label>"
        f'<progress id="path-progress-steps" max="100" value="{tally.percent}">{tally.percent}%'
        f'</progress><span class="progress-value">{tally.percent}%{complete} <span class="muted">'
        f'(<span class="step-counts">{escape(step_counts(tally))}</span>)</span></span></div>'
        '<div class="progress-row"><label for="path-progress-hours">'
        f"{escape(hours)}</label>"
        f'<progress id="path-progress-hours" max="100" value="{tally.hours_percent}">'
        f'{tally.hours_percent}%</progress><span class="progress-value">{tally.hours_percent}% '
        f'<span class="muted">({escape(_hours(tally))})</span></span></div>'
        f'<p class="hours-studied muted" data-hours="{tally.hours_studied}">{escape(studied)}</p>',
    ]
    if progress.complete:
        if progress.completed_at:
            day = dateformat.format(timezone.localtime(progress.completed_at), gettext("j M Y"))
            done = gettext("🎉 Path complete on %(day)s. Every required step is done.") % {
                "day": day
            }
        else:
            done = gettext("🎉 Path complete. Every required step is done.")
        parts.append(f'<p class="path-complete">{escape(done)}</p>')
        parts.append(_next_paths(next_paths))
        parts.append(_whats_next(progress))
    elif step := progress.next_step:
        title = Truncator(step.title).chars(60)
        parts.append(
            format_html(
                '<p class="continue"><a class="button" href="#step-{}">{}</a>'
                ' <span class="muted">{}</span></p>',
                step.pk,
                gettext("Continue: %(title)s") % {"title": title},
                gettext("≈ %(hours)s h left") % {"hours": tally.hours_left},
            )
        )
    parts.append("</section>")
    return mark_safe("".join(parts))  # noqa: S308  # nosec B308 B703 - the title is escaped


def _next_paths(paths: Iterable[PathLink]) -> str:
    """On a complete path, the paths that come after it (they name it as a previous path),
    linked; nothing when none does."""
    links = format_html_join(
        pgettext("list separator", ", "), '<a href="{}">{}</a>', ((p.url, p.title) for p in paths)
    )
    if not links:
        return ""
    return format_html(
        '<p class="next-paths">{}</p>',
        format_html(gettext("This path leads on to {paths}."), paths=links),
    )


def _whats_next(progress: PathProgress) -> str:
    """What a complete path suggests: its optional steps not done yet, or another path."""
    other_paths = format_html(
        '<a href="{}">{}</a>', reverse("path-list"), gettext("choose another path")
    )
    step = progress.next_optional
    if step is None:
        sentence = format_html(
            gettext("What next? You could {other_paths}."), other_paths=other_paths
        )
    else:
        left = progress.tally.optional_left
        sentence = format_html(
            ngettext(
                "What next? {count} optional step is left: {first} or {other_paths}.",
                "What next? {count} optional steps are left: {first} or {other_paths}.",
                left,
            ),
            count=left,
            first=format_html(
                '<a class="button button-secondary" href="#step-{}">{}</a>',
                step.pk,
                gettext("Optional: %(title)s") % {"title": Truncator(step.title).chars(60)},
            ),
            other_paths=other_paths,
        )
    return format_html('<p class="whats-next">{}</p>', sentence)


def stage_progress_html(stage_progress: StageProgress, *, oob: bool = False) -> SafeString:
    """The learner's progress through one stage, required and optional steps counted apart
    (the bar is of the required ones); `oob` as for `path_progress_html`."""
    position = stage_progress.stage.position
    tally = stage_progress.tally
    if tally.required_total:
        total, done = tally.required_total, tally.required_done
        label = gettext("%(done)s of %(total)s required steps done") % {
            "done": done,
            "total": total,
        }
        if tally.optional_total:
            label += " · " + gettext("%(done)s/%(total)s optional") % {
                "done": tally.optional_done,
                "total": tally.optional_total,
            }
    else:
        total, done = tally.optional_total, tally.optional_done
        label = gettext("%(done)s of %(total)s optional steps done") % {
            "done": done,
            "total": total,
        }
    label += _apart(tally)
    complete = (
        format_html(" — <strong>{}</strong>", gettext("stage complete")) if tally.complete else ""
    )
    return mark_safe(  # noqa: S308  # nosec B308 B703 - numbers and escaped text only
        f'<div class="stage-progress" id="stage-{position}-progress"{_oob(oob)}>'
        f'<progress max="{total or 1}" value="{done}" '
        f'aria-labelledby="stage-{position}-progress-label"></progress>'
        f'<p id="stage-{position}-progress-label" class="progress-label">{escape(label)}'
        f"{complete}</p></div>"
    )
