from django.contrib.auth.backends import ModelBackend
from django.db import connection

from learnpaths.models import CatalogueVersion, User

_USER_WITH_CATALOGUE_VERSION = """
SELECT u.*, (SELECT v.number FROM {version} v WHERE v.id = %s) AS catalogue_version
FROM {user} u WHERE u.id = %s
"""


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
        database is spared per request (`learnpaths.cache.catalogue_version`). Plain SQL: this
        runs on every signed-in request, and the ORM took longer to build the query than the
        database to answer it."""
        from learnpaths.cache import VERSION_PK

        quote = connection.ops.quote_name
        query = _USER_WITH_CATALOGUE_VERSION.format(
            user=quote(User._meta.db_table), version=quote(CatalogueVersion._meta.db_table)
        )
        user = next(iter(User.objects.raw(query, [VERSION_PK, user_id])), None)
        return user if user is not None and self.user_can_authenticate(user) else None
