"""The one Markdown renderer: every Markdown field goes through `render_markdown` on save."""

import re
import secrets
import xml.etree.ElementTree as etree  # nosec B405: builds elements, parses no XML
from html import unescape

import markdown
import nh3
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext
from latex2mathml.converter import convert_to_element as latex_to_mathml
from markdown.blockprocessors import BlockProcessor
from markdown.extensions import Extension
from markdown.extensions.footnotes import FootnoteExtension
from markdown.inlinepatterns import InlineProcessor
from markdown.util import ETX, STX, AtomicString
from modeltranslation.utils import build_localized_fieldname
from pymdownx import arithmatex
from pymdownx.util import escape_chars

MARKDOWN_EXTENSIONS = ["fenced_code", "tables", "sane_lists", "def_list", "abbr"]

MATHML_TAGS = {
    "math", "menclose", "mfrac", "mi", "mn", "mo", "mover", "mpadded", "mphantom", "mroot",
    "mrow", "mspace", "msqrt", "mstyle", "msub", "msubsup", "msup", "mtable", "mtd", "mtext",
    "mtr", "munder", "munderover",
}  # fmt: skip
# Presentation attributes only: no href (MathML links), no style (the CSP forbids inline styles).
MATHML_ATTRIBUTES = {
    "accent", "columnalign", "columnlines", "columnspacing", "depth", "display", "displaystyle",
    "fence", "form", "height", "largeop", "linethickness", "lspace", "mathbackground",
    "mathcolor", "mathsize", "mathvariant", "maxsize", "minsize", "movablelimits", "notation",
    "rowlines", "rowspacing", "rspace", "scriptlevel", "separator", "stretchy", "voffset",
    "width", "xmlns",
}  # fmt: skip

ALLOWED_TAGS = {
    "a", "abbr", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em", "h2", "h3",
    "h4", "h5", "h6", "hr", "img", "li", "ol", "p", "pre", "span", "strong", "sub", "sup", "table",
    "tbody", "td", "tfoot", "th", "thead", "tr", "ul", *MATHML_TAGS,
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "id"},
    "abbr": {"title"},
    "code": {"class"},
    # A wide formula scrolls in its own box, which keyboard users reach with Tab.
    "div": {"class", "tabindex"},
    "span": {"class", "tabindex"},
    "img": {"src", "alt", "title", "width", "height"},
    "li": {"id"},
    "sup": {"id"},
    "td": {"align"},
    "th": {"align"},
    **dict.fromkeys(MATHML_TAGS, MATHML_ATTRIBUTES),
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}

# Longer LaTeX is shown as written, as code, without converting it: converting grows with the
# length (a 960 KB expression took 23 s and gave a 10 MB page). No formula in a learning resource
# comes near it; a 40-column matrix is about 400 characters.
MAX_MATH_LENGTH = 2000
# Inline LaTeX longer than this may be wider than a phone's line.
LONG_INLINE_MATH = 30


def render_markdown(text: str) -> str:
    """Render Markdown to HTML that is safe to print unescaped.

    The output is sanitised with nh3 against an allowlist: no scripts, event handlers, inline
    styles, iframes or javascript:/data: URLs; every link gets rel="noopener noreferrer".
    A document's headings start at <h2>, since the page already has its <h1>.

    Math is rendered to MathML: inline as `$…$` or `\\(…\\)`, on its own lines as `$$…$$`,
    `\\[…\\]` or `\\begin{env}…\\end{env}`. A dollar sign followed by a space, or a closing one
    preceded by a space, is text ("$5 and $10" stays as it is), as in pandoc; `\\$` is a dollar.

    Several fields are shown on one page (a path's description and its steps' notes), so the
    ids this document generates (footnotes) carry a random prefix of their own, and ids written
    in the text itself are dropped: no two ids on a page can clash.
    """
    if not text:
        return ""
    prefix = secrets.token_hex(4)
    footnotes = FootnoteExtension(
        SEPARATOR=f"-{prefix}-",
        # In the active language (each language's text is rendered in its own language).
        BACKLINK_TITLE=gettext("Jump back to footnote %d in the text"),
    )
    html = markdown.markdown(
        text,
        extensions=[*MARKDOWN_EXTENSIONS, footnotes, MathExtension()],
        output_format="html",
    )
    html = html.replace("<h1", "<h2").replace("</h1>", "</h2>") if "<h1" in html else html
    own_ids = (f"fn-{prefix}-", f"fnref-{prefix}-")

    def keep_own_ids(element: str, attribute: str, value: str) -> str | None:
        if attribute == "id" and not value.startswith(own_ids):
            return None
        return value

    html = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=keep_own_ids,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
    # A code block wider than the page scrolls sideways in its box (site.css): keyboard users
    # reach it with Tab to scroll it. nh3 has removed every attribute of <pre>, so this is the
    # whole tag.
    return html.replace("<pre>", '<pre tabindex="0">')


def _mathml(latex: str, *, display: bool) -> etree.Element:
    """`latex` as a MathML element whose text Markdown leaves alone; LaTeX that cannot be
    converted, or that is longer than `MAX_MATH_LENGTH` characters, is shown as written, as code."""
    code = etree.Element("code")
    code.text = AtomicString(latex)
    if len(latex) > MAX_MATH_LENGTH:
        return code
    try:
        math = latex_to_mathml(latex, display="block" if display else "inline")
    except Exception:
        return code
    for element in math.iter():
        # latex2mathml leaves character references (&#x003D5;) in the text, to be unescaped in
        # its own serialiser; here the text is given as characters, and escaped on output.
        if element.text:
            element.text = AtomicString(unescape(element.text))
        if element.tail:
            element.tail = AtomicString(unescape(element.tail))
    return math


class _InlineMath(InlineProcessor):
    """`$…$` and `\\(…\\)`, with pymdown-extensions' patterns (Arithmatex's smart dollars)."""

    PATTERN = f"(?:{arithmatex.RE_SMART_DOLLAR_INLINE}|{arithmatex.RE_BRACKET_INLINE})"

    def handleMatch(self, m, data):
        groups = m.groups()
        escaped_backslashes = groups[0] or groups[3]
        if escaped_backslashes:
            # Pairs of backslashes before a dollar: each is one literal backslash, not an escape.
            literal = escaped_backslashes.replace("\\\\", f"{STX}{ord(chr(92))}{ETX}")
            return literal, m.start(0), m.end(0)
        latex = groups[2] or groups[5]
        math = _mathml(latex, display=False)
        if math.tag == "math" and len(latex) > LONG_INLINE_MATH:
            # It may be wider than a phone's line: it scrolls in a box of its own (site.css),
            # which a keyboard user can reach to scroll it.
            box = etree.Element("span", {"class": "math-inline", "tabindex": "0"})
            box.append(math)
            return box, m.start(0), m.end(0)
        return math, m.start(0), m.end(0)


class _InlineDisplayMath(InlineProcessor):
    """`$$…$$` that does not stand alone as a block: within a paragraph ("Einstein $$E=mc^2$$
    said"), or on lines of their own with no blank line around them, as pandoc reads it. The
    formula is shown as a block (`<math display="block">` may sit in a paragraph)."""

    PATTERN = r"(?s)(?<!\\)\$\$(?!\$)((?:\\.|[^\\$\x02\x03])+?)(?<!\\)\$\$"

    def handleMatch(self, m, data):
        wrapper = _display_box("span")
        wrapper.append(_mathml(m.group(1).strip(), display=True))
        return wrapper, m.start(0), m.end(0)


def _display_box(tag: str) -> etree.Element:
    """The box a display formula sits in: it scrolls sideways when the formula is wider than
    the page (site.css), and takes the keyboard focus so that it can be scrolled without a
    mouse. A `span` inside a paragraph, a `div` on its own."""
    return etree.Element(tag, {"class": "math-display", "tabindex": "0"})


class _DisplayMath(BlockProcessor):
    """A block of `$$…$$`, `\\[…\\]` or `\\begin{env}…\\end{env}`."""

    PATTERN = re.compile(
        rf"(?s)^(?:{arithmatex.RE_DOLLAR_BLOCK}|{arithmatex.RE_BRACKET_BLOCK}"
        rf"|{arithmatex.RE_TEX_BLOCK})[ ]*$"
    )

    def test(self, parent, block):
        self.match = self.PATTERN.match(block)
        return self.match is not None

    def run(self, parent, blocks):
        blocks.pop(0)
        groups = self.match.groupdict()
        latex = groups["math"] or groups["math2"] or groups["math3"]
        wrapper = _display_box("div")
        parent.append(wrapper)
        wrapper.append(_mathml(latex, display=True))


class MathExtension(Extension):
    def extendMarkdown(self, md):
        escape_chars(md, ["$"])
        # Priorities as Arithmatex's: after code spans, before emphasis.
        md.inlinePatterns.register(
            _InlineDisplayMath(_InlineDisplayMath.PATTERN, md), "math-inline-display", 189.95
        )
        md.inlinePatterns.register(_InlineMath(_InlineMath.PATTERN, md), "math-inline", 189.9)
        md.parser.blockprocessors.register(_DisplayMath(md.parser), "math-block", 79.9)


def render_markdown_fields(instance, *fields: tuple[str, str]) -> None:
    """Render each `(source, target)` pair of Markdown fields of `instance`, in place.

    A field translated with modeltranslation is rendered once per language of
    `settings.LANGUAGES` (`summary_zh_hans` → `summary_html_zh_hans`), so each language has its
    own HTML and an empty translation falls back to the default language's HTML on reading; an
    untranslated field is rendered once (`description` → `description_html`).
    """
    for source, target in fields:
        localized = [build_localized_fieldname(source, code) for code, _name in settings.LANGUAGES]
        if not all(hasattr(instance, name) for name in localized):
            setattr(instance, target, render_markdown(getattr(instance, source)))
            continue
        for code, _name in settings.LANGUAGES:
            text = getattr(instance, build_localized_fieldname(source, code)) or ""
            with translation.override(code):  # the footnotes' link titles in the text's language
                html = render_markdown(text)
            setattr(instance, build_localized_fieldname(target, code), html)
