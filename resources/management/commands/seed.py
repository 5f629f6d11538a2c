from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from learnpaths.catalog import CatalogError, catalog_import, read_documents


class Command(BaseCommand):
    help = "Load the curated catalogue (fixtures/*.json). Running it again changes nothing."

    def add_arguments(self, parser):
        parser.add_argument(
            "files", nargs="*", type=Path, help="Catalogue files (default: fixtures/*.json)."
        )

    def handle(self, *args, files, **options):
        paths = files or sorted((Path(settings.BASE_DIR) / "fixtures").glob("*.json"))
        if not paths:
            raise CommandError("No catalogue files found in fixtures/.")
        try:
            report = catalog_import(read_documents(paths))
        except CatalogError as error:
            raise CommandError(
                "The catalogue was not loaded (nothing changed):\n  " + "\n  ".join(error.problems)
            ) from error
        self.stdout.write(f"Catalogue loaded from {len(paths)} file(s): {report}")
