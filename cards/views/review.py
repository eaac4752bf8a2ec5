"""The review page: one card at a time, graded by click or key, the next card swapped in by htmx.

Every action answers an htmx request with the ``study`` partial of the same template that a plain
request gets whole, so the page also works with JavaScript off (plain form posts and redirects).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from cards import grading, study
from cards.forms import GradeForm, SetAsideForm, UndoForm
from cards.models import Card, Deck, StudySettings
from cards.scheduler import Grade

MAX_ANSWER_MS = 60_000
"""Longer answers are counted as a minute, as Anki does: the user probably walked away."""
SCOPE_SESSION_KEY = "recall.scope"
"""The deck or tag the session is limited to, if any."""
SET_ASIDE_SESSION_KEY = "recall.last_set_aside"
"""The last bury or suspend, so that `u` takes it back (a grade clears it)."""

GRADE_LABELS = {
    Grade.AGAIN: gettext_lazy("Again"),
    Grade.HARD: gettext_lazy("Hard"),
    Grade.GOOD: gettext_lazy("Good"),
    Grade.EASY: gettext_lazy("Easy"),
}
SET_ASIDE_DONE = {
    study.SetAside.BURY: gettext_lazy("Card buried until tomorrow."),
    study.SetAside.SUSPEND: gettext_lazy("Card suspended."),
}


@dataclass(frozen=True)
class GradeButton:
    quality: int
    name: str
    """The grade's name in lower case (a CSS class)."""
    key: str
    label: str
    when: str
    """When this grade brings the card back, shown above the label as Anki does."""
    preferred: bool
    """The button the keyboard focus starts on (Good)."""


@require_GET
def review_page(request: HttpRequest) -> HttpResponse:
    """The session's page; ``?deck=slug`` or ``?tag=name`` limits the session, ``?scope=all``
    lifts the limit."""
    settings = StudySettings.for_user(request.user)
    day = study.current_day(settings)
    _choose_scope(request)
    wanted = request.GET.get("card", "")
    show_card_id = int(wanted) if re.fullmatch(r"[0-9]{1,18}", wanted) else None
    queue = study.build_queue(settings, day, show_card_id=show_card_id, scope=_scope(request))
    revealed = queue.card is not None and request.GET.get("reveal") == str(queue.card.pk)
    return _render_study(request, settings, queue, day, revealed=revealed)


@require_POST
def grade(request: HttpRequest) -> HttpResponse:
    form = GradeForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(_("That grade could not be read."))
    settings = StudySettings.for_user(request.user)
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
    else:
        request.session.pop(SET_ASIDE_SESSION_KEY, None)
    return _after_action(request, settings, day)


@require_POST
def set_aside(request: HttpRequest, action: str) -> HttpResponse:
    """Bury or suspend the card on screen."""
    form = SetAsideForm({**request.POST.dict(), "action": action})
    if not form.is_valid():
        return HttpResponseBadRequest(_("That request could not be read."))
    settings = StudySettings.for_user(request.user)
    day = study.current_day(settings)
    card_id, aside = form.cleaned_data["card"], study.SetAside(action)
    try:
        version = study.set_aside(
            settings, card_id=card_id, version=form.cleaned_data["version"], action=aside, day=day
        )
    except study.StaleAction:
        messages.info(request, _("That card had changed; here is the current one."))
    else:
        request.session[SET_ASIDE_SESSION_KEY] = {"card": card_id, "version": version, "action": aside}
        messages.info(request, SET_ASIDE_DONE[aside])
    return _after_action(request, settings, day)


@require_POST
def undo(request: HttpRequest) -> HttpResponse:
    """Take back the last grade, or the last bury or suspend."""
    form = UndoForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(_("That undo could not be read."))
    settings = StudySettings.for_user(request.user)
    day = study.current_day(settings)
    data = form.cleaned_data
    try:
        if data["review"] is not None:
            card_id = study.undo_review(settings, review_id=data["review"], day=day).pk
        else:
            card_id = data["card"]
            study.take_back(settings, card_id=card_id, version=data["version"], action=data["action"])
            request.session.pop(SET_ASIDE_SESSION_KEY, None)
    except study.StaleAction:
        messages.info(request, _("Nothing to undo: that was already taken back."))
        return _after_action(request, settings, day)
    messages.info(request, _("Undone."))
    return _after_action(request, settings, day, show_card_id=card_id)


def _after_action(
    request: HttpRequest, settings: StudySettings, day: study.Day, *, show_card_id: int | None = None
) -> HttpResponse:
    if not request.htmx:
        url = reverse("review")
        return redirect(url if show_card_id is None else f"{url}?card={show_card_id}")
    queue = study.build_queue(settings, day, show_card_id=show_card_id, scope=_scope(request))
    return _render_study(request, settings, queue, day, revealed=False)


def _render_study(
    request: HttpRequest,
    settings: StudySettings,
    queue: study.Queue,
    day: study.Day,
    *,
    revealed: bool,
) -> HttpResponse:
    last_set_aside = request.session.get(SET_ASIDE_SESSION_KEY)
    if last_set_aside is not None:
        undo_fields = last_set_aside
    elif queue.undo_review_id is not None:
        undo_fields = {"review": queue.undo_review_id}
    else:
        undo_fields = None
    context = {
        "queue": queue,
        "card": queue.card,
        "revealed": revealed,
        "shown_at": int(time.time() * 1000),
        "buttons": _grade_buttons(queue.card, day) if queue.card else [],
        "upcoming": study.next_due(settings, day) if queue.card is None else None,
        "undo_fields": undo_fields,
        "new_per_day": settings.new_per_day,
        "scope": _scope(request),
    }
    template = "cards/review.html#study" if request.htmx else "cards/review.html"
    return render(request, template, context)


def _choose_scope(request: HttpRequest) -> None:
    if deck_slug := request.GET.get("deck"):
        deck = Deck.objects.filter(owner=request.user, slug=deck_slug).first()
        if deck is None:
            messages.info(request, _("There is no such deck; studying everything."))
            request.session.pop(SCOPE_SESSION_KEY, None)
        else:
            request.session[SCOPE_SESSION_KEY] = {"deck_id": deck.pk, "label": deck.name}
    elif tag := request.GET.get("tag", "").strip().lower():
        request.session[SCOPE_SESSION_KEY] = {"tag": tag, "label": f"#{tag}"}
    elif request.GET.get("scope") == "all":
        request.session.pop(SCOPE_SESSION_KEY, None)


def _scope(request: HttpRequest) -> study.Scope:
    saved = request.session.get(SCOPE_SESSION_KEY)
    return study.Scope(**saved) if saved else study.EVERYTHING


def _grade_buttons(card: Card, day: study.Day) -> list[GradeButton]:
    """Each grade with when it brings the card back: minutes if today, else days."""
    buttons = []
    schedule = card.schedule
    for key, grade_ in enumerate(Grade, start=1):
        outcome = grading.grade(schedule, grade_, now=day.now, today=day.today, today_starts=day.starts)
        requeue_at = outcome.schedule.learning_due_at
        if requeue_at is not None:
            minutes = round((requeue_at - day.now).total_seconds() / 60)
            when = ngettext("%(n)d min", "%(n)d min", minutes) % {"n": minutes}
        else:
            days = (outcome.schedule.due - day.today).days
            when = ngettext("%(n)d day", "%(n)d days", days) % {"n": days}
        buttons.append(
            GradeButton(
                quality=grade_.value,
                name=grade_.name.lower(),
                key=str(key),
                label=str(GRADE_LABELS[grade_]),
                when=when,
                preferred=grade_ is Grade.GOOD,
            )
        )
    return buttons


def _answer_ms(shown_at: int | None) -> int:
    if shown_at is None:
        return 0
    return max(0, min(MAX_ANSWER_MS, int(time.time() * 1000) - shown_at))
