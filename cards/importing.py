"""Writing parsed decks into a collection: upsert by key, one transaction, history kept.

Re-importing a file adds new cards, updates changed ones (re-rendering their HTML) and skips
unchanged ones by a content hash; schedules and reviews are never touched. Cards that are in the
collection but not in the file are counted, never deleted.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.text import slugify

from cards.formats import DeckFormatError, ParsedCard, ParsedDeck, Problem
from cards.formats.markdown_deck import parse_deck
from cards.models import Card, Deck
from cards.rendering import RENDERER_VERSION, render_markdown

BULK_BATCH = 500
DECK_NAME_MAX = Deck._meta.get_field("name").max_length
TAGS_MAX = Card._meta.get_field("tags").max_length
CONTENT_FIELDS = [
    "front", "back", "front_html", "back_html", "tags", "position", "content_hash", "render_version",
]  # fmt: skip


@dataclass(frozen=True)
class DeckReport:
    name: str
    added: int
    updated: int
    unchanged: int
    missing: int
    """Cards in the collection's deck that the file no longer has (kept)."""

    def describe(self, *, dry_run: bool = False) -> str:
        verb = "would import" if dry_run else "imported"
        return (
            f"{self.name}: {verb} {self.added} new, {self.updated} updated, {self.unchanged} "
            f"unchanged; {self.missing} in the collection but not in the files"
        )


def read_deck_files(paths: Iterable[Path]) -> list[ParsedDeck]:
    """Parse native Markdown decks (a folder stands for its ``*.md`` files, sorted).

    Raises ``DeckFormatError`` with the problems of every file if any file is bad.
    """
    files: list[Path] = []
    for path in paths:
        files.extend(sorted(path.glob("*.md")) if path.is_dir() else [path])
    decks: list[ParsedDeck] = []
    problems: list[Problem] = []
    for file in files:
        try:
            text = file.read_bytes().decode("utf-8")
        except OSError as error:
            problems.append(Problem(str(file), 1, f"cannot read the file: {error.strerror}"))
            continue
        except UnicodeDecodeError as error:
            line = file.read_bytes()[: error.start].count(b"\n") + 1
            problems.append(Problem(str(file), line, "not UTF-8 text"))
            continue
        try:
            decks.append(parse_deck(text, source=str(file)))
        except DeckFormatError as error:
            problems.extend(error.problems)
    if problems:
        raise DeckFormatError(problems)
    return decks


def import_decks(
    decks: Sequence[ParsedDeck],
    *,
    owner: AbstractBaseUser | None,
    deck_name: str | None = None,
    dry_run: bool = False,
) -> list[DeckReport]:
    """Upsert ``decks`` into ``owner``'s collection (``None``: the bundled library).

    ``deck_name`` puts every card into that one deck. With ``dry_run`` nothing is written.
    """
    grouped = _group_by_deck(decks, deck_name)
    reports = []
    with transaction.atomic():
        for name, (description, cards) in grouped.items():
            reports.append(_upsert_deck(owner, name, description, cards, dry_run=dry_run))
        if dry_run:
            transaction.set_rollback(True)
    return reports


def _group_by_deck(
    decks: Sequence[ParsedDeck], deck_name: str | None
) -> dict[str, tuple[str, list[tuple[ParsedDeck, ParsedCard]]]]:
    grouped: dict[str, tuple[str, list[tuple[ParsedDeck, ParsedCard]]]] = {}
    seen: dict[tuple[str, str], tuple[ParsedDeck, ParsedCard]] = {}
    problems = []
    for deck in decks:
        name = deck_name or deck.name
        if len(name) > DECK_NAME_MAX:
            problems.append(Problem(deck.source, 1, f"the deck name is longer than {DECK_NAME_MAX} characters"))
        description, cards = grouped.setdefault(name, (deck.description, []))
        for card in deck.cards:
            if len(" ".join(card.tags)) > TAGS_MAX:
                problems.append(Problem(deck.source, card.line, f"the tags are longer than {TAGS_MAX} characters in all"))
            first = seen.setdefault((name, card.key), (deck, card))
            if first[1] is not card:
                problems.append(
                    Problem(
                        deck.source,
                        card.line,
                        f"key '{card.key}' is already used in {first[0].source}:{first[1].line}",
                    )
                )
            cards.append((deck, card))
    if problems:
        raise DeckFormatError(problems)
    return grouped


def content_hash(card: ParsedCard) -> str:
    payload = "\x1f".join([card.front, card.back, " ".join(card.tags)])
    return hashlib.sha256(payload.encode()).hexdigest()


def _upsert_deck(
    owner: AbstractBaseUser | None,
    name: str,
    description: str,
    cards: list[tuple[ParsedDeck, ParsedCard]],
    *,
    dry_run: bool,
) -> DeckReport:
    # Decks are matched by exact name, as in Anki (a dry run's writes are rolled back).
    deck = Deck.objects.filter(owner=owner, name=name).first()
    if deck is None:
        slug = _free_slug(owner, name)
        deck = Deck.objects.create(owner=owner, name=name, slug=slug, description=description)
    elif deck.description != description:
        deck.description = description
        deck.save(update_fields=["description"])
    existing = {
        card.key: card
        for card in deck.cards.only("pk", "key", "content_hash", "position", "render_version")
    }

    added: list[Card] = []
    changed: list[Card] = []
    unchanged = 0
    for position, (_, parsed) in enumerate(cards):
        digest = content_hash(parsed)
        card = existing.pop(parsed.key, None)
        if card is None:
            card = Card(owner=owner, deck=deck, key=parsed.key)
            added.append(_fill(card, parsed, position, digest, dry_run=dry_run))
        elif (card.content_hash, card.position, card.render_version) != (
            digest, position, RENDERER_VERSION
        ):
            changed.append(_fill(card, parsed, position, digest, dry_run=dry_run))
        else:
            unchanged += 1
    if not dry_run:
        Card.objects.bulk_create(added, batch_size=BULK_BATCH)
        Card.objects.bulk_update(changed, CONTENT_FIELDS, batch_size=BULK_BATCH)
    return DeckReport(
        name=name, added=len(added), updated=len(changed), unchanged=unchanged, missing=len(existing)
    )


def _free_slug(owner: AbstractBaseUser | None, name: str) -> str:
    """A slug for a new deck that no other deck of the owner has ("c" for C, "c-2" for C++)."""
    base = (slugify(name, allow_unicode=True) or "deck")[: DECK_NAME_MAX - 10]
    taken = set(Deck.objects.filter(owner=owner, slug__startswith=base).values_list("slug", flat=True))
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


def _fill(card: Card, parsed: ParsedCard, position: int, digest: str, *, dry_run: bool) -> Card:
    card.front, card.back = parsed.front, parsed.back
    card.tags = " ".join(parsed.tags)
    card.position, card.content_hash = position, digest
    if not dry_run:  # rendering is the costly part, and a preview does not need it
        render_card(card)
    return card


def render_card(card: Card) -> None:
    """Fill the card's HTML from its Markdown with the current renderer."""
    card.front_html = render_markdown(card.front)
    card.back_html = render_markdown(card.back)
    card.render_version = RENDERER_VERSION
