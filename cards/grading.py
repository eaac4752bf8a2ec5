"""What one grade does to a card: the pure rules of a study session around SM-2.

The first grade a card gets on a study day goes through SM-2 and sets its next due date. A card
graded below 4 (Again or Hard) stays in today's session ("learning") and comes back after a short
delay, until it is graded 4 or 5 — SM-2's last rule; those repeats are logged but change nothing
in the schedule.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from cards import scheduler

FAILED_REQUEUE_DELAY = timedelta(minutes=1)
"""A card graded 0–2 (Again) comes back this soon in today's session, like Anki's first learning step."""
HARD_REQUEUE_DELAY = timedelta(minutes=5)
"""A card graded 3 (Hard) passed SM-2 but must be seen again today; it waits a little longer."""


class ReviewKind(StrEnum):
    NEW = "new"  # the first grade a card ever gets
    REVIEW = "review"  # the first grade of a study day on a card seen before
    REPEAT = "repeat"  # a later grade on the same study day: logged, schedule unchanged


@dataclass(frozen=True)
class CardSchedule:
    """Everything a grade reads or writes on a card."""

    repetitions: int = 0
    ease: Decimal = scheduler.INITIAL_EASE
    interval: int = 0
    due: date | None = None  # None: a new card, never graded
    lapses: int = 0
    last_reviewed: datetime | None = None
    learning_due_at: datetime | None = None  # set while the card is repeated in today's session

    @property
    def sm2(self) -> scheduler.SM2State:
        return scheduler.SM2State(self.repetitions, self.ease, self.interval)


def is_repeating(card: CardSchedule, *, today_starts: datetime) -> bool:
    """Whether the card was graded below 4 today and waits to be shown again today."""
    return (
        card.learning_due_at is not None
        and card.last_reviewed is not None
        and card.last_reviewed >= today_starts
    )


@dataclass(frozen=True)
class Outcome:
    kind: ReviewKind
    schedule: CardSchedule


def grade(
    card: CardSchedule, quality: int, *, now: datetime, today: date, today_starts: datetime
) -> Outcome:
    """Apply ``quality`` to ``card`` at ``now``, on study day ``today`` that began at ``today_starts``."""
    state = scheduler.review(card.sm2, quality)  # validates quality even for a repeat
    requeue_at = None
    if quality < scheduler.SESSION_PASS_QUALITY:
        passed = quality >= scheduler.PASSING_QUALITY
        requeue_at = now + (HARD_REQUEUE_DELAY if passed else FAILED_REQUEUE_DELAY)

    if card.last_reviewed is not None and card.last_reviewed >= today_starts:
        repeated = replace(card, last_reviewed=now, learning_due_at=requeue_at)
        return Outcome(kind=ReviewKind.REPEAT, schedule=repeated)

    kind = ReviewKind.NEW if card.due is None else ReviewKind.REVIEW
    lapsed = kind is ReviewKind.REVIEW and quality < scheduler.PASSING_QUALITY
    schedule = CardSchedule(
        repetitions=state.repetitions,
        ease=state.ease,
        interval=state.interval,
        due=today + timedelta(days=state.interval),
        lapses=card.lapses + lapsed,
        last_reviewed=now,
        learning_due_at=requeue_at,
    )
    return Outcome(kind=kind, schedule=schedule)
