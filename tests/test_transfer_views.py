"""The import and export pages over HTTP: upload, preview, confirm, download."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cards.models import Card, Deck, PendingImport, Review
from tests.test_importing import DECK

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def upload(client, *files: tuple[str, str | bytes], deck: str = "", htmx: bool = True):
    data = {"files": [SimpleUploadedFile(name, body if isinstance(body, bytes) else body.encode()) for name, body in files], "deck": deck}
    return client.post(reverse("import"), data, **(HTMX if htmx else {}))


def confirm(client, *, prune: bool = False):
    pending = PendingImport.objects.latest("pk")
    data = {"prune": "on"} if prune else {}
    return client.post(reverse("confirm-import", args=[pending.pk]), data, **HTMX)


class TestImportFlow:
    def test_preview_changes_nothing_then_confirm_imports(self, signed_in, user):
        html = upload(signed_in, ("llm.md", DECK)).content.decode()
        assert "Preview: nothing has changed yet" in html
        assert "<td>2</td>" in html  # two new cards
        assert not Deck.objects.filter(owner=user).exists()
        html = confirm(signed_in).content.decode()
        assert "Imported" in html and '?deck=llm-architectures"' in html
        assert Card.objects.filter(owner=user).count() == 2
        assert not PendingImport.objects.exists()

    def test_bad_file_lists_problems_by_line_and_keeps_nothing(self, signed_in, user):
        html = upload(signed_in, ("bad.md", DECK.replace("{#gqa}", "{#gqa oops}"))).content.decode()
        assert "Nothing was imported" in html and "bad.md:6:" in html
        assert not PendingImport.objects.exists()
        assert not Card.objects.filter(owner=user).exists()

    def test_a_new_preview_replaces_the_waiting_one(self, signed_in, user):
        upload(signed_in, ("a.md", DECK))
        upload(signed_in, ("b.md", DECK))
        assert PendingImport.objects.filter(owner=user).count() == 1

    def test_the_whole_page_without_htmx(self, signed_in, user):
        html = upload(signed_in, ("llm.md", DECK), htmx=False).content.decode()
        assert "<html" in html and "Import these cards" in html

    def test_prune_after_preview(self, signed_in, user):
        upload(signed_in, ("llm.md", DECK))
        confirm(signed_in)
        shorter = DECK[: DECK.index("## How large")]
        assert "<td>1</td>" in upload(signed_in, ("llm.md", shorter)).content.decode()
        confirm(signed_in, prune=True)
        assert list(Card.objects.filter(owner=user).values_list("key", flat=True)) == ["gqa"]

    def test_another_users_pending_import_is_404_and_confirm_counts_once(self, signed_in, user, make_user):
        from django.test import Client

        upload(signed_in, ("llm.md", DECK))
        pending = PendingImport.objects.get()
        other = make_user("grace")
        stranger = Client()
        stranger.force_login(other)
        assert stranger.post(reverse("confirm-import", args=[pending.pk])).status_code == 404
        confirm(signed_in)
        assert signed_in.post(reverse("confirm-import", args=[pending.pk])).status_code == 404
        assert Card.objects.filter(owner=user).count() == 2
        assert not Card.objects.filter(owner=other).exists()

    def test_backup_upload_restores_after_confirmation(self, signed_in, user, make_user, make_cards):
        from django.test import Client

        from cards import study
        from tests.conftest import day_at

        client = Client()
        other = make_user("grace")
        card = make_cards(other, 1, name="Theirs")[0]
        study.grade_card(other.study_settings, card_id=card.pk, version=0, quality=5, answer_ms=0,
                         day=day_at(other.study_settings, 2026, 11, 29, 12))  # fmt: skip
        client.force_login(other)
        backup = client.get(reverse("export"), {"format": "json"}).content
        html = upload(signed_in, ("recall-backup.json", backup)).content.decode()
        assert "This backup holds 1 card and 1 reviews" in html
        confirm(signed_in)
        restored = Card.objects.get(owner=user, deck__name="Theirs")
        assert restored.repetitions == 1
        assert Review.objects.filter(user=user).count() == 1


class TestExport:
    @pytest.mark.parametrize(("fmt", "name"), [("json", "recall-backup.json"), ("md", "deck.md"),
                                               ("csv", "recall-cards.csv"), ("anki", "recall-for-anki.txt")])  # fmt: skip
    def test_downloads(self, signed_in, user, make_cards, fmt, name):
        make_cards(user, 2)
        response = signed_in.get(reverse("export"), {"format": fmt})
        assert response.status_code == 200
        assert response["Content-Disposition"] == f'attachment; filename="{name}"'

    def test_only_my_cards(self, signed_in, user, make_user, make_cards):
        make_cards(user, 1, name="Mine")
        make_cards(make_user("grace"), 1, name="Theirs")
        data = json.loads(signed_in.get(reverse("export"), {"format": "json"}).content)
        assert [deck["name"] for deck in data["decks"]] == ["Mine"]

    def test_page_lists_the_formats(self, signed_in):
        html = signed_in.get(reverse("export")).content.decode()
        assert html.count("?format=") == 4
