"""import_cards and the bundled library: upsert by key, history kept, bad files change nothing."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from cards import study
from cards.models import Card, Deck, Review
from tests.conftest import day_at

pytestmark = pytest.mark.django_db

DECK = """\
+++
deck = "LLM architectures"
tags = ["llm"]
+++

## What does GQA change compared with MHA? {#gqa}

Query heads share **key/value heads** in groups: $n_{kv} < n_h$.

## How large is the KV-cache? {#kv-cache-size tags="kv-cache"}

For one token:

???

$$2 \\cdot n_\\text{layers} \\cdot n_{kv} \\cdot d_\\text{head} \\cdot \\text{bytes}$$
"""


def write(tmp_path: Path, text: str, name: str = "deck.md") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def import_cards(*args: object) -> str:
    from io import StringIO

    out = StringIO()
    call_command("import_cards", *map(str, args), stdout=out)
    return out.getvalue()


class TestImport:
    def test_creates_deck_and_rendered_cards(self, tmp_path, user):
        output = import_cards(write(tmp_path, DECK), "--user", "ada")
        assert "LLM architectures: imported 2 new" in output
        deck = Deck.objects.get(owner=user)
        assert deck.slug == "llm-architectures"
        gqa, kv = Card.objects.filter(owner=user).order_by("position")
        assert (gqa.key, gqa.tags) == ("gqa", "llm")
        assert "<strong>key/value heads</strong>" in gqa.back_html
        assert "<math" in gqa.back_html
        assert kv.tags == "llm kv-cache"
        assert kv.front.startswith("How large is the KV-cache?")
        assert "For one token:" in kv.front_html
        assert '<math display="block">' in kv.back_html

    def test_reimport_keeps_history(self, tmp_path, user):
        path = write(tmp_path, DECK)
        import_cards(path, "--user", "ada")
        card = Card.objects.get(owner=user, key="gqa")
        settings = user.study_settings
        day = day_at(settings, 2026, 11, 29, 12)
        study.grade_card(settings, card_id=card.pk, version=0, quality=5, answer_ms=0, day=day)
        write(tmp_path, DECK.replace("in groups", "in groups of $g$"))
        output = import_cards(path, "--user", "ada")
        assert "1 updated, 1 unchanged" in output
        card.refresh_from_db()
        assert "of <math" in card.back_html
        assert (card.repetitions, card.due) == (1, day.today + timedelta(days=1))
        assert Review.objects.filter(card=card).count() == 1

    def test_reimport_of_the_same_file_changes_nothing(self, tmp_path, user):
        path = write(tmp_path, DECK)
        import_cards(path, "--user", "ada")
        before = list(Card.objects.values_list("pk", "modified"))
        assert "0 new, 0 updated, 2 unchanged" in import_cards(path, "--user", "ada")
        assert list(Card.objects.values_list("pk", "modified")) == before

    def test_cards_missing_from_the_file_are_kept_and_reported(self, tmp_path, user):
        path = write(tmp_path, DECK)
        import_cards(path, "--user", "ada")
        shorter = DECK[: DECK.index("## How large")]
        assert "1 in the collection but not in the files" in import_cards(write(tmp_path, shorter), "--user", "ada")
        assert Card.objects.filter(owner=user).count() == 2

    def test_dry_run_writes_nothing(self, tmp_path, user):
        output = import_cards(write(tmp_path, DECK), "--user", "ada", "--dry-run")
        assert "would import 2 new" in output
        assert not Deck.objects.filter(owner=user).exists()

    def test_deck_option_and_folders(self, tmp_path, user):
        folder = tmp_path / "notes"
        folder.mkdir()
        write(folder, DECK, "a.md")
        write(folder, DECK.replace("{#gqa}", "{#gqa-2}").replace("{#kv-cache-size", "{#kv-2"), "b.md")
        import_cards(folder, "--user", "ada", "--deck", "My notes")
        assert list(Deck.objects.filter(owner=user).values_list("name", flat=True)) == ["My notes"]
        assert Card.objects.filter(owner=user).count() == 4


    def test_decks_are_matched_by_exact_name(self, tmp_path, user):
        import_cards(write(tmp_path, DECK.replace("LLM architectures", "C"), "c.md"), "--user", "ada")
        import_cards(write(tmp_path, DECK.replace("LLM architectures", "C++"), "cpp.md"), "--user", "ada")
        decks = dict(Deck.objects.filter(owner=user).values_list("name", "slug"))
        assert decks == {"C": "c", "C++": "c-2"}
        assert Card.objects.filter(owner=user).count() == 4

    def test_changed_renderer_re_renders_on_reimport(self, tmp_path, user):
        path = write(tmp_path, DECK)
        import_cards(path, "--user", "ada")
        Card.objects.filter(owner=user).update(back_html="<p>stale</p>", render_version=0)
        assert "2 updated" in import_cards(path, "--user", "ada")
        assert not Card.objects.filter(owner=user, back_html="<p>stale</p>").exists()


class TestRerender:
    def test_rerenders_only_stale_cards_and_keeps_schedules(self, tmp_path, user):
        from io import StringIO

        import_cards(write(tmp_path, DECK), "--user", "ada")
        Card.objects.filter(owner=user, key="gqa").update(back_html="<p>stale</p>", render_version=0, repetitions=3)
        out = StringIO()
        call_command("rerender_cards", stdout=out)
        assert out.getvalue().strip() == "1 cards re-rendered"
        gqa = Card.objects.get(owner=user, key="gqa")
        assert "<strong>key/value heads</strong>" in gqa.back_html
        assert gqa.repetitions == 3


class TestRefusals:
    def assert_refused(self, *args: object, message: str) -> None:
        before = (Deck.objects.count(), Card.objects.count())
        with pytest.raises(CommandError, match=message):
            import_cards(*args)
        assert (Deck.objects.count(), Card.objects.count()) == before

    def test_malformed_file_reports_file_and_line(self, tmp_path, user):
        path = write(tmp_path, DECK.replace("{#gqa}", "{#gqa bogus}"))
        self.assert_refused(path, "--user", "ada", message=rf"{path}:6: ")

    def test_one_bad_file_refuses_all(self, tmp_path, user):
        good = write(tmp_path, DECK, "good.md")
        bad = write(tmp_path, DECK.replace('deck = "LLM architectures"', "deck = "), "bad.md")
        self.assert_refused(good, bad, "--user", "ada", message=rf"{bad}:2: ")

    def test_not_utf8(self, tmp_path, user):
        path = tmp_path / "latin1.md"
        path.write_bytes(DECK.replace("MHA", "MHA café").encode("latin-1"))
        self.assert_refused(path, "--user", "ada", message=rf"{path}:6: not UTF-8 text")

    def test_duplicate_key_across_files_of_one_deck(self, tmp_path, user):
        first, second = write(tmp_path, DECK, "a.md"), write(tmp_path, DECK, "b.md")
        self.assert_refused(first, second, "--user", "ada", message=rf"{second}:6: key 'gqa' is already used in {first}:6")

    def test_overlong_deck_name_and_tags(self, tmp_path, user):
        long_name = write(tmp_path, DECK.replace("LLM architectures", "x" * 201), "a.md")
        self.assert_refused(long_name, "--user", "ada", message=rf"{long_name}:1: the deck name is longer")
        many_tags = " ".join(f"tag-{i}" for i in range(200))
        long_tags = write(tmp_path, DECK.replace('tags="kv-cache"', f'tags="{many_tags}"'), "b.md")
        self.assert_refused(long_tags, "--user", "ada", message=rf"{long_tags}:10: the tags are longer")

    def test_missing_file(self, tmp_path, user):
        self.assert_refused(tmp_path / "nope.md", "--user", "ada", message="cannot read the file")

    def test_unknown_user(self, tmp_path, db):
        self.assert_refused(write(tmp_path, DECK), "--user", "nobody", message="no user named 'nobody'")


class TestLibrary:
    def test_bundled_decks_parse_and_load(self, db):
        call_command("load_library")
        library = Deck.objects.filter(owner__isnull=True)
        assert library.count() == len(list(Path("fixtures").glob("*.md")))
        assert Card.objects.filter(owner__isnull=True).count() >= 12
