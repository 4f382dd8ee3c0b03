"""gunicorn's settings for `make serve` and for the tests and tools that start it (load, hostile requests).

Threaded workers keep connections alive: sync workers close every connection after one response
(an outside test counted 1,972 of 1,972), and a long export holds a whole sync worker. Searchers are
per thread (search/engine/docvalues.py) and the caches have locks, so threads share a process safely.
Every figure can be overridden on the command line or with GUNICORN_CMD_ARGS.
"""

from __future__ import annotations

import logging
import os

workers = int(os.environ.get("WORKERS", "2"))
worker_class = "gthread"
threads = int(os.environ.get("THREADS", "4"))
keepalive = 5
timeout = 30  # no request of this app takes a second of that; a stuck one is restarted
graceful_timeout = 10
# Django is imported and set up once, in the master, before the workers fork: a restarted worker then
# starts in tenths of a second instead of setting Django up again (docs/BENCHMARKS.md, "Cold answers").
# Nothing opens a database connection or the index at import, so nothing shared is forked.
preload_app = True


def post_worker_init(worker: object) -> None:
    """Warm a new worker before it takes requests: import the views and join the index's doc values,
    which a fresh worker's first user would otherwise wait for (docs/BENCHMARKS.md, "Cold answers")."""
    from django.urls import get_resolver

    from search.engine import docvalues

    get_resolver().url_patterns  # noqa: B018 - imports every view module
    try:
        docvalues.warm()
    except Exception:  # a worker that cannot warm up still serves, and says why
        logging.getLogger(__name__).exception("Warming the search index failed; the first search will do it.")
