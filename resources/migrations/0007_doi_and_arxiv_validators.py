import django.core.validators
from django.db import migrations, models

import resources.models


class Migration(migrations.Migration):
    """Validators only (no change to the tables): DOIs without "."/".." parts or control
    characters, arXiv ids without a trailing line feed."""

    dependencies = [
        ("resources", "0006_markdown_field_lengths"),
    ]

    operations = [
        migrations.AlterField(
            model_name="resource",
            name="arxiv_id",
            field=models.CharField(
                blank=True,
                max_length=30,
                validators=[
                    django.core.validators.RegexValidator(
                        "^(\\d{4}\\.\\d{4,5}|[a-z\\-]+(\\.[A-Z]{2})?/\\d{7})(v\\d+)?\\Z",
                        "Enter an arXiv identifier such as 1706.03762.",
                    )
                ],
                verbose_name="arXiv id",
            ),
        ),
        migrations.AlterField(
            model_name="resource",
            name="doi",
            field=models.CharField(
                blank=True,
                max_length=200,
                validators=[resources.models.validate_doi],
                verbose_name="DOI",
            ),
        ),
    ]
