"""Recall's data: decks of cards with their SM-2 state, the append-only review log, study settings."""

from __future__ import annotations

import zoneinfo
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext_lazy as _

from cards import rows, scheduler
from cards.grading import CardSchedule, ReviewKind
from cards.studyday import DEFAULT_DAY_START_HOUR


def validate_time_zone(name: str) -> None:
    if name not in zoneinfo.available_timezones():
        raise ValidationError(_("“%(name)s” is not a time zone name."), params={"name": name})


class StudySettings(models.Model):
    """A user's study day and daily limits (Anki's defaults)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="study_settings"
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="UTC", validators=[validate_time_zone]
    )
    day_start_hour = models.PositiveSmallIntegerField(
        _("study day starts at (hour)"),
        default=DEFAULT_DAY_START_HOUR,
        validators=[MaxValueValidator(23)],
    )
    new_per_day = models.PositiveIntegerField(
        _("new cards per day"), default=20, validators=[MaxValueValidator(9999)]
    )
    reviews_per_day = models.PositiveIntegerField(
        _("reviews per day"), default=200, validators=[MaxValueValidator(99999)]
    )
    theme = models.CharField(
        _("theme"),
        max_length=8,
        default="system",
        choices=[("system", _("Follow the system")), ("light", _("Light")), ("dark", _("Dark"))],
    )

    class Meta:
        verbose_name = _("study settings")
        verbose_name_plural = _("study settings")

    def __str__(self) -> str:
        return f"{self.user} ({self.time_zone})"

    @classmethod
    def for_user(cls, user: AbstractBaseUser) -> StudySettings:
        """The user's settings, created with the defaults for accounts made outside sign-up
        (``createsuperuser``, the admin)."""
        try:
            return user.study_settings
        except cls.DoesNotExist:
            settings, _ = cls.objects.get_or_create(user=user)
            return settings

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class Deck(models.Model):
    """A named set of cards. Decks without an owner are the bundled library new accounts copy;
    ``source`` links a copy to its library deck, so that the library's updates can reach it."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, related_name="decks"
    )
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(max_length=200, allow_unicode=True)
    description = models.TextField(_("description"), blank=True)
    source = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        limit_choices_to={"owner__isnull": True},
        related_name="copies",
        help_text=_("The bundled deck this deck was copied from."),
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "slug"], name="deck_unique_slug_per_owner"),
            models.UniqueConstraint(fields=["owner", "name"], name="deck_unique_name_per_owner"),
            models.UniqueConstraint(
                fields=["slug"], condition=Q(owner__isnull=True), name="deck_unique_library_slug"
            ),
            models.UniqueConstraint(
                fields=["name"], condition=Q(owner__isnull=True), name="deck_unique_library_name"
            ),
        ]

    def __str__(self) -> str:
        return self.name


BROWSER_FILTERS = ("suspended", "due", "learning_due_at", "last_reviewed", "lapses", "deck", "tags")
"""The columns the card browser filters on (``cards.browsing``), besides the owner and the text.

All but ``buried_until``: with it, the browser's indexes would hold every column the study
queue's statement names, and SQLite would scan them whole rather than use the queue's own
partial indexes. The "buried" filter has an index of its own.
"""


def _browser_order(key: str) -> models.Index:
    """An index in one of the card browser's orders (``browsing.SORTS``) that holds every column
    the browser filters on, so a page of any search is read from it in order: the matches are
    neither sorted nor their rows read. (SQLite reads ``due`` with new cards last from it too.)"""
    column = key.removeprefix("-")
    rest = [name for name in BROWSER_FILTERS if name != column]
    return models.Index(fields=["owner", key, "id", *rest], name=f"card_by_{column}")


class Card(models.Model):
    """One question and answer with its SM-2 state.

    ``owner`` repeats ``deck.owner`` so that the study queue is answered from one table and its
    partial indexes. ``version`` goes up with every change of schedule: a grade names the
    version it was shown, so a repeated or stale submission changes nothing.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, related_name="cards"
    )
    deck = models.ForeignKey(Deck, on_delete=models.CASCADE, related_name="cards")
    key = models.CharField(max_length=100)
    front = models.TextField()
    back = models.TextField()
    is_html = models.BooleanField(
        default=False, help_text=_("Front and back are HTML (from Anki), not Markdown.")
    )
    front_html = models.TextField()
    back_html = models.TextField()
    tags = models.CharField(max_length=1000, blank=True, help_text=_("Space-separated, lowercase."))
    position = models.PositiveIntegerField(default=0)
    content_hash = models.CharField(max_length=64, blank=True)
    source_hash = models.CharField(
        max_length=64,
        blank=True,
        help_text=_(
            "The bundled card’s content hash when this copy was made or last updated from it: "
            "while it equals the content hash, the user has not edited the card."
        ),
    )
    render_version = models.PositiveSmallIntegerField(
        default=0, help_text=_("The renderer version the HTML was made with.")
    )

    repetitions = models.PositiveIntegerField(default=0)
    ease = models.DecimalField(max_digits=4, decimal_places=2, default=scheduler.INITIAL_EASE)
    interval = models.PositiveIntegerField(default=0)
    due = models.DateField(null=True, blank=True)
    lapses = models.PositiveIntegerField(default=0)
    last_reviewed = models.DateTimeField(null=True, blank=True)
    learning_due_at = models.DateTimeField(null=True, blank=True)
    suspended = models.BooleanField(default=False)
    buried_until = models.DateField(null=True, blank=True)
    version = models.PositiveIntegerField(default=0)
    review_passes = models.PositiveIntegerField(
        default=0, help_text=_("Reviews (first grade of a day, not new) graded 3 or more.")
    )
    review_failures = models.PositiveIntegerField(
        default=0, help_text=_("Reviews (first grade of a day, not new) graded below 3.")
    )

    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["deck_id", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["deck", "key"], name="card_unique_key_per_deck"),
        ]
        # The study queue's indexes hold its order (``id`` breaks ties) and every column its
        # conditions read, so that counting and picking what is left today never reads a card:
        # SQLite only treats an index as covering when it holds each column the query names,
        # even those its own WHERE fixes (``due``, ``suspended``).
        indexes = [
            models.Index(
                fields=["owner", "deck", "position", "id", "due", "suspended", "buried_until"],
                condition=Q(due__isnull=True, suspended=False),
                name="card_new_queue",
            ),
            models.Index(
                fields=["owner", "due", "id", "suspended", "buried_until"],
                condition=Q(due__isnull=False, suspended=False),
                name="card_due_queue",
            ),
            # Covers every column the dashboard reads, so its scans never touch the card text;
            # deck and tags lead, so its per-topic figures are grouped without a sort.
            models.Index(
                fields=[
                    "owner", "deck", "tags", "suspended", "due", "interval", "ease",
                    "review_passes", "review_failures", "learning_due_at", "last_reviewed",
                ],
                name="card_dashboard_cover",
            ),
            models.Index(
                fields=["owner", "learning_due_at", "id", "last_reviewed", "suspended", "buried_until"],
                condition=Q(learning_due_at__isnull=False, suspended=False),
                name="card_learning_queue",
            ),
            # The card browser's orders. No column a browser search filters on may lead another
            # covering index: SQLite, having no statistics, would take that index and sort the
            # matches rather than read them in order from one of these.
            *(_browser_order(key) for key in ("due", "created", "-interval", "ease", "-lapses")),
            # The browser's "buried" filter, which those leave out: the few cards ever buried.
            models.Index(
                fields=["owner", "buried_until"],
                condition=Q(buried_until__isnull=False),
                name="card_buried",
            ),
        ]

    def __str__(self) -> str:
        return self.key

    @property
    def is_new(self) -> bool:
        return self.due is None

    @property
    def schedule(self) -> CardSchedule:
        return CardSchedule(
            repetitions=self.repetitions,
            ease=Decimal(self.ease),
            interval=self.interval,
            due=self.due,
            lapses=self.lapses,
            last_reviewed=self.last_reviewed,
            learning_due_at=self.learning_due_at,
        )

    def set_schedule(self, schedule: CardSchedule) -> None:
        for field in SCHEDULE_FIELDS:
            setattr(self, field, getattr(schedule, field))

    @property
    def tag_list(self) -> list[str]:
        return self.tags.split()


SCHEDULE_FIELDS = (
    "repetitions",
    "ease",
    "interval",
    "due",
    "lapses",
    "last_reviewed",
    "learning_due_at",
)


def suspended_is(value: bool) -> Q:
    """``suspended = value`` with the value written into the SQL, as in the conditions of the
    study queue's partial indexes on SQLite: bound as a parameter, it would make SQLite prepare
    the statement again on every run (see ``rows.literal``)."""
    return Q(suspended=RawSQL(rows.literal(value), ()))


class Review(models.Model):
    """One grade, never edited: the card's schedule before and after it (``last_reviewed``
    after a grade is ``reviewed_at``).

    Replaying a card's NEW and REVIEW entries through ``scheduler.review`` reproduces its
    schedule. Undo is the one exception to append-only, as in Anki: it restores the card from
    the newest entry's ``*_before`` fields and deletes that entry, so the log never holds a
    grade the schedule does not reflect.
    """

    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="reviews")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviews"
    )
    reviewed_at = models.DateTimeField()
    study_day = models.DateField(help_text=_("The user’s study day the grade counted for."))
    quality = models.PositiveSmallIntegerField(validators=[MaxValueValidator(5)])
    kind = models.CharField(max_length=8, choices=[(k.value, k.name.title()) for k in ReviewKind])
    answer_ms = models.PositiveIntegerField(default=0)

    repetitions_before = models.PositiveIntegerField()
    ease_before = models.DecimalField(max_digits=4, decimal_places=2)
    interval_before = models.PositiveIntegerField()
    due_before = models.DateField(null=True)
    lapses_before = models.PositiveIntegerField()
    last_reviewed_before = models.DateTimeField(null=True)
    learning_due_at_before = models.DateTimeField(null=True)

    repetitions_after = models.PositiveIntegerField()
    ease_after = models.DecimalField(max_digits=4, decimal_places=2)
    interval_after = models.PositiveIntegerField()
    due_after = models.DateField(null=True)
    lapses_after = models.PositiveIntegerField()
    learning_due_at_after = models.DateTimeField(null=True)

    class Meta:
        ordering = ["reviewed_at", "pk"]
        indexes = [
            models.Index(fields=["user", "reviewed_at"], name="review_user_time"),
            models.Index(fields=["card", "reviewed_at"], name="review_card_time"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(quality__gte=0, quality__lte=5), name="review_quality_0_to_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.card_id} q{self.quality} at {self.reviewed_at:%Y-%m-%d %H:%M}"

    @property
    def schedule_before(self) -> CardSchedule:
        return CardSchedule(
            repetitions=self.repetitions_before,
            ease=Decimal(self.ease_before),
            interval=self.interval_before,
            due=self.due_before,
            lapses=self.lapses_before,
            last_reviewed=self.last_reviewed_before,
            learning_due_at=self.learning_due_at_before,
        )


class LibraryOffer(models.Model):
    """A bundled deck an account has been given, whether it still has the copy or deleted it.

    An update from the library copies only the bundled decks an account has no offer of, so a
    deleted copy stays deleted until the user asks for it again. ``offered_through`` does the
    same for cards: library cards of the deck with an id up to it were in the account's copy,
    so one that the copy lacks was deleted (or moved) by the user and is not added back.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    library_deck = models.ForeignKey(Deck, on_delete=models.CASCADE, related_name="offers")
    offered_through = models.PositiveBigIntegerField(
        default=0, help_text=_("The id of the newest library card of the deck the account has had.")
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "library_deck"], name="library_offer_once_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self.library_deck_id} offered to {self.user_id} through card {self.offered_through}"


class PendingImport(models.Model):
    """Uploaded files between the import preview and the user's confirmation.

    Kept in the database, never on disk; one per user, deleted once imported or replaced by the
    next preview.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pending_imports"
    )
    created = models.DateTimeField(auto_now_add=True)
    deck_name = models.CharField(max_length=200, blank=True)
    archive = models.BinaryField(help_text=_("The uploaded files, as a zip archive."))

    def __str__(self) -> str:
        return f"import of {self.owner} at {self.created:%Y-%m-%d %H:%M}"


class DailyStats(models.Model):
    """One user's study day in numbers, kept up to date by every grade and undo.

    The dashboard reads these rows (one per day) instead of the review log, so its cost does
    not grow with the history. ``manage.py rebuild_daily_stats`` recomputes them from the log.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    answers = models.PositiveIntegerField(default=0, help_text=_("Every grade, repeats included."))
    correct = models.PositiveIntegerField(default=0, help_text=_("Grades of 3 or more."))
    new_cards = models.PositiveIntegerField(default=0)
    time_ms = models.PositiveBigIntegerField(default=0)
    young_passed = models.PositiveIntegerField(default=0)
    young_failed = models.PositiveIntegerField(default=0)
    mature_passed = models.PositiveIntegerField(default=0)
    mature_failed = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name_plural = _("daily stats")
        constraints = [
            models.UniqueConstraint(fields=["user", "day"], name="daily_stats_one_row_per_day"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.day}: {self.answers}"
