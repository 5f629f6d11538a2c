"""Moving the test database between migrations, for tests of data migrations."""

from django.core.management.sql import emit_post_migrate_signal
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def migrate(targets=None):
    """Migrate to `targets` (default: the latest migrations); returns the historical apps."""
    executor = MigrationExecutor(connection)
    targets = targets or executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    # As `manage.py migrate` does: what is installed after every migrate (the search queue's
    # triggers, which SQLite drops when a migration rebuilds a table) is installed again.
    emit_post_migrate_signal(verbosity=0, interactive=False, db=connection.alias)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps
