"""Copy families (issue 14, part 3): the same paragraph in several articles, found as each is stored."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable
from io import StringIO

import pytest
from bs4 import BeautifulSoup
from django.core.management import call_command
from django.test import Client

from search.ingest import copies
from search.models import CopyBand, Paragraph

pytestmark = pytest.mark.django_db

WIRE = (
    "WASHINGTON (AP) — The Senate voted 52-48 on Tuesday to confirm the nominee after a bitter debate over "
    "her record on trade, with two Republicans joining every Democrat in support of the president's choice."
)
# The same paragraph as another outlet ran it: curly quotes, other dashes and spacing, a word changed.
EDITED = (
    "WASHINGTON (AP) -- The Senate voted 52-48 on Tuesday to confirm the nominee after a  bitter fight over "
    "her record on trade, with two Republicans joining every Democrat in support of the president’s choice."
)
OTHER = (
    "Farmers in the valley said the late frost had ruined most of the apricot harvest, and that insurance would "
    "cover only a fraction of what they had already spent on irrigation and labour this spring."
)


def family_of(text_start: str, source: str) -> int | None:
    return Paragraph.objects.get(text__startswith=text_start, article__source__name=source).family


def test_shingles_fold_case_quotes_spacing_and_accents() -> None:
    assert copies.shingles("“Café”  said — the MAYOR") == copies.shingles('"cafe" said - the mayor')
    assert copies.jaccard(copies.shingles(WIRE), copies.shingles(EDITED)) >= copies.SIMILAR
    assert copies.jaccard(copies.shingles(WIRE), copies.shingles(OTHER)) < 0.1


def test_exact_and_near_copies_join_one_family_and_others_stay_apart(store: Callable[..., object]) -> None:
    store(f"{WIRE}\n\n{OTHER}", source="Agency", published=dt.date(2024, 3, 1), title="First")
    store(
        f"Local lead paragraph written by the paper itself about the vote and what it means here.\n\n{EDITED}",
        source="Paper",
        title="Second",
    )
    store(WIRE, source="Broadcaster", published=dt.date(2024, 3, 2), title="Third")
    first, second, third = family_of("WASHINGTON", "Agency"), family_of("WASHINGTON", "Paper"), family_of("WASHINGTON", "Broadcaster")
    assert first is not None and first == second == third
    assert first == Paragraph.objects.get(text__startswith="WASHINGTON", article__source__name="Agency").pk  # the first stored
    assert family_of("Farmers", "Agency") is None
    assert family_of("Local lead", "Paper") is None
    # Only the family's first paragraph keeps its bands: a bucket holds one paragraph per family.
    banded = set(CopyBand.objects.values_list("paragraph__text", flat=True))
    assert WIRE in banded and EDITED not in banded
    assert CopyBand.objects.filter(paragraph__text=WIRE).count() == copies.BANDS


def test_short_and_boilerplate_paragraphs_are_never_copies(store: Callable[..., object]) -> None:
    store(f"He said no.\n\n{OTHER}", source="One", title="A")
    store(f"He said no.\n\n{OTHER}", source="Two", title="B", url="https://example.org/b")
    assert set(Paragraph.objects.filter(text="He said no.").values_list("family", flat=True)) == {None}
    assert len(set(Paragraph.objects.filter(text=OTHER).values_list("family", flat=True))) == 1
    Paragraph.objects.filter(text=OTHER).update(is_boilerplate=True, boilerplate_reason="curated", family=None)
    CopyBand.objects.all().delete()
    store(OTHER, source="Three", title="C")
    assert Paragraph.objects.get(text=OTHER, article__source__name="Three").family is None


def test_a_paragraph_is_not_a_copy_of_its_own_article(store: Callable[..., object]) -> None:
    store(f"{WIRE}\n\n{EDITED}", source="One", title="Twice")
    assert set(Paragraph.objects.values_list("family", flat=True)) == {None}


def test_copies_link_finds_the_same_families_afresh(store: Callable[..., object]) -> None:
    store(WIRE, source="Agency", title="First")
    store(EDITED, source="Paper", title="Second")
    before = sorted(Paragraph.objects.values_list("id", "family"))
    Paragraph.objects.update(family=None)
    CopyBand.objects.all().delete()
    out = StringIO()
    call_command("copies_link", stdout=out)
    assert sorted(Paragraph.objects.values_list("id", "family")) == before
    assert "1 paragraph(s) are copies, in 1 family." in out.getvalue()
    call_command("copies_link", stdout=StringIO())  # again: the same, no band twice
    assert CopyBand.objects.count() == copies.BANDS


def test_a_hit_says_where_else_it_appeared_and_its_family_is_in_date_order(store: Callable[..., object], client: Client) -> None:
    store(EDITED, source="Paper", published=dt.date(2024, 3, 3), title="Stored first, published last")
    store(WIRE, source="Agency", published=dt.date(2024, 3, 1), title="Wire")
    store(WIRE, source="Broadcaster", published=dt.date(2024, 3, 2), title="Broadcast")
    store(OTHER, source="Agency", published=dt.date(2024, 3, 1), title="Frost")
    for sort in ("relevance", "oldest", "newest"):
        soup = BeautifulSoup(client.get("/", {"q": "senate", "sort": sort}).content, "html.parser")
        hits = soup.select("li.hit")
        # One hit for the family: its earliest publication, though stored second; the totals count every copy.
        assert [(h.select_one(".source").get_text(), h["data-copies"]) for h in hits] == [("Agency", "2")], sort
        assert soup.select_one("[data-total-paragraphs]")["data-total-paragraphs"] == "3"
        assert soup.select_one(".copies-mode")["data-folded"] == "2"
    assert hits[0].select_one(".copies").get_text() == "also in 2 articles: Broadcaster (2024-03-02), Paper (2024-03-03)"
    every = BeautifulSoup(client.get("/", {"q": "senate", "copies": "all", "sort": "oldest"}).content, "html.parser")
    assert [h.select_one(".source").get_text() for h in every.select("li.hit")] == ["Agency", "Broadcaster", "Paper"]
    sources = {a["data-value"]: a["data-count"] for a in soup.select("a[data-facet=source]")}
    assert sources == {"agency": "1", "broadcaster": "1", "paper": "1"}  # facets count every paragraph
    once = BeautifulSoup(client.get("/", {"q": "senate", "copies": "once"}).content, "html.parser")
    assert {a["data-value"]: a["data-count"] for a in once.select("a[data-facet=source]")} == {"agency": "1"}  # a family once
    assert once.select_one("[data-total-paragraphs]")["data-total-paragraphs"] == "3"
    modes = [a["href"] for a in soup.select("a[data-copies-mode]")]
    assert any("copies=all" in m for m in modes) and any("copies=once" in m for m in modes)
    link = hits[0].select_one("a[data-action=first-appeared]")["href"]
    family = BeautifulSoup(client.get(link).content, "html.parser")
    rows = family.select("tr[data-copy]")
    assert [r["data-published"] for r in rows] == ["2024-03-01", "2024-03-02", "2024-03-03"]
    assert rows[0].select_one(".first") is not None and "identical" in rows[1].get_text()
    assert "near copy" in rows[2].get_text()
    assert family.select_one("#spread")["data-sources"] == "3"
    frost = BeautifulSoup(client.get("/", {"q": "apricot"}).content, "html.parser").select_one("li.hit")
    assert not frost.has_attr("data-copies") and frost.select_one("a[data-action=first-appeared]") is None
    alone = Paragraph.objects.get(text=OTHER)
    assert "appears only here" in client.get(f"/paragraph/{alone.pk}/copies/").content.decode()


def test_a_large_familys_hit_names_its_first_copies_and_counts_them_all(store: Callable[..., object], client: Client) -> None:
    store(WIRE, source="Undated Blog", title="No date")  # stored first, listed last: it has no date
    for day in range(1, 7):
        store(WIRE, source=f"Outlet {day}", published=dt.date(2024, 3, day), title=f"Day {day}")
    hit = BeautifulSoup(client.get("/", {"q": "senate"}).content, "html.parser").select_one("li.hit")
    assert hit["data-copies"] == "6" and hit.select_one(".source").get_text() == "Outlet 1"
    named = "Outlet 2 (2024-03-02), Outlet 3 (2024-03-03), Outlet 4 (2024-03-04), …"
    assert hit.select_one(".copies").get_text() == f"also in 6 articles: {named}"
    last = BeautifulSoup(client.get("/", {"q": "senate", "copies": "all", "sort": "oldest"}).content, "html.parser").select("li.hit")
    undated = next(h for h in last if h.select_one(".source").get_text() == "Undated Blog")
    assert undated.select_one(".copies").get_text().startswith("also in 6 articles: Outlet 1 (2024-03-01), Outlet 2")


def test_a_family_downloads_as_csv_and_json(store: Callable[..., object], client: Client) -> None:
    store(WIRE, source="Agency", published=dt.date(2024, 3, 1), title="Wire")
    store(EDITED, source="Paper", published=dt.date(2024, 3, 2), title='=HYPERLINK("x")')
    paragraph = Paragraph.objects.get(article__source__name="Paper")
    rows = json.loads(client.get(f"/paragraph/{paragraph.pk}/copies.json").content)
    assert [(r["source"], r["published"]) for r in rows] == [("Agency", "2024-03-01"), ("Paper", "2024-03-02")]
    assert rows[0]["similarity"] == 1.0 and copies.SIMILAR <= rows[1]["similarity"] < 1.0
    text = client.get(f"/paragraph/{paragraph.pk}/copies.csv").content.decode("utf-8-sig")
    assert list(csv.DictReader(io.StringIO(text)))[1]["title"].startswith("'=")  # defused for spreadsheets
    Paragraph.objects.filter(pk=paragraph.pk).update(is_boilerplate=True)
    assert client.get(f"/paragraph/{paragraph.pk}/copies/").status_code == 404


def test_pages_of_a_folded_search_list_each_family_once_with_no_empty_page(
    store: Callable[..., object], client: Client, settings: object
) -> None:
    settings.SEARCH_PAGE_SIZE = 4  # type: ignore[attr-defined]
    words = ["apricot", "barley", "cherry", "damson", "elder", "fig"]
    for day, crop in enumerate(words, start=1):
        text = f"Growers of {crop} in the northern valley reported a harvest {day} times larger than last year, the ministry said."
        store(text, source="Agency", published=dt.date(2024, 5, day), title=f"{crop} A")
        store(text, source="Paper", published=dt.date(2024, 6, day), title=f"{crop} B")
    for sort in ("relevance", "newest", "oldest"):
        seen: list[str] = []
        first = BeautifulSoup(client.get("/", {"q": "harvest", "sort": sort}).content, "html.parser")
        assert "Page 1 of 2" in first.select_one("#pager").get_text()  # twelve articles, six listed
        for page in (1, 2):
            soup = BeautifulSoup(client.get("/", {"q": "harvest", "sort": sort, "page": page}).content, "html.parser")
            seen += [h.select_one(".source").get_text() for h in soup.select("li.hit")]
        assert seen == ["Agency"] * 6, sort  # six families, each by its first publication, over two pages
        third = BeautifulSoup(client.get("/", {"q": "harvest", "sort": sort, "page": 3}).content, "html.parser")
        assert not third.select("li.hit")
