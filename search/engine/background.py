"""Index updates after the response: one thread per process applies the outbox when woken.

A curator's save used to wait for the index: saving an alias on a person with many mentions
rewrote every paragraph that mentions them before the page came back (over 30 s on the whole
AllSides corpus). The save now only queues the articles in ``IndexOutbox``, in its own transaction
(durable: a process that dies leaves the rows for the next writer or ``search_sync``), and
``apply_soon`` wakes this thread once the transaction has committed. Search sees the edit when the
thread's commit lands, seconds later for most edits.

``SEARCH_APPLY_IN_BACKGROUND = False`` applies in the request instead (tests that check the index
right after an admin action, within one test transaction that another thread could not see).
"""

from __future__ import annotations

import logging
import threading
import time

from django.conf import settings
from django.db import close_old_connections, connection, transaction

from search.engine import index

log = logging.getLogger(__name__)

RETRY_SECONDS = 2.0  # the writer lock was busy (an ingest, a rebuild): try again after this
MAX_RETRIES = 30


class _Applier:
    def __init__(self) -> None:
        self._wake = threading.Event()
        self._idle = threading.Event()
        self._idle.set()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def wake(self) -> None:
        with self._lock:
            self._idle.clear()
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="search-outbox", daemon=True)
                self._thread.start()
        self._wake.set()

    def wait_idle(self, timeout: float) -> bool:
        """Whether every update asked for so far has been applied (or given up on) within ``timeout``."""
        return self._idle.wait(timeout)

    def _run(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            try:
                self._apply_all()
            except Exception:  # the thread must survive anything: the rows stay queued
                log.exception("Applying queued search updates failed; they stay queued.")
            finally:
                connection.close()
                if not self._wake.is_set():
                    self._idle.set()

    def _apply_all(self) -> None:
        close_old_connections()
        for _ in range(MAX_RETRIES):
            # An unwritable index is logged by try_apply_pending (search_sync applies the rows later).
            if index.try_apply_pending() is not None or index.pending_count() == 0:
                return
            time.sleep(RETRY_SECONDS)  # the lock was busy
        log.warning("Search index busy for %.0f s; %d update(s) stay queued.", RETRY_SECONDS * MAX_RETRIES, index.pending_count())


_APPLIER = _Applier()


def apply_soon() -> None:
    """Apply the queued index updates once the current transaction commits: in a background thread
    (the response does not wait), or at once when ``SEARCH_APPLY_IN_BACKGROUND`` is off."""
    if applied_in_background():
        transaction.on_commit(_APPLIER.wake)
    else:
        transaction.on_commit(index.try_apply_pending)


def applied_in_background() -> bool:
    return bool(getattr(settings, "SEARCH_APPLY_IN_BACKGROUND", True))


def wait_idle(timeout: float = 30.0) -> bool:
    return _APPLIER.wait_idle(timeout)
