"""The archive's words as written (the ``words`` field), one sorted list per index version, and the
words within an edit or two of a typed one: for ``word~`` and for "did you mean".

Whoosh's ``terms_within`` walks each segment's on-disk term dictionary with a Levenshtein automaton
in pure Python, a few small reads per step: 245-305 ms per fuzzy word on the whole AllSides corpus
(docs/WHOOSH.md). Here the words of every segment, merged into one sorted list per index version and
kept in a file beside the segments (``segment_values.merged_words``), are read once per process, and the words sharing the typed
word's first letter (a slice of it, found by bisection) are compared with rapidfuzz's Levenshtein
distance in C. Expansions are kept per index version. The answers are Whoosh's: plain Levenshtein,
the first ``prefix`` letters as typed (tests/test_words.py compares them).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein
from whoosh.searching import Searcher

from search.engine import _whoosh, index, segment_values
from search.engine.kept import Kept

_KEPT_EXPANSIONS = 4096  # expansions kept per index version


@dataclass
class Vocabulary:
    """Every word of the ``words`` field in one index version, sorted, deleted documents' words included,
    with the number of documents each is in (as Whoosh's ``doc_frequency`` counts them)."""

    words: list[str]
    frequencies: np.ndarray
    _near: Kept[dict[str, int]] = field(default_factory=lambda: Kept(_KEPT_EXPANSIONS), repr=False)

    def within(self, word: str, maxdist: int, *, prefix: int = 1) -> dict[str, int]:
        """The words at most ``maxdist`` edits from ``word`` that begin with its first ``prefix``
        letters, with their distance (``word`` itself included, at 0, when the archive has it)."""
        return dict(self._near.get((word, maxdist, prefix), lambda: self._within(word, maxdist, prefix)))

    def frequency(self, word: str) -> int:
        """How many documents ``word`` is in (0 when the archive does not have it)."""
        at = bisect.bisect_left(self.words, word)
        return int(self.frequencies[at]) if at < len(self.words) and self.words[at] == word else 0

    def _within(self, word: str, maxdist: int, prefix: int) -> dict[str, int]:
        start = word[:prefix]
        low = bisect.bisect_left(self.words, start)
        high = bisect.bisect_left(self.words, start + "\U0010ffff") if start else len(self.words)
        candidates = self.words[low:high]
        matches = process.extract(word, candidates, scorer=Levenshtein.distance, score_cutoff=maxdist, limit=None)
        return {candidate: int(dist) for candidate, dist, _ in matches}


_cache: Kept[Vocabulary] = Kept(4)  # by index version (set of segments)


def vocabulary(searcher: Searcher) -> Vocabulary:
    """This searcher's words, built once per process and index version (set of segments)."""
    path = str(index.current_path())
    segments = [(_whoosh.segment_key(reader)[0], reader) for reader, _ in _whoosh.leaves(searcher.reader())]
    key = (path, tuple(segment_id for segment_id, _ in segments))
    return _cache.get(key, lambda: Vocabulary(*segment_values.merged_words(path, segments)))


def within(searcher: Searcher, word: str, maxdist: int, *, prefix: int = 1) -> dict[str, int]:
    """The archive's words within ``maxdist`` edits of ``word`` (its first ``prefix`` letters as typed)."""
    return vocabulary(searcher).within(word, maxdist, prefix=prefix)
