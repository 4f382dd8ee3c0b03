"""What a candidate layer-1 pattern would set aside across the AllSides corpus, before it goes in.

    python tests/tools/pattern_matches.py PATTERN [PATTERN ...] [--files 40] [--show 12] [--seed 1]

Counts, for each regular expression, the paragraphs of the first ``--files`` corpus files it matches
(``re.search``, case as written: use ``(?i)`` for case-insensitive) and prints a random ``--show`` of
them with their source, to be read for story text (research data: nothing from it ships).
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from search.ingest.paragraphs import split_paragraphs  # noqa: E402 - after the path is set
from tests.tools.boilerplate_eval import ALLSIDES, records  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("patterns", nargs="+")
    parser.add_argument("--files", type=int, default=40)
    parser.add_argument("--show", type=int, default=12)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    patterns = [re.compile(pattern) for pattern in args.patterns]
    matches: list[list[tuple[str, str]]] = [[] for _ in patterns]
    paragraphs = 0
    for path in sorted(ALLSIDES.glob("*.jsonl.gz"))[: args.files]:
        for record in records(path):
            for paragraph in split_paragraphs(str(record.get("content_original") or "")):
                paragraphs += 1
                for found, pattern in zip(matches, patterns, strict=True):
                    if pattern.search(paragraph):
                        found.append((str(record.get("source") or ""), paragraph[:160]))
    print(f"{paragraphs:,} paragraphs of {args.files} files")
    rng = random.Random(args.seed)
    for pattern, found in zip(args.patterns, matches, strict=True):
        print(f"\n{len(found):,} match {pattern}")
        for source, text in rng.sample(found, min(args.show, len(found))):
            print(f"  [{source}] {text}")


if __name__ == "__main__":
    main()
