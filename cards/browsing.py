"""The card browser's search: a query string and filters → a queryset of the user's cards."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import F, Q, QuerySet

from cards import study
from cards.models import Card

SORTS = {
    "due": (F("due").asc(nulls_last=True), "pk"),  # new cards last, on every database
    "added": ("-created", "-pk"),
    "interval": ("-interval", "pk"),
    "ease": ("ease", "pk"),
    "lapses": ("-lapses", "pk"),
}
STATES = ("new", "learning", "review", "suspended", "buried")
DUE_WINDOWS = ("overdue", "today", "week")


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
    cards = Card.objects.filter(owner=user)
    for word in search.text.split():
        cards = cards.filter(Q(front__icontains=word) | Q(back__icontains=word) | Q(tags__icontains=word))
    if search.deck:
        cards = cards.filter(deck__slug=search.deck)
    if search.tag:  # a whole tag in the space-separated list
        tag = search.tag
        cards = cards.filter(
            Q(tags=tag) | Q(tags__startswith=f"{tag} ") | Q(tags__endswith=f" {tag}")
            | Q(tags__contains=f" {tag} ")
        )  # fmt: skip
    cards = cards.filter(_state(search.state, day)) if search.state in STATES else cards
    cards = cards.filter(_due(search.due, day)) if search.due in DUE_WINDOWS else cards
    if search.min_lapses is not None:
        cards = cards.filter(lapses__gte=search.min_lapses)
    return cards.select_related("deck").order_by(*SORTS.get(search.sort, SORTS["due"]))


def _state(state: str, day: study.Day) -> Q:
    repeating = Q(learning_due_at__isnull=False, last_reviewed__gte=day.starts)
    match state:
        case "new":
            return Q(due__isnull=True, suspended=False)
        case "learning":
            return repeating & Q(suspended=False)
        case "review":
            return Q(due__isnull=False, suspended=False) & ~repeating
        case "suspended":
            return Q(suspended=True)
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
