"""The review page over real HTTP: htmx partials, plain-form fallback, bad and repeated POSTs."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cards.models import Card, Review, StudySettings

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
TRANSACTION_CONTROL = re.compile(r"\s*(SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT|BEGIN|COMMIT)\b")


def grade(client, card: Card, quality: int, *, htmx: bool = True, version: int | None = None):
    data = {"card": card.pk, "version": card.version if version is None else version, "quality": quality}
    return client.post(reverse("grade"), data, **(HTMX if htmx else {}))


class TestAccess:
    def test_signed_out_goes_to_login(self, client):
        response = client.get(reverse("review"))
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))

    def test_expired_session_sends_htmx_requests_to_login_as_a_page(self, client, user, make_cards):
        card = make_cards(user, 1)[0]
        response = client.post(
            reverse("grade"),
            {"card": card.pk, "version": 0, "quality": 4},
            HTTP_HX_REQUEST="true",
            HTTP_HX_CURRENT_URL="http://testserver/review/",
        )
        assert response.status_code == 200
        assert response.headers["HX-Redirect"] == "/accounts/login/?next=/review/"
        assert not Review.objects.exists()

    def test_home_sends_signed_in_user_to_review(self, signed_in):
        assert signed_in.get("/").url == reverse("review")


class TestPage:
    def test_shows_the_question_with_the_answer_hidden(self, signed_in, user, make_cards):
        make_cards(user, 2)
        html = signed_in.get(reverse("review")).content.decode()
        assert "<p>Question 0</p>" in html
        assert re.search(r'<div id="answer"[^>]*hidden', html)
        assert "Show answer" in html
        assert "2 new" in html

    def test_reveal_without_javascript(self, signed_in, user, make_cards):
        card = make_cards(user, 1)[0]
        html = signed_in.get(reverse("review"), {"card": card.pk, "reveal": card.pk}).content.decode()
        assert not re.search(r'<div id="answer"[^>]*hidden', html)
        assert "<p>Answer 0</p>" in html

    def test_grade_buttons_carry_the_interval_they_would_give(self, signed_in, user, make_cards):
        card = make_cards(user, 1)[0]
        card.due, card.repetitions, card.interval = card.created.date(), 2, 6
        card.save()
        html = signed_in.get(reverse("review")).content.decode()
        assert "15 days" in html  # Good: ceil(6 × 2.5)

    def test_no_inline_script_and_a_strict_csp(self, signed_in, user, make_cards):
        make_cards(user, 1)
        response = signed_in.get(reverse("review"))
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self' 'nonce-" in csp
        assert "unsafe-eval" not in csp and "unsafe-inline" not in csp
        scripts = re.findall(r"<script([^>]*)>", response.content.decode())
        assert scripts and all("src=" in attributes for attributes in scripts)
        assert '"allowEval": false' in response.content.decode()

    def test_finished_session_says_when_cards_are_due_next(self, signed_in, user, make_cards):
        card = make_cards(user, 1)[0]
        grade(signed_in, card, 4)
        html = signed_in.get(reverse("review")).content.decode()
        assert "All done for now" in html
        assert "Next: 1 card is due tomorrow." in html

    def test_finished_by_the_new_card_limit_says_more_come_tomorrow(self, client, make_user, make_cards):
        user = make_user(new_per_day=1)
        client.force_login(user)
        first, _second = make_cards(user, 2)
        grade(client, first, 4)
        html = client.get(reverse("review")).content.decode()
        assert "You have seen today’s 1 new card; more come tomorrow." in html

    def test_again_and_hard_say_they_come_back_in_minutes(self, signed_in, user, make_cards):
        make_cards(user, 1)
        html = signed_in.get(reverse("review")).content.decode()
        intervals = re.findall(r'<span class="grade-interval" aria-hidden="true">([^<]*)</span>', html)
        assert intervals == ["1 min", "5 min", "1 day", "1 day"]

    @pytest.mark.parametrize("wanted", ["²", "-1", "x", "99999999999999999999999"])
    def test_odd_card_parameter_shows_the_queue(self, signed_in, user, make_cards, wanted):
        make_cards(user, 1)
        response = signed_in.get(reverse("review"), {"card": wanted})
        assert response.status_code == 200
        assert "<p>Question 0</p>" in response.content.decode()

    def test_another_users_card_parameter_shows_my_queue(self, signed_in, user, make_user, make_cards):
        make_cards(user, 1)
        other = make_cards(make_user("grace"), 1, name="Theirs")[0]
        html = signed_in.get(reverse("review"), {"card": other.pk}).content.decode()
        assert "<p>Question 0</p>" in html
        assert "Theirs" not in html

    def test_account_made_outside_sign_up_can_review(self, client, db):
        from django.contrib.auth import get_user_model

        admin = get_user_model().objects.create_superuser("root", password="x")
        client.force_login(admin)
        assert client.get(reverse("review")).status_code == 200
        assert StudySettings.objects.get(user=admin).new_per_day == 20


class TestScope:
    def test_study_one_deck_then_everything(self, signed_in, user, make_cards):
        make_cards(user, 1, name="Alpha")
        make_cards(user, 1, name="Beta")
        html = signed_in.get(reverse("review"), {"deck": "beta"}).content.decode()
        assert "Studying only Beta" in html and "<p>Question 0</p>" in html and "Beta" in html
        assert "1 new" in html
        html = signed_in.get(reverse("review")).content.decode()  # the scope lasts the session
        assert "Studying only Beta" in html
        html = signed_in.get(reverse("review"), {"scope": "all"}).content.decode()
        assert "Studying only" not in html and "2 new" in html

    def test_another_users_deck_is_no_scope(self, signed_in, user, make_user, make_cards):
        make_cards(user, 1, name="Mine")
        make_cards(make_user("grace"), 1, name="Theirs")
        html = signed_in.get(reverse("review"), {"deck": "theirs"}).content.decode()
        assert "There is no such deck" in html and "Studying only" not in html


class TestGrading:
    def test_htmx_grade_returns_the_next_card_as_a_partial(self, signed_in, user, make_cards):
        first, _second = make_cards(user, 2)
        response = grade(signed_in, first, 4)
        html = response.content.decode()
        assert response.status_code == 200
        assert "<html" not in html
        assert html.lstrip().startswith('<section id="study"')
        assert "<p>Question 1</p>" in html
        assert Review.objects.get().quality == 4

    def test_plain_post_redirects_back_to_review(self, signed_in, user, make_cards):
        card = make_cards(user, 1)[0]
        response = grade(signed_in, card, 5, htmx=False)
        assert response.status_code == 302
        assert response.url == reverse("review")
        assert Review.objects.count() == 1

    def test_repeated_post_counts_once(self, signed_in, user, make_cards):
        first, _second = make_cards(user, 2)
        grade(signed_in, first, 4)
        response = grade(signed_in, first, 4, version=0)
        assert Review.objects.count() == 1
        assert "already been answered" in response.content.decode()

    @pytest.mark.parametrize("quality", ["0", "2", "6", "x", ""])
    def test_forged_quality_is_refused(self, signed_in, user, make_cards, quality):
        card = make_cards(user, 1)[0]
        response = signed_in.post(reverse("grade"), {"card": card.pk, "version": 0, "quality": quality})
        assert response.status_code == 400
        assert not Review.objects.exists()

    def test_another_users_card_is_404(self, signed_in, make_user, make_cards):
        card = make_cards(make_user("grace"), 1)[0]
        assert grade(signed_in, card, 4).status_code == 404
        assert not Review.objects.exists()

    def test_get_is_not_allowed(self, signed_in):
        assert signed_in.get(reverse("grade")).status_code == 405

    def test_csrf_is_enforced(self, user, make_cards):
        from django.test import Client

        client = Client(enforce_csrf_checks=True)
        client.force_login(user)
        card = make_cards(user, 1)[0]
        assert grade(client, card, 4).status_code == 403
        assert not Review.objects.exists()

    def test_answer_time_is_recorded_and_capped(self, signed_in, user, make_cards):
        card = make_cards(user, 1)[0]
        signed_in.post(reverse("grade"), {"card": card.pk, "version": 0, "quality": 4, "shown_at": 1}, **HTMX)
        assert Review.objects.get().answer_ms == 60_000


class TestUndoBurySuspend:
    def test_undo_shows_the_card_again(self, signed_in, user, make_cards):
        first, _second = make_cards(user, 2)
        grade(signed_in, first, 4)
        review = Review.objects.get()
        response = signed_in.post(reverse("undo"), {"review": review.pk}, **HTMX)
        assert "<p>Question 0</p>" in response.content.decode()
        assert not Review.objects.exists()
        first.refresh_from_db()
        assert first.due is None

    def test_undo_twice_changes_nothing_more(self, signed_in, user, make_cards):
        first, second = make_cards(user, 2)
        grade(signed_in, first, 4)
        grade(signed_in, second, 4)
        latest = Review.objects.latest("pk")
        signed_in.post(reverse("undo"), {"review": latest.pk}, **HTMX)
        response = signed_in.post(reverse("undo"), {"review": latest.pk}, **HTMX)
        assert "Nothing to undo" in response.content.decode()
        assert Review.objects.count() == 1

    def test_undo_after_a_bury_takes_back_the_bury_not_the_grade_before(self, signed_in, user, make_cards):
        first, second, _third = make_cards(user, 3)
        grade(signed_in, first, 4)
        html = signed_in.post(reverse("bury"), {"card": second.pk, "version": 0}, **HTMX).content.decode()
        undo_form = html.split('action="/review/undo/"')[1].split("</form>")[0]
        fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', undo_form))
        fields.pop("csrfmiddlewaretoken")
        assert fields == {"card": str(second.pk), "version": "1", "action": "bury"}
        html = signed_in.post(reverse("undo"), fields, **HTMX).content.decode()
        assert "<p>Question 1</p>" in html
        second.refresh_from_db()
        assert second.buried_until is None
        assert Review.objects.count() == 1

    def test_undo_needs_a_review_or_a_whole_set_aside(self, signed_in, user, make_cards):
        card = make_cards(user, 1)[0]
        for data in [{}, {"card": card.pk, "version": 0}, {"review": 1, "card": card.pk, "version": 0, "action": "bury"}]:
            assert signed_in.post(reverse("undo"), data).status_code == 400

    def test_bury_moves_on_to_the_next_card(self, signed_in, user, make_cards):
        first, _second = make_cards(user, 2)
        response = signed_in.post(reverse("bury"), {"card": first.pk, "version": 0}, **HTMX)
        assert "<p>Question 1</p>" in response.content.decode()
        first.refresh_from_db()
        assert first.buried_until is not None

    def test_suspend_another_users_card_is_404(self, signed_in, make_user, make_cards):
        card = make_cards(make_user("grace"), 1)[0]
        assert signed_in.post(reverse("suspend"), {"card": card.pk, "version": 0}).status_code == 404
        card.refresh_from_db()
        assert not card.suspended


class TestQueryCount:
    @pytest.mark.parametrize("size", [3, 300])
    def test_review_step_runs_a_fixed_number_of_queries(self, signed_in, user, make_cards, size):
        cards = make_cards(user, size)
        grade(signed_in, cards[0], 4)  # warm the session
        with CaptureQueriesContext(connection) as captured:
            grade(signed_in, cards[1], 4)
        statements = [q["sql"] for q in captured.captured_queries]
        data = [sql for sql in statements if not TRANSACTION_CONTROL.match(sql)]
        # session, user with settings, card lock, card update, review insert, day's aggregate,
        # queue with the next card
        assert len(data) == 7, "\n".join(data)
