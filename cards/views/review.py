"""The review page: one card at a time, graded by click or key, the next card swapped in by htmx.

Every action answers an htmx request with the ``study`` partial of the same template that a plain
request gets whole, so the page also works with JavaScript off (plain form posts and redirects).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from cards import grading, study
from cards.forms import CardActionForm, GradeForm, UndoForm
from cards.models import Card, StudySettings
from cards.scheduler import Grade

MAX_ANSWER_MS = 60_000
"""Longer answers are counted as a minute, as Anki does: the user probably walked away."""


GRADE_LABELS = {
    Grade.AGAIN: gettext_lazy("Again"),
    Grade.HARD: gettext_lazy("Hard"),
    Grade.GOOD: gettext_lazy("Good"),
    Grade.EASY: gettext_lazy("Easy"),
}


@dataclass(frozen=True)
class GradeButton:
    grade: Grade
    key: str
    label: str
    interval: str
    """The interval this grade would give, shown above the label as Anki does."""


@require_GET
def review_page(request: HttpRequest) -> HttpResponse:
    settings = request.user.study_settings
    day = study.current_day(settings)
    wanted = _int_or_none(request.GET.get("card"))
    queue = study.build_queue(settings, day, show_card_id=wanted)
    revealed = queue.card is not None and request.GET.get("reveal") == str(queue.card.pk)
    return _render_study(request, queue, day, revealed=revealed)


@require_POST
def grade(request: HttpRequest) -> HttpResponse:
    form = GradeForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(_("That grade could not be read."))
    settings = request.user.study_settings
    day = study.current_day(settings)
    data = form.cleaned_data
    try:
        study.grade_card(
            settings,
            card_id=data["card"],
            version=data["version"],
            quality=data["quality"],
            answer_ms=_answer_ms(data["shown_at"]),
            day=day,
        )
    except study.StaleAction:
        messages.info(request, _("That card had already been answered; here is the current one."))
    return _after_action(request, settings, day)


@require_POST
def undo(request: HttpRequest) -> HttpResponse:
    form = UndoForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(_("That undo could not be read."))
    settings = request.user.study_settings
    day = study.current_day(settings)
    try:
        card = study.undo_review(settings, review_id=form.cleaned_data["review"], day=day)
    except study.StaleAction:
        messages.info(request, _("Nothing to undo: that grade was already taken back."))
        return _after_action(request, settings, day)
    messages.info(request, _("Grade undone."))
    return _after_action(request, settings, day, show_card_id=card.pk)


@require_POST
def bury(request: HttpRequest) -> HttpResponse:
    def act(settings: StudySettings, day: study.Day, card_id: int, version: int) -> None:
        study.bury_card(settings, card_id=card_id, version=version, day=day)

    return _card_action(request, act, _("Card buried until tomorrow."))


@require_POST
def suspend(request: HttpRequest) -> HttpResponse:
    def act(settings: StudySettings, day: study.Day, card_id: int, version: int) -> None:
        study.suspend_card(settings, card_id=card_id, version=version)

    return _card_action(request, act, _("Card suspended."))


CardAction = Callable[[StudySettings, study.Day, int, int], None]


def _card_action(request: HttpRequest, action: CardAction, done_message: str) -> HttpResponse:
    form = CardActionForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(_("That request could not be read."))
    settings = request.user.study_settings
    day = study.current_day(settings)
    try:
        action(settings, day, form.cleaned_data["card"], form.cleaned_data["version"])
    except study.StaleAction:
        messages.info(request, _("That card had changed; here is the current one."))
    else:
        messages.info(request, done_message)
    return _after_action(request, settings, day)


def _after_action(
    request: HttpRequest, settings: StudySettings, day: study.Day, *, show_card_id: int | None = None
) -> HttpResponse:
    if not request.htmx:
        url = "review" if show_card_id is None else f"/review/?card={show_card_id}"
        return redirect(url)
    queue = study.build_queue(settings, day, show_card_id=show_card_id)
    return _render_study(request, queue, day, revealed=False)


def _render_study(
    request: HttpRequest, queue: study.Queue, day: study.Day, *, revealed: bool
) -> HttpResponse:
    context = {
        "queue": queue,
        "card": queue.card,
        "revealed": revealed,
        "shown_at": int(time.time() * 1000),
        "buttons": _grade_buttons(queue.card, day) if queue.card else [],
        "upcoming": study.next_due(request.user.study_settings, day) if queue.card is None else None,
        "today": day.today,
    }
    template = "cards/review.html#study" if request.htmx else "cards/review.html"
    return render(request, template, context)


def _grade_buttons(card: Card, day: study.Day) -> list[GradeButton]:
    """Each grade with the interval it would give, shown on the button as Anki does."""
    buttons = []
    for key, grade_ in enumerate(Grade, start=1):
        outcome = grading.grade(
            card.schedule, grade_, now=day.now, today=day.today, today_starts=day.starts
        )
        days = (outcome.schedule.due - day.today).days
        interval = ngettext("%(days)d day", "%(days)d days", days) % {"days": days}
        buttons.append(GradeButton(grade_, str(key), str(GRADE_LABELS[grade_]), interval))
    return buttons


def _answer_ms(shown_at: int | None) -> int:
    if shown_at is None:
        return 0
    return max(0, min(MAX_ANSWER_MS, int(time.time() * 1000) - shown_at))


def _int_or_none(value: str | None) -> int | None:
    return int(value) if value is not None and value.isdigit() else None
