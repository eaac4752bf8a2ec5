"""The dashboard's figures against hand-computed fixtures and a brute-force recount of the log."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cards import daily, dashboard, study
from cards.grading import ReviewKind
from cards.models import Card, DailyStats, Review
from cards.grading import is_repeating
from cards.stats import CardState, card_state, readiness
from tests.conftest import day_at

pytestmark = pytest.mark.django_db


def grade(settings, card: Card, quality: int, day: study.Day, answer_ms: int = 1000) -> None:
    card.refresh_from_db()
    study.grade_card(settings, card_id=card.pk, version=card.version, quality=quality,
                     answer_ms=answer_ms, day=day)  # fmt: skip


def brute_force_days(user) -> dict[date, dict[str, int]]:
    """The per-day figures recounted from the review log, independently of cards.daily."""
    days: dict[date, Counter] = {}
    for review in Review.objects.filter(user=user):
        tally = days.setdefault(review.study_day, Counter())
        tally["answers"] += 1
        tally["correct"] += review.quality >= 3
        tally["new_cards"] += review.kind == ReviewKind.NEW
        tally["time_ms"] += review.answer_ms
        if review.kind == ReviewKind.REVIEW:
            age = "mature" if review.interval_before >= 21 else "young"
            tally[f"{age}_{'passed' if review.quality >= 3 else 'failed'}"] += 1
    return {day: {name: tally[name] for name in daily.COUNTERS} for day, tally in days.items()}


def stored_days(user) -> dict[date, dict[str, int]]:
    rows = DailyStats.objects.filter(user=user, answers__gt=0).values("day", *daily.COUNTERS)
    return {row.pop("day"): row for row in rows}


class TestFigures:
    def test_hand_computed_fixture(self, user, make_cards):
        settings = user.study_settings  # UTC, the day starts at 04:00
        a, b, c = make_cards(user, 3, name="Alpha", tags="rl")
        make_cards(user, 1, name="Beta")
        for offset in (0, 1, 2):  # three study days in a row: 26, 27, 28 November
            day = day_at(settings, 2026, 11, 26 + offset, 12)
            for card in (a, b):
                card.refresh_from_db()
                if study.is_studyable(card, day):
                    grade(settings, card, 4 if card == a else 1, day, answer_ms=30_000)
        today = day_at(settings, 2026, 11, 29, 12)
        board = dashboard.build(settings, today)
        assert (board.streaks.current, board.streaks.longest) == (3, 3)  # alive: today not over
        assert board.today.answers == 0
        # a: Good on 26th (new, 1 day), Good on 27th (review, interval 1 -> 6); b: Again on the
        # 26th (new), then due the 27th: Again (review, failed) and the 28th: Again again.
        assert board.retention[7].young_passed == 1
        assert board.retention[7].young_failed == 2
        assert board.retention[7].mature_passed == board.retention[7].mature_failed == 0
        assert board.states == Counter({CardState.YOUNG: 2, CardState.NEW: 2})
        # The database's figures agree with the pure rules in cards.stats, card by card.
        expected_states = Counter(
            card_state(due=c.due, interval=c.interval, suspended=c.suspended,
                       learning=is_repeating(c.schedule, today_starts=today.starts))
            for c in Card.objects.filter(owner=user)
        )  # fmt: skip
        assert board.states == expected_states
        forecast = dict(board.forecast)
        assert forecast[date(2026, 11, 29)] == 1  # b, due the 29th
        assert forecast[date(2026, 12, 3)] == 1  # a: reviewed the 27th with interval 6
        alpha = next(t for t in board.decks if t.name == "Alpha")
        assert (alpha.cards, alpha.seen, alpha.passed, alpha.failed) == (3, 2, 1, 2)
        rl = next(t for t in board.tags if t.key == "rl")
        # a: 2 days since its review of the 27th at interval 6 -> 0.9^(2/6); b: 1 day at 1 -> 0.9; c: 0
        assert rl.readiness == pytest.approx((0.9 ** (2 / 6) + 0.9 + 0) / 3, abs=1e-3)
        for card in (a, b, c):
            card.refresh_from_db()
        recall = [readiness(interval_days=x.interval, elapsed_days=(today.today - x.due).days + x.interval)
                  if x.due else 0.0 for x in (a, b, c)]  # fmt: skip
        assert rl.readiness == pytest.approx(sum(recall) / 3)
        assert [t.name for t in board.decks] == ["Beta", "Alpha"]  # never studied is weakest

    def test_today_and_time_spent(self, user, make_cards):
        settings = user.study_settings
        day = day_at(settings, 2026, 11, 29, 12)
        first, second = make_cards(user, 2)
        grade(settings, first, 5, day, answer_ms=90_000)
        grade(settings, second, 1, day, answer_ms=30_000)
        board = dashboard.build(settings, day)
        assert (board.today.answers, board.today.correct, board.today.minutes) == (2, 1, 2)
        assert board.today.correct_share == 0.5
        assert board.streaks.current == 1

    def test_a_day_starting_at_4_am_across_dst(self, make_user, make_cards):
        user = make_user(time_zone="Europe/Berlin", day_start_hour=4)
        settings = user.study_settings
        card = make_cards(user, 1)[0]
        # 03:30 CET on 29 March: before the day start, and DST begins at 02:00 that night.
        grade(settings, card, 4, day_at(settings, 2026, 3, 29, 1, 30))
        assert list(DailyStats.objects.filter(user=user).values_list("day", flat=True)) == [date(2026, 3, 28)]
        # 04:30 CEST on 29 March is the 29th's study day.
        board = dashboard.build(settings, day_at(settings, 2026, 3, 29, 2, 30))
        assert board.today.answers == 0
        assert board.streaks.current == 1


class TestAggregatesMatchTheLog:
    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(steps=st.lists(st.tuples(st.integers(0, 40), st.sampled_from([1, 3, 4, 5, "undo"])), min_size=1, max_size=40))
    def test_random_histories(self, make_user, make_cards, steps):
        user = make_user(f"u{Review.objects.count()}-{Card.objects.count()}")
        settings = user.study_settings
        make_cards(user, 4, name=f"d{user.pk}")
        for offset, action in sorted(steps, key=lambda s: s[0]):
            day = day_at(settings, 2026, 1, 1, 12) if offset == 0 else study.current_day(
                settings, now=day_at(settings, 2026, 1, 1, 12).now + timedelta(hours=7 * offset)
            )  # fmt: skip
            queue = study.build_queue(settings, day)
            if action == "undo":
                if queue.undo_review_id:
                    study.undo_review(settings, review_id=queue.undo_review_id, day=day)
            elif queue.card is not None:
                grade(settings, queue.card, action, day)
        assert stored_days(user) == brute_force_days(user)
        before = stored_days(user)
        daily.rebuild(user)
        assert stored_days(user) == before
        for card in Card.objects.filter(owner=user):
            reviews = Review.objects.filter(card=card, kind=ReviewKind.REVIEW)
            assert card.review_passes == reviews.filter(quality__gte=3).count()
            assert card.review_failures == reviews.filter(quality__lt=3).count()


class TestPage:
    def test_query_count_does_not_grow_with_history(self, signed_in, user, make_cards):
        settings = user.study_settings
        cards = make_cards(user, 30)

        def queries() -> int:
            with CaptureQueriesContext(connection) as captured:
                assert signed_in.get(reverse("dashboard")).status_code == 200
            return len(captured)

        few = queries()
        for offset in range(20):
            day = day_at(settings, 2026, 10, 1 + offset, 12)
            for card in cards:
                card.refresh_from_db()
                if study.is_studyable(card, day):
                    grade(settings, card, 4, day)
        assert queries() == few

    def test_another_users_data_never_shows(self, signed_in, user, make_user, make_cards):
        other = make_user("grace")
        card = make_cards(other, 1, name="Secret deck", tags="secret-tag")[0]
        grade(other.study_settings, card, 5, study.current_day(other.study_settings))
        html = signed_in.get(reverse("dashboard")).content.decode()
        assert "Secret deck" not in html and "secret-tag" not in html
        assert "0 reviews on 0 days" in html

    def test_period_switch_returns_the_retention_partial(self, signed_in):
        response = signed_in.get(reverse("dashboard"), {"period": "7"}, HTTP_HX_REQUEST="true")
        html = response.content.decode()
        assert html.lstrip().startswith('<section id="retention"')
        assert 'aria-current="true">7 days' in html

    def test_study_this_topic_links(self, signed_in, user, make_cards):
        make_cards(user, 1, name="Alpha", tags="rl")
        html = signed_in.get(reverse("dashboard")).content.decode()
        assert '/review/?deck=alpha"' in html and '/review/?tag=rl"' in html
