"""The status "skipped" (learnpaths/statuses.py: counted toward completion, shown apart), and
no more triggers raising `User.progress_version`: the code raises it with every write
(`services.progress_changed`). On SQLite, changing Progress's choices and constraints rebuilds
its table, which drops the table's triggers without a word; PathFollow's would have stayed
behind, raising the version twice. So both tables' triggers go, on both databases, before the
rebuild; going back puts migration 0007's triggers back."""

import importlib

from django.db import migrations, models

TRIGGERS = importlib.import_module("learnpaths.migrations.0007_progress_version_triggers")
TABLES = TRIGGERS.TABLES

DROP = {
    "postgresql": [
        *(f"DROP TRIGGER IF EXISTS {table}_progress_version ON {table}" for table in TABLES),
        "DROP FUNCTION IF EXISTS learnpaths_raise_progress_version()",
    ],
    "sqlite": [
        f"DROP TRIGGER IF EXISTS {table}_version_{event}"
        for table in TABLES
        for event in ("insert", "update", "delete")
    ],
}


class Migration(migrations.Migration):

    dependencies = [
        ('learnpaths', '0014_catalogue_version_moved'),
        ('resources', '0010_catalogue_version'),
    ]

    operations = [
        migrations.RunPython(
            TRIGGERS.run(DROP),
            TRIGGERS.run({"postgresql": TRIGGERS.POSTGRESQL, "sqlite": TRIGGERS.SQLITE}),
        ),
        migrations.RemoveConstraint(
            model_name='progress',
            name='progress_status_valid',
        ),
        migrations.RemoveConstraint(
            model_name='progress',
            name='progress_completed_iff_done',
        ),
        migrations.AlterField(
            model_name='progress',
            name='status',
            field=models.CharField(choices=[('not_started', 'Not started'), ('in_progress', 'In progress'), ('done', 'Done'), ('skipped', 'Skipped')], default='not_started', max_length=20),
        ),
        migrations.AddConstraint(
            model_name='progress',
            constraint=models.CheckConstraint(condition=models.Q(('status__in', ('not_started', 'in_progress', 'done', 'skipped'))), name='progress_status_valid'),
        ),
        migrations.AddConstraint(
            model_name='progress',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('status__in', ('done', 'skipped')), ('completed_at__isnull', False)), models.Q(models.Q(('status__in', ('done', 'skipped')), _negated=True), ('completed_at__isnull', True)), _connector='OR'), name='progress_completed_iff_completes'),
        ),
    ]
