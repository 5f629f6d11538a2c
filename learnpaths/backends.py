import functools

from django.contrib.auth.backends import ModelBackend
from django.db import connection

from learnpaths.models import CatalogueVersion, User

_USER_WITH_CATALOGUE_VERSION = """
SELECT {columns}, (SELECT v.number FROM {version} v WHERE v.id = %s)
FROM {user} u WHERE u.id = %s
"""


_USER_ATTNAMES = [field.attname for field in User._meta.concrete_fields]


@functools.cache
def _user_query(vendor: str) -> str:  # the vendor decides how names are quoted
    quote = connection.ops.quote_name
    return _USER_WITH_CATALOGUE_VERSION.format(
        columns=", ".join(f"u.{quote(field.column)}" for field in User._meta.concrete_fields),
        user=quote(User._meta.db_table),
        version=quote(CatalogueVersion._meta.db_table),
    )


@functools.cache
def _user_converters(vendor: str) -> list[tuple]:
    """(column, converters) per user column: what the ORM applies to a fetched row and a plain
    cursor does not (SQLite returns naive datetimes and 0/1 for booleans)."""
    table = User._meta.db_table
    return [
        (
            col := field.get_col(table),
            [*connection.ops.get_db_converters(col), *field.get_db_converters(connection)],
        )
        for field in User._meta.concrete_fields
    ]


def _convert(row) -> list:
    values = list(row)
    for index, (col, converters) in enumerate(_user_converters(connection.vendor)):
        for converter in converters:
            values[index] = converter(values[index], col, connection)
    return values


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
        database is spared per request (`learnpaths.cache.catalogue_version`). Plain SQL and
        `Model.from_db`: this runs on every signed-in request, and the ORM (a raw queryset
        included) took longer to build the query and the user than the database to answer."""
        from learnpaths.cache import VERSION_PK

        with connection.cursor() as cursor:
            cursor.execute(_user_query(connection.vendor), [VERSION_PK, user_id])
            row = cursor.fetchone()
        if row is None:
            return None
        user = User.from_db(connection.alias, _USER_ATTNAMES, _convert(row[:-1]))
        user.catalogue_version = row[-1]
        return user if self.user_can_authenticate(user) else None
