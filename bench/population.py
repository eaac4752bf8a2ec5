"""A realistic collection for the benchmarks: cards in every state and a year of review history."""

from __future__ import annotations

import itertools
import random
from datetime import datetime, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from cards import daily
from cards.grading import ReviewKind
from cards.models import Card, Deck, Review, StudySettings

BATCH = 10_000


def populate(username: str, *, cards: int, reviews: int):
    """A user with ``cards`` cards (a quarter new, most of the rest due) and ``reviews`` reviews
    spread over the last year, with Anki's default daily limits."""
    rng = random.Random(username)
    user = get_user_model().objects.create_user(username=username, password="bench")
    StudySettings.objects.create(user=user)
    deck = Deck.objects.create(owner=user, name="Bench", slug="bench")
    now = timezone.now()
    today = now.date()
    Card.objects.bulk_create(
        (_card(user, deck, i, rng, today, now, new=i % 4 == 0) for i in range(cards)),
        batch_size=BATCH,
    )
    add_reviews(user, reviews)
    return get_user_model().objects.select_related("study_settings").get(pk=user.pk)


def add_reviews(user, count: int) -> None:
    """Append ``count`` reviews over the last year to the log (and its per-day aggregates)."""
    rng = random.Random(f"{user.pk}-{count}")
    now = timezone.now()
    card_ids = list(Card.objects.filter(owner=user).values_list("pk", flat=True))
    rows = (_review_row(user.pk, rng.choice(card_ids), rng, now) for _ in range(count))
    with transaction.atomic(), connection.cursor() as cursor:
        while batch := list(itertools.islice(rows, BATCH)):
            cursor.executemany(INSERT_REVIEW, batch)
    daily.rebuild(user)


def _card(user, deck, i, rng, today, now, *, new: bool) -> Card:
    text = f"Question {i}: what does the benchmark measure at step {i}?"
    card = Card(owner=user, deck=deck, key=f"card-{i}", front=text, back=text * 3,
                front_html=f"<p>{text}</p>", back_html=f"<p>{text * 3}</p>", position=i)  # fmt: skip
    if not new:
        interval = rng.randint(1, 200)
        card.repetitions, card.interval = rng.randint(1, 8), interval
        card.ease = Decimal(rng.randrange(130, 300, 2)) / 100
        card.due = today + timedelta(days=rng.randint(-30, 5))
        card.last_reviewed = now - timedelta(days=interval + 1)
    return card


REVIEW_COLUMNS = [
    "card_id", "user_id", "reviewed_at", "study_day", "quality", "kind", "answer_ms",
    "repetitions_before", "ease_before", "interval_before", "due_before", "lapses_before",
    "repetitions_after", "ease_after", "interval_after", "due_after", "lapses_after",
]  # fmt: skip
INSERT_REVIEW = (
    f"INSERT INTO {Review._meta.db_table} ({', '.join(REVIEW_COLUMNS)}) "
    f"VALUES ({', '.join(['%s'] * len(REVIEW_COLUMNS))})"
)


def _review_row(user_id: int, card_id: int, rng: random.Random, now: datetime) -> tuple:
    """One review as a row: a million ORM objects would take minutes to build."""
    ops = connection.ops
    when = now - timedelta(days=rng.randint(1, 365), seconds=rng.randint(0, 86_399))
    interval = rng.randint(1, 120)
    day = when.date()
    return (
        card_id, user_id, ops.adapt_datetimefield_value(when), ops.adapt_datefield_value(day),
        rng.choice([1, 3, 4, 5]), ReviewKind.REVIEW.value, rng.randint(2_000, 30_000),
        3, "2.50", interval, ops.adapt_datefield_value(day), 0,
        4, "2.50", interval * 2, ops.adapt_datefield_value(day + timedelta(days=interval * 2)), 0,
    )  # fmt: skip
