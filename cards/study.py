"""Today's study queue and the actions taken on it: grade, undo, bury, suspend.

One queue builder serves the review page, the dashboard's "due today" and the tests. A review
step (grade + next card) costs a fixed handful of queries whatever the collection's size: the
queue is read in one statement of index-backed scalar subqueries, each capped by a daily limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import cache

from django.db import connection, transaction
from django.db.models import F, Min
from django.http import Http404
from django.utils import timezone

from cards import daily, grading, rows, studyday
from cards.models import SCHEDULE_FIELDS, Card, Deck, Review, StudySettings, suspended_is
from cards.scheduler import PASSING_QUALITY

REVIEW_COUNTERS = ("review_passes", "review_failures")
GRADED_FIELDS = (*SCHEDULE_FIELDS, *REVIEW_COUNTERS, "version", "modified")
"""What a grade, and its undo, change on the card."""
LOCKED_FIELDS = ("id", *SCHEDULE_FIELDS, *REVIEW_COUNTERS, "version", "suspended", "buried_until")
"""What a grade reads of the card: its text can be long and is not needed."""


@dataclass(frozen=True)
class Day:
    """The user's current study day."""

    today: date
    starts: datetime
    now: datetime


def current_day(settings: StudySettings, now: datetime | None = None) -> Day:
    now = now or timezone.now()
    zone = settings.zone
    today = studyday.study_day(now, zone, settings.day_start_hour)
    return Day(today=today, starts=studyday.day_start(today, zone, settings.day_start_hour), now=now)


@dataclass(frozen=True)
class Counts:
    new: int
    learning: int
    due: int

    @property
    def total(self) -> int:
        return self.new + self.learning + self.due


@dataclass(frozen=True)
class Queue:
    counts: Counts
    card: Card | None
    undo_review_id: int | None
    review_limit_reached: bool
    """Cards are due today that the daily review limit holds back."""
    new_limit_reached: bool
    """New cards are waiting that the daily new-card limit holds back."""


_QUEUE_SQL = """
WITH q AS (SELECT
  (SELECT COUNT(*) FROM (SELECT 1 FROM {card} WHERE {new} LIMIT %(new_cap)s) AS n) AS new_available,
  (SELECT COUNT(*) FROM (SELECT 1 FROM {card} WHERE {due} LIMIT %(due_cap)s) AS d) AS due_available,
  (SELECT COUNT(*) FROM {card} WHERE {learning}) AS learning,
  (SELECT COUNT(*) FROM {review} WHERE {today_reviews} AND kind = 'new') AS new_done,
  (SELECT COUNT(*) FROM {review} WHERE {today_reviews} AND kind = 'review') AS reviews_done,
  (SELECT id FROM {review} WHERE {today_reviews} ORDER BY reviewed_at DESC, id DESC LIMIT 1)
    AS undo_review_id,
  (SELECT id FROM {card} WHERE {learning} AND learning_due_at <= %(now)s
     ORDER BY learning_due_at, id LIMIT 1) AS learning_now_id,
  (SELECT id FROM {card} WHERE {due} ORDER BY due, id LIMIT 1) AS due_id,
  (SELECT id FROM {card} WHERE {new} ORDER BY deck_id, position, id LIMIT 1) AS new_id,
  (SELECT id FROM {card} WHERE {learning} ORDER BY learning_due_at, id LIMIT 1) AS learning_ahead_id
)
SELECT q.new_available, q.due_available, q.learning, q.new_done, q.reviews_done, q.undo_review_id,
  {card_columns}, d.name
FROM q
LEFT JOIN {card} c ON c.owner_id = %(user)s AND c.id = COALESCE(
  %(show)s,
  q.learning_now_id,
  CASE WHEN q.reviews_done < %(due_cap)s THEN q.due_id END,
  CASE WHEN q.new_done < %(new_cap)s THEN q.new_id END,
  q.learning_ahead_id
)
LEFT JOIN {deck} d ON d.id = c.deck_id
"""
"""Today's counts and the card to show, in one statement: the card asked for (after an undo),
learning cards whose delay is over, due cards (most overdue first) and new cards in deck order
while the daily limits allow, then learning cards ahead of time."""
_ACTIVE = (
    "owner_id = %(user)s AND suspended = {false}"
    " AND (buried_until IS NULL OR buried_until <= %(today)s){scope}"
)
# A session limited to one deck or one tag ("tags" holds space-separated tags).
_SCOPES = {
    "all": "",
    "deck": " AND deck_id = %(deck)s",
    "tag": " AND (' ' || tags || ' ') LIKE %(tag)s ESCAPE '!'",
}
SHOWN_FIELDS = ("id", "deck", "front_html", "back_html", "version", *SCHEDULE_FIELDS, "suspended", "buried_until")
"""What the review page reads of the card it shows."""


@cache
def _queue_sql(scope: str) -> str:
    active = _ACTIVE.format(scope=_SCOPES[scope], false=rows.literal(False))  # see rows.literal
    return _QUEUE_SQL.format(
        card=Card._meta.db_table,
        review=Review._meta.db_table,
        deck=Deck._meta.db_table,
        card_columns=rows.columns(Card, SHOWN_FIELDS, "c"),
        new=f"{active} AND due IS NULL",
        due=f"{active} AND due IS NOT NULL AND due <= %(today)s",
        # Repeated today: graded today and waiting to come back (a requeue time past the day's
        # end still belongs to the day it was graded on).
        learning=f"{active} AND learning_due_at IS NOT NULL AND last_reviewed >= %(starts)s",
        today_reviews="user_id = %(user)s AND reviewed_at >= %(starts)s",
    )


@dataclass(frozen=True)
class Scope:
    """What a study session is limited to: one deck, one tag, or (the default) everything.

    The daily limits still count every grade of the day, whatever the scope.
    """

    deck_id: int | None = None
    tag: str | None = None
    label: str = ""

    @property
    def kind(self) -> str:
        return "deck" if self.deck_id is not None else "tag" if self.tag else "all"

    def params(self) -> dict[str, object]:
        escaped = (self.tag or "").replace("!", "!!").replace("%", "!%").replace("_", "!_")
        return {"deck": self.deck_id, "tag": f"% {escaped} %"}


EVERYTHING = Scope()


def build_queue(
    settings: StudySettings,
    day: Day,
    *,
    show_card_id: int | None = None,
    scope: Scope = EVERYTHING,
) -> Queue:
    """Today's counts and the card to show next (see ``_QUEUE_SQL`` for the order).

    ``show_card_id`` asks for a particular card (after an undo) when it is still studyable today.
    """
    queue = _read_queue(settings, day, scope, show_card_id)
    if show_card_id is not None and (queue.card is None or not is_studyable(queue.card, day)):
        return _read_queue(settings, day, scope, None)
    return queue


def todays_counts(settings: StudySettings, day: Day) -> Counts:
    """What is left today (for the dashboard)."""
    return _read_queue(settings, day, EVERYTHING, None).counts


def _read_queue(settings: StudySettings, day: Day, scope: Scope, show_card_id: int | None) -> Queue:
    ops = connection.ops  # raw SQL: dates and times in the form the ORM stores them
    params = {
        "user": settings.user_id,
        "today": ops.adapt_datefield_value(day.today),
        "starts": ops.adapt_datetimefield_value(day.starts),
        "now": ops.adapt_datetimefield_value(day.now),
        "new_cap": settings.new_per_day,
        "due_cap": settings.reviews_per_day,
        "show": show_card_id,
        **scope.params(),
    }
    with connection.cursor() as cursor:
        cursor.execute(_queue_sql(scope.kind), params)
        new_available, due_available, learning, new_done, reviews_done, undo_review_id, *shown = (
            cursor.fetchone()
        )
    *card_values, deck_name = shown
    card = None
    if card_values[0] is not None:
        card = rows.build(Card, SHOWN_FIELDS, card_values)
        card.deck = Deck(pk=card.deck_id, name=deck_name)
    new_left = max(0, min(new_available, settings.new_per_day - new_done))
    due_left = max(0, min(due_available, settings.reviews_per_day - reviews_done))
    return Queue(
        counts=Counts(new=new_left, learning=learning, due=due_left),
        card=card,
        undo_review_id=undo_review_id,
        review_limit_reached=due_available > due_left,
        new_limit_reached=new_available > new_left,
    )


def is_studyable(card: Card, day: Day) -> bool:
    """Whether ``card`` belongs in today's session: new, due, or being repeated today."""
    if card.suspended or (card.buried_until is not None and card.buried_until > day.today):
        return False
    if grading.is_repeating(card.schedule, today_starts=day.starts):
        return True
    return card.due is None or card.due <= day.today


@dataclass(frozen=True)
class Upcoming:
    day: date
    count: int
    in_days: int


def next_due(settings: StudySettings, day: Day) -> Upcoming | None:
    """The next study day that has cards due, and how many (for the "all done" screen)."""
    upcoming = Card.objects.filter(suspended_is(False), owner_id=settings.user_id, due__gt=day.today)
    first = upcoming.aggregate(first=Min("due"))["first"]
    if first is None:
        return None
    count = upcoming.filter(due=first).count()
    return Upcoming(day=first, count=count, in_days=(first - day.today).days)


class StaleAction(Exception):
    """The card changed since the page showed it (a double click, a replayed POST, another tab)."""


def grade_card(
    settings: StudySettings, *, card_id: int, version: int, quality: int, answer_ms: int, day: Day
) -> Review:
    """Grade one card in one transaction and append its review.

    Raises ``Http404`` for a card that is not the user's, ``StaleAction`` when ``version`` is not
    the card's current one or the card is not in today's session, ``ValueError`` for a bad quality.
    """
    with transaction.atomic():
        card = _locked_card(settings, card_id)
        if card.version != version or not is_studyable(card, day):
            raise StaleAction
        before = card.schedule
        outcome = grading.grade(before, quality, now=day.now, today=day.today, today_starts=day.starts)
        after = outcome.schedule
        card.set_schedule(after)
        card.version += 1
        if outcome.kind is grading.ReviewKind.REVIEW:
            passed = quality >= PASSING_QUALITY
            card.review_passes += passed
            card.review_failures += not passed
        rows.update(card, GRADED_FIELDS)
        review = Review(
            card_id=card.pk,
            user_id=settings.user_id,
            reviewed_at=day.now,
            study_day=day.today,
            quality=quality,
            kind=outcome.kind,
            answer_ms=answer_ms,
            repetitions_before=before.repetitions,
            ease_before=before.ease,
            interval_before=before.interval,
            due_before=before.due,
            lapses_before=before.lapses,
            last_reviewed_before=before.last_reviewed,
            learning_due_at_before=before.learning_due_at,
            repetitions_after=after.repetitions,
            ease_after=after.ease,
            interval_after=after.interval,
            due_after=after.due,
            lapses_after=after.lapses,
            learning_due_at_after=after.learning_due_at,
        )
        rows.insert(review)
        daily.record(review)
        return review


def undo_review(settings: StudySettings, *, review_id: int, day: Day) -> Card:
    """Take back the user's latest grade of today: the card gets its exact earlier state back.

    Raises ``StaleAction`` unless ``review_id`` is still the latest review of the study day.
    """
    with transaction.atomic():
        latest = (
            Review.objects.select_for_update()
            .filter(user_id=settings.user_id, reviewed_at__gte=day.starts)
            .order_by("-reviewed_at", "-pk")
            .first()
        )
        if latest is None or latest.pk != review_id:
            raise StaleAction
        card = _locked_card(settings, latest.card_id)
        after = (latest.repetitions_after, latest.ease_after, latest.interval_after, latest.due_after)
        if (card.repetitions, card.ease, card.interval, card.due) != after:
            raise StaleAction  # changed since (a reset, a restore): undoing would overwrite that
        card.set_schedule(latest.schedule_before)
        card.version += 1
        if latest.kind == grading.ReviewKind.REVIEW:
            passed = latest.quality >= PASSING_QUALITY
            card.review_passes -= passed
            card.review_failures -= not passed
        rows.update(card, GRADED_FIELDS)
        daily.unrecord(latest)
        latest.delete()
        return card


class SetAside(StrEnum):
    """Taking a card out of today's study without grading it."""

    BURY = "bury"  # until the next study day
    SUSPEND = "suspend"  # until unsuspended


def set_aside(settings: StudySettings, *, card_id: int, version: int, action: SetAside, day: Day) -> int:
    """Bury or suspend the card; returns its new version (what an undo must name)."""
    if action is SetAside.BURY:
        _update_if_current(settings, card_id, version, buried_until=day.today + timedelta(days=1))
    else:
        _update_if_current(settings, card_id, version, suspended=True)
    return version + 1


def take_back(settings: StudySettings, *, card_id: int, version: int, action: SetAside) -> None:
    """Undo ``set_aside``: the card is back in study exactly as it was."""
    if action is SetAside.BURY:
        _update_if_current(settings, card_id, version, buried_until=None)
    else:
        _update_if_current(settings, card_id, version, suspended=False)


def _update_if_current(settings: StudySettings, card_id: int, version: int, **changes: object) -> None:
    updated = Card.objects.filter(owner_id=settings.user_id, pk=card_id, version=version).update(
        version=F("version") + 1, modified=timezone.now(), **changes
    )
    if not updated:
        if not Card.objects.filter(owner_id=settings.user_id, pk=card_id).exists():
            raise Http404
        raise StaleAction


def _locked_card(settings: StudySettings, card_id: int) -> Card:
    with connection.cursor() as cursor:
        cursor.execute(_locked_card_sql(), [settings.user_id, card_id])
        row = cursor.fetchone()
    if row is None:
        raise Http404
    return rows.build(Card, LOCKED_FIELDS, row)


@cache
def _locked_card_sql() -> str:
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""  # SQLite: IMMEDIATE
    return (
        f"SELECT {rows.columns(Card, LOCKED_FIELDS, 'c')} FROM {Card._meta.db_table} c"
        f" WHERE c.owner_id = %s AND c.id = %s{lock}"
    )
