"""A user's collection out to files: Recall Markdown, CSV, Anki plain text, or the JSON backup."""

from __future__ import annotations

import datetime
import io
import json
import zipfile
from dataclasses import dataclass
from enum import StrEnum

from django.contrib.auth.models import AbstractBaseUser
from django.core.serializers.json import DjangoJSONEncoder

from cards import backup
from cards.formats import ParsedCard, ParsedDeck
from cards.formats.writers import write_anki_text, write_csv, write_markdown_deck
from cards.models import Card, Deck


class BackupEncoder(DjangoJSONEncoder):
    """Django's encoder, but datetimes to the microsecond (it cuts them to milliseconds)."""

    def default(self, o: object) -> object:
        if isinstance(o, datetime.datetime):
            return o.isoformat()
        return super().default(o)


class ExportFormat(StrEnum):
    MARKDOWN = "md"
    CSV = "csv"
    ANKI = "anki"
    JSON = "json"


@dataclass(frozen=True)
class ExportFile:
    name: str
    content: bytes
    content_type: str


def export_collection(user: AbstractBaseUser, export_format: ExportFormat) -> ExportFile:
    """Everything the user has, in one file (Markdown decks are zipped when there are several)."""
    match export_format:
        case ExportFormat.JSON:
            data = json.dumps(backup.dump(user), cls=BackupEncoder, ensure_ascii=False, indent=1)
            return ExportFile("recall-backup.json", data.encode(), "application/json")
        case ExportFormat.CSV:
            return ExportFile("recall-cards.csv", write_csv(_decks(user)).encode(), "text/csv")
        case ExportFormat.ANKI:
            text = write_anki_text(_decks(user, html=True))
            return ExportFile("recall-for-anki.txt", text.encode(), "text/plain")
        case ExportFormat.MARKDOWN:
            return _markdown(user)
        case _:
            raise ValueError(f"unknown export format {export_format!r}")


def _markdown(user: AbstractBaseUser) -> ExportFile:
    files = {f"{slug}.md": write_markdown_deck(deck) for slug, deck in _decks_by_slug(user)}
    if len(files) == 1:
        ((name, text),) = files.items()
        return ExportFile(name, text.encode(), "text/markdown")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return ExportFile("recall-decks.zip", buffer.getvalue(), "application/zip")


def _decks(user: AbstractBaseUser, *, html: bool = False) -> list[ParsedDeck]:
    return [deck for _, deck in _decks_by_slug(user, html=html)]


def _decks_by_slug(user: AbstractBaseUser, *, html: bool = False) -> list[tuple[str, ParsedDeck]]:
    """The user's decks as parsed decks, cards in deck order; ``html`` gives rendered sides."""
    cards: dict[int, list[ParsedCard]] = {}
    front, back = ("front_html", "back_html") if html else ("front", "back")
    rows = Card.objects.filter(owner=user).order_by("deck_id", "position", "pk")
    for row in rows.values("deck_id", "key", front, back, "tags", "is_html").iterator():
        card = ParsedCard(
            key=row["key"],
            front=row[front],
            back=row[back],
            tags=tuple(row["tags"].split()),
            line=0,
            is_html=html or row["is_html"],
        )
        cards.setdefault(row["deck_id"], []).append(card)
    return [
        (deck.slug, ParsedDeck(deck.name, deck.description, (), tuple(cards.get(deck.pk, [])), deck.slug))
        for deck in Deck.objects.filter(owner=user).order_by("name")
    ]
