from django.contrib.auth.backends import ModelBackend
from django.db.models import Subquery

from learnpaths.models import CatalogueVersion, User


class UsernameOrEmailBackend(ModelBackend):
    """Sign in with a username or an e-mail address typed into the same field."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username and "@" in username:
            match = User.objects.filter(email__iexact=username).values_list("username", flat=True)
            username = match.first() or username
        return super().authenticate(request, username=username, password=password, **kwargs)

    def get_user(self, user_id):
        """The signed-in user of a request, with the catalogue version read in the same query
        (`user.catalogue_version`): every signed-in page needs both, so one round trip to the
        database is spared per request (`learnpaths.cache.catalogue_version`)."""
        from learnpaths.cache import VERSION_PK

        version = CatalogueVersion.objects.filter(pk=VERSION_PK).values("number")
        try:
            user = User._default_manager.annotate(catalogue_version=Subquery(version)).get(
                pk=user_id
            )
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
