"""The read side of the engine: a plain query in, plain values out (matches, hits, totals).

``match`` parses the query, matches it (numpy over Whoosh's postings, see ``matching``) and applies
the facet filters; the web layer then asks the ``Matches`` for one page of hits, counts per facet
(``others``, with ``counting``), an export's ids or one article's hits. Nothing here builds a URL or
reads a request: ``search.web`` does that around these values.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from whoosh import query as wq
from whoosh.searching import Searcher

from search.engine import counting, docvalues, highlight, matching, schema, words
from search.engine.docvalues import DocValues
from search.engine.parse import Lookups, QueryError, parse_query
from search.models import Paragraph

SORTS = ("relevance", "newest", "oldest")
COPIES = ("", "all", "once")
EXPORT_BATCH = 500
OVERFETCH = 3  # paragraphs fetched per article wanted, before grouping by article
RANKINGS_KEPT = 16  # relevance rankings kept per searcher, for paging on
SUGGEST_BELOW = 3  # offer a correction when a query finds fewer paragraphs than this
EDIT_COST = 20  # a word two edits away is this much less likely than one edit away
NAME_WEIGHT = 10  # a capitalised word typed is this much likelier a name's word
POPULAR_FACTOR = 20  # a word the archive has is corrected only to one this much more likely
_WORD = re.compile(r"(?<![\w:*?~])[^\W\d_]{3,}(?![\w:*?~])")

__all__ = ["SORTS", "Hit", "Matches", "Query", "QueryError", "match"]


@dataclass(frozen=True)
class Query:
    """What to search: the query text, the facet filters by facet name, and how to order the results."""

    text: str = ""
    filters: tuple[tuple[str, counting.Filter], ...] = ()
    sort: str = "relevance"  # one of SORTS; relevance needs a text
    copies: str = ""  # "": a copy family listed once; "all": every copy apart; "once": listed and counted once


@dataclass(frozen=True)
class Hit:
    paragraph_id: int
    article_id: int
    position: int
    title: str
    url: str
    source: str
    published: str  # ISO date or ""
    snippet: str  # HTML, escaped by the highlighter
    family: int | None = None  # its copy family (the same paragraph in other articles), if any


@dataclass(frozen=True)
class Matches:
    """The documents a query selects, with what is needed to page and count them. Holds this thread's
    searcher: use it within the request, and hand templates the values it returns."""

    query: Query
    searcher: Searcher
    parsed: wq.Query | None
    values: DocValues
    matched: np.ndarray  # matching the query, before facet filters
    scores: np.ndarray | None  # BM25 of each matched document, when computed here rather than by Whoosh
    masks: dict[str, np.ndarray]  # per facet filter, over ``matched``
    selected: np.ndarray  # matching the query and every filter, sorted docnums
    notices: tuple[str, ...]
    shown: np.ndarray  # the selected that are listed: each copy family once, unless every copy is asked for

    def others(self, name: str) -> np.ndarray:
        """The matches that pass every filter but facet ``name``'s own (what that facet counts)."""
        docs = self.matched[counting.combine((m for n, m in self.masks.items() if n != name), self.matched.size)]
        return counting.first_of_families(self.values, docs) if self.query.copies == "once" else docs

    @property
    def counted(self) -> np.ndarray:
        """The selected as facets and the timeline count them: every paragraph, or each family once."""
        return self.shown if self.query.copies == "once" else self.selected

    @property
    def folded(self) -> int:
        """Selected copies not listed, their family's earliest being listed instead."""
        return int(self.selected.size - self.shown.size)

    @property
    def total_paragraphs(self) -> int:
        return int(self.selected.size)

    def per_article(self) -> np.ndarray:
        """Selected paragraphs per article id."""
        values, selected = self.values, self.selected
        return values.over(selected, "per article", lambda: np.bincount(values.article[selected], minlength=values.article_source.size))

    @functools.cached_property
    def terms(self) -> frozenset[str]:
        """The words to highlight."""
        return highlight.terms_of(self.searcher, self.parsed)

    def page(self, *, start: int, size: int) -> list[Hit]:
        """The best paragraph of each article on this page, in the query's order, highlighted."""
        return hits(self.searcher, _best_docnums(self, start=start, size=size), self.terms)

    def article_hits(self, article_id: int) -> list[Hit]:
        """Every selected paragraph of one article, highlighted, in article order."""
        docnums = self.selected[self.values.article[self.selected] == article_id].tolist()
        return sorted(hits(self.searcher, docnums, self.terms), key=lambda h: h.position)

    def latest_added(self, size: int) -> list[Hit]:
        """The ``size`` selected paragraphs added to the archive last (the newest articles by their
        id, which grows with every article stored; an article's paragraphs in order), highlighted:
        what a feed of this search shows."""
        if self.selected.size == 0:
            return []
        keys = self.values.article[self.selected] * (1 << 32) - self.selected  # newest article first, then position
        wanted = min(size, keys.size)
        top = np.argpartition(-keys, wanted - 1)[:wanted]
        return hits(self.searcher, self.selected[top[np.argsort(-keys[top])]].tolist(), self.terms)

    def count_added_after(self, article_id: int) -> int:
        """How many selected paragraphs are of articles stored after ``article_id`` (the newest
        article a saved search's user had seen)."""
        return int(np.count_nonzero(self.values.article[self.selected] > article_id))

    def paragraph_ids(self) -> Iterator[int]:
        """Every selected paragraph id in the page's order (for exports), in batches."""
        docnums = _all_docnums(self)
        for start in range(0, len(docnums), EXPORT_BATCH):
            yield from (int(self.searcher.stored_fields(d)["pid"]) for d in docnums[start : start + EXPORT_BATCH])


def match(query: Query, *, lookups: Lookups) -> Matches:
    """Parse, match and filter; raises ``QueryError`` for a query that is refused."""
    searcher = docvalues.current_searcher()
    parsed_query = parse_query(query.text, searcher, lookups)
    parsed = parsed_query.query
    values = docvalues.doc_values(searcher)
    if parsed is None:
        matched, scores = np.flatnonzero(values.live), None
    else:
        matched, scores = _matching(parsed, searcher, values)
    masks = {name: counting.mask(selection, values, matched) for name, selection in query.filters}
    selected = matched[counting.combine(masks.values(), matched.size)]
    shown = selected if query.copies == "all" else counting.first_of_families(values, selected)
    return Matches(query, searcher, parsed, values, matched, scores, masks, selected, parsed_query.notices, shown)


def _matching(parsed: wq.Query, searcher: Searcher, values: DocValues) -> tuple[np.ndarray, np.ndarray | None]:
    """Sorted matching docnums, and their scores when numpy could compute them (see search.engine.matching)."""
    try:
        found = matching.evaluate(parsed, searcher, values.live, values.day, lengths=lambda name: docvalues.field_lengths(searcher, name))
    except matching.Unsupported:
        docs = np.fromiter(searcher.docs_for_query(parsed), dtype=np.int64)
        docs.sort()
        return docs, None
    return found.docs, found.scores


def suggestion(m: Matches, *, lookups: Lookups) -> str:
    """The query with misspelt words corrected, if that finds more paragraphs; else ''."""
    text = m.query.text
    if m.parsed is None or m.selected.size >= SUGGEST_BELOW:
        return ""
    corrected = text
    for word in dict.fromkeys(_WORD.findall(text)):
        better = corrected_word(m.searcher, word, lookups=lookups)
        if better:
            corrected = re.sub(rf"(?<![\w:]){re.escape(word)}(?!\w)", better, corrected)
    if corrected == text:
        return ""
    try:
        better_query = parse_query(corrected, m.searcher, lookups).query
    except QueryError:
        return ""
    found = _matching(better_query, m.searcher, m.values)[0].size if better_query is not None else 0
    return corrected if found > m.selected.size else ""


def corrected_word(searcher: Searcher, typed: str, *, lookups: Lookups) -> str:
    """The archive's word that ``typed`` most likely misspells, in the case it was typed in; '' if none.

    A noisy-channel choice: each word of the archive within two edits (the first letter as typed)
    weighs its paragraph count, divided by ``EDIT_COST`` for a second edit; a capitalised word typed is more
    likely a name, so words of persons' names weigh ``NAME_WEIGHT`` times more ("Putn" is Putin, not
    "put"). A word the archive has is replaced only by one that weighs ``POPULAR_FACTOR`` times more
    ("goverment" in one paragraph, "government" in hundreds).
    """
    word = "".join(token.text for token in schema.PHRASE_ANALYZER(typed))
    if len(word) < 3:
        return ""
    vocabulary = words.vocabulary(searcher)
    near = {c: d for c, d in vocabulary.within(word, 2, prefix=1).items() if c != word and len(c) > 2 and not c.isdigit()}
    weights = {c: vocabulary.frequency(c) / EDIT_COST ** (d - 1) for c, d in near.items()}
    if typed[:1].isupper():
        _boost_names(weights, lookups)
    if not weights:
        return ""
    best = max(weights, key=lambda c: (weights[c], c))
    if weights[best] < max(1.0, vocabulary.frequency(word) * POPULAR_FACTOR):
        return ""
    if typed.isupper() and len(typed) > 1:
        return best.upper()
    return best.capitalize() if typed[:1].isupper() else best


def _boost_names(weights: dict[str, float], lookups: Lookups) -> None:
    """Weigh the words of persons' names ``NAME_WEIGHT`` times more, asking the lookups (a database
    query each) only about words that the boost could make the best."""
    leader = max(weights.values(), default=0.0)
    for candidate in sorted(weights, key=weights.__getitem__, reverse=True):
        if weights[candidate] * NAME_WEIGHT <= leader:
            break
        if lookups.is_name_word(candidate):
            weights[candidate] *= NAME_WEIGHT
            leader = max(leader, weights[candidate])


# --- ranking ------------------------------------------------------------------------------------


def _best_docnums(m: Matches, *, start: int, size: int) -> list[int]:
    """The best paragraph of each article on this page: by score, or by date then position."""
    if m.shown.size == 0 or start >= m.shown.size:
        return []
    if m.parsed is not None and m.query.sort == "relevance":
        return _best_by_score(m, start=start, size=size)
    # Keyed by the selection: in browse mode it is the whole index, kept per searcher, folded or not.
    name = "first of each article" + (" of the listed" if m.query.copies != "all" else "")
    firsts = m.values.over(m.selected, name, lambda: _first_docs_by_article(m.values, m.shown))
    keys = m.values.day[firsts] * (1 << 32) + m.values.article[firsts]
    if m.query.sort == "newest":
        keys = -keys
    wanted = min(start + size, keys.size)
    if start >= wanted:
        return []
    top = np.argpartition(keys, wanted - 1)[:wanted] if wanted < keys.size else np.arange(keys.size)
    ordered = top[np.argsort(keys[top], kind="stable")]
    return firsts[ordered[start:wanted]].tolist()


@dataclass
class _Ranking:
    """The best paragraph of each article in score order, as far as it has been computed."""

    best: list[int]
    limit: int  # paragraphs fetched to compute it
    complete: bool  # every match was fetched


def _best_by_score(m: Matches, *, start: int, size: int) -> list[int]:
    """The best-scoring paragraph of each article, for articles start..start+size in score order.

    A plain top-k search keeps Whoosh's block-quality skipping, which ``collapse=`` turns off (it
    then scores every match in Python: 200 ms for a common word at 100k paragraphs). Paragraphs are
    over-fetched and grouped here. The ranking is kept per searcher and query, and a page beyond it
    fetches four times as far: paging on costs a slice, not a deeper search each time.
    """
    need = start + size
    rankings = _rankings(m.searcher)
    key = (m.query.text, m.query.filters, m.query.copies == "all")
    ranking = rankings.get(key)
    while ranking is None or (len(ranking.best) < need and not ranking.complete):
        ranking = _rank(m, max(need * OVERFETCH, 4 * ranking.limit if ranking else 0))
    rankings[key] = ranking
    while len(rankings) > RANKINGS_KEPT:
        rankings.pop(next(iter(rankings)))
    return ranking.best[start:need]


def _rank(m: Matches, limit: int) -> _Ranking:
    if m.scores is not None:
        return _rank_by_scores(m, limit)
    allowed = set(m.shown.tolist()) if m.masks or m.folded else None
    results = m.searcher.search(m.parsed, limit=limit, filter=allowed)
    best: dict[int, int] = {}
    for docnum in (hit.docnum for hit in results):
        best.setdefault(int(m.values.article[docnum]), docnum)
    return _Ranking(list(best.values()), limit, complete=results.scored_length() < limit)


def _rank_by_scores(m: Matches, limit: int) -> _Ranking:
    """The same ranking from the scores computed with numpy: the ``limit`` best paragraphs (and any
    tied with the last), ordered by score then docnum as Whoosh orders them, best per article."""
    assert m.scores is not None
    docs = m.shown
    scores = m.scores[np.searchsorted(m.matched, docs)]
    if limit < docs.size:
        threshold = np.partition(scores, docs.size - limit)[docs.size - limit]
        top = np.flatnonzero(scores >= threshold)
    else:
        top = np.arange(docs.size)
    ordered = docs[top[np.lexsort((docs[top], -scores[top]))]]
    _, first = np.unique(m.values.article[ordered], return_index=True)
    return _Ranking(ordered[np.sort(first)].tolist(), limit, complete=top.size == docs.size)


def _rankings(searcher: Searcher) -> dict[Any, _Ranking]:
    """Rankings computed with this searcher (this thread's; dropped with the searcher)."""
    rankings: dict[Any, _Ranking] = docvalues.per_searcher(searcher, "rankings", dict)
    return rankings


def _first_docs_by_article(values: DocValues, docs: np.ndarray) -> np.ndarray:
    """For each article among ``docs``, its first matching document (documents follow paragraph order)."""
    articles = values.article[docs]
    order = np.lexsort((docs, articles))
    sorted_articles = articles[order]
    starts = np.flatnonzero(np.r_[True, sorted_articles[1:] != sorted_articles[:-1]])
    return docs[order][starts]


def _all_docnums(m: Matches) -> list[int]:
    """Every selected document in the page's order."""
    if m.parsed is not None and m.query.sort == "relevance" and m.scores is not None:
        scores = m.scores[np.searchsorted(m.matched, m.selected)]
        ordered: list[int] = m.selected[np.lexsort((m.selected, -scores))].tolist()
        return ordered
    if m.parsed is not None and m.query.sort == "relevance":
        allowed = set(m.selected.tolist()) if m.masks else None
        return [hit.docnum for hit in m.searcher.search(m.parsed, limit=None, filter=allowed)]
    keys = m.values.day[m.selected] * (1 << 32) + m.selected
    by_day: list[int] = m.selected[np.argsort(-keys if m.query.sort == "newest" else keys, kind="stable")].tolist()
    return by_day


# --- hits ---------------------------------------------------------------------------------------

_HIT_FIELDS = (
    "id",
    "article_id",
    "position",
    "text",
    "article__title",
    "article__url",
    "article__source__name",
    "article__published",
    "family",
)


def hits(searcher: Searcher, docnums: list[int], terms: frozenset[str]) -> list[Hit]:
    pids = [int(searcher.stored_fields(d)["pid"]) for d in docnums]
    # Rows, not model instances: a page needs eight values per hit, not three models.
    rows = {row[0]: row for row in Paragraph.objects.filter(id__in=pids).values_list(*_HIT_FIELDS)}
    # A paragraph deleted since the index was written is skipped; the outbox will catch up.
    return [_hit(rows[pid], terms) for pid in pids if pid in rows]


def _hit(row: tuple[Any, ...], terms: frozenset[str]) -> Hit:
    paragraph_id, article_id, position, text, title, url, source, published, family = row
    return Hit(
        paragraph_id=paragraph_id,
        article_id=article_id,
        position=position,
        title=title or untitled(text),
        url=url,
        source=source or "",
        published=published.isoformat() if published else "",
        snippet=highlight.snippet(text, terms),
        family=family,
    )


def untitled(text: str) -> str:
    words = text.split()
    return " ".join(words[:10]) + (" …" if len(words) > 10 else "")


def highlight_terms(text: str, *, lookups: Lookups) -> frozenset[str]:
    """The words a query marks, without matching it (a paragraph's context view)."""
    searcher = docvalues.current_searcher()
    try:
        parsed = parse_query(text, searcher, lookups).query
    except QueryError:
        return frozenset()
    return highlight.terms_of(searcher, parsed)
