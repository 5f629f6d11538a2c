import pytest

from learnpaths.rendering import render_markdown

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
    assert '<a href="https://arxiv.org/abs/1706.03762" rel="noopener noreferrer">a link</a>' in html
    assert "<table>" in html and "<td>1</td>" in html
    assert '<code class="language-python">' in html


def test_empty_text_renders_empty():
    assert render_markdown("") == ""
