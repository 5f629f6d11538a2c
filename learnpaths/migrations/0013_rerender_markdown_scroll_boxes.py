"""Render every Markdown field again: display formulas and code blocks now sit in boxes that
scroll sideways and take the keyboard focus, `$$…$$` inside a paragraph is display math, and
formulas over the length limit are code. The catalogue version goes up (cached pages hold the
old HTML, and the tags merged by resources 0008)."""

import importlib

from django.db import migrations

rerender = importlib.import_module("learnpaths.migrations.0011_rerender_markdown").rerender


class Migration(migrations.Migration):
    dependencies = [
        ("learnpaths", "0012_markdown_field_lengths"),
        ("resources", "0009_tag_names_unique_ignoring_case"),
    ]

    operations = [migrations.RunPython(rerender, migrations.RunPython.noop)]
