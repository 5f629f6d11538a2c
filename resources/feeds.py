"""The catalogue's Atom feeds: the newest resources, and the newest resources on a concept."""

from __future__ import annotations

import datetime as dt

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext

from learnpaths.core.feeds import FEED_LENGTH, SITE_NAME, SiteFeed
from resources.models import Concept, Resource


class ResourceFeed(SiteFeed):
    """Entries of resources: the title as catalogued, the authors as credited, the description."""

    id_prefix = "resource"

    def item_title(self, item: Resource) -> str:
        return item.title

    def item_author_name(self, item: Resource) -> str | None:
        return item.authors or None

    def item_updateddate(self, item: Resource) -> dt.datetime:
        return item.updated_at

    def item_content(self, item: Resource) -> str:
        return item.description_html


class NewResourcesFeed(ResourceFeed):
    def title(self) -> str:
        name = gettext("New resources")
        return f"{name} · {SITE_NAME}"

    def subtitle(self) -> str:
        return gettext(
            "The books, courses, papers and other resources most recently added to the catalogue."
        )

    def link(self) -> str:
        return f"{reverse('resource-list')}?sort=newest"

    def items(self) -> list[Resource]:
        return list(Resource.objects.published().newest()[:FEED_LENGTH])


class ConceptResourcesFeed(ResourceFeed):
    def get_object(self, request, slug: str) -> Concept:
        return get_object_or_404(Concept, slug=slug)

    def title(self, concept: Concept) -> str:
        name = gettext("Resources on %(name)s") % {"name": concept.local_name}
        return f"{name} · {SITE_NAME}"

    def subtitle(self, concept: Concept) -> str:
        return gettext("The resources on %(name)s most recently added to the catalogue.") % {
            "name": concept.local_name
        }

    def link(self, concept: Concept) -> str:
        return concept.get_absolute_url()

    def items(self, concept: Concept) -> list[Resource]:
        return list(Resource.objects.published().filter(concepts=concept).newest()[:FEED_LENGTH])
