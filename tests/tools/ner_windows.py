"""How far NER in windows (search/ingest/ner.py) agrees with NER over whole paragraphs, and how much faster it is.

    python tests/tools/ner_windows.py [--articles 250] [--window 4]

Reads the AllSides sample from ../shared (research-only; nothing is written).
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from search.ingest import boilerplate, ner  # noqa: E402 - after the path is set
from search.ingest.paragraphs import split_paragraphs  # noqa: E402

SAMPLE = ROOT.parent / "shared" / "corpora" / "allsides" / "sample_500.jsonl.gz"


def kept_paragraphs(limit: int) -> list[list[str]]:
    articles = []
    with gzip.open(SAMPLE, "rt", encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            drafts = boilerplate.classify_paragraphs(split_paragraphs(record.get("content_original") or ""))
            articles.append([d.text for d in drafts if not d.is_boilerplate])
            if len(articles) >= limit:
                break
    return articles


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=250)
    parser.add_argument("--window", type=int, default=ner.WINDOW)
    args = parser.parse_args()
    articles = kept_paragraphs(args.articles)
    nlp = ner.nlp()
    started = time.perf_counter()
    whole = [[{(e.start_char, e.end_char) for e in doc.ents if e.label_ == "PERSON"} for doc in nlp.pipe(texts)] for texts in articles]
    whole_seconds = time.perf_counter() - started
    started = time.perf_counter()
    windowed = ner.spans_in(articles, width=args.window)
    window_seconds = time.perf_counter() - started
    found = same = 0
    for whole_article, window_article in zip(whole, windowed, strict=True):
        for expected, got in zip(whole_article, window_article, strict=True):
            spans = {(start, end) for start, end, _, label in got if label == ner.PERSON}
            found += len(spans)
            same += len(expected & spans)
    total = sum(len(spans) for article in whole for spans in article)
    print(
        f"window {args.window}: whole paragraphs {total} PERSON spans in {whole_seconds:.1f} s; "
        f"windows {found} spans in {window_seconds:.1f} s; {same} identical ({same / max(total, 1):.1%})"
    )


if __name__ == "__main__":
    main()
