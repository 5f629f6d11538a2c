from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from learnpaths.catalogue_io.importer import CatalogueError, read_documents
from learnpaths.catalogue_io.seed import catalogue_seed


class Command(BaseCommand):
    help = (
        "Load the curated catalogue (fixtures/*.json). Items a curator changed or deleted since "
        "they were seeded are kept as they are and listed; --overwrite replaces them. Running it "
        "again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "files", nargs="*", type=Path, help="Catalogue files (default: fixtures/*.json)."
        )
        parser.add_argument(
            "--overwrite",
            action="store_true",
            help="Also replace (or recreate) items curators changed (or deleted) since the "
            "last seed: their work on those items is lost.",
        )

    def handle(self, *args, files, overwrite, **options):
        paths = files or sorted((Path(settings.BASE_DIR) / "fixtures").glob("*.json"))
        if not paths:
            raise CommandError("No catalogue files found in fixtures/.")
        try:
            # Only the whole curated catalogue says which items the fixtures no longer hold.
            report = catalogue_seed(read_documents(paths), overwrite=overwrite, retire=not files)
        except CatalogueError as error:
            raise CommandError(
                "The catalogue was not loaded (nothing changed):\n  " + "\n  ".join(error.problems)
            ) from error
        self.stdout.write(f"Catalogue loaded from {len(paths)} file(s): {report.imported}")
        if report.removed:
            self.stdout.write(
                _("Removed, as the fixtures no longer hold them (%(count)d):")
                % {"count": len(report.removed)}
            )
            for kind, slug in report.removed:
                self.stdout.write(f"  {kind} {slug}")
        if report.kept:
            self.stdout.write(
                _(
                    "Kept as curators left them (%(count)d; `manage.py seed --overwrite` "
                    "replaces them with the fixtures):"
                )
                % {"count": len(report.kept)}
            )
            for kind, slug, reason in report.kept:
                self.stdout.write(f"  {kind} {slug}: {reason}")
