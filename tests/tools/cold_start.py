"""What a new worker costs its first users: a fresh process's first answer, stage by stage, and the
first answer to each query of the benchmark's mix, with the doc values mapped from the files beside
the segments against read through Whoosh (as before they existed), alternating run by run.

    python tests/tools/cold_start.py --var var/bench-100000 [--runs 3] [--modes files,whoosh] [--restarts 3]

Each run is a new Python process on the instance (read only, but for writing missing doc-value files
in ``files`` mode), as a restarted gunicorn worker is: Django set up, then one HTMX search, then
every query of the mix once. "whoosh" mode makes the files look absent and never writes them.
``--restarts N`` then serves the instance with gunicorn as `make serve` does (one worker), kills the
worker N times and times, from each kill, the answer to a search sent at once: the request waits in
the listening socket until the new worker has started, warmed up (newsapp/gunicorn.conf.py) and taken
it, as a user's request does after a worker restart.
Figures go to docs/BENCHMARKS.md by hand, with this command.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench  # noqa: E402 - the query mix and the percentiles are the benchmark's own
import load  # noqa: E402 - gunicorn as `make serve` runs it

WORKER = """
import json, os, sys, time
started = time.perf_counter()
sys.path.insert(0, os.getcwd())
sys.path.insert(0, os.path.join(os.getcwd(), "tests", "tools"))
import bench
bench.setup_django(__import__("pathlib").Path(sys.argv[1]))
from django.test import Client
from search.engine import docvalues, segment_values
if sys.argv[2] == "whoosh":
    segment_values._mapped = lambda *args: None
    segment_values.save = lambda *args: None
stages = {"django setup": time.perf_counter() - started}

def timed(name, work):
    begun = time.perf_counter()
    result = work()
    stages[name] = time.perf_counter() - begun
    return result

searcher = timed("open searcher", docvalues.current_searcher)
values = timed("doc values", lambda: docvalues.doc_values(searcher))
timed("person pairs (sorted)", lambda: values.pairs)
timed("mentions by document", lambda: values.mention_offsets)
client = Client()
timed("first search (HTMX partial)", lambda: client.get("/", {"q": "trump"}, headers={"HX-Request": "true"}))
stages["new worker to first answer"] = time.perf_counter() - started
first = []
for case in bench.query_mix():
    begun = time.perf_counter()
    response = client.get("/", case.querydict(), headers={"HX-Request": "true"})
    assert response.status_code == 200, response.status_code
    first.append(time.perf_counter() - begun)
print(json.dumps({"stages": stages, "first_answers": first}))
"""


def run_once(var: Path, mode: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", WORKER, str(var), mode], cwd=bench.ROOT, capture_output=True, text=True, check=False, timeout=1800
    )
    if done.returncode:
        raise SystemExit(f"{mode} run failed:\n{done.stderr[-3000:]}")
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def report(results: dict[str, list[dict[str, object]]]) -> str:
    modes = list(results)
    stage_names = list(results[modes[0]][0]["stages"])  # type: ignore[call-overload]
    lines = ["| stage (median of runs, ms) | " + " | ".join(modes) + " |", "| --- |" + " --- |" * len(modes)]
    for name in stage_names:
        cells = [f"{statistics.median(r['stages'][name] for r in results[m]) * 1000:,.1f}" for m in modes]  # type: ignore[index]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    for label, pct in (("first answers of the mix, p50", 50), ("first answers of the mix, p95", 95)):
        cells = [f"{statistics.median(bench.percentile(r['first_answers'], pct) for r in results[m]) * 1000:,.1f}" for m in modes]  # type: ignore[arg-type]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def worker_restarts(var: Path, restarts: int) -> list[float]:
    """Seconds from killing gunicorn's only worker to the answer of a search sent right after."""
    port = load.free_port()
    server = load.start_server(var, port, 1)
    try:
        _search(port)  # the first worker is up and has answered once
        seconds = []
        for _ in range(restarts):
            (worker,) = _children(server.pid)
            started = time.perf_counter()
            os.kill(worker, signal.SIGKILL)
            _search(port)
            seconds.append(time.perf_counter() - started)
            print(f"worker restart to first answer: {seconds[-1]:.2f} s", file=sys.stderr, flush=True)
        return seconds
    finally:
        server.terminate()
        server.wait(timeout=30)


def _children(pid: int) -> list[int]:
    return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def _search(port: int) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"HX-Request": "true", "X-Forwarded-Proto": "https"}  # as the TLS proxy in front would send it
    connection.request("GET", "/?q=trump", headers=headers)
    response = connection.getresponse()
    response.read()
    connection.close()
    if response.status != 200:
        raise SystemExit(f"the search answered {response.status}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--var", type=Path, required=True, help="a bench instance, e.g. var/bench-100000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--modes", default="files,whoosh")
    parser.add_argument("--restarts", type=int, default=0, help="gunicorn worker restarts to time (0: none)")
    args = parser.parse_args()
    if not (args.var / "db.sqlite3").exists():
        raise SystemExit(f"No bench instance in {args.var}: run `make bench` first.")
    modes = args.modes.split(",")
    if "files" in modes and args.runs:
        run_once(args.var.resolve(), "files")  # writes the files an index built before them lacks; not counted
    results: dict[str, list[dict[str, object]]] = {m: [] for m in modes}
    for run in range(args.runs):
        for mode in modes if run % 2 == 0 else reversed(modes):
            results[mode].append(run_once(args.var.resolve(), mode))
            print(f"run {run + 1} {mode}: {results[mode][-1]['stages']}", file=sys.stderr, flush=True)
    if args.runs:
        print(report(results))
    if args.restarts:
        seconds = worker_restarts(args.var.resolve(), args.restarts)
        print(f"\ngunicorn, one worker killed {len(seconds)} times: first answer after {', '.join(f'{s:.2f}' for s in seconds)} s")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
