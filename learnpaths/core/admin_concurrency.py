"""Optimistic concurrency for the admin's change forms of curated content.

Every change form carries a version token: a digest of the item's row, its many-to-many links
and the rows of every inline shown with it, as they were when the form was opened. Saving
compares it with the same digest taken again, under a lock, inside the save's transaction; if
someone saved the item (or one of its inline rows) in between, the save is refused and nothing
is written, instead of silently undoing their work.
"""

from __future__ import annotations

import hashlib
import json

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy

VERSION_FIELD = "concurrency_version"

STALE_ROW = gettext_lazy(
    "“%(item)s” was changed by someone else since you opened this list; nothing was saved. "
    "Reload the page to see their change, then make yours again."
)

STALE_FORM = gettext_lazy(
    "This %(item)s was changed by someone else since you opened it; reload the page to see "
    "their changes, then make yours again. Nothing was saved."
)


class _TokenInput(forms.HiddenInput):
    def id_for_label(self, id_):
        # The admin labels every field of a fieldset, hidden ones too; a label pointing at a
        # hidden input is invalid HTML, so this one points nowhere (its row is hidden).
        return None


class _VersionedForm:
    """Mixed into the admin's ModelForm: refuses a form opened on an older version of the item.

    A POST without the token (a form rendered before this check existed, or a script) is
    accepted as before: there is nothing to compare it with.
    """

    expected_version = ""

    def clean(self):
        cleaned = super().clean()
        posted = self.cleaned_data.get(VERSION_FIELD)
        if posted and posted != self.expected_version:
            raise ValidationError(
                STALE_FORM, code="stale", params={"item": self._meta.model._meta.verbose_name}
            )
        return cleaned


class _VersionedRowForm:
    """Mixed into the form of each row of the changelist (`list_editable`): the row carries a
    digest of its editable values as the curator saw them (`row_version_field`, rendered by
    templates/admin/change_list_results.html).

    On a save of the list, a row whose submitted values are the ones the curator saw is left
    alone, even if someone changed it since (saving it would silently undo their change); a row
    the curator did change is refused with a message if someone changed it since, and then
    nothing of the list is written. A POST without tokens is handled as before.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[VERSION_FIELD] = forms.CharField(
            widget=forms.HiddenInput, required=False, initial=self._digest(self.initial)
        )
        self._untouched = False

    def _digest(self, values: dict) -> str:
        shown = [
            str(self.fields[name].prepare_value(values.get(name)))
            for name in sorted(self._meta.fields)
        ]
        return hashlib.sha256(json.dumps(shown).encode()).hexdigest()

    @property
    def row_version_field(self):
        return self[VERSION_FIELD]

    def clean(self):
        cleaned = super().clean()
        seen = self.cleaned_data.get(VERSION_FIELD)
        if not seen:
            return cleaned
        if self._digest(cleaned) == seen:
            self._untouched = True
        elif self._digest(self.initial) != seen:
            # On a field: the changelist shows the errors of its cells, not a row's own.
            error = ValidationError(STALE_ROW, code="stale", params={"item": self.instance})
            raise ValidationError({self._meta.fields[0]: error})
        return cleaned

    def has_changed(self) -> bool:
        # The changelist saves the rows that "changed" compared with the database now; a row
        # the curator did not touch differs from it only when someone else changed it since.
        if self.is_bound and self.is_valid() and self._untouched:
            return False
        return super().has_changed()


class ConcurrencyGuardMixin:
    """For a ModelAdmin (before admin.ModelAdmin in the bases): version token on change forms,
    and on each row of the changelist's `list_editable` form (`_VersionedRowForm`).

    The admin's change view runs in one transaction; on a POST the item's row and its inline
    rows are locked (SELECT … FOR UPDATE where the database supports it; SQLite serialises
    writers anyway) before the token is taken again, so of two saves of one stale version
    exactly one succeeds.
    """

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None and request.method == "POST":
            for queryset in self._version_querysets(request, obj):
                list(queryset.select_for_update().values_list("pk", flat=True))
            # Read again under the lock: another save may have committed while we waited.
            obj = super().get_object(request, object_id, from_field)
        return obj

    def get_changelist_form(self, request, **kwargs):
        base = super().get_changelist_form(request, **kwargs)
        return type(base.__name__, (_VersionedRowForm, base), {})

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None or not self.has_change_permission(request, obj):
            return super().get_form(request, obj, change=change, **kwargs)
        version = self.version_token(request, obj)
        base = kwargs.get("form", self.form)
        kwargs["form"] = type(
            base.__name__,
            (_VersionedForm, base),
            {
                VERSION_FIELD: forms.CharField(
                    label=gettext_lazy("Version when this page was opened"),
                    widget=_TokenInput,
                    required=False,
                    initial=version,
                ),
                "expected_version": version,
            },
        )
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or not self.has_change_permission(request, obj):
            return fieldsets
        if any(VERSION_FIELD in options.get("fields", ()) for _, options in fieldsets):
            return fieldsets
        # Explicit fieldsets name only model fields: put the token into the first one, so that
        # the form renders it.
        (name, options), *rest = fieldsets
        return [(name, {**options, "fields": [*options["fields"], VERSION_FIELD]}), *rest]

    def version_token(self, request, obj: models.Model) -> str:
        """SHA-256 hex digest of the item as its change form shows it, read from the database."""
        # Only what curators edit: derived columns (rendered Markdown, the search index that a
        # concept's rename rewrites in its resources, timestamps) would refuse saves for changes
        # nobody made to the form's content.
        state = []
        for queryset in self._version_querysets(request, obj):
            rows = queryset.values(*_edited_columns(queryset.model))
            state.append([json.dumps(row, sort_keys=True, default=str) for row in rows])
        state.extend(
            sorted(getattr(obj, m2m.name).values_list("pk", flat=True))
            for m2m in obj._meta.many_to_many
        )
        return hashlib.sha256(json.dumps(state, default=str).encode()).hexdigest()

    def _version_querysets(self, request, obj: models.Model) -> list[models.QuerySet]:
        """The item's own row, then the rows of each inline shown with it, in a fixed order."""
        querysets = [self.model._default_manager.filter(pk=obj.pk)]
        for inline in self.get_inlines(request, obj):
            fk = _parent_key(inline, self.model)
            querysets.append(inline.model._default_manager.filter(**{fk: obj.pk}).order_by("pk"))
        return querysets


def _edited_columns(model: type[models.Model]) -> list[str]:
    return ["pk", *(f.attname for f in model._meta.concrete_fields if f.editable)]


def _parent_key(inline, parent: type[models.Model]) -> str:
    if inline.fk_name:
        return inline.fk_name
    (fk,) = (
        f for f in inline.model._meta.concrete_fields if f.many_to_one and f.related_model is parent
    )
    return fk.name
