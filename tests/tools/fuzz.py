"""Hostile requests against gunicorn in production settings: random and hostile values for every
parameter of every public endpoint, seeded, from several clients at once.

    python tests/tools/fuzz.py --var var/bench-100000 [--requests 10000] [--clients 4] [--seed 1] [--bound 3] [--report]

Loopback only, bounded in count. Starts gunicorn as `make serve` runs it over an already loaded
instance (``--var``), sends ``--requests`` requests from ``--clients`` concurrent clients (each its own
keep-alive connection), and reports the statuses, the slowest responses and the connections the server
closed. Exit status 1 if any response is a server error (>= 500), a broken or cut-off response, or
slower than ``--bound`` seconds. CI runs it for a few hundred requests on the demo corpus
(tests/test_fuzz.py); `make fuzz` runs the long version on a bench instance.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.tools import bench, load  # noqa: E402 - after the path is set

ENDPOINTS = ["/", "/export.csv", "/export.json", "/facets/person/", "/article/{id}/", "/article/{id}/matches/", "/paragraph/{id}/context/"]
PARAMS = ["q", "person", "source", "from", "to", "undated", "sort", "page", "append", "filter", "unknown"]
# Each family from an outside run's failures (#16) or the query language's corners.
HOSTILE = [
    "",
    "*",
    "?",
    "~",
    '"',
    "(",
    ")",
    ":",
    "[",
    "]",
    "-",
    "+",
    "\x00",
    "\u202e",
    "𝕏",
    "²",
    "①",
    "٣",
    "２０２０",
    "NOT NOT NOT",
    "AND OR",
    "like:*",
    "like:²",
    "like:abc~",
    "like:abc*",
    "like:" + "9" * 40,
    "source:abc~",
    "source:house*",
    "person:",
    "person:trum*",
    "date:[²²²² to 2020]",
    "date:[2019 to",
    "date:2019-13",
    '"said president trump"~99999999',
    " ".join(f"word{n}~" for n in range(80)),
    "a" * 600,
    "9" * 5000,
    "-1",
    "0",
    "2020-²",
    "2019-02-30",
    "title:*",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "%",
    "%%",
    "\\",
    "..",
    "../../etc/passwd",
    "trump*",
    "tru?p",
    "said~2",
]
WORDS = ["trump", "said", "president", "biden", "white house", "election", "court", "war", "police", "climate"]


@dataclass
class Results:
    statuses: Counter[int] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    slowest: list[tuple[float, str]] = field(default_factory=list)
    closed: int = 0  # connections the server closed after a response
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, status: int, seconds: float, path: str, *, bound: float, closed: bool) -> None:
        with self.lock:
            self.statuses[status] += 1
            self.closed += closed
            self.slowest = sorted([*self.slowest, (seconds, path)], reverse=True)[:5]
            if status >= 500:
                self.failures.append(f"{status} {path}")
            elif seconds > bound:
                self.failures.append(f"{seconds:.1f} s {path}")


def hostile_value(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.4:
        return rng.choice(HOSTILE)
    if kind < 0.6:
        return " ".join(rng.choice(WORDS + HOSTILE) for _ in range(rng.randint(1, 4)))
    if kind < 0.8:
        return "".join(
            chr(rng.choice([rng.randint(32, 126), rng.randint(0x80, 0x2FFF), rng.randint(0x1F300, 0x1F6FF)]))
            for _ in range(rng.randint(1, 30))
        )
    return rng.choice(WORDS)


def request_path(rng: random.Random, ids: list[int]) -> str:
    endpoint = rng.choice(ENDPOINTS)
    if "{id}" in endpoint:
        number = rng.choice([*ids, 0, 1, 10**12, 10**19, 10**30]) if rng.random() < 0.9 else rng.choice(["-1", "abc", "1.5", "²"])
        endpoint = endpoint.replace("{id}", quote(str(number)))
    pairs = [(rng.choice(PARAMS), hostile_value(rng)) for _ in range(rng.randint(0, 6))]
    return endpoint + ("?" + urlencode(pairs) if pairs else "")


def client(port: int, paths: list[str], headers: list[dict[str, str]], results: Results, bound: float) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=bound * 10 + 30)
    for path, extra in zip(paths, headers, strict=True):
        started = time.perf_counter()
        try:
            connection.request("GET", path, headers={"X-Forwarded-Proto": "https", **extra})  # as the TLS proxy would
            response = connection.getresponse()
            body = response.read()
            if response.status == 200 and path.startswith("/export.json"):
                json.loads(body)  # a whole document, not one cut off mid-stream
            closed = (response.getheader("Connection") or "").lower() == "close" or response.will_close
            results.record(response.status, time.perf_counter() - started, path, bound=bound, closed=closed)
        except (OSError, http.client.HTTPException, ValueError) as exc:
            with results.lock:
                results.failures.append(f"{type(exc).__name__} {path}")
            connection.close()
        if connection.sock is None:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=bound * 10 + 30)
    connection.close()


def run(var: Path, *, requests: int, clients: int, seed: int, bound: float, workers: int) -> tuple[Results, float]:
    bench.setup_django(var)
    from search.models import Paragraph

    ids = list(Paragraph.objects.order_by("?").values_list("id", flat=True)[:50]) + list(
        Paragraph.objects.order_by("?").values_list("article_id", flat=True)[:50]
    )
    rng = random.Random(seed)
    paths = [request_path(rng, ids) for _ in range(requests)]
    headers = [{"HX-Request": "true"} if rng.random() < 0.5 else {} for _ in range(requests)]
    port = load.free_port()
    server = load.start_server(var, port, workers)
    results = Results()
    try:
        # Each of the server's threads opens its own searcher and derives its own arrays on its first
        # requests (seconds on a large index): warm them up, untimed, as a running server would be.
        warm = [f"/?q={word}" for word in WORDS] + ["/", "/export.csv", "/facets/person/"]
        warmers = [
            threading.Thread(target=client, args=(port, warm, [{}] * len(warm), Results(), 60.0), daemon=True) for _ in range(workers * 4)
        ]
        for thread in warmers:
            thread.start()
        for thread in warmers:
            thread.join()
        started = time.perf_counter()
        threads = [
            threading.Thread(target=client, args=(port, paths[n::clients], headers[n::clients], results, bound), daemon=True)
            for n in range(clients)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        server.terminate()
        server.wait(timeout=30)
    return results, time.perf_counter() - started


def report(args: argparse.Namespace, results: Results, seconds: float) -> str:
    total = sum(results.statuses.values())
    statuses = ", ".join(f"{status}: {n:,}" for status, n in sorted(results.statuses.items()))
    slowest = "; ".join(f"{s:.2f} s `{p[:80]}`" for s, p in results.slowest)
    return "\n".join(
        [
            f"`python tests/tools/fuzz.py --var {args.var} --requests {args.requests} --clients {args.clients} --seed {args.seed} "
            f"--bound {args.bound}` (`make fuzz`). Machine: {platform.machine()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}, {time.strftime('%Y-%m-%d')}; gunicorn as `make serve` runs it:",
            "",
            f"- {total:,} responses in {seconds:.0f} s ({total / max(seconds, 1e-9):.0f}/s); statuses {statuses}",
            f"- failures (>= 500, broken, or over {args.bound:g} s): {len(results.failures)}",
            f"- connections closed by the server: {results.closed:,} of {total:,}",
            f"- slowest: {slowest}",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--var", type=Path, required=True, help="a loaded instance: its db.sqlite3 and index/")
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--bound", type=float, default=3.0, help="seconds any response may take")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--report", action="store_true", help="write the figures into docs/BENCHMARKS.md")
    args = parser.parse_args()
    results, seconds = run(args.var, requests=args.requests, clients=args.clients, seed=args.seed, bound=args.bound, workers=args.workers)
    section = report(args, results, seconds)
    print(section)
    for failure in results.failures[:20]:
        print("  ", failure)
    if args.report:
        bench.write_report("### Hostile requests (`make fuzz`)\n\n" + section, "fuzz")
    sys.exit(1 if results.failures else 0)


if __name__ == "__main__":
    main()
