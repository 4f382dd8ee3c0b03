"""Where person finding, the costly part of preparing articles, runs: in this process, in local worker
processes (``ingest --processes N``), or on a Dask cluster (``ingest --cluster tcp://HOST:PORT``).

``mapped`` sends batches of articles to a function that takes a list of items and returns one answer
per item, and yields the answers in the order the articles came, with a bounded number of batches in
flight: enough that the workers keep parsing while the one writer stores and commits, few enough that
a long stream is never read far into memory. The function must be importable by the workers (a
module-level function of this project): a cluster's workers run the same checkout with the same
requirements (README, "Ingest on several machines"). Storing and indexing never leave the writer, so
an ingest through a cluster gives the same archive as a local one (tests/test_cluster.py).
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

K = TypeVar("K")
X = TypeVar("X")
R = TypeVar("R")

Submit = Callable[[list[X]], Callable[[], list[R]]]  # a batch in, a call that waits for its answers out
CONNECT_SECONDS = 20  # how long to wait for a cluster's scheduler before giving up


class ClusterError(Exception):
    """The cluster could not be reached or failed: nothing of the batch in question was stored."""


def mapped(
    function: Callable[[list[X]], list[R]],
    items: Iterable[tuple[K, X]],
    *,
    processes: int = 1,
    cluster: str | None = None,
    batch: int = 32,
    ahead: int = 2048,
) -> Iterator[tuple[K, X, R]]:
    """(key, item, answer) for each (key, item), in order; ``function`` answers a batch of items."""
    batches = _batched(items, batch)
    if cluster:
        with _on_cluster(cluster, function) as (submit, workers):
            yield from _in_flight(batches, submit, max(2 * workers, ahead // batch))
        return
    if processes <= 1:
        for keyed in batches:
            yield from _joined(keyed, function([item for _, item in keyed]))
        return
    with multiprocessing.get_context("forkserver").Pool(processes) as pool:

        def submit(chunk: list[X]) -> Callable[[], list[R]]:
            return pool.apply_async(function, (chunk,)).get

        yield from _in_flight(batches, submit, max(2 * processes, ahead // batch))


def _in_flight(batches: Iterator[list[tuple[K, X]]], submit: Submit[X, R], limit: int) -> Iterator[tuple[K, X, R]]:
    pending: deque[tuple[list[tuple[K, X]], Callable[[], list[R]]]] = deque()
    for keyed in batches:
        pending.append((keyed, submit([item for _, item in keyed])))
        if len(pending) >= limit:
            done, answers = pending.popleft()
            yield from _joined(done, answers())
    while pending:
        done, answers = pending.popleft()
        yield from _joined(done, answers())


@contextmanager
def _on_cluster(address: str, function: Callable[[list[X]], list[R]]) -> Iterator[tuple[Submit[X, R], int]]:
    """Batches sent to the workers of the Dask scheduler at ``address``: (submit, how many worker threads)."""
    from distributed import Client  # noqa: PLC0415 - only an ingest through a cluster needs it (0.5 s of imports)

    try:
        client = Client(address, timeout=CONNECT_SECONDS, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ClusterError(f"no Dask scheduler answered at {address}: {exc}") from exc
    try:
        _wait_for_a_worker(client, address)

        def submit(chunk: list[X]) -> Callable[[], list[R]]:
            future = client.submit(function, chunk, pure=False)
            return lambda: _answer(future, address)

        yield submit, max(sum(client.nthreads().values()), 1)
    finally:
        client.close()


def _wait_for_a_worker(client: Any, address: str) -> None:
    if client.nthreads():
        return
    try:
        client.wait_for_workers(1, timeout=CONNECT_SECONDS)
    except TimeoutError as exc:
        raise ClusterError(f"the Dask scheduler at {address} has no workers") from exc


def _answer(future: Any, address: str) -> Any:
    from distributed import CancelledError  # noqa: PLC0415
    from distributed.scheduler import KilledWorker  # noqa: PLC0415

    try:
        return future.result()
    except (KilledWorker, CancelledError, OSError) as exc:
        raise ClusterError(f"the Dask cluster at {address} failed a batch: {exc}") from exc


def _joined(keyed: list[tuple[K, X]], answers: list[R]) -> Iterator[tuple[K, X, R]]:
    for (key, item), answer in zip(keyed, answers, strict=True):
        yield key, item, answer


def _batched(items: Iterable[tuple[K, X]], size: int) -> Iterator[list[tuple[K, X]]]:
    batch: list[tuple[K, X]] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
