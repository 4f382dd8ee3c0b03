"""Two numpy idioms for variable-length runs stored flat (CSR): the postings' positions in
search.matching and the mentions by document in search.facets."""

from __future__ import annotations

import numpy as np


def offsets_of(lengths: np.ndarray) -> np.ndarray:
    """Where each run starts in the flat array, plus the end: ``offsets[i]:offsets[i + 1]`` is run i."""
    offsets = np.zeros(lengths.size + 1, np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return offsets


def run_indices(offsets: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The flat indices of runs ``rows``, concatenated in that order, and each run's length;
    no Python loop over the runs."""
    starts = offsets[rows]
    lengths = offsets[rows + 1] - starts
    firsts = np.cumsum(lengths) - lengths  # where each run lands in the result
    return np.repeat(starts - firsts, lengths) + np.arange(int(lengths.sum())), lengths
