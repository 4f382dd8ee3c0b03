"""Read side of the search index: parse, match, count, group, page, highlight.

Everything returned is a plain frozen dataclass; no Whoosh object leaves this module. Facet
counts come from per-segment numpy arrays of doc values (article, source, day, persons),
loaded once per segment and reused until the segment changes: Whoosh's own ``groupedby``
faceting costs hundreds of milliseconds per search (../shared/research/whoosh-lab.md §2.7, §4).
"""

from __future__ import annotations

import functools
import html
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.conf import settings
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import get_script_prefix, reverse
from whoosh import fields, highlight, qparser
from whoosh import query as wq
from whoosh.searching import Searcher

from search import facets, index, matching
from search.facets import DocValues, FacetResult, Selection
from search.models import Alias, Paragraph, Person, Source
from search.params import SORTS, SearchParams, day_bounds

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
    """An article's best matching paragraph, how many more of its paragraphs match, and its links
    (each keeps the search state, so the article and context views can mark the matches)."""

    hit: Hit
    more: int
    more_url: str
    article_url: str
    context_url: str
    similar_url: str


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
    suggestion: str = ""  # "did you mean" a query that finds more
    suggestion_url: str = ""

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
    """A query that is refused (too expensive, or a date that is not one); the message says why."""


LIKE_TERMS = 12  # distinctive words taken from a paragraph for "more like this"
LIKE_MINMATCH = 3  # of which a similar paragraph must share at least this many
MAX_EXPANSION = 50  # terms a prefix, wildcard or fuzzy word may expand to (whoosh-lab §2.5)
MIN_PREFIX = 3
_DATE_RANGE = re.compile(r"\bdate:\[\s*(\S*?)\s+to\s+(\S*?)\s*\]", re.I)
_DATE_SINGLE = re.compile(r"\bdate:(\d{4}(?:-\d{2}){0,2})\b", re.I)
_QUOTED = re.compile(r'"([^"]+)"')


# Matches no document. (Whoosh's NullQuery would vanish inside an And and widen the search.)
NOTHING = wq.Term("pid", "")


@dataclass(frozen=True)
class ParsedQuery:
    query: wq.Query | None
    notices: tuple[str, ...] = ()


# What users may type: person: and source: take names, which the rewriter turns into the ids
# the index holds; every other field name is read as a plain word.
_PARSE_SCHEMA = fields.Schema(
    text=index.SCHEMA["text"], title=index.SCHEMA["title"], person=fields.ID(), source=fields.ID(), like=fields.ID()
)


def _parser() -> qparser.QueryParser:
    # AND between words, as news readers expect. Ranges, boosts and *:* are off; wildcards and
    # fuzzy words are on but bounded below, since Whoosh has no expansion limit of its own
    # (whoosh-lab §2.5: `mi*` took 24 s). Dates have their own syntax, handled before parsing.
    parser = qparser.QueryParser("text", _PARSE_SCHEMA, group=qparser.AndGroup)
    for plugin in (qparser.RangePlugin, qparser.BoostPlugin, qparser.EveryPlugin):
        parser.remove_plugin_class(plugin)
    parser.add_plugin(qparser.FuzzyTermPlugin())
    # "-word" excludes, as in web search engines; only at the start of a word, so "long-time" stays a word.
    parser.add_plugin(qparser.PlusMinusPlugin(plusexpr=r"(?<![^\s(])\+", minusexpr=r"(?<![^\s(])-"))
    return parser


def parse_query(text: str, searcher: Searcher) -> ParsedQuery:
    """The user's query as a Whoosh query, with persons, sources, dates and expansions resolved."""
    text, dates = _date_clauses(text)
    notices: list[str] = []
    parsed: wq.Query | None = None
    if text.strip():
        try:
            parsed = _parser().parse(text)
        except Exception as exc:  # Whoosh raises plain exceptions from deep inside the parser
            words = " ".join(re.findall(r"\w+", text))
            notices.append(f"Could not read the query as written ({exc}); searched for the words “{words}” instead.")
            parsed = _parser().parse(words) if words else None
    if parsed is not None:
        rewriter = _Rewriter(text, searcher)
        parsed = rewriter.rewrite(parsed)
        notices += rewriter.notices
    if dates:
        parsed = wq.And([parsed, *dates]) if parsed is not None else (dates[0] if len(dates) == 1 else wq.And(dates))
    if parsed is wq.NullQuery:  # only stop words ("the"), or operators without words
        notices.append("The query has no words to search for: only very common words or operators.")
        parsed = NOTHING
    return ParsedQuery(parsed, tuple(notices))


def _date_clauses(text: str) -> tuple[str, list[wq.Query]]:
    """Take ``date:[2019 to 2020-03]`` and ``date:2019-05`` out of the text, as day-number ranges."""
    ranges: list[wq.Query] = []

    def as_range(low_text: str, high_text: str) -> wq.Query:
        low = day_bounds(low_text) if low_text not in ("", "*") else (1, 1)
        high = day_bounds(high_text) if high_text not in ("", "*") else (99991231, 99991231)
        if low is None or high is None:
            bad = low_text if low is None else high_text
            raise QueryError(f"“{bad}” is not a date: use YYYY, YYYY-MM or YYYY-MM-DD, as in date:[2019 to 2020-03].")
        return wq.NumericRange("day", low[0], high[1])

    def take_range(match: re.Match[str]) -> str:
        ranges.append(as_range(match.group(1), match.group(2)))
        return " "

    def take_single(match: re.Match[str]) -> str:
        ranges.append(as_range(match.group(1), match.group(1)))
        return " "

    text = _DATE_SINGLE.sub(take_single, _DATE_RANGE.sub(take_range, text))
    return text, ranges


class _Rewriter:
    """Resolves person: and source: to ids, bounds expansions, and widens person aliases."""

    def __init__(self, text: str, searcher: Searcher) -> None:
        self.text = text
        self.searcher = searcher
        self.reader = searcher.reader()
        self.notices: list[str] = []
        self.quoted = [q.strip() for q in _QUOTED.findall(text)]
        self.phrases_seen = 0

    def rewrite(self, node: wq.Query) -> wq.Query:
        if isinstance(node, wq.Term) and node.fieldname == "person":
            return self._person(str(node.text))
        if isinstance(node, wq.Term) and node.fieldname == "source":
            return self._source(str(node.text))
        if isinstance(node, wq.Term) and node.fieldname == "like":
            return self._like(str(node.text))
        if isinstance(node, wq.FuzzyTerm):
            return self._fuzzy(node)
        if isinstance(node, (wq.Prefix, wq.Wildcard)):
            return self._expansion(node)
        if isinstance(node, wq.Phrase) and node.fieldname == "text":
            self.phrases_seen += 1
            raw = self.quoted[self.phrases_seen - 1] if self.phrases_seen <= len(self.quoted) else ""
            return self._with_alias(node, raw)
        if isinstance(node, wq.Term) and node.fieldname == "text":
            return self._with_alias(node, self.text[node.startchar : node.endchar] if node.startchar is not None else "")
        return node.apply(self.rewrite)

    def _person(self, text: str) -> wq.Query:
        ids = persons_named(text)
        if not ids:
            self.notices.append(f"No person matches “{text}”.")
            return NOTHING
        return wq.Or([wq.Term("person", str(i)) for i in ids])

    def _source(self, text: str) -> wq.Query:
        ids = list(Source.objects.filter(Q(slug=text) | Q(name__icontains=text) | Q(domain__icontains=text)).values_list("id", flat=True))
        if not ids:
            self.notices.append(f"No source matches “{text}”.")
            return NOTHING
        return wq.Or([wq.Term("source", i) for i in ids])

    def _like(self, text: str) -> wq.Query:
        """More like this: the paragraph's most distinctive words, the paragraph itself left out."""
        paragraph = Paragraph.objects.filter(pk=int(text) if text.isdigit() else 0, is_boilerplate=False).first()
        if paragraph is None:
            self.notices.append(f"No paragraph {text[:20]} to find similar ones to.")
            return NOTHING
        words = [word for word, _ in self.searcher.key_terms_from_text("text", paragraph.text, numterms=LIKE_TERMS)]
        if not words:
            return NOTHING
        self.notices.append(f"Paragraphs like ¶{paragraph.position + 1} of “{untitled(paragraph.article.title or paragraph.text)}”.")
        return wq.AndNot(wq.Or([wq.Term("text", w) for w in words], minmatch=LIKE_MINMATCH), wq.Term("pid", str(paragraph.pk)))

    def _fuzzy(self, node: wq.FuzzyTerm) -> wq.Query:
        """The words within one typo of the word as typed, as the terms they index under.

        Not Whoosh's FuzzyTerm: on this field it compares the *stemmed* query ("goverment" → "gover")
        with the *unstemmed* spelling words, so "goverment~" found nothing. Here the typed word is
        compared with the unstemmed words, whose stems are then searched. The first letter is taken
        as typed: without that the whole word list is walked (835 ms for health~ on 100k paragraphs).
        """
        if node.maxdist > 1:
            self.notices.append(f"“{node.text}~{node.maxdist}” searched with one typo at most (~1).")
        typed = re.findall(r"\w+", self.text[node.startchar : node.endchar] if node.startchar is not None else "")
        word = (typed[0] if typed else str(node.text)).lower()
        near = {w for leaf, _ in self.reader.leaf_readers() for w in leaf.terms_within(node.fieldname, word, 1, prefix=1)}
        stems = {token.text for w in near for token in index.ANALYZER(w)} | {str(node.text)}
        found = sorted(stem for stem in stems if (node.fieldname, stem) in self.reader)
        if len(found) > MAX_EXPANSION:
            raise QueryError(f"“{word}~” matches {len(found)} different words (at most {MAX_EXPANSION}): add letters.")
        return wq.Or([wq.Term(node.fieldname, stem) for stem in found]) if found else NOTHING

    def _expansion(self, node: wq.Query) -> wq.Query:
        text = str(getattr(node, "text", "")) + ("*" if isinstance(node, wq.Prefix) else "")
        if isinstance(node, (wq.Prefix, wq.Wildcard)) and len(re.split(r"[*?]", text)[0]) < MIN_PREFIX:
            raise QueryError(f"“{text}”: a wildcard needs at least {MIN_PREFIX} letters before * or ?.")
        expanded = {t for _, t in node.expanded_terms(self.reader)}
        if len(expanded) > MAX_EXPANSION:
            raise QueryError(f"“{text}” matches {len(expanded)} different words (at most {MAX_EXPANSION}): add letters.")
        # The words themselves, so that nothing expands the pattern a second time.
        return wq.Or([wq.Term(node.fieldname, word) for word in sorted(expanded)]) if expanded else NOTHING

    def _with_alias(self, node: wq.Query, raw: str) -> wq.Query:
        """A word or phrase that is a person's name or alias also finds mentions under other names."""
        raw = raw.strip().strip('"')
        person = known_person_exact(raw) if raw else None
        if person is None:
            return node
        self.notices.append(f"“{raw}” also finds paragraphs that mention {person[1]} under another name.")
        return wq.Or([node, wq.Term("person", str(person[0]))])


def persons_named(text: str) -> list[int]:
    """Persons whose name or an alias contains every word of ``text``, or whose slug it is."""
    words = text.replace("-", " ").split()
    if not words:
        return []
    first = words[0]
    candidates = Person.objects.filter(Q(slug=text.lower()) | Q(name__icontains=first) | Q(aliases__name__icontains=first))
    ids = set(candidates.values_list("id", flat=True))
    by_slug = set(Person.objects.filter(slug=text.lower()).values_list("id", flat=True))
    return sorted(by_slug | set(facets.matching_person_ids(" ".join(words), ids)))


def known_person_exact(text: str) -> tuple[int, str] | None:
    alias = Alias.objects.filter(name__iexact=text).select_related("person").first()
    if alias:
        return alias.person_id, alias.person.name
    person = Person.objects.annotate(lowered=Lower("name")).filter(lowered=text.lower()).values_list("id", "name").first()
    return (person[0], person[1]) if person else None


# --- searcher and doc values -----------------------------------------------------------------

_local = threading.local()
_segment_cache: dict[tuple[str, str, int], DocValues] = {}
_segment_lock = threading.Lock()


def _searcher() -> Searcher:
    """This thread's searcher, reopened when the index has a new commit or generation.

    Not ``Searcher.refresh()``: in Whoosh 2.7 it re-adds the old version of every segment whose
    deletions changed (index.py ``_reader``: ``segments.extend(... if segment not in segments)``),
    so after an update both versions of a paragraph match. Reopening costs a few milliseconds.
    """
    path = index.current_path()
    current: Searcher | None = getattr(_local, "searcher", None)
    if current is not None and getattr(_local, "path", None) == path and current.up_to_date():
        return current
    if current is not None:
        current.close()
    _local.searcher, _local.path = index.open_index().searcher(), path
    return _local.searcher


def _per_searcher(searcher: Searcher, name: str, make: Callable[[], Any]) -> Any:
    """A value computed once per searcher in this thread, dropped when the searcher is replaced."""
    cache = getattr(_local, "per_searcher", None)
    if cache is None or cache[0] is not searcher:
        cache = (searcher, {})
        _local.per_searcher = cache
    if name not in cache[1]:
        cache[1][name] = make()
    return cache[1][name]


def _doc_values(searcher: Searcher) -> DocValues:
    """The doc values of every segment of this searcher, joined once per searcher (per commit)."""
    return _per_searcher(searcher, "values", lambda: _join_segment_values(searcher))


def _field_lengths(searcher: Searcher, fieldname: str) -> np.ndarray:
    """BM25's document lengths of a field, read once per searcher."""
    return _per_searcher(searcher, f"lengths of {fieldname}", lambda: matching.field_lengths(searcher, fieldname))  # type: ignore[no-any-return]


def _join_segment_values(searcher: Searcher) -> DocValues:
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
    deleted = reader.deleted_docs_set if reader.has_deletions() else frozenset()
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


def _load_segment_values(reader: Any, deleted: frozenset[int]) -> DocValues:
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
    scores: np.ndarray | None  # BM25 of each matched document, when computed here rather than by Whoosh
    masks: dict[str, np.ndarray]
    selected: np.ndarray  # matching the query and every filter, sorted docnums
    notices: tuple[str, ...]
    selection: Selection


def _match(params: SearchParams) -> _Matches:
    selection, selection_notices = Selection.resolve(params)
    searcher = _searcher()
    parsed_query = parse_query(params.q, searcher)
    parsed = parsed_query.query
    values = _doc_values(searcher)
    if parsed is None:
        matched, scores = np.flatnonzero(values.live), None
    else:
        matched, scores = _matching(parsed, searcher, values)
    masks = facets.filter_masks(params, selection, values, matched)
    selected = matched[facets.combine(masks.values(), matched.size)]
    notices = tuple(selection_notices) + parsed_query.notices
    return _Matches(searcher, parsed, values, matched, scores, masks, selected, notices, selection)


def _matching(parsed: wq.Query, searcher: Searcher, values: DocValues) -> tuple[np.ndarray, np.ndarray | None]:
    """Sorted matching docnums, and their scores when numpy could compute them (see search.matching)."""
    try:
        found = matching.evaluate(parsed, searcher, values.live, values.day, lengths=lambda name: _field_lengths(searcher, name))
    except matching.Unsupported:
        docs = np.fromiter(searcher.docs_for_query(parsed), dtype=np.int64)
        docs.sort()
        return docs, None
    return found.docs, found.scores


def search(params: SearchParams, *, page_size: int | None = None) -> SearchPage:
    """One page of results, grouped by article, with totals, facets and the timeline."""
    page_size = page_size or settings.SEARCH_PAGE_SIZE
    try:
        m = _match(params)
    except QueryError as exc:
        return SearchPage(params=params, error=str(exc), notices=params.notices + tuple(Selection.resolve(params)[1]))
    per_article = m.values.over(
        m.selected, "per article", lambda: np.bincount(m.values.article[m.selected], minlength=m.values.article_source.size)
    )
    total_articles = int(np.count_nonzero(per_article))
    page_count = max(1, -(-total_articles // page_size))
    start = (params.page - 1) * page_size
    best = _best_docnums(m, params, start=start, size=page_size)
    hits = _hits(m.searcher, best, _highlight_terms(m.searcher, m.parsed))
    suggestion = _suggestion(m, params) if m.selected.size < SUGGEST_BELOW else ""
    return SearchPage(
        suggestion=suggestion,
        suggestion_url=params.querystring(q=suggestion) if suggestion else "",
        params=params,
        groups=_groups(hits, per_article, params),
        total_paragraphs=int(m.selected.size),
        total_articles=total_articles,
        facets=facets.facets(params, m.selection, m.values, m.matched, m.masks),
        chips=facets.chips(params, m.selection),
        timeline=facets.timeline(params, m.values.day[m.selected]),
        notices=params.notices + m.notices,
        page=params.page,
        page_count=page_count,
        previous_url=params.querystring(page=params.page - 1) if params.page > 1 else "",
        next_url=params.querystring(page=params.page + 1) if params.page < page_count else "",
        append_url=params.querystring(page=params.page + 1) + "&append=1" if params.page < page_count else "",
        sort_urls=tuple((s, params.querystring(sort=s), s == params.effective_sort) for s in SORTS),
    )


OVERFETCH = 3  # paragraphs fetched per article wanted, before grouping by article
RANKINGS_KEPT = 16  # relevance rankings kept per searcher, for paging on
SUGGEST_BELOW = 3  # offer a correction when a query finds fewer paragraphs than this
_WORD = re.compile(r"(?<![\w:*?~])[^\W\d_]{3,}(?![\w:*?~])")


def _suggestion(m: _Matches, params: SearchParams) -> str:
    """The query with misspelt words corrected, if that finds more paragraphs; else ''."""
    if m.parsed is None:
        return ""
    reader = m.searcher.reader()
    corrector = m.searcher.corrector("text")
    corrected = params.q
    for word in dict.fromkeys(_WORD.findall(params.q)):
        stems = [t.text for t in index.ANALYZER(word)]
        if not stems or all(("text", stem.encode("utf-8")) in reader for stem in stems):
            continue
        options = corrector.suggest(word.lower(), limit=1, maxdist=2, prefix=2)  # a 2-letter prefix: 20x faster
        if options:
            corrected = re.sub(rf"(?<![\w:]){re.escape(word)}(?!\w)", options[0], corrected)
    if corrected == params.q:
        return ""
    try:
        better = parse_query(corrected, m.searcher).query
    except QueryError:
        return ""
    found = _matching(better, m.searcher, m.values)[0].size if better is not None else 0
    return corrected if found > m.selected.size else ""


def _more(per_article: np.ndarray, article_id: int) -> int:
    """How many more of this article's paragraphs match, besides the one shown."""
    return int(per_article[article_id]) - 1 if article_id < per_article.size else 0


def _groups(hits: list[Hit], per_article: np.ndarray, params: SearchParams) -> tuple[Group, ...]:
    state = params.querystring()
    similar = reverse("search:search") + "?q=like:"
    return tuple(
        Group(
            hit,
            _more(per_article, hit.article_id),
            more_url=_path("search:article_matches", hit.article_id) + state,
            article_url=f"{_path('search:article', hit.article_id)}{state}#p-{hit.position}",
            context_url=_path("search:paragraph_context", hit.paragraph_id) + state,
            similar_url=f"{similar}{hit.paragraph_id}",
        )
        for hit in hits
    )


def _path(name: str, pk: int) -> str:
    """``reverse(name, args=[pk])``, with the pattern reversed once per name and script prefix (a page
    has three links per hit)."""
    before, after = _route(name, get_script_prefix())
    return f"{before}{pk}{after}"


_ROUTE_MARK = 987654321  # an id no route contains otherwise


@functools.lru_cache(maxsize=64)
def _route(name: str, script_prefix: str) -> tuple[str, str]:
    before, _, after = reverse(name, args=[_ROUTE_MARK]).rpartition(str(_ROUTE_MARK))
    return before, after


def _best_docnums(m: _Matches, params: SearchParams, *, start: int, size: int) -> list[int]:
    """The best paragraph of each article on this page: by score, or by date then position."""
    if m.selected.size == 0 or start >= m.selected.size:
        return []
    if m.parsed is not None and params.effective_sort == "relevance":
        return _best_by_score(m, params.querystring(page=1), start=start, size=size)
    firsts = m.values.over(m.selected, "first of each article", lambda: _first_docs_by_article(m.values, m.selected))
    keys = m.values.day[firsts] * (1 << 32) + m.values.article[firsts]
    if params.effective_sort == "newest":
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


def _best_by_score(m: _Matches, key: str, *, start: int, size: int) -> list[int]:
    """The best-scoring paragraph of each article, for articles start..start+size in score order.

    A plain top-k search keeps Whoosh's block-quality skipping, which ``collapse=`` turns off (it
    then scores every match in Python: 200 ms for a common word at 100k paragraphs). Paragraphs are
    over-fetched and grouped here. The ranking is kept per searcher and query (``key``), and a
    page beyond it fetches four times as far: paging on costs a slice, not a deeper search each time.
    """
    need = start + size
    rankings = _rankings(m.searcher)
    ranking = rankings.get(key)
    while ranking is None or (len(ranking.best) < need and not ranking.complete):
        ranking = _rank(m, max(need * OVERFETCH, 4 * ranking.limit if ranking else 0))
    rankings[key] = ranking
    while len(rankings) > RANKINGS_KEPT:
        rankings.pop(next(iter(rankings)))
    return ranking.best[start:need]


def _rank(m: _Matches, limit: int) -> _Ranking:
    if m.scores is not None:
        return _rank_by_scores(m, limit)
    allowed = set(m.selected.tolist()) if m.masks else None
    results = m.searcher.search(m.parsed, limit=limit, filter=allowed)
    best: dict[int, int] = {}
    for docnum in (hit.docnum for hit in results):
        best.setdefault(int(m.values.article[docnum]), docnum)
    return _Ranking(list(best.values()), limit, complete=results.scored_length() < limit)


def _rank_by_scores(m: _Matches, limit: int) -> _Ranking:
    """The same ranking from the scores computed with numpy: the ``limit`` best paragraphs (and any
    tied with the last), ordered by score then docnum as Whoosh orders them, best per article."""
    assert m.scores is not None
    docs = m.selected
    scores = m.scores[np.searchsorted(m.matched, docs)]
    if limit < docs.size:
        threshold = np.partition(scores, docs.size - limit)[docs.size - limit]
        top = np.flatnonzero(scores >= threshold)
    else:
        top = np.arange(docs.size)
    ordered = docs[top[np.lexsort((docs[top], -scores[top]))]]
    _, first = np.unique(m.values.article[ordered], return_index=True)
    return _Ranking(ordered[np.sort(first)].tolist(), limit, complete=top.size == docs.size)


def _rankings(searcher: Searcher) -> dict[str, _Ranking]:
    """Rankings computed with this searcher (this thread's; dropped with the searcher)."""
    return _per_searcher(searcher, "rankings", dict)


def _first_docs_by_article(values: DocValues, docs: np.ndarray) -> np.ndarray:
    """For each article among ``docs``, its first matching document (documents follow paragraph order)."""
    articles = values.article[docs]
    order = np.lexsort((docs, articles))
    sorted_articles = articles[order]
    starts = np.flatnonzero(np.r_[True, sorted_articles[1:] != sorted_articles[:-1]])
    return docs[order][starts]


def paragraph_ids(params: SearchParams) -> Iterator[int]:
    """Every selected paragraph id in the page's order (for exports), in batches."""
    m = _match(params)
    if m.parsed is not None and params.effective_sort == "relevance" and m.scores is not None:
        scores = m.scores[np.searchsorted(m.matched, m.selected)]
        docnums = m.selected[np.lexsort((m.selected, -scores))].tolist()
    elif m.parsed is not None and params.effective_sort == "relevance":
        allowed = set(m.selected.tolist()) if m.masks else None
        docnums = [hit.docnum for hit in m.searcher.search(m.parsed, limit=None, filter=allowed)]
    else:
        keys = m.values.day[m.selected] * (1 << 32) + m.selected
        docnums = m.selected[np.argsort(-keys if params.effective_sort == "newest" else keys, kind="stable")].tolist()
    for start in range(0, len(docnums), EXPORT_BATCH):
        yield from (int(m.searcher.stored_fields(d)["pid"]) for d in docnums[start : start + EXPORT_BATCH])


def article_matches(article_id: int, params: SearchParams) -> tuple[list[Hit], frozenset[str]]:
    """Every paragraph of one article that the search selects, highlighted, in article order;
    none for a query that is refused (the article page then marks nothing)."""
    try:
        m = _match(params)
    except QueryError:
        return [], frozenset()
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
    searcher = _searcher()
    try:
        parsed = parse_query(params.q, searcher).query
    except QueryError:
        return frozenset()
    return _highlight_terms(searcher, parsed)


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


_HIT_FIELDS = ("id", "article_id", "position", "text", "article__title", "article__url", "article__source__name", "article__published")


def _hits(searcher: Searcher, docnums: list[int], terms: frozenset[str]) -> list[Hit]:
    pids = [int(searcher.stored_fields(d)["pid"]) for d in docnums]
    # Rows, not model instances: a page needs eight values per hit, not three models.
    rows = {row[0]: row for row in Paragraph.objects.filter(id__in=pids).values_list(*_HIT_FIELDS)}
    # A paragraph deleted since the index was written is skipped; the outbox will catch up.
    return [_hit(rows[pid], terms) for pid in pids if pid in rows]


def _hit(row: tuple[Any, ...], terms: frozenset[str]) -> Hit:
    paragraph_id, article_id, position, text, title, url, source, published = row
    return Hit(
        paragraph_id=paragraph_id,
        article_id=article_id,
        position=position,
        title=title or untitled(text),
        url=url,
        source=source or "",
        published=published.isoformat() if published else "",
        snippet=snippet(text, terms),
    )


def untitled(text: str) -> str:
    words = text.split()
    return " ".join(words[:10]) + (" …" if len(words) > 10 else "")


def person_values(params: SearchParams, *, name_filter: str = "") -> FacetResult:
    """The long list of persons for a search ("more…"), optionally narrowed by name or alias."""
    try:
        m = _match(params)
    except QueryError:
        return FacetResult("person", "People", ())
    docs = m.matched[facets.combine((mask for name, mask in m.masks.items() if name != "person"), m.matched.size)]
    return facets.person_facet(params, m.selection, m.values, docs, size=facets.MORE_SIZE, name_filter=name_filter)
