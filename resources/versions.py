"""Reading the catalogue version: one number, raised by every change to curated content
(`resources.invalidation.catalogue_changed`, the only writer), that versions every cached page
and structure (see learnpaths.core.cache). Reading it costs one primary-key query per request,
memoised on the request (none for a signed-in visitor: it comes with their user row).
"""

from __future__ import annotations

from resources.invalidation import VERSION_PK
from resources.models import CatalogueVersion

_MEMO_ATTR = "_catalogue_version"


def catalogue_version(request=None) -> int:
    """The current catalogue version (one query, once per request when `request` is given; none
    for a signed-in visitor, whose user row came with it: `UsernameOrEmailBackend.get_user`)."""
    if request is not None and hasattr(request, _MEMO_ATTR):
        return getattr(request, _MEMO_ATTR)
    number = getattr(getattr(request, "user", None), "catalogue_version", None)
    if number is None:
        number = (
            CatalogueVersion.objects.filter(pk=VERSION_PK).values_list("number", flat=True).first()
            or 0
        )
    if request is not None:
        setattr(request, _MEMO_ATTR, number)
    return number
