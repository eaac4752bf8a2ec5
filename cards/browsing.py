"""The card browser's search: a query string and filters → a queryset of the user's cards."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import connections, router
from django.db.models import F, Q, QuerySet
from django.db.models.expressions import RawSQL

from cards import study
from cards.models import Card, Deck, suspended_is

SORTS = {  # each one an index's order (Card.Meta.indexes)
    "due": (F("due").asc(nulls_last=True), "pk"),  # new cards last, on every database
    "added": ("-created", "-pk"),
    "interval": ("-interval", "pk"),
    "ease": ("ease", "pk"),
    "lapses": ("-lapses", "pk"),
}
STATES = ("new", "learning", "review", "suspended", "buried")
DUE_WINDOWS = ("overdue", "today", "week")
TRIGRAM = 3
"""The shortest word the trigram indexes can find; shorter words are compared row by row."""
MATCHES = "SELECT rowid FROM cards_card_fts WHERE cards_card_fts MATCH %s"
"""The ids of the cards whose text matches, in SQLite's trigram index (migration 0008)."""


@dataclass(frozen=True)
class Search:
    """What the browser shows; every field comes from the URL, so a search can be bookmarked."""

    text: str = ""
    deck: str = ""  # deck slug
    tag: str = ""
    state: str = ""
    due: str = ""
    min_lapses: int | None = None
    sort: str = "due"


def find(user: AbstractBaseUser, search: Search, day: study.Day) -> QuerySet[Card]:
    # One filter() of every condition: each filter() call copies the whole query so far.
    conditions = [Q(owner=user), *_with_words(search.text.split())]
    if search.deck:  # by id, not by a join: the cards' side is then read from an index alone
        conditions.append(Q(deck__in=Deck.objects.filter(owner=user, slug=search.deck).values("pk")))
    if search.tag:  # a whole tag in the space-separated list
        tag = search.tag
        conditions.append(
            Q(tags=tag) | Q(tags__startswith=f"{tag} ") | Q(tags__endswith=f" {tag}")
            | Q(tags__contains=f" {tag} ")
        )  # fmt: skip
    if search.state in STATES:
        conditions.append(_state(search.state, day))
    if search.due in DUE_WINDOWS:
        conditions.append(_due(search.due, day))
    if search.min_lapses is not None:
        conditions.append(Q(lapses__gte=search.min_lapses))
    return Card.objects.filter(*conditions).order_by(*SORTS.get(search.sort, SORTS["due"]))


ROW_FIELDS = ("pk", "front", "suspended", "deck__name", "due", "interval", "ease", "lapses")
"""What the browser's table shows of a card."""


def rows(page: QuerySet[Card]) -> QuerySet[dict[str, object]]:
    """The table's rows for ``page``, a slice of ``find()``.

    The page's ids are read in order from one of the browser's indexes (``Card.Meta``), which
    hold the columns a search filters on; then only those cards are read, and only the columns
    the table shows.
    """
    return Card.objects.filter(pk__in=page).order_by(*page.query.order_by).values(*ROW_FIELDS)


def _with_words(words: list[str]) -> list[Q]:
    """Every word somewhere in the question, the answer or the tags, ignoring case.

    On PostgreSQL ``icontains`` is index-backed (trigram indexes on exactly its expressions). On
    SQLite the words of three characters or more are looked up in the trigram index, all in one
    MATCH; shorter words have no trigram and are compared row by row, within the index's
    matches. (SQLite's ``LIKE`` ignores the case of ASCII letters only; the index ignores it
    for every script.)
    """
    conditions = []
    indexed = [word for word in words if len(word) >= TRIGRAM]
    if indexed and connections[router.db_for_read(Card)].vendor == "sqlite":
        conditions.append(Q(pk__in=RawSQL(MATCHES, [match_all(indexed)])))
        words = [word for word in words if len(word) < TRIGRAM]
    conditions += [Q(front__icontains=word) | Q(back__icontains=word) | Q(tags__icontains=word) for word in words]
    return conditions


def match_all(words: list[str]) -> str:
    """An FTS5 query for rows that hold every word as it is: each word is a quoted string, so
    nothing in it (``*``, ``-``, ``NEAR``, ``AND``, parentheses, quotes) is query syntax."""
    return " ".join('"{}"'.format(word.replace('"', '""')) for word in words)


def _state(state: str, day: study.Day) -> Q:
    # The null test first: few cards are in a learning step, so most skip the date comparison.
    repeating = Q(learning_due_at__isnull=False) & Q(last_reviewed__gte=day.starts)
    match state:
        case "new":
            return Q(due__isnull=True) & suspended_is(False)
        case "learning":
            return repeating & suspended_is(False)
        case "review":
            return Q(due__isnull=False) & suspended_is(False) & ~repeating
        case "suspended":
            return suspended_is(True)
        case _:
            return Q(buried_until__gt=day.today)


def _due(window: str, day: study.Day) -> Q:
    match window:
        case "overdue":
            return Q(due__lt=day.today)
        case "today":
            return Q(due__lte=day.today)
        case _:
            return Q(due__lte=day.today + timedelta(days=7))
