"""The Atom feed of learning paths: the newest published ones, in the page's language."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils.translation import gettext

from learnpaths.core.feeds import FEED_LENGTH, SITE_NAME, SiteFeed
from learnpaths.models import LearningPath


class NewPathsFeed(SiteFeed):
    """Entries of paths: the title, summary and description in the page's language (English
    where a path has no translation)."""

    id_prefix = "path"

    def title(self) -> str:
        name = gettext("New learning paths")
        return f"{name} · {SITE_NAME}"

    def subtitle(self) -> str:
        return gettext("The curated learning paths most recently added.")

    def link(self) -> str:
        return reverse("path-list")

    def items(self) -> list[LearningPath]:
        return list(LearningPath.objects.published().newest()[:FEED_LENGTH])

    def item_title(self, item: LearningPath) -> str:
        return item.title

    def item_updateddate(self, item: LearningPath) -> dt.datetime:
        return item.updated_at

    def item_description(self, item: LearningPath) -> str | None:
        return item.summary_html or None

    def item_content(self, item: LearningPath) -> str:
        return item.description_html
