"""What layer 1's patterns cost, and that the split rules answer as the patterns do.

    python tests/tools/classify_cost.py [--files 4] [--runs 2]

Splits the articles of the first ``--files`` AllSides files into paragraphs and gives each one to
``boilerplate.boilerplate_reason`` (the rules: anchored alternatives matched once, the others searched
only when their literal text occurs) and to the patterns' own ``search`` in order, the way the
reasons were found before; prints the CPU seconds of each, alternating, and fails if any paragraph
gets a different reason. Research tool: the texts stay in ../shared.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("NEWSAPP_SHARED_DIR", ROOT.parent / "shared"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=4)
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from search.ingest import boilerplate  # noqa: PLC0415
    from search.ingest.paragraphs import split_paragraphs  # noqa: PLC0415

    paragraphs: list[str] = []
    for path in sorted((SHARED / "corpora" / "allsides").glob("allsides_*.jsonl.gz"))[: args.files]:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            for line in handle:
                paragraphs += split_paragraphs(str(json.loads(line).get("content_original") or ""))

    def by_patterns(text: str) -> str:
        return next((reason for reason, pattern in ((r.reason, r.pattern) for r in boilerplate.RULES) if pattern.search(text)), "")

    print(f"{len(paragraphs):,} paragraphs of {args.files} AllSides files, CPU seconds")
    for run in range(args.runs):
        for name, classify in (("patterns' own search", by_patterns), ("rules (anchored, gated)", boilerplate.boilerplate_reason)):
            started = time.process_time()
            reasons = [classify(p) for p in paragraphs]
            print(f"run {run + 1}  {name:24s} {time.process_time() - started:6.1f}", flush=True)
            if name.startswith("patterns"):
                expected = reasons
            elif reasons != expected:
                differ = sum(a != b for a, b in zip(reasons, expected, strict=True))
                raise SystemExit(f"{differ} paragraph(s) get a different reason from the rules than from the patterns")
    print("same reason for every paragraph")


if __name__ == "__main__":
    main()
