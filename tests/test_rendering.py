from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cards.rendering import pygments_css, render_markdown

CSS_FILE = Path(__file__).resolve().parent.parent / "cards" / "static" / "cards" / "pygments.css"
REGENERATE = (
    ".venv/bin/python -c \"from cards.rendering import pygments_css; "
    "print(pygments_css(), end='')\" > cards/static/cards/pygments.css"
)

EVENT_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
MATHML_HREF = re.compile(r"<m[a-z]*\b[^>]*\b(?:xlink:)?href\s*=", re.IGNORECASE)


def assert_inert(html: str) -> None:
    lowered = html.lower()
    assert "<script" not in lowered
    assert not EVENT_HANDLER.search(html)
    assert "javascript:" not in lowered
    assert "data:" not in lowered
    assert "<svg" not in lowered
    assert "<iframe" not in lowered
    assert "<form" not in lowered
    assert "<input" not in lowered
    assert "<img" not in lowered
    assert "style=" not in lowered
    assert not MATHML_HREF.search(html)


class TestMarkdownBasics:
    def test_paragraphs(self):
        assert render_markdown("one\n\ntwo") == "<p>one</p>\n<p>two</p>"

    def test_single_newline_is_not_a_break(self):
        assert "<br" not in render_markdown("one\ntwo")

    def test_emphasis(self):
        assert render_markdown("*a* **b**") == "<p><em>a</em> <strong>b</strong></p>"

    def test_lists_are_sane(self):
        html = render_markdown("1. a\n2. b\n\n* c")
        assert "<ol>\n<li>a</li>\n<li>b</li>\n</ol>" in html
        assert "<ul>\n<li>c</li>\n</ul>" in html

    def test_list_right_under_a_paragraph_line(self):
        html = render_markdown("**Gotchas:**\n- one\n- two\n\nDone.")
        assert "<ul>\n<li>one</li>\n<li>two</li>\n</ul>" in html
        assert "<strong>Gotchas:</strong>" in html

    def test_ordered_list_interrupts_a_paragraph_only_from_1(self):
        assert "<ol>" in render_markdown("Steps:\n1. first\n2. second")
        assert "<ol>" not in render_markdown("The year was\n1984. It rained.")

    def test_ordered_list_keeps_start(self):
        assert '<ol start="3">' in render_markdown("3. c\n4. d")

    def test_table_with_alignment_attributes(self):
        html = render_markdown("| a | b |\n|:--|--:|\n| 1 | 2 |")
        assert '<th align="left">a</th>' in html
        assert '<td align="right">2</td>' in html

    def test_inline_code(self):
        assert render_markdown("use `x < y`") == "<p>use <code>x &lt; y</code></p>"

    def test_link_gets_rel(self):
        html = render_markdown("[docs](https://example.com)")
        assert html == '<p><a href="https://example.com" rel="noopener noreferrer">docs</a></p>'

    def test_images_are_dropped(self):
        assert "<img" not in render_markdown("![plot](https://example.com/plot.png)")


class TestFencedCode:
    def test_highlighted_with_pygments_classes(self):
        html = render_markdown("```python\ndef f():\n    return 1\n```")
        assert html.startswith('<div class="highlight"><pre>')
        assert '<span class="k">def</span>' in html
        assert '<span class="nf">f</span>' in html

    def test_python_run_renders_as_python(self):
        html = render_markdown("```python run\nassert 1 + 1 == 2\n```")
        assert html.startswith('<div class="highlight runnable"><pre>')
        assert '<span class="k">assert</span>' in html

    def test_run_never_shows_as_text(self):
        html = render_markdown("```python run\nx = 1\n```")
        assert "run" not in re.sub(r"<[^>]+>", "", html)

    def test_unknown_language_falls_back_to_plain_text(self):
        html = render_markdown("```no-such-language\nplain words\n```")
        assert html.startswith('<div class="highlight"><pre>')
        assert "plain words" in html

    def test_fence_without_language(self):
        assert "x = 1" in render_markdown("```\nx = 1\n```")

    def test_tilde_fence(self):
        assert '<span class="kn">import</span>' in render_markdown("~~~python\nimport os\n~~~")

    def test_html_inside_fence_is_escaped(self):
        html = render_markdown("```html\n<script>alert(1)</script>\n```")
        assert "<script" not in html
        assert "&lt;" in html

    def test_fence_right_after_a_paragraph(self):
        html = render_markdown("text\n```\ncode\n```\nafter")
        assert html.startswith("<p>text</p>\n<div")
        assert html.endswith("<p>after</p>")

    def test_no_inline_styles(self):
        assert "style=" not in render_markdown("```python\nx = 'a'  # c\n```")


class TestMath:
    def test_inline(self):
        html = render_markdown("so $x^2$ here")
        assert '<math display="inline">' in html
        assert "<msup><mi>x</mi><mn>2</mn></msup>" in html

    def test_display(self):
        assert '<math display="block">' in render_markdown(r"$$\sum_i x_i$$")

    def test_aligned_environment_is_laid_out_as_a_table(self):
        html = render_markdown(r"$$\begin{aligned} a &= b \\ c &= d \end{aligned}$$")
        assert "<mtable" in html
        assert "<mi>&amp;</mi>" not in html

    @pytest.mark.parametrize(
        ("latex", "expected"),
        [
            (r"\operatorname{softmax}(x)", '<mi mathvariant="normal">s</mi>'),
            (r"\arg\max_a q(s, a)", "arg"),
            (r"\arg z", '<mi mathvariant="normal">a</mi>'),
            (r"\Big\{ x \Big\}", ">{</mo>"),
            (r"\bigg\| x \bigg\|", ">‖</mo>"),
        ],
    )
    def test_latex_that_latex2mathml_gets_wrong_is_rewritten(self, latex, expected):
        html = render_markdown(f"${latex}$")
        assert expected in html
        assert not re.search(r"<m[a-z]+[^>]*>[^<]*\\", html)

    def test_function_names_are_followed_by_a_thin_space(self):
        html = render_markdown(r"$\log p + \exp(x)$")
        assert '<mi>log</mi><mspace width="0.1667em"></mspace><mi>p</mi>' in html
        assert "<mi>exp</mi><mo" in html  # no space before a parenthesis

    def test_list_marker_inside_display_math_stays_math(self):
        assert "<ul>" not in render_markdown("$$\na\n- b\n$$")

    def test_display_spanning_lines(self):
        html = render_markdown("$$\n\\frac{a}{b}\n  + c\n$$")
        assert '<math display="block">' in html
        assert "<mfrac>" in html

    def test_underscores_and_asterisks_survive_next_to_emphasis(self):
        html = render_markdown(r"$a_i * b_j$ and *emphasis* and $c_k * d_l$")
        assert "<em>emphasis</em>" in html
        assert html.count("<em>") == 1
        assert "<msub><mi>a</mi><mi>i</mi></msub>" in html
        assert "<msub><mi>d</mi><mi>l</mi></msub>" in html

    def test_backslashes_reach_latex(self):
        html = render_markdown(r"$\alpha \\ \beta$")
        assert "α" in html
        assert "β" in html
        assert "\\" not in html

    def test_escaped_dollar_inside_math(self):
        assert "<mi>$</mi>" in render_markdown(r"$a \$ b$")

    def test_dollar_in_code_span_is_literal(self):
        assert render_markdown("`$x$` and `$PATH`") == (
            "<p><code>$x$</code> and <code>$PATH</code></p>"
        )

    def test_dollar_in_fence_is_literal(self):
        html = render_markdown("```text\necho $HOME $x$\n```")
        assert "<math" not in html
        assert "$x$" in html

    def test_escaped_dollar_is_a_dollar(self):
        assert render_markdown(r"costs \$5") == "<p>costs $5</p>"

    def test_prices_are_not_math(self):
        assert render_markdown("costs $5 and $6") == "<p>costs $5 and $6</p>"

    def test_closing_dollar_followed_by_digit_is_not_math(self):
        assert "<math" not in render_markdown("$x $5")
        assert "<math" not in render_markdown("from $a$1")

    def test_space_after_opening_dollar_is_not_math(self):
        assert "<math" not in render_markdown("$ x$")

    def test_malformed_formula_is_math_error(self):
        html = render_markdown(r"before $x^$ after")
        assert html == '<p>before <code class="math-error">x^</code> after</p>'

    def test_malformed_source_is_escaped(self):
        html = render_markdown(r"$\left( <b>$")
        assert '<code class="math-error">\\left( &lt;b&gt;</code>' in html

    def test_math_inside_table_and_list(self):
        assert "<td><math" in render_markdown("| a |\n|---|\n| $x$ |")
        assert "<li><math" in render_markdown("- $y_1$")


XSS_CORPUS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](&#106;avascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<math><a xlink:href="javascript:alert(1)">x</a></math>',
    '<math href="javascript:alert(1)"><mi>x</mi></math>',
    '<math><mrow href="javascript:alert(1)"><mi>x</mi></mrow></math>',
    r"$\href{javascript:alert(1)}{x}$",
    r"$$\href{javascript:alert(1)}{x}$$",
    r"$\text{<script>alert(1)</script>}$",
    r"$\text{<img src=x onerror=alert(1)>}$",
    r"$\text{</mtext></math><img src=x onerror=alert(1)>}$",
    r"$\style{background:url(javascript:alert(1))}{x}$",
    '<iframe src="https://example.com"></iframe>',
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<form action=javascript:alert(1)><input type=submit></form>",
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    "![x](javascript:alert(1))",
    "<object data=x></object><embed src=x>",
    '<p onclick="alert(1)">x</p>',
]


class TestSanitising:
    @pytest.mark.parametrize("source", XSS_CORPUS)
    def test_xss_corpus_is_inert(self, source):
        assert_inert(render_markdown(source))

    def test_html_in_fence_is_visible_text(self):
        html = render_markdown("```\n<img src=x onerror=alert(1)>\n```")
        assert "&lt;img src=x onerror=alert(1)&gt;" in html
        assert "<img" not in html

    def test_relative_links_lose_href(self):
        assert "href" not in render_markdown("[x](/admin/)")

    def test_mailto_links_stay(self):
        assert 'href="mailto:a@example.com"' in render_markdown("[a](mailto:a@example.com)")

    def test_foreign_classes_are_removed(self):
        html = render_markdown('<span class="k modal">x</span>')
        assert html == '<p><span class="k">x</span></p>'

    def test_text_in_mathml_stays_as_text(self):
        html = render_markdown(r"$\text{a < b}$")
        assert "<mtext>a&nbsp;&lt;&nbsp;b</mtext>" in html

    @settings(max_examples=100, deadline=None)
    @given(st.text())
    def test_arbitrary_text_never_raises_nor_injects(self, source):
        html = render_markdown(source)
        assert "<script" not in html.lower()
        assert not EVENT_HANDLER.search(html)

    @settings(max_examples=100, deadline=None)
    @given(st.text(alphabet="$\\`*_ab{}^<>&\n "))
    def test_math_heavy_text_never_raises_nor_injects(self, source):
        html = render_markdown(source)
        assert "<script" not in html.lower()
        assert not EVENT_HANDLER.search(html)


class TestPygmentsCss:
    def test_static_file_is_up_to_date(self):
        assert CSS_FILE.read_text() == pygments_css(), (
            f"{CSS_FILE} is stale; regenerate it from the project folder with:\n{REGENERATE}"
        )

    def test_light_rules(self):
        css = pygments_css()
        assert ':root[data-theme="light"] .highlight .k {' in css
        media = '@media (prefers-color-scheme: light) {\n  :root:not([data-theme="dark"]) .highlight'
        assert media in css

    def test_dark_rules(self):
        css = pygments_css()
        assert ':root[data-theme="dark"] .highlight .k {' in css
        media = '@media (prefers-color-scheme: dark) {\n  :root:not([data-theme="light"]) .highlight'
        assert media in css

    def test_no_unscoped_rules(self):
        rules = [line.strip() for line in pygments_css().splitlines() if "{" in line]
        assert all(rule.startswith((":root", "@media")) for rule in rules)
