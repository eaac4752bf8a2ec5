"""The bundled decks in ``fixtures/``: a library every account copies, and updates of the copies.

The library is a set of decks with no owner, loaded (and updated) from the fixtures by
``manage.py load_library``. Its cards are rendered then, so a copy only copies rows.

A copy remembers where it came from: the deck its library deck (``Deck.source``), each card the
library's content hash it was copied or last updated at (``Card.source_hash``: while the card's
own hash equals it, the user has not edited the card), and the account which library decks and
cards it has had (``LibraryOffer``). An update from the library then adds to each copy the
library's cards that are new to the account, brings the unedited cards to the library's text,
leaves the cards the user edited and those the library dropped as they are, and copies the
library decks the account never had. A deck or card the user deleted does not come back, and
schedules and reviews are never touched.

``plan`` works an update out from plain values; ``plan_update`` reads them for one account, and
``update_from_library`` applies what it finds.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils import timezone

from cards.importing import (
    BULK_BATCH, CONTENT_FIELDS, DeckReport, first_unused, import_decks, read_paths,
)  # fmt: skip
from cards.models import Card, Deck, LibraryOffer

FIXTURES_DIR = settings.BASE_DIR / "fixtures"
COPIED_FIELDS = ["key", *CONTENT_FIELDS]
TEXT_FIELDS = [name for name in CONTENT_FIELDS if name != "position"]
"""What an update changes in a card the user has not edited: not its key, place or schedule."""


def load_library(directory: Path = FIXTURES_DIR) -> list[DeckReport]:
    """Import (or update) every bundled deck of ``directory`` into the library.

    Cards no longer in the files leave the library (so new accounts do not copy them); the
    accounts' copies of them stay.
    """
    return import_decks(read_paths([directory]).decks, owner=None, prune=True)


def copy_library_to(user: AbstractBaseUser) -> int:
    """Give ``user`` their own copy of every library deck, as new cards. Returns the card count."""
    with transaction.atomic():
        library = list(Deck.objects.filter(owner__isnull=True))
        if not library:
            load_library()
            library = list(Deck.objects.filter(owner__isnull=True))
        return copy_decks(user, library)


def copy_decks(user: AbstractBaseUser, library: Sequence[Deck]) -> int:
    """Give ``user`` a linked copy of each of these library decks, and record them as offered.

    A copy takes the library deck's name, or "Name (2)" when the user has a deck of that name.
    Returns the number of cards copied.
    """
    taken = list(Deck.objects.filter(owner=user).values_list("name", "slug"))
    names, slugs = {name for name, _ in taken}, {slug for _, slug in taken}
    copies = {}
    for deck in library:
        name, slug = first_unused(deck.name, names, "{} ({})"), first_unused(deck.slug, slugs, "{}-{}")
        names.add(name)
        slugs.add(slug)
        copies[deck.pk] = Deck(
            owner=user, name=name, slug=slug, description=deck.description, source=deck
        )
    Deck.objects.bulk_create(copies.values())
    newest = dict.fromkeys(copies, 0)
    cards = []
    for row in Card.objects.filter(deck__in=library).values("pk", "deck_id", *COPIED_FIELDS):
        newest[row["deck_id"]] = max(newest[row["deck_id"]], row["pk"])
        cards.append(_from_library(row, COPIED_FIELDS, owner=user, deck=copies[row["deck_id"]]))
    Card.objects.bulk_create(cards, batch_size=BULK_BATCH)
    _record_offers(user, newest)
    return len(cards)


# The plan: plain values in, plain values out.


@dataclass(frozen=True)
class LibraryDeck:
    pk: int
    name: str
    cards: int


@dataclass(frozen=True)
class LibraryCard:
    pk: int
    key: str
    content_hash: str


@dataclass(frozen=True)
class CopiedCard:
    pk: int
    key: str
    content_hash: str
    source_hash: str

    @property
    def edited(self) -> bool:
        """Changed by the user since it was copied (or of unknown origin, which counts the same)."""
        return not self.source_hash or self.content_hash != self.source_hash


@dataclass(frozen=True)
class DeckUpdate:
    """What an update does to one of the account's copies."""

    deck_id: int
    source_id: int
    added: tuple[int, ...]
    """Library cards new to the account, to copy in as new cards."""
    corrected: tuple[tuple[int, int], ...]
    """(card, library card): cards the user has not edited and the library has changed."""
    kept: int
    """Cards the user edited and the library changed too: left as the user has them."""
    dropped: int
    """Cards from the library that it no longer has: kept."""
    offered_through: int | None
    """The newest library card of the deck, when the account's offer is to move up to it."""


@dataclass(frozen=True)
class LibraryUpdate:
    """What an update from the library does to one account."""

    new_decks: tuple[LibraryDeck, ...]
    """Library decks the account was never offered: copied whole."""
    removed_decks: tuple[LibraryDeck, ...]
    """Library decks whose copy the account deleted: copied only when the user asks."""
    decks: tuple[DeckUpdate, ...]

    @property
    def added(self) -> int:
        return sum(len(deck.added) for deck in self.decks)

    @property
    def corrected(self) -> int:
        return sum(len(deck.corrected) for deck in self.decks)

    @property
    def kept(self) -> int:
        return sum(deck.kept for deck in self.decks)

    @property
    def dropped(self) -> int:
        return sum(deck.dropped for deck in self.decks)

    @property
    def has_changes(self) -> bool:
        return bool(self.new_decks) or self.added > 0 or self.corrected > 0

    def describe(self) -> str:
        return (
            f"{len(self.new_decks)} decks and {self.added} cards added, {self.corrected} corrected; "
            f"{self.kept} edited and {self.dropped} no longer in the library kept as they are"
        )


def plan(
    library: Sequence[LibraryDeck],
    offers: Mapping[int, int],
    copies: Mapping[int, int],
    library_cards: Mapping[int, Sequence[LibraryCard]],
    copied_cards: Mapping[int, Sequence[CopiedCard]],
) -> LibraryUpdate:
    """The update of one account.

    ``offers`` maps the library decks the account has had to their ``offered_through``;
    ``copies`` maps the account's linked decks to their library decks; the cards are grouped
    by deck id (library cards by their library deck, copied cards by the account's deck).
    """
    copied = set(copies.values())
    absent = [deck for deck in library if deck.pk not in copied]
    return LibraryUpdate(
        new_decks=tuple(deck for deck in absent if deck.pk not in offers),
        removed_decks=tuple(deck for deck in absent if deck.pk in offers),
        decks=tuple(
            plan_deck(
                deck_id,
                source_id,
                library_cards.get(source_id, ()),
                copied_cards.get(deck_id, ()),
                offered_through=offers.get(source_id, 0),
            )
            for deck_id, source_id in copies.items()
        ),
    )


def plan_deck(
    deck_id: int,
    source_id: int,
    library: Sequence[LibraryCard],
    copies: Sequence[CopiedCard],
    *,
    offered_through: int,
) -> DeckUpdate:
    """The update of one copy; a library card it lacks is added only if the account never had it."""
    mine = {card.key: card for card in copies}
    added, corrected, kept = [], [], 0
    for source in library:
        card = mine.get(source.key)
        if card is None:
            if source.pk > offered_through:
                added.append(source.pk)
        elif source.content_hash in (card.source_hash, card.content_hash):
            continue  # the library has not changed the card, or now says what the user wrote
        elif card.edited:
            kept += 1
        else:
            corrected.append((card.pk, source.pk))
    keys = {source.key for source in library}
    newest = max((source.pk for source in library), default=0)
    return DeckUpdate(
        deck_id=deck_id,
        source_id=source_id,
        added=tuple(added),
        corrected=tuple(corrected),
        kept=kept,
        dropped=sum(1 for card in copies if card.source_hash and card.key not in keys),
        offered_through=newest if newest > offered_through else None,
    )


# Reading the plan's values and applying it.


def plan_update(user: AbstractBaseUser) -> LibraryUpdate:
    """What ``update_from_library`` would do for ``user`` (five queries, whatever the sizes)."""
    library = Deck.objects.filter(owner__isnull=True).annotate(total=Count("cards")).order_by("name")
    offers = LibraryOffer.objects.filter(user=user).values_list("library_deck_id", "offered_through")
    copies = Deck.objects.filter(owner=user, source__isnull=False).values_list("pk", "source_id")
    library_cards = Card.objects.filter(deck__in=Deck.objects.filter(copies__owner=user))
    copied_cards = Card.objects.filter(owner=user, deck__source__isnull=False)
    return plan(
        [LibraryDeck(*row) for row in library.values_list("pk", "name", "total")],
        dict(offers),
        dict(copies),
        _by_deck(library_cards, LibraryCard, "pk", "key", "content_hash"),
        _by_deck(copied_cards, CopiedCard, "pk", "key", "content_hash", "source_hash"),
    )


def update_from_library(user: AbstractBaseUser) -> LibraryUpdate:
    """Apply ``plan_update(user)`` in one transaction and return it; run again, it does nothing."""
    with transaction.atomic():
        _lock(user)
        update = plan_update(user)
        if update.new_decks:
            copy_decks(user, list(Deck.objects.filter(pk__in=[deck.pk for deck in update.new_decks])))
        wanted = {pk for deck in update.decks for pk in deck.added}
        wanted.update(source for deck in update.decks for _, source in deck.corrected)
        library_rows = Card.objects.filter(pk__in=wanted).values("pk", *COPIED_FIELDS)
        rows = {row["pk"]: row for row in library_rows}
        added = [
            _from_library(rows[pk], COPIED_FIELDS, owner=user, deck_id=deck.deck_id)
            for deck in update.decks
            for pk in deck.added
        ]
        Card.objects.bulk_create(added, batch_size=BULK_BATCH)
        now = timezone.now()
        corrected = [
            _from_library(rows[source], TEXT_FIELDS, pk=pk, modified=now)
            for deck in update.decks
            for pk, source in deck.corrected
        ]
        Card.objects.bulk_update(
            corrected, [*TEXT_FIELDS, "source_hash", "modified"], batch_size=BULK_BATCH
        )
        moved = {deck.source_id: deck.offered_through for deck in update.decks}
        _record_offers(user, {pk: through for pk, through in moved.items() if through is not None})
    return update


def add_library_deck(user: AbstractBaseUser, deck: Deck) -> bool:
    """Copy one library deck at the user's request (one they deleted, say).

    Returns False, and changes nothing, when the user already has a copy of it.
    """
    with transaction.atomic():
        _lock(user)
        if Deck.objects.filter(owner=user, source=deck).exists():
            return False
        copy_decks(user, [deck])
        return True


def _by_deck[T](cards: QuerySet[Card], kind: type[T], *fields: str) -> dict[int, list[T]]:
    grouped: dict[int, list[T]] = defaultdict(list)
    for deck_id, *values in cards.values_list("deck_id", *fields):
        grouped[deck_id].append(kind(*values))
    return grouped


def _from_library(row: Mapping[str, Any], fields: Iterable[str], **extra: Any) -> Card:
    """A card holding a library card's ``fields`` from its ``row``, linked by its hash."""
    return Card(source_hash=row["content_hash"], **{name: row[name] for name in fields}, **extra)


def _record_offers(user: AbstractBaseUser, offered_through: Mapping[int, int]) -> None:
    LibraryOffer.objects.bulk_create(
        [
            LibraryOffer(user=user, library_deck_id=deck_id, offered_through=through)
            for deck_id, through in offered_through.items()
        ],
        update_conflicts=True,
        unique_fields=["user", "library_deck"],
        update_fields=["offered_through"],
    )


def _lock(user: AbstractBaseUser) -> None:
    """Make one account's updates wait for each other, so two submissions cannot add a card
    twice, and lock its copied cards, so that an edit saved meanwhile is either seen by the plan
    (and kept) or waits and lands after the correction.

    (SQLite's immediate transactions already run one at a time; PostgreSQL locks the rows.)
    """
    get_user_model().objects.select_for_update().only("pk").get(pk=user.pk)
    copied = Card.objects.select_for_update(of=("self",)).filter(owner=user, deck__source__isnull=False)
    list(copied.values_list("pk", flat=True))
