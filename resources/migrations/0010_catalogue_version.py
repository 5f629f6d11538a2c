"""The catalogue version belongs to the catalogue: the model moves from learnpaths to resources,
its table renamed, its row (the current number) kept."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("resources", "0009_tag_names_unique_ignoring_case"),
        ("learnpaths", "0013_rerender_markdown_scroll_boxes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="CatalogueVersion",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("number", models.PositiveBigIntegerField(default=0)),
                    ],
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    "ALTER TABLE learnpaths_catalogueversion RENAME TO resources_catalogueversion",
                    "ALTER TABLE resources_catalogueversion RENAME TO learnpaths_catalogueversion",
                ),
            ],
        ),
    ]
