from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.core.management import call_command
from django.test import Client

from search.models import Article, Paragraph
from tests.conftest import demo_lines

pytestmark = pytest.mark.django_db


def test_full_page_without_javascript(client: Client, seed_article: None) -> None:
    response = client.get("/", {"q": "Putin"})
    assert response.status_code == 200
    assert "HX-Request" in response["Vary"]
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.select_one("form#search-form input#q")["value"] == "Putin"
    assert soup.select_one("script[src*='htmx']") is not None
    totals = soup.select_one("[data-total-paragraphs]")
    assert (totals["data-total-paragraphs"], totals["data-total-articles"]) == ("4", "1")
    hits = soup.select("li.hit[data-paragraph][data-article]")
    assert [h["data-more"] for h in hits] == ["3"]  # one article: its best paragraph, 3 more
    assert hits[0].select_one("mark").get_text() == "Putin"
    more = hits[0].select_one("a[data-action=more]")
    assert more.get_text(strip=True) == "3 more in this article"


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


def test_more_in_article_fragment_and_no_js_fallback(client: Client, seed_article: None) -> None:
    article = Article.objects.get()
    url = f"/article/{article.pk}/matches/?q=Putin"
    fragment = client.get(url, headers={"HX-Request": "true"})
    items = BeautifulSoup(fragment.content, "html.parser").select("li.match")
    assert len(items) == 4 and all(i.select_one("mark") for i in items)
    # From a hit's "3 more in this article": the three others, not the hit again (#20).
    hit = BeautifulSoup(client.get("/?q=Putin").content, "html.parser").select_one("li.hit")
    more = hit.select_one("a[data-action=more]")
    others = BeautifulSoup(client.get(more["href"], headers={"HX-Request": "true"}).content, "html.parser").select("li.match")
    assert more.get_text() == "3 more in this article" and len(others) == int(hit["data-more"]) == 3
    assert hit["data-paragraph"] not in {li["data-paragraph"] for li in others}
    redirect = client.get(url)
    assert (redirect.status_code, redirect["Location"]) == (302, f"/article/{article.pk}/?q=Putin")


def test_context_fragment_and_no_js_fallback(client: Client, seed_article: None) -> None:
    second = Paragraph.objects.get(position=1)
    fragment = BeautifulSoup(client.get(f"/paragraph/{second.pk}/context/?q=Putin", headers={"HX-Request": "true"}).content, "html.parser")
    assert "Belarus strongman" in fragment.select_one(".before").get_text()
    assert "I said to Putin" in fragment.select_one(".after").get_text()
    redirect = client.get(f"/paragraph/{second.pk}/context/?q=Putin")
    assert redirect["Location"] == f"/article/{second.article_id}/?q=Putin#p-1"
    boilerplate = Paragraph.objects.filter(is_boilerplate=True).first()
    assert client.get(f"/paragraph/{boilerplate.pk}/context/").status_code == 404


def test_article_page_marks_matches_and_links_persons(client: Client, seed_article: None) -> None:
    article = Article.objects.get()
    soup = BeautifulSoup(client.get(f"/article/{article.pk}/?q=Prigozhin").content, "html.parser")
    assert [p["id"] for p in soup.select("p.paragraph[data-matched]")] == ["p-1", "p-2", "p-3"]
    links = {a.get_text(): a["href"] for a in soup.select(".article-persons a[data-person]")}
    assert links["Vladimir Putin"] == "/?person=vladimir-putin"
    assert set(links) == {"Alexander Lukashenko", "Vladimir Putin", "Yevgeny Prigozhin", "Alexei Navalny"}
    pages = [a["href"] for a in soup.select(".article-persons a[data-person-page]")]
    assert len(pages) == 4 and "/person/vladimir-putin/" in pages


def test_article_page_with_a_refused_query_marks_nothing(client: Client, seed_article: None) -> None:
    article = Article.objects.get()
    response = client.get(f"/article/{article.pk}/", {"q": "lu*"})
    assert response.status_code == 200
    assert not BeautifulSoup(response.content, "html.parser").select("p.paragraph[data-matched]")


def test_exports_stream_every_hit(client: Client, seed_article: None) -> None:
    response = client.get("/export.csv", {"q": "Putin"})
    assert response["Content-Type"].startswith("text/csv")
    lines = b"".join(response.streaming_content).decode("utf-8-sig").strip().splitlines()
    assert lines[0].startswith("paragraph_id,article_id,position,title,source,published,url,persons,speakers,text")
    assert len(lines) == 5
    data = json.loads(b"".join(client.get("/export.json", {"q": "Putin"}).streaming_content))
    assert len(data) == 4 and all("Putin" in row["text"] for row in data)
    assert "Vladimir Putin" in data[0]["persons"]
    assert json.loads(b"".join(client.get("/export.json", {"q": "zzzz"}).streaming_content)) == []


def test_person_facet_page_filters_by_name(client: Client, seed_article: None) -> None:
    soup = BeautifulSoup(client.get("/facets/person/", {"filter": "vlad"}).content, "html.parser")
    assert [a["data-value"] for a in soup.select("a[data-facet=person]")] == ["vladimir-putin"]
    fragment = client.get("/facets/person/", {"filter": "", "q": "Putin"}, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in fragment and 'id="person-filter"' in fragment


def test_timeline_svg_links_its_periods(client: Client, seed_article: None) -> None:
    soup = BeautifulSoup(client.get("/").content, "html.parser")
    bars = soup.select(".timeline svg a")
    assert [a["href"] for a in bars] == ["?from=2023-06-27&to=2023-06-27"]  # one day of news: drawn by day


def test_through_renders_the_pages_load_more_loaded_within_a_bound(client: Client, demo_subset: object) -> None:
    assert len(BeautifulSoup(client.get("/").content, "html.parser").select("li.hit")) == 20
    soup = BeautifulSoup(client.get("/", {"through": "2"}).content, "html.parser")
    assert len(soup.select("li.hit")) == 40 and not soup.select("a.load-more")  # the 40 demo articles, all shown
    capped = client.get("/", {"through": "400"}).content.decode()
    assert "At most 25 pages are shown at once" in capped
