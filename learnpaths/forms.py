import unicodedata

from django import forms
from django.contrib.auth.forms import (
    AuthenticationForm,
    PasswordChangeForm,
    PasswordResetForm,
    SetPasswordForm,
    UserCreationForm,
)
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from learnpaths import imports
from learnpaths.models import MAX_WEEKLY_HOURS, MIN_WEEKLY_HOURS, Note, User, validate_time_zone
from resources.models import ANYWHERE_ON_EARTH, deadline_zone_names

# Control, format (invisible: zero-width, bidi overrides), line and paragraph separator
# characters: nobody types them into a one-line field, and some pass Django's own validators
# (an e-mail domain may contain U+2028) only to break later, when a mail header is written.
INVISIBLE_CATEGORIES = {"Cc", "Cf", "Zl", "Zp"}


def validate_single_line(value: str) -> None:
    """Refuse text with a control, invisible formatting or line-separator character."""
    if any(unicodedata.category(char) in INVISIBLE_CATEGORIES for char in value):
        raise ValidationError(
            _("Remove the line breaks, control or invisible characters from this field."),
            code="invisible_character",
        )


class SingleLineFieldsMixin:
    """Every text field of the form except passwords takes one line of visible characters.

    Passwords are left as they are: they are never shown or sent anywhere, and refusing a
    character in them could lock someone out of an existing account.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.CharField) and not isinstance(
                field.widget, forms.PasswordInput
            ):
                field.validators.append(validate_single_line)


class FocusFirstErrorMixin:
    """After validation, `autofocus` sits on the first field with an error (in form order).

    Django puts `autofocus` on a fixed field (the username, the old password), so a page that
    comes back with an error under the password would put the cursor elsewhere.
    """

    def full_clean(self) -> None:
        super().full_clean()
        invalid = [name for name in self.fields if name in self.errors]
        if not invalid:
            return
        for field in self.fields.values():
            field.widget.attrs.pop("autofocus", None)
        self.fields[invalid[0]].widget.attrs["autofocus"] = True


class NewPasswordMixin:
    """The password validators' messages ("too common", "too short") go under the first password
    field, where the password was chosen; the confirmation field only says when the two differ.
    Django puts them under the confirmation field.
    """

    chosen_field = "password1"

    def validate_password_for_user(self, user, password_field_name=None) -> None:
        # Django's forms pass the confirmation field's name (or default to it): ignored.
        super().validate_password_for_user(user, self.chosen_field)


class SignupForm(SingleLineFieldsMixin, FocusFirstErrorMixin, NewPasswordMixin, UserCreationForm):
    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        help_text=_("For resetting your password. Never shown to anyone."),
    )

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email")

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(_("An account with this e-mail address already exists."))
        return email


class SignInForm(SingleLineFieldsMixin, FocusFirstErrorMixin, AuthenticationForm):
    """Django's sign-in form; its `username` field also takes an e-mail address."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "Please enter a correct username or e-mail and password. Note that the password is "
            "case-sensitive."
        ),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Username or e-mail")


class ResetRequestForm(SingleLineFieldsMixin, FocusFirstErrorMixin, PasswordResetForm):
    """Asking for a password-reset link by e-mail address."""


class NewPasswordForm(FocusFirstErrorMixin, NewPasswordMixin, SetPasswordForm):
    """Choosing a new password from a reset link."""

    chosen_field = "new_password1"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].widget.attrs["autofocus"] = True


class ChangePasswordForm(FocusFirstErrorMixin, NewPasswordMixin, PasswordChangeForm):
    """Changing the password while signed in (the old one is asked for first)."""

    chosen_field = "new_password1"


class AccountDeleteForm(FocusFirstErrorMixin, forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, user: User, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("That is not your password."))
        return password


class LearnerDataImportForm(FocusFirstErrorMixin, forms.Form):
    """A learner's JSON export, uploaded: `learner_data` holds it once the form is valid
    (`learnpaths.imports.parse_learner_data`); each problem of the file is an error under the
    field, naming the key or row."""

    file = forms.FileField(
        label=_("Your exported JSON file"),
        help_text=_("The file “Export … as JSON” on your dashboard gave you."),
        widget=forms.FileInput(attrs={"accept": ".json,application/json"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        # The upload handler kept at most MAX_IMPORT_BYTES + 1 bytes; `size` is what was sent.
        if upload.size > imports.MAX_IMPORT_BYTES:
            raise ValidationError(imports.too_large_message(), code="too_large")
        try:
            self.learner_data = imports.parse_learner_data(upload.read())
        except imports.ImportRefused as refused:
            raise ValidationError(refused.messages, code="invalid_export") from None
        return upload


class PaceForm(FocusFirstErrorMixin, forms.Form):
    """A learner's hours of study per week on a path they follow."""

    weekly_hours = forms.IntegerField(
        label=_("Hours per week"),
        min_value=MIN_WEEKLY_HOURS,
        max_value=MAX_WEEKLY_HOURS,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # One message for every wrong value (none, 0, 81, 2.5, "abc"): what to enter instead.
        message = _("Enter a whole number of hours from %(min)s to %(max)s.") % {
            "min": MIN_WEEKLY_HOURS,
            "max": MAX_WEEKLY_HOURS,
        }
        field = self.fields["weekly_hours"]
        for code in ("required", "invalid", "min_value", "max_value"):
            field.error_messages[code] = message


def time_zone_choices() -> list:
    """UTC (stored as "") and tzdata's geographic zone names ("Asia/Shanghai"), grouped by area.
    The aliases kept for old systems ("US/Eastern", "Etc/GMT+8" with its inverted sign) are left
    out: a learner picks their city's zone (`resources.models.deadline_zone_names`)."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for name in sorted(deadline_zone_names() - {ANYWHERE_ON_EARTH, "UTC"}):
        groups.setdefault(name.partition("/")[0], []).append((name, name.replace("_", " ")))
    return [("", "UTC"), *groups.items()]


class TimeZoneForm(FocusFirstErrorMixin, forms.Form):
    """Where a learner's days begin and end: their dates, weekly chart and streaks."""

    time_zone = forms.ChoiceField(
        label=_("Your time zone"),
        required=False,
        help_text=_(
            "Days begin and end at midnight in this zone: streaks, the weekly chart and "
            "the dates of your plan use it."
        ),
    )

    def __init__(self, *args, current: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        choices = time_zone_choices()
        # A zone set before (by an administrator) that the list leaves out stays choosable.
        if current and current not in deadline_zone_names():
            choices.append((current, current))
        self.fields["time_zone"].choices = choices
        self.fields["time_zone"].error_messages["invalid_choice"] = _(
            "Choose a time zone from the list."
        )

    def clean_time_zone(self) -> str:
        time_zone = self.cleaned_data["time_zone"]
        validate_time_zone(time_zone)
        return time_zone


class NoteForm(forms.Form):
    """A learner's note on a resource: Markdown, at most as long as `Note.body` allows; empty
    deletes the note (`services.note_save`). Not stripped: a first line indented four spaces is
    Markdown's code block."""

    body = forms.CharField(
        label=_("Your note"),
        required=False,
        strip=False,
        max_length=Note._meta.get_field("body").max_length,
        widget=forms.Textarea,
        error_messages={
            "max_length": _(
                "A note holds at most %(limit_value)d characters (this one has %(show_value)d). "
                "Shorten it and save again."
            )
        },
    )
