from __future__ import annotations

import datetime as dt
import html
import random
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from django.http import QueryDict
from django.test import Client

from search.engine import docvalues, highlight, index
from search.engine import search as engine_search
from search.models import Alias, Mention, Paragraph, Person
from search.web import facets
from search.web import results as query

pytestmark = pytest.mark.django_db


def params(qs: str) -> query.SearchParams:
    return facets.read_params(QueryDict(qs))


def test_params_from_querydict_drop_malformed_with_notices() -> None:
    p = params("q=%20budget%20%20cuts&person=a&person=a&from=2019-13&to=2020&sort=sideways&page=zero&bogus=1")
    assert (p.q, p.values("person"), p.value("from"), p.value("to"), p.sort, p.page) == ("budget cuts", ("a",), "", "2020", "", 1)
    assert len(p.notices) == 3


def test_querystring_round_trips_and_drops_page() -> None:
    p = params("q=a+b&person=x&source=y&from=2019&to=2019-06&sort=newest&page=3")
    assert p.querystring() == "?q=a+b&person=x&source=y&from=2019&to=2019-06&sort=newest"
    filters = (
        ("person", ("x",)),
        ("with", ()),
        ("speaker", ()),
        ("source", ("y",)),
        ("from", ("2019",)),
        ("to", ("2019-06",)),
        ("undated", ()),
    )
    assert params(p.querystring(page=2)[1:]) == query.SearchParams(q="a b", filters=filters, sort="newest", page=2)


def test_search_highlights_stemmed_matches(seed_article: None) -> None:
    page = query.search(params("q=Lukashenko"))
    assert (page.total_paragraphs, page.total_articles) == (4, 1)
    assert all("<mark" in hit.snippet for hit in page.hits)
    assert page.hits[0].source == "The Times of Israel"
    assert query.search(params("q=confirms")).total_paragraphs == 1  # stemmed: "confirmed"


def test_boilerplate_never_matches(seed_article: None) -> None:
    assert query.search(params("q=Horovitz")).total_paragraphs == 0
    assert query.search(params("q=Netflix")).total_paragraphs == 0


def test_snippets_escape_html(store: Callable[..., object]) -> None:
    store('Officials said <script>alert(1)</script> and <img src=x onerror="alert(2)"> the budget rose.')
    hit = query.search(params("q=script")).hits[0]
    assert "<script>" not in hit.snippet and "<img" not in hit.snippet
    assert "&lt;<mark" in hit.snippet
    browse_hit = query.search(params("")).hits[0]
    assert "<script>" not in browse_hit.snippet


def test_phrases_and_exclusions(store: Callable[..., object]) -> None:
    store("Climate change is accelerating.\n\nThe climate of change at the ministry.\n\nChange the climate policy now.")
    assert query.search(params('q="climate change"')).total_paragraphs == 1
    assert query.search(params("q=climate -ministry")).total_paragraphs == 2
    assert query.search(params("q=climate OR ministry")).total_paragraphs == 3


def test_accents_are_folded(store: Callable[..., object]) -> None:
    store("Le café de Flore reopened.")
    assert query.search(params("q=cafe")).total_paragraphs == 1


def test_browse_mode_lists_everything_newest_first(store: Callable[..., object]) -> None:
    store("Old story.", published=dt.date(2001, 1, 1))
    store("New story.", published=dt.date(2021, 1, 1))
    store("No date story.")
    page = query.search(params(""))
    assert page.total_paragraphs == 3
    assert [h.published for h in page.hits] == ["2021-01-01", "2001-01-01", ""]
    assert [h.published for h in query.search(params("sort=oldest")).hits][:2] == ["", "2001-01-01"]


def test_source_and_date_facets_are_multi_select(store: Callable[..., object]) -> None:
    store("Rain in the north.", source="Alpha", published=dt.date(2019, 5, 1))
    store("Rain in the south.", source="Beta", published=dt.date(2020, 5, 1))
    store("Rain in the east.", source="Beta", published=dt.date(2020, 6, 1))
    store("Rain, undated.", source="Gamma")
    page = query.search(params("q=rain&source=beta"))
    assert page.total_paragraphs == 2
    source = page.facet_map["source"]
    # The source facet ignores its own filter, so other sources stay visible with their counts.
    assert [(v.value, v.count, v.selected) for v in source.values] == [("beta", 2, True), ("alpha", 1, False), ("gamma", 1, False)]
    assert source.values[0].toggle_url == "?q=rain"
    assert source.values[1].toggle_url == "?q=rain&source=beta&source=alpha"
    dates = page.facet_map["date"]
    assert [(v.value, v.count) for v in dates.values] == [("2020-05", 1), ("2020-06", 1)]
    assert query.search(params("q=rain&source=beta&source=alpha")).total_paragraphs == 3


def test_date_histogram_drills_down_and_counts_undated(store: Callable[..., object]) -> None:
    for day in (dt.date(2016, 1, 5), dt.date(2019, 3, 1), dt.date(2019, 3, 9), dt.date(2019, 7, 1), None):
        store("Floods again.", published=day)
    years = query.search(params("q=floods")).facet_map["date"]
    assert years.granularity == "year"
    assert [(v.value, v.count) for v in years.values] == [("2016", 1), ("2019", 3), ("undated", 1)]
    months = query.search(params("q=floods&from=2019&to=2019")).facet_map["date"]
    assert (months.granularity, [(v.value, v.count) for v in months.values]) == ("month", [("2019-03", 2), ("2019-07", 1)])
    days = query.search(params("q=floods&from=2019-03&to=2019-03")).facet_map["date"]
    assert [(v.value, v.count) for v in days.values] == [("2019-03-01", 1), ("2019-03-09", 1)]
    assert query.search(params("q=floods&undated=1")).total_paragraphs == 1


def test_person_filter_and_counts(store: Callable[..., object]) -> None:
    store("Chancellor Angela Merkel met President Emmanuel Macron in Berlin.\n\nMerkel spoke first.\n\nNobody else spoke.", source="S")
    assert set(Person.objects.values_list("name", flat=True)) == {"Angela Merkel", "Emmanuel Macron"}
    page = query.search(params(""))
    assert [(v.label, v.count) for v in page.facet_map["person"].values] == [("Angela Merkel", 2), ("Emmanuel Macron", 1)]
    filtered = query.search(params("person=emmanuel-macron"))
    assert filtered.total_paragraphs == 1
    person_facet = [(v.label, v.count, v.selected) for v in filtered.facet_map["person"].values]
    assert person_facet == [("Angela Merkel", 2, False), ("Emmanuel Macron", 1, True)]
    both = query.search(params("person=emmanuel-macron&person=angela-merkel"))
    assert both.total_paragraphs == 2
    assert [c.label for c in both.chips] == ["Emmanuel Macron", "Angela Merkel"]


def _brute_force(word: str, *, year: int | None = None) -> list[Paragraph]:
    """Kept paragraphs whose analysed text contains the word's term: computed from the database alone."""
    (term,) = [t.text for t in index.schema.ANALYZER(word)]
    kept = Paragraph.objects.filter(is_boilerplate=False).select_related("article")
    return [
        p
        for p in kept
        if term in {t.text for t in index.schema.ANALYZER(p.text)}
        and (year is None or (p.article.published and p.article.published.year == year))
    ]


def test_facet_counts_equal_a_brute_force_count(demo_subset: Path) -> None:
    rng = random.Random(7)
    words = ["said", "president", "government", "people", "police", "water", "election", "minister", "war", "court"]
    for word in rng.sample(words, 5):
        expected = _brute_force(word)
        page = query.search(params(f"q={word}"))
        assert page.total_paragraphs == len(expected)
        assert page.total_articles == len({p.article_id for p in expected})
        years: dict[str, int] = {}
        for p in expected:
            key = str(p.article.published.year) if p.article.published else "undated"
            years[key] = years.get(key, 0) + 1
        dates = page.facet_map["date"]
        if dates.granularity == "year":
            assert {v.value: v.count for v in dates.values} == years
        mentions = Mention.objects.filter(paragraph__in=expected).values_list("person__slug", "paragraph_id").order_by().distinct()
        persons: dict[str, int] = {}
        for slug, _ in mentions:
            persons[slug] = persons.get(slug, 0) + 1
        for value in page.facet_map["person"].values:
            assert value.count == persons[value.value]
        if persons:
            slug = rng.choice(sorted(persons))
            narrowed = query.search(params(f"q={word}&person={slug}"))
            assert narrowed.total_paragraphs == persons[slug]
        year = rng.choice(sorted(k for k in years if k != "undated"))
        assert query.search(params(f"q={word}&from={year}&to={year}")).total_paragraphs == len(_brute_force(word, year=int(year)))


def test_paging_over_articles_grouped(store: Callable[..., object]) -> None:
    for i in range(45):
        store(
            f"Article {i} about rivers.\n\nMore about rivers here.\n\nNothing else.", published=dt.date(2020, 1, 1) + dt.timedelta(days=i)
        )
    first = query.search(params("q=rivers"), page_size=20)
    assert (first.total_paragraphs, first.total_articles) == (90, 45)
    assert (first.page_count, len(first.groups), first.next_url) == (3, 20, "?q=rivers&page=2")
    assert first.append_url == "?q=rivers&page=2&append=1"
    assert all(group.more == 1 for group in first.groups)
    third = query.search(params("q=rivers&page=3"), page_size=20)
    assert len(third.groups) == 5 and third.previous_url == "?q=rivers&page=2"
    for sort in ("relevance", "newest", "oldest"):
        seen = [g.hit.article_id for p in (1, 2, 3) for g in query.search(params(f"q=rivers&page={p}&sort={sort}"), page_size=20).groups]
        assert len(seen) == len(set(seen)) == 45
    newest = query.search(params("q=rivers&sort=newest"), page_size=20)
    assert [g.hit.published for g in newest.groups][:2] == ["2020-02-14", "2020-02-13"]
    assert all(g.hit.position == 0 for g in newest.groups)  # the article's first match represents it
    assert query.search(params("q=rivers&page=9"), page_size=20).groups == ()


def test_article_matches_and_export_order(store: Callable[..., object]) -> None:
    store("Rivers rose.\n\nDry day.\n\nRivers fell again.", published=dt.date(2020, 1, 1))
    article_id = Paragraph.objects.first().article_id
    hits, _ = query.article_matches(article_id, params("q=rivers"))
    assert [h.position for h in hits] == [0, 2]
    assert len(list(query.paragraph_ids(params("q=rivers")))) == 2


def test_unknown_facet_values_give_notices(store: Callable[..., object]) -> None:
    store("Anything at all.")
    page = query.search(params("person=nobody&source=nowhere"))
    assert page.total_paragraphs == 1
    assert sorted(page.notices) == ["Unknown person “nobody” ignored.", "Unknown source “nowhere” ignored."]


def test_person_and_source_fields(seed_article: None, store: Callable[..., object]) -> None:
    store("Vladimir Putin visited a factory.", source="Other")
    assert query.search(params("q=person:putin")).total_paragraphs == 5
    assert query.search(params("q=person:putin source:times")).total_paragraphs == 4
    assert query.search(params('q=person:"vladimir putin" factory')).total_paragraphs == 1
    nobody = query.search(params("q=person:nobody"))
    assert nobody.total_paragraphs == 0 and "No person matches “nobody”." in nobody.notices


def test_date_ranges_in_the_query(store: Callable[..., object]) -> None:
    for day in (dt.date(2019, 1, 5), dt.date(2020, 3, 31), dt.date(2020, 4, 1)):
        store("Storm warning issued.", published=day)
    assert query.search(params("q=storm date:[2019 to 2020-03]")).total_paragraphs == 2
    assert query.search(params("q=storm date:2020")).total_paragraphs == 2
    assert query.search(params("q=date:[2020-04 to *]")).total_paragraphs == 1
    bad = query.search(params("q=storm date:[2019 to spring]"))
    assert "“spring” is not a date" in bad.error and bad.total_paragraphs == 0


def test_expensive_expansions_are_refused_with_a_message(store: Callable[..., object]) -> None:
    store(" ".join(f"abc{chr(97 + i // 26)}{chr(97 + i % 26)}" for i in range(60)) + ".\n\nLukashenko spoke.")
    assert query.search(params("q=Lukash*")).total_paragraphs == 1
    short = query.search(params("q=lu*"))
    assert "at least 3 letters" in short.error
    leading = query.search(params("q=*shenko"))
    assert "at least 3 letters" in leading.error
    many = query.search(params("q=abc*"))
    assert re.search(r"“abc\*” matches 5\d different words \(at most 50\): add letters", many.error)


def test_fuzzy_words_are_bounded(store: Callable[..., object]) -> None:
    store("Lukashenko spoke.\n\nThe government resigned.")
    assert query.search(params("q=Lukashenkp~")).total_paragraphs == 1
    # the typed word against the words as written, then their stems: Whoosh's own fuzzy term
    # compared the stem "gover" with unstemmed words and found nothing
    assert query.search(params("q=goverment~")).total_paragraphs == 1
    capped = query.search(params("q=Lukashenkp~3"))
    assert capped.total_paragraphs == 1 and any("one typo at most" in n for n in capped.notices)


def test_alias_finds_every_name_of_a_person(store: Callable[..., object]) -> None:
    store("Prime Minister Benjamin Netanyahu met the cabinet.\n\nNetanyahu then left.")
    Alias.objects.create(person=Person.objects.get(name="Benjamin Netanyahu"), name="Bibi")
    store("Supporters chanted Bibi outside.")
    page = query.search(params("q=Bibi"))
    assert page.total_paragraphs == 3
    assert "“Bibi” also finds paragraphs that mention Benjamin Netanyahu under another name." in page.notices


def test_did_you_mean(seed_article: None) -> None:
    page = query.search(params("q=Prigozhyn&verbatim=1"))
    assert page.total_paragraphs == 0
    assert (page.suggestion, page.suggestion_url) == ("Prigozhin", "?q=Prigozhin&verbatim=1")
    assert query.search(params("q=Prigozhin")).suggestion == ""


@pytest.mark.parametrize("text", ['((("', ")))", '"unclosed phrase', "AND OR NOT", "title:", "person:", "~~~", "\x00", "date:[", "a" * 500])
def test_odd_queries_never_fail(seed_article: None, text: str) -> None:
    page = query.search(query.SearchParams(q=text))
    assert page.total_paragraphs >= 0


def test_more_like_this(store: Callable[..., object]) -> None:
    store("Wildfires burned across the dry hills of California as firefighters battled strong winds overnight.")
    store("Firefighters in California battled wildfires driven by strong winds across dry hills.")
    store("The central bank raised interest rates to slow inflation.")
    source = Paragraph.objects.get(text__startswith="Wildfires")
    page = query.search(params(f"q=like:{source.pk}"))
    assert [h.paragraph_id for h in page.hits] == [Paragraph.objects.get(text__startswith="Firefighters").pk]
    assert any(n.startswith("Paragraphs like") for n in page.notices)
    assert "No paragraph 999999" in query.search(params("q=like:999999")).notices[0]


def test_paging_on_reuses_the_ranking(store: Callable[..., object]) -> None:
    for n in range(30):
        store(f"The harbour board met for the {n}th time about the harbour and the harbour wall.", url=f"https://e.org/h{n}")
    first = query.search(query.SearchParams(q="harbour"), page_size=5)
    pages = [query.search(query.SearchParams(q="harbour", page=p), page_size=5) for p in range(1, 7)]
    ids = [g.hit.article_id for page in pages for g in page.groups]
    assert len(ids) == 30 and len(set(ids)) == 30  # every article once, in one order across pages
    assert [g.hit.article_id for g in first.groups] == ids[:5]
    (ranking,) = engine_search._rankings(docvalues.current_searcher()).values()
    assert len(ranking.best) >= 30


def test_browse_counts_over_the_whole_index_follow_changes(demo_subset: Path) -> None:
    """Browse-mode counts are kept per index state (search.engine.docvalues.DocValues.over): they must equal the
    database before and after a change."""

    def expected() -> tuple[int, dict[str, int], dict[str, int]]:
        kept = Paragraph.objects.filter(is_boilerplate=False)
        by_source: dict[str, int] = {}
        for slug in kept.values_list("article__source__slug", flat=True):
            if slug:
                by_source[slug] = by_source.get(slug, 0) + 1
        by_person: dict[str, int] = {}
        for slug, _ in Mention.objects.filter(paragraph__in=kept).values_list("person__slug", "paragraph_id").order_by().distinct():
            by_person[slug] = by_person.get(slug, 0) + 1
        return kept.count(), by_source, by_person

    for _ in range(2):
        total, by_source, by_person = expected()
        for _ in range(2):  # the second time from what was kept
            page = query.search(params(""))
            assert page.total_paragraphs == total
            assert {v.value: v.count for v in page.facet_map["source"].values} == {
                k: n for k, n in by_source.items() if k in {v.value for v in page.facet_map["source"].values}
            }
            assert {v.value: v.count for v in page.facet_map["person"].values} == {
                v.value: by_person.get(v.value) for v in page.facet_map["person"].values
            }
        article = Paragraph.objects.filter(is_boilerplate=False, mentions__isnull=False).first().article
        article.delete()  # queues its removal from the index (search.signals)
        index.apply_pending()


def test_did_you_mean_weighs_how_often_each_word_occurs(store: Callable[..., object]) -> None:
    store("Immigration reform stalled. Immigration officials said so.\n\nA monk's immolation was reported.")
    store("Immigration was debated again.\n\nThe government met. The government fell.")
    store("Putin met the press. Vladimir Putin spoke.\n\nThey put it off.\n\nWe put it away.\n\nPut it there.")
    store("The government said the climate is changing.\n\nClimate change again. Climate change.\n\nThe goverment erred once.")
    store("\n\n".join(f"The government met on day {day}." for day in range(1, 25)))
    # one edit away and common beats two edits away ("immigation" was corrected to "immolation")
    assert query.search(params("q=immigation&verbatim=1")).suggestion == "immigration"
    # a capitalised word is likelier a name: Putn is Putin, putn is put
    assert query.search(params("q=Putn&verbatim=1")).suggestion == "Putin"
    assert query.search(params("q=putn&verbatim=1")).suggestion == "put"
    # a word the archive has once is corrected to one it has many times; every word of the query is looked at
    assert query.search(params("q=goverment")).suggestion == "government"
    assert query.search(params("q=climte chnge&verbatim=1")).suggestion == "climate change"


def test_a_query_that_finds_nothing_shows_its_correction_at_once(client: Client, store: Callable[..., object]) -> None:
    store("Immigration reform stalled.\n\nImmigration was debated.")
    page = query.search(params("q=immigation"))
    assert (page.params.q, page.corrected_from, page.total_paragraphs) == ("immigration", "immigation", 2)
    assert page.verbatim_url == "?q=immigation&verbatim=1"
    as_typed = query.search(params("q=immigation&verbatim=1"))
    assert (as_typed.total_paragraphs, as_typed.corrected_from, as_typed.suggestion) == (0, "", "immigration")
    html = client.get("/?q=immigation").content.decode()
    assert 'data-corrected-from="immigation"' in html and "Showing results for" in html
    assert 'href="?q=immigation&amp;verbatim=1"' in html


def test_snippets_are_whole_paragraphs_or_whole_sentences_set_apart(store: Callable[..., object]) -> None:
    short = "Asked about the shortlist, he said he would in fact pick a woman, saying: “I will.”"
    filler = " ".join(f"Delegates from district {n} arrived late and were seated at the back." for n in range(12))
    long = f'He began by saying "I am honoured to be here." {filler} Later he said he would in fact pick a woman.'
    store(f"{short}\n\n{long}")
    article_id = Paragraph.objects.get(position=0).article_id
    hits = {hit.position: hit.snippet for hit in query.article_matches(article_id, params("q=saying woman"))[0]}
    tags = r'</?mark>|<span class="quoted">|</span>'  # marked words, quoted words
    assert re.sub(tags, "", hits[0]) == html.escape(short)  # a short paragraph whole
    assert '<span class="quoted">“I will.”</span>' in hits[0]
    pieces = [re.sub(tags, "", p).strip() for p in hits[1].split(highlight.GAP)]
    # the first and last sentences, whole, and between them a mark that text is left out
    assert [html.unescape(p) for p in pieces] == [
        'He began by saying "I am honoured to be here."',
        "Later he said he would in fact pick a woman.",
    ]


def test_an_alias_of_several_words_expands_unquoted(store: Callable[..., object]) -> None:
    store("Prime Minister Benjamin Netanyahu met the cabinet.")
    Alias.objects.create(person=Person.objects.get(name="Benjamin Netanyahu"), name="Bibi Netanyahu")
    store("Crowds chanted for Bibi Netanyahu outside.")
    for typed in ("Bibi Netanyahu", "bibi netanyahu", '"Bibi Netanyahu"'):
        page = query.search(params("q=" + typed.replace(" ", "+")))
        assert page.total_paragraphs == 2, typed
        assert "“" + typed.strip('"') + "” also finds paragraphs that mention Benjamin Netanyahu under another name." in page.notices
    assert query.search(params("q=Bibi+Netanyahu+cabinet")).total_paragraphs == 1  # the other words still count
    assert query.search(params("q=Bibi+-Netanyahu")).total_paragraphs == 0  # not a run of plain words
