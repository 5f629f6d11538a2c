"""WSGI entry point: `gunicorn learnpaths.wsgi:application`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "learnpaths.settings")

application = get_wsgi_application()

# The search's segmenter and dictionary, loaded once before gunicorn forks its workers
# (preload_app), not by each worker's first search (~0.1–0.2 s).
from resources.search.text import segmenter  # noqa: E402

segmenter()
