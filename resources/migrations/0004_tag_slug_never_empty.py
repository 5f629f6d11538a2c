"""Every tag gets a slug its page can be reached by: tags named only with symbols or emoji (`∇`,
`🔥`) were saved with an empty slug (or taggit's `_1`, `_2`…), and every page linking to them
answered 500. Those rows get a slug made from the name; the database then refuses empty ones."""

import re

from django.db import migrations, models

from resources.models import tag_slug_base, unique_tag_slug

UNUSABLE_SLUG = re.compile(r"^(_\d+)?$")  # "" and taggit's "_1", "_2"… for an empty base


def fill_empty_slugs(apps, schema_editor):
    Tag = apps.get_model("resources", "Tag")
    taken = set(Tag.objects.values_list("slug", flat=True))
    for tag in Tag.objects.order_by("pk"):
        if tag.slug and not UNUSABLE_SLUG.match(tag.slug):
            continue
        taken.discard(tag.slug)
        tag.slug = unique_tag_slug(tag_slug_base(tag.name), taken)
        taken.add(tag.slug)
        tag.save(update_fields=["slug"])


class Migration(migrations.Migration):
    dependencies = [
        ("resources", "0003_curated_integer_ranges"),
    ]

    operations = [
        migrations.RunPython(fill_empty_slugs, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="tag",
            name="slug",
            field=models.SlugField(
                allow_unicode=True,
                blank=True,
                help_text="Leave empty to make it from the name.",
                max_length=100,
                unique=True,
                verbose_name="slug",
            ),
        ),
        migrations.AddConstraint(
            model_name="tag",
            constraint=models.CheckConstraint(
                condition=models.Q(("slug", ""), _negated=True), name="tag_slug_not_empty"
            ),
        ),
    ]
