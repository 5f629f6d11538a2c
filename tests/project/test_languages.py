"""The site in English and Simplified Chinese: the message catalogue is complete and compiled,
every page answers in the language of its URL, a first visit follows the browser, the switch
works without JavaScript, and curated text shows in the page's language."""

from __future__ import annotations

import ast
import datetime as dt
import json
import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.utils import translation

from learnpaths import services
from learnpaths.models import LearningPath
from resources.models import Concept, ConferenceEdition, deadline_instant
from resources.search.text import STOP_WORDS, words
from tests.html import html_text, parse, texts

LOCALE = Path(settings.BASE_DIR) / "locale"
PO = LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")


def catalogue() -> polib.POFile:
    return polib.pofile(str(PO))


def test_every_message_is_translated_and_none_is_fuzzy():
    po = catalogue()
    assert len(po) > 300  # the templates' and the code's messages are all in it
    untranslated = [e.msgid for e in po.untranslated_entries() if not e.obsolete]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    assert not untranslated, f"untranslated: {untranslated[:10]}"
    assert not fuzzy, f"fuzzy: {fuzzy[:10]}"


def test_translations_keep_their_placeholders():
    wrong = []
    for entry in catalogue().translated_entries():
        translations = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        wanted = sorted(set(PLACEHOLDER.findall(entry.msgid)))
        for text in translations:
            if sorted(set(PLACEHOLDER.findall(text))) != wanted:
                wrong.append((entry.msgid, text))
    assert not wrong


def test_the_compiled_catalogue_is_the_catalogue():
    """The committed .mo says what the .po says (a .po edited without compiling fails here):
    `python manage.py compilemessages` after editing the .po."""
    compiled = {(e.msgctxt, e.msgid): e for e in polib.mofile(str(MO))}
    for entry in catalogue().translated_entries():
        found = compiled.get((entry.msgctxt, entry.msgid))
        assert found is not None, f"not compiled: {entry.msgid!r}"
        if entry.msgid_plural:
            assert found.msgstr_plural == entry.msgstr_plural, entry.msgid
        else:
            assert found.msgstr == entry.msgstr, entry.msgid
    assert len(compiled) == len(catalogue().translated_entries())


@pytest.mark.parametrize(
    ("accept", "prefix"),
    [("zh-CN,zh;q=0.9,en;q=0.8", "/zh-hans/"), ("zh-TW", "/zh-hans/"), ("en-GB", "/en/"),
     ("fr-FR", "/en/"), ("", "/en/")],
)  # fmt: skip
def test_a_first_visit_follows_the_browsers_language(db, accept, prefix):
    response = Client(headers={"accept-language": accept}).get("/resources/?kind=book")
    assert response.status_code == 302
    assert response["Location"] == f"{prefix}resources/?kind=book"


def test_the_switch_changes_the_language_keeps_the_page_and_is_remembered(db):
    client = Client(headers={"accept-language": "en"})
    response = client.post(
        "/i18n/setlang/", {"language": "zh-hans", "next": "/en/resources/?kind=book"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/zh-hans/resources/?kind=book"
    assert client.get("/").headers["Location"] == "/zh-hans/"  # remembered over the browser's
    page = parse(client.get("/zh-hans/").content)
    assert page.find("html").attrs["lang"] == "zh-Hans"


@pytest.mark.parametrize(
    ("browser", "cookie", "page", "chosen", "lands_on"),
    [
        ("en", None, "/zh-hans/paths/?topic=x", "en", "/en/paths/?topic=x"),
        ("zh-CN", None, "/en/paths/", "zh-hans", "/zh-hans/paths/"),
        ("zh-CN", "en", "/zh-hans/paths/", "en", "/en/paths/"),
        ("en", None, "/zh-hans/accounts/login/?next=/zh-hans/me/", "en",
         "/en/accounts/login/?next=/en/me/"),
        ("en", None, "/zh-hans/no-such-page/", "en", "/en/no-such-page/"),
    ],
)  # fmt: skip
def test_the_switch_lands_on_the_page_in_the_chosen_language_whatever_was_asked_before(
    db, browser, cookie, page, chosen, lands_on
):
    """A shared link opens in the sharer's language; the switch must still take the reader to
    theirs (the page's own language is not the one the cookie or the browser asks for)."""
    client = Client(headers={"accept-language": browser})
    if cookie:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = cookie
    response = client.post("/i18n/setlang/", {"language": chosen, "next": page})
    assert response.status_code == 302 and response["Location"] == lands_on
    remembered = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert remembered.value == chosen
    assert remembered["max-age"] == 365 * 24 * 60 * 60
    assert remembered["httponly"] and remembered["samesite"] == "Lax"


@pytest.mark.parametrize("language", ["xx", "fr", "zh-hant", ""])
def test_the_switch_takes_only_the_sites_languages_and_never_an_outside_next(db, language):
    client = Client()
    response = client.post("/i18n/setlang/", {"language": language, "next": "/en/paths/"})
    assert response.status_code == 302 and response["Location"] == "/en/paths/"
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    for outside in ("https://evil.example/", "//evil.example/", "javascript:alert(1)"):
        response = client.post("/i18n/setlang/", {"language": "en", "next": outside})
        assert response.status_code == 302 and response["Location"] == "/"


def test_a_page_answering_a_post_offers_the_home_page_in_each_language(client, db):
    page = parse(client.post("/zh-hans/accounts/signup/", {"username": ""}).content)
    switch = page.find("form", class_="language-form")
    assert switch.find("input", name="next").attrs["value"] == "/zh-hans/"
    alternates = {
        link.attrs["hreflang"]: link.attrs["href"]
        for link in page.find_all("link", rel="alternate")
    }
    assert alternates == {"en": "http://testserver/en/", "zh-Hans": "http://testserver/zh-hans/"}


def test_a_404_links_to_the_same_address_in_the_other_language(client, db):
    page = parse(client.get("/zh-hans/no-such-page/?a=1").content)
    alternates = {
        link.attrs["hreflang"]: link.attrs["href"]
        for link in page.find_all("link", rel="alternate")
    }
    assert alternates["en"] == "http://testserver/en/no-such-page/?a=1"


def test_an_unknown_host_is_a_bad_request_not_a_server_error(client, db):
    response = client.get("/en/", headers={"host": "evil.example"})
    assert response.status_code == 400
    assert 'rel="alternate"' in response.content.decode()  # the page rendered, links relative


def test_signing_up_lands_on_the_dashboard_in_the_page_language(db):
    client = Client(headers={"accept-language": "en"})
    response = client.post(
        "/zh-hans/accounts/signup/",
        {"username": "li", "email": "li@example.org", "password1": "a-long-pass-9x",
         "password2": "a-long-pass-9x"},
    )  # fmt: skip
    assert response.status_code == 302 and response["Location"] == "/zh-hans/me/"


def test_every_page_links_to_itself_in_every_language(client, curated_pages):
    for url in curated_pages:
        page = parse(client.get(url).content)
        links = page.find_all("link", rel="alternate")
        # A page's Atom feeds are alternates too, of another type; its languages have hreflang.
        assert all(
            "hreflang" in link.attrs or link.attrs.get("type") == "application/atom+xml"
            for link in links
        ), url
        alternates = {
            link.attrs["hreflang"]: link.attrs["href"] for link in links if "hreflang" in link.attrs
        }
        rest = url.split("/", 2)[2]
        assert alternates == {
            "en": f"http://testserver/en/{rest}",
            "zh-Hans": f"http://testserver/zh-hans/{rest}",
        }, url
        switch = page.find("form", class_="language-form")
        assert switch.find("input", name="next").attrs["value"] == url


@pytest.fixture
def curated(curated_catalogue, db):
    """The curated catalogue, seeded once for this module (tests/conftest.py)."""


@pytest.fixture
def curated_pages(curated) -> list[str]:
    """A page of each type, in Chinese."""
    concept = Concept.objects.get(slug="transformer")
    path = LearningPath.objects.published().get(slug="deep-learning-foundations")
    step = path.stages.first().steps.first()
    with translation.override("zh-hans"):
        objects = [concept, step.resource, path]
        return [
            *(obj.get_absolute_url() for obj in objects),
            *(f"/zh-hans{page}" for page in (
                "/", "/concepts/", "/concepts/map/", "/resources/",
                "/resources/?kind=paper&sort=year", "/tags/nlp/", "/search/?q=transformer",
                "/search/?q=nothing-matches-this", "/paths/", "/accounts/login/",
                "/accounts/signup/", "/accounts/password_reset/",
            )),
        ]  # fmt: skip


def english_messages() -> set[str]:
    """The catalogue's English messages that a Chinese page must not show: those translated
    to something else, of at least two words (single words such as "PyTorch" or "arXiv" may
    be data)."""
    found = set()
    for entry in catalogue().translated_entries():
        if entry.msgid_plural or PLACEHOLDER.search(entry.msgid) or "<" in entry.msgid:
            continue
        if entry.msgstr != entry.msgid and len(entry.msgid.split()) >= 2:
            found.add(entry.msgid)
    return found


def test_chinese_pages_show_no_english_interface_text(client, curated_pages, django_user_model):
    english = english_messages()
    assert len(english) > 100
    for url in curated_pages:
        response = client.get(url)
        assert response.status_code == 200, url
        shown = {" ".join(text.split()) for _tag, text in texts(response.content)}
        assert not shown & english, (url, sorted(shown & english))


def test_a_learners_chinese_pages_show_no_english_interface_text(client, curated, make):
    """The pages only a signed-in learner sees, with something on each: a followed path with a
    step done, a pace, a note, a shared link, the concept states, the start page's advice."""
    learner = make.user(username="learner", time_zone="Asia/Shanghai")
    path = LearningPath.objects.published().get(slug="deep-learning-foundations")
    step = path.stages.first().steps.select_related("resource").first()
    services.path_follow(user=learner, path=path)
    services.follow_pace_set(user=learner, path_id=path.pk, weekly_hours=9)
    services.progress_set(user=learner, resource_id=step.resource.pk, status="done")
    services.note_save(user=learner, resource_id=step.resource.pk, body="先看第二章")
    token = services.share_token_set(user=learner, shared=True)
    client.force_login(learner)
    client.post("/zh-hans/start/", {"known": ["machine-learning"]})
    english = english_messages()
    with translation.override("zh-hans"):
        urls = [
            path.get_absolute_url(),
            step.resource.get_absolute_url(),
            Concept.objects.get(slug="transformer").get_absolute_url(),
            f"{path.get_absolute_url()}pace/",
            *(
                f"/zh-hans{page}"
                for page in (
                    "/", "/me/", "/me/notes/", "/me/notes/?q=第二章", "/me/time-zone/",
                    "/me/import/", "/concepts/map/", "/start/", f"/u/{token}/",
                )
            ),
        ]  # fmt: skip
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        shown = {" ".join(text.split()) for _tag, text in texts(response.content)}
        assert not shown & english, (url, sorted(shown & english))


def test_the_same_url_answers_each_language_from_the_cache_in_its_own(client, curated):
    for first, second in (("en", "zh-hans"), ("zh-hans", "en")):
        pages = {}
        for language in (first, second, first, second):  # the second pair comes from the cache
            html = client.get(f"/{language}/paths/").content
            pages.setdefault(language, set()).add(parse(html).find("html").attrs["lang"])
        assert pages == {"en": {"en"}, "zh-hans": {"zh-Hans"}}


def test_curated_text_is_shown_in_the_pages_language_with_english_as_fallback(client, curated):
    path = LearningPath.objects.get(slug="deep-learning-foundations")
    chinese = html_text(client.get(f"/zh-hans/paths/{path.slug}/").content)
    english = html_text(client.get(f"/en/paths/{path.slug}/").content)
    assert path.title_zh_hans in chinese and path.title_en not in chinese
    assert path.title_en in english and path.title_zh_hans not in english
    stage = path.stages.first()
    assert stage.title_zh_hans in chinese
    # Not translated yet: the English text stands in.
    path.title_zh_hans = None
    path.save()
    assert path.title_en in html_text(client.get(f"/zh-hans/paths/{path.slug}/").content)


def test_the_admin_follows_the_curators_language(admin_client):
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    page = admin_client.get("/admin/")
    assert page.status_code == 200
    assert parse(page.content).find("html").attrs["lang"] == "zh-hans"
    assert "修改密码" in html_text(page.content)  # "Change password", in Django's own catalogue


def _messages_in_code() -> set[tuple[str | None, str]]:
    """(context, msgid) of every gettext call with literal text in the app's Python code."""
    simple = {"gettext", "gettext_lazy", "_", "ngettext", "ngettext_lazy"}
    contextual = {"pgettext", "pgettext_lazy", "npgettext", "npgettext_lazy"}
    found = set()
    root = Path(settings.BASE_DIR)
    for source in [*root.glob("learnpaths/**/*.py"), *root.glob("resources/**/*.py")]:
        if "migrations" in source.parts:
            continue
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            args = [a.value if isinstance(a, ast.Constant) else None for a in node.args]
            if name in simple and isinstance(args[0], str):
                found.add((None, args[0]))
            elif name in contextual and len(args) > 1 and isinstance(args[1], str):
                found.add((args[0], args[1]))
    return found


def test_every_message_in_the_code_is_in_the_catalogue():
    """Including a gettext call inside an f-string, which makemessages cannot see."""
    known = {(entry.msgctxt, entry.msgid) for entry in catalogue()}
    missing = sorted(_messages_in_code() - known, key=str)
    assert not missing


def test_search_finds_a_concept_by_its_summary_in_either_language_on_either_page(client, curated):
    concept = Concept.objects.get(slug="attention")
    english_word = [
        word.strip(".,:;")
        for word in concept.summary_en.split()
        if word.casefold() not in STOP_WORDS
    ][1]
    chinese_word = words(concept.summary_zh_hans)[0].surface  # its first word, as segmented
    for language in ("en", "zh-hans"):
        for word in (english_word, chinese_word):
            page = parse(client.get(f"/{language}/search/", {"q": word}).content)
            links = [a.attrs["href"] for a in page.find_all("a", class_="concept-chip")]
            assert f"/{language}/concepts/attention/" in links, (language, word)


def test_error_pages_forms_and_the_reset_e_mail_speak_chinese(client, db, django_user_model):
    missing = client.get("/zh-hans/concepts/nope/")
    assert missing.status_code == 404
    assert parse(missing.content).find("html").attrs["lang"] == "zh-Hans"
    assert not {" ".join(t.split()) for _, t in texts(missing.content)} & english_messages()

    refused = client.post(
        "/zh-hans/accounts/signup/",
        {"username": "li", "email": "li@example.org", "password1": "x", "password2": "y"},
    )
    assert refused.status_code == 200
    assert "输入的两个密码不一致" in html_text(refused.content)  # Django's own Chinese
    short = client.post(
        "/zh-hans/accounts/signup/",
        {"username": "li", "email": "li@example.org", "password1": "a1", "password2": "a1"},
    )
    assert "密码太短，至少需要 8 个字符。" in html_text(short.content)  # ours: Django lacks it

    django_user_model.objects.create_user("wang", "wang@example.org", "a-long-password-1")
    client.post("/zh-hans/accounts/password_reset/", {"email": "wang@example.org"})
    (message,) = mail.outbox
    assert re.search(r"[\u4e00-\u9fff]", message.subject)
    assert "/zh-hans/accounts/reset/" in message.body
    assert not any(line.strip() in english_messages() for line in message.body.splitlines())


def test_a_deadline_is_written_the_chinese_way_on_a_chinese_page(client, make):
    conference = make.resource(kind="conference", slug="conf")
    edition = ConferenceEdition.objects.create(conference=conference, year=2031)
    edition.deadlines.create(
        kind="paper", due=deadline_instant(dt.datetime(2031, 5, 6, 23, 59), "AoE")
    )
    english = html_text(client.get("/en/resources/conf/").content)
    chinese = html_text(client.get("/zh-hans/resources/conf/").content)
    assert "6 May 2031, 23:59 AoE" in english
    assert "2031年5月6日 23:59 AoE" in chinese


def test_every_curated_text_of_the_fixtures_is_written_in_chinese_too():
    untranslated = []
    for fixture in sorted((Path(settings.BASE_DIR) / "fixtures").glob("*.json")):
        document = json.loads(fixture.read_text(encoding="utf-8"))
        items = [(concept, ("summary", "body")) for concept in document.get("concepts", [])]
        for path in document.get("paths", []):
            items.append((path, ("title", "summary", "description")))
            for stage in path["stages"]:
                items.append((stage, ("title", "goal")))
                items += [(step, ("note",)) for step in stage["steps"]]
        for item, fields in items:
            for field in fields:
                if item.get(field) and not re.search(
                    r"[\u4e00-\u9fff]", item.get(f"{field}_zh_hans", "")
                ):
                    untranslated.append(
                        (fixture.name, item.get("slug") or item.get("resource"), field)
                    )
    assert not untranslated


def test_an_editions_dates_read_in_each_languages_order(client, make):
    conference = make.resource(kind="conference", slug="conf", title="Conf")
    ConferenceEdition.objects.create(
        conference=conference,
        year=2031,
        starts_on=dt.date(2031, 6, 1),
        ends_on=dt.date(2031, 6, 4),
        location="Denver",
    ).deadlines.create(kind="paper", due=deadline_instant(dt.datetime(2031, 1, 6, 23, 59), "AoE"))
    assert "Denver · 1 Jun–4 Jun 2031" in html_text(client.get("/en/").content)
    assert "Denver · 2031年6月1日–6月4日" in html_text(client.get("/zh-hans/").content)


def test_markdown_in_each_language_is_rendered_in_that_language(make):
    concept = make.concept(
        body="See[^1].\n\n[^1]: A note.", body_zh_hans="见[^1]。\n\n[^1]: 注释。"
    )
    assert "Jump back to footnote 1 in the text" in concept.body_html_en
    assert "返回正文中的第 1 个脚注" in concept.body_html_zh_hans


def test_a_choice_is_labelled_in_the_page_language_and_an_unknown_value_as_itself():
    from resources.models import Level, choice_label

    assert choice_label(Level, "beginner") == "Beginner"
    with translation.override("zh-hans"):
        assert choice_label(Level, "beginner") == "入门"
    assert choice_label(Level, "unheard-of") == "unheard-of"


def test_the_switch_survives_a_next_nested_thousands_deep(db):
    deep = "/en/accounts/login/?next=" * 3000 + "/en/"  # no "&": each `next` holds the rest
    response = Client().post("/i18n/setlang/", {"language": "zh-hans", "next": deep})
    # Too long for a redirect (Django refuses URLs over 2,048 characters): the home page.
    assert response.status_code == 302 and response["Location"] == "/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"


def test_a_concept_named_alike_in_both_languages_keeps_english_first_on_english_pages(make):
    concept = make.concept(name="Transformer", name_zh="Transformer")
    assert concept.names == ("Transformer", "Transformer", "zh-Hans")
    with translation.override("zh-hans"):
        assert concept.names == ("Transformer", "Transformer", "en")
