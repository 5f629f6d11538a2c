"""The one Markdown renderer: every Markdown field goes through `render_markdown` on save."""

import markdown
import nh3

MARKDOWN_EXTENSIONS = ["fenced_code", "tables", "sane_lists", "footnotes", "def_list", "abbr"]

ALLOWED_TAGS = {
    "a", "abbr", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em", "h2", "h3",
    "h4", "h5", "h6", "hr", "img", "li", "ol", "p", "pre", "strong", "sub", "sup", "table",
    "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "id"},
    "abbr": {"title"},
    "code": {"class"},
    "div": {"class"},
    "img": {"src", "alt", "title", "width", "height"},
    "li": {"id"},
    "sup": {"id"},
    "td": {"align"},
    "th": {"align"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}


def render_markdown(text: str) -> str:
    """Render Markdown to HTML that is safe to print unescaped.

    The output is sanitised with nh3 against an allowlist: no scripts, event handlers, inline
    styles, iframes or javascript:/data: URLs; every link gets rel="noopener noreferrer".
    A document's headings start at <h2>, since the page already has its <h1>.
    """
    if not text:
        return ""
    html = markdown.markdown(text, extensions=MARKDOWN_EXTENSIONS, output_format="html")
    html = html.replace("<h1", "<h2").replace("</h1>", "</h2>") if "<h1" in html else html
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
