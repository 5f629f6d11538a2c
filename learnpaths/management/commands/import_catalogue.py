from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from learnpaths.catalogue_io.importer import CatalogueError, catalogue_import, read_documents


class Command(BaseCommand):
    help = (
        "Import a catalogue file written by export_catalogue (format: docs/catalogue-format.md), "
        "updating by slug. All or nothing: on any problem nothing is changed."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "files", nargs="+", type=Path, help="Catalogue file(s); several are merged in order."
        )

    def handle(self, *args, files, **options):
        try:
            report = catalogue_import(read_documents(files))
        except CatalogueError as error:
            raise CommandError(
                f"The catalogue was not imported ({len(error.problems)} problem(s); "
                "nothing changed):\n  " + "\n  ".join(error.problems)
            ) from error
        names = ", ".join(str(path) for path in files)
        if report.changed:
            self.stdout.write(f"Catalogue imported from {names}: {report}")
        else:
            self.stdout.write(f"Catalogue imported from {names}: nothing changed ({report}).")
