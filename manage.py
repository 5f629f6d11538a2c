#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "learnpaths.settings")
    # manage.py is the developer's tool: development mode unless DEBUG says otherwise.
    # Production sets DEBUG=0 explicitly; the web server (wsgi.py) never defaults to DEBUG.
    os.environ.setdefault("DEBUG", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
