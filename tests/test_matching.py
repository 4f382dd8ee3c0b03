"""search.matching computes with numpy what Whoosh computes one document at a time: for every query
shape it handles, the same documents and the same top ranking with the same scores as Whoosh."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from whoosh import formats
from whoosh import query as wq

from search.engine import _whoosh as internals
from search.engine import docvalues, index, matching, parse
from search.engine import search as engine_search
from search.models import Article, Paragraph
from search.web import results as query

pytestmark = pytest.mark.django_db

QUERIES = [
    "said",
    "government minister",
    "police OR court",
    "people -government",
    "people NOT government",
    '"prime minister"',
    '"prime minister" said',
    '"the president of"',
    '"one of the most"',
    '"of the"~2 -said',
    '"minister said"~4',
    "elect*",
    "goverment~",
    "said date:[2000 to 2007]",
    "title:election",
    "(police OR court) AND said",
    "+water people",
]


@pytest.fixture
def several_segments(demo_subset: Path) -> None:
    """The demo subset, plus deletions in a segment: one article removed after indexing."""
    Article.objects.order_by("pk").first().delete()  # queues its removal from the index (search.signals)
    index.apply_pending()
    assert docvalues.current_searcher().reader().has_deletions()


def _whoosh(parsed: wq.Query, searcher: object) -> tuple[np.ndarray, list[tuple[int, float]]]:
    docs = np.array(sorted(searcher.docs_for_query(parsed)), dtype=np.int64)  # type: ignore[attr-defined]
    top = [(hit.docnum, round(hit.score, 6)) for hit in searcher.search(parsed, limit=10)]  # type: ignore[attr-defined]
    return docs, top


@pytest.fixture
def cache_everything(monkeypatch: pytest.MonkeyPatch) -> matching.PostingsCache:
    """The postings cache keeps every list, however short (the demo's lists are all short)."""
    cache = matching.PostingsCache(max_bytes=2**30)
    cache.MIN_POSTINGS = 0
    monkeypatch.setattr(matching, "postings_cache", cache)
    return cache


@pytest.mark.parametrize("text", QUERIES)
def test_numpy_matching_equals_whoosh(several_segments: None, cache_everything: matching.PostingsCache, text: str) -> None:
    searcher = docvalues.current_searcher()
    values = docvalues.doc_values(searcher)
    parsed = parse.parse_query(text, searcher, query.LOOKUPS).query
    docs, top = _whoosh(parsed, searcher)
    for attempt in ("decoded", "from the postings cache"):
        found = matching.evaluate(parsed, searcher, values.live, values.day)
        assert np.array_equal(found.docs, docs), (text, attempt)
        order = np.lexsort((found.docs, -found.scores))[:10]
        assert [(int(found.docs[i]), round(float(found.scores[i]), 6)) for i in order] == top, (text, attempt)
    assert docs.size > 0 or text.startswith("said date")  # each shape is exercised on real matches
    assert cache_everything.hits > 0, text


def test_postings_cache_stays_within_its_budget_dropping_the_least_recently_used() -> None:
    def entry(n: int) -> matching.Postings:
        return matching.Postings(np.zeros(n, np.int32), np.zeros(n, np.float32))  # 8 bytes a posting

    cache = matching.PostingsCache(max_bytes=8 * 250)
    keys = [("folder", "segment", "text", word) for word in (b"a", b"b", b"c", b"d")]
    cache._keep(keys[0], entry(100))
    cache._keep(keys[1], entry(100))
    assert cache.size_bytes == 8 * 200
    cache._entries.move_to_end(keys[0])  # "a" read again: "b" is now the least recently used
    cache._keep(keys[2], entry(100))
    assert list(cache._entries) == [keys[0], keys[2]] and cache.size_bytes == 8 * 200
    cache._keep(keys[3], entry(300))  # larger than the whole budget: not kept, nothing dropped
    assert list(cache._entries) == [keys[0], keys[2]]


def test_postings_cache_can_be_turned_off(several_segments: None) -> None:
    searcher = docvalues.current_searcher()
    reader, _ = next((r, o) for r, o in searcher.reader().leaf_readers() if r.doc_count_all())
    cache = matching.PostingsCache(max_bytes=0)
    cache.MIN_POSTINGS = 0
    cache.postings(reader, "text", b"said", searcher.schema["text"].format)
    cache.postings(reader, "text", b"said", searcher.schema["text"].format)
    assert cache.hits == 0 and cache.size_bytes == 0


def test_person_and_source_queries_equal_whoosh(several_segments: None) -> None:
    searcher = docvalues.current_searcher()
    values = docvalues.doc_values(searcher)
    paragraph = Paragraph.objects.filter(is_boilerplate=False, mentions__isnull=False).first()
    for parsed in (wq.Term("person", str(paragraph.mentions.first().person_id)), wq.Term("source", paragraph.article.source_id or 0)):
        found = matching.evaluate(parsed, searcher, values.live, values.day)
        docs, _ = _whoosh(parsed, searcher)
        assert docs.size and np.array_equal(found.docs, docs), parsed


def test_or_with_a_minimum_match_keeps_documents_with_enough_words(several_segments: None) -> None:
    """ "More like this" needs 3 of its 12 words in a paragraph; Whoosh's Or leaves ``minmatch``
    unimplemented (its docstring says so) and returns every paragraph with any one of them."""
    searcher = docvalues.current_searcher()
    values = docvalues.doc_values(searcher)
    words = ["said", "government", "minister", "police", "court", "people"]
    found = matching.evaluate(
        wq.Or([wq.Term("text", index.schema.ANALYZER(w).__next__().text) for w in words], minmatch=3), searcher, values.live, values.day
    )
    hits: dict[int, int] = {}
    for word in words:
        for docnum in searcher.docs_for_query(parse.parse_query(word, searcher, query.LOOKUPS).query):
            hits[docnum] = hits.get(docnum, 0) + 1
    expected = sorted(d for d, n in hits.items() if n >= 3)
    assert expected and found.docs.tolist() == expected
    assert len(hits) > len(expected)  # the minimum does remove paragraphs


def test_unsupported_shapes_fall_back_to_whoosh(several_segments: None) -> None:
    searcher = docvalues.current_searcher()
    values = docvalues.doc_values(searcher)
    with pytest.raises(matching.Unsupported):
        matching.evaluate(wq.Every(), searcher, values.live, values.day)
    assert engine_search._matching(wq.Every(), searcher, values)[1] is None  # docnums from Whoosh, no scores


def test_search_pages_rank_as_whoosh_does(several_segments: None) -> None:
    """The page's order comes from the numpy scores; it is the order Whoosh's own search gives."""
    searcher = docvalues.current_searcher()
    page = query.search(query.SearchParams(q="said"), page_size=5)
    values = docvalues.doc_values(searcher)
    best: dict[int, int] = {}
    for hit in searcher.search(parse.parse_query("said", searcher, query.LOOKUPS).query, limit=None):
        best.setdefault(int(values.article[hit.docnum]), hit.docnum)
    expected = [int(searcher.stored_fields(d)["pid"]) for d in list(best.values())[:5]]
    assert [g.hit.paragraph_id for g in page.groups] == expected


def test_sorted_list_operations_equal_numpy_set_operations() -> None:
    rng = np.random.default_rng(7)
    for size_a, size_b in [(0, 5), (5, 0), (3, 1000), (1000, 3), (500, 600), (1, 1)]:
        a = np.unique(rng.integers(0, 2000, size_a)).astype(np.int64)
        b = np.unique(rng.integers(0, 2000, size_b)).astype(np.int64)
        scored_a, scored_b = matching.Matched(a, a * 1.0), matching.Matched(b, b * 10.0)
        both = matching._intersect(scored_a, scored_b)
        assert both.docs.tolist() == np.intersect1d(a, b).tolist()
        assert both.scores.tolist() == (both.docs * 11.0).tolist()
        assert matching._minus(scored_a, b).docs.tolist() == np.setdiff1d(a, b).tolist()
        optional = matching._plus_optional(scored_a, scored_b)
        assert optional.docs.tolist() == a.tolist()
        assert optional.scores.tolist() == [d * (11.0 if d in set(b.tolist()) else 1.0) for d in a.tolist()]


def test_positions_decoded_in_one_unpickling_equal_whooshs_decoding() -> None:
    fmt = formats.Positions()
    rng = np.random.default_rng(5)
    lists = [sorted(set(rng.integers(0, 5000, n).tolist())) for n in (1, 2, 3, 17, 300, 1500)]  # 1500: batched APPENDS
    values = [fmt.encode(positions) for positions in lists]
    values[1] = values[1].removesuffix(b".")  # the STOP opcode may be stripped
    lengths, flat = internals.decode_positions(values, fmt)
    assert lengths.tolist() == [len(p) for p in lists]
    assert flat.tolist() == [p for v in values for p in fmt.decode_positions(v)]


def test_a_word_cached_without_positions_gets_them_for_a_phrase(several_segments: None, cache_everything: matching.PostingsCache) -> None:
    searcher = docvalues.current_searcher()
    values = docvalues.doc_values(searcher)
    matching.evaluate(parse.parse_query("minister", searcher, query.LOOKUPS).query, searcher, values.live, values.day)
    kept = cache_everything.size_bytes
    parsed = parse.parse_query('"prime minister"', searcher, query.LOOKUPS).query
    found = matching.evaluate(parsed, searcher, values.live, values.day)
    assert np.array_equal(found.docs, _whoosh(parsed, searcher)[0]) and found.docs.size
    assert cache_everything.size_bytes > kept  # "minister" now kept with its positions
