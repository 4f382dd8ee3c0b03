"""Ingest throughput of two checkouts side by side: the same AllSides articles into fresh instances,
alternating before and after, so that a noisy machine slows both alike.

    python tests/tools/ab_ingest.py --before /tmp/old [--after .] [--articles 2000] [--rounds 2] [--source "The Hill"]

Each run is ``manage.py ingest FILE --processes 2 --index-every 2000`` of the checkout, timed from
outside (database, NER workers, index commit: all of it). AllSides is research-only data, read from
../shared at run time.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("NEWSAPP_SHARED_DIR", ROOT.parent / "shared"))


def sample(articles: int, out: Path, skip_files: int = 10, source: str = "") -> None:
    """The first ``articles`` articles of the AllSides files after the first ``skip_files`` (of
    ``source`` only, when given: then from the first file on)."""
    written = 0
    with out.open("w", encoding="utf-8") as handle:
        for path in sorted((SHARED / "corpora" / "allsides").glob("allsides_*.jsonl.gz"))[0 if source else skip_files :]:
            with gzip.open(path, "rt", encoding="utf-8") as lines:
                for line in lines:
                    if source and json.loads(line).get("source") != source:
                        continue
                    handle.write(line)
                    written += 1
                    if written >= articles:
                        return


def run(checkout: Path, source: Path, work: Path, how: tuple[str, ...] = ("--processes", "2")) -> tuple[float, str]:
    """Seconds of ``manage.py ingest source --index-every 2000`` plus ``how`` into a fresh instance
    in ``work``, and the summary line it printed."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    env = {**os.environ, "NEWSAPP_VAR_DIR": str(work), "DJANGO_SECRET_KEY": "ab-only", "SEARCH_APPLY_IN_BACKGROUND": "0"}
    python = checkout / ".venv" / "bin" / "python"
    python = python if python.exists() else Path(sys.executable)
    subprocess.run([str(python), "manage.py", "migrate", "-v0"], cwd=checkout, env=env, check=True)
    started = time.perf_counter()
    done = subprocess.run(
        [str(python), "manage.py", "ingest", str(source), *how, "--index-every", "2000"],
        cwd=checkout,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    lines = done.stdout.strip().splitlines()
    return time.perf_counter() - started, "; ".join([lines[-1], *(line for line in lines if "furniture" in line)])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", type=Path, required=True, help="a checkout (git worktree) of the code before")
    parser.add_argument("--after", type=Path, default=ROOT)
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--source", default="", help="only this AllSides source's articles (e.g. an outlet with inline furniture)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "input.jsonl"
        sample(args.articles, source, source=args.source)
        for number in range(1, args.rounds + 1):
            for side, checkout in (("before", args.before), ("after", args.after)):
                seconds, summary = run(checkout.resolve(), source, Path(tmp) / side)
                print(f"round {number} {side}: {seconds:.1f} s = {args.articles / seconds:.2f} articles/s; {summary}", flush=True)


if __name__ == "__main__":
    main()
