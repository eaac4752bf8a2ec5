"""The dashboard's math with hand-computed fixtures, and properties over arbitrary histories."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cards.stats import (
    EASE_EDGES,
    INTERVAL_EDGES,
    MATURE_INTERVAL,
    Bin,
    CardState,
    MonthStart,
    RetentionRow,
    Streaks,
    card_state,
    forecast,
    heatmap,
    histogram,
    readiness,
    retention,
    streaks,
)

TODAY = date(2026, 3, 18)  # a Wednesday


def days_ago(*offsets: int) -> list[date]:
    return [TODAY - timedelta(days=offset) for offset in offsets]


class TestStreaks:
    def test_no_reviews(self):
        assert streaks([], today=TODAY) == Streaks(current=0, longest=0)

    def test_run_ending_today(self):
        assert streaks(days_ago(0, 1, 2), today=TODAY) == Streaks(current=3, longest=3)

    def test_gap_breaks_the_run(self):
        assert streaks(days_ago(0, 1, 3, 4, 5, 6), today=TODAY) == Streaks(current=2, longest=4)

    def test_alive_without_a_review_yet_today(self):
        assert streaks(days_ago(1, 2, 3), today=TODAY) == Streaks(current=3, longest=3)

    def test_broken_when_yesterday_was_missed(self):
        assert streaks(days_ago(2, 3, 4), today=TODAY) == Streaks(current=0, longest=3)

    def test_longest_in_the_past(self):
        past = days_ago(*range(40, 50))
        assert streaks([*past, *days_ago(0, 1)], today=TODAY) == Streaks(current=2, longest=10)

    def test_duplicates_and_unsorted_input(self):
        assert streaks(days_ago(2, 0, 1, 0, 2, 1), today=TODAY) == Streaks(current=3, longest=3)

    @given(
        st.lists(st.dates(date(2025, 1, 1), date(2026, 6, 30)), max_size=60),
        st.dates(date(2025, 6, 1), date(2026, 6, 30)),
    )
    def test_properties(self, days, today):
        result = streaks(days, today=today)
        assert 0 <= result.current <= result.longest <= len(set(days))


class TestRetention:
    def test_share_passed(self):
        assert retention(9, 1) == pytest.approx(0.9)

    def test_nothing_reviewed(self):
        assert retention(0, 0) is None

    def test_negative_count(self):
        with pytest.raises(ValueError, match="negative"):
            retention(-1, 2)

    def test_young_mature_split(self):
        row = RetentionRow(
            "Last 30 days", young_passed=3, young_failed=1, mature_passed=9, mature_failed=0
        )
        assert (row.young, row.mature, row.total) == (0.75, 1.0, pytest.approx(12 / 13))

    def test_row_without_mature_reviews(self):
        row = RetentionRow("Today", young_passed=1)
        assert (row.young, row.mature, row.total) == (1.0, None, 1.0)


class TestReadiness:
    def test_just_reviewed(self):
        assert readiness(interval_days=10, elapsed_days=0) == 1.0

    def test_on_the_due_date(self):
        assert readiness(interval_days=10, elapsed_days=10) == pytest.approx(0.9)

    def test_twice_the_interval(self):
        assert readiness(interval_days=6, elapsed_days=12) == pytest.approx(0.81)

    def test_new_card(self):
        assert readiness(interval_days=0, elapsed_days=3) == 0.0

    def test_clock_skew_counts_as_just_reviewed(self):
        assert readiness(interval_days=5, elapsed_days=-0.5) == 1.0

    @given(st.integers(0, 10_000), st.floats(-100, 100_000))
    def test_between_zero_and_one(self, interval, elapsed):
        assert 0.0 <= readiness(interval_days=interval, elapsed_days=elapsed) <= 1.0


class TestCardState:
    def state(self, *, due=TODAY, interval=10, suspended=False, learning=False):
        return card_state(due=due, interval=interval, suspended=suspended, learning=learning)

    def test_suspended_wins(self):
        assert self.state(due=None, suspended=True, learning=True) is CardState.SUSPENDED

    def test_never_graded_is_new(self):
        assert self.state(due=None, interval=0) is CardState.NEW

    def test_repeating_today_is_learning(self):
        assert self.state(interval=30, learning=True) is CardState.LEARNING

    def test_young_below_21_days(self):
        assert self.state(interval=20) is CardState.YOUNG

    def test_mature_from_21_days(self):
        assert self.state(interval=21) is CardState.MATURE


def ones(values):
    """Each value once, as the (value, count) rows histogram() takes."""
    return [(value, 1) for value in values]


class TestHistogram:
    def test_edges_are_inclusive_below_and_overflow_goes_last(self):
        bins = histogram(ones([0, 1, 1, 2, 4, 5, 9, 10, 500]), edges=[1, 2, 5, 10])
        assert bins == [Bin(1, 2, 2), Bin(2, 5, 2), Bin(5, 10, 2), Bin(10, None, 2)]

    def test_labels_for_whole_numbers(self):
        bins = histogram([], edges=INTERVAL_EDGES)
        assert [b.label for b in bins][:4] == ["1", "2", "3–4", "5–6"]
        assert bins[-1].label == "≥ 365"

    def test_ease_edges(self):
        assert (EASE_EDGES[0], EASE_EDGES[12], EASE_EDGES[-1]) == (1.3, 2.5, 3.0)
        bins = histogram(ones([1.3, 1.38, 2.5, 2.5, 2.6, 3.4]), edges=EASE_EDGES)
        assert [(b.label, b.count) for b in bins if b.count] == [
            ("1.3–1.4", 2), ("2.5–2.6", 2), ("2.6–2.7", 1), ("≥ 3", 1),
        ]  # fmt: skip

    @pytest.mark.parametrize("edges", [[], [1, 1], [3, 2]])
    def test_bad_edges(self, edges):
        with pytest.raises(ValueError, match="increasing"):
            histogram(ones([1]), edges=edges)

    @given(st.lists(st.integers(1, 1000)))
    def test_every_value_from_the_first_edge_is_counted_once(self, values):
        assert sum(b.count for b in histogram(ones(values), edges=INTERVAL_EDGES)) == len(values)


class TestForecast:
    def test_overdue_counts_on_today(self):
        due = {
            TODAY - timedelta(days=3): 4,
            TODAY - timedelta(days=1): 1,
            TODAY: 2,
            TODAY + timedelta(days=2): 5,
        }
        assert forecast(due, today=TODAY, days=4) == [
            (TODAY, 7),
            (TODAY + timedelta(days=1), 0),
            (TODAY + timedelta(days=2), 5),
            (TODAY + timedelta(days=3), 0),
        ]

    def test_beyond_the_window_is_left_out(self):
        assert forecast({TODAY + timedelta(days=30): 9}, today=TODAY) == [
            (TODAY + timedelta(days=offset), 0) for offset in range(30)
        ]

    @given(
        st.dictionaries(st.dates(date(2026, 1, 1), date(2026, 6, 30)), st.integers(0, 50)),
        st.integers(1, 60),
    )
    def test_total_is_everything_due_by_the_last_day(self, due, days):
        result = forecast(due, today=TODAY, days=days)
        last = TODAY + timedelta(days=days - 1)
        assert [day for day, _ in result] == [TODAY + timedelta(days=n) for n in range(days)]
        assert sum(count for _, count in result) == sum(c for day, c in due.items() if day <= last)


class TestHeatmap:
    def test_shape_and_first_and_last_cells(self):
        grid = heatmap({}, today=TODAY, days=365)
        start = date(2025, 3, 19)  # a Wednesday, 364 days before
        assert (grid.start, grid.end) == (start, TODAY)
        assert len(grid.weeks) == 53 and all(len(week) == 7 for week in grid.weeks)
        assert grid.weeks[0][:2] == (None, None)  # Monday and Tuesday before the start
        assert grid.weeks[0][2].day == start
        assert grid.weeks[-1][2].day == TODAY
        assert grid.weeks[-1][3:] == (None,) * 4  # Thursday to Sunday after today
        assert grid.cells[0].day == start and grid.cells[-1].day == TODAY

    def test_levels_from_quartiles_of_active_days(self):
        counts = dict(zip(days_ago(0, 1, 2, 3, 4), [1, 2, 3, 4, 0], strict=True))
        grid = heatmap(counts, today=TODAY, days=7)
        assert grid.thresholds == (1.75, 2.5, 3.25)  # quartiles of 1, 2, 3, 4 (inclusive)
        levels = {cell.day: cell.level for cell in grid.cells}
        assert [levels[day] for day in days_ago(0, 1, 2, 3, 4, 5, 6)] == [1, 2, 3, 4, 0, 0, 0]

    def test_single_active_day_and_counts_outside_the_window(self):
        counts = {TODAY: 12, TODAY - timedelta(days=7): 500, TODAY + timedelta(days=1): 3}
        grid = heatmap(counts, today=TODAY, days=7)
        assert [cell.level for cell in grid.cells] == [0] * 6 + [1]
        assert (grid.total, grid.active_days) == (12, 1)

    def test_month_labels_where_a_month_starts(self):
        grid = heatmap({}, today=date(2026, 3, 18), days=60)  # from Sunday 18 January 2026
        assert grid.months == (
            MonthStart(column=2, month=date(2026, 2, 1)),  # a Sunday, in the week of 26 January
            MonthStart(column=6, month=date(2026, 3, 1)),
        )

    def test_at_least_one_day(self):
        with pytest.raises(ValueError, match="at least one day"):
            heatmap({}, today=TODAY, days=0)

    @given(st.dates(date(2000, 1, 1), date(2100, 1, 1)), st.integers(1, 800))
    def test_covers_each_day_once(self, today, days):
        grid = heatmap({}, today=today, days=days)
        covered = [cell.day for cell in grid.cells]
        assert covered == [today - timedelta(days=n) for n in reversed(range(days))]
        first_monday = grid.start - timedelta(days=grid.start.weekday())
        for column, week in enumerate(grid.weeks):
            for row, cell in enumerate(week):
                assert cell is None or cell.day == first_monday + timedelta(days=7 * column + row)

    @given(st.dictionaries(st.dates(date(2025, 1, 1), date(2026, 3, 18)), st.integers(0, 1000)))
    def test_levels_are_zero_exactly_for_days_without_reviews(self, counts):
        grid = heatmap(counts, today=TODAY, days=365)
        for cell in grid.cells:
            assert (cell.level == 0) == (cell.count == 0) and 0 <= cell.level <= 4
        assert grid.total == sum(c for day, c in counts.items() if day >= grid.start)


class TestHistogramCounts:
    def test_counts_weigh_their_values(self):
        pairs = [(1, 3), (4, 2), (400, 1), (0, 5)]
        expanded = [value for value, n in pairs for _ in range(n)]
        assert histogram(pairs, edges=INTERVAL_EDGES) == histogram(ones(expanded), edges=INTERVAL_EDGES)
