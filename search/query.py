"""Read side of the search index: parse, match, count, group, page, highlight.

Everything returned is a plain frozen dataclass; no Whoosh object leaves this module. Facet
counts come from per-segment numpy arrays of doc values (article, source, day, persons),
loaded once per segment and reused until the segment changes: Whoosh's own ``groupedby``
faceting costs hundreds of milliseconds per search (../shared/research/whoosh-lab.md §2.7, §4).
"""

from __future__ import annotations

import html
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.conf import settings
from django.urls import reverse
from whoosh import highlight, qparser
from whoosh import query as wq
from whoosh.searching import Searcher

from search import facets, index
from search.facets import DocValues, FacetResult, Selection
from search.models import Paragraph
from search.params import SORTS, SearchParams

SNIPPET_CHARS = 320
EXPORT_BATCH = 500


# --- results ----------------------------------------------------------------------------------


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


@dataclass(frozen=True)
class Group:
    """An article's best matching paragraph and how many more of its paragraphs match."""

    hit: Hit
    more: int
    more_url: str


@dataclass(frozen=True)
class SearchPage:
    params: SearchParams
    groups: tuple[Group, ...] = ()
    total_paragraphs: int = 0
    total_articles: int = 0
    facets: tuple[FacetResult, ...] = ()
    chips: tuple[facets.Chip, ...] = ()
    timeline: facets.Timeline | None = None
    error: str = ""
    notices: tuple[str, ...] = ()
    page: int = 1
    page_count: int = 0
    previous_url: str = ""
    next_url: str = ""
    sort_urls: tuple[tuple[str, str, bool], ...] = ()
    append_url: str = ""  # the next page's groups alone, for "load more"

    @property
    def export_urls(self) -> dict[str, str]:
        state = self.params.querystring()
        return {"csv": reverse("search:export_csv") + state, "json": reverse("search:export_json") + state}

    @property
    def person_more_url(self) -> str:
        return reverse("search:person_facet") + self.params.querystring()

    @property
    def hits(self) -> tuple[Hit, ...]:
        return tuple(group.hit for group in self.groups)

    @property
    def facet_map(self) -> dict[str, FacetResult]:
        return {f.name: f for f in self.facets}

    @property
    def searched(self) -> bool:
        return bool(self.params.q or self.params.has_filters)


# --- parsing ----------------------------------------------------------------------------------


class QueryError(ValueError):
    pass


def _parser() -> qparser.QueryParser:
    # AND between words, as news readers expect. Wildcards, ranges, boosts and *:* are off until
    # they can be bounded: Whoosh has no expansion limit (whoosh-lab §2.5: `mi*` took 24 s).
    parser = qparser.QueryParser("text", index.SCHEMA, group=qparser.AndGroup)
    for plugin in (qparser.WildcardPlugin, qparser.RangePlugin, qparser.BoostPlugin, qparser.EveryPlugin):
        parser.remove_plugin_class(plugin)
    # "-word" excludes, as in web search engines; only at the start of a word, so "long-time" stays a word.
    parser.add_plugin(qparser.PlusMinusPlugin(plusexpr=r"(?<![^\s(])\+", minusexpr=r"(?<![^\s(])-"))
    return parser


def parse_query(text: str) -> wq.Query | None:
    if not text.strip():
        return None
    try:
        parsed = _parser().parse(text)
    except Exception as exc:  # Whoosh raises plain exceptions from deep inside the parser
        raise QueryError(f"Could not read the query: {exc}") from exc
    return None if parsed is wq.NullQuery else parsed


# --- searcher and doc values -----------------------------------------------------------------

_local = threading.local()
_segment_cache: dict[tuple[str, str, int], DocValues] = {}
_segment_lock = threading.Lock()


def _searcher() -> Searcher:
    """This thread's searcher, refreshed when the index has a new commit or generation."""
    path = index.current_path()
    current: Searcher | None = getattr(_local, "searcher", None)
    if current is not None and getattr(_local, "path", None) == path:
        fresh = current.refresh()
        if fresh is not current:
            current.close()
        _local.searcher = fresh
        return fresh
    if current is not None:
        current.close()
    _local.searcher, _local.path = index.open_index().searcher(), path
    return _local.searcher


def _doc_values(searcher: Searcher) -> DocValues:
    # Segments with no documents (and Whoosh's EmptyReader) contribute nothing.
    leaves = [(r, offset) for r, offset in searcher.reader().leaf_readers() if r.doc_count_all()]
    parts = [_segment_values(str(index.current_path()), reader) for reader, _ in leaves]
    if not parts:
        return DocValues.empty()
    if len(parts) == 1:
        return parts[0]
    offsets = [offset for _, offset in leaves]
    return DocValues(
        article=np.concatenate([p.article for p in parts]),
        source=np.concatenate([p.source for p in parts]),
        day=np.concatenate([p.day for p in parts]),
        live=np.concatenate([p.live for p in parts]),
        person_doc=np.concatenate([p.person_doc + off for p, off in zip(parts, offsets, strict=True)]),
        person_id=np.concatenate([p.person_id for p in parts]),
    )


def _segment_values(path: str, reader: Any) -> DocValues:
    deleted = set(reader.deleted_docs_set) if reader.has_deletions() else set()
    key = (path, reader.segment().segment_id(), len(deleted))
    with _segment_lock:
        cached = _segment_cache.get(key)
    if cached is not None:
        return cached
    values = _load_segment_values(reader, deleted)
    with _segment_lock:
        if len(_segment_cache) > 256:
            _segment_cache.clear()
        _segment_cache[key] = values
    return values


def _load_segment_values(reader: Any, deleted: set[int]) -> DocValues:
    n = reader.doc_count_all()

    def column(name: str) -> np.ndarray:
        return np.fromiter(reader.column_reader(name), dtype=np.int64, count=n)

    live = np.ones(n, bool)
    if deleted:
        live[np.fromiter(deleted, np.int64)] = False
    docs: list[np.ndarray] = []
    ids: list[np.ndarray] = []
    for term in reader.lexicon("person"):
        postings = np.fromiter(reader.postings("person", term).all_ids(), dtype=np.int64)
        docs.append(postings)
        ids.append(np.full(postings.size, int(term), dtype=np.int64))
    person_doc = np.concatenate(docs) if docs else np.zeros(0, np.int64)
    person_id = np.concatenate(ids) if ids else np.zeros(0, np.int64)
    keep = live[person_doc] if person_doc.size else np.zeros(0, bool)
    return DocValues(column("article"), column("source"), column("day"), live, person_doc[keep], person_id[keep])


# --- search -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Matches:
    """The documents a request selects, with what is needed to page and count them."""

    searcher: Searcher
    parsed: wq.Query | None
    values: DocValues
    matched: np.ndarray  # matching the query, before facet filters
    masks: dict[str, np.ndarray]
    selected: np.ndarray  # matching the query and every filter, sorted docnums


def _match(params: SearchParams, selection: Selection) -> _Matches:
    parsed = parse_query(params.q)
    searcher = _searcher()
    values = _doc_values(searcher)
    if parsed is None:
        matched = np.flatnonzero(values.live)
    else:
        matched = np.fromiter(searcher.docs_for_query(parsed), dtype=np.int64)
        matched.sort()
    masks = facets.filter_masks(params, selection, values, matched)
    return _Matches(searcher, parsed, values, matched, masks, matched[facets.combine(masks.values(), matched.size)])


def search(params: SearchParams, *, page_size: int | None = None) -> SearchPage:
    """One page of results, grouped by article, with totals, facets and the timeline."""
    page_size = page_size or settings.SEARCH_PAGE_SIZE
    selection, notices = Selection.resolve(params)
    try:
        m = _match(params, selection)
    except QueryError as exc:
        return SearchPage(params=params, error=str(exc), notices=params.notices + tuple(notices))
    articles, counts = np.unique(m.values.article[m.selected], return_counts=True)
    page_count = max(1, -(-articles.size // page_size))
    start = (params.page - 1) * page_size
    best = _best_docnums(m, params, start=start, size=page_size)
    more = dict(zip(articles.tolist(), (counts - 1).tolist(), strict=True))
    hits = _hits(m.searcher, best, _highlight_terms(m.searcher, m.parsed))
    return SearchPage(
        params=params,
        groups=tuple(Group(hit, more.get(hit.article_id, 0), _more_url(hit, params)) for hit in hits),
        total_paragraphs=int(m.selected.size),
        total_articles=int(articles.size),
        facets=facets.facets(params, selection, m.values, m.matched, m.masks),
        chips=facets.chips(params, selection),
        timeline=facets.timeline(params, m.values.day[m.selected]),
        notices=params.notices + tuple(notices),
        page=params.page,
        page_count=page_count,
        previous_url=params.querystring(page=params.page - 1) if params.page > 1 else "",
        next_url=params.querystring(page=params.page + 1) if params.page < page_count else "",
        append_url=params.querystring(page=params.page + 1) + "&append=1" if params.page < page_count else "",
        sort_urls=tuple((s, params.querystring(sort=s), s == params.effective_sort) for s in SORTS),
    )


def _more_url(hit: Hit, params: SearchParams) -> str:
    return reverse("search:article_matches", args=[hit.article_id]) + params.querystring()


def _best_docnums(m: _Matches, params: SearchParams, *, start: int, size: int) -> list[int]:
    """The best paragraph of each article on this page: by score, or by date then position."""
    if m.selected.size == 0 or start >= m.selected.size:
        return []
    if m.parsed is not None and params.effective_sort == "relevance":
        allowed = set(m.selected.tolist()) if m.masks else None
        # collapse keeps the best-scoring paragraph per article, so a page lists articles.
        results = m.searcher.search(m.parsed, limit=start + size, filter=allowed, collapse="article", collapse_limit=1)
        return [hit.docnum for hit in results[start : start + size]]
    firsts = _first_docs_by_article(m.values, m.selected)
    keys = m.values.day[firsts] * (1 << 32) + m.values.article[firsts]
    if params.effective_sort == "newest":
        keys = -keys
    wanted = min(start + size, keys.size)
    if start >= wanted:
        return []
    top = np.argpartition(keys, wanted - 1)[:wanted] if wanted < keys.size else np.arange(keys.size)
    ordered = top[np.argsort(keys[top], kind="stable")]
    return firsts[ordered[start:wanted]].tolist()


def _first_docs_by_article(values: DocValues, docs: np.ndarray) -> np.ndarray:
    """For each article among ``docs``, its first matching document (documents follow paragraph order)."""
    articles = values.article[docs]
    order = np.lexsort((docs, articles))
    sorted_articles = articles[order]
    starts = np.flatnonzero(np.r_[True, sorted_articles[1:] != sorted_articles[:-1]])
    return docs[order][starts]


def paragraph_ids(params: SearchParams) -> Iterator[int]:
    """Every selected paragraph id in the page's order (for exports), in batches."""
    selection, _ = Selection.resolve(params)
    m = _match(params, selection)
    if m.parsed is not None and params.effective_sort == "relevance":
        allowed = set(m.selected.tolist()) if m.masks else None
        docnums = [hit.docnum for hit in m.searcher.search(m.parsed, limit=None, filter=allowed)]
    else:
        keys = m.values.day[m.selected] * (1 << 32) + m.selected
        docnums = m.selected[np.argsort(-keys if params.effective_sort == "newest" else keys, kind="stable")].tolist()
    for start in range(0, len(docnums), EXPORT_BATCH):
        yield from (int(m.searcher.stored_fields(d)["pid"]) for d in docnums[start : start + EXPORT_BATCH])


def article_matches(article_id: int, params: SearchParams) -> tuple[list[Hit], frozenset[str]]:
    """Every paragraph of one article that the search selects, highlighted, in article order."""
    selection, _ = Selection.resolve(params)
    m = _match(params, selection)
    docnums = m.selected[m.values.article[m.selected] == article_id].tolist()
    terms = _highlight_terms(m.searcher, m.parsed)
    return sorted(_hits(m.searcher, docnums, terms), key=lambda h: h.position), terms


# --- hits and snippets ------------------------------------------------------------------------


def _highlight_terms(searcher: Searcher, parsed: wq.Query | None) -> frozenset[str]:
    if parsed is None:
        return frozenset()
    terms = parsed.existing_terms(searcher.reader(), phrases=True, expand=True, fieldname="text")
    return frozenset(text.decode("utf-8") if isinstance(text, bytes) else text for _, text in terms)


def highlight_terms(params: SearchParams) -> frozenset[str]:
    try:
        parsed = parse_query(params.q)
    except QueryError:
        return frozenset()
    return _highlight_terms(_searcher(), parsed)


def snippet(text: str, terms: frozenset[str], *, whole: bool = False) -> str:
    """Highlighted fragments of ``text`` (or all of it) as safe HTML; the formatter escapes the text."""
    if terms:
        fragmenter = highlight.WholeFragmenter() if whole else highlight.ContextFragmenter(maxchars=240, surround=60)
        fragments = highlight.highlight(
            text, terms, index.ANALYZER, fragmenter, highlight.HtmlFormatter(tagname="mark", between=" … "), top=1 if whole else 2
        )
        if fragments:
            return fragments
    if whole or len(text) <= SNIPPET_CHARS:
        return html.escape(text)
    return html.escape(text[:SNIPPET_CHARS].rsplit(" ", 1)[0]) + " …"


def _hits(searcher: Searcher, docnums: list[int], terms: frozenset[str]) -> list[Hit]:
    pids = [int(searcher.stored_fields(d)["pid"]) for d in docnums]
    paragraphs = Paragraph.objects.select_related("article__source").in_bulk(pids)
    # A paragraph deleted since the index was written is skipped; the outbox will catch up.
    return [_hit(paragraphs[pid], terms) for pid in pids if pid in paragraphs]


def _hit(paragraph: Paragraph, terms: frozenset[str]) -> Hit:
    article = paragraph.article
    return Hit(
        paragraph_id=paragraph.pk,
        article_id=article.pk,
        position=paragraph.position,
        title=article.title or untitled(paragraph.text),
        url=article.url,
        source=article.source.name if article.source else "",
        published=article.published.isoformat() if article.published else "",
        snippet=snippet(paragraph.text, terms),
    )


def untitled(text: str) -> str:
    words = text.split()
    return " ".join(words[:10]) + (" …" if len(words) > 10 else "")


def person_values(params: SearchParams, *, name_filter: str = "") -> FacetResult:
    """The long list of persons for a search ("more…"), optionally narrowed by name or alias."""
    selection, _ = Selection.resolve(params)
    try:
        m = _match(params, selection)
    except QueryError:
        return FacetResult("person", "People", ())
    docs = m.matched[facets.combine((mask for name, mask in m.masks.items() if name != "person"), m.matched.size)]
    return facets.person_facet(params, selection, m.values, docs, size=facets.MORE_SIZE, name_filter=name_filter)
