"""Person-mention precision, recall and F1 of the ingest's person extraction on CoNLL-2003.

    python tests/tools/conll_eval.py [--split testa]      (make eval-persons)

Each document's sentences are given to the same code ingest uses (persons.find_persons) as its
paragraphs; a predicted mention counts when its character span equals a gold PER span. Lone
words that resolve to no full name in the document are left out, as ingest leaves them out when
they name no known person (no database here). CoNLL is research-only data, read from ../shared.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("NEWSAPP_SHARED_DIR", ROOT.parent / "shared"))
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsapp.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "eval-only")

import django  # noqa: E402 - after the path is set

django.setup()

from search.ingest import persons  # noqa: E402 - after Django is set up


def predicted_spans(lines: list[str], mentions: list[persons.MentionDraft], surnames: set[str]) -> set[tuple[int, int]]:
    """Spans as ingest keeps them: a lone word stays when it names a person known from the archive
    (here: the surname of a full name found in any document of the split, as earlier ingests would)."""
    starts = [0]
    for line in lines[:-1]:
        starts.append(starts[-1] + len(line) + 1)
    return {
        (starts[m.paragraph] + m.start, starts[m.paragraph] + m.end) for m in mentions if " " in m.name or m.name.casefold() in surnames
    }


def evaluate(split: str) -> str:
    """One line: the split's PER mention P/R/F1 and counts."""
    path = SHARED / "corpora" / "conll2003" / f"docs_{split}.jsonl"
    tp = fp = fn = 0
    started = time.perf_counter()
    docs = [json.loads(line) for line in path.open(encoding="utf-8")]
    lines = [doc["text"].split("\n") for doc in docs]
    mentions = [m for _, m in persons.find_persons_stream(enumerate(lines))]
    surnames = {m.name.rsplit(" ", 1)[-1].casefold() for found in mentions for m in found if " " in m.name}
    for doc, doc_lines, doc_mentions in zip(docs, lines, mentions, strict=True):
        gold = {(e["start"], e["end"]) for e in doc["entities"] if e["type"] == "PER"}
        found = predicted_spans(doc_lines, doc_mentions, surnames)
        tp += len(gold & found)
        fp += len(found - gold)
        fn += len(gold - found)
    precision = tp / max(tp + fp, 1)
    recall = tp / max(tp + fn, 1)
    f1 = 2 * precision * recall / max(precision + recall, 1e-9)
    seconds = time.perf_counter() - started
    scores = f"P={precision:.3f} R={recall:.3f} F1={f1:.3f}"
    return f"CoNLL-2003 {split}: PER mentions {scores} (tp={tp} fp={fp} fn={fn}) in {seconds:.0f} s"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--split", default="testa")
    args = parser.parse_args()
    print(evaluate(args.split))


if __name__ == "__main__":
    main()
