"""Who speaks: precision, recall and F1 of speakers at the (paragraph, person) level on the labelled
samples (docs/SPEAKERS.md has the rule the labels follow).

    python tests/tools/speakers_eval.py [--sample dev|test|both] [--show]
    python tests/tools/speakers_eval.py --cost 400   # person finding's CPU with and without speakers

Each labelled paragraph goes through the real person finding (``persons.mentions_in``, speakers
marked) with the rest of its article (read again from ../shared at run time: a lone surname is a
person only where the article names them in full). A labelled person is found when a mention's words end with, or
hold, the label (its last name as the paragraph writes it). A true positive is a labelled speaker
that a speaker mention names; a false positive, a speaker mention that names no labelled speaker
(a person only mentioned, or no labelled person at all); a false negative, a labelled speaker that
no speaker mention names (the person finding missed them, or did not mark them).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import itertools
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from search.ingest import persons, speakers  # noqa: E402
from search.ingest.paragraphs import split_paragraphs  # noqa: E402
from tests.tools.bench import SHARED  # noqa: E402

DATA = ROOT / "tests" / "data"


def article_of(key: str) -> list[str]:
    """The paragraphs of the article a sample's key names (file:line:position, as speakers_sample.py wrote it)."""
    name, line, _ = key.split(":")
    path = SHARED / "corpora" / ("wikinews/articles.jsonl" if name == "articles" else f"allsides/{name}.jsonl.gz")
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as lines:
        record = json.loads(next(itertools.islice(lines, int(line), None)))
    return split_paragraphs(record.get("text") or record.get("content_original", ""))


def names(mention_text: str, label: str) -> bool:
    words, wanted = mention_text.casefold().replace("-", " ").split(), label.casefold().replace("-", " ").split()
    return words[-len(wanted) :] == wanted or all(w in words for w in wanted)


def evaluate(sample: str, show: bool) -> tuple[int, int, int]:
    lines = (line for line in (DATA / f"speakers_{sample}.tsv").open(encoding="utf-8") if not line.startswith("#"))
    rows = list(csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))
    articles = [article_of(row["id"]) for row in rows]
    found = persons.mentions_in(articles)
    tp = fp = fn = 0
    for row, article, all_mentions in zip(rows, articles, found, strict=True):
        position = int(row["id"].rsplit(":", 1)[1])
        row["text"] = " ".join(article[position].split())
        assert hashlib.sha256(row["text"].encode()).hexdigest()[:12] == row["sha"], f"{row['id']}: not the paragraph labelled"
        mentions = [m for m in all_mentions if m.paragraph == position]
        gold = {s for s in row["speakers"].split(";") if s}
        said = [m.text for m in mentions if m.speaker]
        hits = {g for g in gold if any(names(text, g) for text in said)}
        wrong = [text for text in said if not any(names(text, g) for g in gold)]
        tp, fp, fn = tp + len(hits), fp + len(set(wrong)), fn + len(gold - hits)
        if show and (wrong or gold - hits):
            print(f"{row['id']}: missed {sorted(gold - hits)} wrong {sorted(set(wrong))} | {row['text'][:160]}")
    return tp, fp, fn


def cost(articles: int) -> None:
    """CPU seconds of ``persons.mentions_in`` over AllSides articles (files 10 on), with speakers and
    without, alternating twice, in this process (what one NER worker does); and the share of
    paragraphs with a person that the parser read."""
    texts = []
    for path in sorted((SHARED / "corpora" / "allsides").glob("allsides_*.jsonl.gz"))[10:]:
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            lines_wanted = itertools.islice(lines, articles - len(texts))
            texts += [split_paragraphs(json.loads(line).get("content_original", "")) for line in lines_wanted]
        if len(texts) >= articles:
            break
    persons.mentions_in(texts[:20])  # both models loaded before timing
    persons.ner.parses([("Warm up.", 0)])
    seconds: dict[bool, list[float]] = {True: [], False: []}
    for on in (False, True, False, True):
        persons.SPEAKERS = on
        started = time.process_time()
        found = persons.mentions_in(texts)
        seconds[on].append(time.process_time() - started)
    named: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for a, ms in enumerate(found):
        for m in ms:
            named.setdefault((a, m.paragraph), []).append((m.start, m.end))
    pieces = [piece for (a, n), spans in named.items() for piece in speakers.to_parse(texts[a][n], spans)]
    chars = sum(len(texts[a][n]) for a, n in named)
    print(f"{len(texts)} articles, {sum(map(len, texts)):,} paragraphs, {len(named):,} with a person;")
    print(f"parsed: {len(pieces):,} sentences, {sum(len(t) for t, _ in pieces) / chars:.0%} of those paragraphs' text")
    runs = {on: " / ".join(f"{s:.1f}" for s in seconds[on]) for on in (False, True)}
    print(f"without speakers: {runs[False]} CPU-s; with: {runs[True]}")
    print(f"cost: +{100 * (sum(seconds[True]) / sum(seconds[False]) - 1):.1f} % of person finding")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sample", choices=["dev", "test", "both"], default="both")
    parser.add_argument("--show", action="store_true", help="print each paragraph's misses (after the first figure is recorded)")
    parser.add_argument("--cost", type=int, default=0, help="time person finding on this many AllSides articles instead")
    args = parser.parse_args()
    if args.cost:
        cost(args.cost)
        return
    print("| sample | paragraphs | labelled speakers | TP | FP | FN | precision | recall | F1 |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for sample in ["dev", "test"] if args.sample == "both" else [args.sample]:
        tp, fp, fn = evaluate(sample, args.show)
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        rows = sum(1 for line in (DATA / f"speakers_{sample}.tsv").open(encoding="utf-8") if not line.startswith("#")) - 1
        print(f"| {sample} | {rows} | {tp + fn} | {tp} | {fp} | {fn} | {p:.3f} | {r:.3f} | {f1:.3f} |")


if __name__ == "__main__":
    main()
