"""The card browser, a card's page with its history, and the editor with a live preview."""

from __future__ import annotations

from functools import lru_cache

from django.core.paginator import Paginator
from django.db import transaction
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from cards import browsing, bulk, study
from cards.forms import BulkForm, CardForm, SearchForm
from cards.importing import CONTENT_FIELDS, render_and_hash
from cards.models import Card, Deck, StudySettings
from cards.rendering import render_html, render_markdown

PAGE_SIZE = 50


SEARCH_PREFIX = "search-"
"""The bulk form carries the browser's search in fields with this prefix ("every match")."""


@require_GET
def card_list(request: HttpRequest) -> HttpResponse:
    decks = _decks(request)
    form, search = _search(request.GET, decks)
    return _render_list(request, form, search, decks)


@require_POST
def card_bulk(request: HttpRequest) -> HttpResponse:
    """Apply an action to the selected cards, or to every card the search matches."""
    query = QueryDict(mutable=True)
    for name, value in request.POST.items():
        if name.startswith(SEARCH_PREFIX):
            query[name.removeprefix(SEARCH_PREFIX)] = value
    decks = _decks(request)
    search_form, search = _search(query, decks)
    form = BulkForm(request.POST, owner=request.user, decks=decks)
    ids = [int(value) for value in request.POST.getlist("card") if value.isdecimal()]
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    elif form.cleaned_data["scope"] == "all" and not search_form.is_valid() and query:
        messages.error(request, _("The search could not be read, so nothing was changed."))
    elif form.cleaned_data["scope"] == "selected" and not ids:
        messages.error(request, _("Select some cards first."))
    else:
        day = study.current_day(StudySettings.for_user(request.user))
        matches = browsing.find(request.user, search, day)
        cards = matches if form.cleaned_data["scope"] == "all" else matches.filter(pk__in=ids)
        data = form.cleaned_data
        try:
            changed = bulk.apply(cards, data["action"], deck=data["target"], tag=data["tag"] or "")
        except bulk.BulkRefused as clash:
            messages.error(request, ngettext(
                "Nothing moved: %(n)d card has a key the target deck already uses.",
                "Nothing moved: %(n)d cards have keys the target deck already uses.", clash.args[0],
            ) % {"n": clash.args[0]})  # fmt: skip
        else:
            messages.success(request, ngettext("%(n)d card changed.", "%(n)d cards changed.", changed) % {"n": changed})
    return _render_list(request, search_form, search, decks, query=query)


def _decks(request: HttpRequest) -> list[tuple[int, str, str]]:
    """The user's decks as (id, slug, name): one query for the choices of both forms."""
    return list(Deck.objects.filter(owner=request.user).values_list("pk", "slug", "name"))


def _search(query: QueryDict, decks: list[tuple[int, str, str]]) -> tuple[SearchForm, browsing.Search]:
    form = SearchForm(query or None, decks=decks)
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
    return form, search


def _render_list(
    request: HttpRequest,
    form: SearchForm,
    search: browsing.Search,
    decks: list[tuple[int, str, str]],
    *,
    query: QueryDict | None = None,
) -> HttpResponse:
    query = (query if query is not None else request.GET).copy()
    page_number = query.pop("page", [None])[-1] if "page" in query else request.GET.get("page")
    day = study.current_day(StudySettings.for_user(request.user))
    page = Paginator(browsing.find(request.user, search, day), PAGE_SIZE).get_page(page_number)
    context = {
        "form": form,
        "page": page,
        "rows": browsing.rows(page.object_list),
        "query": query.urlencode(),
        "search_fields": [(SEARCH_PREFIX + name, value) for name, value in query.items()],
        "bulk_fields": _bulk_fields(translation.get_language(), tuple(decks)),
        "cards_url": reverse("cards"),  # row links are built from it, not reversed 50 times
    }
    template = "cards/card_list.html#results" if request.htmx else "cards/card_list.html"
    return render(request, template, context)


@lru_cache(maxsize=256)
def _bulk_fields(language: str, decks: tuple[tuple[int, str, str], ...]) -> str:
    """The bulk form's fields as the list shows them, rendered once per language and deck list.

    The list's bulk form is never bound (a refused action is told in a message), so its markup
    depends on nothing else; building and rendering it was a tenth of every page.
    """
    form = BulkForm(owner=None, decks=list(decks))  # shown only: nothing is validated
    return render_to_string("cards/card_list.html#bulk_fields", {"bulk_form": form})


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
            render_and_hash(card)
            # Only the text: a grade landing while the editor was open keeps its schedule.
            card.save(update_fields=[*CONTENT_FIELDS, "deck", "modified"])
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
