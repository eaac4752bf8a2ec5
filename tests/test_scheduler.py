"""SM-2 as published: written-out sequences, properties over arbitrary histories, bad qualities."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cards.scheduler import MINIMUM_EASE, Grade, SM2State, review


def replay(qualities: list[int], state: SM2State | None = None) -> list[SM2State]:
    states = []
    state = state or SM2State()
    for quality in qualities:
        state = review(state, quality)
        states.append(state)
    return states


class TestNewItem:
    def test_defaults(self):
        assert SM2State() == SM2State(repetitions=0, ease=Decimal("2.5"), interval=0)

    def test_good_every_time(self):
        assert [(s.repetitions, s.interval, s.ease) for s in replay([4, 4, 4, 4])] == [
            (1, 1, Decimal("2.5")),
            (2, 6, Decimal("2.5")),
            (3, 15, Decimal("2.5")),
            (4, 38, Decimal("2.5")),  # ceil(15 × 2.5) = ceil(37.5)
        ]

    def test_easy_every_time_uses_ease_held_before_the_grade(self):
        assert [(s.interval, s.ease) for s in replay([5, 5, 5, 5])] == [
            (1, Decimal("2.6")),
            (6, Decimal("2.7")),
            (17, Decimal("2.8")),  # ceil(6 × 2.7) = ceil(16.2), not 6 × 2.8
            (48, Decimal("2.9")),  # ceil(17 × 2.8) = ceil(47.6)
        ]

    def test_hard_every_time_lowers_ease_by_0_14(self):
        assert [(s.interval, s.ease) for s in replay([3, 3, 3])] == [
            (1, Decimal("2.36")),
            (6, Decimal("2.22")),
            (14, Decimal("2.08")),  # ceil(6 × 2.22) = ceil(13.32)
        ]


class TestFailure:
    def test_failure_restarts_repetitions_and_keeps_ease(self):
        learned = replay([3, 4, 4])[-1]
        assert learned == SM2State(repetitions=3, ease=Decimal("2.36"), interval=15)
        lapsed = review(learned, Grade.AGAIN)
        assert lapsed == SM2State(repetitions=0, ease=Decimal("2.36"), interval=1)
        assert [s.interval for s in replay([4, 4, 4], lapsed)] == [1, 6, 15]  # ceil(6 × 2.36)

    @pytest.mark.parametrize("quality", [0, 1, 2])
    def test_every_failing_quality_restarts(self, quality):
        state = SM2State(repetitions=5, ease=Decimal("1.9"), interval=40)
        assert review(state, quality) == SM2State(repetitions=0, ease=Decimal("1.9"), interval=1)


class TestEase:
    def test_never_below_1_3(self):
        assert replay([3] * 12)[-1].ease == MINIMUM_EASE

    def test_exact_decimal_where_a_float_would_jump_a_day(self):
        # 25 × 2.2 is 55 exactly; in binary floating point it is 55.00000000000001 → ceil 56.
        assert math.ceil(25 * 2.2) == 56
        assert review(SM2State(repetitions=3, ease=Decimal("2.2"), interval=25), 4).interval == 55

    @pytest.mark.parametrize(("quality", "change"), [(3, "-0.14"), (4, "0"), (5, "0.1")])
    def test_published_formula(self, quality, change):
        state = SM2State(repetitions=2, ease=Decimal("2.0"), interval=6)
        assert review(state, quality).ease == Decimal("2.0") + Decimal(change)


class TestBadQuality:
    @pytest.mark.parametrize("quality", [-1, 6, 3.0, "4", None, True, Decimal(4)])
    def test_rejected(self, quality):
        with pytest.raises(ValueError, match="quality"):
            review(SM2State(), quality)

    def test_grades_are_sm2_qualities(self):
        assert [int(g) for g in Grade] == [1, 3, 4, 5]


qualities = st.lists(st.integers(min_value=0, max_value=5), max_size=40)


class TestProperties:
    @given(qualities)
    def test_ease_is_exact_hundredths_and_never_below_minimum(self, history):
        for state in replay(history):
            assert state.ease >= MINIMUM_EASE
            assert state.ease == state.ease.quantize(Decimal("0.01"))

    @given(qualities, st.integers(min_value=0, max_value=5))
    def test_one_step(self, history, quality):
        before = (replay(history) or [SM2State()])[-1]
        after = review(before, quality)
        if quality < 3:
            assert after == SM2State(0, before.ease, 1)
            return
        assert after.repetitions == before.repetitions + 1
        if after.repetitions >= 3:
            exact = Fraction(before.interval) * Fraction(before.ease)
            assert after.interval == math.ceil(exact)
            assert after.interval >= before.interval
        else:
            assert after.interval == (1 if after.repetitions == 1 else 6)

    @given(qualities)
    def test_replay_is_deterministic(self, history):
        assert replay(history) == replay(list(history))
