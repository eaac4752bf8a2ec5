"""Template filters and tags for Recall's pages."""

from __future__ import annotations

import html
from collections.abc import Iterable

from django import template
from django.utils.formats import get_format, number_format
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext as _

register = template.Library()

CARD_ROW = (
    '<tr><td><input type="checkbox" name="card" value="{0}" aria-labelledby="card-{0}"></td>'
    '<th scope="row"><a href="{1}{0}/" id="card-{0}">{2}</a>{badge}</th>'
    "<td>{3}</td><td>{4}</td><td>{5}</td><td>{6}</td><td>{7}</td></tr>\n"
)
QUESTION_CHARS = 90


@register.filter
def percent(value: float | None) -> str:
    """0.873 → "87%"; no value → an em dash."""
    if value is None:
        return "—"
    return f"{number_format(round(value * 100))}%"


@register.simple_tag
def card_rows(rows: Iterable[dict[str, object]], cards_url: str) -> SafeString:
    """The card browser's table rows (``browsing.rows``), each card linked under ``cards_url``.

    Built here rather than in the template: as template markup, 50 rows cost more than all the
    rest of the page. The texts go through ``html.escape``, the escaping Django's own; the rest
    are numbers and dates.
    """
    url = html.escape(cards_url)
    badge = format_html(' <span class="badge">{}</span>', _("suspended"))
    new = html.escape(_("new"))
    # An ease has two decimals and at most two digits before the point: the locale's decimal mark
    # is all that localize() would change.
    point = html.escape(get_format("DECIMAL_SEPARATOR"))
    return mark_safe("".join(
        CARD_ROW.format(
            row["pk"], url, html.escape(_question(row["front"])), html.escape(row["deck__name"]),
            row["due"].isoformat() if row["due"] else new, row["interval"],
            str(row["ease"]).replace(".", point), row["lapses"], badge=badge if row["suspended"] else "",
        )
        for row in rows
    ))  # fmt: skip


def _question(front: str) -> str:
    """The question cut as ``truncatechars`` does, without its character-by-character walk for
    the many that are short enough already."""
    return front if len(front) <= QUESTION_CHARS else Truncator(front).chars(QUESTION_CHARS)
