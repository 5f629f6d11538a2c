"""CatalogueVersion now lives in resources (its table was renamed by resources 0010)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("learnpaths", "0013_rerender_markdown_scroll_boxes"),
        ("resources", "0010_catalogue_version"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="CatalogueVersion")],
            database_operations=[],
        ),
    ]
