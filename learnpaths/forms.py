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

from learnpaths.models import Note, User

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
