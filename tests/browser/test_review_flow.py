"""The daily loop in a real browser: sign up, review with the keyboard alone, no page loads."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from cards.models import Card, Review, StudySettings
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def sign_up(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/accounts/signup/")
    page.locator("#id_username").fill("ada")
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    page.locator("#id_password2").press("Enter")
    expect(page).to_have_url(re.compile(r"/review/$"))


def question(page: Page) -> str:
    return page.locator("#question").inner_text()


def test_review_five_cards_with_the_keyboard_alone(page: Page, live_server):
    sign_up(page, live_server.url)
    StudySettings.objects.filter(user__username="ada").update(new_per_day=5)
    page.reload()
    navigations: list[str] = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    page.evaluate("window.sameDocument = true")

    show = page.get_by_role("button", name="Show answer")
    expect(show).to_be_focused()
    expect(page.get_by_role("button", name="Good")).to_be_hidden()  # until the answer shows
    expect(page.locator(".counts")).to_contain_text("5 new")
    first = question(page)

    page.keyboard.press("Space")
    expect(page.locator("#answer")).to_be_visible()
    expect(page.get_by_role("button", name="Good")).to_be_focused()
    page.keyboard.press("1")  # Again
    expect(page.locator(".counts")).to_contain_text("1 learning")
    assert question(page) != first

    seen = [first]
    for _ in range(4):
        expect(page.get_by_role("button", name="Show answer")).to_be_focused()
        seen.append(question(page))
        page.keyboard.press("Space")
        page.keyboard.press("3")  # Good
        expect(page.locator("#question, .done").first).not_to_have_text(seen[-1])
    assert len(set(seen)) == 5

    # Again brings the failed card back in the same session once nothing else is left.
    expect(page.locator("#question")).to_have_text(first)
    page.keyboard.press("Space")
    page.keyboard.press("4")  # Easy
    expect(page.get_by_role("heading", name="All done for now")).to_be_visible()
    assert Review.objects.count() == 6

    # Undo takes the last grade back and shows that card again.
    page.keyboard.press("u")
    expect(page.locator("#question")).to_have_text(first)
    expect(page.locator(".notices")).to_contain_text("Undone")
    assert Review.objects.count() == 5

    assert page.evaluate("window.sameDocument") is True
    assert navigations == []


@pytest.fixture
def no_js_page(browser) -> Iterator[Page]:
    """A page in a browser context with JavaScript off: plain form posts and redirects."""
    context = browser.new_context(java_script_enabled=False)
    yield context.new_page()
    context.close()


def test_works_without_javascript(no_js_page: Page, live_server):
    page = no_js_page
    sign_up(page, live_server.url)
    first = question(page)
    page.get_by_role("button", name="Show answer").click()
    expect(page.locator("#answer")).to_be_visible()
    page.get_by_role("button", name="Good").click()
    expect(page).to_have_url(re.compile(r"/review/$"))
    assert question(page) != first
    user = get_user_model().objects.get(username="ada")
    assert Review.objects.filter(user=user, quality=4).count() == 1


def test_bury_and_suspend_from_the_keyboard_then_undo(page: Page, live_server):
    sign_up(page, live_server.url)
    page.evaluate("window.sameDocument = true")
    buried = question(page)
    page.keyboard.press("-")
    expect(page.locator(".notices")).to_contain_text("Card buried until tomorrow.")
    expect(page.get_by_role("button", name="Good")).to_be_hidden()
    suspended = question(page)
    assert suspended != buried
    page.keyboard.press("@")
    expect(page.locator(".notices")).to_contain_text("Card suspended.")
    assert question(page) not in (buried, suspended)
    page.keyboard.press("u")  # takes the suspension back and shows that card again
    expect(page.locator("#question")).to_have_text(suspended)
    assert page.evaluate("window.sameDocument") is True

    cards = Card.objects.filter(owner__username="ada")
    assert cards.filter(buried_until__isnull=False).count() == 1
    assert cards.filter(suspended=True).count() == 0


def test_suspend_without_javascript(no_js_page: Page, live_server):
    page = no_js_page
    sign_up(page, live_server.url)
    first = question(page)
    page.get_by_role("button", name="Suspend").click()
    expect(page.locator(".notices")).to_contain_text("Card suspended.")
    assert question(page) != first
    assert Card.objects.filter(owner__username="ada", suspended=True).count() == 1
