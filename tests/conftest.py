"""Shared fixtures: real users, decks and cards in the real test database."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from cards.library import load_library
from cards.models import Card, Deck, StudySettings
from cards.study import Day, current_day

# Playwright's sync API runs an event loop in the test thread; Django must still allow ORM calls there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings) -> None:
    """Hashing stays real, just not deliberately slow."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker) -> None:
    """Load the bundled library once; tests that flush the database reload it on first sign-up."""
    with django_db_blocker.unblock():
        load_library()


@pytest.fixture
def make_user(db) -> Callable[..., object]:
    def make(username: str = "ada", **settings: object):
        user = get_user_model().objects.create_user(username=username, password=PASSWORD)
        StudySettings.objects.create(user=user, **settings)
        return get_user_model().objects.select_related("study_settings").get(pk=user.pk)

    return make


@pytest.fixture
def user(make_user):
    return make_user()


@pytest.fixture
def make_cards(db) -> Callable[..., list[Card]]:
    """``make_cards(owner, 3)``: a deck of plain cards in deck order (``deck=`` adds to a deck)."""

    def make(owner, count: int, *, deck: Deck | None = None, name: str = "Deck", **fields: object):
        if deck is None:
            deck = Deck.objects.create(owner=owner, name=name, slug=name.lower())
        start = deck.cards.count()
        cards = [
            Card(
                owner=owner,
                deck=deck,
                key=f"{deck.slug}-{start + i}",
                front=f"Question {start + i}",
                back=f"Answer {start + i}",
                front_html=f"<p>Question {start + i}</p>",
                back_html=f"<p>Answer {start + i}</p>",
                position=start + i,
                **fields,
            )
            for i in range(count)
        ]
        return Card.objects.bulk_create(cards)

    return make


@pytest.fixture
def signed_in(client: Client, user) -> Client:
    client.force_login(user)
    return client


def day_at(settings: StudySettings, *args: int) -> Day:
    """The study day in force at the UTC moment ``datetime(*args)``."""
    return current_day(settings, now=datetime(*args, tzinfo=UTC))
