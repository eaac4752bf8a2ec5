"""SM-2, exactly as Piotr Woźniak published it (SuperMemo 2, 1987–1990).

Pure: no I/O, no clock, no Django. The E-Factor moves in steps of 0.02 and is held as a
``Decimal`` so that ``ceil(interval × EF)`` never jumps a day through float rounding.

Reference: https://super-memory.com/english/ol/sm2.htm
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from enum import IntEnum

INITIAL_EASE = Decimal("2.5")
MINIMUM_EASE = Decimal("1.3")
FIRST_INTERVAL = 1
SECOND_INTERVAL = 6
PASSING_QUALITY = 3
"""A grade below this is a failed recall: repetitions restart, the E-Factor stays."""
SESSION_PASS_QUALITY = 4
"""SM-2's last rule: a card graded below this comes back in the same day's session."""


class Grade(IntEnum):
    """The four answer buttons, as the SM-2 qualities they stand for."""

    AGAIN = 1
    HARD = 3
    GOOD = 4
    EASY = 5


@dataclass(frozen=True)
class SM2State:
    """An item's SM-2 memory: repetitions in a row passed, E-Factor, and interval in days."""

    repetitions: int = 0
    ease: Decimal = INITIAL_EASE
    interval: int = 0


def review(state: SM2State, quality: int) -> SM2State:
    """Return the state after answering with ``quality`` (0–5); ``state`` is not changed."""
    if isinstance(quality, bool) or not isinstance(quality, int) or not 0 <= quality <= 5:
        raise ValueError(f"SM-2 quality must be an int from 0 to 5, not {quality!r}")
    if quality < PASSING_QUALITY:
        return SM2State(repetitions=0, ease=state.ease, interval=FIRST_INTERVAL)
    repetitions = state.repetitions + 1
    return SM2State(
        repetitions=repetitions,
        ease=_next_ease(state.ease, quality),
        interval=_next_interval(repetitions, state.interval, state.ease),
    )


def _next_interval(repetitions: int, previous_interval: int, ease: Decimal) -> int:
    match repetitions:
        case 1:
            return FIRST_INTERVAL
        case 2:
            return SECOND_INTERVAL
        case _:
            return math.ceil(previous_interval * ease)


def _next_ease(ease: Decimal, quality: int) -> Decimal:
    miss = 5 - quality
    adjusted = ease + Decimal("0.1") - miss * (Decimal("0.08") + miss * Decimal("0.02"))
    return max(adjusted, MINIMUM_EASE)
