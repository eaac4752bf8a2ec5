"""Importing from the browser: choose a file, see the preview, confirm, study the new deck."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from cards.models import Card
from tests.browser.test_review_flow import sign_up
from tests.test_importing import DECK

pytestmark = pytest.mark.django_db(transaction=True)


def test_upload_preview_confirm(page: Page, live_server, tmp_path):
    sign_up(page, live_server.url)
    deck_file = tmp_path / "llm.md"
    deck_file.write_text(DECK.replace("LLM architectures", "My LLM notes"), encoding="utf-8")

    page.get_by_role("link", name="Import").click()
    page.get_by_label("Files").set_input_files(deck_file)
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("heading", name="Preview: nothing has changed yet")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("My LLM notes"))).to_contain_text("2")
    assert not Card.objects.filter(deck__name="My LLM notes").exists()

    page.get_by_role("button", name="Import these cards").click()
    expect(page.get_by_role("heading", name="Imported")).to_be_visible()
    assert Card.objects.filter(deck__name="My LLM notes").count() == 2

    page.get_by_role("link", name="My LLM notes").click()
    expect(page.locator(".scope")).to_contain_text("Studying only My LLM notes")
    expect(page.locator("#question")).to_contain_text("What does GQA change compared with MHA?")
