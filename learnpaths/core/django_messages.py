"""Django's own messages that its Simplified Chinese catalogue lacks (Django 5.2 reworded
them after that translation was made). Named here, so that makemessages puts them in ours,
which Django reads first (LOCALE_PATHS); nothing imports this module."""

from django.utils.translation import ngettext_lazy

# django.contrib.auth.password_validation.MinimumLengthValidator.get_error_message
PASSWORD_TOO_SHORT = ngettext_lazy(
    "This password is too short. It must contain at least %d character.",
    "This password is too short. It must contain at least %d characters.",
    "min_length",
)
