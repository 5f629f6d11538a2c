"""/start/: the learner says which concepts they know and gets a path and a stage to begin
with. A signed-in learner's answer is saved (the concepts' core resources are skipped, and
can be un-skipped); an anonymous visitor's is only read, from the query string."""

from itertools import groupby

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_http_methods

from learnpaths import services
from learnpaths.concept_states import (
    DONE,
    ConceptCatalogue,
    ConceptEntry,
    concept_catalogue,
    concept_states,
)
from learnpaths.core.cache import cached_page
from learnpaths.models import ProgressStatus
from learnpaths.recommendations import published_start_advice
from learnpaths.selectors import statuses_for
from resources.models import Concept, ConceptArea
from resources.versions import catalogue_version


@require_http_methods(["GET", "HEAD", "POST"])
@cached_page("start", params=frozenset({"known"}))
def start(request: HttpRequest) -> HttpResponse:
    """GET: the form, with the recommendation for what is ticked (a signed-in learner: the
    concepts they have done; anyone else: the `known` slugs of the query string). POST from a
    signed-in learner: save, then show the page again; from anyone else: the recommendation
    for what they ticked, nothing saved. Unknown slugs are ignored (and counted)."""
    version = catalogue_version(request)
    catalogue = concept_catalogue(version=version)
    learner = request.user.is_authenticated
    statuses = statuses_for(request.user) if learner else {}
    states = concept_states(catalogue, statuses)
    if request.method == "POST":
        known, ignored = _known(catalogue, request.POST.getlist("known"))
        if learner:
            skipped, restored = services.concepts_known_set(
                user=request.user, known=known, states=states
            )
            messages.success(request, _saved_message(skipped, restored))
            return redirect(reverse("start") + "#recommendation")
    elif learner:
        known, ignored = states.with_state(DONE), 0
    else:
        known, ignored = _known(catalogue, request.GET.getlist("known"))
    if not learner:  # what the learner would have: the core resources of what they know skipped
        statuses = {r: ProgressStatus.SKIPPED.value for concept in known for r in concept.core}
    context = {
        "areas": _areas(),
        "known": {concept.pk for concept in known},
        # The anonymous form sends an empty `known` too: asked, even with nothing ticked.
        "asked": learner or request.method == "POST" or "known" in request.GET,
        "advice": published_start_advice(statuses, known, version=version),
        "ignored": ignored,
        "learner": learner,
    }
    return render(request, "learnpaths/start.html", context)


def _known(catalogue: ConceptCatalogue, slugs: list[str]) -> tuple[list[ConceptEntry], int]:
    """The concepts named by `slugs`, in map order, and how many of the slugs named none."""
    known = catalogue.by_slugs(slugs)
    found = {concept.slug for concept in known}
    return known, len({slug for slug in slugs if slug and slug not in found})


def _areas() -> list[tuple[str, list[Concept]]]:
    """The concepts grouped by area, in map order, with their summaries (one query)."""
    labels = dict(ConceptArea.choices)
    concepts = Concept.objects.order_by("area", "position", "name")
    return [
        (labels.get(area, area), list(group))
        for area, group in groupby(concepts, key=lambda c: c.area)
    ]


def _saved_message(skipped: int, restored: int) -> str:
    if not skipped and not restored:
        return gettext("Saved: nothing needed to change.")
    parts = []
    if skipped:
        parts.append(
            ngettext(
                "%(count)s resource marked as known already (skipped).",
                "%(count)s resources marked as known already (skipped).",
                skipped,
            )
            % {"count": skipped}
        )
    if restored:
        parts.append(
            ngettext(
                "%(count)s skipped resource set back to not started.",
                "%(count)s skipped resources set back to not started.",
                restored,
            )
            % {"count": restored}
        )
    return gettext("Saved.") + " " + " ".join(parts)
