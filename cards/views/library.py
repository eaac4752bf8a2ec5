"""The bundled decks on the decks page: what an update brings, applying it, adding a deck again."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import ngettext_lazy
from django.views.decorators.http import require_POST

from cards import library
from cards.library import LibraryUpdate
from cards.models import Deck

NEW_DECKS = ngettext_lazy("%(count)d new deck", "%(count)d new decks", "count")
NEW_CARDS = ngettext_lazy("%(count)d new card", "%(count)d new cards", "count")
CORRECTED = ngettext_lazy("%(count)d corrected card", "%(count)d corrected cards", "count")
KEPT = ngettext_lazy(
    "%(count)d card that differs from the bundled version keeps your text.",
    "%(count)d cards that differ from the bundled version keep your text.",
    "count",
)
DROPPED = ngettext_lazy(
    "%(count)d card no longer in the bundled decks stays in yours.",
    "%(count)d cards no longer in the bundled decks stay in yours.",
    "count",
)


def notice(update: LibraryUpdate) -> str:
    """What applying ``update`` would bring, or "" when there is nothing to update."""
    if not update.has_changes:
        return ""
    brings = _("The bundled decks have %(changes)s.") % {"changes": _changes(update)}
    return " ".join([brings, *_notes(update)])


@require_POST
def update_decks(request: HttpRequest) -> HttpResponse:
    update = library.update_from_library(request.user)
    if update.has_changes:
        done = _("Updated from the bundled decks: %(changes)s.") % {"changes": _changes(update)}
    else:
        done = _("Your decks were already up to date with the bundled decks.")
    messages.success(request, " ".join([done, *_notes(update)]))
    return redirect("decks")


@require_POST
def add_library_deck(request: HttpRequest, deck_id: int) -> HttpResponse:
    """Copy a bundled deck the user does not have (one they deleted) at their request."""
    deck = get_object_or_404(Deck, owner__isnull=True, pk=deck_id)
    if library.add_library_deck(request.user, deck):
        messages.success(request, _("“%(name)s” added to your decks.") % {"name": deck.name})
    else:
        messages.info(request, _("You already have “%(name)s”.") % {"name": deck.name})
    return redirect("decks")


def _changes(update: LibraryUpdate) -> str:
    counts = [
        (NEW_DECKS, len(update.new_decks)), (NEW_CARDS, update.added), (CORRECTED, update.corrected)
    ]  # fmt: skip
    return str(get_text_list([text % {"count": count} for text, count in counts if count], _("and")))


def _notes(update: LibraryUpdate) -> list[str]:
    counts = [(KEPT, update.kept), (DROPPED, update.dropped)]
    return [text % {"count": count} for text, count in counts if count]
