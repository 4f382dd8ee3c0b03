"""Everything that touches Whoosh below its public API, in one place, for one pinned version.

The engine reads Whoosh's codec directly where its public API is too slow (postings a block at a
time, field lengths as one byte array, positions unpickled in one call) and patches or bypasses two
of its behaviours (a file-system check per posting, a writer lock never released on failure). All of
it depends on whoosh-reloaded's internals, so ``check_version`` refuses to start with any version but
the one this was written for and tested against (tests/test_matching.py compares with Whoosh's own
answers). Facts about these internals: docs/WHOOSH.md.
"""

from __future__ import annotations

import importlib.metadata
import itertools
import pickle
from collections.abc import Set as AbstractSet
from typing import Any

import numpy as np
from whoosh import formats
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, W3PerDocReader, _lenfield
from whoosh.index import Index, LockError
from whoosh.reading import SegmentReader
from whoosh.util.filelock import try_for
from whoosh.util.numeric import _length_byte_cache
from whoosh.writing import SegmentWriter

WRITTEN_FOR = "2.7.5"  # whoosh-reloaded, pinned in requirements.txt


class WrongWhooshVersion(RuntimeError):
    """The installed Whoosh is not the version whose internals this module reads."""


def check_version() -> None:
    """Refuse to run on another Whoosh than the one these internals were written for."""
    installed = importlib.metadata.version("whoosh-reloaded")
    if installed != WRITTEN_FOR:
        raise WrongWhooshVersion(
            f"search.engine reads Whoosh internals of whoosh-reloaded {WRITTEN_FOR}, but {installed} is installed: "
            "install the version pinned in requirements.txt."
        )


# --- writing ------------------------------------------------------------------------------------


def cache_missing_columns() -> None:
    """Whoosh asks the file system whether a length column exists for every posting it writes and
    caches only the answer "yes" (codec/whoosh3.py W3PerDocReader._cached_reader): fields without
    lengths cost a stat() per posting, a quarter of commit time here. Cache "no" as well."""
    original = W3PerDocReader._cached_reader
    if getattr(original, "caches_missing", False):
        return

    def cached_reader(self: W3PerDocReader, fieldname: str, column: object) -> object:
        missing = self.__dict__.setdefault("_missing_columns", set())
        if fieldname in missing:
            return None
        reader = original(self, fieldname, column)
        if reader is None:
            missing.add(fieldname)
        return reader

    cached_reader.caches_missing = True  # type: ignore[attr-defined]  # a marker on the function, read above
    W3PerDocReader._cached_reader = cached_reader


def open_segment_writer(ix: Index, *, lock_name: str, timeout: float, limitmb: int) -> SegmentWriter:
    """Whoosh's segment writer, with its lock taken here so that a writer that fails to open
    (disk full, read-only directory) lets go of the lock instead of keeping it until the process
    exits: Whoosh's own constructor takes the lock first and never releases it on failure.
    """
    lock = ix.lock(lock_name)
    if not try_for(lock.acquire, timeout=timeout, delay=0.1):
        raise LockError
    try:
        # compound=False: compound segments are copied into every reading process's memory.
        w = SegmentWriter(ix, _lk=False, limitmb=limitmb, compound=False)
    except BaseException:
        lock.release()
        raise
    w.writelock = lock  # released by the writer when it commits or cancels
    return w


def add_segment(w: SegmentWriter, segment: Any) -> None:
    """Copy one existing segment's documents into the writer's new segment (a merge)."""
    reader = SegmentReader(w.storage, w.schema, segment)
    w.add_reader(reader)
    reader.close()


# --- reading ------------------------------------------------------------------------------------


def leaves(reader: Any) -> list[tuple[Any, int]]:
    """(segment reader, document offset) of an index reader's segments that hold documents (segments
    with none, and Whoosh's EmptyReader, contribute nothing)."""
    return [(leaf, offset) for leaf, offset in reader.leaf_readers() if leaf.doc_count_all()]


def segment_key(reader: Any) -> tuple[str, int, AbstractSet[int]]:
    """What identifies a segment's content for caches: its id, and its deleted documents (Whoosh's own set)."""
    deleted = reader.deleted_docs_set if reader.has_deletions() else frozenset()
    return reader.segment().segment_id(), len(deleted), deleted


def postings(reader: Any, fieldname: str, tbytes: bytes, fmt: Any, with_positions: bool) -> tuple[np.ndarray, np.ndarray, list[bytes]]:
    """Document numbers (segment-local), weights and (if asked) raw values of one term's postings."""
    matcher = reader._terms.matcher(fieldname, tbytes, fmt)
    if not isinstance(matcher, W3LeafMatcher):  # a single posting, inlined in the term info
        return postings_one_by_one(matcher, with_positions)
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
    return undelta(np.array(deltas, dtype=np.int64), lengths), np.array(weights, dtype=np.float64), values


def postings_one_by_one(matcher: Any, with_positions: bool) -> tuple[np.ndarray, np.ndarray, list[bytes]]:
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


def undelta(deltas: np.ndarray, lengths: list[int]) -> np.ndarray:
    """Whoosh delta-encodes the ids of each block from zero: a running sum restarted per block."""
    running = np.cumsum(deltas)
    starts = np.cumsum([0, *lengths[:-1]])
    before = np.where(starts > 0, running[np.maximum(starts - 1, 0)], 0)
    return running - np.repeat(before, lengths)


_BYTE_TO_LENGTH = np.array(_length_byte_cache, dtype=np.float64)


def segment_lengths(reader: Any, fieldname: str) -> np.ndarray:
    """Each document's length of ``fieldname`` in one segment, as Whoosh's scorer reads it (quantised to a byte)."""
    count = reader.doc_count_all()
    column = reader._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
    raw = np.zeros(count, np.uint8)
    if column is not None:
        stored = np.frombuffer(column._dbfile.get(column._basepos, column._count), dtype=np.uint8)
        raw[: stored.size] = stored[:count]
    lengths = _BYTE_TO_LENGTH[raw]
    lengths[raw == 0] = 1.0  # Whoosh's scorer reads a missing length as 1
    return lengths


_PICKLE_PROTOCOL_2 = b"\x80\x02"


def decode_positions(values: list[bytes], fmt: Any) -> tuple[np.ndarray, np.ndarray]:
    """How many positions each value holds, and all of them, flat.

    Whoosh's ``Positions`` value is a 4-byte count, then a protocol-2 pickle of the position deltas
    (its STOP opcode sometimes stripped). ``decode_positions`` unpickles them one by one, ~2 µs each:
    60k values for "white house". Here the pickles are joined into one list of lists and unpickled
    in one call; any other format is decoded one value at a time.
    """
    if not values:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    if type(fmt) is not formats.Positions:
        decoded = [fmt.decode_positions(v) for v in values]
        lengths = np.array([len(d) for d in decoded], np.int64)
        return lengths, np.fromiter(itertools.chain.from_iterable(decoded), np.int64, count=int(lengths.sum()))
    bodies = b"".join(v[4:].removesuffix(b".").removeprefix(_PICKLE_PROTOCOL_2) for v in values)
    deltas = pickle.loads(_PICKLE_PROTOCOL_2 + b"](" + bodies + b"e.")  # noqa: S301 - Whoosh's own index files
    lengths = np.frombuffer(b"".join(v[:4] for v in values), dtype=">u4").astype(np.int64)
    flat = np.fromiter(itertools.chain.from_iterable(deltas), np.int64, count=int(lengths.sum()))
    return lengths, undelta(flat, lengths.tolist())
