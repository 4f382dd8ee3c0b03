"""search.matching computes with numpy what Whoosh computes one document at a time: for every query
shape it handles, the same documents and the same top ranking with the same scores as Whoosh."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from whoosh import query as wq

from search import index, matching, query
from search.models import Article, Paragraph

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
    article = Article.objects.order_by("pk").first()
    article_id = article.pk
    article.delete()
    index.queue_articles([article_id])  # as the admin does
    index.apply_pending()
    assert query._searcher().reader().has_deletions()


def _whoosh(parsed: wq.Query, searcher: object) -> tuple[np.ndarray, list[tuple[int, float]]]:
    docs = np.array(sorted(searcher.docs_for_query(parsed)), dtype=np.int64)  # type: ignore[attr-defined]
    top = [(hit.docnum, round(hit.score, 6)) for hit in searcher.search(parsed, limit=10)]  # type: ignore[attr-defined]
    return docs, top


@pytest.mark.parametrize("text", QUERIES)
def test_numpy_matching_equals_whoosh(several_segments: None, text: str) -> None:
    searcher = query._searcher()
    values = query._doc_values(searcher)
    parsed = query.parse_query(text, searcher).query
    found = matching.evaluate(parsed, searcher, values.live, values.day)
    docs, top = _whoosh(parsed, searcher)
    assert np.array_equal(found.docs, docs), text
    order = np.lexsort((found.docs, -found.scores))[:10]
    assert [(int(found.docs[i]), round(float(found.scores[i]), 6)) for i in order] == top, text
    assert docs.size > 0 or text.startswith("said date")  # each shape is exercised on real matches


def test_person_and_source_queries_equal_whoosh(several_segments: None) -> None:
    searcher = query._searcher()
    values = query._doc_values(searcher)
    paragraph = Paragraph.objects.filter(is_boilerplate=False, mentions__isnull=False).first()
    for parsed in (wq.Term("person", str(paragraph.mentions.first().person_id)), wq.Term("source", paragraph.article.source_id or 0)):
        found = matching.evaluate(parsed, searcher, values.live, values.day)
        docs, _ = _whoosh(parsed, searcher)
        assert docs.size and np.array_equal(found.docs, docs), parsed


def test_or_with_a_minimum_match_keeps_documents_with_enough_words(several_segments: None) -> None:
    """ "More like this" needs 3 of its 12 words in a paragraph; Whoosh's Or leaves ``minmatch``
    unimplemented (its docstring says so) and returns every paragraph with any one of them."""
    searcher = query._searcher()
    values = query._doc_values(searcher)
    words = ["said", "government", "minister", "police", "court", "people"]
    found = matching.evaluate(
        wq.Or([wq.Term("text", query.index.ANALYZER(w).__next__().text) for w in words], minmatch=3), searcher, values.live, values.day
    )
    hits: dict[int, int] = {}
    for word in words:
        for docnum in searcher.docs_for_query(query.parse_query(word, searcher).query):
            hits[docnum] = hits.get(docnum, 0) + 1
    expected = sorted(d for d, n in hits.items() if n >= 3)
    assert expected and found.docs.tolist() == expected
    assert len(hits) > len(expected)  # the minimum does remove paragraphs


def test_unsupported_shapes_fall_back_to_whoosh(several_segments: None) -> None:
    searcher = query._searcher()
    values = query._doc_values(searcher)
    with pytest.raises(matching.Unsupported):
        matching.evaluate(wq.Every(), searcher, values.live, values.day)
    assert query._matching(wq.Every(), searcher, values)[1] is None  # docnums from Whoosh, no scores


def test_search_pages_rank_as_whoosh_does(several_segments: None) -> None:
    """The page's order comes from the numpy scores; it is the order Whoosh's own search gives."""
    searcher = query._searcher()
    page = query.search(query.SearchParams(q="said"), page_size=5)
    values = query._doc_values(searcher)
    best: dict[int, int] = {}
    for hit in searcher.search(query.parse_query("said", searcher).query, limit=None):
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
