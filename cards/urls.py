from django.urls import path
from django.views.generic import RedirectView

from cards.views import accounts, cards, dashboard, decks, library, review, transfer

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="review"), name="home"),
    path("review/", review.review_page, name="review"),
    path("review/grade/", review.grade, name="grade"),
    path("review/undo/", review.undo, name="undo"),
    path("review/bury/", review.set_aside, {"action": "bury"}, name="bury"),
    path("review/suspend/", review.set_aside, {"action": "suspend"}, name="suspend"),
    path("dashboard/", dashboard.dashboard_page, name="dashboard"),
    path("decks/", decks.deck_list, name="decks"),
    path("decks/<int:deck_id>/edit/", decks.deck_edit, name="deck-edit"),
    path("decks/<int:deck_id>/delete/", decks.deck_delete, name="deck-delete"),
    path("decks/update/", library.update_decks, name="decks-update"),
    path("decks/bundled/<int:deck_id>/add/", library.add_library_deck, name="deck-add-bundled"),
    path("cards/", cards.card_list, name="cards"),
    path("cards/preview/", cards.card_preview, name="card-preview"),
    path("cards/bulk/", cards.card_bulk, name="cards-bulk"),
    path("cards/<int:card_id>/", cards.card_detail, name="card-detail"),
    path("cards/<int:card_id>/edit/", cards.card_edit, name="card-edit"),
    path("import/", transfer.import_page, name="import"),
    path("import/<int:pending_id>/confirm/", transfer.confirm_import, name="confirm-import"),
    path("export/", transfer.export_page, name="export"),
    path("settings/", accounts.study_settings, name="settings"),
    path("accounts/signup/", accounts.signup, name="signup"),
]
