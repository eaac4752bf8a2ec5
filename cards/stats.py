"""The dashboard's math: streaks, retention, readiness, card states, histograms, forecast, heatmap.

Pure: the view reads plain values from the database (per-study-day counts, card rows, the user's
study day ``today`` and ``now``) and these functions turn them into plain values to render. Dates
are study days (see ``cards.studyday``), not UTC calendar dates.
"""

from __future__ import annotations

import bisect
import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum


MATURE_INTERVAL = 21
"""A card whose interval is at least this many days is mature; below it, young (as in Anki)."""
TARGET_RECALL = 0.9
"""SM-2's intervals aim at about this probability of recall on the due date."""
HEAT_LEVELS = 4
"""Heatmap cells with reviews get a level from 1 to this; a day without reviews is level 0."""

INTERVAL_EDGES: tuple[int, ...] = (1, 2, 3, 5, 7, 14, 21, 30, 60, 90, 180, 365)
"""Histogram edges for intervals in days; the last bin is "≥ 365"."""
EASE_EDGES: tuple[float, ...] = tuple(round(1.3 + 0.1 * step, 1) for step in range(18))
"""Histogram edges for E-Factors, 1.3 (SM-2's floor) to 3.0 by 0.1; the last bin is "≥ 3"."""

_ONE_DAY = timedelta(days=1)


# Streaks


@dataclass(frozen=True)
class Streaks:
    current: int
    longest: int


def streaks(study_days: Iterable[date], *, today: date) -> Streaks:
    """Runs of consecutive study days with at least one review.

    The current run ends today, or yesterday when there is no review yet today: a streak is
    not broken until the day is over (as in Anki and Duolingo).
    """
    days = set(study_days)
    longest = run = 0
    previous: date | None = None
    for day in sorted(days):
        run = run + 1 if previous is not None and day - previous == _ONE_DAY else 1
        longest = max(longest, run)
        previous = day

    current = 0
    day = today if today in days else today - _ONE_DAY
    while day in days:
        current += 1
        day -= _ONE_DAY
    return Streaks(current=current, longest=longest)


# Retention


def retention(passed: int, failed: int) -> float | None:
    """The share of recalls that passed, or None when there were none.

    True retention, as Anki defines it, counts only the first grade of a study day on a card
    seen before (``ReviewKind.REVIEW``): not new cards, not the day's repeats.
    """
    if passed < 0 or failed < 0:
        raise ValueError(f"counts cannot be negative: passed={passed}, failed={failed}")
    reviewed = passed + failed
    return passed / reviewed if reviewed else None


def is_mature(interval_days: int) -> bool:
    return interval_days >= MATURE_INTERVAL


@dataclass(frozen=True)
class RetentionRow:
    """Retention over one period (``label``: "Today", "Last 30 days", …), split young/mature
    by the interval the card had *before* the review."""

    label: str
    young_passed: int = 0
    young_failed: int = 0
    mature_passed: int = 0
    mature_failed: int = 0

    @property
    def young(self) -> float | None:
        return retention(self.young_passed, self.young_failed)

    @property
    def mature(self) -> float | None:
        return retention(self.mature_passed, self.mature_failed)

    @property
    def total(self) -> float | None:
        return retention(
            self.young_passed + self.mature_passed, self.young_failed + self.mature_failed
        )


# Readiness


def readiness(*, interval_days: int, elapsed_days: float) -> float:
    """Predicted probability of recall now: ``0.9 ** (elapsed / interval)``.

    SM-2 sets the interval so that recall is about 0.9 when the card falls due; this is the
    exponential forgetting curve through that point (0.81 at twice the interval). A card never
    reviewed (interval 0) is not known yet: 0.
    """
    if interval_days <= 0:
        return 0.0
    return math.pow(TARGET_RECALL, max(elapsed_days, 0.0) / interval_days)


# Card states


class CardState(StrEnum):
    NEW = "new"
    LEARNING = "learning"
    YOUNG = "young"
    MATURE = "mature"
    SUSPENDED = "suspended"


def card_state(*, due: date | None, interval: int, suspended: bool, learning: bool) -> CardState:
    """Where a card stands, the first rule that applies winning.

    ``due`` is None for a card never graded (``Card.is_new``); ``learning`` is whether it is
    being repeated in today's session (``grading.is_repeating``).
    """
    if suspended:
        return CardState.SUSPENDED
    if due is None:
        return CardState.NEW
    if learning:
        return CardState.LEARNING
    return CardState.MATURE if is_mature(interval) else CardState.YOUNG


# Histograms


@dataclass(frozen=True)
class Bin:
    """Values ``low <= v < high``; the last bin has no ``high`` and takes everything above."""

    low: float
    high: float | None
    count: int

    @property
    def label(self) -> str:
        """``"≥ 365"`` for the last bin; an inclusive range for whole numbers (``"3–4"``
        holds 3 and 4), else the edges (``"1.3–1.4"``)."""
        if self.high is None:
            return f"≥ {self.low:g}"
        if float(self.low).is_integer() and float(self.high).is_integer():
            last = self.high - 1
            return f"{self.low:g}" if last == self.low else f"{self.low:g}–{last:g}"
        return f"{self.low:g}–{self.high:g}"


def histogram(value_counts: Iterable[tuple[float, int]], *, edges: Sequence[float]) -> list[Bin]:
    """Count values, given with how many times each occurs (a GROUP BY's rows), into one bin
    per edge, the last open-ended. Values below the first edge are not counted (a new card's
    interval 0 has no bin)."""
    if not edges or any(a >= b for a, b in zip(edges, edges[1:], strict=False)):
        raise ValueError(f"edges must be a non-empty increasing sequence, not {edges!r}")
    counts = [0] * len(edges)
    for value, count in value_counts:
        index = bisect.bisect_right(edges, value) - 1
        if index >= 0:
            counts[index] += count
    highs: list[float | None] = [*edges[1:], None]
    return [Bin(low, high, count) for low, high, count in zip(edges, highs, counts, strict=True)]


# Forecast


def forecast(
    due_counts: Mapping[date, int], *, today: date, days: int = 30
) -> list[tuple[date, int]]:
    """Cards due on each day from ``today`` for ``days`` days; overdue cards count on today."""
    if days < 0:
        raise ValueError(f"days cannot be negative: {days}")
    window = [today + timedelta(days=offset) for offset in range(days)]
    counts = dict.fromkeys(window, 0)
    for day, count in due_counts.items():
        if day in counts:
            counts[day] += count
        elif day < today and window:
            counts[today] += count
    return list(counts.items())


# Heatmap


@dataclass(frozen=True)
class HeatCell:
    day: date
    count: int
    level: int  # 0 (no reviews) to HEAT_LEVELS


@dataclass(frozen=True)
class MonthStart:
    column: int
    month: date  # the first of the month, which falls in this column


@dataclass(frozen=True)
class Heatmap:
    """A GitHub-style calendar: one column per week, one row per weekday (Monday first).

    Grid positions before ``start`` or after ``end`` are None.
    """

    start: date
    end: date
    weeks: tuple[tuple[HeatCell | None, ...], ...]
    months: tuple[MonthStart, ...]
    thresholds: tuple[float, ...]  # upper bounds of levels 1 to HEAT_LEVELS - 1

    @property
    def cells(self) -> list[HeatCell]:
        """The days in date order."""
        return [cell for week in self.weeks for cell in week if cell is not None]

    @property
    def total(self) -> int:
        return sum(cell.count for cell in self.cells)

    @property
    def active_days(self) -> int:
        return sum(1 for cell in self.cells if cell.count > 0)


def heatmap(counts: Mapping[date, int], *, today: date, days: int = 365) -> Heatmap:
    """Reviews per day over the ``days`` days ending ``today``.

    A day's level comes from the quartiles of the days with reviews in the window, so that the
    grid shows the user's own rhythm whatever their volume: level 1 up to the first quartile,
    level 4 above the third.
    """
    if days < 1:
        raise ValueError(f"a heatmap needs at least one day, not {days}")
    start = today - timedelta(days=days - 1)
    in_window = {day: count for day, count in counts.items() if start <= day <= today}
    thresholds = _quartiles([count for count in in_window.values() if count > 0])

    first_monday = start - timedelta(days=start.weekday())
    columns = (today - first_monday).days // 7 + 1
    weeks = []
    months = []
    for column in range(columns):
        week: list[HeatCell | None] = []
        for row in range(7):
            day = first_monday + timedelta(days=7 * column + row)
            if not start <= day <= today:
                week.append(None)
                continue
            count = max(in_window.get(day, 0), 0)
            week.append(HeatCell(day, count, _level(count, thresholds)))
            if day.day == 1:
                months.append(MonthStart(column, day))
        weeks.append(tuple(week))
    return Heatmap(start, today, tuple(weeks), tuple(months), thresholds)


def _quartiles(values: list[int]) -> tuple[float, ...]:
    if not values:
        return ()
    if len(values) == 1:  # statistics.quantiles needs two points before Python 3.13
        return (float(values[0]),) * (HEAT_LEVELS - 1)
    return tuple(statistics.quantiles(values, n=HEAT_LEVELS, method="inclusive"))


def _level(count: int, thresholds: tuple[float, ...]) -> int:
    if count <= 0:
        return 0
    return 1 + sum(1 for threshold in thresholds if count > threshold)
