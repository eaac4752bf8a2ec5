"""Anki's "Notes in Plain Text" export (.txt/.tsv), as Anki 2.1.55 and later write it.

Header lines at the top start with ``#``: ``#separator:`` (Tab, Comma, Semicolon, Space, Pipe,
Colon or the character itself), ``#html:true|false``, ``#tags column:N``, ``#deck column:N``,
``#notetype column:N``, ``#guid column:N`` (1-based), ``#columns:`` (names, which fix the number of
columns), ``#deck:``, ``#notetype:`` and ``#tags:`` (for every note); other ``#key:value`` lines are
ignored, as Anki does. Later lines starting with ``#`` where a record would start are comments.

Every other column holds a note field: the first is the card's front, the second its back, and
any further non-empty ones are appended to the back after a blank line. Fields are HTML;
``#html:false`` fields are escaped and their line breaks made ``<br>``. Without ``#html:``, the file
is HTML if any field holds a tag or an entity (Anki guesses the same way). Without
``#separator:``, the first of tab, ``|``, ``;`` and ``,`` found in the first record is used.

Cloze and image-occlusion notes are skipped and counted in :attr:`ImportedFile.skipped`.
The helpers :func:`anki_tags`, :func:`note_key`, :func:`join_fields` and :func:`is_blank` serve
Anki packages too.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from cards.formats import DeckFormatError, ImportedFile, ParsedCard, ParsedDeck, Problem
from cards.formats.delimited import read_records, split_lines
from cards.formats.markdown_deck import MAX_KEY_LENGTH, slugify_key

SEPARATORS = {"tab": "\t", "comma": ",", "semicolon": ";", "space": " ", "pipe": "|", "colon": ":"}
GUESSED_SEPARATORS = ("\t", "|", ";", ",")
COLUMN_ROLES = ("tags", "deck", "notetype", "guid")
FIELD_SEPARATOR = "<br><br>"

_HTML_TAG = re.compile(r"<[^>]*>")
_LOOKS_LIKE_HTML = re.compile(r"</?[a-zA-Z][^>]*>|&(?:[a-zA-Z][a-zA-Z0-9]*|#[0-9]+|#x[0-9a-fA-F]+);")
_MEDIA = re.compile(r"<(?:img|video|audio|svg|math)\b", re.IGNORECASE)
_CLOZE = re.compile(r"\{\{c\d+::")
_TAG_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_.:/-")

Report = Callable[[int, str], None]


def parse_anki_text(text: str, *, source: str, default_deck: str) -> ImportedFile:
    """Parse one Anki plain-text export; notes without a deck go to ``default_deck``."""
    problems: list[Problem] = []

    def report(line: int, message: str) -> None:
        problems.append(Problem(source, line, message))

    lines = split_lines(text.removeprefix("\ufeff"))
    header = _read_header(lines, report=report)
    records = list(
        read_records(lines, start=header.body_start, delimiter=header.separator, report=report, comments=True)
    )
    if not records and not problems:
        report(header.body_start + 1, "no notes: the file has a header but no records")
    decks, skipped = _read_notes(records, header, default_deck=default_deck, report=report) if records else ({}, {})
    if problems:
        raise DeckFormatError(sorted(problems, key=lambda problem: problem.line))
    deck_tags = anki_tags(header.tags)
    return ImportedFile(
        tuple(ParsedDeck(name, "", deck_tags, tuple(cards), source) for name, cards in decks.items()), skipped
    )


def _read_notes(
    records: list[tuple[int, list[str]]], header: _Header, *, default_deck: str, report: Report
) -> tuple[dict[str, list[ParsedCard]], dict[str, int]]:
    """The cards by deck, and the notes skipped by reason."""
    decks: dict[str, list[ParsedCard]] = {}
    skipped: dict[str, int] = {}
    first_line, first = records[0]
    width = len(header.labels) if header.labels is not None else len(first)
    where = "#columns:" if header.labels is not None else f"line {first_line}"
    roles = {index: role for role, index in header.columns.items()}
    for role, index in header.columns.items():
        if index >= width:
            report(header.lines[role], f"#{role} column:{index + 1} is past the {width} columns of {where}")
    if width - len(roles) < 2:
        separator = next((name for name, char in SEPARATORS.items() if char == header.separator), header.separator)
        report(
            header.lines.get("columns", first_line),
            f"{width} column(s), {len(roles)} of them tags, deck, notetype or guid: a note needs a front and"
            f" a back column (is the separator right? it is {separator!r})",
        )
    if any(index >= width for index in roles) or width - len(roles) < 2:
        return decks, skipped
    is_html = header.is_html
    if is_html is None:  # guess, as Anki does, from the note fields
        is_html = any(
            _LOOKS_LIKE_HTML.search(cell) for _, record in records for i, cell in enumerate(record) if i not in roles
        )
    keys: dict[str, int] = {}
    for line, record in records:
        if len(record) != width:
            report(line, f"wrong number of columns: {len(record)}, but {where} has {width}")
            continue
        cells = {role: record[index].strip() for index, role in roles.items()}
        fields = [_field(cell, is_html=is_html) for index, cell in enumerate(record) if index not in roles]
        reason = _skip_reason(cells.get("notetype") or header.notetype, fields)
        if reason is not None:
            skipped[reason] = skipped.get(reason, 0) + 1
            continue
        front, back = fields[0], join_fields(fields[1:])
        if is_blank(front):
            report(line, "empty front: the note's first field is empty")
        key = note_key(cells.get("guid", ""), front, line=line, keys=keys, report=report)
        tags = anki_tags((*header.tags, *cells.get("tags", "").split()))
        deck = cells.get("deck") or header.deck or default_deck
        decks.setdefault(deck, []).append(ParsedCard(key, front, back, tags, line, is_html=True))
    return decks, skipped


def anki_tags(raw: Iterable[str]) -> tuple[str, ...]:
    """Anki tags as Recall tags: lowercase, accents dropped, other characters ``-``; de-duplicated.

    A tag is ``[a-z0-9][a-z0-9_.:/-]*``, so Anki's ``Parent::Child`` stays ``parent::child``;
    leading characters that cannot start a tag are dropped, and a tag with nothing left is dropped.
    """
    tags: list[str] = []
    for tag in raw:
        decomposed = unicodedata.normalize("NFKD", tag.lower())
        mapped = "".join(c if c in _TAG_CHARACTERS else "-" for c in decomposed if not unicodedata.combining(c))
        mapped = mapped.lstrip("_.:/-")
        if mapped:
            tags.append(mapped)
    return tuple(dict.fromkeys(tags))


def _skip_reason(notetype: str | None, fields: Sequence[str]) -> str | None:
    """Why a note cannot become a card (cloze or image occlusion), from its note type's name and fields."""
    name = (notetype or "").strip()
    if "image occlusion" in name.casefold():
        return f"image occlusion note type {name!r}"
    if "cloze" in name.casefold():
        return f"cloze note type {name!r}"
    if any(_CLOZE.search(text) for text in fields):
        return "note with cloze deletions ({{c1::…}})"
    return None


def note_key(guid: str, front: str, *, line: int, keys: dict[str, int], report: Report) -> str:
    """The note's guid if it has one, else a slug of its front's text; reports bad and repeated keys."""
    key = guid.strip()
    if key and (len(key) > MAX_KEY_LENGTH or not key.isprintable() or any(c.isspace() for c in key)):
        report(line, f"invalid guid {key[:MAX_KEY_LENGTH]!r}: at most {MAX_KEY_LENGTH} characters, no spaces")
    if not key:
        text = html_text(front)
        key = slugify_key(text if text else front)
    if key in keys:
        report(line, f"duplicate key {key!r} (first used at line {keys[key]})")
    else:
        keys[key] = line
    return key


def join_fields(fields: Iterable[str]) -> str:
    """The back of a card: the non-empty fields, a blank line (``<br><br>``) between them."""
    return FIELD_SEPARATOR.join(text for text in fields if not is_blank(text))


def html_text(fragment: str) -> str:
    """The visible text of an HTML fragment, whitespace collapsed."""
    return " ".join(html.unescape(_HTML_TAG.sub(" ", fragment)).split())


def is_blank(fragment: str) -> bool:
    """Whether an HTML fragment shows nothing: no text and no image or other media."""
    return not html_text(fragment) and not _MEDIA.search(fragment)


def _field(text: str, *, is_html: bool) -> str:
    if is_html:
        return text.strip()
    return html.escape(text.strip(), quote=False).replace("\n", "<br>")


@dataclass
class _Header:
    body_start: int = 0  # the index of the first line after the header
    separator: str = ""
    is_html: bool | None = None
    columns: dict[str, int] = field(default_factory=dict)  # role → 0-based index
    labels_text: str | None = None  # the #columns: value, split once the separator is known
    labels: list[str] | None = None
    deck: str = ""
    notetype: str = ""
    tags: tuple[str, ...] = ()
    lines: dict[str, int] = field(default_factory=dict)  # header key → its line


def _read_header(lines: Sequence[str], *, report: Report) -> _Header:
    """The ``#key:value`` lines at the top (and a legacy ``tags:`` first line)."""
    header = _Header()
    for number, line in enumerate(lines, 1):
        line = line.rstrip("\r\n")
        if number == 1 and line.startswith("tags:"):
            header.tags = tuple(line.removeprefix("tags:").split())
        elif not line.startswith("#"):
            break
        elif ":" in line:
            key, value = line[1:].split(":", 1)
            key = key.strip().lower()
            _read_header_line(key, value, number, header, report=report)
        header.body_start = number
    header.separator = header.separator or _guess_separator(lines[header.body_start :])
    if header.labels_text is not None:
        labels = read_records([header.labels_text], start=0, delimiter=header.separator, report=lambda *_: None)
        header.labels = next(labels, (0, []))[1]
    seen: dict[int, str] = {}
    for role, index in header.columns.items():
        if index in seen:
            report(header.lines[role], f"column {index + 1} is already the {seen[index]} column")
        seen.setdefault(index, role)
    return header


def _read_header_line(key: str, value: str, line: int, header: _Header, *, report: Report) -> None:
    if key == "separator":
        named = SEPARATORS.get(value.strip().lower())
        if named is None and len(value) == 1 and value not in "\"\r\n" and (value.isprintable() or value == "\t"):
            named = value
        if named is None:
            report(line, f"unknown separator {value!r}: use Tab, Comma, Semicolon, Space, Pipe, Colon or one character")
        header.separator = named or header.separator
    elif key == "html":
        if value.strip().lower() not in ("true", "false"):
            report(line, f"#html: must be true or false, not {value.strip()!r}")
        else:
            header.is_html = value.strip().lower() == "true"
    elif key.endswith(" column") and (role := key.removesuffix(" column").strip()) in COLUMN_ROLES:
        number = value.strip()
        if not (number.isdecimal() and len(number) <= 5 and int(number) >= 1):
            report(line, f"#{role} column: needs a column number from 1, not {number!r}")
        else:
            header.columns[role] = int(number) - 1
            header.lines[role] = line
    elif key == "columns":
        header.labels_text, header.lines[key] = value, line
    elif key in ("deck", "notetype"):
        if not value.strip():
            report(line, f"#{key}: needs a name")
        setattr(header, key, value.strip())
    elif key == "tags":
        header.tags = (*header.tags, *value.split())


def _guess_separator(lines: Sequence[str]) -> str:
    first = next((line for line in lines if line.strip() and not line.startswith("#")), "")
    return next((separator for separator in GUESSED_SEPARATORS if separator in first), "\t")
