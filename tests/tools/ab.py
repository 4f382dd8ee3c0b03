"""Two checkouts of the project side by side on one instance: the benchmark's query mix through each
one's view, interleaved query by query, so that a busy machine slows both alike.

    git worktree add /tmp/before <commit>
    python tests/tools/ab.py --var var/bench-100000 --before /tmp/before [--after .] [--runs 3]
    python tests/tools/ab.py --var var/bench-100000 --before . --before-env SEARCH_POSTINGS_CACHE_MB=0

Each checkout runs in its own process (its own code, the same database and index, read only) and
answers the same request in turn; the report gives p50/p95 and per-class medians for both, and the
ratio. This is how "before and after" figures in docs/BENCHMARKS.md are measured.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench  # noqa: E402 - the query mix and the percentiles are the benchmark's own

WORKER = """
import json, os, sys, time
sys.path.insert(0, os.getcwd())
import django
django.setup()
from django.test import Client
client = Client()
print("ready", flush=True)
for line in sys.stdin:
    query = json.loads(line)
    started = time.perf_counter()
    response = client.get("/", query, headers={"HX-Request": "true"})
    elapsed = (time.perf_counter() - started) * 1000
    print(json.dumps([response.status_code, elapsed]), flush=True)
"""


class Worker:
    """One checkout's view, in its own process, answering one query at a time."""

    def __init__(self, checkout: Path, var: Path, extra_env: dict[str, str] | None = None) -> None:
        env = {
            **os.environ,
            **(extra_env or {}),
            "NEWSAPP_VAR_DIR": str(var),
            "DJANGO_SETTINGS_MODULE": "newsapp.settings",
            "DJANGO_DEBUG": "0",
            "DJANGO_TLS": "0",
            "DJANGO_ALLOWED_HOSTS": "testserver",
            "DJANGO_SECRET_KEY": "bench-only",
        }
        self.process = subprocess.Popen(
            [sys.executable, "-c", WORKER], cwd=checkout, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self.process.stdout is not None and self.process.stdout.readline().strip() == "ready"

    def ask(self, query: dict[str, str]) -> float:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps(query) + "\n")
        self.process.stdin.flush()
        status, elapsed = json.loads(self.process.stdout.readline())
        if status != 200:
            raise SystemExit(f"{query} answered {status}")
        return float(elapsed)

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--var", type=Path, required=True, help="an instance folder (var/bench-<N>)")
    parser.add_argument("--before", type=Path, required=True, help="a checkout of the earlier code")
    parser.add_argument("--after", type=Path, default=bench.ROOT, help="a checkout of the later code (default: this one)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--before-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="an environment variable for the before checkout only (the same checkout twice with a setting changed)",
    )
    args = parser.parse_args()
    var = args.var.resolve()
    bench.setup_django(var)
    cases = bench.query_mix()
    before_env = dict(pair.split("=", 1) for pair in args.before_env)
    workers = {"before": Worker(args.before.resolve(), var, before_env), "after": Worker(args.after.resolve(), var)}
    times: dict[str, dict[str, list[float]]] = {name: {} for name in workers}
    for case in cases:  # warm-up
        for worker in workers.values():
            worker.ask(case.querydict())
    for run in range(args.runs):
        for case in cases:
            order = list(workers.items()) if run % 2 == 0 else list(reversed(workers.items()))
            for name, worker in order:
                times[name].setdefault(case.label(), []).append(worker.ask(case.querydict()))
    for worker in workers.values():
        worker.close()
    print(report(args, cases, times))


def report(args: argparse.Namespace, cases: list[bench.Case], times: dict[str, dict[str, list[float]]]) -> str:
    lines = [
        f"`python tests/tools/ab.py --var {args.var} --before {args.before} --runs {args.runs}"
        + "".join(f" --before-env {pair}" for pair in args.before_env)
        + "` "
        f"({time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores; each query answered by both checkouts in turn)",
        "",
        "| | p50 ms | p95 ms | mean ms |",
        "| --- | --- | --- | --- |",
    ]
    for name, by_case in times.items():
        values = [t for ts in by_case.values() for t in ts]
        lines.append(
            f"| {name} | {bench.percentile(values, 50):.1f} | {bench.percentile(values, 95):.1f} | {statistics.mean(values):.1f} |"
        )
    lines += ["", "| class | before ms | after ms | before ÷ after |", "| --- | --- | --- | --- |"]
    for kind in dict.fromkeys(c.kind for c in cases):
        labels = [c.label() for c in cases if c.kind == kind]
        before = statistics.median(t for label in labels for t in times["before"][label])
        after = statistics.median(t for label in labels for t in times["after"][label])
        lines.append(f"| {kind} | {before:.1f} | {after:.1f} | {before / after:.1f}× |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
