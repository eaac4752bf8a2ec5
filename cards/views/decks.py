"""Decks: the list with counts, create, rename and describe, delete after a confirmation."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from cards import daily, library, study
from cards.forms import DeckForm
from cards.importing import free_slug
from cards.models import Deck, Review, StudySettings
from cards.views.library import notice


def deck_list(request: HttpRequest) -> HttpResponse:
    """GET: every deck with its new, due and total counts, and what the bundled decks offer.
    POST: create a deck."""
    form = DeckForm(request.POST or None, owner=request.user)
    if request.method == "POST" and form.is_valid():
        deck = form.save(commit=False)
        deck.owner, deck.slug = request.user, free_slug(request.user, deck.name)
        deck.save()
        messages.success(request, _("Deck created."))
        return redirect("decks")
    today = study.current_day(StudySettings.for_user(request.user)).today
    active = Q(cards__suspended=False)
    decks = Deck.objects.filter(owner=request.user).annotate(
        total=Count("cards"),
        new=Count("cards", filter=active & Q(cards__due__isnull=True)),
        due=Count("cards", filter=active & Q(cards__due__lte=today)),
    )
    update = library.plan_update(request.user)
    context = {
        "decks": decks,
        "form": form,
        "library_notice": notice(update),
        "removed_decks": update.removed_decks,
    }
    return render(request, "cards/decks.html", context)


def deck_edit(request: HttpRequest, deck_id: int) -> HttpResponse:
    deck = get_object_or_404(Deck, owner=request.user, pk=deck_id)
    form = DeckForm(request.POST or None, instance=deck, owner=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Deck saved."))
        return redirect("decks")
    return render(request, "cards/deck_edit.html", {"deck": deck, "form": form})


def deck_delete(request: HttpRequest, deck_id: int) -> HttpResponse:
    """GET: what would go (cards and reviews). POST: delete the deck with them."""
    deck = get_object_or_404(Deck, owner=request.user, pk=deck_id)
    if request.method == "POST":
        with transaction.atomic():
            deck.delete()
            daily.rebuild(request.user)  # the deck's reviews went with it
        messages.success(request, _("Deck deleted."))
        return redirect("decks")
    context = {
        "deck": deck,
        "cards": deck.cards.count(),
        "reviews": Review.objects.filter(card__deck=deck).count(),
    }
    return render(request, "cards/deck_delete.html", context)
