import json
import os
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from learnpaths.catalogue_io.exporter import catalogue_export


class Command(BaseCommand):
    help = (
        "Write the whole catalogue (concepts, resources with tags and editions, paths with "
        "stages and steps; unpublished and draft items included) as JSON in the format of "
        "docs/catalogue-format.md, for import_catalogue."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "-o", "--output", type=Path, help="File to write (default, or -: standard output)."
        )

    def handle(self, *args, output, **options):
        document = catalogue_export()
        text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
        if output is None or str(output) == "-":
            self.stdout.write(text, ending="")
            return
        output = Path(output)  # call_command() passes options through unconverted
        try:
            _write_atomically(output, text)
        except OSError as error:
            raise CommandError(f"Cannot write {output}: {error}") from error
        counts = ", ".join(f"{len(document[k])} {k}" for k in document if k != "format")
        self.stdout.write(f"Catalogue exported to {output}: {counts}.")


def _write_atomically(path: Path, text: str) -> None:
    # A crash or a full disk half-way must not leave a truncated backup under the real name.
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
