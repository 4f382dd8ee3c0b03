"""Hostile content in the archive, checked in Chromium: payloads in titles, paragraphs, person names,
aliases and source names show as text everywhere and no script runs.

Each payload, if it ever ran, would set ``window.__xss``; the test also fails on any dialog and on
any CSP violation (a blocked inline script is still an injection that got through the escaping).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from search.engine import index
from search.ingest import store as ingest
from search.models import Alias, Article, Person, Source

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCRIPT = "<script>window.__xss=1</script>"
IMAGE = '<img src=x onerror="window.__xss=1">'
SVG = "<svg onload=window.__xss=1>"
QUOTE = "\"'><script>window.__xss=1</script>"
FORMULA = '=HYPERLINK("http://evil.example/","click")'


@pytest.fixture
def hostile(live_server: object) -> str:
    text = f"Quinton Marlowe said {SCRIPT} and {IMAGE} about the budget.\n\n{SVG} Quinton Marlowe left.\n\n{FORMULA}"
    ingest.store_article(ingest.ArticleInput(text=text, url="https://e.org/x", source=f"Evil {IMAGE} News", title=f"Budget {QUOTE}"))
    person = Person.objects.get(name="Quinton Marlowe")
    person.name = f"Quinton {IMAGE} Marlowe"
    person.save()
    Alias.objects.create(person=person, name=f"QM {SCRIPT}")
    index.update_articles(Article.objects.values_list("id", flat=True))
    User.objects.create_superuser("admin", password="pw-for-tests-only")
    return live_server.url  # type: ignore[attr-defined]


@pytest.fixture
def watched(page: Page) -> Iterator[Page]:
    problems: list[str] = []
    page.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
    page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    yield page
    assert problems == []


def no_script_ran(page: Page) -> None:
    assert page.evaluate("window.__xss === undefined"), f"a payload ran on {page.url}"


def test_payloads_show_as_text_on_search_and_article_pages(watched: Page, hostile: str) -> None:
    page = watched
    page.goto(hostile + "/?q=budget")
    expect(page.locator("li.hit").first).to_contain_text("<script>window.__xss=1</script>")
    expect(page.locator("a[data-facet=person]").first).to_contain_text(IMAGE)
    expect(page.locator("a[data-facet=source]").first).to_contain_text(IMAGE)
    no_script_ran(page)
    page.locator("#q").fill("QM")  # the alias, through htmx
    expect(page.locator("[data-total-paragraphs]")).not_to_have_attribute("data-total-paragraphs", "0")
    no_script_ran(page)
    page.goto(hostile + f"/article/{Article.objects.get().pk}/?q=budget")
    expect(page.locator("h1")).to_contain_text(QUOTE)
    no_script_ran(page)
    page.goto(hostile + "/facets/person/?q=budget&filter=Quinton")
    expect(page.locator("body")).to_contain_text(IMAGE)
    no_script_ran(page)


def test_payloads_show_as_text_in_admin_lists(watched: Page, hostile: str) -> None:
    page = watched
    page.goto(hostile + "/admin/login/")
    page.locator("#id_username").fill("admin")
    page.locator("#id_password").fill("pw-for-tests-only")
    page.locator("input[type=submit]").click()
    for model in ("article", "paragraph", "person", "alias", "source"):
        page.goto(hostile + f"/admin/search/{model}/")
        expect(page.locator("#result_list")).to_be_visible()
        no_script_ran(page)
    page.goto(hostile + f"/admin/search/person/{Person.objects.get().pk}/change/")
    expect(page.locator("body")).to_contain_text("QM <script>")
    no_script_ran(page)
    page.goto(hostile + f"/admin/search/source/{Source.objects.get().pk}/change/")
    no_script_ran(page)


def test_csv_export_is_text_and_defuses_formulas(watched: Page, hostile: str) -> None:
    response = watched.request.get(hostile + "/export.csv")  # every paragraph
    assert response.ok
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].startswith("attachment")
    assert response.headers["x-content-type-options"] == "nosniff"  # never sniffed and rendered as HTML
    rows = list(csv.DictReader(io.StringIO(response.text().lstrip("\ufeff"))))
    assert any(SCRIPT in row["text"] for row in rows)  # the payload verbatim, as data
    cells = [value for row in rows for value in row.values()]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@")], "a cell a spreadsheet would run as a formula"
    assert any(c == "'" + FORMULA for c in cells)
