from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cards.formats import DeckFormatError, ImportedFile, ParsedCard
from cards.formats.anki_text import anki_tags, parse_anki_text


def parse(text: str) -> ImportedFile:
    return parse_anki_text(text, source="notes.txt", default_deck="Imported")


def problems(text: str) -> list[tuple[int, str]]:
    with pytest.raises(DeckFormatError) as info:
        parse(text)
    return [(problem.line, problem.message) for problem in info.value.problems]


def cards(text: str) -> list[ParsedCard]:
    return [card for deck in parse(text).decks for card in deck.cards]


def only_card(text: str) -> ParsedCard:
    (card,) = cards(text)
    return card


def tsv(*rows: str) -> str:
    return "".join(row.replace(" | ", "\t") + "\n" for row in rows)


FULL_HEADER = tsv(
    "#separator:tab",
    "#html:true",
    "#columns:GUID | Note type | Deck | Front | Back | Tags",
    "#guid column:1",
    "#notetype column:2",
    "#deck column:3",
    "#tags column:6",
    "#deck:Fallback deck",
    "#notetype:Basic",
    "#tags:Imported",
    "#if matches:update current",
)
EXPORT = FULL_HEADER + tsv(
    "k1 | Basic | ML::Attention | What does <b>GQA</b> share? | Keys and values | LLM Attention::GQA",
    'k2 | Basic |  | "A field<br>spanning\ntwo lines" | "Answer with ""quotes"" and a\ttab" | ',
    "k3 | Cloze | ML | {{c1::Paris}} is in France |  | geo",
    "k4 | Basic (and reversed card) | ML::Attention | What is MQA? | One key-value head | ",
)


class TestPurity:
    def test_parser_imports_no_django(self):
        code = "import sys, cards.formats.anki_text; print(any(m.startswith('django') for m in sys.modules))"
        root = Path(__file__).resolve().parents[1]
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root, check=True)
        assert result.stdout.strip() == "False"


class TestFullExport:
    def test_notes_become_cards_in_their_decks(self):
        imported = parse(EXPORT)
        assert [(deck.name, [card.key for card in deck.cards]) for deck in imported.decks] == [
            ("ML::Attention", ["k1", "k4"]),
            ("Fallback deck", ["k2"]),
        ]

    def test_card_fields(self):
        first = cards(EXPORT)[0]
        assert first == ParsedCard(
            key="k1",
            front="What does <b>GQA</b> share?",
            back="Keys and values",
            tags=("imported", "llm", "attention::gqa"),
            line=12,
            is_html=True,
        )

    def test_quoted_field_spans_lines_and_keeps_quotes_and_tabs(self):
        card = cards(EXPORT)[2]
        assert (card.key, card.line) == ("k2", 13)
        assert card.front == "A field<br>spanning\ntwo lines"
        assert card.back == 'Answer with "quotes" and a\ttab'

    def test_deck_tags_are_the_tags_header(self):
        assert {deck.tags for deck in parse(EXPORT).decks} == {("imported",)}

    def test_cloze_note_is_counted(self):
        assert parse(EXPORT).skipped == {"cloze note type 'Cloze'": 1}

    def test_problem_after_a_multiline_field_is_at_its_own_line(self):
        text = EXPORT + tsv("k5 | Basic | ML |  | an answer without a question | ")
        assert problems(text) == [(17, "empty front: the note's first field is empty")]

    def test_crlf_line_endings_and_bom(self):
        text = "\ufeff" + EXPORT.replace("\n", "\r\n")
        card = cards(text)[2]
        assert (card.front, card.line) == ("A field<br>spanning\ntwo lines", 13)


class TestHeaders:
    @pytest.mark.parametrize(
        ("value", "separator"),
        [
            ("Tab", "\t"), ("comma", ","), ("Semicolon", ";"), ("space", " "), ("Pipe", "|"), ("colon", ":"),
            ("~", "~"), (",", ","),
        ],  # fmt: skip
    )
    def test_separator_by_name_or_character(self, value, separator):
        card = only_card(f"#separator:{value}\nQ{separator}A\n")
        assert (card.front, card.back) == ("Q", "A")

    def test_separator_is_guessed_without_header(self):
        assert only_card("Q;A, with comma\n").back == "A, with comma"
        assert only_card("Q\tA; b, c\n").back == "A; b, c"

    def test_html_false_escapes_and_keeps_line_breaks(self):
        card = only_card('#html:false\nx < y & z\t"one\ntwo <b>"\n')
        assert (card.front, card.back) == ("x &lt; y &amp; z", "one<br>two &lt;b&gt;")
        assert card.is_html

    def test_html_is_guessed_from_the_fields_without_header(self):
        assert only_card("a < b\tone\n").front == "a &lt; b"
        assert only_card("a <i>b</i>\tone\n").front == "a <i>b</i>"

    def test_deck_notetype_and_guid_columns_may_come_in_any_order(self):
        text = "#deck column:4\n#guid column:3\nQ\tA\tg1\tDeck A\n"
        imported = parse(text)
        assert [(deck.name, deck.cards[0].key) for deck in imported.decks] == [("Deck A", "g1")]

    def test_unknown_headers_and_later_comments_are_ignored(self):
        text = "#separator:tab\n#future option:whatever\n# a note to self\nQ\tA\n#commented\tout\nQ2\tA2\n"
        assert [(card.front, card.line) for card in cards(text)] == [("Q", 4), ("Q2", 6)]

    def test_legacy_tags_first_line(self):
        assert only_card("tags:Alpha beta\nQ\tA\n").tags == ("alpha", "beta")

    def test_no_deck_column_uses_the_default_deck(self):
        assert [deck.name for deck in parse("Q\tA\n").decks] == ["Imported"]


class TestBadHeaders:
    def test_unknown_separator(self):
        assert problems("#separator:dash\nQ\tA\n") == [
            (1, "unknown separator 'dash': use Tab, Comma, Semicolon, Space, Pipe, Colon or one character")
        ]

    def test_html_not_a_boolean(self):
        assert problems("#separator:tab\n#html:yes\nQ\tA\n") == [(2, "#html: must be true or false, not 'yes'")]

    @pytest.mark.parametrize("value", ["x", "0", "-1", "", "1.5", "9" * 5000])
    def test_column_not_a_number(self, value):
        assert problems(f"#tags column:{value}\nQ\tA\tt\n") == [
            (1, f"#tags column: needs a column number from 1, not {value!r}")
        ]

    def test_two_roles_in_one_column(self):
        assert problems("#tags column:3\n#deck column:3\nQ\tA\tt\n") == [(2, "column 3 is already the tags column")]

    def test_column_past_the_columns(self):
        assert problems("#separator:tab\n#deck column:5\nQ\tA\tB\n") == [
            (2, "#deck column:5 is past the 3 columns of line 3")
        ]

    def test_empty_deck_name(self):
        assert problems("#deck:\nQ\tA\n") == [(1, "#deck: needs a name")]

    def test_header_only(self):
        assert problems("#separator:tab\n#html:true\n") == [(3, "no notes: the file has a header but no records")]


class TestBadRecords:
    def test_wrong_separator_leaves_one_column(self):
        assert problems("#separator:comma\nQ\tA\n") == [
            (
                2,
                "1 column(s), 0 of them tags, deck, notetype or guid: a note needs a front and a back column"
                " (is the separator right? it is 'comma')",
            )
        ]

    def test_wrong_number_of_columns(self):
        assert problems("Q1\tA1\nQ2\tA2\textra\nQ3\n") == [
            (2, "wrong number of columns: 3, but line 1 has 2"),
            (3, "wrong number of columns: 1, but line 1 has 2"),
        ]

    def test_columns_header_fixes_the_number_of_columns(self):
        text = "#columns:Front\tBack\tExtra\nQ1\tA1\tE1\nQ2\tA2\n"
        assert problems(text) == [(3, "wrong number of columns: 2, but #columns: has 3")]

    def test_unterminated_quote_is_reported_at_its_record(self):
        assert problems('Q1\tA1\nQ2\t"A2\nQ3\tA3\n') == [
            (2, "unterminated quoted field: no closing quote before the end of the file")
        ]

    def test_text_after_closing_quote(self):
        assert problems('Q1\t"A1"x\n') == [
            (1, 'text after a closing quote: a quote inside a quoted field is written twice ("")')
        ]

    def test_empty_front(self):
        assert problems("Q1\tA1\n<div><br></div>\tA2\n") == [(2, "empty front: the note's first field is empty")]

    def test_duplicate_guid(self):
        text = "#guid column:1\ng1\tQ1\tA\ng2\tQ2\tA\ng1\tQ3\tA\n"
        assert problems(text) == [(4, "duplicate key 'g1' (first used at line 2)")]

    def test_duplicate_front_without_guid(self):
        assert problems("What is <b>GQA</b>?\tA\nWhat is GQA?\tB\n") == [
            (2, "duplicate key 'what-is-gqa' (first used at line 1)")
        ]

    def test_invalid_guid(self):
        assert problems("#guid column:1\ng 1\tQ\tA\n") == [(2, "invalid guid 'g 1': at most 100 characters, no spaces")]


class TestCardContent:
    def test_extra_fields_are_appended_after_a_blank_line(self):
        assert only_card("Q\tA\tExample\t\tMore\n").back == "A<br><br>Example<br><br>More"

    def test_empty_back_is_allowed(self):
        assert only_card("Q\t\n").back == ""

    def test_key_without_guid_is_a_slug_of_the_front_text(self):
        assert only_card("What&nbsp;is <b>KV</b> cache?\tA\n").key == "what-is-kv-cache"

    def test_image_only_front_gets_a_key(self):
        assert only_card('<img src="a.png">\tA\n').key == "img-src-a-png"

    def test_cloze_deletions_without_a_note_type_are_skipped(self):
        imported = parse("{{c1::Paris}} is in France\t\nQ\tA\n")
        assert imported.skipped == {"note with cloze deletions ({{c1::…}})": 1}
        assert [card.front for deck in imported.decks for card in deck.cards] == ["Q"]

    def test_image_occlusion_notes_are_skipped(self):
        text = "#notetype column:1\nImage Occlusion\to\timg\nImage Occlusion\to\timg\nBasic\tQ\tA\n"
        assert parse(text).skipped == {"image occlusion note type 'Image Occlusion'": 2}


class TestAnkiTags:
    def test_hierarchy_and_case(self):
        assert anki_tags(["Parent::Child", "LLM"]) == ("parent::child", "llm")

    def test_other_characters_become_dashes(self):
        assert anki_tags(["C++", "Ünïcode", "a#b"]) == ("c--", "unicode", "a-b")

    def test_tags_that_cannot_start_lose_their_start_or_are_dropped(self):
        assert anki_tags(["_private", "日本", "::x", "ok", "OK"]) == ("private", "x", "ok")


class TestNeverCrashes:
    @settings(database=None, max_examples=300, deadline=None)
    @given(st.text())
    def test_arbitrary_text(self, text):
        try:
            assert isinstance(parse(text), ImportedFile)
        except DeckFormatError as error:
            assert all(problem.line >= 1 for problem in error.problems)

    @settings(database=None, max_examples=300, deadline=None)
    @given(
        st.lists(
            st.sampled_from(
                ["#separator:", "Tab", "Pipe", "#html:", "true", "false", "#tags column:", "#deck column:",
                 "#guid column:", "#notetype column:", "#columns:", "#deck:", "#notetype:", "#tags:", "tags:",
                 "1", "2", "3", "\t", ",", "|", " ", "\n", "\r\n", "\r", '"', "#", "Q", "<b>", "&amp;", "{{c1::",
                 "Cloze", "::", "\ufeff", "\x00"]
            ),  # fmt: skip
            max_size=40,
        ).map("".join)
    )
    def test_text_made_of_export_pieces(self, text):
        try:
            assert isinstance(parse(text), ImportedFile)
        except DeckFormatError as error:
            assert all(problem.line >= 1 for problem in error.problems)
