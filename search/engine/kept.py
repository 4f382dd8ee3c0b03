"""Values kept per process, keyed by what they were computed from (an index version, a segment).

The doc values joined per set of segments, each segment's mapped values and each index version's
word list are all made once per process and shared by its threads: a gthread worker's threads then
use one copy. A value is made outside the lock (two threads may make the same one once each, and
either is right); when ``limit`` values are kept, all are dropped, since an old index version is
rarely asked for again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class Kept(Generic[V]):
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._values: dict[Hashable, V] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, make: Callable[[], V]) -> V:
        """The value kept for ``key``, made by ``make()`` the first time."""
        with self._lock:
            if key in self._values:
                return self._values[key]
        made = make()
        with self._lock:
            if len(self._values) >= self.limit:
                self._values.clear()
            self._values[key] = made
        return made

    def values(self) -> list[V]:
        with self._lock:
            return list(self._values.values())

    def clear(self) -> None:
        with self._lock:
            self._values.clear()
