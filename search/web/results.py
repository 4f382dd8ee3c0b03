"""A request's search state in, a page of results out: the engine's plain values with their URLs.

This is the one place where engine results get links (hits to articles and context, facet values
to their toggles, pages to pages); the engine itself builds none. Names in the query text are
resolved for the engine through ``search.people`` (``DatabaseLookups``).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass, replace

import numpy as np
from django.conf import settings
from django.db.models import Q
from django.urls import get_script_prefix, reverse

from search import people
from search.engine import parse
from search.engine import search as engine
from search.engine.search import Hit, Matches, QueryError
from search.models import Paragraph, Source
from search.web import copies, facets, timeline
from search.web.facets import Chip, FacetResult, Resolved
from search.web.params import SearchParams

__all__ = ["Group", "Hit", "QueryError", "SearchPage", "search"]


class DatabaseLookups:
    """The engine's ``parse.Lookups`` over the database: persons through ``search.people``."""

    def persons_named(self, text: str) -> list[int]:
        return people.persons_named(text)

    def sources_named(self, text: str) -> list[int]:
        return list(Source.objects.filter(Q(slug=text) | Q(name__icontains=text) | Q(domain__icontains=text)).values_list("id", flat=True))

    def person_exact(self, text: str) -> tuple[int, str] | None:
        return people.person_exact(text)

    def is_name_word(self, word: str) -> bool:
        return people.is_name_word(word)

    def paragraph(self, paragraph_id: int) -> parse.LikeParagraph | None:
        paragraph = Paragraph.objects.filter(pk=paragraph_id, is_boilerplate=False).select_related("article").first()
        if paragraph is None:
            return None
        label = f"¶{paragraph.position + 1} of “{engine.untitled(paragraph.article.title or paragraph.text)}”"
        return parse.LikeParagraph(paragraph.pk, paragraph.text, label)


LOOKUPS = DatabaseLookups()


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
    copies: copies.Copies | None = None  # the same paragraph in other articles


@dataclass(frozen=True)
class SearchPage:
    params: SearchParams
    groups: tuple[Group, ...] = ()
    total_paragraphs: int = 0
    total_articles: int = 0
    facets: tuple[FacetResult, ...] = ()
    chips: tuple[Chip, ...] = ()
    timeline: timeline.Chart | None = None
    error: str = ""
    notices: tuple[str, ...] = ()
    page: int = 1
    page_count: int = 0
    previous_url: str = ""
    next_url: str = ""
    sort_urls: tuple[tuple[str, str, bool], ...] = ()
    append_url: str = ""  # the next page's groups alone, for "load more"
    through_url: str = ""  # this search with pages 1 to the next shown at once: the URL once "load more" has loaded it
    suggestion: str = ""  # "did you mean" a query that finds more
    suggestion_url: str = ""
    corrected_from: str = ""  # the query as typed, when it found nothing and these are its correction's results
    verbatim_url: str = ""  # "search instead for" the query as typed
    folded: int = 0  # copies not listed: their family's earliest publication is listed instead
    copies_urls: tuple[tuple[str, str, bool], ...] = ()  # (label, URL, current) of the ways to list and count copies

    @property
    def export_urls(self) -> dict[str, str]:
        state = self.params.querystring()
        return {"csv": reverse("search:export_csv") + state, "json": reverse("search:export_json") + state}

    @property
    def table_urls(self) -> dict[str, dict[str, str]]:
        return facets.table_urls(self.params)

    @property
    def compare_url(self) -> str:
        """This search as the first query of a comparison over time."""
        return reverse("search:compare") + self.params.querystring()

    @property
    def batch_url(self) -> str:
        """A batch search of names or queries, each narrowed by this search's filters (its words left out)."""
        return reverse("search:batches") + self.params.querystring(q="")

    @property
    def feed_url(self) -> str:
        return reverse("search:feed") + self.params.querystring()

    @property
    def saved_query(self) -> str:
        """This search's state, as a saved search keeps it."""
        return self.params.querystring().lstrip("?")

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


# --- searching ----------------------------------------------------------------------------------


def _resolved(params: SearchParams) -> tuple[dict[str, Resolved], tuple[str, ...]]:
    resolved = {facet.name: facet.resolve(params) for facet in facets.REGISTRY}
    return resolved, tuple(notice for r in resolved.values() for notice in r.notices)


def _match(params: SearchParams, resolved: dict[str, Resolved]) -> Matches:
    filters = tuple((name, r.filter) for name, r in resolved.items() if r.filter is not None)
    return engine.match(engine.Query(params.q, filters, params.effective_sort, params.copies), lookups=LOOKUPS)


def search(params: SearchParams, *, page_size: int | None = None) -> SearchPage:
    """One page of results, grouped by article, with totals, facets and the timeline."""
    page_size = page_size or settings.SEARCH_PAGE_SIZE
    resolved, selection_notices = _resolved(params)
    try:
        m = _match(params, resolved)
    except QueryError as exc:
        return SearchPage(params=params, error=str(exc), notices=params.notices + selection_notices)
    per_article = m.per_article()
    total_articles = int(np.count_nonzero(per_article))
    listed_articles = int(m.values.articles_among(m.shown).size) if m.folded else total_articles
    page_count = max(1, -(-listed_articles // page_size))
    suggestion = engine.suggestion(m, lookups=LOOKUPS)
    if suggestion and m.total_paragraphs == 0 and not params.verbatim:
        return _corrected(params, suggestion, page_size)
    shown = params.page if params.through == 1 else min(params.through, page_count)  # the last page shown
    first = 1 if params.through > 1 else params.page
    hits = m.page(start=(first - 1) * page_size, size=(shown - first + 1) * page_size)
    has_next = shown < page_count
    return SearchPage(
        suggestion=suggestion,
        suggestion_url=params.querystring(q=suggestion) if suggestion else "",
        params=params,
        groups=_groups(hits, per_article, params),
        total_paragraphs=m.total_paragraphs,
        total_articles=total_articles,
        facets=tuple(facet.result(params, m, resolved[facet.name]) for facet in facets.REGISTRY),
        chips=tuple(chip for facet in facets.REGISTRY for chip in facet.chips(params, resolved[facet.name])),
        timeline=timeline.chart(params, m.values, m.counted),
        folded=m.folded,
        copies_urls=_copies_urls(params, m),
        notices=params.notices + selection_notices + m.notices,
        page=shown,
        page_count=page_count,
        previous_url=params.querystring(page=first - 1) if first > 1 else "",
        next_url=params.querystring(page=shown + 1) if has_next else "",
        append_url=params.querystring(page=shown + 1) + "&append=1" if has_next else "",
        through_url=params.querystring(through=shown + 1) if has_next else "",
        sort_urls=tuple((s, params.querystring(sort=s), s == params.effective_sort) for s in engine.SORTS),
    )


COPIES_LABELS = (("", "each family once"), ("all", "every copy"), ("once", "each family once, counted once"))


def _copies_urls(params: SearchParams, m: Matches) -> tuple[tuple[str, str, bool], ...]:
    """How copies are listed and counted, as links; none while no selected paragraph has a copy."""
    if not (m.folded or params.copies):
        return ()
    return tuple((label, params.querystring(copies=value), params.copies == value) for value, label in COPIES_LABELS)


def _corrected(params: SearchParams, corrected: str, page_size: int) -> SearchPage:
    """A query that found nothing answered with its correction's results at once, saying so, with a
    link back to the words as typed (``verbatim=1``, which is not corrected again)."""
    page = search(replace(params, q=corrected), page_size=page_size)
    return replace(page, corrected_from=params.q, verbatim_url=replace(params, verbatim=True).querystring())


def matches(params: SearchParams) -> Matches:
    """The engine's matches for a search state (exports); raises ``QueryError`` for a refused query."""
    return _match(params, _resolved(params)[0])


def paragraph_ids(params: SearchParams) -> Iterator[int]:
    """Every selected paragraph id in the page's order (for exports)."""
    return matches(params).paragraph_ids()


def article_matches(article_id: int, params: SearchParams) -> tuple[list[Hit], frozenset[str]]:
    """Every paragraph of one article that the search selects, highlighted, in article order;
    none for a query that is refused (the article page then marks nothing)."""
    try:
        m = matches(params)
    except QueryError:
        return [], frozenset()
    return m.article_hits(article_id), m.terms


def highlight_terms(params: SearchParams) -> frozenset[str]:
    return engine.highlight_terms(params.q, lookups=LOOKUPS)


def person_values(params: SearchParams, *, name_filter: str = "") -> FacetResult:
    """The long list of persons for a search ("more…"), optionally narrowed by name or alias."""
    resolved = _resolved(params)[0]
    try:
        m = _match(params, resolved)
    except QueryError:
        return FacetResult("person", "People", ())
    return facets.PERSON.named(params, m, resolved["person"], name_filter=name_filter)


# --- links --------------------------------------------------------------------------------------


def _more(per_article: np.ndarray, article_id: int) -> int:
    """How many more of this article's paragraphs match, besides the one shown."""
    return int(per_article[article_id]) - 1 if article_id < per_article.size else 0


def _groups(hits: list[Hit], per_article: np.ndarray, params: SearchParams) -> tuple[Group, ...]:
    state = params.querystring()
    similar = reverse("search:search") + "?q=like:"
    copied = copies.on_hits(hits)
    return tuple(
        Group(
            hit,
            _more(per_article, hit.article_id),
            more_url=f"{_path('search:article_matches', hit.article_id)}{state}{'&' if len(state) > 1 else ''}shown={hit.paragraph_id}",
            article_url=f"{_path('search:article', hit.article_id)}{state}#p-{hit.position}",
            context_url=_path("search:paragraph_context", hit.paragraph_id) + state,
            similar_url=f"{similar}{hit.paragraph_id}",
            copies=copied.get(hit.paragraph_id),
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
