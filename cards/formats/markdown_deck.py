"""The native deck format: one Markdown file per deck, TOML front matter, a ``## `` heading per card.

The format is specified in DESIGN.md ("Native deck format"). Pure: :func:`parse_deck` takes the
file's text and returns a :class:`ParsedDeck`, or raises one :class:`DeckFormatError` listing every
problem found, each at its line in the file.

Lines are split on ``\\r\\n``, ``\\r`` and ``\\n`` only. Card headings, ``???`` lines and ``# ``
headings count only outside fenced code blocks (CommonMark fences: three or more backticks or
tildes, indented at most three spaces, closed by the same character at least as many times).

Keys: a letter or digit of any script, then letters, digits, combining marks, ``_``, ``.`` or
``-``; at most :data:`MAX_KEY_LENGTH` characters. Keys are compared exactly (case-sensitive).
"""

from __future__ import annotations

import hashlib
import re
import tomllib
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from cards.formats import TAG, DeckFormatError, ParsedCard, ParsedDeck, Problem

MAX_KEY_LENGTH = 100
MAX_SLUG_LENGTH = 80
FRONT_MATTER_KEYS = ("deck", "description", "tags")
FRONT_MATTER_DELIMITER = "+++"
ANSWER_SEPARATOR = "???"

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_FENCE = re.compile(r" {0,3}(?P<fence>`{3,}|~{3,})(?P<info>.*)")
_CARD_HEADING = re.compile(r"##(?:[ \t](?P<text>.*))?")
_TITLE_HEADING = re.compile(r"#(?:[ \t]|$)")
_ATTRIBUTES = re.compile(r"\{(?P<attributes>[^{}]*)\}\s*$")
_ATTRIBUTE = re.compile(r'#(?P<key>\S*)|tags="(?P<tags>[^"]*)"|(?P<other>\S+)')
_TOML_LOCATION = re.compile(r" \(at line (?P<line>\d+), column (?P<column>\d+)\)$")
_TOML_AT_END = " (at end of document)"

Report = Callable[[int, str], None]


def parse_deck(text: str, *, source: str) -> ParsedDeck:
    """Parse one deck file; ``source`` (the file name) prefixes every problem reported."""
    problems: list[Problem] = []

    def report(line: int, message: str) -> None:
        problems.append(Problem(source, line, message))

    lines = _LINE_BREAK.split(text.removeprefix("\ufeff"))
    header, body_start = _read_front_matter(lines, report=report)
    drafts = _read_cards(lines, body_start, report=report, after_header=header is not None)
    if header is not None and not drafts:
        report(1, "the deck has no cards; each card starts with a '## ' heading")
    deck_tags = header.tags if header is not None else ()
    keys: dict[str, int] = {}
    cards = [card for draft in drafts if (card := _card(draft, deck_tags, keys, report=report))]
    if problems:
        raise DeckFormatError(sorted(problems, key=lambda problem: problem.line))
    assert header is not None
    return ParsedDeck(header.name, header.description, deck_tags, tuple(cards), source)


def slugify_key(question: str) -> str:
    """The default key of a card: a slug of its question, or ``card-`` and a hash if none is left.

    NFKC, lowercase; letters and digits of any script are kept (with the combining marks that
    follow them), every other run of characters becomes one ``-``; at most 80 characters, cut at
    a ``-`` where there is one.
    """
    kept: list[str] = []
    for char in unicodedata.normalize("NFKC", question).lower():
        if char.isalnum() or (_is_mark(char) and kept and kept[-1] != "-"):
            kept.append(char)
        elif kept and kept[-1] != "-":
            kept.append("-")
    slug = "".join(kept).strip("-")
    if len(slug) > MAX_SLUG_LENGTH:
        cut = slug.rfind("-", 0, MAX_SLUG_LENGTH + 1)
        slug = slug[:cut] if cut > 0 else slug[:MAX_SLUG_LENGTH]
    if not slug:
        digest = hashlib.sha1(question.encode("utf-8", "surrogatepass")).hexdigest()
        slug = f"card-{digest[:10]}"
    return slug


def is_valid_key(key: str) -> bool:
    """Whether ``key`` may be written as ``{#key}`` (see the module docstring)."""
    return (
        0 < len(key) <= MAX_KEY_LENGTH
        and key[0].isalnum()
        and all(char.isalnum() or char in "_.-" or _is_mark(char) for char in key[1:])
    )


def _is_mark(char: str) -> bool:
    return unicodedata.category(char).startswith("M")


@dataclass(frozen=True)
class _Header:
    name: str
    description: str
    tags: tuple[str, ...]


@dataclass
class _Draft:
    line: int
    heading: str
    body: list[str] = field(default_factory=list)
    separators: list[tuple[int, int]] = field(default_factory=list)  # (index in body, line)


def _read_front_matter(lines: list[str], *, report: Report) -> tuple[_Header | None, int]:
    """The deck's header (``None`` if there is no front matter) and the index of the body's first line."""
    if lines[0].rstrip() != FRONT_MATTER_DELIMITER:
        report(1, "missing front matter: the file must start with a +++ line")
        return None, 0
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() == FRONT_MATTER_DELIMITER), None)
    if end is None:
        report(1, "unterminated front matter: no closing +++ line")
        return None, len(lines)
    front_matter = lines[1:end]
    try:
        data = tomllib.loads("\n".join(front_matter))
    except tomllib.TOMLDecodeError as error:
        report(*_toml_error_location(str(error), end_line=end + 1))
        return _Header("", "", ()), end + 1
    except (ValueError, RecursionError) as error:  # an over-long integer, arrays nested too deep
        report(1, f"front matter is not valid TOML: {error}")
        return _Header("", "", ()), end + 1

    def line_of(key: str) -> int:
        defines = re.compile(rf"""\s*\[*\s*(["']?){re.escape(key)}\1\s*[=.\]]""")
        return next((i for i, line in enumerate(front_matter, 2) if defines.match(line)), 1)

    for key in data:
        if key not in FRONT_MATTER_KEYS:
            report(line_of(key), f"unknown front-matter key {key!r}")
    name = data.get("deck")
    if name is None:
        report(1, "missing 'deck' in the front matter: the deck's name, as in deck = \"Algebra\"")
    elif not isinstance(name, str) or not name.strip():
        report(line_of("deck"), "'deck' must be a non-empty string")
    description = data.get("description", "")
    if not isinstance(description, str):
        report(line_of("description"), "'description' must be a string")
    tags = data.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        report(line_of("tags"), "'tags' must be a list of strings, as in tags = [\"llm\", \"attention\"]")
        tags = []
    return (
        _Header(
            name.strip() if isinstance(name, str) else "",
            description.strip() if isinstance(description, str) else "",
            _tags(tags, line=line_of("tags"), report=report),
        ),
        end + 1,
    )


def _toml_error_location(message: str, *, end_line: int) -> tuple[int, str]:
    """Move tomllib's "(at line N, column M)" from the front matter to the file."""
    line, column = end_line, None
    if match := _TOML_LOCATION.search(message):
        line, column = int(match["line"]) + 1, match["column"]
        message = message[: match.start()]
    message = message.removesuffix(_TOML_AT_END)
    reason = message[:1].lower() + message[1:]
    where = f" (column {column})" if column else ""
    return line, f"front matter is not valid TOML: {reason}{where}"


def _read_cards(lines: list[str], start: int, *, report: Report, after_header: bool) -> list[_Draft]:
    """Split the body into cards, minding fences; report text outside any card."""
    drafts: list[_Draft] = []
    fence: tuple[str, int] | None = None  # the opening fence's characters and line
    stray_text_reported = not after_header  # without front matter, that problem says enough
    for number, line in enumerate(lines[start:], start + 1):
        if fence is not None:
            if re.fullmatch(rf" {{0,3}}{re.escape(fence[0][0])}{{{len(fence[0])},}}[ \t]*", line):
                fence = None
        elif heading := _CARD_HEADING.fullmatch(line):
            drafts.append(_Draft(number, heading["text"] or ""))
            continue
        elif (opening := _FENCE.fullmatch(line)) and not (
            opening["fence"][0] == "`" and "`" in opening["info"]
        ):
            fence = (opening["fence"], number)
        elif _TITLE_HEADING.match(line):
            report(number, "a '# ' heading does not start a card: use '## ' for a card, '### ' inside one")
            continue
        elif line.rstrip() == ANSWER_SEPARATOR and drafts:
            drafts[-1].separators.append((len(drafts[-1].body), number))
        if drafts:
            drafts[-1].body.append(line)
        elif line.strip() and not stray_text_reported:
            report(number, "text before the first card; each card starts with a '## ' heading")
            stray_text_reported = True
    if fence is not None:
        report(fence[1], f"unterminated code fence: no closing {fence[0]} before the end of the file")
    return drafts


def _card(
    draft: _Draft, deck_tags: tuple[str, ...], keys: dict[str, int], *, report: Report
) -> ParsedCard | None:
    """Check one drafted card; ``keys`` maps the keys seen so far to their lines."""
    question, key, card_tags = _read_heading(draft.heading, line=draft.line, report=report)
    if not question:
        report(draft.line, "empty question: a card's '## ' heading needs question text")
    if key is None and question:
        key = slugify_key(question)
    if key is not None:
        if key in keys:
            message = f"duplicate key {key!r} (first used at line {keys[key]}); give a card its own {{#key}}"
            report(draft.line, message)
        else:
            keys[key] = draft.line
    extra: list[str] = []
    answer = draft.body
    if draft.separators:
        index, separator_line = draft.separators[0]
        extra, answer = draft.body[:index], draft.body[index + 1 :]
        if len(draft.separators) > 1:
            message = f"more than one '???' line in a card (the first is at line {separator_line})"
            report(draft.separators[1][1], message)
    back = _trim_blank_lines(answer)
    if not back:
        where = draft.separators[0][1] if draft.separators else draft.line
        report(where, "empty answer: write the answer below the heading, or below the '???' line")
    front = "\n\n".join(part for part in (question, _trim_blank_lines(extra)) if part)
    if key is None or not question or not back:
        return None
    return ParsedCard(key, front, back, tuple(dict.fromkeys((*deck_tags, *card_tags))), draft.line)


def _read_heading(text: str, *, line: int, report: Report) -> tuple[str, str | None, tuple[str, ...]]:
    """A heading's question, its ``{#key}`` if given, and its ``tags="…"``."""
    text = text.strip()
    match = _ATTRIBUTES.search(text)
    if match is None:
        return text, None, ()
    key: str | None = None
    tags: list[str] | None = None
    for attribute in _ATTRIBUTE.finditer(match["attributes"]):
        if attribute["other"] is not None:
            report(
                line,
                f"unexpected {attribute['other']!r} in the heading's {{…}}: only #key and tags=\"…\""
                " may go there (to end a question with braces, add an empty {} after them)",
            )
            break
        if attribute["key"] is not None:
            if key is not None:
                report(line, "a heading may give only one #key")
            elif not is_valid_key(attribute["key"]):
                report(
                    line,
                    f"invalid key {attribute['key']!r}: a key starts with a letter or digit, then letters,"
                    f" digits, '_', '.' or '-', at most {MAX_KEY_LENGTH} characters",
                )
            key = key or attribute["key"]
        elif tags is not None:
            report(line, "a heading may give tags=\"…\" only once")
        else:
            tags = attribute["tags"].split()
    return text[: match.start()].strip(), key, _tags(tags or (), line=line, report=report)


def _tags(raw: Iterable[str], *, line: int, report: Report) -> tuple[str, ...]:
    """Lowercase, check and de-duplicate tags, keeping their order."""
    tags: list[str] = []
    for tag in raw:
        tag = tag.lower()
        if TAG.fullmatch(tag):
            tags.append(tag)
        else:
            report(
                line,
                f"invalid tag {tag!r}: a tag starts with a letter or digit, then letters, digits,"
                " '_', '.', ':', '/' or '-' (no spaces)",
            )
    return tuple(dict.fromkeys(tags))


def _trim_blank_lines(lines: list[str]) -> str:
    """Join ``lines``, dropping blank lines at either end; the rest is kept exactly."""
    blank = [not line.strip() for line in lines]
    if all(blank):
        return ""
    first = blank.index(False)
    last = len(blank) - blank[::-1].index(False)
    return "\n".join(lines[first:last])
