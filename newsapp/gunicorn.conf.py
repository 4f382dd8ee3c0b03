"""gunicorn's settings for `make serve` and for the tests and tools that start it (load, hostile requests).

Threaded workers keep connections alive: sync workers close every connection after one response
(an outside test counted 1,972 of 1,972), and a long export holds a whole sync worker. Searchers are
per thread (search/engine/docvalues.py) and the caches have locks, so threads share a process safely.
Every figure can be overridden on the command line or with GUNICORN_CMD_ARGS.
"""

from __future__ import annotations

import os

workers = int(os.environ.get("WORKERS", "2"))
worker_class = "gthread"
threads = int(os.environ.get("THREADS", "4"))
keepalive = 5
timeout = 30  # no request of this app takes a second of that; a stuck one is restarted
graceful_timeout = 10
