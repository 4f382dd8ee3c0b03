"""Matching and BM25 scoring of a parsed query with numpy over Whoosh's on-disk postings.

Whoosh matches and scores one document at a time in Python: a common word on the whole AllSides
corpus (140k paragraphs for "trump" and the person it names) cost 1.9 s a search, most of it in
``Collector.collect`` and ``BM25FScorer.score`` (profile in docs/BENCHMARKS.md). Here a term's
postings are read a block at a time (Whoosh stores each block of 128 postings as one compressed
pickle) into arrays of document numbers and term frequencies; AND, OR and NOT become sorted-array
set operations, BM25 is one array expression, and phrases are checked on the positions of the
documents that contain every word. Scores are Whoosh's own BM25F (same idf, average length and
length quantisation), so rankings agree with ``Searcher.search``.

This reads Whoosh's codec below its public API (``W3LeafMatcher``'s block fields), which is safe
because the version is pinned (whoosh-reloaded 2.7.5, frozen) and tests/test_matching.py compares every
supported query shape with Whoosh's own matching. A query shape not handled here raises
``Unsupported``, and the caller falls back to Whoosh.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass
from typing import Any

import numpy as np
from whoosh import query as wq
from whoosh import scoring
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.searching import Searcher
from whoosh.util.numeric import _length_byte_cache

_BYTE_TO_LENGTH = np.array(_length_byte_cache, dtype=np.float64)
_EMPTY = np.zeros(0, np.int64)


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


def evaluate(query: wq.Query, searcher: Searcher, live: np.ndarray, day: np.ndarray) -> Matched:
    """The live documents matching ``query``, scored as Whoosh scores them.

    ``live`` (a bool per document) and ``day`` (yyyymmdd per document) are the searcher's doc values.
    """
    if not isinstance(searcher.weighting, scoring.BM25F):
        raise Unsupported(f"weighting {type(searcher.weighting).__name__}")
    matched = _Evaluator(searcher, live, day).run(query)
    keep = live[matched.docs]
    return Matched(matched.docs[keep], matched.scores[keep])


class _Evaluator:
    def __init__(self, searcher: Searcher, live: np.ndarray, day: np.ndarray) -> None:
        self.searcher = searcher
        self.live = live
        self.day = day
        self.leaves = [(r, offset) for r, offset in searcher.reader().leaf_readers() if r.doc_count_all()]

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
        """Documents with every word, then positions checked for those alone (Whoosh's slop rule)."""
        if not node.words:
            return Matched.empty()
        terms = [self.term(node.fieldname, word, with_positions=True) for word in node.words]
        result = terms[0][0]
        for matched, _ in terms[1:]:
            result = _intersect(result, matched)
        if result.docs.size == 0 or len(terms) == 1:
            return result
        fmt = self.searcher.schema[node.fieldname].format
        decoded = [_positions_for(result.docs, matched.docs, values, fmt) for matched, values in terms]
        keep = np.fromiter(
            (_in_sequence([d[i] for d in decoded], node.slop) for i in range(result.docs.size)), dtype=bool, count=result.docs.size
        )
        return Matched(result.docs[keep], result.scores[keep])

    # --- terms -------------------------------------------------------------------------------

    def term(self, fieldname: str, text: Any, *, with_positions: bool) -> tuple[Matched, list[bytes]]:
        """A term's postings over every segment, scored; with the raw position values if asked."""
        field = self.searcher.schema[fieldname] if fieldname in self.searcher.schema else None  # noqa: SIM401 - no Schema.get
        if field is None:
            return Matched.empty(), []
        try:
            tbytes = text if isinstance(text, bytes) else field.to_bytes(text)
        except ValueError:
            return Matched.empty(), []
        docs, freqs, values = [], [], []
        for reader, offset in self.leaves:
            if (fieldname, tbytes) not in reader:
                continue
            ids, weights, vals = _postings(reader, fieldname, tbytes, field.format, with_positions)
            docs.append(ids + offset)
            freqs.append(weights)
            values += vals
        if not docs:
            return Matched.empty(), []
        all_docs = np.concatenate(docs)
        return Matched(all_docs, self.bm25(fieldname, field, tbytes, all_docs, np.concatenate(freqs))), values

    def bm25(self, fieldname: str, field: Any, tbytes: bytes, docs: np.ndarray, freqs: np.ndarray) -> np.ndarray:
        if not field.scorable:
            return freqs  # Whoosh's WeightScorer: the posting's weight
        weighting: scoring.BM25F = self.searcher.weighting
        b = weighting._field_B.get(fieldname, weighting.B)
        k1 = weighting.K1
        idf = self.searcher.idf(fieldname, tbytes)
        average = self.searcher.avg_field_length(fieldname) or 1
        lengths = _field_lengths(self.searcher, self.leaves, fieldname)[docs]
        return idf * ((freqs * (k1 + 1)) / (freqs + k1 * ((1 - b) + b * lengths / average)))


# --- postings and lengths --------------------------------------------------------------------


def _postings(reader: Any, fieldname: str, tbytes: bytes, fmt: Any, with_positions: bool) -> tuple[np.ndarray, np.ndarray, list[bytes]]:
    """Document numbers (segment-local), weights and (if asked) raw values of one term's postings."""
    matcher = reader._terms.matcher(fieldname, tbytes, fmt)
    if not isinstance(matcher, W3LeafMatcher):  # a single posting, inlined in the term info
        return _postings_one_by_one(matcher, with_positions)
    deltas: list[int] = []
    lengths: list[int] = []
    weights: list[float] = []
    values: list[bytes] = []
    while True:
        matcher._read_data()
        block_ids, block_weights, block_values = matcher._data
        n = matcher._blocklength
        deltas += block_ids
        lengths.append(n)
        if block_weights is None:
            weights += [1.0] * n
        elif isinstance(block_weights, (int, float)):
            weights += [block_weights] * n
        else:
            weights += block_weights
        if with_positions:
            values += block_values
        if matcher._lastblock:
            break
        matcher._goto(matcher._nextoffset)
    return _undelta(np.array(deltas, dtype=np.int64), lengths), np.array(weights, dtype=np.float64), values


def _postings_one_by_one(matcher: Any, with_positions: bool) -> tuple[np.ndarray, np.ndarray, list[bytes]]:
    ids: list[int] = []
    weights: list[float] = []
    values: list[bytes] = []
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        if with_positions:
            values.append(matcher.value())
        matcher.next()
    return np.array(ids, dtype=np.int64), np.array(weights, dtype=np.float64), values


def _undelta(deltas: np.ndarray, lengths: list[int]) -> np.ndarray:
    """Whoosh delta-encodes the ids of each block from zero: a running sum restarted per block."""
    running = np.cumsum(deltas)
    starts = np.cumsum([0, *lengths[:-1]])
    before = np.where(starts > 0, running[np.maximum(starts - 1, 0)], 0)
    return running - np.repeat(before, lengths)


_lengths_cache: weakref.WeakKeyDictionary[Searcher, dict[str, np.ndarray]] = weakref.WeakKeyDictionary()
_lengths_lock = threading.Lock()


def _field_lengths(searcher: Searcher, leaves: list[tuple[Any, int]], fieldname: str) -> np.ndarray:
    """Each document's field length as Whoosh stores it (a byte, quantised), for the whole searcher;
    read once per searcher and field."""
    with _lengths_lock:
        cached = _lengths_cache.setdefault(searcher, {})
        if fieldname not in cached:
            parts = [_segment_lengths(reader, fieldname) for reader, _ in leaves]
            cached[fieldname] = np.concatenate(parts) if parts else np.zeros(0)
        return cached[fieldname]


def _segment_lengths(reader: Any, fieldname: str) -> np.ndarray:
    count = reader.doc_count_all()
    column = reader._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
    raw = np.zeros(count, np.uint8)
    if column is not None:
        stored = np.frombuffer(column._dbfile.get(column._basepos, column._count), dtype=np.uint8)
        raw[: stored.size] = stored[:count]
    lengths = _BYTE_TO_LENGTH[raw]
    lengths[raw == 0] = 1.0  # Whoosh's scorer reads a missing length as 1
    return lengths


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


# --- positions -------------------------------------------------------------------------------


def _positions_for(wanted: np.ndarray, docs: np.ndarray, values: list[bytes], fmt: Any) -> list[list[int]]:
    """The decoded positions of ``wanted`` documents (a subset of ``docs``, both sorted)."""
    where = np.searchsorted(docs, wanted)
    return [fmt.decode_positions(values[i]) for i in where.tolist()]


def _in_sequence(positions: list[list[int]], slop: int) -> bool:
    """Whether the words occur in order, each within ``slop`` positions after the previous one."""
    current = positions[0]
    for following in positions[1:]:
        current = [p for p in following if any(0 < p - q <= slop for q in current)]
        if not current:
            return False
    return True
