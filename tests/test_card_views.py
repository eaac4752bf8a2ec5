"""The card browser, a card's page and the editor, over HTTP; every id URL is owner-scoped."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django import forms
from django.db import connection
from django.test.html import parse_html
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.safestring import mark_safe

from cards import study
from cards.forms import LightNumberInput, LightSelect, LightTextInput
from cards.models import Card, Deck, PendingImport, Review
from tests.conftest import day_at

pytestmark = pytest.mark.django_db


def keys(html: str) -> list[str]:
    """The cards listed, as "deck slug-number" (make_cards numbers cards within a deck)."""
    return [f"{deck.lower()}-{n}" for n, deck in re.findall(
        r'<a href="/cards/\d+/"[^>]*>Question (\d+)</a>.*?</th>\s*<td>([^<]*)</td>', html, re.S)]  # fmt: skip


class TestSearch:
    def test_text_tag_deck_and_state(self, signed_in, user, make_cards):
        alpha = make_cards(user, 3, name="Alpha", tags="rl gae")
        make_cards(user, 2, name="Beta", tags="rlhf")
        Card.objects.filter(pk=alpha[2].pk).update(suspended=True, back="Advantage estimation")
        url = reverse("cards")
        assert keys(signed_in.get(url, {"q": "question 2"}).content.decode()) == ["alpha-2"]
        assert keys(signed_in.get(url, {"tag": "rl"}).content.decode()) == ["alpha-0", "alpha-1", "alpha-2"]
        assert keys(signed_in.get(url, {"deck": "beta"}).content.decode()) == ["beta-0", "beta-1"]
        assert keys(signed_in.get(url, {"state": "suspended"}).content.decode()) == ["alpha-2"]
        assert keys(signed_in.get(url, {"q": "advantage"}).content.decode()) == ["alpha-2"]

    def test_due_lapses_and_sort(self, signed_in, user, make_cards):
        cards = make_cards(user, 3)
        day = study.current_day(user.study_settings)
        Card.objects.filter(pk=cards[0].pk).update(due=day.today - timedelta(days=3), interval=5, lapses=2)
        Card.objects.filter(pk=cards[1].pk).update(due=day.today, interval=9)
        url = reverse("cards")
        assert keys(signed_in.get(url, {"due": "overdue"}).content.decode()) == ["deck-0"]
        assert keys(signed_in.get(url, {"due": "today"}).content.decode()) == ["deck-0", "deck-1"]
        assert keys(signed_in.get(url, {"lapses": "1"}).content.decode()) == ["deck-0"]
        assert keys(signed_in.get(url, {"sort": "interval"}).content.decode())[:2] == ["deck-1", "deck-0"]

    def test_htmx_gets_the_results_partial_and_pages(self, signed_in, user, make_cards):
        make_cards(user, 120)
        response = signed_in.get(reverse("cards"), {"page": "3"}, HTTP_HX_REQUEST="true")
        html = response.content.decode()
        assert html.lstrip().startswith('<section id="results"')
        assert "120 cards" in html and "Page 3 of 3" in html and len(keys(html)) == 20

    @pytest.mark.parametrize("size", [10, 150])
    def test_query_count_does_not_grow(self, signed_in, user, make_cards, size):
        make_cards(user, size, tags="rl")
        counts = set()
        for params in ({"q": "question", "sort": "added"}, {}, {"q": "rl question 1"}, {"q": "q", "sort": "lapses"},
                       {"q": "question", "page": "2"}, {"state": "new", "sort": "interval"}):  # fmt: skip
            with CaptureQueriesContext(connection) as captured:
                signed_in.get(reverse("cards"), params)
            counts.add(len(captured))
        assert counts == {5}  # session, user with settings, decks (for both forms), count, page

    def test_only_my_cards(self, signed_in, user, make_user, make_cards):
        make_cards(make_user("grace"), 2, name="Theirs")
        assert "0 cards" in signed_in.get(reverse("cards")).content.decode()


    @pytest.mark.parametrize(
        ("django_widget", "light_widget", "values"),
        [(forms.Select, LightSelect, ["", "a&b", 3, "y", None]),
         (forms.TextInput, LightTextInput, ["", 'say "<hi>" & go', None]),
         (forms.NumberInput, LightNumberInput, [0, 12, None])],
    )  # fmt: skip
    def test_light_widgets_are_djangos(self, django_widget, light_widget, values):
        attrs = {"id": "id_f", "required": True, "disabled": False, "maxlength": 9}
        choices = {"choices": [("", "Any"), ("a&b", 'L<"x">'), (3, mark_safe("<i>3</i>")),
                               ("G<1>", [("x", "X"), ("y", "Y")])]}  # fmt: skip
        kwargs = choices if django_widget is forms.Select else {}
        for value in values:
            html = [widget(attrs=attrs, **kwargs).render("f", value) for widget in (django_widget, light_widget)]
            assert parse_html(html[0]) == parse_html(html[1]), html

    def test_bulk_form_follows_the_decks(self, signed_in, user, make_cards):
        card = make_cards(user, 1, name="Alpha")[0]
        html = signed_in.get(reverse("cards")).content.decode()
        assert '<select name="action"' in html and f'<option value="{card.deck_id}">Alpha</option>' in html
        signed_in.post(reverse("deck-edit", args=[card.deck_id]), {"name": "Beta", "description": ""})
        html = signed_in.get(reverse("cards")).content.decode()
        assert f'<option value="{card.deck_id}">Beta</option>' in html and ">Alpha<" not in html

    def test_rows_show_the_card(self, signed_in, user, make_cards):
        card = make_cards(user, 1, tags="rl")[0]
        Card.objects.filter(pk=card.pk).update(front="<b>x</b> " + "long " * 30, suspended=True, interval=12,
                                               due=study.current_day(user.study_settings).today, lapses=3)  # fmt: skip
        html = signed_in.get(reverse("cards")).content.decode()
        row = re.search(r"<tr><td><input.*?</tr>", html, re.S).group()
        assert f'value="{card.pk}" aria-labelledby="card-{card.pk}"' in row and f'href="/cards/{card.pk}/"' in row
        assert "&lt;b&gt;x&lt;/b&gt; long long" in row and "long …</a>" in row and "<b>" not in row
        assert '<span class="badge">suspended</span>' in row
        assert re.search(r"<td>Deck</td><td>\d{4}-\d\d-\d\d</td><td>12</td><td>2.50</td><td>3</td>", row)


class TestCardPage:
    def test_both_sides_schedule_and_history(self, signed_in, user, make_cards):
        card = make_cards(user, 1)[0]
        settings = user.study_settings
        study.grade_card(settings, card_id=card.pk, version=0, quality=5, answer_ms=0,
                         day=day_at(settings, 2026, 11, 20, 12))  # fmt: skip
        html = signed_in.get(reverse("card-detail", args=[card.pk])).content.decode()
        assert "<p>Question 0</p>" in html and "<p>Answer 0</p>" in html
        assert "2026-11-20" in html and "grade 5" in html and "interval 0 → 1 days" in html


class TestEditor:
    def data(self, card: Card, **changes: object) -> dict[str, object]:
        return {"deck": card.deck_id, "front": card.front, "back": card.back, "tags": card.tags, **changes}

    def test_save_rerenders_and_keeps_history(self, signed_in, user, make_cards):
        card = make_cards(user, 1)[0]
        settings = user.study_settings
        study.grade_card(settings, card_id=card.pk, version=0, quality=4, answer_ms=0,
                         day=day_at(settings, 2026, 11, 20, 12))  # fmt: skip
        card.refresh_from_db()
        response = signed_in.post(reverse("card-edit", args=[card.pk]),
                                  self.data(card, back="Now with $x^2$", tags="New-Tag math"))  # fmt: skip
        assert response.status_code == 302
        edited = Card.objects.get(pk=card.pk)
        assert "<math" in edited.back_html and edited.tags == "new-tag math"
        assert (edited.key, edited.repetitions, edited.due) == (card.key, card.repetitions, card.due)
        assert Review.objects.filter(card=card).count() == 1

    def test_back_to_the_same_card_in_review(self, signed_in, user, make_cards):
        card = make_cards(user, 2)[1]
        url = reverse("card-edit", args=[card.pk]) + "?next=review"
        response = signed_in.post(url, self.data(card, front="Fixed question"))
        assert response.url == f"/review/?card={card.pk}"
        assert "Fixed question" in signed_in.get(response.url).content.decode()

    @pytest.mark.parametrize(
        ("changes", "message"),
        [({"front": "  "}, "A card needs a question."), ({"back": "x" * 20_001}, "at most 20000"),
         ({"tags": "Bad!Tag"}, "Tags are lowercase words")],
    )  # fmt: skip
    def test_invalid_input_saves_nothing(self, signed_in, user, make_cards, changes, message):
        card = make_cards(user, 1)[0]
        response = signed_in.post(reverse("card-edit", args=[card.pk]), self.data(card, **changes))
        assert response.status_code == 200 and message in response.content.decode()
        assert Card.objects.get(pk=card.pk).front == card.front

    def test_deck_of_another_user_is_refused(self, signed_in, user, make_user, make_cards):
        card = make_cards(user, 1)[0]
        theirs = Deck.objects.create(owner=make_user("grace"), name="Theirs", slug="theirs")
        response = signed_in.post(reverse("card-edit", args=[card.pk]), self.data(card, deck=theirs.pk))
        assert "Select a valid choice" in response.content.decode()
        assert Card.objects.get(pk=card.pk).deck_id == card.deck_id

    def test_live_preview_uses_the_card_renderer(self, signed_in):
        html = signed_in.post(reverse("card-preview"), {"front": "Why $\\sqrt{d_k}$?", "back": "<script>x</script>**b**"},
                              HTTP_HX_REQUEST="true").content.decode()  # fmt: skip
        assert "<msqrt>" in html and "<strong>b</strong>" in html and "<script" not in html

    def test_review_page_links_e_to_the_editor(self, signed_in, user, make_cards):
        card = make_cards(user, 1)[0]
        html = signed_in.get(reverse("review")).content.decode()
        assert f'href="/cards/{card.pk}/edit/?next=review" data-key="e"' in html


def id_patterns(resolver: URLResolver | None = None, prefix: str = ""):
    """Every URL pattern of the project that takes an id (the admin's own excepted)."""
    for pattern in (resolver or get_resolver()).url_patterns:
        route = prefix + str(pattern.pattern)
        if route.startswith("admin/"):
            continue
        if isinstance(pattern, URLResolver):
            yield from id_patterns(pattern, route)
        elif isinstance(pattern, URLPattern) and pattern.pattern.converters:
            yield pattern


class TestOwnership:
    def test_every_url_taking_an_id_answers_404_for_another_users_object(self, signed_in, make_user, make_cards):
        other = make_user("grace")
        theirs = make_cards(other, 1, name="Theirs")[0]
        objects = {
            "card_id": theirs.pk,
            "deck_id": theirs.deck_id,
            "pending_id": PendingImport.objects.create(owner=other, archive=b"").pk,
        }
        patterns = list(id_patterns())
        assert {p.name for p in patterns} >= {
            "card-detail", "card-edit", "confirm-import", "deck-delete", "deck-add-bundled",
        }  # fmt: skip
        for pattern in patterns:
            kwargs = {name: objects[name] for name in pattern.pattern.converters}
            url = reverse(pattern.name, kwargs=kwargs)
            answers = {signed_in.get(url).status_code, signed_in.post(url, {"front": "x", "back": "y"}).status_code}
            assert 404 in answers and answers <= {404, 405}, url
        assert Card.objects.get(pk=objects["card_id"]).front == "Question 0"
        assert Deck.objects.get(pk=objects["deck_id"]).name == "Theirs"


class TestDecks:
    def test_list_counts_and_study_link(self, signed_in, user, make_cards):
        cards = make_cards(user, 3, name="Alpha")
        Card.objects.filter(pk=cards[0].pk).update(due=study.current_day(user.study_settings).today, repetitions=1)
        html = signed_in.get(reverse("decks")).content.decode()
        assert re.search(r"Alpha.*?<td>2</td><td>1</td><td>3</td>", html, re.S)
        assert '/review/?deck=alpha"' in html

    def test_create_rename_and_refuse_a_duplicate_name(self, signed_in, user, make_cards):
        signed_in.post(reverse("decks"), {"name": "Notes", "description": ""})
        deck = Deck.objects.get(owner=user, name="Notes")
        assert deck.slug == "notes"
        make_cards(user, 1, name="Other")
        response = signed_in.post(reverse("deck-edit", args=[deck.pk]), {"name": "Other", "description": ""})
        assert "already have a deck with this name" in response.content.decode()
        signed_in.post(reverse("deck-edit", args=[deck.pk]), {"name": "My notes", "description": "mine"})
        deck.refresh_from_db()
        assert (deck.name, deck.description, deck.slug) == ("My notes", "mine", "notes")

    def test_delete_says_what_goes_then_deletes(self, signed_in, user, make_cards):
        card = make_cards(user, 2, name="Alpha")[0]
        settings = user.study_settings
        study.grade_card(settings, card_id=card.pk, version=0, quality=4, answer_ms=0,
                         day=study.current_day(settings))  # fmt: skip
        html = signed_in.get(reverse("deck-delete", args=[card.deck_id])).content.decode()
        assert "Its 2 cards and their 1 reviews will be deleted too" in html
        assert Deck.objects.filter(pk=card.deck_id).exists()
        signed_in.post(reverse("deck-delete", args=[card.deck_id]))
        assert not Deck.objects.filter(pk=card.deck_id).exists()
        assert not Review.objects.filter(user=user).exists()


class TestBulk:
    def post(self, client, action: str, *, cards=(), scope: str = "selected", search: dict | None = None, **extra):
        data = {"action": action, "scope": scope, "card": [c.pk for c in cards], **extra}
        data.update({f"search-{k}": v for k, v in (search or {}).items()})
        return client.post(reverse("cards-bulk"), data, HTTP_HX_REQUEST="true").content.decode()

    def test_suspend_and_unsuspend_the_selection(self, signed_in, user, make_cards):
        cards = make_cards(user, 3)
        assert "2 cards changed." in self.post(signed_in, "suspend", cards=cards[:2])
        assert Card.objects.filter(owner=user, suspended=True).count() == 2
        self.post(signed_in, "unsuspend", cards=cards)
        assert not Card.objects.filter(owner=user, suspended=True).exists()

    def test_every_match_uses_the_search(self, signed_in, user, make_cards):
        make_cards(user, 3, name="Alpha", tags="rl")
        make_cards(user, 2, name="Beta")
        html = self.post(signed_in, "add-tag", scope="all", search={"deck": "alpha"}, tag="exam")
        assert "3 cards changed." in html
        assert sorted(Card.objects.filter(owner=user).values_list("tags", flat=True)) == ["", "", "rl exam", "rl exam", "rl exam"]
        self.post(signed_in, "remove-tag", scope="all", search={"tag": "exam"}, tag="rl")
        assert Card.objects.filter(owner=user, tags="exam").count() == 3

    def test_move_refuses_a_key_clash(self, signed_in, user, make_cards):
        alpha = make_cards(user, 2, name="Alpha")
        beta = make_cards(user, 1, name="Beta")
        Card.objects.filter(pk=beta[0].pk).update(key=alpha[0].key)
        html = self.post(signed_in, "move", cards=alpha, target=beta[0].deck_id)
        assert "Nothing moved: 1 card has a key the target deck already uses." in html
        assert Card.objects.filter(deck=beta[0].deck).count() == 1
        self.post(signed_in, "move", cards=alpha[1:], target=beta[0].deck_id)
        assert Card.objects.filter(deck=beta[0].deck).count() == 2

    def test_reset_and_delete_need_confirmation(self, signed_in, user, make_cards):
        cards = make_cards(user, 2)
        settings = user.study_settings
        study.grade_card(settings, card_id=cards[0].pk, version=0, quality=5, answer_ms=0,
                         day=study.current_day(settings))  # fmt: skip
        assert "Tick the box to confirm" in self.post(signed_in, "reset", cards=cards)
        assert Card.objects.get(pk=cards[0].pk).due is not None
        self.post(signed_in, "reset", cards=cards[:1], confirm="on")
        reset = Card.objects.get(pk=cards[0].pk)
        assert (reset.due, reset.repetitions) == (None, 0) and Review.objects.filter(card=reset).count() == 1
        assert "Tick the box" in self.post(signed_in, "delete", cards=cards)
        assert "2 cards changed." in self.post(signed_in, "delete", cards=cards, confirm="on")
        assert not Card.objects.filter(owner=user).exists()

    def test_another_users_cards_are_never_touched(self, signed_in, user, make_user, make_cards):
        theirs = make_cards(make_user("grace"), 2, name="Theirs")
        mine = make_cards(user, 1)
        assert "1 card changed." in self.post(signed_in, "suspend", cards=[*theirs, *mine])
        assert not Card.objects.filter(pk__in=[c.pk for c in theirs], suspended=True).exists()
        self.post(signed_in, "delete", scope="all", confirm="on")
        assert Card.objects.filter(pk__in=[c.pk for c in theirs]).count() == 2

    def test_nothing_selected(self, signed_in, user, make_cards):
        make_cards(user, 1)
        assert "Select some cards first." in self.post(signed_in, "suspend")


class TestReviewFindings:
    def test_every_match_with_an_unreadable_search_changes_nothing(self, signed_in, user, make_cards):
        make_cards(user, 3)
        html = signed_in.post(reverse("cards-bulk"), {"action": "suspend", "scope": "all", "search-lapses": "x"},
                              HTTP_HX_REQUEST="true").content.decode()  # fmt: skip
        assert "nothing was changed" in html
        assert not Card.objects.filter(owner=user, suspended=True).exists()

    def test_deleting_a_deck_recounts_the_days(self, signed_in, user, make_cards):
        from cards.models import DailyStats

        card = make_cards(user, 1, name="Alpha")[0]
        settings = user.study_settings
        study.grade_card(settings, card_id=card.pk, version=0, quality=4, answer_ms=0, day=study.current_day(settings))
        assert DailyStats.objects.get(user=user).answers == 1
        signed_in.post(reverse("deck-delete", args=[card.deck_id]))
        assert not DailyStats.objects.filter(user=user).exists()

    def test_editor_refuses_a_deck_that_has_the_cards_key(self, signed_in, user, make_cards):
        alpha = make_cards(user, 1, name="Alpha")[0]
        beta = make_cards(user, 1, name="Beta")[0]
        Card.objects.filter(pk=beta.pk).update(key=alpha.key)
        data = {"deck": beta.deck_id, "front": "Q", "back": "A", "tags": ""}
        html = signed_in.post(reverse("card-edit", args=[alpha.pk]), data).content.decode()
        assert "already has a card with this card" in html

    def test_undo_after_a_bulk_reset_is_refused(self, signed_in, user, make_cards):
        card = make_cards(user, 1)[0]
        settings = user.study_settings
        day = study.current_day(settings)
        made = study.grade_card(settings, card_id=card.pk, version=0, quality=5, answer_ms=0, day=day)
        signed_in.post(reverse("cards-bulk"), {"action": "reset", "scope": "selected", "card": [card.pk], "confirm": "on"})
        with pytest.raises(study.StaleAction):
            study.undo_review(settings, review_id=made.pk, day=day)
        assert Card.objects.get(pk=card.pk).due is None
