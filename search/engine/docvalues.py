"""Per-document values of the index as numpy arrays, and the searcher they belong to.

Facet counts and filters come from per-segment arrays of doc values (article, source, day,
persons), mapped from files beside each segment (``segment_values``), joined once per process and
index version, and reused until the index changes: Whoosh's own ``groupedby`` faceting costs hundreds
of milliseconds per search (docs/WHOOSH.md).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, TypeVar

import numpy as np
from whoosh.searching import Searcher

from search.engine import _whoosh, index, matching, segment_values, words
from search.engine.arrays import offsets_of, run_indices
from search.engine.kept import Kept

T = TypeVar("T")


@dataclass(frozen=True)
class DocValues:
    """Per-document values of the index, by document number; persons as (doc, person) pairs, each
    marked when the paragraph gives the person's words."""

    article: np.ndarray
    source: np.ndarray
    day: np.ndarray  # yyyymmdd, 0 = undated
    live: np.ndarray
    person_doc: np.ndarray
    person_id: np.ndarray
    family: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # copy family id, 0 = none; empty: none known
    person_speaks: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))  # by mention: its words given; empty: nobody's
    _whole: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def size(self) -> int:
        return int(self.article.size)

    @cached_property
    def live_count(self) -> int:
        return int(np.count_nonzero(self.live))

    def over(self, docs: np.ndarray, name: str, compute: Callable[[], T]) -> T:
        """``compute()``, kept when ``docs`` are every live document (browse mode, or the facet whose
        own filter is the only one): counts over the whole index change only with the index."""
        if docs.size != self.live_count:
            return compute()
        if name not in self._whole:
            self._whole[name] = compute()
        return self._whole[name]

    # Derived once per DocValues (per searcher), on first use: they make every count per request
    # linear in the matches, with no sort (np.unique over a browse request's 900k documents and
    # 3M person pairs took 300 ms of its 560).

    @cached_property
    def article_source(self) -> np.ndarray:
        """Each article's source, by article id (every live paragraph of an article has its source)."""
        return self._by_article(self.source)

    @cached_property
    def article_day(self) -> np.ndarray:
        """Each article's day (yyyymmdd, 0 = undated), by article id."""
        return self._by_article(self.day)

    @cached_property
    def pairs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The (person, article, doc) mentions, sorted by person then article."""
        order = self._pairs_order
        return self.person_id[order], self.article[self.person_doc][order], self.person_doc[order]

    @cached_property
    def _pairs_order(self) -> np.ndarray:
        return np.lexsort((self.article[self.person_doc], self.person_id))

    @cached_property
    def speaker_pairs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The (person, article, doc) mentions whose words the paragraph gives, sorted by person then article."""
        persons, articles, docs = self.pairs
        if self.person_speaks.size == 0:
            return persons[:0], articles[:0], docs[:0]
        speaks = self.person_speaks[self._pairs_order]
        return persons[speaks], articles[speaks], docs[speaks]

    @cached_property
    def mention_offsets(self) -> tuple[np.ndarray, np.ndarray]:
        """The mentions ordered by document, and where each document's run starts (CSR)."""
        order = np.argsort(self.person_doc, kind="stable")
        return order, offsets_of(np.bincount(self.person_doc, minlength=self.size))

    def mentions_of(self, docs: np.ndarray, *, speaking: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """(person, article) of every mention in ``docs`` (``speaking``: only those whose words the
        paragraph gives), in no particular order."""
        order, offsets = self.mention_offsets
        picked = order[run_indices(offsets, docs)[0]]
        if speaking:
            picked = picked[self.person_speaks[picked]] if self.person_speaks.size else picked[:0]
        return self.person_id[picked], self.article[self.person_doc[picked]]

    def _by_article(self, per_doc: np.ndarray) -> np.ndarray:
        table = np.zeros(int(self.article.max()) + 1 if self.article.size else 0, np.int64)
        live = np.flatnonzero(self.live)
        table[self.article[live]] = per_doc[live]
        return table

    def articles_among(self, docs: np.ndarray) -> np.ndarray:
        """The distinct article ids of ``docs``, sorted, without sorting ``docs``."""
        present = np.zeros(self.article_source.size, bool)
        present[self.article[docs]] = True
        return np.flatnonzero(present)

    @classmethod
    def empty(cls) -> DocValues:
        none = np.zeros(0, np.int64)
        return cls(none, none, none, np.zeros(0, bool), none, none)


_local = threading.local()
_segment_cache: Kept[DocValues] = Kept(256)  # by segment and deletions
_joined_cache: Kept[DocValues] = Kept(4)  # by set of segments (index version)


def current_searcher() -> Searcher:
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


def per_searcher(searcher: Searcher, name: str, make: Callable[[], Any]) -> Any:
    """A value computed once per searcher in this thread, dropped when the searcher is replaced."""
    cache: tuple[Searcher, dict[str, Any]] | None = getattr(_local, "per_searcher", None)
    if cache is None or cache[0] is not searcher:
        cache = (searcher, {})
        _local.per_searcher = cache
    if name not in cache[1]:
        cache[1][name] = make()
    return cache[1][name]


def doc_values(searcher: Searcher) -> DocValues:
    """The doc values of every segment of this searcher, joined once per searcher (per commit)."""
    values: DocValues = per_searcher(searcher, "values", lambda: _join_segment_values(searcher))
    return values


def field_lengths(searcher: Searcher, fieldname: str) -> np.ndarray:
    """BM25's document lengths of a field, read once per searcher."""
    lengths: np.ndarray = per_searcher(searcher, f"lengths of {fieldname}", lambda: matching.field_lengths(searcher, fieldname))
    return lengths


def _join_segment_values(searcher: Searcher) -> DocValues:
    """Joined once per process and set of segments, not per thread: the arrays derived from them
    (sorted person pairs, counts over every document) then serve every thread of a worker."""
    path = str(index.current_path())
    leaves = _whoosh.leaves(searcher.reader())
    key = (path, tuple((_whoosh.segment_key(r)[:2], offset) for r, offset in leaves))

    def join() -> DocValues:
        return _joined([_segment_values(path, reader) for reader, _ in leaves], [offset for _, offset in leaves])

    return _joined_cache.get(key, join)


def _joined(parts: list[DocValues], offsets: list[int]) -> DocValues:
    if not parts:
        return DocValues.empty()
    if len(parts) == 1:
        return parts[0]
    return DocValues(
        article=np.concatenate([p.article for p in parts]),
        source=np.concatenate([p.source for p in parts]),
        day=np.concatenate([p.day for p in parts]),
        live=np.concatenate([p.live for p in parts]),
        person_doc=np.concatenate([p.person_doc + off for p, off in zip(parts, offsets, strict=True)]),
        person_id=np.concatenate([p.person_id for p in parts]),
        family=np.concatenate([p.family for p in parts]),
        person_speaks=np.concatenate([p.person_speaks for p in parts]),
    )


def warm() -> None:
    """Do a new process's first-search work before it serves (gunicorn's ``post_worker_init``): join
    the doc values, derive the arrays every count needs and merge the word list of fuzzy words, so
    that no user waits for them."""
    with index.open_index().searcher() as searcher:
        values = _join_segment_values(searcher)
        for derived in ("pairs", "speaker_pairs", "mention_offsets", "article_source", "article_day"):
            getattr(values, derived)
        words.vocabulary(searcher)


def _segment_values(path: str, reader: Any) -> DocValues:
    segment_id, deleted_count, deleted = _whoosh.segment_key(reader)
    key = (path, segment_id, deleted_count)
    return _segment_cache.get(key, lambda: _with_deletions(*segment_values.arrays(path, segment_id, reader), deleted))


def _with_deletions(docs: np.ndarray, persons: np.ndarray, deleted: AbstractSet[int]) -> DocValues:
    """One segment's DocValues from its arrays (mapped, not copied) and its deleted documents."""
    live = np.ones(docs.shape[1], bool)
    person_doc, person_id, speaks = persons[0], persons[1], persons[2].astype(bool)
    if deleted:
        live[np.fromiter(deleted, np.int64)] = False
        keep = live[person_doc]
        person_doc, person_id, speaks = person_doc[keep], person_id[keep], speaks[keep]
    return DocValues(docs[0], docs[1], docs[2], live, person_doc, person_id, family=docs[3], person_speaks=speaks)
