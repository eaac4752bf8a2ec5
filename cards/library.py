"""The bundled decks in ``fixtures/``: loaded once into a library, copied into every new account.

The library is a set of decks with no owner. Its cards are rendered when the library is loaded,
so a sign-up only copies rows (a few bulk inserts), whatever the deck's size.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from cards.importing import BULK_BATCH, DeckReport, import_decks, read_paths
from cards.models import Card, Deck

FIXTURES_DIR = settings.BASE_DIR / "fixtures"
COPIED_FIELDS = [
    "key", "front", "back", "is_html", "front_html", "back_html", "tags", "position",
    "content_hash", "render_version",
]  # fmt: skip


def load_library() -> list[DeckReport]:
    """Import (or update) every bundled deck into the library."""
    return import_decks(read_paths([FIXTURES_DIR]).decks, owner=None)


def copy_library_to(user: AbstractBaseUser) -> int:
    """Give ``user`` their own copy of every library deck, as new cards. Returns the card count."""
    with transaction.atomic():
        library = list(Deck.objects.filter(owner__isnull=True))
        if not library:
            load_library()
            library = list(Deck.objects.filter(owner__isnull=True))
        copies = {
            deck.pk: Deck(owner=user, name=deck.name, slug=deck.slug, description=deck.description)
            for deck in library
        }
        Deck.objects.bulk_create(copies.values())
        cards = [
            Card(owner=user, deck=copies[row.pop("deck_id")], **row)
            for row in Card.objects.filter(deck__in=library).values("deck_id", *COPIED_FIELDS)
        ]
        Card.objects.bulk_create(cards, batch_size=BULK_BATCH)
        return len(cards)
