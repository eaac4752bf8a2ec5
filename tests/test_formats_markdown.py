from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cards.formats import MAX_PROBLEMS, DeckFormatError, ParsedCard, ParsedDeck, Problem
from cards.formats.markdown_deck import is_valid_key, parse_deck, slugify_key

HEADER = '+++\ndeck = "Test deck"\n+++\n'


def parse(text: str) -> ParsedDeck:
    return parse_deck(text, source="deck.md")


def problems(text: str) -> list[tuple[int, str]]:
    with pytest.raises(DeckFormatError) as info:
        parse(text)
    return [(problem.line, problem.message) for problem in info.value.problems]


def only_card(text: str) -> ParsedCard:
    (card,) = parse(HEADER + text).cards
    return card


class TestProblem:
    def test_str_is_source_line_message(self):
        assert str(Problem("a.md", 7, "bad thing")) == "a.md:7: bad thing"

    def test_error_str_joins_problems_by_line(self):
        error = DeckFormatError([Problem("a.md", 1, "one"), Problem("a.md", 2, "two")])
        assert str(error) == "a.md:1: one\na.md:2: two"
        assert isinstance(error, ValueError)

    def test_problems_past_the_cap_are_summed_up(self):
        error = DeckFormatError(Problem("a.md", line, "x") for line in range(1, MAX_PROBLEMS + 11))
        assert len(error.problems) == MAX_PROBLEMS + 1
        assert error.problems[-1] == Problem("a.md", MAX_PROBLEMS + 1, "… and 10 more problems")

    def test_one_problem_past_the_cap_is_singular(self):
        error = DeckFormatError(Problem("a.md", 1, "x") for _ in range(MAX_PROBLEMS + 1))
        assert error.problems[-1].message == "… and 1 more problem"

    def test_cap_is_50(self):
        assert MAX_PROBLEMS == 50


class TestPurity:
    def test_parser_imports_no_django(self):
        code = "import sys, cards.formats.markdown_deck; print(any(m.startswith('django') for m in sys.modules))"
        root = Path(__file__).resolve().parents[1]
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root, check=True)
        assert result.stdout.strip() == "False"


class TestValidDeck:
    def test_design_example(self):
        text = (
            "+++\n"
            'deck = "LLM architectures"\n'
            'tags = ["llm", "attention"]\n'
            "+++\n"
            "\n"
            "## What does GQA change compared with MHA? {#gqa}\n"
            "\n"
            "The answer, in Markdown: `code`, $x^2$ and $$\\sum_i x_i$$ math.\n"
            "\n"
            '## A question that needs more than one line {#kv-cache-size tags="kv-cache inference"}\n'
            "\n"
            "Extra question text (a formula, a snippet) goes under the heading.\n"
            "\n"
            "???\n"
            "\n"
            "The answer.\n"
        )
        assert parse(text) == ParsedDeck(
            name="LLM architectures",
            description="",
            tags=("llm", "attention"),
            cards=(
                ParsedCard(
                    key="gqa",
                    front="What does GQA change compared with MHA?",
                    back="The answer, in Markdown: `code`, $x^2$ and $$\\sum_i x_i$$ math.",
                    tags=("llm", "attention"),
                    line=6,
                ),
                ParsedCard(
                    key="kv-cache-size",
                    front="A question that needs more than one line\n\n"
                    "Extra question text (a formula, a snippet) goes under the heading.",
                    back="The answer.",
                    tags=("llm", "attention", "kv-cache", "inference"),
                    line=10,
                ),
            ),
            source="deck.md",
        )

    def test_description_is_kept(self):
        deck = parse('+++\ndeck = "D"\ndescription = "About D."\n+++\n## Q\nA\n')
        assert deck.description == "About D."

    def test_name_and_description_are_stripped(self):
        deck = parse('+++\ndeck = "  D "\ndescription = " x "\n+++\n## Q\nA\n')
        assert (deck.name, deck.description) == ("D", "x")

    def test_source_is_kept_as_given(self):
        assert parse_deck(HEADER + "## Q\nA\n", source="dir/x.md").source == "dir/x.md"


class TestLineEndings:
    def test_crlf_is_normalised(self):
        assert only_card("## Q\r\n\r\nline 1\r\nline 2\r\n").back == "line 1\nline 2"

    def test_crlf_deck_parses_like_lf_deck(self):
        text = HEADER + "## Q {#k}\n\nextra\n???\nline 1\n\nline 2\n"
        assert parse(text.replace("\n", "\r\n")) == parse(text)

    def test_bare_cr_deck_parses_like_lf_deck(self):
        text = HEADER + "## Q {#k}\n\nextra\n???\nline 1\n\nline 2\n"
        assert parse(text.replace("\n", "\r")) == parse(text)

    def test_leading_bom_is_ignored(self):
        assert parse("\ufeff" + HEADER + "## Q\nA\n") == parse(HEADER + "## Q\nA\n")

    def test_line_numbers_count_original_lines(self):
        text = HEADER.replace("\n", "\r\n") + "\r\n## Q\r\n\r\n## R\r\nA\r\n"
        assert problems(text) == [(5, "empty answer: write the answer below the heading, or below the '???' line")]


class TestFrontMatter:
    def test_missing_front_matter_is_reported_once(self):
        assert problems("Some notes\n\nno cards here\n") == [
            (1, "missing front matter: the file must start with a +++ line")
        ]

    def test_empty_file_is_missing_front_matter(self):
        assert problems("") == [(1, "missing front matter: the file must start with a +++ line")]

    def test_missing_front_matter_still_reports_card_problems(self):
        assert problems("## Q\n\n## R\nA\n") == [
            (1, "missing front matter: the file must start with a +++ line"),
            (1, "empty answer: write the answer below the heading, or below the '???' line"),
        ]

    def test_front_matter_must_be_on_first_line(self):
        assert problems("\n" + HEADER + "## Q\nA\n")[0] == (
            1,
            "missing front matter: the file must start with a +++ line",
        )

    def test_unterminated_front_matter(self):
        assert problems('+++\ndeck = "D"\n## Q\nA\n') == [(1, "unterminated front matter: no closing +++ line")]

    def test_deck_is_required(self):
        assert problems('+++\ntags = ["a"]\n+++\n## Q\nA\n') == [
            (1, "missing 'deck' in the front matter: the deck's name, as in deck = \"Algebra\"")
        ]

    def test_deck_must_not_be_blank(self):
        assert problems('+++\n\ndeck = "  "\n+++\n## Q\nA\n') == [(3, "'deck' must be a non-empty string")]

    def test_deck_must_be_a_string(self):
        assert problems("+++\ndeck = 3\n+++\n## Q\nA\n") == [(2, "'deck' must be a non-empty string")]

    def test_description_must_be_a_string(self):
        assert problems('+++\ndeck = "D"\ndescription = ["x"]\n+++\n## Q\nA\n') == [
            (3, "'description' must be a string")
        ]

    def test_tags_must_be_a_list_of_strings(self):
        expected = "'tags' must be a list of strings, as in tags = [\"llm\", \"attention\"]"
        assert problems('+++\ndeck = "D"\ntags = "a b"\n+++\n## Q\nA\n') == [(3, expected)]
        assert problems('+++\ndeck = "D"\ntags = ["a", 1]\n+++\n## Q\nA\n') == [(3, expected)]

    def test_unknown_key_is_reported_at_its_line(self):
        assert problems('+++\ndeck = "D"\n\ntag = ["a"]\n+++\n## Q\nA\n') == [(4, "unknown front-matter key 'tag'")]

    def test_unknown_table_is_reported_at_its_line(self):
        assert problems('+++\ndeck = "D"\n[extra]\nx = 1\n+++\n## Q\nA\n') == [
            (3, "unknown front-matter key 'extra'")
        ]

    def test_toml_error_reports_file_line(self):
        assert problems('+++\ndeck = "D"\ndescription = nope\n+++\n## Q\nA\n') == [
            (3, "front matter is not valid TOML: invalid value (column 15)")
        ]

    def test_toml_error_at_end_reports_closing_line(self):
        assert problems('+++\ndeck = "D"\ntags = ["a",\n+++\n## Q\nA\n') == [
            (4, "front matter is not valid TOML: invalid value")
        ]

    def test_toml_error_still_reports_card_problems(self):
        assert problems("+++\ndeck = \n+++\n## Q\n") == [
            (3, "front matter is not valid TOML: invalid value"),
            (4, "empty answer: write the answer below the heading, or below the '???' line"),
        ]

    def test_overlong_integer_is_a_problem(self):
        (problem,) = problems('+++\ndeck = "D"\nx = ' + "1" * 5000 + "\n+++\n## Q\nA\n")
        assert problem[0] == 1
        assert problem[1].startswith("front matter is not valid TOML: ")

    def test_deeply_nested_array_is_a_problem(self):
        (problem,) = problems('+++\ndeck = "D"\nx = ' + "[" * 5000 + "\n+++\n## Q\nA\n")
        assert problem[1].startswith("front matter is not valid TOML: ")

    def test_delimiters_may_have_trailing_spaces(self):
        assert parse('+++  \ndeck = "D"\n+++ \n## Q\nA\n').name == "D"


class TestTags:
    def test_deck_tags_then_card_tags_lowercase_without_duplicates(self):
        deck = parse('+++\ndeck = "D"\ntags = ["ML", "llm", "ml"]\n+++\n## Q {tags="LLM Attention attention"}\nA\n')
        assert deck.tags == ("ml", "llm")
        assert deck.cards[0].tags == ("ml", "llm", "attention")

    def test_allowed_punctuation(self):
        assert only_card('## Q {tags="a_b a.b a:b a/b a-b 9"}\nA\n').tags == ("a_b", "a.b", "a:b", "a/b", "a-b", "9")

    def test_card_without_tags_has_deck_tags(self):
        deck = parse('+++\ndeck = "D"\ntags = ["x"]\n+++\n## Q\nA\n')
        assert deck.cards[0].tags == ("x",)

    def test_invalid_front_matter_tag_is_reported_at_tags_line(self):
        assert problems('+++\ndeck = "D"\ntags = ["ok", "not ok", "-x"]\n+++\n## Q\nA\n') == [
            (3, "invalid tag 'not ok': a tag starts with a letter or digit, then letters, digits,"
             " '_', '.', ':', '/' or '-' (no spaces)"),
            (3, "invalid tag '-x': a tag starts with a letter or digit, then letters, digits,"
             " '_', '.', ':', '/' or '-' (no spaces)"),
        ]

    def test_invalid_heading_tag_is_reported_at_heading(self):
        assert problems(HEADER + "\n## Q {tags=\"ok é\"}\nA\n") == [
            (5, "invalid tag 'é': a tag starts with a letter or digit, then letters, digits,"
             " '_', '.', ':', '/' or '-' (no spaces)"),
        ]


class TestHeadings:
    def test_heading_text_is_the_question(self):
        assert only_card("##   What is   attention?  \nA\n").front == "What is   attention?"

    def test_key_attribute(self):
        assert only_card("## Q {#my-key}\nA\n").key == "my-key"

    def test_attributes_in_either_order(self):
        first = only_card('## Q {#k tags="a b"}\nA\n')
        second = only_card('## Q {tags="a b" #k}\nA\n')
        assert first == second
        assert (first.key, first.tags, first.front) == ("k", ("a", "b"), "Q")

    def test_attribute_block_without_space(self):
        assert only_card("## Q{#k}\nA\n").key == "k"

    def test_empty_braces_keep_literal_braces_in_question(self):
        card = only_card("## Is {1, 2} a set? {}\nA\n")
        assert (card.front, card.key) == ("Is {1, 2} a set?", "is-1-2-a-set")

    def test_braces_inside_question_are_not_attributes(self):
        assert only_card("## What is $\\hat{y}$?\nA\n").front == "What is $\\hat{y}$?"

    def test_unknown_attribute_is_a_problem(self):
        assert problems(HEADER + "## Define \\vec{v}\nA\n") == [
            (4, "unexpected 'v' in the heading's {…}: only #key and tags=\"…\" may go there"
             " (to end a question with braces, add an empty {} after them)")
        ]

    def test_unquoted_tags_is_a_problem(self):
        assert problems(HEADER + "## Q {tags=a}\nA\n")[0][1].startswith("unexpected 'tags=a' in the heading's {…}")

    def test_two_keys_is_a_problem(self):
        assert problems(HEADER + "## Q {#a #b}\nA\n") == [(4, "a heading may give only one #key")]

    def test_two_tag_attributes_is_a_problem(self):
        assert problems(HEADER + '## Q {tags="a" tags="b"}\nA\n') == [(4, "a heading may give tags=\"…\" only once")]

    @pytest.mark.parametrize("key", ["", "-a", "_a", ".a", "a/b", "a#b", "a:b", "k" * 101])
    def test_invalid_key_is_a_problem(self, key):
        assert problems(HEADER + f"## Q {{#{key}}}\nA\n") == [
            (4, f"invalid key {key!r}: a key starts with a letter or digit,"
             " then letters, digits, '_', '.' or '-', at most 100 characters")
        ]

    def test_key_with_space_is_a_problem(self):
        assert problems(HEADER + "## Q {#a b}\nA\n")[0][1].startswith("unexpected 'b'")

    @pytest.mark.parametrize("key", ["a", "A1", "9_x.y-z", "k" * 100, "注意力", "café", "नमस्ते"])
    def test_valid_keys(self, key):
        assert only_card(f"## Q {{#{key}}}\nA\n").key == key

    def test_empty_question_is_a_problem(self):
        assert problems(HEADER + "## {#k}\nA\n") == [(4, "empty question: a card's '## ' heading needs question text")]

    def test_bare_hashes_are_an_empty_question(self):
        assert problems(HEADER + "##\nA\n") == [(4, "empty question: a card's '## ' heading needs question text")]

    def test_tab_after_hashes_starts_a_card(self):
        assert only_card("##\tQ\nA\n").front == "Q"

    def test_title_heading_is_a_problem(self):
        message = "a '# ' heading does not start a card: use '## ' for a card, '### ' inside one"
        assert problems(HEADER + "# Title\n## Q\nA\n# Oops\n") == [(4, message), (7, message)]

    def test_deeper_headings_and_hashtags_are_answer_text(self):
        assert only_card("## Q\n### Part\n#hashtag\n##not-a-card\n").back == "### Part\n#hashtag\n##not-a-card"

    def test_indented_heading_is_answer_text(self):
        assert only_card("## Q\nA\n  ## still A\n").back == "A\n  ## still A"


class TestFences:
    def test_comment_inside_fence_does_not_start_card(self):
        card = only_card("## Q\n```python\n## not a card\n# nor a title\n```\n")
        assert card.back == "```python\n## not a card\n# nor a title\n```"

    def test_question_marks_inside_fence_do_not_split(self):
        assert only_card("## Q\n~~~\n???\n~~~\n").back == "~~~\n???\n~~~"

    def test_closing_fence_must_use_the_same_character(self):
        card = only_card("## Q\n```\n~~~\n## inside\n```\n")
        assert card.back == "```\n~~~\n## inside\n```"

    def test_closing_fence_must_be_at_least_as_long(self):
        assert only_card("## Q\n````\n```\n## inside\n`````\n").back == "````\n```\n## inside\n`````"

    def test_closing_fence_may_not_have_info(self):
        assert only_card("## Q\n```\n``` py\n## inside\n```\n").back == "```\n``` py\n## inside\n```"

    def test_fence_may_be_indented_up_to_three_spaces(self):
        assert only_card("## Q\n1. x\n   ```\n## inside\n   ```\n").back == "1. x\n   ```\n## inside\n   ```"

    def test_backticks_in_info_string_are_not_a_fence(self):
        assert [card.front for card in parse(HEADER + "## Q\n```a`\n## R\nA\n").cards] == ["Q", "R"]

    def test_text_after_fence_starts_cards_again(self):
        deck = parse(HEADER + "## Q\n```\n## x\n```\n## R\nA\n")
        assert [card.front for card in deck.cards] == ["Q", "R"]

    def test_unterminated_fence_is_reported_at_its_opening_line(self):
        assert problems(HEADER + "## Q\nA\n```py\n## R\nB\n") == [
            (6, "unterminated code fence: no closing ``` before the end of the file")
        ]


class TestBody:
    def test_question_mark_line_splits_extra_question_text(self):
        card = only_card("## Q\n\nWhat is $x$ here?\n\n???\n\nIt is 2.\n")
        assert (card.front, card.back) == ("Q\n\nWhat is $x$ here?", "It is 2.")

    def test_question_mark_line_may_have_trailing_spaces(self):
        assert only_card("## Q\nextra\n???  \nA\n").back == "A"

    def test_indented_question_marks_are_answer_text(self):
        assert only_card("## Q\n ???\nA\n").back == " ???\nA"

    def test_empty_extra_question_text_leaves_front_as_heading(self):
        assert only_card("## Q\n\n???\nA\n").front == "Q"

    def test_more_than_one_question_mark_line_is_a_problem(self):
        assert problems(HEADER + "## Q\nx\n???\ny\n???\nz\n") == [
            (8, "more than one '???' line in a card (the first is at line 6)")
        ]

    def test_empty_answer_is_reported_at_heading(self):
        assert problems(HEADER + "## Q\n\n   \n## R\nA\n") == [
            (4, "empty answer: write the answer below the heading, or below the '???' line")
        ]

    def test_empty_answer_after_split_is_reported_at_question_marks(self):
        assert problems(HEADER + "## Q\nextra\n???\n\n") == [
            (6, "empty answer: write the answer below the heading, or below the '???' line")
        ]

    def test_inner_markdown_is_kept_exactly(self):
        back = "- item\n    nested code  \n\n\n| a | b |\n|---|---|\n\t```\n\tx\n\t```"
        assert only_card(f"## Q\n\n\n{back}\n\n\n").back == back

    def test_text_before_first_card_is_reported_once(self):
        assert problems(HEADER + "\nintro\nmore intro\n## Q\nA\n") == [
            (5, "text before the first card; each card starts with a '## ' heading")
        ]

    def test_blank_lines_before_first_card_are_fine(self):
        assert parse(HEADER + "\n   \n\n## Q\nA\n").cards[0].line == 7

    def test_deck_without_cards_is_a_problem(self):
        assert problems(HEADER + "\n") == [(1, "the deck has no cards; each card starts with a '## ' heading")]

    def test_card_line_is_its_heading_line(self):
        assert [card.line for card in parse(HEADER + "\n## Q\nA\n\n## R\nB\n").cards] == [5, 8]


class TestKeys:
    def test_default_key_is_slug_of_question(self):
        assert only_card("## What does GQA change?\nA\n").key == "what-does-gqa-change"

    def test_duplicate_key_is_reported_at_second_card(self):
        assert problems(HEADER + "## Q {#k}\nA\n## R {#k}\nB\n") == [
            (6, "duplicate key 'k' (first used at line 4); give a card its own {#key}")
        ]

    def test_same_question_twice_is_a_duplicate_key(self):
        assert problems(HEADER + "## Same?\nA\n## same!\nB\n") == [
            (6, "duplicate key 'same' (first used at line 4); give a card its own {#key}")
        ]

    def test_keys_are_case_sensitive(self):
        assert [card.key for card in parse(HEADER + "## Q {#K}\nA\n## R {#k}\nB\n").cards] == ["K", "k"]


class TestSlugifyKey:
    def test_lowercase_and_runs_of_other_characters_become_one_dash(self):
        assert slugify_key("  What's the KV-cache size?? (bytes) ") == "what-s-the-kv-cache-size-bytes"

    def test_nfkc(self):
        assert slugify_key("ﬁnd Ｘ²") == "find-x2"

    def test_non_ascii_letters_are_kept(self):
        assert slugify_key("什么是注意力？") == "什么是注意力"
        assert slugify_key("Qu'est-ce qu'un café?") == "qu-est-ce-qu-un-café"

    def test_combining_marks_are_kept_after_letters(self):
        assert slugify_key("नमस्ते दुनिया") == "नमस्ते-दुनिया"

    def test_underscore_becomes_dash(self):
        assert slugify_key("snake_case") == "snake-case"

    def test_punctuation_only_question_gets_hash_key(self):
        digest = hashlib.sha1("?!".encode()).hexdigest()[:10]
        assert slugify_key("?!") == f"card-{digest}"

    def test_long_question_is_cut_at_a_dash(self):
        slug = slugify_key("word " * 30)
        assert slug == "-".join(["word"] * 16)
        assert len(slug) == 79

    def test_long_word_is_cut_at_80(self):
        assert slugify_key("a" * 100) == "a" * 80

    def test_cut_exactly_at_a_dash(self):
        assert slugify_key("a" * 80 + " b") == "a" * 80

    @settings(database=None, max_examples=300)
    @given(st.text())
    def test_slug_is_always_a_valid_key(self, question):
        slug = slugify_key(question)
        assert is_valid_key(slug)
        assert len(slug) <= 80


class TestAllProblemsAtOnce:
    def test_every_problem_is_reported_in_line_order(self):
        text = (
            "+++\n"  # 1
            "deck = 1\n"  # 2
            "color = 'red'\n"  # 3
            "+++\n"  # 4
            "stray\n"  # 5
            "## {#a}\n"  # 6
            "\n"  # 7
            "## Q {#a}\n"  # 8
            "x\n"  # 9
            "```\n"  # 10
        )
        assert problems(text) == [
            (2, "'deck' must be a non-empty string"),
            (3, "unknown front-matter key 'color'"),
            (5, "text before the first card; each card starts with a '## ' heading"),
            (6, "empty question: a card's '## ' heading needs question text"),
            (6, "empty answer: write the answer below the heading, or below the '???' line"),
            (8, "duplicate key 'a' (first used at line 6); give a card its own {#key}"),
            (10, "unterminated code fence: no closing ``` before the end of the file"),
        ]

    def test_many_problems_are_capped(self):
        text = HEADER + "".join(f"## Q{i}\n" for i in range(60)) + "## Last\nA\n"
        with pytest.raises(DeckFormatError) as info:
            parse(text)
        found = info.value.problems
        assert len(found) == MAX_PROBLEMS + 1
        assert found[-1] == Problem("deck.md", 4 + MAX_PROBLEMS, "… and 10 more problems")
        assert str(info.value).splitlines()[0] == (
            "deck.md:4: empty answer: write the answer below the heading, or below the '???' line"
        )


# Property tests -----------------------------------------------------------------------------------

_TEXT = st.characters(categories=("L", "N", "P", "S", "Zs"), exclude_characters="{}")
_WORD = st.text(st.characters(categories=("L", "N", "P", "S"), exclude_characters="{}"), min_size=1, max_size=8)
_TAG = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.:/-]{0,8}", fullmatch=True)
_KEY = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,20}", fullmatch=True)
_FENCED = ["```python", "## a comment", "???", "# another", "```"]


def _plain_line(line: str) -> bool:
    return not line.startswith("#") and line.lstrip(" ")[:1] not in ("`", "~") and line.rstrip() != "???"


_LINES = st.lists(st.text(_TEXT, max_size=30).filter(_plain_line), min_size=1, max_size=5).filter(
    lambda lines: lines[0].strip() != "" and lines[-1].strip() != ""
)


@st.composite
def _answers(draw: st.DrawFn) -> list[str]:
    lines = draw(_LINES)
    if draw(st.booleans()):
        at = draw(st.integers(0, len(lines)))
        lines[at:at] = _FENCED
    return lines


@dataclass(frozen=True)
class _Card:
    question: str
    key: str | None
    tags: list[str]
    extra: list[str]
    answer: list[str]

    @property
    def expected_key(self) -> str:
        return self.key or slugify_key(self.question)


_CARD = st.builds(
    _Card,
    question=st.lists(_WORD, min_size=1, max_size=5).map(" ".join),
    key=st.none() | _KEY,
    tags=st.lists(_TAG, max_size=3),
    extra=st.just([]) | _LINES,
    answer=_answers(),
)


def _write(name: str, deck_tags: list[str], cards: list[_Card], newline: str) -> str:
    lines = ["+++", f"deck = {json.dumps(name, ensure_ascii=False)}", f"tags = {json.dumps(deck_tags)}", "+++"]
    for card in cards:
        attributes = [f"#{card.key}"] if card.key else []
        if card.tags:
            attributes.append(f'tags="{" ".join(card.tags)}"')
        lines += ["", f"## {card.question} {{{' '.join(attributes)}}}", ""]
        if card.extra:
            lines += [*card.extra, "", "???", ""]
        lines += card.answer
    return newline.join(lines) + newline


class TestProperties:
    @settings(database=None, max_examples=60, deadline=None)
    @given(
        name=st.text(_TEXT, min_size=1, max_size=20).filter(str.strip),
        deck_tags=st.lists(_TAG, max_size=3),
        cards=st.lists(_CARD, min_size=1, max_size=5, unique_by=lambda card: card.expected_key),
        newline=st.sampled_from(["\n", "\r\n", "\r"]),
        bom=st.booleans(),
    )
    def test_written_deck_parses_back(self, name, deck_tags, cards, newline, bom):
        text = ("\ufeff" if bom else "") + _write(name, deck_tags, cards, newline)
        deck = parse(text)
        lowered = [tag.lower() for tag in deck_tags]
        assert (deck.name, deck.tags) == (name.strip(), tuple(dict.fromkeys(lowered)))
        assert [(card.key, card.front, card.back, card.tags) for card in deck.cards] == [
            (
                card.expected_key,
                "\n\n".join([card.question, "\n".join(card.extra)]) if card.extra else card.question,
                "\n".join(card.answer),
                tuple(dict.fromkeys([*lowered, *(tag.lower() for tag in card.tags)])),
            )
            for card in cards
        ]

    @settings(database=None, max_examples=300, deadline=None)
    @given(st.text())
    def test_any_text_parses_or_raises_deck_format_error(self, text):
        _parse_or_deck_format_error(text)

    @settings(database=None, max_examples=300, deadline=None)
    @given(
        st.lists(
            st.sampled_from(
                [
                    "+++", "deck = 'x'", "deck = ", "tags = ['A', 'b c']", "x = [[", "## Q", "## Q {#k}",
                    "## {#}", '## Q {tags="a" #k x}', "##", "# T", "???", "```", "~~~~", "```py`", "    ```",
                    "", " ", "text", "\ufeff",
                ]
            )
            | st.text(max_size=10),
            max_size=12,
        ),
        st.sampled_from(["\n", "\r\n", "\r"]),
    )
    def test_deck_like_text_parses_or_raises_deck_format_error(self, lines, newline):
        _parse_or_deck_format_error(newline.join(lines))


def _parse_or_deck_format_error(text: str) -> None:
    line_count = len(text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    try:
        deck = parse(text)
    except DeckFormatError as error:
        assert error.problems
        assert all(1 <= problem.line <= line_count for problem in error.problems)
    else:
        assert deck.cards
        assert all(is_valid_key(card.key) and card.front and card.back.strip() for card in deck.cards)
