"""Signing in: the username-or-e-mail backend (which brings the catalogue version with the user
row) and the django-axes hooks (client address, username, lockout page); wired up in settings.
"""

import functools
import ipaddress

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from learnpaths.models import User
from resources.models import CatalogueVersion

_USER_WITH_CATALOGUE_VERSION = """
SELECT {columns}, COALESCE((SELECT v.number FROM {version} v WHERE v.id = %s), 0)
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
        database is spared per request (`resources.versions.catalogue_version`). Plain SQL and
        `Model.from_db`: this runs on every signed-in request, and the ORM (a raw queryset
        included) took longer to build the query and the user than the database to answer."""
        from resources.versions import VERSION_PK

        with connection.cursor() as cursor:
            cursor.execute(_user_query(connection.vendor), [VERSION_PK, user_id])
            row = cursor.fetchone()
        if row is None:
            return None
        user = User.from_db(connection.alias, _USER_ATTNAMES, _convert(row[:-1]))
        # 0 when the version row is missing (a flushed database), as `catalogue_version` reads
        # it: never None, which would send every request back for it.
        user.catalogue_version = row[-1]
        return user if self.user_can_authenticate(user) else None


def client_ip(request: HttpRequest) -> str:
    """The address of the person signing in, as our own proxies saw it.

    Each trusted proxy appends the address it received the request from to X-Forwarded-For, so
    with `TRUSTED_PROXIES` = N the client is the N-th entry from the right. Entries further left
    come from the client and could be anything, so they are never used. Without proxies, or with
    a header shorter than the proxy chain (a misconfiguration), REMOTE_ADDR is the answer.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    hops = settings.TRUSTED_PROXIES
    if hops <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < hops:
        return remote
    candidate = forwarded[-hops]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def axes_username(request: HttpRequest, credentials: dict | None = None) -> str:
    """The account a sign-in attempt is aimed at, whichever way it was typed.

    The sign-in field takes a username or an e-mail address; both must count against the same
    account, or an attacker would get twice the attempts. Unknown e-mail addresses are counted
    case-insensitively, as they are matched.
    """
    typed = (credentials or {}).get("username") or request.POST.get("username") or ""
    typed = str(typed).strip()
    if "@" in typed:
        username = (
            User.objects.filter(email__iexact=typed).values_list("username", flat=True).first()
        )
        typed = username or typed.lower()
    return typed[:MAX_USERNAME_LENGTH]


def lockout_response(
    request: HttpRequest, original_response=None, credentials: dict | None = None
) -> HttpResponse:
    """The page a locked-out person sees: what happened, for how long, and what to do."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(
        request,
        "registration/locked_out.html",
        {"minutes": minutes, "failure_limit": settings.AXES_FAILURE_LIMIT},
        status=429,
    )


# axes stores the username in a 255-character column.
MAX_USERNAME_LENGTH = 255
