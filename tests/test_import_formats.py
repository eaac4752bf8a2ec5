"""Every format a user brings, through import_cards into the real database."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from cards.models import Card, Deck
from tests.test_formats_anki import EXPORT
from tests.test_formats_apkg import Note, apkg_file

pytestmark = pytest.mark.django_db


def import_cards(*args: object) -> str:
    out = StringIO()
    call_command("import_cards", *map(str, args), stdout=out)
    return out.getvalue()


def cards_of(user) -> dict[str, Card]:
    return {card.key: card for card in Card.objects.filter(owner=user).select_related("deck")}


class TestAnkiPlainText:
    def test_every_header_and_a_quoted_multiline_field(self, tmp_path, user):
        path = tmp_path / "export.txt"
        path.write_text(EXPORT, encoding="utf-8")
        output = import_cards(path, "--user", "ada")
        assert "skipped 1 notes: cloze" in output
        cards = cards_of(user)
        assert set(cards) == {"k1", "k2", "k4"}
        assert cards["k1"].deck.name == "ML::Attention"
        assert cards["k1"].is_html
        assert cards["k1"].front_html == "What does <b>GQA</b> share?"
        assert "spanning\ntwo lines" in cards["k2"].front
        assert cards["k2"].deck.name == "Fallback deck"

    def test_html_is_sanitised(self, tmp_path, user):
        path = tmp_path / "hostile.txt"
        path.write_text(
            "#separator:tab\n#html:true\n"
            '<img src=x onerror=alert(1)>Q\t<script>alert(1)</script><a href="javascript:x">A</a>\n',
            encoding="utf-8",
        )
        import_cards(path, "--user", "ada")
        card = Card.objects.get(owner=user)
        for html in (card.front_html, card.back_html):
            assert "onerror" not in html and "<script" not in html and "javascript:" not in html


class TestDelimited:
    def test_shuffled_columns_and_a_bom(self, tmp_path, user):
        path = tmp_path / "notes.csv"
        path.write_bytes("\ufeffTags,BACK,Front,key\nrl gae,The answer,What is GAE?,gae\n".encode())
        import_cards(path, "--user", "ada")
        card = Card.objects.get(owner=user)
        assert (card.key, card.front, card.back, card.tags) == ("gae", "What is GAE?", "The answer", "rl gae")
        assert card.deck.name == "notes"  # named after the file when no column names it

    def test_tsv_with_deck_option(self, tmp_path, user):
        path = tmp_path / "notes.tsv"
        path.write_text("front\tback\nQ1\tA1\nQ2\tA **bold**\n", encoding="utf-8")
        import_cards(path, "--user", "ada", "--deck", "Inbox")
        assert Deck.objects.get(owner=user).name == "Inbox"
        assert "<strong>bold</strong>" in Card.objects.get(owner=user, front="Q2").back_html


class TestAnkiPackages:
    @pytest.mark.parametrize("layout", ["modern", "anki21", "anki2"])
    def test_each_layout(self, tmp_path, user, layout):
        notes = [
            Note("g1", ("What is <i>RoPE</i>?", "Rotary embeddings"), decks=("LLM::Positions",), tags="llm rope"),
            Note("g2", ("{{c1::Paris}}", ""), note_type="Cloze"),
        ]
        path = tmp_path / "deck.apkg"
        path.write_bytes(apkg_file(notes, layout=layout))
        output = import_cards(path, "--user", "ada")
        assert "skipped 1 notes: cloze" in output
        card = Card.objects.get(owner=user)
        assert (card.key, card.deck.name, card.tags) == ("g1", "LLM::Positions", "llm rope")
        assert card.front_html == "What is <i>RoPE</i>?"

    def test_not_a_package(self, tmp_path, user):
        path = tmp_path / "broken.apkg"
        path.write_bytes(b"PK\x03\x04 not really")
        with pytest.raises(CommandError, match=rf"{path}:1: not an Anki package"):
            import_cards(path, "--user", "ada")
        assert not Card.objects.filter(owner=user).exists()


class TestRefusalsAndLimits:
    def test_unknown_file_type(self, tmp_path, user):
        path = tmp_path / "notes.docx"
        path.write_bytes(b"x")
        with pytest.raises(CommandError, match="not a deck file Recall reads"):
            import_cards(path, "--user", "ada")

    def test_nul_characters_are_refused_on_every_database(self, tmp_path, user):
        path = tmp_path / "binary.csv"
        path.write_bytes(b"front,back\nfine,also fine\nbad\x00front,x\n")
        with pytest.raises(CommandError, match=rf"{path}:3: contains a NUL character"):
            import_cards(path, "--user", "ada")
        assert not Card.objects.filter(owner=user).exists()

    def test_file_size_limit(self, tmp_path, user, settings):
        settings.RECALL_IMPORT_MAX_BYTES = 2**20
        path = tmp_path / "big.csv"
        path.write_text("front,back\n" + "q,a\n" * 300_000, encoding="utf-8")
        with pytest.raises(CommandError, match="larger than the 1 MiB an import may be"):
            import_cards(path, "--user", "ada")

    def test_card_count_limit(self, tmp_path, user, settings):
        settings.RECALL_IMPORT_MAX_CARDS = 2
        path = tmp_path / "many.csv"
        path.write_text("front,back\nq1,a\nq2,a\nq3,a\n", encoding="utf-8")
        with pytest.raises(CommandError, match="3 cards are more than the 2 one import may hold"):
            import_cards(path, "--user", "ada")
        assert not Card.objects.filter(owner=user).exists()


class TestPrune:
    def test_prune_deletes_only_what_the_file_dropped(self, tmp_path, user):
        path = tmp_path / "deck.csv"
        path.write_text("front,back,key\nQ1,A,one\nQ2,A,two\n", encoding="utf-8")
        import_cards(path, "--user", "ada")
        path.write_text("front,back,key\nQ1,A,one\n", encoding="utf-8")
        assert "(kept)" in import_cards(path, "--user", "ada")
        assert Card.objects.filter(owner=user).count() == 2
        assert "1 in the collection but not in the files (deleted)" in import_cards(path, "--user", "ada", "--prune")
        assert list(Card.objects.filter(owner=user).values_list("key", flat=True)) == ["one"]
