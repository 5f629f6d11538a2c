"""The catalogue document format (docs/catalogue-format.md): its name and the fields of each kind
of item, shared by the importer and the exporter.
"""

from __future__ import annotations

# The format's name is data, written in every catalogue file there is: it keeps the spelling it
# was published with.
FORMAT = "learnpaths-catalog/1"


CONCEPT_FIELDS = ("name", "name_zh", "area", "position", "summary", "body")


RESOURCE_FIELDS = (
    "title", "title_zh", "kind", "url", "authors", "year", "description", "level",
    "estimated_hours", "cost", "language", "arxiv_id", "doi", "venue", "published",
)  # fmt: skip


EDITION_FIELDS = (
    "year", "starts_on", "ends_on", "location", "submission_deadline", "deadline_timezone",
    "url", "notes",
)  # fmt: skip


PATH_FIELDS = ("title", "summary", "description", "level", "status", "featured")


STAGE_FIELDS = ("title", "goal")


STEP_FIELDS = ("note", "hours", "optional")
