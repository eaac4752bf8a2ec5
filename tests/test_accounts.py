"""Sign-up, sign-in, sign-out and study settings."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from cards.models import Card, Deck, StudySettings
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def signup(client, **overrides):
    data = {"username": "ada", "password1": PASSWORD, "password2": PASSWORD, "time_zone": "Europe/Berlin"}
    return client.post(reverse("signup"), {**data, **overrides})


class TestSignup:
    def test_new_account_starts_with_the_bundled_decks_and_is_signed_in(self, client):
        response = signup(client)
        assert response.status_code == 302
        assert response.url == reverse("review")
        user = get_user_model().objects.get(username="ada")
        assert user.study_settings.time_zone == "Europe/Berlin"
        assert (user.study_settings.new_per_day, user.study_settings.reviews_per_day) == (20, 200)
        library = Card.objects.filter(owner__isnull=True)
        assert library.exists()
        copied = Card.objects.filter(owner=user)
        assert copied.count() == library.count()
        assert set(copied.values_list("key", "front_html")) == set(library.values_list("key", "front_html"))
        assert Deck.objects.filter(owner=user).count() == Deck.objects.filter(owner__isnull=True).count()
        assert "Show answer" in client.get(reverse("review")).content.decode()

    def test_second_account_gets_its_own_copy(self, client):
        signup(client)
        client.logout()
        signup(client, username="grace")
        ada, grace = get_user_model().objects.order_by("pk")
        assert Card.objects.filter(owner=ada).count() == Card.objects.filter(owner=grace).count() > 0
        assert not Card.objects.filter(owner=grace, deck__owner=ada).exists()

    def test_unknown_time_zone_is_refused(self, client):
        response = signup(client, time_zone="Mars/Olympus_Mons")
        assert response.status_code == 200
        assert "Select a valid choice" in response.content.decode()
        assert not get_user_model().objects.exists()

    def test_mismatched_passwords_are_refused(self, client):
        signup(client, password2="something else entirely")
        assert not get_user_model().objects.exists()
        assert not StudySettings.objects.exists()


class TestSignInOut:
    def test_sign_in(self, client, user):
        response = client.post(reverse("login"), {"username": "ada", "password": PASSWORD})
        assert response.url == reverse("review")

    def test_wrong_password(self, client, user):
        response = client.post(reverse("login"), {"username": "ada", "password": "nope"})
        assert response.status_code == 200
        assert "_auth_user_id" not in client.session

    def test_sign_out_is_a_post(self, signed_in):
        assert signed_in.get(reverse("logout")).status_code == 405
        signed_in.post(reverse("logout"))
        assert signed_in.get(reverse("review")).status_code == 302


class TestSettings:
    def test_changing_the_time_zone_keeps_every_review_on_its_day(self, signed_in, user, make_cards):
        from cards import study
        from cards.models import DailyStats, Review
        from tests.conftest import day_at

        settings = user.study_settings
        card = make_cards(user, 1)[0]
        study.grade_card(settings, card_id=card.pk, version=0, quality=4, answer_ms=0,
                         day=day_at(settings, 2026, 11, 28, 23, 30))  # fmt: skip
        signed_in.post(reverse("settings"), {"time_zone": "Asia/Tokyo", "day_start_hour": 4,
                                             "new_per_day": 20, "reviews_per_day": 200, "theme": "system"})  # fmt: skip
        assert list(Review.objects.values_list("study_day", flat=True)) == [day_at(settings, 2026, 11, 28, 23, 30).today]
        assert DailyStats.objects.get().answers == 1

    def test_saves(self, signed_in, user):
        data = {"time_zone": "Asia/Shanghai", "day_start_hour": 6, "new_per_day": 5, "reviews_per_day": 50,
                "theme": "dark"}  # fmt: skip
        response = signed_in.post(reverse("settings"), data)
        assert response.status_code == 302
        settings = StudySettings.objects.get(user=user)
        assert (settings.time_zone, settings.day_start_hour, settings.new_per_day) == ("Asia/Shanghai", 6, 5)
        assert '<html lang="en" data-theme="dark">' in signed_in.get(reverse("settings")).content.decode()

    @pytest.mark.parametrize(
        ("field", "value"),
        [("time_zone", "Nowhere/Else"), ("day_start_hour", 24), ("new_per_day", -1), ("reviews_per_day", "lots"),
         ("theme", "neon")],
    )
    def test_invalid_values_change_nothing(self, signed_in, user, field, value):
        data = {"time_zone": "UTC", "day_start_hour": 4, "new_per_day": 20, "reviews_per_day": 200,
                "theme": "system"}  # fmt: skip
        response = signed_in.post(reverse("settings"), {**data, field: value})
        assert response.status_code == 200
        assert StudySettings.objects.get(user=user).time_zone == "UTC"
        assert "errorlist" in response.content.decode()
