"""Writing parsed decks into a collection: upsert by key, one transaction, history kept.

Re-importing a file adds new cards, updates changed ones (re-rendering their HTML) and skips
unchanged ones by a content hash; schedules and reviews are never touched. Cards that are in the
collection but not in the file are counted, never deleted.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePath

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.text import slugify

from cards import daily
from cards.formats import DeckFormatError, ParsedCard, ParsedDeck, Problem
from cards.formats.detect import DECK_SUFFIXES, parse_file
from cards.models import Card, Deck
from cards.rendering import RENDERER_VERSION, render_html, render_markdown

BULK_BATCH = 500
DECK_NAME_MAX = Deck._meta.get_field("name").max_length
TAGS_MAX = Card._meta.get_field("tags").max_length
NUL_MESSAGE = "contains a NUL character, which text cannot hold (is this a binary file?)"
CONTENT_FIELDS = [
    "front", "back", "is_html", "front_html", "back_html", "tags", "position", "content_hash",
    "render_version",
]  # fmt: skip


@dataclass(frozen=True)
class DeckReport:
    name: str
    added: int
    updated: int
    unchanged: int
    missing: int
    """Cards in the collection's deck that the file no longer has."""
    pruned: bool = False
    """Whether those cards were deleted (else they are kept)."""
    slug: str = ""

    def describe(self, *, dry_run: bool = False) -> str:
        verb = "would import" if dry_run else "imported"
        fate = ("would be deleted" if dry_run else "deleted") if self.pruned else "kept"
        return (
            f"{self.name}: {verb} {self.added} new, {self.updated} updated, {self.unchanged} "
            f"unchanged; {self.missing} in the collection but not in the files ({fate})"
        )


@dataclass(frozen=True)
class ImportBatch:
    """Everything read from the files of one import, ready to be written."""

    decks: tuple[ParsedDeck, ...]
    skipped: dict[str, int] = field(default_factory=dict)
    """Notes no card could be made of (cloze, image occlusion…), counted by reason."""

    @property
    def card_count(self) -> int:
        return sum(len(deck.cards) for deck in self.decks)


def read_paths(paths: Iterable[Path], *, deck_name: str | None = None) -> ImportBatch:
    """Read deck files from disk; a folder stands for the deck files in it, sorted."""
    uploads: list[tuple[str, bytes]] = []
    problems: list[Problem] = []
    for path in paths:
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in DECK_SUFFIXES) if path.is_dir() else [path]
        for file in files:
            try:
                uploads.append((str(file), file.read_bytes()))
            except OSError as error:
                problems.append(Problem(str(file), 1, f"cannot read the file: {error.strerror}"))
    if problems:
        raise DeckFormatError(problems)
    return read_uploads(uploads, deck_name=deck_name)


def read_uploads(files: Iterable[tuple[str, bytes]], *, deck_name: str | None = None) -> ImportBatch:
    """Parse named files of any supported format, within the size limits.

    Raises ``DeckFormatError`` with the problems of every file if any file is bad. A file with
    no deck name of its own goes into ``deck_name``, or a deck named after the file.
    """
    decks: list[ParsedDeck] = []
    skipped: Counter[str] = Counter()
    problems: list[Problem] = []
    for name, data in files:
        if len(data) > settings.RECALL_IMPORT_MAX_BYTES:
            limit = settings.RECALL_IMPORT_MAX_BYTES // 2**20
            problems.append(Problem(name, 1, f"the file is larger than the {limit} MiB an import may be"))
            continue
        try:
            imported = parse_file(name, data, default_deck=deck_name or PurePath(name).stem)
        except DeckFormatError as error:
            problems.extend(error.problems)
            continue
        decks.extend(imported.decks)
        skipped.update(imported.skipped)
    batch = ImportBatch(decks=tuple(decks), skipped=dict(skipped))
    if not problems and batch.card_count > settings.RECALL_IMPORT_MAX_CARDS:
        first = decks[0].source
        problems.append(
            Problem(first, 1, f"{batch.card_count} cards are more than the "
                    f"{settings.RECALL_IMPORT_MAX_CARDS} one import may hold; split the files")
        )  # fmt: skip
    if problems:
        raise DeckFormatError(problems)
    return batch


def import_decks(
    decks: Sequence[ParsedDeck],
    *,
    owner: AbstractBaseUser | None,
    deck_name: str | None = None,
    dry_run: bool = False,
    prune: bool = False,
) -> list[DeckReport]:
    """Upsert ``decks`` into ``owner``'s collection (``None``: the bundled library), in one
    transaction.

    ``deck_name`` puts every card into that one deck. With ``prune``, cards of these decks that
    the files no longer have are deleted with their history. With ``dry_run`` nothing is written.
    """
    grouped = _group_by_deck(decks, deck_name)
    reports = []
    with transaction.atomic():
        for name, (description, cards) in grouped.items():
            reports.append(
                _upsert_deck(owner, name, description, cards, dry_run=dry_run, prune=prune)
            )
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
        if "\x00" in name + deck.description:
            problems.append(Problem(deck.source, 1, NUL_MESSAGE))
        for card in deck.cards:
            if "\x00" in card.front + card.back + card.key:
                problems.append(Problem(deck.source, card.line, NUL_MESSAGE))
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
    payload = "\x1f".join([card.front, card.back, " ".join(card.tags), "html" * card.is_html])
    return hashlib.sha256(payload.encode()).hexdigest()


def _upsert_deck(
    owner: AbstractBaseUser | None,
    name: str,
    description: str,
    cards: list[tuple[ParsedDeck, ParsedCard]],
    *,
    dry_run: bool,
    prune: bool,
) -> DeckReport:
    # Decks are matched by exact name, as in Anki (a dry run's writes are rolled back).
    deck = Deck.objects.filter(owner=owner, name=name).first()
    if deck is None:
        slug = free_slug(owner, name)
        deck = Deck.objects.create(owner=owner, name=name, slug=slug, description=description)
    elif description and deck.description != description:  # CSV and Anki files have none
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
        if prune and existing:
            Card.objects.filter(pk__in=[card.pk for card in existing.values()]).delete()
            if owner is not None:  # their reviews went too: recount the days
                daily.rebuild(owner)
    return DeckReport(
        name=name,
        added=len(added),
        updated=len(changed),
        unchanged=unchanged,
        missing=len(existing),
        pruned=prune,
        slug=deck.slug,
    )


def free_slug(owner: AbstractBaseUser | None, name: str) -> str:
    """A slug for a new deck that no other deck of the owner has ("c" for C, "c-2" for C++)."""
    base = (slugify(name, allow_unicode=True) or "deck")[: DECK_NAME_MAX - 10]
    taken = set(Deck.objects.filter(owner=owner, slug__startswith=base).values_list("slug", flat=True))
    return first_unused(base, taken, "{}-{}")


def first_unused(base: str, taken: Container[str], pattern: str) -> str:
    """``base`` unless it is taken, else the first of ``pattern.format(base, n)`` for n = 2, 3, …
    that is not."""
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = pattern.format(base, n)
    return candidate


def _fill(card: Card, parsed: ParsedCard, position: int, digest: str, *, dry_run: bool) -> Card:
    card.front, card.back, card.is_html = parsed.front, parsed.back, parsed.is_html
    card.tags = " ".join(parsed.tags)
    card.position, card.content_hash = position, digest
    if not dry_run:  # rendering is the costly part, and a preview does not need it
        render_card(card)
    return card


def render_card(card: Card) -> None:
    """Fill the card's HTML from its Markdown with the current renderer."""
    render = render_html if card.is_html else render_markdown
    card.front_html = render(card.front)
    card.back_html = render(card.back)
    card.render_version = RENDERER_VERSION


def render_and_hash(card: Card) -> None:
    """After the card's text was written directly (an edit, a restore): its HTML, and the hash
    that a re-import or a library update compares the text by."""
    render_card(card)
    parsed = ParsedCard(card.key, card.front, card.back, tuple(card.tags.split()), 0, card.is_html)
    card.content_hash = content_hash(parsed)
