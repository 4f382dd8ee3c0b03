"""Analysis over paragraphs (issue 14): "Mentioned with" (persons in the same paragraphs, AND) and a
person's page, checked against counts from the database."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from bs4 import BeautifulSoup
from django.db.models import Count
from django.http import QueryDict
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from search.models import Mention, Paragraph, Person, PersonRedirect
from search.web import person as person_page
from search.web import results
from search.web.facets import read_params

pytestmark = pytest.mark.django_db


def persons_by_mentions(least: int = 2) -> list[Person]:
    """Persons with at least ``least`` kept paragraphs, most mentioned first."""
    return list(
        Person.objects.filter(not_a_person=False, mentions__paragraph__is_boilerplate=False)
        .annotate(n=Count("mentions__paragraph", distinct=True))
        .filter(n__gte=least)
        .order_by("-n", "slug")
    )


def paragraphs_mentioning(person_ids: list[int], among: set[int] | None = None) -> set[int]:
    """Kept paragraphs that mention every one of ``person_ids``, from the database."""
    found = among
    for pid in person_ids:
        ids = set(Paragraph.objects.filter(is_boilerplate=False, mentions__person_id=pid).values_list("id", flat=True))
        found = ids if found is None else found & ids
    return found or set()


def facet_values(page: results.SearchPage, name: str) -> dict[str, tuple[int, int]]:
    return {v.value: (v.count, v.articles) for v in page.facet_map[name].values}


def articles_of(paragraph_ids: set[int]) -> int:
    return Paragraph.objects.filter(id__in=paragraph_ids).values("article_id").distinct().count()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mentioned_with_counts_equal_a_count_from_the_database(demo_subset: object, data: st.DataObject) -> None:
    persons = persons_by_mentions()
    chosen = data.draw(st.sampled_from(persons[:30]))
    word = data.draw(st.sampled_from(["", "said", "the", "government", "police"]))
    state = {"person": chosen.slug}
    also = data.draw(st.sampled_from([None, *persons[:8]]))
    if also is not None and also != chosen:
        state["with"] = also.slug
    if word:
        state["q"] = word
    params = read_params(state)
    page = results.search(params)
    selected = set(results.paragraph_ids(params))
    with_ids = [chosen.pk] + ([also.pk] if "with" in state and also is not None else [])
    if not word:
        assert selected == paragraphs_mentioning(with_ids)  # the AND of the persons, nothing more
    counted = facet_values(page, "with")
    assert chosen.slug not in counted
    for slug, (paragraphs, articles) in counted.items():
        both = paragraphs_mentioning([Person.objects.get(slug=slug).pk], among=set(selected))
        assert (paragraphs, articles) == (len(both), articles_of(both)), slug


def test_with_narrows_to_paragraphs_that_mention_both_unlike_the_person_facet(client: Client, demo_subset: object) -> None:
    first, *others = persons_by_mentions()
    page = results.search(read_params({"person": first.slug}))
    partner = page.facet_map["with"].values[0]
    second = Person.objects.get(slug=partner.value)
    both = client.get("/", {"person": first.slug, "with": second.slug})
    soup = BeautifulSoup(both.content, "html.parser")
    total = int(soup.select_one("[data-total-paragraphs]")["data-total-paragraphs"])
    assert total == partner.count == len(paragraphs_mentioning([first.pk, second.pk]))
    either = results.search(read_params(QueryDict(f"person={first.slug}&person={second.slug}")))
    assert either.total_paragraphs == len(paragraphs_mentioning([first.pk]) | paragraphs_mentioning([second.pk])) > total
    chips = [chip.get_text(" ", strip=True) for chip in soup.select("a[data-chip]")]
    assert f"with {second.name} ×" in chips
    assert soup.select_one(f"a[data-facet=with][data-value='{second.slug}']")["aria-pressed"] == "true"


def test_with_facet_is_shown_only_once_a_person_is_chosen(client: Client, demo_subset: object) -> None:
    first = persons_by_mentions()[0]
    plain = BeautifulSoup(client.get("/", {"q": "said"}).content, "html.parser")
    assert plain.select_one("#facet-with") is None
    chosen = BeautifulSoup(client.get("/", {"q": "said", "person": first.slug}).content, "html.parser")
    values = chosen.select("#facet-with a[data-facet=with]")
    assert values and all(v["data-value"] and int(v["data-count"]) > 0 for v in values)
    assert first.slug not in {v["data-value"] for v in values}
    # Every person value and chip links to the person's page.
    for value in chosen.select("a[data-facet=person], a[data-facet=with]"):
        assert value.find_next_sibling("a", class_="profile")["href"] == f"/person/{value['data-value']}/"
    assert chosen.select_one("ul.chips a.profile")["href"] == f"/person/{first.slug}/"


def test_a_merged_persons_old_slug_in_with_leads_to_the_survivor(client: Client, demo_subset: object) -> None:
    first, second = persons_by_mentions()[:2]
    PersonRedirect.objects.create(slug="old-name", person=second)
    page = results.search(read_params({"person": first.slug, "with": "old-name"}))
    assert page.params.values("with") == (second.slug,)
    assert any("was merged into" in notice for notice in page.notices)


def test_person_page_answers_how_each_source_covered_them(client: Client, demo_subset: object) -> None:
    person = persons_by_mentions()[0]
    response = client.get(f"/person/{person.slug}/")
    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    mentioning = paragraphs_mentioning([person.pk])
    totals = soup.select_one("#person-totals")
    assert int(totals["data-paragraphs"]) == len(mentioning)
    assert int(totals["data-articles"]) == articles_of(mentioning)
    dates = sorted(
        Paragraph.objects.filter(id__in=mentioning, article__published__isnull=False).values_list("article__published", flat=True)
    )
    assert soup.select_one("[data-first]")["data-first"] == dates[0].isoformat()
    assert soup.select_one("[data-last]")["data-last"] == dates[-1].isoformat()
    forms = {span["data-form"] for span in soup.select("[data-form]")}
    assert forms and forms <= set(Mention.objects.filter(person=person).values_list("text", flat=True))
    # The lanes: all sources first, and each source's lane sums to its paragraphs on the person.
    lanes = soup.select("svg.coverage-chart g.lane")
    assert lanes[0]["data-lane"] == "All sources" and int(lanes[0]["data-total"]) == len(dates)
    for lane in lanes[1:]:
        if lane["data-lane"] != "Other sources":
            dated = Paragraph.objects.filter(id__in=mentioning, article__source__name=lane["data-lane"], article__published__isnull=False)
            assert int(lane["data-total"]) == dated.count()
            assert sum(int(cell["data-count"]) for cell in lane.select(".cell")) == dated.count()
    # Each cell opens those paragraphs in the search.
    cell = lanes[1].select_one("a.cell")
    assert "person=" in cell["href"] and "source=" in cell["href"] and "from=" in cell["href"]
    found = BeautifulSoup(client.get(cell["href"]).content, "html.parser")
    assert int(found.select_one("[data-total-paragraphs]")["data-total-paragraphs"]) == int(cell["data-count"])
    # Mentioned with: each count is the search it links to.
    row = soup.select_one("#mentioned-with tr[data-with]")
    link = row.select("a")[1]["href"]
    assert f"with={row['data-with']}" in link
    linked = BeautifulSoup(client.get(link).content, "html.parser")
    assert linked.select_one("[data-total-paragraphs]")["data-total-paragraphs"] == row["data-count"]
    source = soup.select_one("#top-sources tr[data-source]")
    linked = BeautifulSoup(client.get(source.select_one("a")["href"]).content, "html.parser")
    assert linked.select_one("[data-total-paragraphs]")["data-total-paragraphs"] == source["data-count"]


def test_person_page_by_an_old_slug_redirects_and_non_persons_are_not_found(client: Client, demo_subset: object) -> None:
    first, second = persons_by_mentions()[:2]
    PersonRedirect.objects.create(slug="former-slug", person=first)
    assert client.get("/person/former-slug/").url == f"/person/{first.slug}/"
    assert client.get("/person/nobody-at-all/").status_code == 404
    Person.objects.filter(pk=second.pk).update(not_a_person=True)
    assert client.get(f"/person/{second.slug}/").status_code == 404


def co_mentioned_slugs(person: Person) -> set[str]:
    """From the database: the persons in the same kept paragraphs as ``person``."""
    mentioning = paragraphs_mentioning([person.pk])
    persons = Person.objects.filter(not_a_person=False, mentions__paragraph_id__in=mentioning).exclude(pk=person.pk)
    return set(persons.values_list("slug", flat=True))


def test_person_tables_download_whole_as_csv_and_json(client: Client, demo_subset: object, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(person_page, "TOP_ROWS", 5)  # the page shows five; the download has every one
    person = max(persons_by_mentions()[:15], key=lambda p: len(co_mentioned_slugs(p)))
    mentioning = paragraphs_mentioning([person.pk])
    page = BeautifulSoup(client.get(f"/person/{person.slug}/").content, "html.parser")
    link = page.select_one("#mentioned-with a[href*='with.json']")["href"]
    assert link == f"/export/with.json?person={person.slug}"
    response = client.get(link)
    assert response["Content-Disposition"] == 'attachment; filename="search-with.json"'
    rows = json.loads(response.content)
    assert {r["slug"] for r in rows} == co_mentioned_slugs(person)
    assert len(rows) > len(page.select("#mentioned-with tr[data-with]")) == 5
    for row in rows:
        both = paragraphs_mentioning([Person.objects.get(slug=row["slug"]).pk], among=mentioning)
        assert (row["paragraphs"], row["articles"]) == (len(both), articles_of(both))
    text = client.get(page.select_one("#coverage a[href*='coverage.csv']")["href"]).content.decode("utf-8-sig")
    coverage = list(csv.DictReader(io.StringIO(text)))
    dated = Paragraph.objects.filter(id__in=mentioning, article__published__isnull=False)
    by_cell: dict[tuple[str, str], int] = {}
    for published, source in dated.values_list("article__published", "article__source__name"):
        key = (published.strftime("%Y-%m"), source)
        by_cell[key] = by_cell.get(key, 0) + 1
    assert {(r["month"], r["source"]): int(r["paragraphs"]) for r in coverage} == by_cell


def test_a_searchs_tables_follow_its_query_and_filters(client: Client, demo_subset: object) -> None:
    person = persons_by_mentions()[0]
    state = {"q": "said", "person": person.slug}
    selected = set(results.paragraph_ids(read_params(state)))
    soup = BeautifulSoup(client.get("/", state).content, "html.parser")
    facet_link = soup.select_one("#facet-with .facet-export a[href*='with.csv']")["href"]
    text = client.get(facet_link).content.decode("utf-8-sig")
    rows = {r["slug"]: int(r["paragraphs"]) for r in csv.DictReader(io.StringIO(text))}
    shown = {a["data-value"]: int(a["data-count"]) for a in soup.select("#facet-with a[data-facet=with]")}
    assert shown.items() <= rows.items()  # the facet's top ten are the table's first rows, same counts
    coverage = json.loads(client.get(soup.select_one("a[data-table=coverage]")["href"].replace(".csv", ".json")).content)
    assert sum(r["paragraphs"] for r in coverage) == Paragraph.objects.filter(id__in=selected, article__published__isnull=False).count()
    refused = client.get("/export/with.csv", {"q": "*"})
    assert refused.status_code == 400 and refused["Content-Type"].startswith("text/plain")
    assert client.get("/export/other.csv").status_code == 404


def month_counts(paragraph_ids: set[int]) -> dict[str, int]:
    counts: dict[str, int] = {}
    dated = Paragraph.objects.filter(id__in=paragraph_ids, article__published__isnull=False)
    for published in dated.values_list("article__published", flat=True):
        counts[published.strftime("%b %Y")] = counts.get(published.strftime("%b %Y"), 0) + 1
    return counts


def test_compared_queries_share_one_axis_and_each_point_is_its_search(client: Client, demo_subset: object) -> None:
    response = client.get("/compare/", {"q": ["police", "government", "police"]})
    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    series = soup.select("svg.compare-chart g.series")
    assert [s["data-query"] for s in series] == ["police", "government"]  # the repeated query once
    for line in series:
        selected = set(results.paragraph_ids(read_params({"q": line["data-query"]})))
        assert int(line["data-total"]) == len(selected)
        by_month = month_counts(selected)
        points = {a.select_one("title").get_text().split(", ", 1)[1].split(":")[0]: int(a["data-count"]) for a in line.select("a")}
        assert points == by_month
        point = line.select_one("a")
        found = BeautifulSoup(client.get(point["href"]).content, "html.parser")
        assert found.select_one("[data-total-paragraphs]")["data-total-paragraphs"] == point["data-count"]
    rows = soup.select("#compare-table tbody tr")
    assert len(rows) == len(series[0].select("path.line")[0]["d"].split("L"))  # every period of the span, empty ones too
    assert [i["value"] for i in soup.select("input[name=q]")] == ["police", "government", "", ""]


def test_compared_queries_per_volume_divide_by_the_archives_own_paragraphs(client: Client, demo_subset: object) -> None:
    soup = BeautifulSoup(client.get("/compare/", {"q": ["police", "said"], "per": "volume"}).content, "html.parser")
    assert soup.select_one("figure.compare")["data-per-volume"] == "true"
    everything = month_counts(set(Paragraph.objects.filter(is_boilerplate=False).values_list("id", flat=True)))
    for point in soup.select("svg.compare-chart g.series a"):
        month = point.select_one("title").get_text().split(", ", 1)[1].split(":")[0]
        assert float(point["data-value"]) == pytest.approx(int(point["data-count"]) * 10_000 / everything[month], abs=0.01)
    assert "per=volume" not in soup.select_one("a[data-switch]")["href"]


def test_compare_keeps_filters_refuses_bad_queries_on_the_page_and_caps_at_four(client: Client, demo_subset: object) -> None:
    person = persons_by_mentions()[0]
    response = client.get("/compare/", {"q": ["said", "*", "police", "government", "people", "time"], "person": person.slug})
    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.select_one("[data-query-error='*']") is not None
    assert any("At most 4" in n.get_text() for n in soup.select(".notice"))
    said = soup.select_one("g.series[data-query=said]")
    assert int(said["data-total"]) == len(set(results.paragraph_ids(read_params({"q": "said", "person": person.slug}))))
    assert soup.select_one("input[type=hidden][name=person]")["value"] == person.slug
    assert client.get("/compare/").status_code == 200
    search = BeautifulSoup(client.get("/", {"q": "police"}).content, "html.parser")
    assert search.select_one("a.compare-link")["href"] == "/compare/?q=police"


def test_person_page_with_a_source_whose_paragraphs_on_them_are_all_undated(client: Client, store: object) -> None:
    text = "Quinton Marlowe said the budget would pass. Quinton Marlowe told reporters he was sure of it."
    store(text, source="Dated Daily", published=dt.date(2024, 1, 5), title="One")  # type: ignore[operator]
    for n in range(3):
        store(text + f" Undated copy {n} adds words of its own here.", source="Undated Weekly", title=f"U{n}")  # type: ignore[operator]
    person = Person.objects.get(name="Quinton Marlowe")
    soup = BeautifulSoup(client.get(f"/person/{person.slug}/").content, "html.parser")
    assert [lane["data-lane"] for lane in soup.select("svg.coverage-chart g.lane")] == ["All sources", "Dated Daily"]
    assert soup.select_one("#top-sources tr[data-source='undated-weekly']") is not None


def test_person_page_counts_name_forms_in_kept_paragraphs_only(client: Client, store: object) -> None:
    store("Quinton Marlowe said the budget would pass. Marlowe told reporters he was sure.", source="Daily", title="One")  # type: ignore[operator]
    store("Quinton Marlowe spoke again.\n\nRead more about Quinton Marlowe here.", source="Daily", title="Two")  # type: ignore[operator]
    person = Person.objects.get(name="Quinton Marlowe")
    Paragraph.objects.filter(text__startswith="Read more").update(is_boilerplate=True)  # set aside: never counted
    soup = BeautifulSoup(client.get(f"/person/{person.slug}/").content, "html.parser")
    forms = {span["data-form"]: int(span["data-mentions"]) for span in soup.select("[data-form]")}
    kept = Mention.objects.filter(person=person, paragraph__is_boilerplate=False)
    assert forms == {text: kept.filter(text=text).count() for text in kept.values_list("text", flat=True)}
    assert forms["Quinton Marlowe"] == 2
