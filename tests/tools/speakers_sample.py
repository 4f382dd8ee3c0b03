"""Draw a sample of paragraphs to label with docs/SPEAKERS.md's rule (printed as TSV: id, text).

    python tests/tools/speakers_sample.py --corpus wikinews|allsides [--size 100] [--seed 15]

Paragraphs that name at least one person (two capitalised words in a row that are not a sentence's
function words: a cheap filter, so the sample does not depend on the code it measures), drawn at
random with the seed from the whole corpus, whatever their quotes or verbs. AllSides is research
data: its sample's labels are for measuring only.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from search.ingest.ner import FUNCTION_WORDS  # noqa: E402
from search.ingest.paragraphs import split_paragraphs  # noqa: E402
from tests.tools.bench import SHARED  # noqa: E402

_PAIR = re.compile(r"\b([A-Z][a-z]+) ([A-Z][a-z]+)\b")


def names_someone(text: str) -> bool:
    return any(first not in FUNCTION_WORDS for first, _ in _PAIR.findall(text)) and len(text) >= 60


def paragraphs(corpus: str) -> Iterator[tuple[str, str]]:
    if corpus == "wikinews":
        files = [SHARED / "corpora" / "wikinews" / "articles.jsonl"]
    else:
        files = sorted((SHARED / "corpora" / "allsides").glob("allsides_*.jsonl.gz"))[10:20]
    for path in files:
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8") as lines:
            for number, line in enumerate(lines):
                record = json.loads(line)
                for position, text in enumerate(split_paragraphs(record.get("text") or record.get("content_original", ""))):
                    if names_someone(text):
                        yield f"{path.name.split('.')[0]}:{number}:{position}", text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", choices=["wikinews", "allsides"], required=True)
    parser.add_argument("--size", type=int, default=100)
    parser.add_argument("--seed", type=int, default=15)
    args = parser.parse_args()
    found = list(paragraphs(args.corpus))
    for key, text in random.Random(args.seed).sample(found, args.size):
        print(f"{key}\t{text.replace(chr(9), ' ').replace(chr(10), ' ')}")


if __name__ == "__main__":
    main()
