"""One uploaded or named file → the parser its name and first line call for.

Pure: takes the file's name and bytes. Text must be UTF-8 (a byte-order mark is allowed);
anything else is refused at the line where decoding failed.
"""

from __future__ import annotations

import re
from pathlib import PurePath

from cards.formats import DeckFormatError, ImportedFile, Problem
from cards.formats.anki_text import parse_anki_text
from cards.formats.apkg import parse_apkg
from cards.formats.delimited import parse_delimited
from cards.formats.markdown_deck import parse_deck

DECK_SUFFIXES = (".md", ".markdown", ".txt", ".tsv", ".csv", ".apkg")
# A CSV/TSV header row that names the columns Recall reads; Anki's export has no header row
# (its "#key:value" lines are not one).
_HEADER_ROW_RE = re.compile(r"(?=.*\bfront\b)(?=.*\bback\b)", re.I)


def parse_file(name: str, data: bytes, *, default_deck: str) -> ImportedFile:
    """Parse one deck file of any supported format; raises ``DeckFormatError``."""
    suffix = PurePath(name).suffix.lower()
    if suffix == ".apkg":
        return parse_apkg(data, source=name, default_deck=default_deck)
    if suffix not in DECK_SUFFIXES:
        supported = ", ".join(DECK_SUFFIXES)
        raise DeckFormatError([Problem(name, 1, f"not a deck file Recall reads ({supported})")])
    text = decode_text(name, data)
    if suffix in (".md", ".markdown"):
        return ImportedFile(decks=(parse_deck(text, source=name),))
    first_line = text.lstrip("\ufeff").split("\n", 1)[0]
    if suffix == ".csv" or (_HEADER_ROW_RE.match(first_line) and not first_line.startswith("#")):
        return parse_delimited(text, source=name, default_deck=default_deck)
    return parse_anki_text(text, source=name, default_deck=default_deck)


def decode_text(name: str, data: bytes) -> str:
    """UTF-8, with or without a byte-order mark; anything else is a problem at its line."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise DeckFormatError(
            [Problem(name, line, "not UTF-8 text; save the file as UTF-8 and import it again")]
        ) from None
