"""CSV and TSV decks: a header row naming the columns, then one card per row.

The header names ``front`` and ``back`` and optionally ``tags``, ``deck`` and ``key``, in any order
and case. Cells are Markdown. Quoting is the usual CSV one (a quoted cell may hold the delimiter,
doubled quotes and line breaks); every problem is reported at the first line of its row.

The delimiter, unless given, is the one among ``,``, tab and ``;`` that splits the header row into
known column names (the rows' contents do not vote: an answer full of semicolons must not turn a
CSV into a semicolon file); failing that, the one the header row holds most, else ``,``.

:func:`read_records` and :func:`split_lines` are shared with the Anki text format.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from cards.formats import TAG, DeckFormatError, ImportedFile, ParsedCard, ParsedDeck, Problem
from cards.formats.markdown_deck import MAX_KEY_LENGTH, is_valid_key, slugify_key

COLUMNS = ("front", "back", "tags", "deck", "key")
REQUIRED_COLUMNS = ("front", "back")
DELIMITERS = (",", "\t", ";")

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
_TAG_SEPARATORS = re.compile(r"[\s,]+")

Report = Callable[[int, str], None]


def parse_delimited(
    text: str, *, source: str, default_deck: str, delimiter: str | None = None
) -> ImportedFile:
    """Parse one CSV/TSV file; cards without a ``deck`` cell go to ``default_deck``.

    ``delimiter`` (one character, not a quote or line break) skips the guessing; any other value
    is a programming error (``ValueError``).
    """
    if delimiter is not None and not _is_usable_delimiter(delimiter):
        raise ValueError(f"unusable delimiter {delimiter!r}")
    problems: list[Problem] = []

    def report(line: int, message: str) -> None:
        problems.append(Problem(source, line, message))

    lines = split_lines(text.removeprefix("\ufeff"))
    delimiter = delimiter or _guess_delimiter(lines)
    records = read_records(lines, start=0, delimiter=delimiter, report=report)
    header = next(records, None)
    if header is None:
        report(1, "empty file: the first row must name the columns, as in front,back,tags")
        raise DeckFormatError(problems)
    columns = _read_header(*header, report=report)
    decks: dict[str, list[ParsedCard]] = {}
    if columns is not None:
        keys: dict[str, int] = {}
        for line, row in records:
            card, deck = _card(line, row, columns, keys, default_deck=default_deck, report=report)
            if card is not None:
                decks.setdefault(deck, []).append(card)
        if not decks and not problems:
            report(header[0], "no cards: the header row is not followed by any row")
    if problems:
        raise DeckFormatError(sorted(problems, key=lambda problem: problem.line))
    return ImportedFile(tuple(ParsedDeck(name, "", (), tuple(cards), source) for name, cards in decks.items()))


def split_lines(text: str) -> list[str]:
    """``text`` as lines that keep their ending, split at ``\\r\\n``, ``\\r`` and ``\\n`` only."""
    return _LINE.findall(text)


def read_records(
    lines: Sequence[str], *, start: int, delimiter: str, report: Report, comments: bool = False
) -> Iterator[tuple[int, list[str]]]:
    """The non-blank records from ``lines[start:]``, each with the 1-based line it starts on.

    Cells keep their text, with line breaks inside quoted cells made ``\\n``. With ``comments``, a
    line starting with ``#`` where a record would start is skipped. A malformed record (an
    unterminated quote, text after a closing quote) is reported and ends the reading: what follows
    cannot be told apart from the runaway cell.
    """
    source = _LineSource(lines, start)
    reader = csv.reader(source, delimiter=delimiter, quotechar='"', doublequote=True, strict=True)
    while source.position < len(lines):
        first = source.position
        if comments and lines[first].startswith("#"):
            source.position += 1
            continue
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            report(first + 1, _csv_problem(str(error)))
            return
        if any(record):
            yield first + 1, [cell.replace("\r\n", "\n").replace("\r", "\n") for cell in record]


class _LineSource:
    """Hands lines to the csv reader one at a time, so that the caller knows where a record starts."""

    def __init__(self, lines: Sequence[str], start: int) -> None:
        self.lines = lines
        self.position = start

    def __iter__(self) -> _LineSource:
        return self

    def __next__(self) -> str:
        if self.position >= len(self.lines):
            raise StopIteration
        self.position += 1
        return self.lines[self.position - 1]


def _csv_problem(error: str) -> str:
    if error == "unexpected end of data":
        return "unterminated quoted field: no closing quote before the end of the file"
    if "expected after" in error:
        return "text after a closing quote: a quote inside a quoted field is written twice (\"\")"
    if error.startswith("field larger than field limit"):
        return f"a field is longer than {csv.field_size_limit()} characters"
    return f"malformed row: {error}"


def _is_usable_delimiter(delimiter: str) -> bool:
    return len(delimiter) == 1 and delimiter not in "\"\r\n" and (delimiter.isprintable() or delimiter == "\t")


def _guess_delimiter(lines: Sequence[str]) -> str:
    """The delimiter that splits the header row into known names; else its most frequent one; else ``,``."""
    first = next((line for line in lines if line.strip()), "")

    def score(delimiter: str) -> tuple[bool, int, int]:
        record = next(read_records([first], start=0, delimiter=delimiter, report=lambda *_: None), None)
        names = {cell.strip().lower() for cell in record[1]} if record else set()
        return set(REQUIRED_COLUMNS) <= names, len(names & set(COLUMNS)), first.count(delimiter)

    return max(DELIMITERS, key=score)  # the first best: ties (and nothing to go by) give ","


@dataclass(frozen=True)
class _Header:
    columns: dict[str, int]  # each known column's index
    unnamed: tuple[int, ...]  # the indexes of columns with an empty name
    width: int


def _read_header(line: int, cells: list[str], *, report: Report) -> _Header | None:
    """The header row's columns; ``None`` if ``front`` or ``back`` is missing (one problem says so)."""
    names = [cell.strip().lower() for cell in cells]
    missing = [name for name in REQUIRED_COLUMNS if name not in names]
    if missing:
        found = ", ".join(repr(cell.strip()) for cell in cells if cell.strip()) or "nothing"
        noun = "column" if len(missing) == 1 else "columns"
        report(
            line,
            f"missing {noun} {' and '.join(map(repr, missing))} in the header row (found: {found});"
            " the first row must name the columns, as in front,back,tags",
        )
        return None
    columns: dict[str, int] = {}
    for index, (cell, name) in enumerate(zip(cells, names, strict=True)):
        if name and name not in COLUMNS:
            report(line, f"unknown column {cell.strip()!r} in the header row; the columns are {', '.join(COLUMNS)}")
        elif name in columns:
            report(line, f"column {name!r} appears twice in the header row")
        elif name:
            columns[name] = index
    return _Header(columns, tuple(index for index, name in enumerate(names) if not name), len(cells))


def _card(
    line: int,
    row: list[str],
    header: _Header,
    keys: dict[str, int],
    *,
    default_deck: str,
    report: Report,
) -> tuple[ParsedCard | None, str]:
    """One row's card (``None`` if its cells cannot be told apart) and deck; ``keys`` maps keys to lines."""
    columns, width = header.columns, header.width
    if len(row) < width or any(cell.strip() for cell in row[width:]):
        report(line, f"wrong number of cells: {len(row)}, but the header row names {width} columns")
        return None, ""
    if any(row[index].strip() for index in header.unnamed):
        report(line, "a cell under a column with no name in the header row")

    def cell(name: str) -> str:
        return row[columns[name]] if name in columns else ""

    front, back = _trim_blank_lines(cell("front")), _trim_blank_lines(cell("back"))
    if not front.strip():
        report(line, "empty front: the 'front' cell needs the question")
    if not back.strip():
        report(line, "empty back: the 'back' cell needs the answer")
    key = cell("key").strip()
    if key and not is_valid_key(key):
        report(
            line,
            f"invalid key {key!r}: a key starts with a letter or digit, then letters, digits, '_', '.'"
            f" or '-', at most {MAX_KEY_LENGTH} characters",
        )
    key = key or slugify_key(front)
    if key in keys:
        report(line, f"duplicate key {key!r} (first used at line {keys[key]}); give the row its own key")
    else:
        keys[key] = line
    tags: list[str] = []
    for tag in _TAG_SEPARATORS.split(cell("tags").lower()):
        if tag and not TAG.fullmatch(tag):
            report(
                line,
                f"invalid tag {tag!r}: a tag starts with a letter or digit, then letters, digits,"
                " '_', '.', ':', '/' or '-' (tags are separated by spaces or commas)",
            )
        elif tag:
            tags.append(tag)
    deck = cell("deck").strip() or default_deck
    return ParsedCard(key, front, back, tuple(dict.fromkeys(tags)), line), deck


def _trim_blank_lines(text: str) -> str:
    """``text`` without blank lines at either end nor trailing spaces; indentation is kept."""
    lines = text.split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return "\n".join(lines).rstrip()
