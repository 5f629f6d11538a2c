import importlib

import pytest

from learnpaths.core.markdown import render_markdown
from learnpaths.models import Step
from resources.models import CatalogueVersion, Resource
from tests._migrations import migrate
from tests.html import elements, hrefs, html_text, ids, parse, texts

XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<body onload=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](  javascript:alert(1))",
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    '<iframe src="https://evil.example"></iframe>',
    '<p style="background:url(javascript:alert(1))">x</p>',
    "<object data=x></object><embed src=x>",
    '<form action="https://evil.example"><input name=a></form>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<div onmouseover=alert(1)>hover</div>",
    '<a href="vbscript:msgbox(1)">x</a>',
    "<meta http-equiv=refresh content='0;url=javascript:alert(1)'>",
    "<link rel=stylesheet href=https://evil.example/x.css>",
    '<base href="https://evil.example/">',
    "<details open ontoggle=alert(1)>",
    "[x](&#106;avascript:alert(1))",
]


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_xss_payloads_do_not_survive(payload):
    html = render_markdown(payload).lower()
    for dangerous in (
        "<script", "onerror", "onload", "onmouseover", "ontoggle", "javascript:", "vbscript:",
        "data:", "<iframe", "style=", "<object", "<embed", "<form", "<meta", "<link", "<base",
        "<svg", "<style",
    ):  # fmt: skip
        assert dangerous not in html, (payload, html)


def test_markdown_features_survive():
    html = render_markdown(
        "# Title\n\n**bold** and [a link](https://arxiv.org/abs/1706.03762)\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n\n```python\nx = 1\n```"
    )
    assert "<h2>Title</h2>" in html
    assert "<strong>bold</strong>" in html
    link = parse(html).find("a", href="https://arxiv.org/abs/1706.03762")
    assert link.text == "a link" and link.attrs["rel"] == "noopener noreferrer"
    assert "<table>" in html and "<td>1</td>" in html
    assert parse(html).find("code", class_="language-python") is not None


def test_empty_text_renders_empty():
    assert render_markdown("") == ""


# -- footnotes: ids unique on a page --------------------------------------------------------------

FOOTNOTED = "A claim.[^1] Another.[^note]\n\n[^1]: The source.\n[^note]: A remark."


def internal_links_resolve_within(html):
    field_ids = set(ids(html))
    targets = [href[1:] for href in hrefs(html) if href.startswith("#")]
    return bool(targets) and all(target in field_ids for target in targets)


def test_two_renderings_of_footnotes_share_no_id():
    first, second = render_markdown(FOOTNOTED), render_markdown(FOOTNOTED)
    assert internal_links_resolve_within(first) and internal_links_resolve_within(second)
    assert not set(ids(first)) & set(ids(second))


def test_ids_written_in_the_text_are_dropped():
    html = render_markdown('<a id="main" href="#main">skip</a> <sup id="fn:1">1</sup>')
    assert ids(html) == []


def test_a_page_with_footnotes_in_several_fields_has_unique_ids(client, make):
    path = make.path(stages=1, steps_per_stage=3, description=FOOTNOTED)
    for step in Step.objects.filter(stage__path=path):
        step.note = FOOTNOTED  # the same text in every field: still one id each
        step.save()
    page = client.get(path.get_absolute_url()).content.decode()
    page_ids = ids(page)
    assert len(page_ids) == len(set(page_ids))
    fields = [path.description_html, *Step.objects.values_list("note_html", flat=True)]
    for field in fields:
        assert field in page
        assert internal_links_resolve_within(field)


# -- math -----------------------------------------------------------------------------------------


def math_elements(html):
    return [(tag, text) for tag, text in texts(html) if tag in {"mi", "mo", "mn", "mtext"}]


def test_inline_math_becomes_mathml_not_emphasis():
    html = render_markdown(r"A kernel $\phi(x)*\phi(y)$ is an inner product.")
    assert "<em>" not in html and "<math" in html
    assert math_elements(html) == [
        ("mi", "ϕ"), ("mo", "("), ("mi", "x"), ("mo", ")"), ("mo", "*"),
        ("mi", "ϕ"), ("mo", "("), ("mi", "y"), ("mo", ")"),
    ]  # fmt: skip
    assert ("math", {"display": "inline", "xmlns": "http://www.w3.org/1998/Math/MathML"}) in [
        (tag, attrs) for tag, attrs in elements(html)
    ]


@pytest.mark.parametrize(
    ("text", "display"),
    [
        ("$$\n\\sum_i x_i^2\n$$", "block"),
        ("\\[\n\\sum_i x_i^2\n\\]", "block"),
        ("Here \\(\\sum_i x_i^2\\) inline.", "inline"),
        ("Here $\\sum_i x_i^2$ inline.", "inline"),
    ],
)
def test_display_and_bracketed_math(text, display):
    html = render_markdown(text)
    (math,) = [attrs for tag, attrs in elements(html) if tag == "math"]
    assert math["display"] == display
    assert ("mo", "∑") in math_elements(html) and ("mn", "2") in math_elements(html)


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("It costs $5 and $10.", "It costs $5 and $10."),
        ("Between $ 5 and 10 $ a day.", "Between $ 5 and 10 $ a day."),
        (r"A literal \$x\$ here.", "A literal $x$ here."),
        ("Code `$x$` stays.", "Code $x$ stays."),
    ],
)
def test_dollars_that_are_not_math_stay_text(text, shown):
    html = render_markdown(text)
    assert "<math" not in html
    assert html_text(html) == shown


@pytest.mark.parametrize(
    "latex",
    [
        r"$\text{<script>alert(1)</script>}$",
        r"$\text{<img src=x onerror=alert(1)>}$",
        r"$\href{javascript:alert(1)}{x}$",
        "$<script>alert(1)</script>$",
        "$$\n\\text{<iframe src=https://evil.example>}\n$$",
        r'$x \style{color:red}{y} \class{a" onclick="alert(1)}{z}$',
    ],
)
def test_script_injection_inside_math_is_inert(latex):
    html = render_markdown(latex)
    for tag, attrs in elements(html):
        assert tag not in {"script", "img", "iframe", "style"}, html
        assert not any(name.startswith("on") or name in {"href", "style"} for name in attrs), html


def test_broken_latex_is_shown_as_written():
    html = render_markdown(r"See $\frac{1}{$ here.")
    assert r"<code>\frac{1}{</code>" in html


def test_math_is_rendered_on_the_resource_page(client, make):
    resource = make.resource(description=r"Uses $\phi(x)*\phi(y)$ throughout.")
    page = client.get(resource.get_absolute_url()).content.decode()
    assert "<math" in page and "<mi>ϕ</mi>" in page


def test_the_migration_renders_rows_saved_before_again(back_to_latest, make):
    migration = importlib.import_module("learnpaths.migrations.0011_rerender_markdown")
    resource = make.resource(description=r"Uses $\phi(x)*\phi(y)$.")
    path = make.path(description=FOOTNOTED)
    # The catalogue version was still a model of learnpaths then (resources 0010 moved it).
    old = migrate(
        [
            ("learnpaths", "0013_rerender_markdown_scroll_boxes"),
            ("resources", "0009_tag_names_unique_ignoring_case"),
        ]
    )
    Resource.objects.update(description_html="<p>Uses $\\phi(x)<em>\\phi(y)$.</p>")
    old.get_model("learnpaths", "LearningPath").objects.update(
        description_html='<sup id="fnref:1">old</sup>'
    )
    OldVersion = old.get_model("learnpaths", "CatalogueVersion")
    version = OldVersion.objects.get_or_create(pk=1)[0].number
    migration.rerender(old, None)
    migrate()
    resource.refresh_from_db()
    path.refresh_from_db()
    assert "<math" in resource.description_html and "<em>" not in resource.description_html
    assert internal_links_resolve_within(path.description_html)
    assert CatalogueVersion.objects.get(pk=1).number == version + 1


@pytest.mark.parametrize(
    ("text", "before", "after"),
    [
        ("Einstein $$E=mc^2$$ said", "Einstein", "said"),
        ("line\n$$\nE=mc^2\n$$\nend", "line", "end"),
        ("$$E=mc^2$$ opens the paragraph", "", "opens the paragraph"),
        ("The paragraph ends with $$E=mc^2$$", "The paragraph ends with", ""),
        ("- first\n- Einstein $$E=mc^2$$ said", "first Einstein", "said"),
        ("- first\n- line\n  $$\n  E=mc^2\n  $$\n  end", "first line", "end"),
    ],
    ids=["in-a-sentence", "own-lines", "paragraph-start", "paragraph-end", "list", "list-lines"],
)
def test_display_math_inside_a_paragraph_is_display_math(text, before, after):
    html = render_markdown(text)
    (math,) = [attrs for tag, attrs in elements(html) if tag == "math"]
    assert math["display"] == "block"
    assert math_elements(html) == [("mi", "E"), ("mo", "="), ("mi", "m"), ("mi", "c"), ("mn", "2")]
    assert " ".join(html_text(html).split()) == " ".join(f"{before} E=mc2 {after}".split())


@pytest.mark.parametrize("delimiters", [("$", "$"), ("$$", "$$"), ("$$\n", "\n$$")])
def test_math_longer_than_the_limit_is_shown_as_code_not_converted(delimiters):
    latex = "x-" * 1200 + "x"
    html = render_markdown(f"Long {delimiters[0]}{latex}{delimiters[1]} math")
    assert "<math" not in html
    assert (("code", latex)) in texts(html)


def test_math_up_to_the_limit_is_converted():
    latex = "x-" * 999 + "x"  # 1 999 characters
    html = render_markdown(f"Long ${latex}$ math")
    assert "<math" in html and "<code>" not in html
