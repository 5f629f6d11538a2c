"""The database raises a learner's `progress_version` whenever a row of their progress or follows
is inserted, updated or deleted, by whatever writes it (the site, the admin, a shell): pages
cached for the learner are keyed by that number (learnpaths/cache.py), and a click then costs
one statement instead of a transaction of two. PostgreSQL and SQLite, the two databases the
project runs on, each in their own trigger syntax."""

from django.db import migrations

TABLES = ["learnpaths_progress", "learnpaths_pathfollow"]
RAISE = "UPDATE learnpaths_user SET progress_version = progress_version + 1 WHERE id = {}"

POSTGRESQL = [
    f"""
    CREATE FUNCTION learnpaths_raise_progress_version() RETURNS trigger AS $$
    BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            {RAISE.format("OLD.user_id")};
        END IF;
        IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.user_id <> OLD.user_id) THEN
            {RAISE.format("NEW.user_id")};
        END IF;
        RETURN NULL;
    END
    $$ LANGUAGE plpgsql
    """,
    *(
        f"CREATE TRIGGER {table}_progress_version AFTER INSERT OR UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION learnpaths_raise_progress_version()"
        for table in TABLES
    ),
]
POSTGRESQL_REVERSE = [
    *(f"DROP TRIGGER {table}_progress_version ON {table}" for table in TABLES),
    "DROP FUNCTION learnpaths_raise_progress_version()",
]
SQLITE = [
    sql
    for table in TABLES
    for sql in (
        f"CREATE TRIGGER {table}_version_insert AFTER INSERT ON {table} "
        f"BEGIN {RAISE.format('NEW.user_id')}; END",
        f"CREATE TRIGGER {table}_version_update AFTER UPDATE ON {table} "
        f"BEGIN {RAISE.format('OLD.user_id')}; "
        f"{RAISE.format('NEW.user_id')} AND NEW.user_id <> OLD.user_id; END",
        f"CREATE TRIGGER {table}_version_delete AFTER DELETE ON {table} "
        f"BEGIN {RAISE.format('OLD.user_id')}; END",
    )
]
SQLITE_REVERSE = [
    f"DROP TRIGGER {table}_version_{event}"
    for table in TABLES
    for event in ("insert", "update", "delete")
]


def run(statements_by_vendor):
    def operation(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        if vendor not in statements_by_vendor:
            raise NotImplementedError(f"no progress-version triggers for {vendor}")
        for sql in statements_by_vendor[vendor]:
            schema_editor.execute(sql)

    return operation


class Migration(migrations.Migration):
    dependencies = [("learnpaths", "0006_path_completion_from_progress")]

    operations = [
        migrations.RunPython(
            run({"postgresql": POSTGRESQL, "sqlite": SQLITE}),
            run({"postgresql": POSTGRESQL_REVERSE, "sqlite": SQLITE_REVERSE}),
        )
    ]
