"""Today's queue and the actions on it, against the real database."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from django.db import connection
from django.http import Http404

from cards import study
from cards.grading import ReviewKind
from cards.models import Card, Review
from cards.scheduler import SM2State, review
from tests.conftest import day_at

pytestmark = pytest.mark.django_db


def queue_order(settings, day, *, limit: int = 50) -> list[str]:
    """Keys in the order the review page would show them, grading each Good."""
    shown = []
    for _ in range(limit):
        queue = study.build_queue(settings, day)
        if queue.card is None:
            return shown
        shown.append(queue.card.key)
        study.grade_card(settings, card_id=queue.card.pk, version=queue.card.version,
                         quality=4, answer_ms=0, day=day)  # fmt: skip
    raise AssertionError("the queue never ended")


def make_due(card: Card, due: date, *, interval: int = 3) -> None:
    card.due, card.interval, card.repetitions = due, interval, 2
    card.save()


class TestQueueOrder:
    def test_due_cards_first_most_overdue_first_then_new_in_deck_order(self, user, make_cards):
        settings = user.study_settings
        day = day_at(settings, 2026, 11, 29, 12)
        cards = make_cards(user, 5)
        make_due(cards[3], day.today - timedelta(days=1))
        make_due(cards[4], day.today - timedelta(days=7))
        assert queue_order(settings, day) == ["deck-4", "deck-3", "deck-0", "deck-1", "deck-2"]

    def test_cards_due_later_wait(self, user, make_cards):
        settings = user.study_settings
        day = day_at(settings, 2026, 11, 29, 12)
        card = make_cards(user, 1)[0]
        make_due(card, day.today + timedelta(days=1))
        queue = study.build_queue(settings, day)
        assert queue.card is None
        assert study.next_due(settings, day) == study.Upcoming(day=day.today + timedelta(days=1), count=1, in_days=1)

    def test_suspended_and_buried_cards_are_left_out(self, user, make_cards):
        settings = user.study_settings
        day = day_at(settings, 2026, 11, 29, 12)
        make_cards(user, 1, suspended=True)
        make_cards(user, 1, name="Other", buried_until=day.today + timedelta(days=1))
        assert study.build_queue(settings, day).card is None

    def test_other_users_cards_never_show(self, user, make_user, make_cards):
        make_cards(make_user("grace"), 3)
        assert study.build_queue(user.study_settings, day_at(user.study_settings, 2026, 11, 29, 12)).card is None


class TestLimits:
    def test_new_cards_per_day(self, make_user, make_cards):
        user = make_user(new_per_day=2)
        settings = user.study_settings
        make_cards(user, 5)
        day = day_at(settings, 2026, 11, 29, 12)
        assert study.build_queue(settings, day).counts == study.Counts(new=2, learning=0, due=0)
        assert queue_order(settings, day) == ["deck-0", "deck-1"]
        tomorrow = day_at(settings, 2026, 11, 30, 12)
        assert study.build_queue(settings, tomorrow).counts.new == 2

    def test_reviews_per_day(self, make_user, make_cards):
        user = make_user(reviews_per_day=3)
        settings = user.study_settings
        day = day_at(settings, 2026, 11, 29, 12)
        for card in make_cards(user, 5):
            make_due(card, day.today)
        assert study.build_queue(settings, day).counts.due == 3
        assert len(queue_order(settings, day)) == 3
        finished = study.build_queue(settings, day)
        assert finished.card is None
        assert finished.review_limit_reached

    def test_counts_go_down_as_cards_are_graded(self, user, make_cards):
        settings = user.study_settings
        day = day_at(settings, 2026, 11, 29, 12)
        cards = make_cards(user, 3)
        make_due(cards[0], day.today)
        assert study.build_queue(settings, day).counts == study.Counts(new=2, learning=0, due=1)
        study.grade_card(settings, card_id=cards[0].pk, version=0, quality=1, answer_ms=0, day=day)
        assert study.build_queue(settings, day).counts == study.Counts(new=2, learning=1, due=0)


class TestSessionRepeats:
    def test_again_brings_card_back_in_same_session(self, user, make_cards):
        settings = user.study_settings
        day = day_at(settings, 2026, 11, 29, 12)
        first, second = make_cards(user, 2)
        study.grade_card(settings, card_id=first.pk, version=0, quality=1, answer_ms=0, day=day)
        assert study.build_queue(settings, day).card == second  # the failed card waits a minute
        study.grade_card(settings, card_id=second.pk, version=0, quality=4, answer_ms=0, day=day)
        assert study.build_queue(settings, day).card == first  # nothing else left: shown early

    def test_learning_card_whose_delay_is_over_comes_before_due_cards(self, user, make_cards):
        settings = user.study_settings
        day = day_at(settings, 2026, 11, 29, 12)
        first, second = make_cards(user, 2)
        study.grade_card(settings, card_id=first.pk, version=0, quality=1, answer_ms=0, day=day)
        later = day_at(settings, 2026, 11, 29, 12, 2)
        assert study.build_queue(settings, later).card == first

    def test_repeats_until_graded_4_or_more_and_logs_each(self, user, make_cards):
        settings = user.study_settings
        day = day_at(settings, 2026, 11, 29, 12)
        card = make_cards(user, 1)[0]
        for quality in [1, 3, 1, 5]:
            card.refresh_from_db()
            study.grade_card(settings, card_id=card.pk, version=card.version, quality=quality,
                             answer_ms=0, day=day)  # fmt: skip
        assert study.build_queue(settings, day).card is None
        kinds = list(Review.objects.filter(card=card).values_list("kind", flat=True))
        assert kinds == [ReviewKind.NEW, ReviewKind.REPEAT, ReviewKind.REPEAT, ReviewKind.REPEAT]
        card.refresh_from_db()
        assert (card.repetitions, card.interval, card.due) == (0, 1, day.today + timedelta(days=1))


class TestStudyDayBoundary:
    def test_day_starts_at_the_users_hour(self, make_user, make_cards):
        user = make_user(time_zone="Asia/Shanghai", day_start_hour=4)  # UTC+8
        settings = user.study_settings
        card = make_cards(user, 1)[0]
        make_due(card, date(2026, 11, 30))
        # 03:59 on 30 November in Shanghai is still the study day of the 29th.
        assert study.build_queue(settings, day_at(settings, 2026, 11, 29, 19, 59)).card is None
        assert study.build_queue(settings, day_at(settings, 2026, 11, 29, 20, 0)).card == card

    def test_across_a_dst_change(self, make_user, make_cards):
        user = make_user(time_zone="Europe/Berlin", day_start_hour=4)
        settings = user.study_settings
        card = make_cards(user, 1)[0]
        make_due(card, date(2026, 3, 29))  # clocks went forward at 02:00 that night: CEST, UTC+2
        assert study.build_queue(settings, day_at(settings, 2026, 3, 29, 1, 59)).card is None
        assert study.build_queue(settings, day_at(settings, 2026, 3, 29, 2, 0)).card == card

    def test_hard_just_before_the_day_ends_is_not_repeated_the_next_day(self, user, make_cards):
        settings = user.study_settings  # UTC, day starts at 04:00
        card = make_cards(user, 1)[0]
        make_due(card, date(2026, 11, 29), interval=10)
        late = day_at(settings, 2026, 11, 30, 3, 57)  # the 29th's study day, 3 minutes left
        study.grade_card(settings, card_id=card.pk, version=0, quality=3, answer_ms=0, day=late)
        card.refresh_from_db()
        assert (card.interval, card.learning_due_at.hour) == (25, 4)  # requeued past the day's end
        next_day = study.build_queue(settings, day_at(settings, 2026, 11, 30, 4, 2))
        assert (next_day.card, next_day.counts.learning) == (None, 0)

    def test_grade_at_the_first_instant_of_the_day_counts_for_it(self, make_user, make_cards):
        user = make_user(new_per_day=1)
        settings = user.study_settings
        first, _second = make_cards(user, 2)
        day = day_at(settings, 2026, 11, 29, 4, 0)  # UTC, day starts at 04:00: now == starts
        assert day.now == day.starts
        study.grade_card(settings, card_id=first.pk, version=0, quality=4, answer_ms=0, day=day)
        queue = study.build_queue(settings, day)
        assert (queue.counts.new, queue.card) == (0, None)

    def test_repeat_detection_uses_the_study_day(self, make_user, make_cards):
        user = make_user(time_zone="UTC", day_start_hour=4)
        settings = user.study_settings
        card = make_cards(user, 1)[0]
        late = day_at(settings, 2026, 11, 30, 3, 0)  # 03:00: still the 29th's study day
        study.grade_card(settings, card_id=card.pk, version=0, quality=4, answer_ms=0, day=late)
        card.refresh_from_db()
        assert card.due == date(2026, 11, 30)
        assert study.build_queue(settings, day_at(settings, 2026, 11, 30, 4, 0)).card == card


class TestGrading:
    def test_appends_review_with_state_before_and_after(self, user, make_cards):
        settings = user.study_settings
        day = day_at(settings, 2026, 11, 29, 12)
        card = make_cards(user, 1)[0]
        made = study.grade_card(settings, card_id=card.pk, version=0, quality=5, answer_ms=4200, day=day)
        stored = Review.objects.get()
        assert stored.pk == made.pk
        assert (stored.quality, stored.kind, stored.answer_ms) == (5, "new", 4200)
        assert (stored.repetitions_before, stored.interval_before, stored.due_before) == (0, 0, None)
        assert (stored.repetitions_after, stored.interval_after) == (1, 1)
        assert stored.study_day == day.today

    def test_replayed_grade_counts_once(self, user, make_cards):
        settings = user.study_settings
        day = day_at(settings, 2026, 11, 29, 12)
        card = make_cards(user, 1)[0]
        study.grade_card(settings, card_id=card.pk, version=0, quality=4, answer_ms=0, day=day)
        with pytest.raises(study.StaleAction):
            study.grade_card(settings, card_id=card.pk, version=0, quality=4, answer_ms=0, day=day)
        assert Review.objects.count() == 1
        card.refresh_from_db()
        assert card.version == 1

    def test_card_not_in_todays_session_is_refused(self, user, make_cards):
        settings = user.study_settings
        day = day_at(settings, 2026, 11, 29, 12)
        card = make_cards(user, 1)[0]
        make_due(card, day.today + timedelta(days=5))
        with pytest.raises(study.StaleAction):
            study.grade_card(settings, card_id=card.pk, version=0, quality=4, answer_ms=0, day=day)
        assert not Review.objects.exists()

    def test_another_users_card_is_not_found(self, user, make_user, make_cards):
        card = make_cards(make_user("grace"), 1)[0]
        settings = user.study_settings
        with pytest.raises(Http404):
            study.grade_card(settings, card_id=card.pk, version=0, quality=4, answer_ms=0,
                             day=day_at(settings, 2026, 11, 29, 12))  # fmt: skip
        assert not Review.objects.exists()

    def test_bad_quality_changes_nothing(self, user, make_cards):
        settings = user.study_settings
        card = make_cards(user, 1)[0]
        with pytest.raises(ValueError):
            study.grade_card(settings, card_id=card.pk, version=0, quality=9, answer_ms=0,
                             day=day_at(settings, 2026, 11, 29, 12))  # fmt: skip
        card.refresh_from_db()
        assert (card.version, card.due) == (0, None)
        assert not Review.objects.exists()

    def test_schedule_is_reproducible_from_the_log(self, user, make_cards):
        settings = user.study_settings
        card = make_cards(user, 1)[0]
        plan = [(date(2026, 11, 1), 4), (date(2026, 11, 2), 3), (date(2026, 11, 2), 4),
                (date(2026, 11, 8), 5), (date(2026, 11, 25), 1), (date(2026, 11, 26), 4)]  # fmt: skip
        for when, quality in plan:
            card.refresh_from_db()
            day = day_at(settings, when.year, when.month, when.day, 12)
            study.grade_card(settings, card_id=card.pk, version=card.version, quality=quality,
                             answer_ms=0, day=day)  # fmt: skip
        state = SM2State()
        for entry in Review.objects.filter(card=card).exclude(kind=ReviewKind.REPEAT):
            state = review(state, entry.quality)
            assert (entry.repetitions_after, entry.ease_after, entry.interval_after) == (
                state.repetitions, state.ease, state.interval)  # fmt: skip
        card.refresh_from_db()
        assert (card.repetitions, card.ease, card.interval) == (state.repetitions, state.ease, state.interval)
        assert card.lapses == 1


class TestUndo:
    def test_restores_the_exact_earlier_state(self, user, make_cards):
        settings = user.study_settings
        day = day_at(settings, 2026, 11, 29, 12)
        card = make_cards(user, 1)[0]
        make_due(card, day.today - timedelta(days=2), interval=6)
        card.refresh_from_db()
        before = card.schedule
        made = study.grade_card(settings, card_id=card.pk, version=card.version, quality=1,
                                answer_ms=0, day=day)  # fmt: skip
        restored = study.undo_review(settings, review_id=made.pk, day=day)
        assert restored.schedule == before
        card.refresh_from_db()
        assert card.schedule == before
        assert not Review.objects.exists()
        assert study.build_queue(settings, day).card == card

    def test_only_the_latest_review_can_be_undone_and_only_once(self, user, make_cards):
        settings = user.study_settings
        day = day_at(settings, 2026, 11, 29, 12)
        first, second = make_cards(user, 2)
        old = study.grade_card(settings, card_id=first.pk, version=0, quality=4, answer_ms=0, day=day)
        new = study.grade_card(settings, card_id=second.pk, version=0, quality=4, answer_ms=0, day=day)
        with pytest.raises(study.StaleAction):
            study.undo_review(settings, review_id=old.pk, day=day)
        study.undo_review(settings, review_id=new.pk, day=day)
        with pytest.raises(study.StaleAction):
            study.undo_review(settings, review_id=new.pk, day=day)
        assert list(Review.objects.values_list("pk", flat=True)) == [old.pk]

    def test_another_users_review_cannot_be_undone(self, user, make_user, make_cards):
        other = make_user("grace")
        card = make_cards(other, 1)[0]
        day = day_at(other.study_settings, 2026, 11, 29, 12)
        made = study.grade_card(other.study_settings, card_id=card.pk, version=0, quality=4,
                                answer_ms=0, day=day)  # fmt: skip
        with pytest.raises(study.StaleAction):
            study.undo_review(user.study_settings, review_id=made.pk, day=day)
        assert Review.objects.count() == 1


class TestSetAside:
    def test_bury_until_tomorrow(self, user, make_cards):
        settings = user.study_settings
        day = day_at(settings, 2026, 11, 29, 12)
        card = make_cards(user, 1)[0]
        study.set_aside(settings, card_id=card.pk, version=0, action=study.SetAside.BURY, day=day)
        assert study.build_queue(settings, day).card is None
        assert study.build_queue(settings, day_at(settings, 2026, 11, 30, 12)).card == card

    def test_suspend_until_unsuspended(self, user, make_cards):
        settings = user.study_settings
        day = day_at(settings, 2026, 11, 29, 12)
        card = make_cards(user, 1)[0]
        study.set_aside(settings, card_id=card.pk, version=0, action=study.SetAside.SUSPEND, day=day)
        assert study.build_queue(settings, day_at(settings, 2026, 12, 29, 12)).card is None

    @pytest.mark.parametrize("action", list(study.SetAside))
    def test_take_back_restores_the_card_exactly(self, user, make_cards, action):
        settings = user.study_settings
        day = day_at(settings, 2026, 11, 29, 12)
        card = make_cards(user, 1)[0]
        study.grade_card(settings, card_id=card.pk, version=0, quality=1, answer_ms=0, day=day)
        card.refresh_from_db()
        before = (card.schedule, card.suspended, card.buried_until)
        version = study.set_aside(settings, card_id=card.pk, version=card.version, action=action, day=day)
        study.take_back(settings, card_id=card.pk, version=version, action=action)
        card.refresh_from_db()
        assert (card.schedule, card.suspended, card.buried_until) == before
        assert study.build_queue(settings, day).counts.learning == 1

    def test_stale_version_or_other_user(self, user, make_user, make_cards):
        settings = user.study_settings
        day = day_at(settings, 2026, 11, 29, 12)
        card = make_cards(user, 1)[0]
        suspend = study.SetAside.SUSPEND
        with pytest.raises(study.StaleAction):
            study.set_aside(settings, card_id=card.pk, version=7, action=suspend, day=day)
        other = make_cards(make_user("grace"), 1)[0]
        with pytest.raises(Http404):
            study.set_aside(settings, card_id=other.pk, version=0, action=suspend, day=day)
        with pytest.raises(Http404):
            study.take_back(settings, card_id=other.pk, version=0, action=suspend)
        card.refresh_from_db()
        assert not card.suspended


@pytest.mark.django_db(transaction=True)
class TestConcurrentGrades:
    def test_two_tabs_grading_the_same_card_count_once(self, user, make_cards):
        settings = user.study_settings
        card = make_cards(user, 1)[0]
        day = day_at(settings, 2026, 11, 29, 12)
        barrier = threading.Barrier(2)
        outcomes: list[str] = []

        def submit(quality: int) -> None:
            barrier.wait()
            try:
                study.grade_card(settings, card_id=card.pk, version=0, quality=quality,
                                 answer_ms=0, day=day)  # fmt: skip
                outcomes.append("graded")
            except study.StaleAction:
                outcomes.append("stale")
            finally:
                connection.close()

        threads = [threading.Thread(target=submit, args=(q,)) for q in (4, 1)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(outcomes) == ["graded", "stale"]
        assert Review.objects.count() == 1
        card.refresh_from_db()
        assert card.version == 1


class TestScope:
    def test_a_deck_scope_shows_only_that_decks_cards(self, user, make_cards):
        settings = user.study_settings
        day = day_at(settings, 2026, 11, 29, 12)
        make_cards(user, 2, name="Alpha")
        beta = make_cards(user, 2, name="Beta")
        scope = study.Scope(deck_id=beta[0].deck_id, label="Beta")
        queue = study.build_queue(settings, day, scope=scope)
        assert (queue.card, queue.counts.new) == (beta[0], 2)

    def test_a_tag_scope_matches_whole_tags_only(self, user, make_cards):
        settings = user.study_settings
        day = day_at(settings, 2026, 11, 29, 12)
        make_cards(user, 1, name="A", tags="rl_basics")
        make_cards(user, 1, name="B", tags="rlx rl-gae")
        wanted = make_cards(user, 1, name="C", tags="llm rl")[0]
        queue = study.build_queue(settings, day, scope=study.Scope(tag="rl"))
        assert (queue.card, queue.counts.new) == (wanted, 1)
        assert study.build_queue(settings, day, scope=study.Scope(tag="r_")).card is None

    def test_limits_count_the_whole_day(self, make_user, make_cards):
        user = make_user(new_per_day=2)
        settings = user.study_settings
        day = day_at(settings, 2026, 11, 29, 12)
        alpha = make_cards(user, 1, name="Alpha")[0]
        beta = make_cards(user, 3, name="Beta")
        study.grade_card(settings, card_id=alpha.pk, version=0, quality=4, answer_ms=0, day=day)
        scope = study.Scope(deck_id=beta[0].deck_id)
        assert study.build_queue(settings, day, scope=scope).counts.new == 1
