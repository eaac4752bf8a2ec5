"""Fix a card mid-review: e opens the editor, the preview follows the typing, saving returns."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_review_flow import question, sign_up

pytestmark = pytest.mark.django_db(transaction=True)


def test_search_edit_with_preview_and_back_to_review(page: Page, live_server):
    sign_up(page, live_server.url)
    first = question(page)
    page.keyboard.press("e")
    expect(page.get_by_role("heading", name="Edit card")).to_be_visible()
    question_box = page.get_by_label("Question")
    question_box.fill(first + " (zqxfix: $x^2$)")
    expect(page.locator("#preview .card-front")).to_contain_text("(zqxfix:")
    expect(page.locator("#preview .card-front math")).to_have_count(1)
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#question")).to_contain_text("(zqxfix:")

    page.get_by_role("link", name="Cards").click()
    page.evaluate("window.sameDocument = true")
    page.get_by_role("textbox", name="Search", exact=True).press_sequentially("zqxfix")
    expect(page.locator("#results .hint")).to_have_text("1 card")
    assert page.evaluate("window.sameDocument") is True
    assert "q=zqxfix" in page.url
