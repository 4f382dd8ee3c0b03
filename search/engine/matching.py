"""Matching and BM25 scoring of a parsed query with numpy over Whoosh's on-disk postings.

Whoosh matches and scores one document at a time in Python: a common word on the whole AllSides
corpus (140k paragraphs for "trump" and the person it names) cost 1.9 s a search, most of it in
``Collector.collect`` and ``BM25FScorer.score`` (profile in docs/BENCHMARKS.md). Here a term's
postings are read a block at a time (Whoosh stores each block of 128 postings as one compressed
pickle) into arrays of document numbers and term frequencies; AND, OR and NOT become sorted-array
set operations, BM25 is one array expression, and phrases are checked on the positions of the
documents that contain every word. Scores are Whoosh's own BM25F (same idf, average length and
length quantisation), so rankings agree with ``Searcher.search``.

This reads Whoosh's codec below its public API (through ``_whoosh``, the one module that does, which
checks at start-up that the pinned version is installed), and tests/test_matching.py compares every
supported query shape with Whoosh's own matching. A query shape not handled here raises
``Unsupported``, and the caller falls back to Whoosh.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from whoosh import query as wq
from whoosh import scoring
from whoosh.searching import Searcher

from search.engine import _whoosh
from search.engine.arrays import offsets_of, run_indices

_EMPTY = np.zeros(0, np.int64)
_POSITION_STRIDE = 1 << 32  # a key is candidate * stride + position: positions stay far below 2**32


class Unsupported(Exception):
    """A query shape this module does not evaluate; Whoosh's own matching is used instead."""


@dataclass(frozen=True)
class Matched:
    """Sorted, unique document numbers (the searcher's global numbering) and their scores."""

    docs: np.ndarray
    scores: np.ndarray

    @classmethod
    def empty(cls) -> Matched:
        return cls(_EMPTY, np.zeros(0))


def evaluate(
    query: wq.Query, searcher: Searcher, live: np.ndarray, day: np.ndarray, *, lengths: Callable[[str], np.ndarray] | None = None
) -> Matched:
    """The live documents matching ``query``, scored as Whoosh scores them.

    ``live`` (a bool per document) and ``day`` (yyyymmdd per document) are the searcher's doc values;
    ``lengths(field)`` gives ``field_lengths`` for the searcher (the caller keeps them per searcher).
    """
    if not isinstance(searcher.weighting, scoring.BM25F):
        raise Unsupported(f"weighting {type(searcher.weighting).__name__}")
    matched = _Evaluator(searcher, live, day, lengths or (lambda name: field_lengths(searcher, name))).run(query)
    keep = live[matched.docs]
    return Matched(matched.docs[keep], matched.scores[keep])


class _Evaluator:
    def __init__(self, searcher: Searcher, live: np.ndarray, day: np.ndarray, lengths: Callable[[str], np.ndarray]) -> None:
        self.searcher = searcher
        self.live = live
        self.day = day
        self.lengths = lengths
        self.leaves = _whoosh.leaves(searcher.reader())

    def run(self, node: wq.Query) -> Matched:
        if isinstance(node, wq.Term):
            return self.term(node.fieldname, node.text, with_positions=False)[0]
        if isinstance(node, wq.And):
            return self.conjunction(node.subqueries)
        if isinstance(node, wq.Or):
            return self.disjunction(node)
        if isinstance(node, wq.AndNot):
            return _minus(self.run(node.a), self.run(node.b).docs)
        if isinstance(node, wq.AndMaybe):
            return _plus_optional(self.run(node.a), self.run(node.b))
        if isinstance(node, wq.Phrase):
            return self.phrase(node)
        if isinstance(node, wq.NumericRange) and node.fieldname == "day":
            low = -(1 << 62) if node.start is None else node.start + int(bool(node.startexcl))
            high = 1 << 62 if node.end is None else node.end - int(bool(node.endexcl))
            docs = np.flatnonzero((self.day >= low) & (self.day <= high))
            return Matched(docs.astype(np.int64), np.ones(docs.size))  # Whoosh scores ranges constant
        if node is wq.NullQuery or isinstance(node, wq.NullQuery.__class__):
            return Matched.empty()
        raise Unsupported(type(node).__name__)

    # --- compounds ---------------------------------------------------------------------------

    def conjunction(self, nodes: list[wq.Query]) -> Matched:
        positive = [n for n in nodes if not isinstance(n, wq.Not)]
        negative = [n.query for n in nodes if isinstance(n, wq.Not)]
        if not positive:
            raise Unsupported("only negated clauses")
        result = self.run(positive[0])
        for node in positive[1:]:
            if result.docs.size == 0:
                return result
            result = _intersect(result, self.run(node))
        for node in negative:
            result = _minus(result, self.run(node).docs)
        # Whoosh scores a NOT clause inside AND as 1.0 for every document it lets through.
        return Matched(result.docs, result.scores + len(negative)) if negative else result

    def disjunction(self, node: wq.Or) -> Matched:
        if any(isinstance(n, wq.Not) for n in node.subqueries):
            raise Unsupported("negated clause in OR")
        parts = [self.run(n) for n in node.subqueries]
        if not parts:
            return Matched.empty()
        docs = np.concatenate([p.docs for p in parts])
        scores = np.concatenate([p.scores for p in parts])
        unique, inverse, counts = np.unique(docs, return_inverse=True, return_counts=True)
        summed = np.bincount(inverse, weights=scores, minlength=unique.size)
        if node.minmatch and node.minmatch > 1:
            keep = counts >= node.minmatch
            return Matched(unique[keep], summed[keep])
        return Matched(unique, summed)

    # --- phrases -----------------------------------------------------------------------------

    def phrase(self, node: wq.Phrase) -> Matched:
        """Documents with every word, then positions checked for those alone (Whoosh's slop rule:
        each word within ``slop`` positions after the previous one), as array operations."""
        if not node.words:
            return Matched.empty()
        terms = [self.term(node.fieldname, word, with_positions=True) for word in node.words]
        result = terms[0][0]
        for matched, _ in terms[1:]:
            result = _intersect(result, matched)
        if result.docs.size == 0 or len(terms) == 1:
            return result
        reached: np.ndarray | None = None  # (candidate, position) keys where the phrase so far ends, sorted
        for matched, positions in terms:
            keys = positions.keys_for(result.docs, matched.docs)
            if reached is not None:
                keys = keys[_follows(keys, reached, node.slop)]
            reached = np.unique(keys)
        assert reached is not None
        found = np.unique(reached // _POSITION_STRIDE)
        return Matched(result.docs[found], result.scores[found])

    # --- terms -------------------------------------------------------------------------------

    def term(self, fieldname: str, text: Any, *, with_positions: bool) -> tuple[Matched, Positions]:
        """A term's postings over every segment, scored; with their positions if asked."""
        field = self.searcher.schema[fieldname] if fieldname in self.searcher.schema else None  # noqa: SIM401 - no Schema.get
        if field is None:
            return Matched.empty(), Positions.empty()
        try:
            tbytes = text if isinstance(text, bytes) else field.to_bytes(text)
        except ValueError:
            return Matched.empty(), Positions.empty()
        parts = [
            (postings_cache.postings(reader, fieldname, tbytes, field.format, with_positions=with_positions), offset)
            for reader, offset in self.leaves
            if (fieldname, tbytes) in reader
        ]
        if not parts:
            return Matched.empty(), Positions.empty()
        docs = np.concatenate([p.ids.astype(np.int64) + offset for p, offset in parts])
        freqs = np.concatenate([p.weights for p, _ in parts]).astype(np.float64, copy=False)
        positions = Positions.joined([p.positions for p, _ in parts]) if with_positions else Positions.empty()
        return Matched(docs, self.bm25(fieldname, field, tbytes, docs, freqs)), positions

    def bm25(self, fieldname: str, field: Any, tbytes: bytes, docs: np.ndarray, freqs: np.ndarray) -> np.ndarray:
        if not field.scorable:
            return freqs  # Whoosh's WeightScorer: the posting's weight
        weighting: scoring.BM25F = self.searcher.weighting
        b = weighting._field_B.get(fieldname, weighting.B)
        k1 = weighting.K1
        idf = self.searcher.idf(fieldname, tbytes)
        average = self.searcher.avg_field_length(fieldname) or 1
        lengths = self.lengths(fieldname)[docs]
        return idf * ((freqs * (k1 + 1)) / (freqs + k1 * ((1 - b) + b * lengths / average)))


# --- postings and lengths --------------------------------------------------------------------


@dataclass(frozen=True)
class Positions:
    """The positions of a term's postings, flat: posting i's are ``flat[offsets[i]:offsets[i + 1]]``."""

    offsets: np.ndarray  # int64, one more than the postings
    flat: np.ndarray  # int32

    @classmethod
    def empty(cls) -> Positions:
        return cls(np.zeros(1, np.int64), np.zeros(0, np.int32))

    @classmethod
    def decoded(cls, values: list[bytes], fmt: Any) -> Positions:
        lengths, flat = _whoosh.decode_positions(values, fmt)
        return cls(offsets_of(lengths), flat.astype(np.int32))

    @classmethod
    def joined(cls, parts: list[Positions | None]) -> Positions:
        """The positions of consecutive posting lists (the segments of an index, in order)."""
        present = [p for p in parts if p is not None]
        if len(present) <= 1:
            return present[0] if present else cls.empty()
        shifts = np.cumsum([0] + [p.flat.size for p in present[:-1]])
        offsets = np.concatenate([[0]] + [p.offsets[1:] + shift for p, shift in zip(present, shifts, strict=True)])
        return cls(offsets.astype(np.int64), np.concatenate([p.flat for p in present]))

    @property
    def nbytes(self) -> int:
        return int(self.offsets.nbytes + self.flat.nbytes)

    def keys_for(self, wanted: np.ndarray, docs: np.ndarray) -> np.ndarray:
        """``candidate * stride + position`` for every position in each ``wanted`` document (a subset
        of ``docs``, the postings' documents, both sorted); candidate is the index in ``wanted``."""
        picked, lengths = run_indices(self.offsets, np.searchsorted(docs, wanted))
        candidates = np.repeat(np.arange(wanted.size, dtype=np.int64), lengths)
        return candidates * _POSITION_STRIDE + self.flat[picked]


@dataclass(frozen=True)
class Postings:
    """One term's postings in one segment: segment-local document numbers, weights, and positions
    when they were asked for."""

    ids: np.ndarray  # int32: a segment holds fewer than 2**31 documents
    weights: np.ndarray  # float32: term frequencies, exact
    positions: Positions | None = None

    @property
    def nbytes(self) -> int:
        return int(self.ids.nbytes + self.weights.nbytes + (self.positions.nbytes if self.positions else 0))


class PostingsCache:
    """Decoded postings of long posting lists (document numbers, term frequencies and, once a phrase
    has asked for them, positions), by segment, field and term, least recently used first out,
    within a budget of bytes.

    Decoding is what a common word costs: Whoosh stores each block of 128 postings as a zlib-compressed
    pickle (~55 µs a block, ~250 ms for "said" on the whole AllSides corpus, more with positions). A
    segment never changes once written (deletions are the ``live`` mask's business), so an entry never
    goes stale; a merged segment is a new segment with new keys, and old entries age out. Words typed
    again, and the queries that share them ("trump", "trump russia", "trump" from 2016), read arrays
    instead. Short lists are not kept: decoding them costs less than the bookkeeping.
    """

    MIN_POSTINGS = 512

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[tuple[str, str, str, bytes], Postings] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0  # entries served from the cache

    @property
    def size_bytes(self) -> int:
        return self._bytes

    def postings(self, reader: Any, fieldname: str, tbytes: bytes, fmt: Any, *, with_positions: bool = False) -> Postings:
        """One term's postings in one segment, from the cache or decoded (and kept if long)."""
        key = (_folder(reader), reader.segment().segment_id(), fieldname, tbytes)
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and (entry.positions is not None or not with_positions):
                self._entries.move_to_end(key)
                self.hits += 1
                return entry
        ids, weights, values = _whoosh.postings(reader, fieldname, tbytes, fmt, with_positions)
        entry = Postings(ids.astype(np.int32), weights.astype(np.float32), Positions.decoded(values, fmt) if with_positions else None)
        if ids.size >= self.MIN_POSTINGS:
            self._keep(key, entry)
        return entry

    def _keep(self, key: tuple[str, str, str, bytes], entry: Postings) -> None:
        if entry.nbytes > self.max_bytes:
            return
        with self._lock:
            previous = self._entries.pop(key, None)  # replaced by one with positions
            self._bytes -= previous.nbytes if previous is not None else 0
            self._entries[key] = entry
            self._bytes += entry.nbytes
            while self._bytes > self.max_bytes:
                _, dropped = self._entries.popitem(last=False)
                self._bytes -= dropped.nbytes


def _folder(reader: Any) -> str:
    """The index folder a segment reader reads (segment ids are random, so this is belt and braces)."""
    return str(getattr(getattr(reader, "_storage", None), "folder", ""))


postings_cache = PostingsCache(max_bytes=192 * 2**20)  # search.apps sets the budget from the settings


def field_lengths(searcher: Searcher, fieldname: str) -> np.ndarray:
    """Each document's field length as Whoosh stores it (a byte, quantised), for the whole searcher."""
    parts = [_whoosh.segment_lengths(reader, fieldname) for reader, _ in _whoosh.leaves(searcher.reader())]
    return np.concatenate(parts) if parts else np.zeros(0)


def _follows(keys: np.ndarray, reached: np.ndarray, slop: int) -> np.ndarray:
    """Which keys have a reached key 1 to ``slop`` positions before them, in the same candidate: one
    binary search each, whatever the slop (a key's candidate is its high part, and positions stay far
    below the stride, so ``key - slop`` never reaches into the previous candidate's keys)."""
    if reached.size == 0:
        return np.zeros(keys.size, bool)
    first = np.searchsorted(reached, keys - slop)  # the first reached key at or after key - slop
    return (first < reached.size) & (reached[np.minimum(first, reached.size - 1)] <= keys - 1)


# --- sorted-array set operations -------------------------------------------------------------


def _common(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Indices into ``a`` and ``b`` (both sorted, unique) of the documents they share: a binary search of
    the shorter list in the longer, so a rare word ANDed with a common one costs the rare one's length."""
    if a.size > b.size:
        in_b, in_a = _common(b, a)
        return in_a, in_b
    at = np.minimum(np.searchsorted(b, a), max(b.size - 1, 0))
    found = np.flatnonzero(b[at] == a) if b.size else np.zeros(0, np.int64)
    return found, at[found]


def _intersect(a: Matched, b: Matched) -> Matched:
    in_a, in_b = _common(a.docs, b.docs)
    return Matched(a.docs[in_a], a.scores[in_a] + b.scores[in_b])


def _minus(a: Matched, docs: np.ndarray) -> Matched:
    keep = np.ones(a.docs.size, bool)
    keep[_common(a.docs, docs)[0]] = False
    return Matched(a.docs[keep], a.scores[keep])


def _plus_optional(required: Matched, optional: Matched) -> Matched:
    in_required, in_optional = _common(required.docs, optional.docs)
    scores = required.scores.copy()
    scores[in_required] += optional.scores[in_optional]
    return Matched(required.docs, scores)
