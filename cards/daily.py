"""Per-day aggregates of the review log, maintained in the grade's own transaction.

``increments`` is the pure rule (what one grade adds to its day); ``record`` and ``unrecord``
apply it with one upsert statement; ``rebuild`` recomputes a user's days from the log.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.db.models import Count, F, Q, Sum

from cards.grading import ReviewKind
from cards.models import Card, DailyStats, Review
from cards.scheduler import PASSING_QUALITY
from cards.stats import MATURE_INTERVAL

COUNTERS = (
    "answers", "correct", "new_cards", "time_ms",
    "young_passed", "young_failed", "mature_passed", "mature_failed",
)  # fmt: skip

_UPSERT = (
    f"INSERT INTO {DailyStats._meta.db_table} (user_id, day, {', '.join(COUNTERS)}) "
    f"VALUES (%s, %s, {', '.join(['%s'] * len(COUNTERS))}) "
    "ON CONFLICT (user_id, day) DO UPDATE SET "
    + ", ".join(f"{c} = {DailyStats._meta.db_table}.{c} + excluded.{c}" for c in COUNTERS)
)


def increments(*, kind: str, quality: int, interval_before: int, answer_ms: int) -> dict[str, int]:
    """What one grade adds to its study day. True retention counts only reviews (the first
    grade of a day on a card seen before), young below a 21-day interval, as Anki does."""
    passed = quality >= PASSING_QUALITY
    counts = dict.fromkeys(COUNTERS, 0)
    counts.update(answers=1, correct=int(passed), new_cards=int(kind == ReviewKind.NEW), time_ms=answer_ms)
    if kind == ReviewKind.REVIEW:
        age = "mature" if interval_before >= MATURE_INTERVAL else "young"
        counts[f"{age}_{'passed' if passed else 'failed'}"] = 1
    return counts


def record(review: Review) -> None:
    """Add one review to its day's row, creating the row if needed: one statement."""
    counts = _counts(review)
    day = connection.ops.adapt_datefield_value(review.study_day)
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT, [review.user_id, day, *(counts[c] for c in COUNTERS)])


def unrecord(review: Review) -> None:
    """Take back a review that ``record`` added (an undo)."""
    counts = _counts(review)
    DailyStats.objects.filter(user_id=review.user_id, day=review.study_day).update(
        **{name: F(name) - value for name, value in counts.items() if value}
    )


def _counts(review: Review) -> dict[str, int]:
    return increments(
        kind=review.kind,
        quality=review.quality,
        interval_before=review.interval_before,
        answer_ms=review.answer_ms,
    )


def rebuild(user: AbstractBaseUser) -> int:
    """Recompute every day of ``user`` from the review log, and every card's pass/fail
    counters; returns the number of days. Run after reviews are deleted with their cards."""
    passed = Q(quality__gte=PASSING_QUALITY)
    reviews = Q(kind=ReviewKind.REVIEW)
    young = Q(interval_before__lt=MATURE_INTERVAL)
    rows = (
        Review.objects.filter(user=user)
        .values("study_day")
        .annotate(
            answers=Count("pk"),
            correct=Count("pk", filter=passed),
            new_cards=Count("pk", filter=Q(kind=ReviewKind.NEW)),
            time_ms=Sum("answer_ms"),
            young_passed=Count("pk", filter=reviews & young & passed),
            young_failed=Count("pk", filter=reviews & young & ~passed),
            mature_passed=Count("pk", filter=reviews & ~young & passed),
            mature_failed=Count("pk", filter=reviews & ~young & ~passed),
        )
        .order_by()
    )
    counters = (
        Review.objects.filter(user=user, kind=ReviewKind.REVIEW)
        .values("card_id")
        .annotate(passes=Count("pk", filter=passed), failures=Count("pk", filter=~passed))
        .order_by()
    )
    with transaction.atomic():
        DailyStats.objects.filter(user=user).delete()
        days = [DailyStats(user=user, day=row.pop("study_day"), **row) for row in rows]
        DailyStats.objects.bulk_create(days, batch_size=1000)
        Card.objects.filter(owner=user).update(review_passes=0, review_failures=0)
        cards = [Card(pk=row["card_id"], review_passes=row["passes"], review_failures=row["failures"]) for row in counters]
        Card.objects.bulk_update(cards, ["review_passes", "review_failures"], batch_size=1000)
    return len(days)
