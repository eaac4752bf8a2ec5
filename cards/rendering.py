"""Card Markdown → safe HTML.

One renderer for import, editor preview and re-render. Pure: no Django, no I/O.

The pipeline, in order:

1. Fenced code blocks are cut out first and highlighted with Pygments (CSS classes only,
   ``<div class="highlight"><pre><code>…``). The first word of the info string is the language
   (unknown ones fall back to plain text); a second word ``run`` marks a runnable self-checking
   snippet and only adds the class ``runnable`` to the wrapper.
2. Python-Markdown parses the rest (tables, sane lists; no nl2br). Math is an inline pattern that
   runs right after code spans and before escapes, emphasis and links, so ``_``, ``*`` and ``\\``
   inside ``$…$`` / ``$$…$$`` reach latex2mathml untouched while ``$`` in code stays literal.
   A formula latex2mathml cannot parse is shown as ``<code class="math-error">`` source.
3. nh3 sanitises the whole result with the allow-lists below: HTML tags Markdown and Pygments
   produce, MathML tags latex2mathml produces, no ``style``, no event handlers, no SVG, no
   ``href`` on MathML (latex2mathml's ``\\href`` and ``\\text{<script>}`` pass straight through to
   its output), links only to http, https and mailto URLs. Images are dropped: cards would
   otherwise load third-party URLs from the review page (tracking, CSP).

Math delimiters follow pandoc: an opening ``$`` must be followed by a non-space, a closing ``$``
preceded by a non-space and not followed by a digit, so "costs $5 and $6" stays text; ``\\$`` is
a literal dollar sign.
"""

from __future__ import annotations

import re
from html import escape

import markdown
import nh3
from latex2mathml.converter import convert as latex_to_mathml
from markdown.extensions import Extension
from markdown.extensions.tables import TableExtension
from markdown.inlinepatterns import InlineProcessor
from markdown.preprocessors import Preprocessor
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.lexers.special import TextLexer
from pygments.token import STANDARD_TYPES
from pygments.util import ClassNotFound

__all__ = ["RENDERER_VERSION", "pygments_css", "render_html", "render_markdown"]

RENDERER_VERSION = 4
"""Bump when the same Markdown renders differently: stored cards are then re-rendered
(``manage.py rerender_cards``, and re-imports)."""

LIGHT_STYLE = "default"
DARK_STYLE = "github-dark"

_FORMATTER = HtmlFormatter(style=LIGHT_STYLE, cssclass="highlight", wrapcode=True)
_RUNNABLE_FORMATTER = HtmlFormatter(
    style=LIGHT_STYLE, cssclass="highlight runnable", wrapcode=True
)
_DARK_FORMATTER = HtmlFormatter(style=DARK_STYLE, cssclass="highlight")

# A fence: three or more backticks or tildes, an info string, the code, the same fence again.
_FENCE_RE = re.compile(
    r"^(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`\n]*)\n(?P<code>.*?)(?<=\n)(?P=fence)[ \t]*$",
    re.MULTILINE | re.DOTALL,
)

# Inside math, a backslash escapes the next character (so "\$" never closes a formula), and
# \x02/\x03 (Markdown's placeholders for code spans already taken out) never appear.
_MATH_RE = (
    r"(?<![\\$])"  # neither escaped nor the second "$" of "$$"
    r"(?:\$\$(?P<display>(?:\\.|[^\\$\x02\x03]|\$(?!\$))+?)\$\$"
    r"|\$(?![\s$])(?P<inline>(?:\\.|[^\\$\x02\x03])+?)(?<!\s)\$(?!\d))"
)

_HTML_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em", "i", "u",
    "small",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "ins", "kbd", "li", "mark", "ol", "p", "pre",
    "s", "span", "strong", "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
_MATHML_TAGS = {
    "math", "menclose", "mfrac", "mi", "mmultiscripts", "mn", "mo", "mover", "mpadded",
    "mphantom", "mprescripts", "mroot", "mrow", "ms", "mspace", "msqrt", "mstyle", "msub",
    "msubsup", "msup", "mtable", "mtd", "mtext", "mtr", "munder", "munderover", "none",
    "semantics", "annotation",
}  # fmt: skip
_MATHML_ATTRIBUTES = {
    "accent", "accentunder", "columnalign", "columnlines", "columnspacing", "depth", "display",
    "displaystyle", "encoding", "fence", "form", "frame", "height", "largeop", "linebreak",
    "linethickness", "lspace", "mathbackground", "mathcolor", "mathsize", "mathvariant",
    "maxsize", "minsize", "movablelimits", "notation", "rowalign", "rowlines", "rowspacing",
    "rspace", "scriptlevel", "separator", "stretchy", "symmetric", "voffset", "width",
}  # fmt: skip
_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "ol": {"start"},
    "td": {"align"},
    "th": {"align"},
    **{tag: _MATHML_ATTRIBUTES for tag in _MATHML_TAGS},
}
# Only the classes this module emits: user HTML cannot borrow the page's own classes.
# (nh3 panics if a tag lists "class" both here and in _ATTRIBUTES.)
_TOKEN_CLASSES = {*STANDARD_TYPES.values(), *_FORMATTER.class2style, *_DARK_FORMATTER.class2style}
_CLASSES = {
    "div": {"highlight", "runnable"},
    "span": _TOKEN_CLASSES - {""},
    "code": {"math-error"},
}
_CLEANER = nh3.Cleaner(
    tags=_HTML_TAGS | _MATHML_TAGS,
    attributes=_ATTRIBUTES,
    allowed_classes=_CLASSES,
    url_schemes={"http", "https", "mailto"},
    url_relative="deny",
    link_rel="noopener noreferrer",
)


def render_markdown(text: str) -> str:
    """Card Markdown → safe HTML fragment."""
    md = markdown.Markdown(
        extensions=[_CardExtension(), TableExtension(use_align_attribute=True), "sane_lists"],
        output_format="html",
    )
    return _CLEANER.clean(md.convert(text))


def render_html(html: str) -> str:
    """Card HTML (from Anki) → the same safe subset as rendered Markdown, not parsed as Markdown."""
    return _CLEANER.clean(html)


def pygments_css() -> str:
    """The highlight CSS for light and dark themes (cards/static/cards/pygments.css).

    Light and dark rules never both apply, so no light-only property leaks into the dark theme:
    ``<html data-theme="light|dark">`` forces a theme, no ``data-theme`` follows the system.
    """
    light, dark = _FORMATTER, _DARK_FORMATTER
    return "\n".join([
        "/* Generated by cards.rendering.pygments_css(): do not edit. */",
        f"/* Light: Pygments {LIGHT_STYLE!r}. Dark: Pygments {DARK_STYLE!r}. */",
        "@media (prefers-color-scheme: light) {",
        _style_defs(light, ':root:not([data-theme="dark"]) .highlight', indent="  "),
        "}",
        _style_defs(light, ':root[data-theme="light"] .highlight'),
        "@media (prefers-color-scheme: dark) {",
        _style_defs(dark, ':root:not([data-theme="light"]) .highlight', indent="  "),
        "}",
        _style_defs(dark, ':root[data-theme="dark"] .highlight'),
        "",
    ])  # fmt: skip


def _style_defs(formatter: HtmlFormatter[str], scope: str, *, indent: str = "") -> str:
    # Background and token rules only: get_style_defs() would add unscoped `pre { … }` rules.
    rules = formatter.get_background_style_defs(scope) + formatter.get_token_style_defs(scope)
    return "\n".join(indent + rule for rule in rules)


class _CardExtension(Extension):
    """Fenced code with Pygments, and math through latex2mathml."""

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        # After whitespace normalisation (30), before raw HTML blocks are stashed (20).
        md.preprocessors.register(_FencePreprocessor(md), "fenced_code_block", 25)
        md.preprocessors.register(_ListSpacingPreprocessor(md), "list_spacing", 22)
        # After code spans (190), before backslash escapes (180) and everything else.
        md.inlinePatterns.register(_MathInlineProcessor(_MATH_RE, md), "math", 185)
        md.ESCAPED_CHARS.append("$")


class _FencePreprocessor(Preprocessor):
    """Replace each fenced code block by a placeholder for its highlighted HTML."""

    def run(self, lines: list[str]) -> list[str]:
        return _FENCE_RE.sub(self._stash, "\n".join(lines)).split("\n")

    def _stash(self, match: re.Match[str]) -> str:
        html = _highlight(match["code"], info=match["info"])
        # Blank lines around make the placeholder a block of its own, never part of a paragraph.
        return f"\n\n{self.md.htmlStash.store(html)}\n\n"


# A bullet item, or an ordered item numbered 1: the lists CommonMark lets interrupt a paragraph.
_LIST_START_RE = re.compile(r"^ {0,3}(?:[-*+]|1[.)])[ \t]+\S")
_LIST_ITEM_RE = re.compile(r"^ {0,3}(?:[-*+]|\d{1,9}[.)])[ \t]+\S")


class _ListSpacingPreprocessor(Preprocessor):
    """Let a list start right under a paragraph line, as CommonMark (GitHub, Obsidian) does.

    Python-Markdown wants a blank line first and would otherwise run the items into the
    paragraph as text; notes written for other tools rely on it, so the blank line is added.
    """

    def run(self, lines: list[str]) -> list[str]:
        spaced: list[str] = []
        in_display_math = False
        for line in lines:
            previous = spaced[-1] if spaced else ""
            if (
                not in_display_math
                and _LIST_START_RE.match(line)
                and previous.strip()
                and not previous[0].isspace()
                and not _LIST_ITEM_RE.match(previous)
            ):
                spaced.append("")
            spaced.append(line)
            in_display_math ^= line.count("$$") % 2 == 1
        return spaced


def _highlight(code: str, *, info: str) -> str:
    language, *flags = info.split() or [""]
    formatter = _RUNNABLE_FORMATTER if flags[:1] == ["run"] else _FORMATTER
    return highlight(code, _lexer(language), formatter)


def _lexer(language: str) -> Lexer:
    try:
        return get_lexer_by_name(language)
    except ClassNotFound:
        return TextLexer()


class _MathInlineProcessor(InlineProcessor):
    """``$…$`` → inline MathML, ``$$…$$`` → display MathML, stashed away from Markdown."""

    def handleMatch(self, m: re.Match[str], data: str) -> tuple[str, int, int]:
        if m["display"] is not None:
            html = _math(m["display"], display="block")
        else:
            html = _math(m["inline"], display="inline")
        return self.md.htmlStash.store(html), m.start(0), m.end(0)


# Standard LaTeX that latex2mathml gets wrong, rewritten into forms it renders correctly:
# it reads the "&" of ``aligned`` as an identifier (``align*`` is the same layout), sets
# ``\operatorname`` in italics after an empty operator, and does not know ``\arg``.
_LATEX_REWRITES = [
    (re.compile(r"\\(begin|end)\{aligned\}"), r"\\\1{align*}"),
    (re.compile(r"\\operatorname\*?\s*\{"), r"\\mathrm{"),
    (re.compile(r"\\arg\s*\\(max|min)(?![a-zA-Z])"), r"\\arg\1"),
    (re.compile(r"\\arg(?![a-zA-Z])"), r"\\mathrm{arg}"),
]
# After \big, \Big, \bigg, \Bigg it copies the delimiter's LaTeX name into <mo> verbatim.
_SIZED_DELIMITERS = {
    r"\{": "{", r"\}": "}", r"\lbrace": "{", r"\rbrace": "}", r"\|": "‖", r"\Vert": "‖",
    r"\lVert": "‖", r"\rVert": "‖", r"\vert": "|", r"\lvert": "|", r"\rvert": "|",
    r"\langle": "⟨", r"\rangle": "⟩", r"\lfloor": "⌊", r"\rfloor": "⌋", r"\lceil": "⌈",
    r"\rceil": "⌉",
}  # fmt: skip
_SIZED_DELIMITER_RE = re.compile(r"(<mo\b[^>]*>)(\\[a-zA-Z]+|\\[{}|])(</mo>)")
# TeX sets a thin space between \log, \exp… and a following argument ("log p", not "logp").
_FUNCTION_NAME_RE = re.compile(
    r"(<mi>(?:log|ln|exp|sin|cos|tan|tanh|det|dim|ker|Pr|lg)</mi>)(?=<m(?:i|n|sub|sup|subsup)\b)"
)


def _math(latex: str, *, display: str) -> str:
    rewritten = latex
    for pattern, replacement in _LATEX_REWRITES:
        rewritten = pattern.sub(replacement, rewritten)
    try:
        mathml = latex_to_mathml(rewritten, display=display)
    except Exception:  # latex2mathml raises many types (even StopIteration) on bad input
        return f'<code class="math-error">{escape(latex)}</code>'
    mathml = _SIZED_DELIMITER_RE.sub(
        lambda m: m[1] + _SIZED_DELIMITERS.get(m[2], m[2]) + m[3], mathml
    )
    return _FUNCTION_NAME_RE.sub(r'\1<mspace width="0.1667em"></mspace>', mathml)
