import django.db.models.functions.text
from django.db import migrations, models

import resources.models


class Migration(migrations.Migration):
    dependencies = [
        ("resources", "0008_merge_look_alike_tags"),
    ]

    operations = [
        migrations.AlterField(
            model_name="resource",
            name="tags",
            field=resources.models.CuratedTags(
                blank=True,
                help_text="A comma-separated list of tags.",
                through="resources.TaggedResource",
                to="resources.Tag",
                verbose_name="Tags",
            ),
        ),
        migrations.AlterField(
            model_name="tag",
            name="name",
            field=models.CharField(
                max_length=100,
                unique=True,
                validators=[resources.models.validate_tag_name],
                verbose_name="name",
            ),
        ),
        migrations.AddConstraint(
            model_name="tag",
            constraint=models.UniqueConstraint(
                django.db.models.functions.text.Lower("name"),
                name="tag_name_unique_ignoring_case",
                violation_error_message=(
                    "A tag with this name already exists (tag names ignore case)."
                ),
            ),
        ),
    ]
