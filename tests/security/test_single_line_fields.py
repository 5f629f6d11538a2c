"""One-line fields of the public forms take no control, invisible or line-separator characters
(Unicode Cc, Cf, Zl, Zp): an e-mail address with U+2028 passed sign-up, and the password reset
for it then failed with a traceback. Each is a form error under its field; nothing is stored or
sent."""

import logging

import pytest
from django.core import mail

from learnpaths.models import User
from tests.security.conftest import PASSWORD
from tests.security.test_accounts import FormPage

MESSAGE = "Remove the line breaks, control or invisible characters from this field."
# Line separator, paragraph separator, next line (C1 control), a C0 control, a zero-width space,
# a right-to-left override, a line feed.
INVISIBLE = ["\u2028", "\u2029", "\x85", "\x01", "\u200b", "\u202e", "\n"]


@pytest.mark.parametrize("char", INVISIBLE, ids=ascii)
@pytest.mark.parametrize("field", ["email", "username"])
def test_sign_up_refuses_invisible_characters_under_the_field(client, db, field, char):
    data = {
        "username": "newbie",
        "email": "x4@example.com",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    value = data[field]
    data[field] = value[:3] + char + value[3:]
    response = client.post("/en/accounts/signup/", data)
    assert response.status_code == 200
    page = FormPage(response.content.decode())
    assert any(MESSAGE in error or "Enter a valid" in error for error in page.blocks[field])
    assert not User.objects.exists()


def test_an_e_mail_with_a_line_separator_gets_the_clear_message(client, db):
    data = {
        "username": "newbie",
        "email": "x4@exam\u2028ple.com",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    page = FormPage(client.post("/en/accounts/signup/", data).content.decode())
    assert MESSAGE in page.blocks["email"]
    assert not User.objects.exists()


@pytest.mark.parametrize("char", INVISIBLE, ids=ascii)
def test_a_password_reset_request_refuses_invisible_characters(client, db, caplog, char):
    User.objects.create_user("x4", "x4@example.com", PASSWORD)
    with caplog.at_level(logging.ERROR):
        response = client.post("/en/accounts/password_reset/", {"email": f"x4@exam{char}ple.com"})
    assert response.status_code == 200
    assert any(MESSAGE in error for error in FormPage(response.content.decode()).blocks["email"])
    assert mail.outbox == []
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]


def test_a_password_reset_request_for_a_plain_address_still_sends_the_link(client, db):
    User.objects.create_user("x4", "x4@example.com", PASSWORD)
    response = client.post("/en/accounts/password_reset/", {"email": "x4@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1


@pytest.mark.parametrize("char", INVISIBLE, ids=ascii)
def test_sign_in_refuses_invisible_characters_in_the_username(client, db, char):
    response = client.post("/en/accounts/login/", {"username": f"x{char}4", "password": PASSWORD})
    assert response.status_code == 200
    assert MESSAGE in response.content.decode()
