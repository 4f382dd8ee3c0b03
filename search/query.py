"""Read side of the search index: parse, match, count facets, page, highlight.

Everything returned is a plain frozen dataclass; no Whoosh object leaves this module. Facet
counts come from per-segment numpy arrays of doc values (article, source, day, persons),
loaded once per segment and reused until the segment changes: Whoosh's own ``groupedby``
faceting costs hundreds of milliseconds per search (../shared/research/whoosh-lab.md §2.7, §4).
"""

from __future__ import annotations

import html
import logging
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode

import numpy as np
from django.conf import settings
from whoosh import highlight, qparser
from whoosh import query as wq
from whoosh.searching import Searcher

from search import index
from search.models import Paragraph, Person, Source

log = logging.getLogger(__name__)

SORTS = ("relevance", "newest", "oldest")
FACET_SIZE = 10
MAX_PAGE = 500
SNIPPET_CHARS = 320
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


# --- parameters -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchParams:
    q: str = ""
    persons: tuple[str, ...] = ()  # person slugs
    sources: tuple[str, ...] = ()  # source slugs
    date_from: str = ""  # YYYY, YYYY-MM or YYYY-MM-DD
    date_to: str = ""
    undated: bool = False
    sort: str = ""  # "" = relevance with a query, newest in browse mode
    page: int = 1
    notices: tuple[str, ...] = ()

    @classmethod
    def from_querydict(cls, data: Mapping[str, Any]) -> SearchParams:
        """Read request parameters; malformed ones are dropped with a notice, never an error."""
        notices: list[str] = []
        getlist = data.getlist if hasattr(data, "getlist") else (lambda k: [data[k]] if k in data else [])
        q = " ".join(str(getlist("q")[-1] if getlist("q") else "").split())[:500]
        date_from = _valid_date(getlist("from"), "from", notices)
        date_to = _valid_date(getlist("to"), "to", notices)
        sort = (getlist("sort") or [""])[-1]
        if sort and sort not in SORTS:
            notices.append(f"Unknown sort “{sort[:40]}” ignored.")
            sort = ""
        return cls(
            q=q,
            persons=_unique(getlist("person")),
            sources=_unique(getlist("source")),
            date_from=date_from,
            date_to=date_to,
            undated=(getlist("undated") or [""])[-1] in {"1", "true", "on"},
            sort=sort,
            page=_valid_page(getlist("page"), notices),
            notices=tuple(notices),
        )

    @property
    def effective_sort(self) -> str:
        return self.sort or ("relevance" if self.q else "newest")

    @property
    def has_filters(self) -> bool:
        return bool(self.persons or self.sources or self.date_from or self.date_to or self.undated)

    def querystring(self, **changes: Any) -> str:
        """This state as a URL query string; ``page`` is dropped unless given."""
        state = replace(self, page=1, **changes) if "page" not in changes else replace(self, **changes)
        pairs: list[tuple[str, str]] = []
        if state.q:
            pairs.append(("q", state.q))
        pairs += [("person", p) for p in state.persons] + [("source", s) for s in state.sources]
        pairs += [(k, v) for k, v in (("from", state.date_from), ("to", state.date_to)) if v]
        if state.undated:
            pairs.append(("undated", "1"))
        if state.sort:
            pairs.append(("sort", state.sort))
        if state.page > 1:
            pairs.append(("page", str(state.page)))
        return "?" + urlencode(pairs) if pairs else "?"


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v.strip()[:200] for v in values if v and v.strip()))


def _valid_date(values: list[str], name: str, notices: list[str]) -> str:
    value = (values[-1] if values else "").strip()
    if value and _day_bounds(value) is None:
        notices.append(f"“{value[:40]}” is not a date (use YYYY, YYYY-MM or YYYY-MM-DD); “{name}” ignored.")
        return ""
    return value


def _valid_page(values: list[str], notices: list[str]) -> int:
    raw = (values[-1] if values else "1").strip() or "1"
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
        notices.append(f"Page “{raw[:20]}” does not exist; showing page 1.")
        return 1
    return int(raw)


def _day_bounds(value: str) -> tuple[int, int] | None:
    """(first, last) day numbers (yyyymmdd) covered by YYYY, YYYY-MM or YYYY-MM-DD."""
    parts = value.split("-")
    if not 1 <= len(parts) <= 3 or not all(p.isdigit() for p in parts) or len(parts[0]) != 4:
        return None
    year, month, day = int(parts[0]), int(parts[1]) if len(parts) > 1 else 0, int(parts[2]) if len(parts) > 2 else 0
    if year < 1000 or (len(parts) > 1 and not 1 <= month <= 12) or (len(parts) > 2 and not 1 <= day <= 31):
        return None
    base = year * 10000 + month * 100 + day
    if len(parts) == 1:
        return base, base + 1299
    if len(parts) == 2:
        return base, base + 99
    return base, base


# --- results ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool
    toggle_url: str


@dataclass(frozen=True)
class FacetResult:
    name: str
    label: str
    values: tuple[FacetValue, ...]
    truncated: bool = False
    granularity: str = ""  # date facet only: year, month or day


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
class Chip:
    label: str
    remove_url: str


@dataclass(frozen=True)
class SearchPage:
    params: SearchParams
    hits: tuple[Hit, ...] = ()
    total_paragraphs: int = 0
    total_articles: int = 0
    facets: tuple[FacetResult, ...] = ()
    chips: tuple[Chip, ...] = ()
    error: str = ""
    notices: tuple[str, ...] = ()
    page: int = 1
    page_count: int = 0
    previous_url: str = ""
    next_url: str = ""
    sort_urls: tuple[tuple[str, str, bool], ...] = field(default=())

    @property
    def facet_map(self) -> dict[str, FacetResult]:
        return {f.name: f for f in self.facets}


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


@dataclass(frozen=True)
class _DocValues:
    article: np.ndarray
    source: np.ndarray
    day: np.ndarray
    live: np.ndarray
    person_doc: np.ndarray
    person_id: np.ndarray

    @property
    def size(self) -> int:
        return int(self.article.size)


_local = threading.local()
_segment_cache: dict[tuple[str, str, int], _DocValues] = {}
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


def _doc_values(searcher: Searcher) -> _DocValues:
    # Segments with no documents (and Whoosh's EmptyReader) contribute nothing.
    leaves = [(r, offset) for r, offset in searcher.reader().leaf_readers() if r.doc_count_all()]
    parts = [_segment_values(str(index.current_path()), reader) for reader, _ in leaves]
    if not parts:
        empty = np.zeros(0, np.int64)
        return _DocValues(empty, empty, empty, np.zeros(0, bool), empty, empty)
    if len(parts) == 1:
        return parts[0]
    offsets = [offset for _, offset in leaves]
    return _DocValues(
        article=np.concatenate([p.article for p in parts]),
        source=np.concatenate([p.source for p in parts]),
        day=np.concatenate([p.day for p in parts]),
        live=np.concatenate([p.live for p in parts]),
        person_doc=np.concatenate([p.person_doc + off for p, off in zip(parts, offsets, strict=True)]),
        person_id=np.concatenate([p.person_id for p in parts]),
    )


def _segment_values(path: str, reader: Any) -> _DocValues:
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


def _load_segment_values(reader: Any, deleted: set[int]) -> _DocValues:
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
    return _DocValues(column("article"), column("source"), column("day"), live, person_doc[keep], person_id[keep])


# --- search -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Selection:
    """Ids of the selected facet values, resolved from the slugs in the URL."""

    persons: dict[int, str]
    sources: dict[int, str]


def search(params: SearchParams, *, page_size: int | None = None) -> SearchPage:
    page_size = page_size or settings.SEARCH_PAGE_SIZE
    try:
        parsed = parse_query(params.q)
    except QueryError as exc:
        return SearchPage(params=params, error=str(exc), notices=params.notices)
    selection, notices = _resolve_selection(params)
    searcher = _searcher()
    values = _doc_values(searcher)
    matched = _matching_docs(searcher, parsed, values)
    masks = _filter_masks(params, selection, values, matched)
    selected = matched[_combine(masks.values(), matched.size)]
    docnums = _page_docnums(searcher, parsed, params, values, selected, page_size=page_size)
    terms = _highlight_terms(searcher, parsed)
    page_count = max(1, -(-selected.size // page_size))
    return SearchPage(
        params=params,
        hits=tuple(_hits(searcher, docnums, terms)),
        total_paragraphs=int(selected.size),
        total_articles=int(np.unique(values.article[selected]).size),
        facets=_facets(params, selection, values, matched, masks),
        chips=_chips(params, selection),
        notices=params.notices + tuple(notices),
        page=params.page,
        page_count=page_count,
        previous_url=params.querystring(page=params.page - 1) if params.page > 1 else "",
        next_url=params.querystring(page=params.page + 1) if params.page < page_count else "",
        sort_urls=tuple((s, params.querystring(sort=s), s == params.effective_sort) for s in SORTS),
    )


def _resolve_selection(params: SearchParams) -> tuple[_Selection, list[str]]:
    notices: list[str] = []
    persons = dict(Person.objects.filter(slug__in=params.persons).values_list("id", "slug"))
    sources = dict(Source.objects.filter(slug__in=params.sources).values_list("id", "slug"))
    for kind, wanted, found in (("person", params.persons, persons), ("source", params.sources, sources)):
        for slug in set(wanted) - set(found.values()):
            notices.append(f"Unknown {kind} “{slug[:60]}” ignored.")
    return _Selection(persons=persons, sources=sources), notices


def _matching_docs(searcher: Searcher, parsed: wq.Query | None, values: _DocValues) -> np.ndarray:
    if parsed is None:
        return np.flatnonzero(values.live)
    docs = np.fromiter(searcher.docs_for_query(parsed), dtype=np.int64)
    docs.sort()
    return docs


def _filter_masks(params: SearchParams, selection: _Selection, values: _DocValues, matched: np.ndarray) -> dict[str, np.ndarray]:
    """One boolean mask over ``matched`` per active facet filter."""
    masks: dict[str, np.ndarray] = {}
    if selection.persons:
        has_person = np.zeros(values.size, bool)
        has_person[values.person_doc[np.isin(values.person_id, list(selection.persons))]] = True
        masks["person"] = has_person[matched]
    if selection.sources:
        masks["source"] = np.isin(values.source[matched], list(selection.sources))
    date_mask = _date_mask(params, values.day[matched])
    if date_mask is not None:
        masks["date"] = date_mask
    return masks


def _date_mask(params: SearchParams, days: np.ndarray) -> np.ndarray | None:
    if not (params.date_from or params.date_to or params.undated):
        return None
    mask = np.zeros(days.size, bool)
    if params.date_from or params.date_to:
        low = _day_bounds(params.date_from)[0] if params.date_from else 1  # type: ignore[index]
        high = _day_bounds(params.date_to)[1] if params.date_to else 99991299  # type: ignore[index]
        mask |= (days >= low) & (days <= high)
    if params.undated:
        mask |= days == 0
    return mask


def _combine(masks: Iterable[np.ndarray], size: int) -> np.ndarray:
    combined = np.ones(size, bool)
    for mask in masks:
        combined &= mask
    return combined


def _page_docnums(
    searcher: Searcher, parsed: wq.Query | None, params: SearchParams, values: _DocValues, selected: np.ndarray, *, page_size: int
) -> list[int]:
    start = (params.page - 1) * page_size
    if start >= selected.size:
        return []
    if parsed is not None and params.effective_sort == "relevance":
        allowed = set(selected.tolist()) if params.has_filters else None
        results = searcher.search(parsed, limit=start + page_size, filter=allowed)
        return [hit.docnum for hit in results[start : start + page_size]]
    # Newest/oldest: one composite key (day, then docnum) ordered with a partial sort.
    keys = values.day[selected].astype(np.int64) * (1 << 32) + selected
    if params.effective_sort == "newest":
        keys = -keys
    wanted = min(start + page_size, keys.size)
    top = np.argpartition(keys, wanted - 1)[:wanted] if wanted < keys.size else np.arange(keys.size)
    ordered = top[np.argsort(keys[top], kind="stable")]
    return selected[ordered[start:wanted]].tolist()


# --- hits and snippets ------------------------------------------------------------------------


def _highlight_terms(searcher: Searcher, parsed: wq.Query | None) -> frozenset[str]:
    if parsed is None:
        return frozenset()
    terms = parsed.existing_terms(searcher.reader(), phrases=True, expand=True, fieldname="text")
    return frozenset(text.decode("utf-8") if isinstance(text, bytes) else text for _, text in terms)


def snippet(text: str, terms: frozenset[str]) -> str:
    """Highlighted fragments of ``text`` as safe HTML; the highlighter escapes the text itself."""
    if terms:
        fragments = highlight.highlight(
            text,
            terms,
            index.ANALYZER,
            highlight.ContextFragmenter(maxchars=SNIPPET_CHARS, surround=90),
            highlight.HtmlFormatter(tagname="mark", between=" … "),
            top=2,
        )
        if fragments:
            return fragments
    if len(text) <= SNIPPET_CHARS:
        return html.escape(text)
    return html.escape(text[:SNIPPET_CHARS].rsplit(" ", 1)[0]) + " …"


def _hits(searcher: Searcher, docnums: list[int], terms: frozenset[str]) -> Iterable[Hit]:
    pids = [int(searcher.stored_fields(d)["pid"]) for d in docnums]
    paragraphs = Paragraph.objects.select_related("article__source").in_bulk(pids)
    for pid in pids:
        paragraph = paragraphs.get(pid)
        if paragraph is None:  # deleted since the index was written; the outbox will catch up
            continue
        article = paragraph.article
        yield Hit(
            paragraph_id=pid,
            article_id=article.pk,
            position=paragraph.position,
            title=article.title or _untitled(paragraph.text),
            url=article.url,
            source=article.source.name if article.source else "",
            published=article.published.isoformat() if article.published else "",
            snippet=snippet(paragraph.text, terms),
        )


def _untitled(text: str) -> str:
    words = text.split()
    return " ".join(words[:10]) + (" …" if len(words) > 10 else "")


# --- facets -----------------------------------------------------------------------------------


def _facets(
    params: SearchParams, selection: _Selection, values: _DocValues, matched: np.ndarray, masks: dict[str, np.ndarray]
) -> tuple[FacetResult, ...]:
    def others(name: str) -> np.ndarray:
        # Multi-select: a facet's counts apply every filter but its own.
        return matched[_combine((m for n, m in masks.items() if n != name), matched.size)]

    return (
        _person_facet(params, selection, values, others("person")),
        _source_facet(params, selection, values, others("source")),
        # Drill-down: within a selected range the histogram shows that range at a finer grain.
        _date_facet(params, values.day[others("date")[masks["date"]] if "date" in masks else others("date")]),
    )


def _top_counts(ids: np.ndarray, selected_ids: Iterable[int], *, size: int) -> tuple[list[tuple[int, int]], bool]:
    """(id, count) for the ``size`` most frequent ids plus every selected id, and whether more exist."""
    if ids.size == 0:
        unique, counts = np.zeros(0, np.int64), np.zeros(0, np.int64)
    else:
        unique, counts = np.unique(ids, return_counts=True)
    order = np.lexsort((unique, -counts))
    top = [(int(unique[i]), int(counts[i])) for i in order[:size]]
    shown = {i for i, _ in top}
    count_of = dict(zip(unique.tolist(), counts.tolist(), strict=True))
    top += [(i, int(count_of.get(i, 0))) for i in selected_ids if i not in shown]
    return top, unique.size > size


def _person_facet(params: SearchParams, selection: _Selection, values: _DocValues, docs: np.ndarray) -> FacetResult:
    in_docs = np.zeros(values.size, bool)
    in_docs[docs] = True
    ids = values.person_id[in_docs[values.person_doc]] if values.person_doc.size else values.person_id
    top, truncated = _top_counts(ids, selection.persons, size=FACET_SIZE)
    people = Person.objects.in_bulk([i for i, _ in top])
    facet_values = []
    for person_id, count in top:
        person = people.get(person_id)
        if person is None:
            continue
        chosen = person.slug in params.persons
        new = tuple(p for p in params.persons if p != person.slug) if chosen else (*params.persons, person.slug)
        facet_values.append(FacetValue(person.slug, person.name, count, chosen, params.querystring(persons=new)))
    return FacetResult("person", "People", tuple(facet_values), truncated)


def _source_facet(params: SearchParams, selection: _Selection, values: _DocValues, docs: np.ndarray) -> FacetResult:
    top, truncated = _top_counts(values.source[docs][values.source[docs] > 0], selection.sources, size=FACET_SIZE)
    sources = Source.objects.in_bulk([i for i, _ in top])
    facet_values = []
    for source_id, count in top:
        source = sources.get(source_id)
        if source is None:
            continue
        chosen = source.slug in params.sources
        new = tuple(s for s in params.sources if s != source.slug) if chosen else (*params.sources, source.slug)
        facet_values.append(FacetValue(source.slug, source.name, count, chosen, params.querystring(sources=new)))
    return FacetResult("source", "Sources", tuple(facet_values), truncated)


def _date_facet(params: SearchParams, days: np.ndarray) -> FacetResult:
    """A histogram at the granularity that fits the dated matches: years, months or days."""
    dated = days[days > 0]
    granularity, divisor = _granularity(dated)
    buckets, counts = np.unique(dated // divisor, return_counts=True) if dated.size else (np.zeros(0, np.int64),) * 2
    facet_values = []
    for bucket, count in zip(buckets.tolist(), counts.tolist(), strict=True):
        value = _bucket_value(bucket, granularity)
        chosen = params.date_from == value and params.date_to == value
        url = params.querystring(date_from="", date_to="") if chosen else params.querystring(date_from=value, date_to=value, undated=False)
        facet_values.append(FacetValue(value, _bucket_label(bucket, granularity), int(count), chosen, url))
    undated = int((days == 0).sum())
    if undated:
        url = params.querystring(undated=not params.undated, date_from="", date_to="")
        facet_values.append(FacetValue("undated", "Undated", undated, params.undated, url))
    return FacetResult("date", "Dates", tuple(facet_values), granularity=granularity)


def _granularity(dated: np.ndarray) -> tuple[str, int]:
    if dated.size == 0 or dated.max() // 10000 - dated.min() // 10000 >= 2:
        return "year", 10000
    if dated.max() // 100 != dated.min() // 100:
        return "month", 100
    return "day", 1


def _bucket_value(bucket: int, granularity: str) -> str:
    if granularity == "year":
        return f"{bucket:04d}"
    if granularity == "month":
        return f"{bucket // 100:04d}-{bucket % 100:02d}"
    return f"{bucket // 10000:04d}-{bucket // 100 % 100:02d}-{bucket % 100:02d}"


def _bucket_label(bucket: int, granularity: str) -> str:
    if granularity == "year":
        return str(bucket)
    if granularity == "month":
        return f"{_MONTHS[bucket % 100 - 1]} {bucket // 100}"
    return f"{bucket % 100} {_MONTHS[bucket // 100 % 100 - 1]} {bucket // 10000}"


def _chips(params: SearchParams, selection: _Selection) -> tuple[Chip, ...]:
    """The active filters, each with the URL that removes it."""
    names = dict(Person.objects.filter(id__in=selection.persons).values_list("slug", "name"))
    sources = dict(Source.objects.filter(id__in=selection.sources).values_list("slug", "name"))
    chips = [Chip(names[s], params.querystring(persons=_without(params.persons, s))) for s in params.persons if s in names]
    chips += [Chip(sources[s], params.querystring(sources=_without(params.sources, s))) for s in params.sources if s in sources]
    if params.date_from or params.date_to:
        label = params.date_from if params.date_from == params.date_to else f"{params.date_from or '…'} – {params.date_to or '…'}"
        chips.append(Chip(label, params.querystring(date_from="", date_to="")))
    if params.undated:
        chips.append(Chip("Undated", params.querystring(undated=False)))
    return tuple(chips)


def _without(values: tuple[str, ...], value: str) -> tuple[str, ...]:
    return tuple(v for v in values if v != value)
