"""The dashboard's charts as server-rendered, accessible SVG: no JavaScript, no chart library.

The page's Content-Security-Policy forbids ``style`` attributes and ``<style>`` elements, so the
SVG carries only CSS classes — ``heat-0`` … ``heat-4``, ``bar``, ``axis``, ``label`` — and the
app's stylesheet colours them for the light and dark themes. Every string meant for people comes
from the caller, already translated, and is escaped here: the template marks the result safe.
Element ids are derived from ``chart_id`` so that several charts can share a page.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Callable, Sequence
from datetime import date

from cards.stats import Heatmap

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
LABELLED_WEEKDAYS = (0, 2, 4)
"""Rows that get a weekday label (Mon, Wed, Fri, as on GitHub): all seven would crowd the column."""

_SVG_NS = "http://www.w3.org/2000/svg"
_CHART_ID = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

# Heatmap geometry, in viewBox units.
_CELL = 11
_STEP = _CELL + 2
_HEAT_LEFT = 28  # weekday labels
_HEAT_TOP = 14  # month labels
_HEAT_RIGHT = 20  # room for a month label on the last column
_HEAT_FONT = 9

# Bar chart geometry.
_BAR_WIDTH = 480  # small enough that 12-unit labels stay legible on a phone
_BAR_HEIGHT = 180
_BAR_LEFT = 40  # y-axis labels
_BAR_TOP = 8
_BAR_BOTTOM = 24  # x labels
_BAR_FONT = 12
_BAR_FILL = 0.8  # share of its slot a bar covers
_CHAR_WIDTH = 0.6  # average glyph width per unit of font size, to estimate label widths


def heatmap_svg(
    heatmap: Heatmap,
    *,
    chart_id: str,
    title: str,
    description: str,
    cell_text: Callable[[date, int], str],
    weekday_labels: Sequence[str] = WEEKDAYS,
    month_labels: Sequence[str] = MONTHS,
) -> str:
    """The review calendar: a ``<rect class="heat-N">`` per day, its ``<title>`` from ``cell_text``.

    ``description`` is the text alternative for the whole chart, e.g. "1,204 reviews on 87 days
    in the last year" (``heatmap.total``, ``heatmap.active_days``).
    """
    if len(weekday_labels) != 7 or len(month_labels) != 12:
        raise ValueError("weekday_labels needs 7 names (Monday first) and month_labels 12")
    columns = len(heatmap.weeks)
    width = _HEAT_LEFT + columns * _STEP + _HEAT_RIGHT
    height = _HEAT_TOP + 7 * _STEP
    body = []
    for row in LABELLED_WEEKDAYS:
        y = _HEAT_TOP + row * _STEP + _CELL - 2
        label = weekday_labels[row]
        body.append(_text(label, x=_HEAT_LEFT - 4, y=y, anchor="end", size=_HEAT_FONT))
    for start in heatmap.months:
        x = _HEAT_LEFT + start.column * _STEP
        label = month_labels[start.month.month - 1]
        body.append(_text(label, x=x, y=_HEAT_TOP - 4, anchor="start", size=_HEAT_FONT))
    for column, week in enumerate(heatmap.weeks):
        for row, cell in enumerate(week):
            if cell is None:
                continue
            body.append(
                f'<rect x="{_HEAT_LEFT + column * _STEP}" y="{_HEAT_TOP + row * _STEP}"'
                f' width="{_CELL}" height="{_CELL}" rx="2" class="heat-{cell.level}"'
                f' data-date="{cell.day.isoformat()}">'
                f"<title>{_escape(cell_text(cell.day, cell.count))}</title></rect>"
            )
    return _svg(chart_id, "heatmap", width, height, title, description, body)


def bar_chart_svg(
    bars: Sequence[tuple[str, int]],
    *,
    chart_id: str,
    title: str,
    description: str,
    bar_text: Callable[[str, int], str] | None = None,
) -> str:
    """Vertical bars (``class="bar"``) over x labels, thinned when they would overlap.

    Each bar's ``<title>`` is ``bar_text(label, count)``, by default "label: count".
    """
    if any(count < 0 for _, count in bars):
        raise ValueError("bar counts cannot be negative")
    text_for = bar_text or _label_and_count
    plot_width = _BAR_WIDTH - _BAR_LEFT
    plot_height = _BAR_HEIGHT - _BAR_TOP - _BAR_BOTTOM
    baseline = _BAR_TOP + plot_height
    highest = max((count for _, count in bars), default=0)
    slot = plot_width / len(bars) if bars else plot_width
    every = _label_stride([label for label, _ in bars], slot)

    body = [
        f'<line class="axis" x1="{_BAR_LEFT}" y1="{_BAR_TOP}" x2="{_BAR_LEFT}" y2="{baseline}"/>',
        f'<line class="axis" x1="{_BAR_LEFT}" y1="{baseline}" x2="{_BAR_WIDTH}" y2="{baseline}"/>',
        _text(str(highest), x=_BAR_LEFT - 4, y=_BAR_TOP + _BAR_FONT - 2, anchor="end"),
        _text("0", x=_BAR_LEFT - 4, y=baseline, anchor="end"),
    ]
    for index, (label, count) in enumerate(bars):
        bar_height = plot_height * count / highest if highest else 0
        left = _BAR_LEFT + index * slot
        body.append(
            f'<rect class="bar" x="{_number(left + slot * (1 - _BAR_FILL) / 2)}"'
            f' y="{_number(baseline - bar_height)}" width="{_number(slot * _BAR_FILL)}"'
            f' height="{_number(bar_height)}">'
            f"<title>{_escape(text_for(label, count))}</title></rect>"
        )
        if index % every == 0:
            body.append(_text(label, x=left + slot / 2, y=_BAR_HEIGHT - 6, anchor="middle"))
    return _svg(chart_id, "bars", _BAR_WIDTH, _BAR_HEIGHT, title, description, body)


def _label_stride(labels: Sequence[str], slot: float) -> int:
    """Label every n-th bar, n just large enough for the longest label to fit its space."""
    longest = max((len(label) for label in labels), default=0)
    needed = longest * _BAR_FONT * _CHAR_WIDTH + 6
    return max(1, math.ceil(needed / slot))


def _label_and_count(label: str, count: int) -> str:
    return f"{label}: {count}"


def _svg(
    chart_id: str,
    kind: str,
    width: float,
    height: float,
    title: str,
    description: str,
    body: list[str],
) -> str:
    if not _CHART_ID.fullmatch(chart_id):
        raise ValueError(f"chart_id must be a letter then letters, digits, - or _: {chart_id!r}")
    return "".join(
        [
            f'<svg xmlns="{_SVG_NS}" id="{chart_id}" class="chart chart-{kind}" role="img"'
            f' viewBox="0 0 {_number(width)} {_number(height)}" width="100%"'
            f' aria-labelledby="{chart_id}-title" aria-describedby="{chart_id}-desc">',
            f'<title id="{chart_id}-title">{_escape(title)}</title>',
            f'<desc id="{chart_id}-desc">{_escape(description)}</desc>',
            *body,
            "</svg>",
        ]
    )


def _text(content: str, *, x: float, y: float, anchor: str, size: int = _BAR_FONT) -> str:
    return (
        f'<text class="label" x="{_number(x)}" y="{_number(y)}" text-anchor="{anchor}"'
        f' font-size="{size}">{_escape(content)}</text>'
    )


def _escape(text: object) -> str:
    """Escape for XML text and attributes, dropping characters XML cannot hold at all.

    ``str()`` first: Django's lazy translations are welcome.
    """
    return html.escape(_NOT_XML.sub("", str(text)), quote=True)


def _number(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")
