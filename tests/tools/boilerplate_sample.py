"""Draw a new boilerplate sample from outlets that no labelled sample has yet, for labelling by hand.

    python tests/tools/boilerplate_sample.py --seed 19 --articles 20 --out tests/data/allsides_boilerplate_NAME.tsv

One article from each of ``--articles`` outlets drawn with ``random.Random(seed)`` among the AllSides
sources that no file in ``tests/data/allsides_boilerplate_*.tsv`` contains (an outlet with at least
``--min-articles`` articles, so that repetition within it can show). Writes the TSV with an empty label
column and prints each paragraph with its position, for reading; the labeller fills in B or K before
running ``make eval-boilerplate``. The texts stay in ../shared: the file holds references and hashes.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from search.ingest.paragraphs import split_paragraphs  # noqa: E402
from tests.tools.boilerplate_eval import ALLSIDES, ROOT, read_labels, records, sha  # noqa: E402


def labelled_sources() -> set[str]:
    sources: set[str] = set()
    cache: dict[str, list[dict[str, object]]] = {}
    for path in sorted((ROOT / "tests" / "data").glob("allsides_boilerplate_*.tsv")):
        if path.name == "allsides_boilerplate_first.tsv":
            continue  # the samples' first measurements, not labels
        for label in read_labels(path):
            if label.file not in cache:
                cache[label.file] = records(ALLSIDES / label.file)
            sources.add(str(cache[label.file][label.record].get("source") or ""))
    return sources


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--articles", type=int, default=20)
    parser.add_argument("--min-articles", type=int, default=10)
    parser.add_argument("--exclude", type=Path, nargs="*", default=[], help="other new samples whose outlets to avoid")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    seen = labelled_sources()
    for path in args.exclude:
        seen |= {line.split("\t")[4] for line in path.open(encoding="utf-8") if line.startswith("# source\t")}
    by_source: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for path in sorted(ALLSIDES.glob("allsides_*.jsonl.gz")):
        for n, record in enumerate(records(path)):
            if split_paragraphs(str(record.get("content_original") or "")):
                by_source[str(record.get("source") or "")].append((path.name, n))
    candidates = sorted(s for s, arts in by_source.items() if s not in seen and len(arts) >= args.min_articles)
    rng = random.Random(args.seed)
    chosen = rng.sample(candidates, args.articles)
    lines = []
    for source in chosen:
        file, record_no = rng.choice(by_source[source])
        lines.append(f"# source\t{file}\t{record_no}\t-\t{source}")
        record = records(ALLSIDES / file)[record_no]
        print(f"\n===== {source} | {file}:{record_no} | {record.get('title')}")
        for position, text in enumerate(split_paragraphs(str(record.get("content_original") or ""))):
            lines.append(f"{file}\t{record_no}\t{position}\t{sha(text)}\t")
            print(f"[{position}] {text[:400]}")
    args.out.write_text("file\trecord\tposition\tsha\tlabel\n" + "\n".join(lines) + "\n", encoding="utf-8")
    print(f"\n{len(candidates)} unlabelled outlets with ≥ {args.min_articles} articles; wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
