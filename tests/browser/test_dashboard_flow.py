"""The dashboard in a real browser: period switch without a page load, study one topic."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_review_flow import sign_up

pytestmark = pytest.mark.django_db(transaction=True)


def test_switch_period_and_study_a_topic(page: Page, live_server):
    sign_up(page, live_server.url)
    page.keyboard.press("Space")
    page.keyboard.press("3")
    expect(page.locator(".counts")).to_contain_text("19 new")

    page.get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(page.locator(".today")).to_contain_text("1")
    page.evaluate("window.sameDocument = true")
    page.get_by_role("link", name="365 days").click()
    expect(page.locator("#retention .periods a[aria-current]")).to_have_text("365 days")
    assert page.evaluate("window.sameDocument") is True
    assert page.get_by_role("img", name="Reviews per day, last 365 days").count() == 1

    page.get_by_role("link", name=re.compile(r"^Study RAG and agents$")).click()
    expect(page.locator(".scope")).to_contain_text("Studying only RAG and agents")
    expect(page.locator(".card-deck")).to_contain_text("RAG and agents")
