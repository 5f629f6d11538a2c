import unicodedata
from collections import defaultdict

from django.db import migrations

INVISIBLE = {"Cc", "Cf", "Zl", "Zp"}
JOINERS = {"\u200c", "\u200d"}


def clean_name(name: str, pk: int) -> str:
    """The name as the Tag model now stores it: NFKC, no invisible characters."""
    name = unicodedata.normalize("NFKC", name)
    name = "".join(
        char for char in name if unicodedata.category(char) not in INVISIBLE or char in JOINERS
    ).strip()
    return name or f"tag {pk}"


def merge_look_alike_tags(apps, schema_editor):
    """Before names become unique ignoring case: tags whose cleaned names differ only in case
    (or were look-alikes: "ﬁne" and "fine") become one, the oldest; its resources are the union
    of theirs. Nothing else changes; slugs stay, so the surviving tag's links keep working."""
    Tag = apps.get_model("resources", "Tag")
    TaggedResource = apps.get_model("resources", "TaggedResource")
    groups = defaultdict(list)
    for tag in Tag.objects.order_by("pk"):
        name = clean_name(tag.name, tag.pk)
        groups[name.lower()].append((tag, name))
    for members in groups.values():
        keeper, name = members[0]
        for other, _ in members[1:]:
            for item in TaggedResource.objects.filter(tag=other):
                duplicate = TaggedResource.objects.filter(
                    tag=keeper, content_object_id=item.content_object_id
                ).exists()
                if duplicate:
                    item.delete()
                else:
                    item.tag = keeper
                    item.save(update_fields=["tag"])
            other.delete()
        if keeper.name != name:
            keeper.name = name
            keeper.save(update_fields=["name"])


class Migration(migrations.Migration):
    # Its own migration (its own transaction on PostgreSQL): the index on the names is created
    # after these row changes are committed.
    dependencies = [
        ("resources", "0007_doi_and_arxiv_validators"),
    ]

    operations = [
        migrations.RunPython(merge_look_alike_tags, migrations.RunPython.noop),
    ]
