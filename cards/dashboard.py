"""The progress dashboard's figures, read in a fixed handful of queries.

Review history is read only through the per-day aggregates (``DailyStats``), so the cost
grows with the number of study days and cards, never with the number of reviews.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connection
from django.db.models import Count

from cards import rows, stats, study
from cards.models import Card, DailyStats, Deck, StudySettings, suspended_is

RETENTION_PERIODS = (7, 30, 365)
FORECAST_DAYS = 30


@dataclass(frozen=True)
class Today:
    counts: study.Counts
    answers: int
    time_ms: int
    correct: int

    @property
    def correct_share(self) -> float | None:
        return self.correct / self.answers if self.answers else None

    @property
    def minutes(self) -> int:
        return round(self.time_ms / 60_000)


@dataclass
class Topic:
    """A deck or a tag, with how well its cards are held right now."""

    kind: str  # "deck" or "tag"
    name: str
    key: str  # the deck's slug or the tag: what "study this topic" passes to the review page
    cards: int = 0
    seen: int = 0
    mature: int = 0
    passed: int = 0
    failed: int = 0
    recall_sum: float = 0.0
    """Predicted recall summed over the cards (a card never studied adds 0)."""

    def add(self, cards: int, seen: int, mature: int, passed: int, failed: int, recall: float) -> None:
        self.cards += cards
        self.seen += seen
        self.mature += mature
        self.passed += passed
        self.failed += failed
        self.recall_sum += float(recall or 0)

    @property
    def retention(self) -> float | None:
        return stats.retention(self.passed, self.failed)

    @property
    def readiness(self) -> float | None:
        return self.recall_sum / self.cards if self.cards else None


@dataclass(frozen=True)
class Dashboard:
    today: Today
    streaks: stats.Streaks
    heatmap: stats.Heatmap
    forecast: list[tuple[date, int]]
    retention: dict[int, stats.RetentionRow]
    states: Counter[stats.CardState]
    intervals: list[stats.Bin]
    eases: list[stats.Bin]
    decks: list[Topic]
    tags: list[Topic]
    """Decks and tags, each weakest (lowest readiness) first."""


def build(settings: StudySettings, day: study.Day) -> Dashboard:
    user_id = settings.user_id
    counts = study.todays_counts(settings, day)
    days = list(
        DailyStats.objects.filter(user_id=user_id, answers__gt=0).values_list(
            "day", "answers", "correct", "time_ms",
            "young_passed", "young_failed", "mature_passed", "mature_failed",
        )  # fmt: skip
    )
    today_row = next((row for row in days if row[0] == day.today), None)
    today = Today(
        counts=counts,
        answers=today_row[1] if today_row else 0,
        time_ms=today_row[3] if today_row else 0,
        correct=today_row[2] if today_row else 0,
    )
    cards = Card.objects.filter(owner_id=user_id).order_by()
    studied = cards.filter(suspended_is(False), due__isnull=False)
    forecast_end = day.today + timedelta(days=FORECAST_DAYS)
    return Dashboard(
        today=today,
        streaks=stats.streaks((row[0] for row in days), today=day.today),
        heatmap=stats.heatmap({row[0]: row[1] for row in days}, today=day.today),
        forecast=stats.forecast(
            dict(studied.filter(due__lt=forecast_end).values_list("due").annotate(n=Count("pk"))),
            today=day.today,
            days=FORECAST_DAYS,
        ),
        retention={period: _retention(days, day.today, period) for period in RETENTION_PERIODS},
        intervals=stats.histogram(
            studied.values_list("interval").annotate(n=Count("pk")), edges=stats.INTERVAL_EDGES
        ),
        eases=stats.histogram(
            ((float(ease), n) for ease, n in studied.values_list("ease").annotate(n=Count("pk"))),
            edges=stats.EASE_EDGES,
        ),
        **_by_topic(user_id, day),
    )


def _retention(days: list[tuple], today: date, period: int) -> stats.RetentionRow:
    since = today - timedelta(days=period - 1)
    totals = [sum(row[i] for row in days if row[0] >= since) for i in range(4, 8)]
    return stats.RetentionRow(str(period), *totals)


def _by_topic(user_id: int, day: study.Day) -> dict[str, object]:
    """Every deck and tag with its figures, and the cards by state, from one grouped scan.

    A card's last review was ``interval`` days before its due date (only a day's first grade
    moves it), so its recall today is 0.9^((interval − days until due) / interval); the database
    sums that per deck and tag set. The SQL follows ``stats.readiness`` and ``stats.card_state``,
    and the tests hold the two against each other.
    """
    days_until_due = (
        "(due - %(today)s::date)"
        if connection.vendor == "postgresql"
        else "(julianday(due) - julianday(%(today)s))"
    )
    active = f"suspended = {rows.literal(False)}"
    seen = f"{active} AND due IS NOT NULL"
    repeating = "learning_due_at IS NOT NULL AND last_reviewed IS NOT NULL AND last_reviewed >= %(starts)s"
    mature = '"interval" >= %(mature)s'
    recall = f'POWER(%(target)s, ("interval" - {days_until_due}) * 1.0 / NULLIF("interval", 0))'
    sql = f"""
        SELECT deck_id, tags,
          SUM(CASE WHEN {active} THEN 1 ELSE 0 END),
          SUM(CASE WHEN {seen} THEN 1 ELSE 0 END),
          SUM(CASE WHEN {seen} AND {mature} THEN 1 ELSE 0 END),
          SUM(CASE WHEN {active} THEN review_passes ELSE 0 END),
          SUM(CASE WHEN {active} THEN review_failures ELSE 0 END),
          SUM(CASE WHEN {seen} THEN {recall} ELSE 0 END),
          SUM(CASE WHEN {active} AND due IS NULL THEN 1 ELSE 0 END),
          SUM(CASE WHEN {seen} AND {repeating} THEN 1 ELSE 0 END),
          SUM(CASE WHEN {seen} AND NOT ({repeating}) AND NOT ({mature}) THEN 1 ELSE 0 END),
          SUM(CASE WHEN {seen} AND NOT ({repeating}) AND {mature} THEN 1 ELSE 0 END),
          SUM(CASE WHEN {active} THEN 0 ELSE 1 END)
        FROM {Card._meta.db_table} WHERE owner_id = %(user)s
        GROUP BY deck_id, tags
    """
    params = {
        "user": user_id,
        "today": connection.ops.adapt_datefield_value(day.today),
        "starts": connection.ops.adapt_datetimefield_value(day.starts),
        "mature": stats.MATURE_INTERVAL,
        "target": stats.TARGET_RECALL,
    }
    decks = {
        pk: Topic("deck", name, slug)
        for pk, name, slug in Deck.objects.filter(owner_id=user_id).values_list("pk", "name", "slug")
    }
    tags: dict[str, Topic] = {}
    states: Counter[stats.CardState] = Counter()
    state_order = [stats.CardState(name) for name in ("new", "learning", "young", "mature", "suspended")]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for deck_id, tag_text, *figures in cursor.fetchall():
            topic_figures, state_counts = figures[:6], figures[6:]
            decks[deck_id].add(*topic_figures)
            for tag in tag_text.split():
                tags.setdefault(tag, Topic("tag", f"#{tag}", tag)).add(*topic_figures)
            states.update(dict(zip(state_order, (int(n or 0) for n in state_counts), strict=True)))
    return {
        "decks": _weakest_first(d for d in decks.values() if d.cards),
        "tags": _weakest_first(tags.values()),
        "states": +states,
    }


def _weakest_first(topics: Iterable[Topic]) -> list[Topic]:
    return sorted(topics, key=lambda t: (t.readiness is None, t.readiness or 0.0, t.name))
