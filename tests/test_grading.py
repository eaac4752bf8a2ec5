"""The session rules around SM-2: first grade of the day schedules, grades below 4 come back."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from cards.grading import (
    FAILED_REQUEUE_DELAY,
    HARD_REQUEUE_DELAY,
    CardSchedule,
    ReviewKind,
    grade,
)

TODAY = date(2026, 11, 29)
STARTS = datetime(2026, 11, 29, 4, tzinfo=UTC)
NOW = datetime(2026, 11, 29, 9, 30, tzinfo=UTC)


def grade_now(card: CardSchedule, quality: int, now: datetime = NOW):
    return grade(card, quality, now=now, today=TODAY, today_starts=STARTS)


class TestFirstGradeOfTheDay:
    def test_new_card_good(self):
        outcome = grade_now(CardSchedule(), 4)
        assert outcome.kind is ReviewKind.NEW
        assert outcome.schedule == CardSchedule(
            repetitions=1, ease=Decimal("2.5"), interval=1, due=TODAY + timedelta(days=1),
            lapses=0, last_reviewed=NOW, learning_due_at=None,
        )  # fmt: skip

    def test_new_card_again_is_not_a_lapse_and_comes_back_in_a_minute(self):
        outcome = grade_now(CardSchedule(), 1)
        assert outcome.schedule.lapses == 0
        assert outcome.schedule.due == TODAY + timedelta(days=1)
        assert outcome.schedule.learning_due_at == NOW + FAILED_REQUEUE_DELAY

    def test_hard_passes_sm2_but_comes_back_today(self):
        outcome = grade_now(CardSchedule(), 3)
        assert outcome.schedule.repetitions == 1
        assert outcome.schedule.ease == Decimal("2.36")
        assert outcome.schedule.learning_due_at == NOW + HARD_REQUEUE_DELAY

    def test_review_card_failed_counts_a_lapse(self):
        card = CardSchedule(
            repetitions=3, ease=Decimal("2.5"), interval=15, due=TODAY, lapses=2,
            last_reviewed=STARTS - timedelta(days=15),
        )  # fmt: skip
        outcome = grade_now(card, 1)
        assert outcome.kind is ReviewKind.REVIEW
        assert (outcome.schedule.repetitions, outcome.schedule.interval) == (0, 1)
        assert outcome.schedule.lapses == 3

    def test_overdue_review_uses_sm2_from_the_stored_interval(self):
        card = CardSchedule(repetitions=2, interval=6, due=TODAY - timedelta(days=10),
                            last_reviewed=STARTS - timedelta(days=16))  # fmt: skip
        outcome = grade_now(card, 5)
        assert outcome.schedule.interval == 15  # ceil(6 × 2.5)
        assert outcome.schedule.due == TODAY + timedelta(days=15)


class TestRepeatsOnTheSameDay:
    def test_good_after_again_changes_no_schedule_and_ends_learning(self):
        first = grade_now(CardSchedule(), 1).schedule
        later = NOW + timedelta(minutes=2)
        outcome = grade_now(first, 4, now=later)
        assert outcome.kind is ReviewKind.REPEAT
        assert outcome.schedule == replace(first, last_reviewed=later, learning_due_at=None)

    def test_again_again_keeps_it_in_learning(self):
        first = grade_now(CardSchedule(), 1).schedule
        later = NOW + timedelta(minutes=2)
        outcome = grade_now(first, 1, now=later)
        assert outcome.kind is ReviewKind.REPEAT
        assert outcome.schedule.learning_due_at == later + FAILED_REQUEUE_DELAY
        assert outcome.schedule.due == first.due

    def test_card_reviewed_before_today_starts_fresh(self):
        yesterday = grade(CardSchedule(), 1, now=STARTS - timedelta(hours=2),
                          today=TODAY - timedelta(days=1), today_starts=STARTS - timedelta(days=1))
        outcome = grade_now(yesterday.schedule, 4)
        assert outcome.kind is ReviewKind.REVIEW
        assert outcome.schedule.repetitions == 1

    @pytest.mark.parametrize("quality", [-1, 6, "4", None])
    def test_bad_quality_is_refused_even_for_a_repeat(self, quality):
        first = grade_now(CardSchedule(), 1).schedule
        with pytest.raises(ValueError):
            grade_now(first, quality)
