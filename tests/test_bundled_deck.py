"""The bundled interview deck: it parses, covers the syllabus, renders cleanly, and its code runs."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from functools import cache
from pathlib import Path

import pytest

from cards.formats import ParsedCard
from cards.importing import read_paths
from cards.rendering import render_markdown

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
RUNNABLE_RE = re.compile(r"^```python run[ \t]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
SNIPPET_TIMEOUT_S = 20

# Each line of the syllabus (../shared/seed/SYLLABUS.md) as the tag its cards carry; True where
# the syllabus asks for a runnable implementation.
SYLLABUS_TAGS = {
    "math-foundations": False, "activations": True, "training-craft": True, "nlp-metrics": True,
    "backprop": True, "gradient-flow": False, "normalization": True, "cross-entropy": True,
    "attention": True, "architectures": False, "attention-variants": False,
    "flash-attention": True, "kv-cache": True, "moe": True, "positional-encoding": True,
    "alignment": False, "lora": True, "qlora": False, "peft": False, "grpo": True,
    "generate-params": False, "decoding-strategies": True, "temperature": True,
    "speculative-decoding": False, "rag": False, "agents": False, "rl": False, "papers": False,
}  # fmt: skip


@cache
def bundled_cards() -> list[tuple[str, ParsedCard]]:
    return [(deck.name, card) for deck in read_paths([FIXTURES]).decks for card in deck.cards]


def runnable_blocks() -> list[pytest.param]:
    return [
        pytest.param(code, id=f"{card.key}-{index}")
        for _, card in bundled_cards()
        for index, code in enumerate(RUNNABLE_RE.findall(card.back))
    ]


def test_size_and_unique_keys():
    keys = [card.key for _, card in bundled_cards()]
    assert len(keys) >= 250
    assert [key for key, n in Counter(keys).items() if n > 1] == []


def test_no_two_cards_ask_the_same_question():
    def normalised(card: ParsedCard) -> str:
        return re.sub(r"\W+", " ", card.front.lower()).strip()

    questions = Counter(normalised(card) for _, card in bundled_cards())
    assert [q for q, n in questions.items() if n > 1] == []


@pytest.mark.parametrize("tag", SYLLABUS_TAGS)
def test_every_syllabus_topic_has_cards(tag):
    cards = [card for _, card in bundled_cards() if tag in card.tags]
    assert len(cards) >= 3, f"{tag}: {len(cards)} cards"
    if SYLLABUS_TAGS[tag]:
        assert any(RUNNABLE_RE.search(card.back) for card in cards), f"{tag}: no runnable answer"


def test_enough_runnable_answers():
    assert len(runnable_blocks()) >= 25


def test_every_answer_names_its_source():
    missing = [card.key for _, card in bundled_cards() if "*Source:*" not in card.back]
    assert missing == []


@pytest.mark.parametrize(("deck", "card"), [pytest.param(d, c, id=c.key) for d, c in bundled_cards()])
def test_renders_cleanly(deck, card):
    for side in (card.front, card.back):
        html = render_markdown(side)
        prose = re.sub(r"<pre>.*?</pre>|<code>.*?</code>", "", html, flags=re.DOTALL)
        assert "math-error" not in html, "a formula latex2mathml cannot read"
        assert not re.search(r"<m[a-z]+[^>]*>[^<]*\\", html), "a LaTeX command left as text"
        assert "<mi>&amp;</mi>" not in html, "an alignment & read as a symbol"
        assert "$" not in prose, "a dollar sign that is not math"


@pytest.mark.parametrize("code", runnable_blocks())
def test_runnable_answer_checks_itself(code):
    result = subprocess.run(
        [sys.executable, "-I", "-c", code],
        capture_output=True,
        text=True,
        timeout=SNIPPET_TIMEOUT_S,
    )
    assert result.returncode == 0, result.stderr[-2000:]
