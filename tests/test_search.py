"""The card browser's text search: every word, anywhere in a card's text, through the index."""

from __future__ import annotations

import re
import string

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cards import browsing, study
from cards.bulk import BulkAction, apply
from cards.importing import import_decks, read_uploads
from cards.library import copy_library_to
from cards.models import Card, Deck

pytestmark = pytest.mark.django_db

TEXTS = [  # front, back, tags
    ("What is Schrödinger's equation?", "iħ ∂ψ/∂t = Ĥψ", "physics quantum"),
    ("薛定谔方程是什么？", "量子力学的基本方程", "物理"),
    ('Say "hello" (loudly)', "a*b - c NEAR d AND e OR f NOT g", "syntax"),
    ("Policy gradient", "REINFORCE with a baseline; 50% less variance", "rl gae"),
    ("What is RLHF?", "Reinforcement learning from human feedback", "rlhf llm"),
    ("col:umn ^caret +plus {braces} [brackets]", "back\\slash 'single' _under_", "misc"),
]


def found(client: Client, q: str, **params: str) -> set[int]:
    """The ids of the cards the browser lists for the search ``q``."""
    response = client.get(reverse("cards"), {"q": q, **params})
    assert response.status_code == 200
    return {int(pk) for pk in re.findall(r'<a href="/cards/(\d+)/"', response.content.decode())}


def write_cards(owner, texts=TEXTS, *, name: str = "Deck") -> list[Card]:
    deck = Deck.objects.create(owner=owner, name=name, slug=name.lower())
    return [
        Card.objects.create(owner=owner, deck=deck, key=f"k{i}", front=front, back=back, tags=tags)
        for i, (front, back, tags) in enumerate(texts)
    ]


def by_hand(cards: list[Card], q: str) -> set[int]:
    """What the search must find: every word in the question, the answer or the tags, ignoring
    case (of ASCII letters only, for words shorter than a trigram: SQLite's ``LIKE``; the texts
    and queries here have no word whose other letters' case PostgreSQL's locale could decide)."""

    def fold(text: str, word: str) -> str:
        if len(word) >= browsing.TRIGRAM:
            return text.lower()
        return text.translate(str.maketrans(string.ascii_uppercase, string.ascii_lowercase))

    return {
        card.pk
        for card in cards
        if all(any(fold(word, word) in fold(text, word) for text in (card.front, card.back, card.tags))
               for word in q.split())
    }  # fmt: skip


class TestMeaning:
    def test_every_word_must_occur_in_any_order_and_field(self, signed_in, user):
        schrodinger, chinese, syntax, policy, rlhf, misc = write_cards(user)
        assert found(signed_in, "equation physics") == {schrodinger.pk}  # question and tags
        assert found(signed_in, "baseline gradient gae") == {policy.pk}  # all three fields
        assert found(signed_in, "gradient feedback") == set()  # each word on another card
        assert found(signed_in, "reinforce") == {policy.pk, rlhf.pk}  # "REINFORCE", "Reinforcement"
        assert found(signed_in, "") == {c.pk for c in (schrodinger, chinese, syntax, policy, rlhf, misc)}

    def test_case_is_ignored(self, signed_in, user):
        schrodinger, chinese, syntax, policy, rlhf, misc = write_cards(user)
        assert found(signed_in, "POLICY Gradient") == found(signed_in, "policy gradient") == {policy.pk}
        assert found(signed_in, "Rl HF") == {rlhf.pk}

    @pytest.mark.skipif(connection.vendor != "sqlite", reason="PostgreSQL's UPPER follows the database's locale")
    def test_case_is_ignored_in_every_script_by_the_index(self, signed_in, user):
        schrodinger, *_ = write_cards(user)
        assert found(signed_in, "SCHRÖDINGER") == found(signed_in, "schrödinger") == {schrodinger.pk}
        assert found(signed_in, "∂Ψ/∂T") == {schrodinger.pk}

    def test_short_words_are_substrings_too(self, signed_in, user):
        schrodinger, chinese, syntax, policy, rlhf, misc = write_cards(user)
        assert found(signed_in, "rl") == {policy.pk, rlhf.pk}
        assert found(signed_in, "RL hf") == {rlhf.pk}
        assert found(signed_in, "量子") == {chinese.pk}  # two characters: no trigram
        assert found(signed_in, "薛定谔") == {chinese.pk}
        assert found(signed_in, "rl feedback") == {rlhf.pk}
        assert found(signed_in, "%") == {policy.pk}  # LIKE's wildcards are plain characters
        assert found(signed_in, "_u") == {misc.pk}

    @pytest.mark.parametrize(
        ("q", "index"),
        [('"hello"', 2), ("(loudly)", 2), ('"hello" (loudly)', 2), ("a*b", 2), ("- c", 2),
         ("NEAR", 2), ("AND", 2), ("OR f NOT", 2), ("col:umn", 5), ("^caret", 5), ("+plus", 5),
         ("{braces}", 5), ("[brackets]", 5), ("back\\slash", 5), ("'single'", 5), ("50%", 3),
         ("Schrödinger's", 0), ("∂ψ/∂t", 0)],
    )  # fmt: skip
    def test_query_syntax_is_plain_text(self, signed_in, user, q, index):
        cards = write_cards(user)
        assert found(signed_in, q) == {cards[index].pk}

    @pytest.mark.parametrize("q", ['"', '""', '"""', "*", "***", "NEAR(", "AND OR NOT", ")(", "^", "-", ":"])
    def test_bare_syntax_finds_what_holds_it_and_never_fails(self, signed_in, user, q):
        cards = write_cards(user)
        assert found(signed_in, q) == by_hand(cards, q)

    def test_another_users_cards_never_match(self, signed_in, user, make_user):
        write_cards(make_user("grace"), name="Theirs")
        mine = write_cards(user, TEXTS[:1])
        assert found(signed_in, "equation") == {mine[0].pk}
        assert found(signed_in, "gradient") == found(signed_in, "rl") == set()

    def test_text_combines_with_the_other_filters(self, signed_in, user):
        cards = write_cards(user)
        Card.objects.filter(pk=cards[3].pk).update(suspended=True)
        assert found(signed_in, "reinforce", state="suspended") == {cards[3].pk}
        assert found(signed_in, "reinforce", tag="rlhf") == {cards[4].pk}
        other = write_cards(user, TEXTS[3:4], name="Other")
        assert found(signed_in, "reinforce", deck="other") == {other[0].pk}


WORDS = st.lists(
    st.one_of(
        st.sampled_from([text[i:i + n] for fields in TEXTS for text in fields
                         for n in (1, 2, 3, 5) for i in range(0, max(len(text) - n, 0) + 1, 3)]),
        st.text(alphabet='aAeEö量子"*-()^:+%_\\ ', min_size=1, max_size=6),
    ),
    max_size=3,
)  # fmt: skip


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(words=WORDS)
def test_the_index_finds_what_a_reading_of_every_card_finds(user, make_user, words):
    """Any query, pieces of the cards' text or stray syntax: the same cards as reading them all."""
    if not Card.objects.exists():
        write_cards(make_user("grace"), name="Theirs")
        write_cards(user)
    cards = list(Card.objects.filter(owner=user))
    q = " ".join(words)
    day = study.current_day(user.study_settings)
    assert set(browsing.find(user, browsing.Search(text=q), day).values_list("pk", flat=True)) == by_hand(cards, q)


class TestIndexFollowsEveryWrite:
    """SQLite's index is kept by triggers: whatever writes a card, the search sees it at once."""

    def test_create_edit_and_delete_in_the_editor_and_bulk(self, signed_in, user):
        card = write_cards(user, [("Old question", "old answer", "")])[0]
        assert found(signed_in, "question") == {card.pk}
        data = {"deck": card.deck_id, "front": "Fresh wording", "back": "new answer", "tags": "edited"}
        assert signed_in.post(reverse("card-edit", args=[card.pk]), data).status_code == 302
        assert found(signed_in, "question") == set()
        assert found(signed_in, "fresh edited") == {card.pk}
        apply(Card.objects.filter(pk=card.pk), BulkAction.ADD_TAG, tag="exam")  # bulk_update
        assert found(signed_in, "exam fresh") == {card.pk}
        Card.objects.filter(pk=card.pk).update(back="changed by update()")
        assert found(signed_in, "changed") == {card.pk} and found(signed_in, "new answer") == set()
        apply(Card.objects.filter(pk=card.pk), BulkAction.DELETE)
        assert found(signed_in, "fresh") == set()

    def test_schedule_changes_keep_the_text_found(self, signed_in, user):
        card = write_cards(user, [("Kept question", "answer", "")])[0]
        settings = user.study_settings
        study.grade_card(settings, card_id=card.pk, version=0, quality=4, answer_ms=0, day=study.current_day(settings))
        apply(Card.objects.filter(pk=card.pk), BulkAction.SUSPEND)
        assert found(signed_in, "kept") == {card.pk}

    def test_import_then_reimport_changed_and_pruned(self, signed_in, user):
        head = '+++\ndeck = "Quiz"\n+++\n\n'
        deck = head + "## First card {#a}\n\nAlpha answer\n\n## Second card {#b}\n\nBravo answer\n"
        import_decks(read_uploads([("quiz.md", deck.encode())]).decks, owner=user)
        assert len(found(signed_in, "answer")) == 2
        changed = head + "## First card {#a}\n\nCharlie answer\n"
        import_decks(read_uploads([("quiz.md", changed.encode())]).decks, owner=user, prune=True)
        assert found(signed_in, "charlie") == set(Card.objects.filter(owner=user, key="a").values_list("pk", flat=True))
        assert found(signed_in, "alpha") == found(signed_in, "bravo") == set()

    def test_library_copy_backup_restore_and_deck_delete(self, signed_in, user, make_user):
        assert copy_library_to(user) > 0
        library = set(Card.objects.filter(owner=user).values_list("pk", flat=True))
        word = Card.objects.filter(owner=user).values_list("front", flat=True).first().split()[-1]
        assert found(signed_in, word) and found(signed_in, word) <= library
        Deck.objects.filter(owner=user).delete()  # cascades to the cards
        assert found(signed_in, word) == set()
        other = make_user("grace")
        write_cards(other, TEXTS[:1], name="Theirs")
        grace = Client()
        grace.force_login(other)
        backup = grace.get(reverse("export"), {"format": "json"}).content
        from cards import backup as backups

        backups.restore(user, backup, source="backup.json")
        assert found(signed_in, "schrödinger") == set(Card.objects.filter(owner=user).values_list("pk", flat=True))

    def test_the_index_is_there(self):
        """A migration that makes SQLite rebuild ``cards_card`` drops the triggers with the old
        table; it must create them again."""
        sql = {
            "sqlite": "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'cards_card'",
            "postgresql": "SELECT indexname FROM pg_indexes WHERE tablename = 'cards_card'",
        }[connection.vendor]
        with connection.cursor() as cursor:
            cursor.execute(sql)
            names = {name for (name,) in cursor.fetchall()}
        expected = {
            "sqlite": {"cards_card_fts_insert", "cards_card_fts_update", "cards_card_fts_delete"},
            "postgresql": {"card_front_trgm", "card_back_trgm", "card_tags_trgm"},
        }[connection.vendor]
        assert expected <= names


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query plans, which have no statistics")
class TestPlans:
    """Without statistics SQLite plans from the indexes alone, so these hold for any collection."""

    def plan(self, sql: str, params: tuple = ()) -> str:
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            return " | ".join(row[3] for row in cursor.fetchall())

    @pytest.mark.parametrize(("sort", "index"), [("due", "card_by_due"), ("added", "card_by_created"),
                             ("interval", "card_by_interval"), ("ease", "card_by_ease"), ("lapses", "card_by_lapses")])  # fmt: skip
    def test_a_page_is_read_in_order_from_an_index(self, user, sort, index):
        day = study.current_day(user.study_settings)
        for search in (browsing.Search(sort=sort), browsing.Search(state="review", due="today", sort=sort)):
            page = browsing.rows(browsing.find(user, search, day)[:50])
            ids = self.plan(*page.query.sql_with_params()).split(" | ")[2]  # the subquery picking the page
            assert f"COVERING INDEX {index} " in ids, ids

    def test_no_statement_binds_the_condition_of_a_partial_index(self, signed_in, user, make_cards):
        """Bound, ``suspended = ?`` makes SQLite prepare the statement again on every run (see
        ``rows.literal``): the study queue's partial indexes are built on that condition."""
        make_cards(user, 3)
        bound = []

        def watch(execute, sql, params, many, context):
            if re.search(r'\bsuspended"? = %', sql):
                bound.append(sql)
            return execute(sql, params, many, context)

        pages = [reverse("review"), reverse("dashboard"), *(f"{reverse('cards')}?state={s}" for s in browsing.STATES)]
        with connection.execute_wrapper(watch):
            for url in pages:
                assert signed_in.get(url).status_code == 200
        Card.objects.filter(owner=user).update(suspended=True)
        with connection.execute_wrapper(watch):
            assert "All done" in signed_in.get(reverse("review")).content.decode()  # next_due's query
        assert not bound, bound

    def test_the_study_queue_keeps_its_own_indexes(self, signed_in, user, make_cards):
        make_cards(user, 3)
        with CaptureQueriesContext(connection) as captured:
            signed_in.get(reverse("review"))
        (queue,) = [q["sql"] for q in captured.captured_queries if q["sql"].lstrip().startswith("WITH q AS")]
        plan = self.plan(queue)
        # Not one of the browser's indexes whole: they leave out buried_until, which the queue
        # names, so none of them covers its statement and a range of its own indexes wins.
        assert "COVERING INDEX card_by_" not in plan and not re.search(r"card_by_\w+ \(owner_id=\?\)", plan), plan
