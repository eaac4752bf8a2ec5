"""Decks back out to files: Recall Markdown, CSV, and Anki's plain text.

Pure: takes :class:`ParsedDeck` values (which the exporter builds from the database) and returns
text that the matching parser reads back to the same decks.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence

from cards.formats import ParsedCard, ParsedDeck

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_CARD_HEADING = re.compile(r"#{1,2}(?:[ \t]|$)")  # what the parser reads as a deck or card heading


def write_markdown_deck(deck: ParsedDeck) -> str:
    """One deck in the native format: TOML front matter, then a ``## `` heading per card."""
    lines = ["+++", f"deck = {_toml_string(deck.name)}"]
    if deck.description:
        lines.append(f"description = {_toml_string(deck.description)}")
    lines += ["+++", ""]
    for card in deck.cards:
        lines += [*_markdown_card(card), ""]
    return "\n".join(lines)


def _markdown_card(card: ParsedCard) -> list[str]:
    question, _, extra = card.front.partition("\n")
    attributes = f"#{card.key}" + (f' tags="{" ".join(card.tags)}"' if card.tags else "")
    lines = [f"## {question.strip()} {{{attributes}}}", ""]
    if extra.strip():
        lines += [extra.strip("\n"), "", "???", ""]
    lines.append(_protect_headings(card.back))
    return lines


def _protect_headings(markdown: str) -> str:
    """Escape a line that would start a new card (``## ``) outside code fences."""
    protected, fence = [], None
    for line in markdown.split("\n"):
        opened = _FENCE.match(line)
        if opened and (fence is None or opened[1].startswith(fence)):
            fence = None if fence else opened[1][0] * 3
        elif fence is None and _CARD_HEADING.match(line):
            line = "\\" + line
        protected.append(line)
    return "\n".join(protected)


def _toml_string(value: str) -> str:
    # A JSON string is a TOML basic string, but for DEL, which TOML wants escaped.
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


def write_csv(decks: Sequence[ParsedDeck]) -> str:
    """Every card as a CSV row under a ``deck,key,front,back,tags`` header (Markdown cells)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["deck", "key", "front", "back", "tags"])
    for deck in decks:
        for card in deck.cards:
            writer.writerow([deck.name, card.key, card.front, card.back, " ".join(card.tags)])
    return out.getvalue()


def write_anki_text(decks: Sequence[ParsedDeck]) -> str:
    """Anki's "Notes in Plain Text" with headers, so Anki imports decks, guids and tags.

    Cards must carry HTML (Anki shows fields as HTML).
    """
    out = io.StringIO()
    out.write("#separator:tab\n#html:true\n#guid column:1\n#deck column:2\n#tags column:5\n")
    # Every field quoted: a line starting with "#" (a guid can) would otherwise be a comment.
    writer = csv.writer(out, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_ALL)
    for deck in decks:
        for card in deck.cards:
            writer.writerow([card.key, deck.name, card.front, card.back, " ".join(card.tags)])
    return out.getvalue()
