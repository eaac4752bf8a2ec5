from __future__ import annotations

import contextlib
import io
import json
import sqlite3
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cards.formats import DeckFormatError, ImportedFile, ParsedCard
from cards.formats import apkg
from cards.formats.apkg import parse_apkg

if sys.version_info >= (3, 14):
    from compression import zstd

    def zstd_compress(data: bytes) -> bytes:
        return zstd.compress(data)
else:
    import zstandard

    def zstd_compress(data: bytes) -> bytes:
        """Streamed, as Anki writes it: the frame does not record the decompressed size."""
        compressor = zstandard.ZstdCompressor().compressobj()
        return compressor.compress(data) + compressor.flush()


# --- Building real packages -------------------------------------------------------------------

COMMON_TABLES = """
CREATE TABLE col (id integer PRIMARY KEY, crt integer NOT NULL, mod integer NOT NULL,
  scm integer NOT NULL, ver integer NOT NULL, dty integer NOT NULL, usn integer NOT NULL,
  ls integer NOT NULL, conf text NOT NULL, models text NOT NULL, decks text NOT NULL,
  dconf text NOT NULL, tags text NOT NULL);
CREATE TABLE notes (id integer PRIMARY KEY, guid text NOT NULL, mid integer NOT NULL,
  mod integer NOT NULL, usn integer NOT NULL, tags text NOT NULL, flds text NOT NULL,
  sfld integer NOT NULL, csum integer NOT NULL, flags integer NOT NULL, data text NOT NULL);
CREATE TABLE cards (id integer PRIMARY KEY, nid integer NOT NULL, did integer NOT NULL,
  ord integer NOT NULL, mod integer NOT NULL, usn integer NOT NULL, type integer NOT NULL,
  queue integer NOT NULL, due integer NOT NULL, ivl integer NOT NULL, factor integer NOT NULL,
  reps integer NOT NULL, lapses integer NOT NULL, left integer NOT NULL, odue integer NOT NULL,
  odid integer NOT NULL, flags integer NOT NULL, data text NOT NULL);
"""
SCHEMA_18_TABLES = """
CREATE TABLE notetypes (id integer NOT NULL PRIMARY KEY, name text NOT NULL COLLATE unicase,
  mtime_secs integer NOT NULL, usn integer NOT NULL, config blob NOT NULL);
CREATE UNIQUE INDEX idx_notetypes_name ON notetypes (name);
CREATE TABLE fields (ntid integer NOT NULL, ord integer NOT NULL, name text NOT NULL COLLATE unicase,
  config blob NOT NULL, PRIMARY KEY (ntid, ord)) without rowid;
CREATE TABLE decks (id integer PRIMARY KEY NOT NULL, name text NOT NULL COLLATE unicase,
  mtime_secs integer NOT NULL, usn integer NOT NULL, common blob NOT NULL, kind blob NOT NULL);
CREATE UNIQUE INDEX idx_decks_name ON decks (name);
"""


@dataclass(frozen=True)
class NoteType:
    id: int
    fields: tuple[str, ...]
    cloze: bool = False
    image_occlusion: bool = False


NOTE_TYPES = {
    "Basic": NoteType(1001, ("Front", "Back")),
    "Basic (and reversed card)": NoteType(1002, ("Front", "Back")),
    "Vocabulary": NoteType(1003, ("Word", "Meaning", "Example")),
    "Cloze": NoteType(1004, ("Text", "Back Extra"), cloze=True),
    "Image Occlusion": NoteType(
        1005, ("Occlusion", "Image", "Header", "Back Extra", "Comments"), cloze=True, image_occlusion=True
    ),
    "Fill in": NoteType(1006, ("Text", "Extra"), cloze=True),  # a cloze type whose name does not say so
    "Word list": NoteType(1007, ("Word",)),
}


@dataclass(frozen=True)
class Note:
    guid: str
    fields: tuple[str, ...]
    note_type: str = "Basic"
    decks: tuple[str, ...] = ("Default",)  # the deck of each card, in card order
    tags: str = ""
    filtered_deck: str | None = None  # the first card sits in this filtered deck, "decks" holds its home


UPDATE_NOTE = Note("dummy", ("Please update to the latest Anki version, then import the .colpkg/.apkg file again.", ""))


def deck_ids(notes: list[Note]) -> dict[str, int]:
    names = ["Default", *(name for note in notes for name in (*note.decks, note.filtered_deck or "Default"))]
    return {name: 1 if name == "Default" else 2000 + i for i, name in enumerate(dict.fromkeys(names))}


def collection(notes: list[Note], *, schema: int = 11) -> bytes:
    """An SQLite collection holding ``notes``, in schema 11 (JSON in ``col``) or 18 (tables)."""
    with contextlib.closing(sqlite3.connect(":memory:")) as db:
        return _fill(db, notes, schema=schema)


def _fill(db: sqlite3.Connection, notes: list[Note], *, schema: int) -> bytes:
    db.create_collation("unicase", lambda a, b: (a.lower() > b.lower()) - (a.lower() < b.lower()))
    db.executescript(COMMON_TABLES + (SCHEMA_18_TABLES if schema == 18 else ""))
    decks = deck_ids(notes)
    models = {
        str(nt.id): {
            "id": nt.id, "name": name, "type": 1 if nt.cloze else 0,
            "flds": [{"name": f, "ord": i} for i, f in enumerate(nt.fields)],
            **({"originalStockKind": 6} if nt.image_occlusion else {}),
        }
        for name, nt in NOTE_TYPES.items()
    }  # fmt: skip
    deck_json = {str(i): {"id": i, "name": name} for name, i in decks.items()}
    legacy = schema == 11
    db.execute(
        "INSERT INTO col VALUES (1, 0, 0, 0, ?, 0, 0, 0, '{}', ?, ?, '{}', '{}')",
        (schema, json.dumps(models) if legacy else "", json.dumps(deck_json) if legacy else ""),
    )
    if not legacy:
        for name, nt in NOTE_TYPES.items():
            # Notetype.Config: kind = 1 (cloze), css = 3, original_stock_kind = 9 (6: image occlusion)
            config = b"\x08\x01" if nt.cloze else b""
            config += b"\x1a\x05.card" + (b"\x48\x06" if nt.image_occlusion else b"")
            db.execute("INSERT INTO notetypes VALUES (?, ?, 0, 0, ?)", (nt.id, name, config))
            db.executemany("INSERT INTO fields VALUES (?, ?, ?, x'')", [(nt.id, i, f) for i, f in enumerate(nt.fields)])
        for name, i in decks.items():
            db.execute("INSERT INTO decks VALUES (?, ?, 0, 0, x'', x'')", (i, name.replace("::", "\x1f")))
    for n, note in enumerate(notes, 1):
        note_id = 1_700_000_000_000 + n
        db.execute(
            "INSERT INTO notes VALUES (?, ?, ?, 0, 0, ?, ?, '', 0, 0, '')",
            (
                note_id,
                note.guid,
                NOTE_TYPES[note.note_type].id,
                f" {note.tags} " if note.tags else "",
                "\x1f".join(note.fields),
            ),
        )
        for order, deck in reversed(list(enumerate(note.decks))):  # later cards first: order must come from "ord"
            did, odid = decks[deck], 0
            if order == 0 and note.filtered_deck:
                did, odid = decks[note.filtered_deck], decks[deck]
            db.execute(
                "INSERT INTO cards VALUES (NULL, ?, ?, ?, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, ?, 0, '')",
                (note_id, did, order, odid),
            )
    db.commit()
    return db.serialize()


def edited(database: bytes, *statements: str) -> bytes:
    """``database`` after running ``statements`` on it."""
    with contextlib.closing(sqlite3.connect(":memory:")) as db:
        db.deserialize(database)
        for statement in statements:
            db.execute(statement)
        db.commit()
        return db.serialize()


def package(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def apkg_file(notes: list[Note], *, layout: str = "modern") -> bytes:
    """A package as Anki writes it: "modern" (2.1.50+), "anki21" (2.1 legacy) or "anki2" (2.0)."""
    if layout == "modern":
        return package({
            "collection.anki2": collection([UPDATE_NOTE]),
            "collection.anki21b": zstd_compress(collection(notes, schema=18)),
            "media": zstd_compress(b""),
            "meta": b"\x08\x03",
        })  # fmt: skip
    if layout == "anki21":
        return package({
            "collection.anki2": collection([UPDATE_NOTE]),
            "collection.anki21": collection(notes),
            "media": b"{}",
        })  # fmt: skip
    return package({"collection.anki2": collection(notes), "media": b"{}"})


def parse(data: bytes) -> ImportedFile:
    return parse_apkg(data, source="deck.apkg", default_deck="Imported")


def problems(data: bytes) -> list[tuple[int, str]]:
    with pytest.raises(DeckFormatError) as info:
        parse(data)
    return [(problem.line, problem.message) for problem in info.value.problems]


def cards(data: bytes) -> list[ParsedCard]:
    return [card for deck in parse(data).decks for card in deck.cards]


SAMPLE = [
    Note(
        "Ab3$x!",
        ("What does <b>GQA</b> share?", "Keys and values"),
        decks=("LLM::Attention",),
        tags="LLM::Attention kv-cache",
    ),
    Note("Zz9", ("Define perplexity", "exp of the mean NLL"), decks=("LLM",)),
    Note("cl1", ("{{c1::Paris}} is the capital of France", ""), note_type="Cloze", decks=("LLM",)),
]
LAYOUTS = ["modern", "anki21", "anki2"]


# --- Tests ------------------------------------------------------------------------------------


class TestPurity:
    def test_parser_imports_no_django(self):
        code = "import sys, cards.formats.apkg; print(any(m.startswith('django') for m in sys.modules))"
        root = Path(__file__).resolve().parents[1]
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root, check=True)
        assert result.stdout.strip() == "False"


@pytest.mark.parametrize("layout", LAYOUTS)
class TestLayouts:
    def test_notes_become_html_cards_keyed_by_guid(self, layout):
        first, second = cards(apkg_file(SAMPLE, layout=layout))
        assert first == ParsedCard(
            "Ab3$x!", "What does <b>GQA</b> share?", "Keys and values", ("llm::attention", "kv-cache"), 1, is_html=True
        )
        assert (second.key, second.front, second.back) == ("Zz9", "Define perplexity", "exp of the mean NLL")
        assert second.line == 2

    def test_decks_keep_their_hierarchy(self, layout):
        imported = parse(apkg_file(SAMPLE, layout=layout))
        assert [(deck.name, len(deck.cards), deck.source) for deck in imported.decks] == [
            ("LLM::Attention", 1, "deck.apkg"),
            ("LLM", 1, "deck.apkg"),
        ]

    def test_cloze_notes_are_counted_not_imported(self, layout):
        assert parse(apkg_file(SAMPLE, layout=layout)).skipped == {"cloze note type 'Cloze'": 1}

    def test_update_note_of_newer_packages_is_not_imported(self, layout):
        assert "dummy" not in {card.key for card in cards(apkg_file(SAMPLE, layout=layout))}


class TestCollectionChoice:
    def test_anki21b_is_preferred_to_anki21(self):
        data = package({
            "collection.anki2": collection([UPDATE_NOTE]),
            "collection.anki21": collection([Note("old", ("Old", "x"))]),
            "collection.anki21b": zstd_compress(collection([Note("new", ("New", "x"))], schema=18)),
        })  # fmt: skip
        assert [card.key for card in cards(data)] == ["new"]

    def test_database_in_wal_mode_is_read(self):
        database = bytearray(collection(SAMPLE))
        database[18:20] = b"\x02\x02"
        assert len(cards(package({"collection.anki21": bytes(database)}))) == 2


class TestNoteTypes:
    def test_extra_fields_are_appended_to_the_back(self):
        (card,) = cards(apkg_file([Note("v1", ("chat", "cat", "Le chat dort."), note_type="Vocabulary")]))
        assert card.back == "cat<br><br>Le chat dort."

    def test_empty_fields_are_not_appended(self):
        (card,) = cards(apkg_file([Note("v2", ("chat", " ", "Le chat dort."), note_type="Vocabulary")]))
        assert card.back == "Le chat dort."

    def test_cloze_is_known_by_its_type_not_its_name(self):
        imported = parse(apkg_file([Note("f1", ("{{c1::x}}", ""), note_type="Fill in")]))
        assert (imported.decks, imported.skipped) == ((), {"cloze note type 'Fill in'": 1})

    @pytest.mark.parametrize("layout", LAYOUTS)
    def test_every_skipped_note_is_counted_by_reason(self, layout):
        notes = [
            Note("io1", ("o", "img", "", "", ""), note_type="Image Occlusion"),
            Note("io2", ("o", "img", "", "", ""), note_type="Image Occlusion"),
            Note("w1", ("lonely",), note_type="Word list"),
            Note("e1", ("<div><br></div>", "answer")),
            Note("ok", ("Q", "A")),
        ]
        imported = parse(apkg_file(notes, layout=layout))
        assert [card.key for deck in imported.decks for card in deck.cards] == ["ok"]
        assert imported.skipped == {
            "image occlusion note type 'Image Occlusion'": 2,
            "note type 'Word list' with fewer than 2 fields": 1,
            "notes with an empty first field": 1,
        }

    def test_note_with_a_missing_note_type_is_counted(self):
        database = edited(collection([Note("n1", ("Q", "A"))]), "UPDATE notes SET mid = 42")
        imported = parse(package({"collection.anki2": database}))
        assert imported.skipped == {"notes whose note type is missing": 1}

    def test_image_only_front_is_kept(self):
        (card,) = cards(apkg_file([Note("i1", ('<img src="heart.png">', "The heart"))]))
        assert card.front == '<img src="heart.png">'


class TestDecks:
    def test_default_deck_becomes_the_default_deck_given(self):
        imported = parse(apkg_file([Note("d1", ("Q", "A"))]))
        assert [deck.name for deck in imported.decks] == ["Imported"]

    @pytest.mark.parametrize("layout", LAYOUTS)
    def test_deck_is_the_first_cards(self, layout):
        note = Note("r1", ("Q", "A"), note_type="Basic (and reversed card)", decks=("Forward", "Backward"))
        assert [deck.name for deck in parse(apkg_file([note], layout=layout)).decks] == ["Forward"]

    def test_card_in_a_filtered_deck_counts_in_its_home_deck(self):
        note = Note("f1", ("Q", "A"), decks=("Home",), filtered_deck="Filtered Deck 1")
        assert [deck.name for deck in parse(apkg_file([note])).decks] == ["Home"]


class TestBadPackages:
    def test_not_a_zip(self):
        assert problems(b"hello") == [(1, "not an Anki package: not a readable zip file (File is not a zip file)")]

    def test_zip_without_a_collection(self):
        message = "not an Anki package: no collection.anki21b, collection.anki21 or collection.anki2 in the zip"
        assert problems(package({"notes.txt": b"hi"})) == [(1, message)]

    def test_collection_that_is_not_sqlite(self):
        ((line, message),) = problems(package({"collection.anki21": b"not a database at all" * 100}))
        assert line == 1
        assert message.startswith("not an Anki package: cannot read the collection (file is not a database")

    def test_anki21b_that_is_not_zstd(self):
        ((line, message),) = problems(package({"collection.anki21b": collection(SAMPLE)}))
        assert message.startswith("not an Anki package: collection.anki21b is not zstd-compressed")

    def test_collection_without_the_anki_tables(self):
        database = edited(collection([]), "DROP TABLE cards", "DROP TABLE col")
        assert problems(package({"collection.anki2": database})) == [
            (1, "not an Anki package: the collection lacks the tables cards, col")
        ]

    def test_invalid_json_in_col(self):
        database = edited(collection(SAMPLE), "UPDATE col SET models = '{not json'")
        assert problems(package({"collection.anki2": database})) == [
            (1, "not an Anki package: the collection's models are not valid JSON")
        ]

    def test_oversized_collection_is_refused_before_reading(self, monkeypatch):
        monkeypatch.setattr(apkg, "MAX_MEMBER_BYTES", 2**20)
        data = apkg_file([Note("big", ("Q", "x" * 2**21))], layout="anki21")
        assert problems(data) == [(1, "not an Anki package: collection.anki21 is larger than the 1 MB allowed")]

    def test_zstd_bomb_is_refused(self, monkeypatch):
        monkeypatch.setattr(apkg, "MAX_MEMBER_BYTES", 2**20)
        data = package({"collection.anki21b": zstd_compress(b"\0" * 2**23)})
        assert problems(data) == [(1, "not an Anki package: collection.anki21b is larger than the 1 MB allowed")]

    def test_duplicate_guid_is_reported_with_both_lines(self):
        notes = [Note("same", ("Q1", "A")), Note("other", ("Q2", "A")), Note("same", ("Q3", "A"))]
        assert problems(apkg_file(notes)) == [(3, "duplicate key 'same' (first used at line 1)")]


class TestNeverCrashes:
    @settings(database=None, max_examples=200, deadline=None)
    @given(st.binary())
    def test_arbitrary_bytes(self, data):
        try:
            assert isinstance(parse(data), ImportedFile)
        except DeckFormatError:
            pass

    @settings(database=None, max_examples=100, deadline=None)
    @given(st.sampled_from(LAYOUTS), st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=8))
    def test_damaged_packages(self, layout, damage):
        data = bytearray(PACKAGES[layout])
        for position, value in damage:
            data[position % len(data)] = value
        try:
            assert isinstance(parse(bytes(data)), ImportedFile)
        except DeckFormatError:
            pass

    @settings(database=None, max_examples=100, deadline=None)
    @given(st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=8))
    def test_damaged_databases(self, damage):
        database = bytearray(collection(SAMPLE))
        for position, value in damage:
            database[position % len(database)] = value
        try:
            assert isinstance(parse(package({"collection.anki2": bytes(database)})), ImportedFile)
        except DeckFormatError:
            pass


PACKAGES = {layout: apkg_file(SAMPLE, layout=layout) for layout in LAYOUTS}
