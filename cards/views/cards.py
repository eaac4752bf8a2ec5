"""The card browser, a card's page with its history, and the editor with a live preview."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from cards import browsing, study
from cards.formats import ParsedCard
from cards.forms import CardForm, SearchForm
from cards.importing import content_hash, render_card
from cards.models import Card, Deck, StudySettings
from cards.rendering import render_html, render_markdown

PAGE_SIZE = 50


@require_GET
def card_list(request: HttpRequest) -> HttpResponse:
    decks = list(Deck.objects.filter(owner=request.user).values_list("slug", "name"))
    form = SearchForm(request.GET or None, decks=decks)
    data = form.cleaned_data if form.is_valid() else {}
    search = browsing.Search(
        text=data.get("q") or "",
        deck=data.get("deck") or "",
        tag=(data.get("tag") or "").strip().lower(),
        state=data.get("state") or "",
        due=data.get("due") or "",
        min_lapses=data.get("lapses"),
        sort=data.get("sort") or "due",
    )
    day = study.current_day(StudySettings.for_user(request.user))
    page = Paginator(browsing.find(request.user, search, day), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    template = "cards/card_list.html#results" if request.htmx else "cards/card_list.html"
    return render(request, template, context)


@require_GET
def card_detail(request: HttpRequest, card_id: int) -> HttpResponse:
    card = get_object_or_404(Card.objects.select_related("deck"), owner=request.user, pk=card_id)
    history = card.reviews.order_by("-reviewed_at", "-pk")
    return render(request, "cards/card_detail.html", {"card": card, "history": history})


def card_edit(request: HttpRequest, card_id: int) -> HttpResponse:
    """Edit the text; the schedule, history and key stay. ``?next=review`` returns to that card."""
    card = get_object_or_404(Card, owner=request.user, pk=card_id)
    form = CardForm(request.POST or None, instance=card, owner=request.user)
    back_to_review = request.GET.get("next") == "review"
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            card = form.save(commit=False)
            render_card(card)
            parsed = ParsedCard(card.key, card.front, card.back, tuple(card.tags.split()), 0, card.is_html)
            card.content_hash = content_hash(parsed)
            card.save()
        if back_to_review:
            return redirect(f"{reverse('review')}?card={card.pk}")
        return redirect("card-detail", card_id=card.pk)
    context = {
        "card": card,
        "form": form,
        "back_to_review": back_to_review,
        "front": card.front_html,
        "back": card.back_html,
    }
    return render(request, "cards/card_edit.html", context)


@require_POST
def card_preview(request: HttpRequest) -> HttpResponse:
    """Both sides rendered by the same renderer as import, for the editor's live preview."""
    render_side = render_html if request.POST.get("is_html") == "true" else render_markdown
    context = {
        side: render_side(request.POST.get(side, "")[: CardForm.MAX_SIDE]) for side in ("front", "back")
    }
    return render(request, "cards/card_edit.html#preview", context)
