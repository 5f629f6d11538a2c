"""The changelist's editable columns (a path's "featured", a concept's position) never
silently undo a change another curator made since the list was opened."""

import pytest
from django.test import Client

from learnpaths.models import LearningPath
from resources.models import Concept
from tests.admin_forms import admin_view_url as admin_url
from tests.admin_forms import change_form, form_fields


@pytest.fixture
def curators(make):
    """Two signed-in curators, A and B."""
    result = []
    for name in ("curator_a", "curator_b"):
        client = Client()
        client.force_login(make.user(username=name, is_staff=True, is_superuser=True))
        result.append(client)
    return result


def changelist_form(client, model) -> dict[str, list[str]]:
    html = client.get(admin_url(model, "changelist")).content.decode()
    return form_fields(html, "changelist-form")


def row_prefix(fields, obj) -> str:
    (name,) = [n for n, v in fields.items() if n.endswith("-id") and v == [str(obj.pk)]]
    return name.removesuffix("-id")


def set_featured(fields, prefix, value: bool):
    if value:
        fields[f"{prefix}-featured"] = ["on"]
    else:
        fields.pop(f"{prefix}-featured", None)


def save_changelist(client, model, fields):
    return client.post(admin_url(model, "changelist"), {**fields, "_save": "Save"})


def a_changes_in_the_change_form(client, obj, **values):
    data = change_form(client, obj)
    for name, value in values.items():
        if value is True:
            data[name] = ["on"]
        elif value is False:
            data.pop(name, None)
        else:
            data[name] = [str(value)]
    response = client.post(admin_url(type(obj), "change", obj.pk), data)
    assert response.status_code == 302


def test_a_stale_list_saves_only_the_rows_its_curator_changed(curators, make):
    a, b = curators
    first, third = make.path(title="First"), make.path(title="Third")
    seen_by_b = changelist_form(b, LearningPath)
    a_changes_in_the_change_form(a, third, featured=True)

    set_featured(seen_by_b, row_prefix(seen_by_b, first), True)
    response = save_changelist(b, LearningPath, seen_by_b)

    assert response.status_code == 302
    assert LearningPath.objects.get(pk=third.pk).featured is True  # A's change stays
    assert LearningPath.objects.get(pk=first.pk).featured is True  # B's change is saved


def test_a_changed_row_that_someone_changed_since_is_refused_and_nothing_is_written(curators, make):
    a, b = curators
    first = make.concept(name="First", position=1)
    second = make.concept(name="Second", name_zh="概念4", position=2)
    seen_by_b = changelist_form(b, Concept)
    a_changes_in_the_change_form(a, second, position=7)

    seen_by_b[f"{row_prefix(seen_by_b, first)}-position"] = ["5"]
    seen_by_b[f"{row_prefix(seen_by_b, second)}-position"] = ["9"]
    response = save_changelist(b, Concept, seen_by_b)

    assert response.status_code == 200
    assert "“Second (概念4)” was changed by someone else since you opened this list" in (
        response.content.decode()
    )
    assert Concept.objects.get(pk=second.pk).position == 7  # A's change stays
    assert Concept.objects.get(pk=first.pk).position == 1  # nothing of the list was written
