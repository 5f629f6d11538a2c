"""`manage.py search_index`: rebuild the search index of every document (after the dictionary
`resources/search_dictionary.txt` or the indexing rules change), or with `--stale` index only
the documents the database queued."""

import time

from django.core.management.base import BaseCommand

from resources.search.index import index_stale, rebuild


class Command(BaseCommand):
    help = "Rebuild the search index (every kind of document), or --stale: only the queued ones."

    def add_arguments(self, parser):
        parser.add_argument("--stale", action="store_true", help="index the queue only")

    def handle(self, *args, stale: bool, **options):
        started = time.monotonic()
        if stale:
            summary = f"{index_stale()} queued documents"
        else:
            summary = ", ".join(f"{n} {kind}s" for kind, n in rebuild().items())
        self.stdout.write(f"Indexed {summary} in {time.monotonic() - started:.1f} s")
