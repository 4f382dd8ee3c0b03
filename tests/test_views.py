from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.core.management import call_command
from django.test import Client

from search.models import Article
from tests.conftest import demo_lines

pytestmark = pytest.mark.django_db


def test_full_page_without_javascript(client: Client, seed_article: None) -> None:
    response = client.get("/", {"q": "Putin"})
    assert response.status_code == 200
    assert response["Vary"] == "HX-Request"
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.select_one("form#search-form input#q")["value"] == "Putin"
    assert soup.select_one("script[src*='htmx']") is not None
    totals = soup.select_one("[data-total-paragraphs]")
    assert (totals["data-total-paragraphs"], totals["data-total-articles"]) == ("4", "1")
    hits = soup.select("li.hit[data-paragraph][data-article]")
    assert len(hits) == 4
    assert all(h.select_one("mark") for h in hits)


def test_htmx_request_gets_only_the_results_fragment(client: Client, seed_article: None) -> None:
    response = client.get("/", {"q": "Putin"}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="results"')
    assert "<html" not in body
    assert 'id="state" hx-swap-oob="true"' in body
    full = client.get("/", {"q": "Putin"})
    assert len(body) < len(full.content.decode())


def test_history_restore_gets_the_full_page(client: Client, seed_article: None) -> None:
    response = client.get("/", {"q": "Putin"}, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in response.content.decode()


def test_facet_links_are_built_by_the_server(client: Client, seed_article: None) -> None:
    soup = BeautifulSoup(client.get("/", {"q": "Putin"}).content, "html.parser")
    links = [{"href": a["href"], "value": a["data-value"], "count": a["data-count"]} for a in soup.select("a[data-facet=source]")]
    assert links == [{"href": "?q=Putin&source=the-times-of-israel", "value": "the-times-of-israel", "count": "4"}]


def test_bad_parameters_never_fail(client: Client, seed_article: None) -> None:
    response = client.get("/", {"q": "((", "from": "yesterday", "page": "-4", "sort": "x", "person": "<script>"})
    assert response.status_code == 200
    text = response.content.decode()
    assert "<script>" not in text.replace("<script src=", "")
    assert "is not a date" in text


def test_article_page_shows_kept_paragraphs_with_anchors(client: Client, seed_article: None) -> None:
    article = Article.objects.get()
    soup = BeautifulSoup(client.get(f"/article/{article.pk}/").content, "html.parser")
    paragraphs = soup.select("p.paragraph")
    assert [p["id"] for p in paragraphs] == [f"p-{i}" for i in range(6)]
    assert "Horovitz" not in soup.get_text()


def test_demo_credit_in_footer_when_demo_loaded(client: Client, tmp_path: Path) -> None:
    assert "Wikinews" not in client.get("/").content.decode()
    demo = tmp_path / "demo.jsonl"
    demo.write_text("".join(demo_lines(2)), encoding="utf-8")
    call_command("load_demo", "--if-empty", "--file", str(demo), stdout=StringIO())
    footer = BeautifulSoup(client.get("/").content, "html.parser").select_one("footer").get_text()
    assert "Wikinews contributors" in footer and "CC BY 2.5" in footer
    out = StringIO()
    call_command("load_demo", "--if-empty", "--file", str(demo), stdout=out)
    assert "not loaded" in out.getvalue()
