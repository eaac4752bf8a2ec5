from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cards.formats import DeckFormatError, ImportedFile, ParsedCard, ParsedDeck
from cards.formats.delimited import parse_delimited


def parse(text: str, *, delimiter: str | None = None) -> ImportedFile:
    return parse_delimited(text, source="cards.csv", default_deck="Imported", delimiter=delimiter)


def problems(text: str) -> list[tuple[int, str]]:
    with pytest.raises(DeckFormatError) as info:
        parse(text)
    return [(problem.line, problem.message) for problem in info.value.problems]


def cards(text: str) -> list[ParsedCard]:
    return [card for deck in parse(text).decks for card in deck.cards]


def only_card(text: str) -> ParsedCard:
    (card,) = cards(text)
    return card


class TestPurity:
    def test_parser_imports_no_django(self):
        code = "import sys, cards.formats.delimited; print(any(m.startswith('django') for m in sys.modules))"
        root = Path(__file__).resolve().parents[1]
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root, check=True)
        assert result.stdout.strip() == "False"


class TestValidFiles:
    def test_plain_csv(self):
        imported = parse("front,back\nWhat is 2+2?,4\n")
        assert imported == ImportedFile(
            (ParsedDeck("Imported", "", (), (ParsedCard("what-is-2-2", "What is 2+2?", "4", (), 2),), "cards.csv"),)
        )

    def test_columns_in_any_order_and_case_with_a_bom(self):
        text = "\ufeff Tags ,KEY,Back,DECK,Front\n\"llm, attention\",gqa,Shared keys,LLM,What does GQA share?\n"
        assert parse(text).decks == (
            ParsedDeck(
                "LLM",
                "",
                (),
                (ParsedCard("gqa", "What does GQA share?", "Shared keys", ("llm", "attention"), 2),),
                "cards.csv",
            ),
        )

    def test_tsv(self):
        card = only_card("front\tback\ttags\nQ, with a comma\tA; with a semicolon\tx y\n")
        assert (card.front, card.back, card.tags) == ("Q, with a comma", "A; with a semicolon", ("x", "y"))

    def test_semicolons(self):
        assert only_card("front;back\nQ, really;A\n").front == "Q, really"

    def test_answer_full_of_semicolons_does_not_change_the_delimiter(self):
        assert only_card("front,back\nQ,\"a; b; c; d; e\"\n").back == "a; b; c; d; e"

    def test_explicit_delimiter(self):
        assert only_card("front|back\nQ|A\n".replace("|", "\t")).back == "A"
        assert parse("front|back\nQ|A\n", delimiter="|").decks[0].cards[0].back == "A"

    def test_multiline_markdown_keeps_indentation_and_line_numbers(self):
        text = 'front,back\n"Q1","```python\n    x = 1\n```"\n\r\n"Q2",A2\r\n'
        first, second = cards(text)
        assert (first.back, first.line) == ("```python\n    x = 1\n```", 2)
        assert (second.front, second.line) == ("Q2", 6)
        assert not first.is_html

    def test_deck_column_groups_cards_and_empty_deck_is_the_default(self):
        text = "front,back,deck\nQ1,A,Algebra\nQ2,A,\nQ3,A,Algebra\n"
        assert [(deck.name, [c.front for c in deck.cards]) for deck in parse(text).decks] == [
            ("Algebra", ["Q1", "Q3"]),
            ("Imported", ["Q2"]),
        ]

    def test_tags_split_on_spaces_and_commas(self):
        card = only_card('front,back,tags\nQ,A,"LLM, kv-cache  inference,llm"\n')
        assert card.tags == ("llm", "kv-cache", "inference")

    def test_trailing_empty_cells_and_unnamed_empty_columns_are_allowed(self):
        assert only_card("front,back,\nQ,A,,\n").back == "A"

    def test_blank_lines_are_skipped(self):
        assert [card.line for card in cards("front,back\n\nQ1,A\n\n\nQ2,A\n")] == [3, 6]


class TestBadHeader:
    def test_missing_back(self):
        assert problems("question,answer\nQ,A\n") == [
            (
                1,
                "missing columns 'front' and 'back' in the header row (found: 'question', 'answer');"
                " the first row must name the columns, as in front,back,tags",
            )
        ]

    def test_missing_only_back(self):
        ((line, message),) = problems("front,answer\nQ,A\n")
        assert line == 1
        assert message.startswith("missing column 'back' in the header row (found: 'front', 'answer')")

    def test_unknown_column_is_a_problem(self):
        assert problems("front,back,tgas\nQ,A,x\n") == [
            (1, "unknown column 'tgas' in the header row; the columns are front, back, tags, deck, key")
        ]

    def test_column_named_twice(self):
        assert problems("front,back,Front\nQ,A,B\n") == [(1, "column 'front' appears twice in the header row")]

    def test_empty_file(self):
        assert problems("") == [(1, "empty file: the first row must name the columns, as in front,back,tags")]

    def test_header_without_rows(self):
        assert problems("front,back\n\n") == [(1, "no cards: the header row is not followed by any row")]


class TestBadRows:
    def test_each_problem_at_its_row(self):
        text = (
            "front,back,key,tags\n"
            "Q1,A1,k1,\n"
            ",A2,,\n"
            "Q3,,,\n"
            "Q4,A4,k1,\n"
            "Q5,A5,bad key,\n"
            "Q6,A6,,Bad!Tag\n"
            "Q7,A7\n"
        )
        assert problems(text) == [
            (3, "empty front: the 'front' cell needs the question"),
            (4, "empty back: the 'back' cell needs the answer"),
            (5, "duplicate key 'k1' (first used at line 2); give the row its own key"),
            (
                6,
                "invalid key 'bad key': a key starts with a letter or digit, then letters, digits, '_', '.'"
                " or '-', at most 100 characters",
            ),
            (
                7,
                "invalid tag 'bad!tag': a tag starts with a letter or digit, then letters, digits,"
                " '_', '.', ':', '/' or '-' (tags are separated by spaces or commas)",
            ),
            (8, "wrong number of cells: 2, but the header row names 4 columns"),
        ]

    def test_duplicate_question_without_keys(self):
        assert problems("front,back\nWhat is GQA?,A\nwhat is gqa,B\n") == [
            (3, "duplicate key 'what-is-gqa' (first used at line 2); give the row its own key")
        ]

    def test_extra_cell_with_text(self):
        assert problems("front,back\nQ,A,oops\n") == [
            (2, "wrong number of cells: 3, but the header row names 2 columns")
        ]

    def test_text_under_an_unnamed_column(self):
        assert problems("front,back,\nQ,A,oops\n") == [(2, "a cell under a column with no name in the header row")]

    def test_unterminated_quote_after_a_multiline_cell(self):
        text = 'front,back\n"Q1","line\nline"\nQ2,"runaway\nQ3,A3\n'
        assert problems(text) == [(4, "unterminated quoted field: no closing quote before the end of the file")]

    def test_bad_delimiter_argument_is_a_programming_error(self):
        with pytest.raises(ValueError, match="unusable delimiter"):
            parse("front,back\n", delimiter='"')


class TestNeverCrashes:
    @settings(database=None, max_examples=300, deadline=None)
    @given(st.text(), st.sampled_from([None, ",", "\t", ";"]))
    def test_arbitrary_text(self, text, delimiter):
        try:
            assert isinstance(parse(text, delimiter=delimiter), ImportedFile)
        except DeckFormatError as error:
            assert all(problem.line >= 1 for problem in error.problems)

    @settings(database=None, max_examples=300, deadline=None)
    @given(
        st.lists(
            st.sampled_from(["front", "back", "tags", "deck", "key", "FRONT", " ", ",", "\t", ";", '"', "\n", "\r",
                             "Q", "a b", "x!", "\ufeff", "\x00"]),  # fmt: skip
            max_size=40,
        ).map("".join)
    )
    def test_text_made_of_csv_pieces(self, text):
        try:
            assert isinstance(parse(text), ImportedFile)
        except DeckFormatError as error:
            assert all(problem.line >= 1 for problem in error.problems)
