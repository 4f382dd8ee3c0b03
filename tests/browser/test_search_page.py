"""Journeys through the search page in Chromium, with and without JavaScript."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from search.engine import index
from search.ingest import store as ingest
from tests.conftest import SEED, demo_lines

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def corpus(live_server: object, tmp_path: Path) -> str:
    """The seed, one more article about Putin, and the first 40 demo articles; returns the site URL."""
    ingest.ingest_paths([SEED], defaults=ingest.Defaults(source="The Times of Israel", published=dt.date(2023, 6, 27)))
    ingest.store_article(
        ingest.ArticleInput(text="Vladimir Putin's spokesman met reporters in Moscow.", url="https://e.org/1", source="Other")
    )
    demo = tmp_path / "demo.jsonl"
    demo.write_text("".join(demo_lines(40)), encoding="utf-8")
    ingest.ingest_paths([demo])
    index.apply_pending()
    return live_server.url  # type: ignore[attr-defined]


@pytest.fixture
def csp_violations(page: Page) -> Iterator[list[str]]:
    messages: list[str] = []
    page.on("console", lambda m: messages.append(m.text) if "Content Security Policy" in m.text else None)
    yield messages
    assert messages == []


def totals(page: Page) -> tuple[str | None, str | None]:
    element = page.locator("[data-total-paragraphs]")
    return element.get_attribute("data-total-paragraphs"), element.get_attribute("data-total-articles")


def settled(page: Page) -> None:
    """Wait until htmx has swapped and processed new content.

    htmx 2 pushes the URL at swap time but wires up new elements only when it settles (20 ms later);
    a key pressed on a link in between follows the plain href instead (its no-JavaScript behaviour).
    """
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')")


def test_typing_updates_results_without_reload(page: Page, corpus: str, csp_violations: list[str]) -> None:
    page.goto(corpus + "/")
    page.evaluate("window.__marker = 'same page'")
    page.locator("#q").press_sequentially("Prigozhin", delay=30)
    expect(page.locator("[data-total-paragraphs]")).to_have_attribute("data-total-paragraphs", "3")
    expect(page.locator("li.hit mark").first).to_have_text("Prigozhin")
    expect(page).to_have_url(corpus + "/?q=Prigozhin")
    assert page.evaluate("window.__marker") == "same page"  # swapped by htmx, not reloaded
    page.locator("#q").fill("Putin")
    expect(page.locator("[data-total-paragraphs]")).to_have_attribute("data-total-paragraphs", "5")
    assert page.evaluate("window.__marker") == "same page"


def test_two_persons_and_a_source_narrow_and_widen(page: Page, corpus: str, csp_violations: list[str]) -> None:
    page.goto(corpus + "/?q=Putin")
    expect(page.locator("[data-total-paragraphs]")).to_have_attribute("data-total-paragraphs", "5")
    page.locator("a[data-facet=person][data-value=yevgeny-prigozhin]").click()
    expect(page).to_have_url(corpus + "/?q=Putin&person=yevgeny-prigozhin")
    expect(page.locator("[data-total-paragraphs]")).to_have_attribute("data-total-paragraphs", "2")
    page.locator("a[data-facet=person][data-value=alexei-navalny]").click()
    expect(page).to_have_url(corpus + "/?q=Putin&person=yevgeny-prigozhin&person=alexei-navalny")
    expect(page.locator("[data-total-paragraphs]")).to_have_attribute("data-total-paragraphs", "3")  # OR within a facet
    expect(page.locator("a[data-facet=person][data-selected=true]")).to_have_count(2)
    page.locator("a[data-facet=source][data-value=the-times-of-israel]").click()
    expect(page.locator("[data-chip]")).to_have_count(3)
    expect(page.locator("[data-total-paragraphs]")).to_have_attribute("data-total-paragraphs", "3")
    page.locator("[data-chip]", has_text="Alexei Navalny").click()
    expect(page.locator("[data-total-paragraphs]")).to_have_attribute("data-total-paragraphs", "2")
    expect(page).to_have_url(corpus + "/?q=Putin&person=yevgeny-prigozhin&source=the-times-of-israel")


def test_date_histogram_drills_down(page: Page, corpus: str, csp_violations: list[str]) -> None:
    page.goto(corpus + "/")
    years = page.locator("a[data-facet=date]")
    expect(years.first).to_have_attribute("data-value", re.compile(r"^\d{4}$"))
    year = page.locator("a[data-facet=date][data-value='2015']")
    count = year.get_attribute("data-count")
    year.click()
    expect(page).to_have_url(corpus + "/?from=2015&to=2015")
    expect(page.locator("[data-total-paragraphs]")).to_have_attribute("data-total-paragraphs", count or "")
    expect(page.locator("a[data-facet=date]").first).to_have_attribute("data-value", re.compile(r"^2015-\d\d$"))
    page.locator("a[data-facet=date]").first.click()
    expect(page.locator("a[data-facet=date]").first).to_have_attribute("data-value", re.compile(r"^2015-\d\d-\d\d$"))


def test_context_and_more_in_article_expand_in_place(page: Page, corpus: str, csp_violations: list[str]) -> None:
    page.goto(corpus + "/?q=Prigozhin")
    hit = page.locator("li.hit").first
    hit.locator("[data-action=context]").click()
    expect(hit.locator(".context .before")).to_be_visible()
    expect(page).to_have_url(corpus + "/?q=Prigozhin")  # expansions do not change the page's state
    hit.locator("[data-action=more]").click()
    expect(hit.locator(".more-matches li")).to_have_count(int(hit.get_attribute("data-more") or 0))  # the others, not the hit again
    expect(hit.locator(".more-matches mark").first).to_have_text("Prigozhin")


def test_load_more_appends_the_next_page(page: Page, corpus: str, csp_violations: list[str]) -> None:
    page.goto(corpus + "/")
    expect(page.locator("li.hit")).to_have_count(20)
    page.locator("a.load-more").scroll_into_view_if_needed()
    expect(page.locator("li.hit")).to_have_count(40)
    ids = page.locator("li.hit").evaluate_all("els => els.map(e => e.dataset.article)")
    assert len(set(ids)) == 40
    expect(page).to_have_url(corpus + "/?through=2")  # replaced, not pushed: Back leaves the search, and comes back to both pages


def test_back_button_and_copied_url_restore_the_state(page: Page, browser: Browser, corpus: str, csp_violations: list[str]) -> None:
    page.goto(corpus + "/?q=Putin")
    page.locator("a[data-facet=source][data-value=other]").click()
    expect(page.locator("[data-total-paragraphs]")).to_have_attribute("data-total-paragraphs", "1")
    copied = page.url
    page.go_back()
    expect(page.locator("[data-total-paragraphs]")).to_have_attribute("data-total-paragraphs", "5")
    expect(page.locator("#q")).to_have_value("Putin")
    page.go_forward()
    expect(page.locator("[data-total-paragraphs]")).to_have_attribute("data-total-paragraphs", "1")
    fresh = browser.new_page()
    fresh.goto(copied)
    assert totals(fresh) == ("1", "1")
    expect(fresh.locator("a[data-facet=source][data-value=other]")).to_have_attribute("data-selected", "true")
    fresh.close()


def test_the_same_journeys_without_javascript(browser: Browser, corpus: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(corpus + "/")
    page.locator("#q").fill("Putin")
    page.locator("#q").press("Enter")
    expect(page).to_have_url(corpus + "/?q=Putin")
    assert totals(page) == ("5", "2")
    page.locator("a[data-facet=person][data-value=yevgeny-prigozhin]").click()
    assert totals(page) == ("2", "1")
    page.locator("a[data-action=more]").first.click()  # the article page, matches marked
    expect(page.locator("p.paragraph[data-matched]")).to_have_count(2)
    page.go_back()
    page.locator("a[data-action=context]").first.click()
    expect(page.locator("p.paragraph:target")).to_have_count(1)
    page.goto(corpus + "/")
    page.locator("a.load-more").click()  # without JavaScript, "load more" is the next page
    expect(page).to_have_url(corpus + "/?page=2")
    expect(page.locator("li.hit")).to_have_count(20)
    page.locator("a[data-facet=date][data-value='2015']").click()
    expect(page.locator("a[data-facet=date]").first).to_have_attribute("data-value", re.compile(r"^2015-\d\d$"))
    context.close()


def test_keyboard_reaches_facets_and_expansions(page: Page, corpus: str, csp_violations: list[str]) -> None:
    page.goto(corpus + "/?q=Prigozhin")
    facet = page.locator("a[data-facet=source][data-value=the-times-of-israel]")
    facet.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(corpus + "/?q=Prigozhin&source=the-times-of-israel")
    settled(page)
    context = page.locator("li.hit [data-action=context]").first
    context.focus()
    page.keyboard.press("Enter")
    expect(page.locator("li.hit .context").first).to_be_visible()
    expect(page.locator("[aria-live=polite][data-total-paragraphs]")).to_have_count(1)


def test_phone_width_has_no_horizontal_scroll(browser: Browser, corpus: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(corpus + "/?q=Putin")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    context.close()


def test_focus_stays_on_a_facet_value_after_it_is_chosen(page: Page, corpus: str, csp_violations: list[str]) -> None:
    page.goto(corpus + "/?q=Putin")
    page.locator("a[data-facet=person][data-value=yevgeny-prigozhin]").focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(corpus + "/?q=Putin&person=yevgeny-prigozhin")
    settled(page)
    # it fell to <body>: a keyboard user had to Tab from the top again
    expect(page.locator("a[data-facet=person][data-value=yevgeny-prigozhin]")).to_be_focused()
    page.keyboard.press("Enter")  # and toggles off again from there
    expect(page).to_have_url(corpus + "/?q=Putin")


def test_a_skip_link_reaches_the_first_hit_in_a_few_tabs(page: Page, corpus: str, csp_violations: list[str]) -> None:
    page.goto(corpus + "/")
    expect(page.locator("#q")).to_be_focused()  # where the page starts
    page.keyboard.type("Putin")
    expect(page.locator("[data-total-paragraphs]")).to_have_attribute("data-total-paragraphs", "5")
    settled(page)
    page.keyboard.press("Tab")  # the search button
    page.keyboard.press("Tab")
    expect(page.locator(".skip-to-results")).to_be_focused()
    page.keyboard.press("Enter")
    tabs = 0
    while not page.evaluate("!!document.activeElement.closest('li.hit')") and tabs < 10:
        page.keyboard.press("Tab")
        tabs += 1
    assert tabs <= 2, tabs  # about 40 before
    # from the top of the page, the first stop offers the same
    assert page.evaluate("document.querySelector('a[href], button, input').textContent") == "Skip to results"
    # and the hits come before the facets in the page's order
    hit_first = page.evaluate(
        "document.querySelector('li.hit a').compareDocumentPosition(document.querySelector('a[data-facet]'))"
        " & Node.DOCUMENT_POSITION_FOLLOWING"
    )
    assert hit_first


def test_phone_width_puts_a_filters_disclosure_at_the_top(browser: Browser, corpus: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(corpus + "/?q=Putin")
    summary = page.locator("#filters > summary")
    expect(summary).to_be_visible()
    assert summary.bounding_box()["y"] < page.locator("li.hit").first.bounding_box()["y"] < 844  # type: ignore[index]
    expect(page.locator("a[data-facet=person]").first).to_be_hidden()  # closed at first
    summary.click()
    page.locator("a[data-facet=person][data-value=yevgeny-prigozhin]").click()
    expect(page).to_have_url(re.compile(r"person=yevgeny-prigozhin"))
    settled(page)
    expect(page.locator("a[data-facet=person][data-value=yevgeny-prigozhin]")).to_be_visible()  # stays open across searches
    context.close()


def test_wide_screens_show_the_filters_beside_the_hits(page: Page, corpus: str) -> None:
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(corpus + "/?q=Putin")
    expect(page.locator("#filters > summary")).to_be_hidden()
    facet, hit = page.locator("a[data-facet=person]").first.bounding_box(), page.locator("li.hit").first.bounding_box()
    assert facet and hit and facet["x"] < hit["x"] and facet["y"] < hit["y"] + hit["height"]


def test_coming_back_from_an_article_keeps_what_load_more_loaded_and_the_scroll(page: Page, corpus: str) -> None:
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(corpus + "/?sort=oldest")
    expect(page.locator("li.hit")).to_have_count(20)
    page.locator("a.load-more").scroll_into_view_if_needed()
    expect(page.locator("li.hit")).to_have_count(40)
    settled(page)
    loaded = 40
    expect(page).to_have_url(corpus + "/?sort=oldest&through=2")  # the URL says what is shown
    hit = page.locator("li.hit").nth(loaded - 2)
    hit.scroll_into_view_if_needed()
    scrolled = page.evaluate("window.scrollY")
    assert scrolled > 500
    article = hit.locator("a.title")
    title = article.text_content()
    article.click()
    expect(page.locator("article.article h1")).to_have_text(title or "")
    page.go_back()
    # both pages again (and the third, revealed at the restored scroll position: it loads as it would have)
    page.wait_for_function(f"() => document.querySelectorAll('li.hit').length >= {loaded}")
    page.wait_for_function(f"() => window.scrollY > {scrolled} - 200")


def test_each_paragraph_of_an_article_links_to_itself_with_the_search_marks(page: Page, corpus: str) -> None:
    page.goto(corpus + "/?q=Prigozhin")
    page.locator("li.hit a.title").first.click()
    link = page.locator(".paragraph[data-matched] a.para-link").first
    href = link.get_attribute("href") or ""
    assert "q=Prigozhin" in href and re.search(r"#p-\d+$", href)
    link.click()
    expect(page.locator(".paragraph:target mark").first).to_have_text("Prigozhin")


def test_the_timeline_shows_a_value_on_focus_drills_down_and_goes_up(page: Page, corpus: str, csp_violations: list[str]) -> None:
    page.goto(corpus + "/")
    bar = page.locator(".timeline-chart a.bar").first
    value = bar.locator("text.value")
    expect(value).to_be_hidden()
    bar.focus()
    expect(value).to_be_visible()  # the value of the bar on keyboard focus (and hover)
    count = bar.get_attribute("data-count")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"from=\d{4}"))
    settled(page)
    assert page.locator("[data-total-paragraphs]").get_attribute("data-total-paragraphs") == count
    up = page.locator("a[data-up]")
    up.click()  # up one level, without the back button
    expect(page).to_have_url(re.compile(r"/\??$"))


def test_a_misspelt_query_shows_its_corrections_results_as_you_type(page: Page, corpus: str, csp_violations: list[str]) -> None:
    page.goto(corpus + "/")
    page.locator("#q").press_sequentially("Prigozhyn", delay=30)
    corrected = page.locator("[data-corrected-from]")
    expect(corrected).to_have_attribute("data-corrected-from", "Prigozhyn")
    expect(page.locator("[data-total-paragraphs]")).to_have_attribute("data-total-paragraphs", "3")
    expect(page.locator("#q")).to_have_value("Prigozhyn")  # the box keeps what was typed
    corrected.locator("a").click()  # search instead for the words as typed
    expect(page.locator("[data-total-paragraphs]")).to_have_attribute("data-total-paragraphs", "0")
    expect(page.locator("[data-suggestion]")).to_have_attribute("data-suggestion", "Prigozhin")


def test_mentioned_with_narrows_and_a_person_page_leads_back_into_the_search(page: Page, corpus: str, csp_violations: list[str]) -> None:
    page.goto(corpus + "/?q=Putin")
    expect(page.locator("#facet-with")).to_have_count(0)  # no person chosen yet
    page.locator("a[data-facet=person][data-value=yevgeny-prigozhin]").click()
    expect(page).to_have_url(corpus + "/?q=Putin&person=yevgeny-prigozhin")
    partner = page.locator("#facet-with a[data-facet=with]").first
    expect(partner).to_be_visible()
    slug, count = partner.get_attribute("data-value"), partner.get_attribute("data-count")
    partner.click()
    expect(page).to_have_url(corpus + f"/?q=Putin&person=yevgeny-prigozhin&with={slug}")
    expect(page.locator("[data-total-paragraphs]")).to_have_attribute("data-total-paragraphs", count or "")
    expect(page.locator("a[data-chip]", has_text="with ")).to_have_count(1)
    settled(page)
    page.locator("ul.chips a.profile").first.click()  # not swapped into the results: a page of its own
    expect(page).to_have_url(corpus + "/person/yevgeny-prigozhin/")
    expect(page.locator("h1")).to_have_text("Yevgeny Prigozhin")
    lanes = page.locator("svg.coverage-chart g.lane")
    expect(lanes.first).to_have_attribute("data-lane", "All sources")
    cell = page.locator("svg.coverage-chart a.cell").first
    cells = cell.get_attribute("data-count")
    cell.click()
    expect(page).to_have_url(re.compile(r"/\?person=yevgeny-prigozhin.*from="))
    expect(page.locator("[data-total-paragraphs]")).to_have_attribute("data-total-paragraphs", cells or "")
