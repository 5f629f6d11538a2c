from django.contrib.auth.backends import ModelBackend

from learnpaths.models import User


class UsernameOrEmailBackend(ModelBackend):
    """Sign in with a username or an e-mail address typed into the same field."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username and "@" in username:
            match = User.objects.filter(email__iexact=username).values_list("username", flat=True)
            username = match.first() or username
        return super().authenticate(request, username=username, password=password, **kwargs)
