"""Recall's JSON backup: decks, cards, schedules, the whole review history and the settings.

``dump`` writes it; ``restore`` reads it into an account that has no review history yet (a new
account, or one whose history would otherwise be mixed with another's). Every deck named in the
backup then holds exactly the backup's cards with their schedules and reviews; other decks are
left alone. Nothing is written unless the whole file is valid.
"""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from cards import daily
from cards.formats import TAG, DeckFormatError, Problem
from cards.grading import ReviewKind
from cards.importing import BULK_BATCH, free_slug, render_and_hash
from cards.models import Card, Deck, Review, StudySettings

FORMAT = "recall-backup"
VERSION = 1
SETTINGS_FIELDS = ("time_zone", "day_start_hour", "new_per_day", "reviews_per_day")
SCHEDULE_FIELDS = (
    "repetitions", "ease", "interval", "due", "lapses", "last_reviewed", "learning_due_at",
    "suspended", "buried_until", "version",
)  # fmt: skip
REVIEW_FIELDS = (
    "reviewed_at", "study_day", "quality", "kind", "answer_ms",
    "repetitions_before", "ease_before", "interval_before", "due_before", "lapses_before",
    "last_reviewed_before", "learning_due_at_before",
    "repetitions_after", "ease_after", "interval_after", "due_after", "lapses_after",
    "learning_due_at_after",
)  # fmt: skip


def dump(user: AbstractBaseUser) -> dict[str, Any]:
    """The whole collection as JSON-ready data (dates, datetimes and Decimals for the encoder)."""
    reviews: dict[int, list[dict[str, Any]]] = {}
    history = Review.objects.filter(user=user).order_by("reviewed_at", "pk")
    for row in history.values("card_id", *REVIEW_FIELDS).iterator():
        reviews.setdefault(row.pop("card_id"), []).append(row)
    cards: dict[int, list[dict[str, Any]]] = {}
    content = ("pk", "deck_id", "key", "front", "back", "is_html", "tags", "position")
    collection = Card.objects.filter(owner=user).order_by("position", "pk")
    for row in collection.values(*content, *SCHEDULE_FIELDS).iterator():
        pk, deck_id = row.pop("pk"), row.pop("deck_id")
        row["tags"] = row["tags"].split()
        row["reviews"] = reviews.get(pk, [])
        cards.setdefault(deck_id, []).append(row)
    settings, _ = StudySettings.objects.get_or_create(user=user)
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": timezone.now(),
        "settings": {name: getattr(settings, name) for name in SETTINGS_FIELDS},
        "decks": [
            {"name": deck.name, "description": deck.description, "cards": cards.get(deck.pk, [])}
            for deck in Deck.objects.filter(owner=user).order_by("name")
        ],
    }


def is_backup(data: bytes) -> bool:
    return data.lstrip()[:1] == b"{" and FORMAT.encode() in data[:200]


def restore(user: AbstractBaseUser, data: bytes, *, source: str) -> int:
    """Restore a backup into ``user``'s account; returns the number of cards restored.

    Raises ``DeckFormatError`` (file and line) for a file that is not a valid backup, or when
    the account already has reviews.
    """
    backup = load(data, source)
    with transaction.atomic():
        if Review.objects.filter(user=user).exists():
            raise DeckFormatError(
                [Problem(source, 1, "a backup is restored into an account without review history; "
                         "this account has reviews (sign up anew to restore into it)")]
            )  # fmt: skip
        settings = StudySettings.for_user(user)
        for name, value in backup["settings"].items():
            setattr(settings, name, value)
        settings.save()
        restored = sum(_restore_deck(user, deck) for deck in backup["decks"])
        daily.rebuild(user)  # the per-day aggregates and the cards' pass/fail counters
        return restored


def _restore_deck(user: AbstractBaseUser, saved: dict[str, Any]) -> int:
    deck = Deck.objects.filter(owner=user, name=saved["name"]).first()
    if deck is None:
        slug = free_slug(user, saved["name"])
        deck = Deck.objects.create(
            owner=user, name=saved["name"], slug=slug, description=saved["description"]
        )
    else:
        deck.cards.all().delete()  # the account has no history, so nothing of value goes
        deck.description = saved["description"]
        deck.save(update_fields=["description"])
    cards = []
    for row in saved["cards"]:
        card = Card(owner=user, deck=deck, key=row["key"], front=row["front"], back=row["back"],
                    is_html=row["is_html"], tags=" ".join(row["tags"]), position=row["position"],
                    **{name: row[name] for name in SCHEDULE_FIELDS})  # fmt: skip
        render_and_hash(card)  # its pass/fail counters come from daily.rebuild, after the reviews
        cards.append(card)
    Card.objects.bulk_create(cards, batch_size=BULK_BATCH)
    Review.objects.bulk_create(
        (
            Review(card=card, user=user, **review)
            for card, row in zip(cards, saved["cards"], strict=True)
            for review in row["reviews"]
        ),
        batch_size=BULK_BATCH,
    )
    return len(cards)


# Validation: every value is checked and converted before anything is written.

def load(data: bytes, source: str) -> dict[str, Any]:
    """The backup's data, checked and converted; raises ``DeckFormatError``."""
    try:
        raw = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise DeckFormatError([Problem(source, 1, "not UTF-8 text")]) from None
    except json.JSONDecodeError as error:
        raise DeckFormatError([Problem(source, error.lineno, f"not valid JSON: {error.msg}")]) from None
    problems: list[str] = []
    backup = _checked(raw, problems)
    if problems:
        raise DeckFormatError([Problem(source, 1, message) for message in problems])
    return backup


def _checked(raw: Any, problems: list[str]) -> dict[str, Any]:
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        problems.append(f"not a Recall backup (no \"format\": \"{FORMAT}\")")
        return {}
    if raw.get("version") != VERSION:
        problems.append(f"backup version {raw.get('version')!r} is not one this Recall reads ({VERSION})")
        return {}
    settings = _fields(raw.get("settings"), "settings", {
        "time_zone": _time_zone, "day_start_hour": _hour, "new_per_day": int, "reviews_per_day": int,
    }, problems, StudySettings)  # fmt: skip
    decks = []
    deck_names: set[str] = set()
    for d, deck in enumerate(_list(raw.get("decks"), "decks", problems)):
        where = f"decks[{d}]"
        checked = _fields(deck, where, {"name": _deck_name, "description": str}, problems, Deck)
        raw_cards = deck.get("cards") if isinstance(deck, dict) else None
        checked["cards"] = [
            _card(card, f"{where}.cards[{c}]", problems)
            for c, card in enumerate(_list(raw_cards, f"{where}.cards", problems))
        ]
        if checked.get("name") in deck_names:
            problems.append(f"{where}.name: another deck of the backup has this name")
        deck_names.add(checked.get("name"))
        keys = [card.get("key") for card in checked["cards"]]
        for duplicate in sorted({k for k in keys if k is not None and keys.count(k) > 1}):
            problems.append(f"{where}: key {duplicate!r} is used by more than one card")
        decks.append(checked)
    return {"settings": settings, "decks": decks}


def _card(raw: Any, where: str, problems: list[str]) -> dict[str, Any]:
    card = _fields(raw, where, {
        "key": _key, "front": str, "back": str, "is_html": bool, "tags": _tags, "position": int,
        "repetitions": int, "ease": _ease, "interval": _interval, "due": _date_or_none, "lapses": int,
        "last_reviewed": _datetime_or_none, "learning_due_at": _datetime_or_none, "suspended": bool,
        "buried_until": _date_or_none, "version": int,
    }, problems, Card)  # fmt: skip
    reviews = _list(raw.get("reviews") if isinstance(raw, dict) else None, f"{where}.reviews", problems)
    card["reviews"] = [
        _fields(review, f"{where}.reviews[{r}]", {
            "reviewed_at": _datetime, "study_day": _date, "quality": _quality, "kind": ReviewKind,
            "answer_ms": int, "repetitions_before": int, "ease_before": _ease, "interval_before": _interval,
            "due_before": _date_or_none, "lapses_before": int, "last_reviewed_before": _datetime_or_none,
            "learning_due_at_before": _datetime_or_none, "repetitions_after": int, "ease_after": _ease,
            "interval_after": _interval, "due_after": _date_or_none, "lapses_after": int,
            "learning_due_at_after": _datetime_or_none,
        }, problems, Review)  # fmt: skip
        for r, review in enumerate(reviews)
    ]
    return card


def _fields(
    raw: Any,
    where: str,
    kinds: dict[str, Callable[[Any], Any]],
    problems: list[str],
    model: type[models.Model],
) -> dict[str, Any]:
    """Each of ``kinds`` read from ``raw`` and converted; a whole number must also be one that
    ``model``'s field of that name takes (the database's range and the field's own limits)."""
    if not isinstance(raw, dict):
        problems.append(f"{where}: expected an object")
        return {}
    checked = {}
    for name, kind in kinds.items():
        value = raw.get(name)
        try:
            checked[name] = _convert(kind, value)
            if kind is int:
                model._meta.get_field(name).run_validators(value)
        except (TypeError, ValueError, InvalidOperation, ValidationError):
            problems.append(f"{where}.{name}: {value!r} is not a valid value")
    return checked


def _convert(kind: Callable[[Any], Any], value: Any) -> Any:
    if kind in (int, str, bool):
        if type(value) is not kind or (kind is str and "\x00" in value):
            raise TypeError
        if kind is int and value < 0:
            raise ValueError
        return value
    return kind(value)


def _list(raw: Any, where: str, problems: list[str]) -> list[Any]:
    if not isinstance(raw, list):
        problems.append(f"{where}: expected a list")
        return []
    return raw


def _text_up_to(limit: int) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if not isinstance(value, str) or not value.strip() or len(value) > limit or "\x00" in value:
            raise ValueError
        return value

    return check


_deck_name = _text_up_to(Deck._meta.get_field("name").max_length)
_key = _text_up_to(Card._meta.get_field("key").max_length)


_TAGS_MAX = Card._meta.get_field("tags").max_length


def _tags(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(t, str) and TAG.fullmatch(t) for t in value):
        raise ValueError
    if len(" ".join(value)) > _TAGS_MAX:
        raise ValueError
    return value


def _ease(value: Any) -> Decimal:
    ease = Decimal(str(value))
    if not Decimal("1.3") <= ease <= Decimal("99.99") or ease != ease.quantize(Decimal("0.01")):
        raise ValueError
    return ease


def _time_zone(value: Any) -> str:
    if value not in zoneinfo.available_timezones():
        raise ValueError
    return value


def _hour(value: Any) -> int:
    if type(value) is not int or not 0 <= value <= 23:
        raise ValueError
    return value


def _interval(value: Any) -> int:
    """At most a century: SM-2 needs decades of reviews to schedule a card that far ahead, so
    a larger interval is a damaged file."""
    if type(value) is not int or not 0 <= value <= 100 * 365:
        raise ValueError
    return value


def _quality(value: Any) -> int:
    if type(value) is not int or not 0 <= value <= 5:
        raise ValueError
    return value


def _date(value: Any) -> dt.date:
    return dt.date.fromisoformat(value)


def _date_or_none(value: Any) -> dt.date | None:
    return None if value is None else _date(value)


def _datetime(value: Any) -> dt.datetime:
    moment = dt.datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError
    return moment


def _datetime_or_none(value: Any) -> dt.datetime | None:
    return None if value is None else _datetime(value)
