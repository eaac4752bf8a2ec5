"""Deck file formats: each parser turns one file into plain data, or says everything wrong with it.

Pure: no Django. The shared result and error types live here so that every format (the native
Markdown deck, Anki's plain-text export, CSV/TSV and Anki packages) hands the import layer the same
shapes: the native format yields one :class:`ParsedDeck`; the foreign formats an :class:`ImportedFile`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

MAX_PROBLEMS = 50
"""A :class:`DeckFormatError` lists at most this many problems, then "… and N more problems"."""
TAG_PATTERN = r"[a-z0-9][a-z0-9_.:/-]*"
"""A tag, in every format and form: a lowercase letter or digit, then also ``_ . : / -``."""
TAG = re.compile(TAG_PATTERN)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file, at a 1-based line of that file."""

    source: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.message}"


class DeckFormatError(ValueError):
    """A file that cannot be imported; carries every problem found (not just the first).

    Past :data:`MAX_PROBLEMS`, the rest are folded into one last problem, "… and N more problems",
    placed at the line of the first one left out.
    """

    problems: tuple[Problem, ...]

    def __init__(self, problems: Iterable[Problem]) -> None:
        found = list(problems)
        if len(found) > MAX_PROBLEMS:
            omitted = len(found) - MAX_PROBLEMS
            first_omitted = found[MAX_PROBLEMS]
            noun = "problem" if omitted == 1 else "problems"
            found = [
                *found[:MAX_PROBLEMS],
                Problem(first_omitted.source, first_omitted.line, f"… and {omitted} more {noun}"),
            ]
        self.problems = tuple(found)
        super().__init__("\n".join(str(problem) for problem in self.problems))


@dataclass(frozen=True)
class ParsedCard:
    """One card as written in a file. ``front`` and ``back`` are Markdown, not yet rendered.

    With ``is_html`` they are HTML instead (from Anki): the renderer sanitises them, it does not
    treat them as Markdown.
    """

    key: str
    front: str
    back: str
    tags: tuple[str, ...]
    line: int
    is_html: bool = False


@dataclass(frozen=True)
class ParsedDeck:
    """One deck file: its name, description, deck-wide tags and cards in file order."""

    name: str
    description: str
    tags: tuple[str, ...]
    cards: tuple[ParsedCard, ...]
    source: str


@dataclass(frozen=True)
class ImportedFile:
    """What a foreign file (Anki text, CSV/TSV, Anki package) yields.

    ``decks`` in order of first appearance, their cards in file order. ``skipped`` counts the notes
    left out by reason (``"cloze note type 'Cloze'"``: 3), so that none is dropped silently.
    """

    decks: tuple[ParsedDeck, ...]
    skipped: dict[str, int] = field(default_factory=dict)
