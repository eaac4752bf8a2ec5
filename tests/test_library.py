"""The bundled library: copies linked to it, and updates that reach accounts made before them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cards import study
from cards.library import (
    FIXTURES_DIR, CopiedCard, LibraryCard, copy_library_to, load_library, plan_deck, plan_update,
    update_from_library,
)  # fmt: skip
from cards.models import Card, Deck, LibraryOffer, Review
from tests.conftest import PASSWORD

ATTENTION = """\
+++
deck = "Attention"
tags = ["attention"]
+++

## What does attention compute? {#attention}

A weighted sum of the values.

## Why scale the scores by the square root of d? {#scale}

To keep the softmax out of saturation.
"""
RL = """\
+++
deck = "RL"
+++

## What is a policy? {#policy}

A map from states to actions.
"""
DECODING = RL.replace('"RL"', '"Decoding"').replace("{#policy}", "{#greedy}")
CORRECTED = ATTENTION.replace("the values.", "the values, weighted by the softmax of the scores.")
NEW_CARD = "## What do several heads add? {#heads}\n\nSubspaces.\n\n"
WITH_NEW_CARD = ATTENTION.replace("## Why scale", NEW_CARD + "## Why scale")


@pytest.fixture
def library(tmp_path: Path, db) -> Callable[..., None]:
    """``library(attention=TEXT, …)`` loads these deck files as load_library loads fixtures/;
    the bundled decks the test database starts with are removed first."""
    Deck.objects.filter(owner__isnull=True).delete()
    folder = tmp_path / "fixtures"
    folder.mkdir()

    def load(**files: str) -> None:
        for old in folder.iterdir():
            old.unlink()
        for name, text in files.items():
            (folder / f"{name}.md").write_text(text, encoding="utf-8")
        load_library(folder)

    return load


def card(user, key: str) -> Card:
    return Card.objects.get(owner=user, key=key)


def snapshot(user) -> list[tuple]:
    cards = Card.objects.filter(owner=user).order_by("pk")
    return list(cards.values_list("pk", "deck_id", "modified", "content_hash", "source_hash", "due"))


def grade(user, key: str) -> Card:
    settings = user.study_settings
    graded = card(user, key)
    study.grade_card(settings, card_id=graded.pk, version=graded.version, quality=5, answer_ms=0,
                     day=study.current_day(settings))  # fmt: skip
    return card(user, key)


class TestCopy:
    def test_copy_links_decks_and_cards_and_records_the_offer(self, library, user):
        library(attention=ATTENTION)
        copy_library_to(user)
        source = Deck.objects.get(owner__isnull=True)
        assert Deck.objects.get(owner=user).source == source
        hashes = list(Card.objects.filter(owner=user).values_list("source_hash", "content_hash"))
        assert len(hashes) == 2 and all(linked == own != "" for linked, own in hashes)
        offer = LibraryOffer.objects.get(user=user)
        newest = max(source.cards.values_list("pk", flat=True))
        assert (offer.library_deck, offer.offered_through) == (source, newest)

    def test_sign_up_copies_with_the_links(self, client, library):
        library(attention=ATTENTION, rl=RL)
        data = {"username": "ada", "password1": PASSWORD, "password2": PASSWORD, "time_zone": "UTC"}
        client.post(reverse("signup"), data)
        decks = Deck.objects.filter(owner__username="ada").values_list("name", "source__name")
        assert sorted(decks) == [("Attention", "Attention"), ("RL", "RL")]
        assert LibraryOffer.objects.filter(user__username="ada").count() == 2

    def test_a_copy_does_not_take_the_name_of_a_deck_the_user_has(self, library, user, make_cards):
        make_cards(user, 1, name="Attention")
        library(attention=ATTENTION)
        update_from_library(user)
        copy = Deck.objects.get(owner=user, source__isnull=False)
        assert (copy.name, copy.slug, copy.cards.count()) == ("Attention (2)", "attention-2", 2)


class TestUpdate:
    def test_new_library_cards_arrive_as_new_cards_at_their_library_position(self, library, user):
        library(attention=ATTENTION)
        copy_library_to(user)
        before = snapshot(user)
        library(attention=WITH_NEW_CARD)
        update = update_from_library(user)
        assert (update.added, update.corrected, update.new_decks) == (1, 0, ())
        heads = card(user, "heads")
        assert (heads.is_new, heads.position, heads.deck.source.name) == (True, 1, "Attention")
        assert "<p>Subspaces.</p>" in heads.back_html and heads.source_hash == heads.content_hash
        assert snapshot(user)[:2] == before

    def test_unedited_cards_take_the_correction_and_keep_schedule_history_and_suspension(self, library, user):
        library(attention=ATTENTION)
        copy_library_to(user)
        graded = grade(user, "attention")
        Card.objects.filter(owner=user, key="scale").update(suspended=True)
        library(attention=CORRECTED.replace("saturation", "its flat tails"))
        update = update_from_library(user)
        assert (update.added, update.corrected, update.kept) == (0, 2, 0)
        corrected = card(user, "attention")
        assert "weighted by the softmax" in corrected.back_html
        source = Card.objects.get(owner=None, key="attention")
        assert corrected.content_hash == corrected.source_hash == source.content_hash
        assert (corrected.key, corrected.repetitions, corrected.due, corrected.version) == (
            graded.key, 1, graded.due, graded.version
        )
        assert Review.objects.filter(card=corrected).count() == 1
        scale = card(user, "scale")
        assert scale.suspended and "flat tails" in scale.back_html

    def test_cards_the_user_edited_keep_their_text(self, library, user, client):
        library(attention=ATTENTION)
        copy_library_to(user)
        edited = card(user, "attention")
        client.force_login(user)
        data = {"deck": edited.deck_id, "front": edited.front, "back": "My own answer.", "tags": edited.tags}
        client.post(reverse("card-edit", args=[edited.pk]), data)
        library(attention=CORRECTED)
        update = update_from_library(user)
        assert (update.corrected, update.kept) == (0, 1)
        assert card(user, "attention").back == "My own answer."

    def test_cards_the_library_dropped_are_kept_with_their_reviews(self, library, user):
        library(attention=ATTENTION)
        copy_library_to(user)
        grade(user, "scale")
        library(attention=ATTENTION[: ATTENTION.index("## Why scale")])
        assert not Card.objects.filter(owner=None, key="scale").exists()
        update = update_from_library(user)
        assert (update.dropped, update.has_changes) == (1, False)
        assert Review.objects.filter(card=card(user, "scale")).count() == 1

    def test_a_card_the_user_deleted_does_not_come_back(self, library, user):
        library(attention=ATTENTION)
        copy_library_to(user)
        card(user, "scale").delete()
        library(attention=WITH_NEW_CARD)
        update = update_from_library(user)
        assert update.added == 1
        assert sorted(Card.objects.filter(owner=user).values_list("key", flat=True)) == ["attention", "heads"]

    def test_a_deleted_deck_stays_deleted_and_a_new_bundled_deck_arrives(self, library, user):
        library(attention=ATTENTION, rl=RL)
        copy_library_to(user)
        Deck.objects.get(owner=user, name="RL").delete()
        library(attention=ATTENTION, rl=RL, decoding=DECODING)
        update = update_from_library(user)
        assert [deck.name for deck in update.new_decks] == ["Decoding"]
        assert [deck.name for deck in update.removed_decks] == ["RL"]
        assert sorted(Deck.objects.filter(owner=user).values_list("name", flat=True)) == ["Attention", "Decoding"]
        assert card(user, "greedy").source_hash
        assert [deck.name for deck in plan_update(user).removed_decks] == ["RL"]

    def test_running_again_changes_nothing(self, library, user):
        library(attention=ATTENTION)
        copy_library_to(user)
        library(attention=WITH_NEW_CARD.replace("saturation", "its flat tails"), rl=RL)
        assert update_from_library(user).has_changes
        before = (snapshot(user), list(LibraryOffer.objects.values_list("pk", "offered_through")))
        again = update_from_library(user)
        assert (again.has_changes, again.added, again.corrected, again.new_decks) == (False, 0, 0, ())
        assert (snapshot(user), list(LibraryOffer.objects.values_list("pk", "offered_through"))) == before

    def test_another_users_collection_is_untouched(self, library, user, make_user):
        grace = make_user("grace")
        library(attention=ATTENTION)
        copy_library_to(user)
        copy_library_to(grace)
        theirs = snapshot(grace)
        library(attention=WITH_NEW_CARD.replace("saturation", "its flat tails"), rl=RL)
        update_from_library(user)
        assert snapshot(grace) == theirs
        assert Deck.objects.filter(owner=grace).count() == 1
        assert (plan_update(grace).added, plan_update(grace).corrected) == (1, 1)


class TestPlan:
    """The planner alone: plain values, no database."""

    def plan(self, library: list[LibraryCard], copies: list[CopiedCard], offered_through: int = 10):
        return plan_deck(1, 2, library, copies, offered_through=offered_through)

    def test_an_edit_that_says_what_the_library_now_says_is_nothing_to_do(self):
        update = self.plan([LibraryCard(5, "a", "new")], [CopiedCard(7, "a", "new", "old")])
        assert (update.corrected, update.kept) == ((), 0)

    def test_a_card_of_unknown_origin_counts_as_edited(self):
        update = self.plan([LibraryCard(5, "a", "new")], [CopiedCard(7, "a", "mine", "")])
        assert (update.corrected, update.kept, update.dropped) == ((), 1, 0)

    def test_only_library_cards_newer_than_the_offer_are_added(self):
        update = self.plan([LibraryCard(9, "gone", "h"), LibraryCard(11, "new", "h")], [])
        assert (update.added, update.offered_through) == ((11,), 11)

    def test_the_offer_moves_only_forward(self):
        assert self.plan([LibraryCard(5, "a", "h")], [CopiedCard(7, "a", "h", "h")]).offered_through is None


class TestDecksPage:
    def test_the_notice_says_what_the_update_brings_and_the_button_applies_it(self, library, user, client):
        library(attention=ATTENTION)
        copy_library_to(user)
        client.force_login(user)
        library(attention=WITH_NEW_CARD.replace("the values.", "the values, weighted."))
        html = client.get(reverse("decks")).content.decode()
        assert "The bundled decks have 1 new card and 1 corrected card." in html
        assert f'<form method="post" action="{reverse("decks-update")}">' in html
        response = client.post(reverse("decks-update"), follow=True)
        html = response.content.decode()
        assert "Updated from the bundled decks: 1 new card and 1 corrected card." in html
        assert "Update my decks" not in html
        assert card(user, "heads").is_new

    def test_nothing_shows_when_there_is_nothing_to_update(self, library, user, client):
        library(attention=ATTENTION)
        copy_library_to(user)
        client.force_login(user)
        html = client.get(reverse("decks")).content.decode()
        assert "The bundled decks" not in html and "Update my decks" not in html and "removed" not in html

    def test_a_repeated_post_changes_nothing_the_second_time(self, library, user, client):
        library(attention=ATTENTION)
        copy_library_to(user)
        client.force_login(user)
        library(attention=WITH_NEW_CARD, rl=RL)
        client.post(reverse("decks-update"))
        before = snapshot(user)
        html = client.post(reverse("decks-update"), follow=True).content.decode()
        assert "Your decks were already up to date with the bundled decks." in html
        assert snapshot(user) == before and Deck.objects.filter(owner=user).count() == 2

    def test_the_update_takes_only_post(self, signed_in):
        assert signed_in.get(reverse("decks-update")).status_code == 405

    def test_a_removed_deck_is_listed_and_comes_back_on_request(self, library, user, client):
        library(attention=ATTENTION, rl=RL)
        copy_library_to(user)
        client.force_login(user)
        client.post(reverse("deck-delete", args=[Deck.objects.get(owner=user, name="RL").pk]))
        source = Deck.objects.get(owner=None, name="RL")
        html = client.get(reverse("decks")).content.decode()
        assert "Bundled decks you removed" in html and "RL (1 card)" in html
        assert "Update my decks" not in html
        html = client.post(reverse("deck-add-bundled", args=[source.pk]), follow=True).content.decode()
        assert "“RL” added to your decks." in html and "Bundled decks you removed" not in html
        assert card(user, "policy").deck.source == source
        html = client.post(reverse("deck-add-bundled", args=[source.pk]), follow=True).content.decode()
        assert "You already have “RL”." in html
        assert Card.objects.filter(owner=user, key="policy").count() == 1

    def test_adding_anything_but_a_bundled_deck_is_not_found(self, library, user, client, make_user, make_cards):
        library(attention=ATTENTION)
        client.force_login(user)
        mine = make_cards(user, 1, name="Mine")[0].deck
        theirs = Deck.objects.create(owner=make_user("grace"), name="Theirs", slug="theirs")
        for deck_id in (mine.pk, theirs.pk, 10**9):
            assert client.post(reverse("deck-add-bundled", args=[deck_id])).status_code == 404
        assert Deck.objects.filter(owner=user).count() == 1

    @pytest.mark.parametrize("size", [2, 40])
    def test_query_count_does_not_grow(self, library, user, client, size):
        cards = "".join(f"## Question {i} {{#q{i}}}\n\nAnswer {i}.\n\n" for i in range(size))
        library(attention=ATTENTION + "\n" + cards, rl=RL)
        copy_library_to(user)
        library(attention=WITH_NEW_CARD.replace("the values.", "the values, weighted.") + "\n" + cards,
                rl=RL, decoding=DECODING)  # fmt: skip
        Deck.objects.get(owner=user, name="RL").delete()
        client.force_login(user)
        with CaptureQueriesContext(connection) as captured:
            html = client.get(reverse("decks")).content.decode()
        assert "1 new deck, 1 new card and 1 corrected card" in html and "RL (1 card)" in html
        # session, user with settings, decks; the plan: library decks, offers, copies, both cards
        assert len(captured) == 8


class TestCommand:
    def call(self, *args: str) -> str:
        out = StringIO()
        call_command("load_library", *args, stdout=out)
        return out.getvalue()

    def test_update_accounts_updates_every_account_with_a_line_each(self, user, make_user):
        """Against the real fixtures: ada's copy predates a correction, grace never had a copy."""
        copy_library_to(user)
        grace = make_user("grace")
        old = Card.objects.filter(owner=user).first()
        Card.objects.filter(pk=old.pk).update(back="An older answer.", content_hash="old", source_hash="old")
        output = self.call("--update-accounts")
        decks = len(list(FIXTURES_DIR.glob("*.md")))
        assert "ada: 0 decks and 0 cards added, 1 corrected; 0 edited and 0 no longer" in output
        assert f"grace: {decks} decks and 0 cards added, 0 corrected;" in output
        assert Card.objects.get(pk=old.pk).back != "An older answer."
        assert Deck.objects.filter(owner=grace).count() == decks

    def test_without_the_flag_no_account_changes(self, user):
        copy_library_to(user)
        Card.objects.filter(owner=user).update(back="An older answer.", content_hash="old", source_hash="old")
        output = self.call()
        assert "ada:" not in output and "unchanged" in output
        assert not Card.objects.filter(owner=user).exclude(back="An older answer.").exists()


@pytest.mark.django_db(transaction=True)
class TestMigration:
    BEFORE = [("cards", "0006_queue_indexes_cover_burial")]
    AFTER = [("cards", "0007_library_links")]

    def test_existing_accounts_are_linked_as_far_as_is_safe(self, django_user_model):
        Deck.objects.filter(owner__isnull=True).delete()  # the bundled decks the session loaded
        executor = MigrationExecutor(connection)
        executor.migrate(self.BEFORE)
        apps = executor.loader.project_state(self.BEFORE).apps
        OldDeck, OldCard = apps.get_model("cards", "Deck"), apps.get_model("cards", "Card")
        User = apps.get_model("auth", "User")
        now = timezone.now()

        def make(deck, key: str, content_hash: str, *, created=now - timedelta(days=9)):
            made = OldCard.objects.create(owner=deck.owner, deck=deck, key=key, front=key, back=key,
                                          content_hash=content_hash)  # fmt: skip
            OldCard.objects.filter(pk=made.pk).update(created=created)
            return made

        def deck(owner, name: str, created):
            made = OldDeck.objects.create(owner=owner, name=name, slug=name.lower())
            OldDeck.objects.filter(pk=made.pk).update(created=created)
            return made

        a, b = deck(None, "A", now - timedelta(days=9)), deck(None, "B", now - timedelta(days=9))
        later = deck(None, "Later", now - timedelta(days=1))
        make(a, "x", "x1")
        y = make(a, "y", "y1")
        z = make(a, "z", "z1", created=now - timedelta(days=1))  # added after ada's sign-up
        make(b, "q", "q1")
        make(later, "l", "l1", created=now - timedelta(days=1))
        ada, bob = User.objects.create(username="ada"), User.objects.create(username="bob")
        mine = deck(ada, "A", now - timedelta(days=5))
        kept, edited = make(mine, "x", "x1"), make(mine, "y", "mine")  # ada deleted B
        try:
            MigrationExecutor(connection).migrate(self.AFTER)
        finally:
            executor = MigrationExecutor(connection)
            executor.migrate(executor.loader.graph.leaf_nodes())

        assert Deck.objects.get(pk=mine.pk).source_id == a.pk
        hashes = Card.objects.filter(pk__in=[kept.pk, edited.pk]).order_by("pk").values_list("source_hash", flat=True)
        assert list(hashes) == ["x1", ""]
        assert set(LibraryOffer.objects.values_list("user_id", "library_deck_id", "offered_through")) == {
            (ada.pk, a.pk, y.pk), (ada.pk, b.pk, 0),
            (bob.pk, a.pk, 0), (bob.pk, b.pk, 0), (bob.pk, later.pk, 0),
        }  # fmt: skip
        update = plan_update(django_user_model.objects.get(pk=ada.pk))
        assert [deck.name for deck in update.new_decks] == ["Later"]
        assert [deck.name for deck in update.removed_decks] == ["B"]
        assert (update.decks[0].added, update.corrected, update.kept) == ((z.pk,), 0, 1)
