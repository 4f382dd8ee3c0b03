"""What a new worker costs its first users: a fresh process's first answer, stage by stage, and the
first answer to each query of the benchmark's mix, with the doc values mapped from the files beside
the segments against read through Whoosh (as before they existed), alternating run by run.

    python tests/tools/cold_start.py --var var/bench-100000 [--runs 3] [--modes files,whoosh]

Each run is a new Python process on the instance (read only, but for writing missing doc-value files
in ``files`` mode), as a restarted gunicorn worker is: Django set up, then one HTMX search, then
every query of the mix once. "whoosh" mode makes the files look absent and never writes them.
Figures go to docs/BENCHMARKS.md by hand, with this command.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench  # noqa: E402 - the query mix and the percentiles are the benchmark's own

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--var", type=Path, required=True, help="a bench instance, e.g. var/bench-100000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--modes", default="files,whoosh")
    args = parser.parse_args()
    if not (args.var / "db.sqlite3").exists():
        raise SystemExit(f"No bench instance in {args.var}: run `make bench` first.")
    modes = args.modes.split(",")
    if "files" in modes:
        run_once(args.var.resolve(), "files")  # writes the files an index built before them lacks; not counted
    results: dict[str, list[dict[str, object]]] = {m: [] for m in modes}
    for run in range(args.runs):
        for mode in modes if run % 2 == 0 else reversed(modes):
            results[mode].append(run_once(args.var.resolve(), mode))
            print(f"run {run + 1} {mode}: {results[mode][-1]['stages']}", file=sys.stderr, flush=True)
    print(report(results))


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
