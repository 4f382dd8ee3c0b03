from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from search import ingest
from tests.conftest import SEED

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def articles(live_server: object) -> None:
    ingest.ingest_paths([SEED], defaults=ingest.Defaults(source="The Times of Israel", published=dt.date(2023, 6, 27)))
    ingest.store_article(ingest.ArticleInput(text="Putin's spokesman met reporters in Moscow.", url="https://e.org/1", source="Other"))
    from search import index

    index.apply_pending()


def test_typing_updates_results_without_reload(page: Page, live_server: object, articles: None) -> None:
    page.goto(f"{live_server.url}/")  # type: ignore[attr-defined]
    totals = page.locator("[data-total-paragraphs]")
    expect(totals).to_have_attribute("data-total-paragraphs", "7")
    page.evaluate("window.__marker = 'same page'")
    page.locator("#q").press_sequentially("Prigozhin", delay=30)
    expect(totals).to_have_attribute("data-total-paragraphs", "3")
    expect(page.locator("li.hit mark").first).to_have_text("Prigozhin")
    expect(page).to_have_url(f"{live_server.url}/?q=Prigozhin")  # type: ignore[attr-defined]
    assert page.evaluate("window.__marker") == "same page"  # swapped by htmx, not reloaded
    page.locator("#q").fill("Putin")
    expect(totals).to_have_attribute("data-total-paragraphs", "5")


def test_facet_click_and_back_button(page: Page, live_server: object, articles: None) -> None:
    page.goto(f"{live_server.url}/?q=Putin")  # type: ignore[attr-defined]
    totals = page.locator("[data-total-paragraphs]")
    expect(totals).to_have_attribute("data-total-paragraphs", "5")
    page.locator("a[data-facet=source][data-value=other]").click()
    expect(totals).to_have_attribute("data-total-paragraphs", "1")
    expect(page).to_have_url(f"{live_server.url}/?q=Putin&source=other")  # type: ignore[attr-defined]
    page.go_back()
    expect(totals).to_have_attribute("data-total-paragraphs", "5")
    expect(page.locator("#q")).to_have_value("Putin")
