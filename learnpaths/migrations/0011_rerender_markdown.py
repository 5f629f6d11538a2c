"""Render every Markdown field again with today's renderer: math as MathML (it was mangled into
<em>), footnote ids unique per page (every field used fn:1). Markdown is rendered on save, so
the rows saved before hold the old HTML until re-rendered here. Cached pages hold it too, so
the catalogue version goes up."""

from django.db import migrations
from django.db.models import F

from learnpaths.core.markdown import render_markdown

MARKDOWN_FIELDS = {
    ("resources", "Concept"): ("summary", "body"),
    ("resources", "Resource"): ("description",),
    ("learnpaths", "LearningPath"): ("summary", "description"),
    ("learnpaths", "Step"): ("note",),
}


def rerender(apps, schema_editor):
    for (app_label, model_name), fields in MARKDOWN_FIELDS.items():
        model = apps.get_model(app_label, model_name)
        html_fields = [f"{field}_html" for field in fields]
        rows = list(model.objects.only("pk", *fields))
        for row in rows:
            for field in fields:
                setattr(row, f"{field}_html", render_markdown(getattr(row, field)))
        model.objects.bulk_update(rows, html_fields, batch_size=500)
    apps.get_model("learnpaths", "CatalogueVersion").objects.update(number=F("number") + 1)


class Migration(migrations.Migration):
    dependencies = [
        ("learnpaths", "0010_seed_record"),
        ("resources", "0004_tag_slug_never_empty"),
    ]

    operations = [migrations.RunPython(rerender, migrations.RunPython.noop)]
