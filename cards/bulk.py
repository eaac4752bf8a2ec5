"""Actions on many cards at once, from the card browser: each one transaction, owner-scoped."""

from __future__ import annotations

from enum import StrEnum

from django.db import transaction
from django.db.models import F, QuerySet

from django.contrib.auth import get_user_model

from cards import daily, scheduler
from cards.models import Card, Deck


class BulkAction(StrEnum):
    SUSPEND = "suspend"
    UNSUSPEND = "unsuspend"
    MOVE = "move"
    ADD_TAG = "add-tag"
    REMOVE_TAG = "remove-tag"
    RESET = "reset"
    DELETE = "delete"


NEEDS_CONFIRMATION = {BulkAction.RESET, BulkAction.DELETE}
User = get_user_model()


class BulkRefused(Exception):
    """The action cannot apply (a key clash in the target deck); nothing was changed."""


def apply(cards: QuerySet[Card], action: BulkAction, *, deck: Deck | None = None, tag: str = "") -> int:
    """Apply ``action`` to ``cards`` (already scoped to one owner); returns how many changed."""
    with transaction.atomic():
        match action:
            case BulkAction.SUSPEND | BulkAction.UNSUSPEND:
                suspended = action is BulkAction.SUSPEND
                return cards.exclude(suspended=suspended).update(
                    suspended=suspended, version=F("version") + 1
                )
            case BulkAction.MOVE:
                return _move(cards, deck)
            case BulkAction.ADD_TAG | BulkAction.REMOVE_TAG:
                return _retag(cards, tag, add=action is BulkAction.ADD_TAG)
            case BulkAction.RESET:
                # "Forget" as in Anki: the card starts again as new; its review history stays.
                return cards.update(
                    repetitions=0, ease=scheduler.INITIAL_EASE, interval=0, due=None, lapses=0,
                    last_reviewed=None, learning_due_at=None, buried_until=None,
                    version=F("version") + 1,
                )  # fmt: skip
            case BulkAction.DELETE:
                owner_id = cards.values_list("owner_id", flat=True).first()
                count = cards.count()
                Card.objects.filter(pk__in=cards.values("pk")).delete()
                if owner_id is not None:  # their reviews went too: recount the days
                    daily.rebuild(User(pk=owner_id))
                return count
            case _:
                raise ValueError(f"unknown bulk action {action!r}")


def _move(cards: QuerySet[Card], deck: Deck | None) -> int:
    if deck is None:
        raise ValueError("moving cards needs a target deck")
    moving = cards.exclude(deck=deck)
    keys = list(moving.values_list("key", flat=True))
    clashes = Card.objects.filter(deck=deck, key__in=keys).count() + len(keys) - len(set(keys))
    if clashes:
        raise BulkRefused(clashes)
    return moving.update(deck=deck)


def _retag(cards: QuerySet[Card], tag: str, *, add: bool) -> int:
    changed = []
    for card in cards.select_related(None).only("pk", "tags"):
        tags = card.tags.split()
        new_tags = tags + [tag] if add and tag not in tags else [t for t in tags if t != tag]
        if new_tags != tags:
            card.tags = " ".join(new_tags)
            changed.append(card)
    Card.objects.bulk_update(changed, ["tags"], batch_size=500)
    return len(changed)
