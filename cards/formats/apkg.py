"""Anki packages (.apkg): a zip holding the collection as an SQLite database.

The collection is ``collection.anki21b`` (zstd-compressed, schema 18: note types in ``notetypes``
and ``fields``, decks in ``decks`` with ``\\x1f`` between the levels of a name), else
``collection.anki21``, else ``collection.anki2`` (schema 11: note types and decks as JSON in
``col``). A package with a newer file also holds a ``collection.anki2`` whose one note asks to
update Anki, never read then. Media are not imported.

One card per note: the first field is the front, the second the back, further non-empty fields are
appended to the back. Fields are HTML. The key is the note's guid, the tags its tags, the deck that
of its first card (Anki's deck named "Default" becomes ``default_deck``). Cloze and
image-occlusion notes, notes whose type has fewer than two fields or is missing, and notes with an
empty first field are skipped and counted. A :class:`ParsedCard`'s ``line`` is the note's position
in the collection (by creation), which is also where its problems are reported.
"""

from __future__ import annotations

import io
import itertools
import json
import lzma
import sqlite3
import struct
import sys
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from cards.formats import DeckFormatError, ImportedFile, ParsedCard, ParsedDeck, Problem
from cards.formats.anki_text import anki_tags, is_blank, join_fields, note_key

if sys.version_info >= (3, 14):
    from compression import zstd

    _ZSTD_ERRORS: tuple[type[Exception], ...] = (zstd.ZstdError, EOFError)

    def _decompress_zstd(data: bytes, *, limit: int) -> bytes:
        """At most ``limit + 1`` bytes of the zstd frames in ``data``."""
        with zstd.ZstdFile(io.BytesIO(data)) as stream:
            return stream.read(limit + 1)

else:
    import zstandard

    _ZSTD_ERRORS = (zstandard.ZstdError,)

    def _decompress_zstd(data: bytes, *, limit: int) -> bytes:
        """At most ``limit + 1`` bytes of the zstd frames in ``data`` (streamed: Anki's frames omit the size)."""
        chunks: list[bytes] = []
        size = 0
        with zstandard.ZstdDecompressor().stream_reader(io.BytesIO(data), read_across_frames=True) as stream:
            while size <= limit and (chunk := stream.read(min(1 << 20, limit + 1 - size))):
                chunks.append(chunk)
                size += len(chunk)
        return b"".join(chunks)


MAX_MEMBER_BYTES = 200 * 1024 * 1024
"""The largest collection accepted, uncompressed (a guard against zip and zstd bombs)."""

MAX_SQLITE_STEPS = 100_000
"""How many times 10,000 SQLite instructions reading the collection may take before it is refused."""

COLLECTIONS = ("collection.anki21b", "collection.anki21", "collection.anki2")
DEFAULT_DECK_ID = 1
DEFAULT_DECK_NAME = "Default"
FIELD_SEPARATOR = "\x1f"
CLOZE_KIND = 1
IMAGE_OCCLUSION_STOCK_KIND = 6

_ZIP_ERRORS: tuple[type[Exception], ...] = (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError)
_ZIP_ERRORS += (ValueError, NotImplementedError, RuntimeError, struct.error, zlib.error, lzma.LZMAError)


class _NotAnkiPackage(Exception):
    """Why the data is not an Anki package: it becomes the one problem reported."""


@dataclass(frozen=True)
class _NoteType:
    name: str
    kind: str  # "standard", "cloze" or "image occlusion"
    field_count: int


@dataclass(frozen=True)
class _Collection:
    note_types: dict[int, _NoteType]
    decks: dict[int, str]
    notes: list[tuple[int, str, int, str, str]]  # id, guid, note type id, tags, fields
    note_decks: dict[int, int]  # note id → deck id of its first card


def parse_apkg(data: bytes, *, source: str, default_deck: str) -> ImportedFile:
    """Parse one Anki package; notes whose deck is unknown go to ``default_deck``."""
    try:
        collection = _read_collection(_collection_bytes(data))
    except _NotAnkiPackage as error:
        raise DeckFormatError([Problem(source, 1, f"not an Anki package: {error}")]) from None
    problems: list[Problem] = []

    def report(line: int, message: str) -> None:
        problems.append(Problem(source, line, message))

    decks: dict[str, list[ParsedCard]] = {}
    skipped: dict[str, int] = {}
    keys: dict[str, int] = {}
    for line, (note_id, guid, type_id, tags, joined) in enumerate(collection.notes, 1):
        fields = [text.strip() for text in joined.split(FIELD_SEPARATOR)]
        reason = _skip_reason(collection.note_types.get(type_id), fields)
        if reason is not None:
            skipped[reason] = skipped.get(reason, 0) + 1
            continue
        key = note_key(guid, fields[0], line=line, keys=keys, report=report)
        deck = collection.decks.get(collection.note_decks.get(note_id, DEFAULT_DECK_ID), "").strip()
        if not deck or deck == DEFAULT_DECK_NAME:
            deck = default_deck
        card = ParsedCard(key, fields[0], join_fields(fields[1:]), anki_tags(tags.split()), line, is_html=True)
        decks.setdefault(deck, []).append(card)
    if problems:
        raise DeckFormatError(problems)
    return ImportedFile(tuple(ParsedDeck(name, "", (), tuple(cards), source) for name, cards in decks.items()), skipped)


def _skip_reason(note_type: _NoteType | None, fields: list[str]) -> str | None:
    if note_type is None:
        return "notes whose note type is missing"
    if note_type.kind != "standard":
        return f"{note_type.kind} note type {note_type.name!r}"
    if note_type.field_count < 2:
        return f"note type {note_type.name!r} with fewer than 2 fields"
    if is_blank(fields[0]):
        return "notes with an empty first field"
    return None


def _collection_bytes(data: bytes) -> bytes:
    """The newest collection in the package, as an SQLite database."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            names = set(package.namelist())
            name = next((name for name in COLLECTIONS if name in names), None)
            if name is None:
                raise _NotAnkiPackage("no collection.anki21b, collection.anki21 or collection.anki2 in the zip")
            info = package.getinfo(name)
            if info.file_size > MAX_MEMBER_BYTES:
                raise _NotAnkiPackage(f"{name} is larger than the {MAX_MEMBER_BYTES // 2**20} MB allowed")
            with package.open(info) as member:
                database = member.read(MAX_MEMBER_BYTES + 1)
    except _ZIP_ERRORS as error:
        raise _NotAnkiPackage(f"not a readable zip file ({error})") from None
    if name.endswith("b"):
        try:
            database = _decompress_zstd(database, limit=MAX_MEMBER_BYTES)
        except _ZSTD_ERRORS as error:
            raise _NotAnkiPackage(f"{name} is not zstd-compressed ({error})") from None
    if len(database) > MAX_MEMBER_BYTES:
        raise _NotAnkiPackage(f"{name} is larger than the {MAX_MEMBER_BYTES // 2**20} MB allowed")
    if database[18:20] == b"\x02\x02":  # WAL mode: make it a rollback-journal file, readable read-only
        database = database[:18] + b"\x01\x01" + database[20:]
    return database


def _read_collection(database: bytes) -> _Collection:
    """Read note types, decks and notes from the database, in a temporary file opened read-only."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "collection.sqlite"
        path.write_bytes(database)
        try:
            connection = sqlite3.connect(f"{path.as_uri()}?mode=ro&immutable=1", uri=True)
        except sqlite3.Error as error:
            raise _NotAnkiPackage(f"cannot open the collection ({error})") from None
        try:
            return _query(connection)
        except sqlite3.Error as error:
            raise _NotAnkiPackage(f"cannot read the collection ({error})") from None
        except UnicodeDecodeError:  # SQLite's message about a damaged file quotes bytes that are not UTF-8
            raise _NotAnkiPackage("cannot read the collection (the file is damaged)") from None
        finally:
            connection.close()


def _query(connection: sqlite3.Connection) -> _Collection:
    connection.text_factory = lambda value: value.decode("utf-8", "replace")
    connection.create_collation("unicase", lambda a, b: (a.casefold() > b.casefold()) - (a.casefold() < b.casefold()))
    steps = itertools.count()
    connection.set_progress_handler(lambda: next(steps) > MAX_SQLITE_STEPS, 10_000)
    tables = {name for name, in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    modern = "notetypes" in tables
    needed = {"notes", "cards", *(("notetypes", "fields", "decks") if modern else ("col",))}
    if missing := sorted(needed - tables):
        raise _NotAnkiPackage(f"the collection lacks the tables {', '.join(missing)}")
    note_types, decks = _modern_types_and_decks(connection) if modern else _legacy_types_and_decks(connection)
    notes = [
        (_int(note_id), _text(guid), _int(type_id), _text(tags), _text(fields))
        for note_id, guid, type_id, tags, fields in connection.execute(
            "SELECT id, guid, mid, tags, flds FROM notes ORDER BY id"
        )
    ]
    note_decks: dict[int, int] = {}
    for note_id, deck_id in connection.execute(
        "SELECT nid, CASE WHEN odid != 0 THEN odid ELSE did END FROM cards ORDER BY nid, ord, id"
    ):
        note_decks.setdefault(_int(note_id), _int(deck_id))
    return _Collection(note_types, decks, notes, note_decks)


def _modern_types_and_decks(connection: sqlite3.Connection) -> tuple[dict[int, _NoteType], dict[int, str]]:
    fields = connection.execute("SELECT ntid, count(*) FROM fields GROUP BY ntid")
    counts = {_int(type_id): _int(count) for type_id, count in fields}
    note_types = {}
    for type_id, name, config in connection.execute("SELECT id, name, config FROM notetypes"):
        values = _protobuf_varints(config if isinstance(config, bytes) else b"")
        kind = _kind(_text(name), cloze=values.get(1) == CLOZE_KIND, stock_kind=values.get(9))
        note_types[_int(type_id)] = _NoteType(_text(name), kind, counts.get(_int(type_id), 0))
    decks = {
        _int(deck_id): _text(name).replace(FIELD_SEPARATOR, "::")
        for deck_id, name in connection.execute("SELECT id, name FROM decks")
    }
    return note_types, decks


def _legacy_types_and_decks(connection: sqlite3.Connection) -> tuple[dict[int, _NoteType], dict[int, str]]:
    row = connection.execute("SELECT models, decks FROM col LIMIT 1").fetchone() or ("", "")
    models, decks = (_json_object(value, what=what) for value, what in zip(row, ("models", "decks"), strict=True))
    note_types = {}
    for type_id, model in models.items():
        if isinstance(model, dict):
            name = _text(model.get("name"))
            fields = model.get("flds")
            kind = _kind(name, cloze=model.get("type") == CLOZE_KIND, stock_kind=model.get("originalStockKind"))
            note_types[_int(type_id)] = _NoteType(name, kind, len(fields) if isinstance(fields, list) else 0)
    names = {_int(deck_id): _text(deck.get("name")) for deck_id, deck in decks.items() if isinstance(deck, dict)}
    return note_types, names


def _kind(name: str, *, cloze: bool, stock_kind: object) -> str:
    """The note type's kind, from its settings, and from its name where they say nothing."""
    if stock_kind == IMAGE_OCCLUSION_STOCK_KIND or "image occlusion" in name.casefold():
        return "image occlusion"
    return "cloze" if cloze or "cloze" in name.casefold() else "standard"


def _json_object(value: object, *, what: str) -> dict[str, object]:
    try:
        loaded = json.loads(_text(value))
    except (ValueError, RecursionError):
        raise _NotAnkiPackage(f"the collection's {what} are not valid JSON") from None
    if not isinstance(loaded, dict):
        raise _NotAnkiPackage(f"the collection's {what} are not a JSON object")
    return loaded


def _protobuf_varints(data: bytes) -> dict[int, int]:
    """The top-level varint fields of a protobuf message (field number → value); ``{}`` if malformed."""
    values: dict[int, int] = {}
    position = 0

    def varint() -> int:
        nonlocal position
        result = 0
        for shift in range(0, 70, 7):
            byte = data[position]
            position += 1
            result |= (byte & 0x7F) << shift
            if byte < 0x80:
                return result
        raise ValueError("varint too long")

    try:
        while position < len(data):
            key = varint()
            if key & 7 == 0:
                values[key >> 3] = varint()
            elif key & 7 == 2:
                length = varint()  # read before "position" is: the read moves it
                position += length
            elif key & 7 in (1, 5):
                position += 8 if key & 7 == 1 else 4
            else:
                return {}
    except (IndexError, ValueError):
        return {}
    return values


def _text(value: object) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else "" if value is None else str(value)


def _int(value: object) -> int:
    try:
        return int(value) if isinstance(value, (int, float, str)) else 0
    except (ValueError, OverflowError):
        return 0
