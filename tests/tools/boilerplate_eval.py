"""Boilerplate recall and precision on the labelled AllSides samples (tests/data/allsides_boilerplate_*.tsv).

    python tests/tools/boilerplate_eval.py [--show] [--no-learned] [--precision P] [--no-record]   (make eval-boilerplate)

Predictions are what ingest decides without curation: layer 1 (search.ingest.boilerplate, from the
article alone), layer 2 (a short paragraph repeated across a source's articles, with the thresholds of
search.ingest.repeats, counted over the whole AllSides corpus as a full ingest would see it) and the
learned layer (search.ingest.learned.fit over the whole corpus, labelled by layers 1 and 2, as
boilerplate_fit does on a user's archive; the model is used for the figures and then thrown away).
Each sample's first measurement is recorded once in tests/data/allsides_boilerplate_first.tsv and
printed beside the current one. ``--show`` lists the misses and false alarms (texts from ../shared,
printed, never stored), except the blind sample's.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import math
import os
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("NEWSAPP_SHARED_DIR", ROOT.parent / "shared"))
ALLSIDES = SHARED / "corpora" / "allsides"
DEVELOPMENT = ROOT / "tests" / "data" / "allsides_boilerplate_labels.tsv"  # the heuristics were tuned on it
HELD_OUT = ROOT / "tests" / "data" / "allsides_boilerplate_heldout.tsv"  # labelled after tuning on the first; used for tuning since
HELD_OUT_2 = ROOT / "tests" / "data" / "allsides_boilerplate_heldout2.tsv"  # a third sample, labelled after both were used
HELD_OUT_3 = ROOT / "tests" / "data" / "allsides_boilerplate_heldout3.tsv"  # a fourth, labelled after all three were used
HELD_OUT_4 = ROOT / "tests" / "data" / "allsides_boilerplate_heldout4.tsv"  # a fifth, labelled after all four were used
HELD_OUT_5 = ROOT / "tests" / "data" / "allsides_boilerplate_heldout5.tsv"  # 20 outlets no sample had (#19)
HELD_OUT_6 = ROOT / "tests" / "data" / "allsides_boilerplate_heldout6.tsv"  # 20 more, blind until 2026-12-07
HELD_OUT_7 = ROOT / "tests" / "data" / "allsides_boilerplate_heldout7.tsv"  # 20 more, kept blind
SAMPLES = (
    ("development sample", DEVELOPMENT),
    ("held-out sample", HELD_OUT),
    ("second held-out sample", HELD_OUT_2),
    ("third held-out sample", HELD_OUT_3),
    ("fourth held-out sample", HELD_OUT_4),
    ("fifth held-out sample", HELD_OUT_5),
    ("sixth held-out sample", HELD_OUT_6),
    ("seventh held-out sample", HELD_OUT_7),
)
# Never listed by --show: its misses stay unread, so its figures estimate outlets nothing was tuned on.
# The sixth was blind from 2026-12-02 until the seventh's first measurement (2026-12-07); its misses were read then.
BLIND = {"seventh held-out sample"}
# Each sample's first measurement, taken before anyone read its misses: written once, never overwritten.
FIRST = ROOT / "tests" / "data" / "allsides_boilerplate_first.tsv"
sys.path.insert(0, str(ROOT))

from search.ingest import boilerplate  # noqa: E402 - after the path is set
from search.ingest.paragraphs import split_paragraphs  # noqa: E402


@dataclass(frozen=True)
class Label:
    file: str
    record: int
    position: int
    sha: str
    boilerplate: bool


def read_labels(path: Path) -> list[Label]:
    rows = [line.rstrip("\n").split("\t") for line in path.open(encoding="utf-8") if not line.startswith("#")]
    return [Label(f, int(r), int(p), s, label == "B") for f, r, p, s, label in rows[1:]]


def sha(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]


def records(path: Path) -> list[dict[str, object]]:
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


@dataclass
class Layers:
    """What layers 2 and 4 decide over the whole corpus, as a full ingest followed by a fit would."""

    repeated: dict[str, set[str]]  # source → hashes of short paragraphs repeated enough (layer 2)
    learned: set[tuple[str, int, int]]  # (file, record, position) set aside by the learned layer
    report: str


def corpus_layers(*, learn: bool, target: float | None = None) -> Layers:
    """Layer 2's rule over the corpus; with ``learn``, the learned layer fitted on the whole corpus
    (labels from layers 1 and 2, as search.ingest.learned.fit_archive takes them from the database)."""
    from search.ingest import learned
    from search.ingest.repeats import REPEAT_ARTICLES, REPEAT_ENOUGH, REPEAT_SHARE, REPEATED_REASON

    seen, by_source = _layer_one()
    repeated = {}
    for source, counts in seen.items():
        needed = max(REPEAT_ARTICLES, min(REPEAT_ENOUGH, math.ceil(len(by_source[source]) * REPEAT_SHARE)))
        repeated[source] = {digest for digest, n in counts.items() if n >= needed}
    if not learn:
        return Layers(repeated, set(), "")
    started = time.perf_counter()
    rows, where = learned.ArchiveRows(), []
    for source_no, (source, articles) in enumerate(sorted(by_source.items()), 1):
        paragraphs: dict[int, list[tuple[int, str, str]]] = {}
        titles = {}
        for article_no, (file, record_no, title, drafts) in enumerate(articles):
            titles[article_no] = title
            paragraphs[article_no] = []
            for position, draft in enumerate(drafts):
                reason = draft.boilerplate_reason or (REPEATED_REASON if sha(draft.text) in repeated.get(source, set()) else "")
                paragraphs[article_no].append((len(where), draft.text, reason))
                where.append((file, record_no, position))
        learned.add_source(paragraphs, source_no if source else 0, source, rows, titles)
    known = [n for n, value in enumerate(rows.labels) if value is not None]
    matrix = rows.matrix()
    labels = np.array([rows.labels[n] for n in known], dtype=np.int8)
    groups = np.array([rows.source_ids[n] for n in known])
    featured = time.perf_counter()
    fit = learned.fit(matrix[known], labels, groups, target or learned.TARGET_PRECISION)
    fitted = time.perf_counter()
    scores = fit.model.scores(matrix)
    chosen = {where[rows.ids[n]] for n in range(len(rows.ids)) if not rows.reasons[n] and scores[n] >= fit.model.threshold}
    timing = f"features {featured - started:.0f} s, fit {fitted - featured:.0f} s, scoring {time.perf_counter() - fitted:.0f} s"
    return Layers(repeated, chosen, fit.report + f"\nset aside by it over the corpus: {len(chosen):,} paragraphs ({timing})")


Drafts = list[tuple[str, int, str, list[boilerplate.ParagraphDraft]]]  # (file, record, title, layer 1's drafts)


def _layer_one() -> tuple[dict[str, dict[str, int]], dict[str, Drafts]]:
    """Layer 1 over the corpus, by source, with the counts of short paragraphs (layer 2's input). Kept in
    var/eval between runs while layer 1's code and patterns are the same (it is most of a run's time)."""
    import pickle

    from search.ingest.repeats import REPEAT_MAX_WORDS

    code = b"".join((ROOT / "search" / "ingest" / name).read_bytes() for name in ("boilerplate.py", "boilerplate.toml", "paragraphs.py"))
    cache = ROOT / "var" / "eval" / f"layer1-{hashlib.sha1(code).hexdigest()[:12]}.pickle"
    if cache.exists():
        with cache.open("rb") as file:
            return pickle.load(file)  # noqa: S301 - written by this tool on this machine
    seen: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    by_source: dict[str, Drafts] = defaultdict(list)
    for path in sorted(ALLSIDES.glob("allsides_*.jsonl.gz")):
        for n, record in enumerate(records(path)):
            source = str(record.get("source") or "")
            drafts = layer_one(record)
            by_source[source].append((path.name, n, str(record.get("title") or ""), drafts))
            # every short paragraph counts, flagged or not, as in rules.SourceRepeats
            for digest in {sha(d.text) for d in drafts if len(d.text.split()) <= REPEAT_MAX_WORDS}:
                seen[source][digest] += 1
    result = ({k: dict(v) for k, v in seen.items()}, dict(by_source))
    cache.parent.mkdir(parents=True, exist_ok=True)
    for old in cache.parent.glob("layer1-*.pickle"):
        old.unlink()
    with cache.open("wb") as file:
        pickle.dump(result, file)
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--show", action="store_true", help="print misses and false alarms")
    parser.add_argument("--no-record", action="store_true", help="do not record first measurements (trying variants)")
    parser.add_argument("--no-learned", action="store_true", help="layers 1 and 2 only, without the learned layer")
    parser.add_argument("--precision", type=float, default=None, help="the learned layer's target precision (learned.TARGET_PRECISION)")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsapp.settings")
    os.environ.setdefault("NEWSAPP_VAR_DIR", str(ROOT / "var" / "eval"))
    import django

    django.setup()  # search.ingest.repeats (layer 2's thresholds) imports the models
    layers = corpus_layers(learn=not args.no_learned, target=args.precision)
    if layers.report:
        print(layers.report)
    by_file: dict[str, list[dict[str, object]]] = {}
    first = read_first()
    for name, path in SAMPLES:
        counts = evaluate(name, read_labels(path), layers, by_file, show=args.show and name not in BLIND)
        if name not in first and not args.no_record:
            first[name] = record_first(name, summary(counts))
        print(f"{name}: first {first[name]}; now {summary(counts)}")
    if args.show and BLIND:
        print(f"(not listed, kept blind: {', '.join(sorted(BLIND))})")


def summary(counts: dict[str, int]) -> str:
    recall = counts["tp"] / max(counts["tp"] + counts["fn"], 1)
    precision = counts["tp"] / max(counts["tp"] + counts["fp"], 1)
    return (
        f"recall={recall:.3f} precision={precision:.3f} (paragraphs={sum(counts[k] for k in ('tp', 'fp', 'fn', 'tn'))} "
        f"tp={counts['tp']} fp={counts['fp']} fn={counts['fn']}; by layer 1: {counts['layer1']}, by layer 2: {counts['layer2']}, "
        f"learned: {counts['learned']})"
    )


def read_first(first: Path = FIRST) -> dict[str, str]:
    rows = [line.rstrip("\n").split("\t") for line in first.open(encoding="utf-8") if not line.startswith("#")]
    return {name: f"{figures} ({when})" for name, when, figures in rows[1:]}


def record_first(name: str, figures: str, first: Path = FIRST) -> str:
    """Append a sample's first measurement to ``first`` (once: the caller checks read_first)."""
    import subprocess
    from datetime import date

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "search"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    when = f"{date.today().isoformat()}, at {commit}{' with uncommitted changes to search/' if dirty else ''}"
    with first.open("a", encoding="utf-8") as file:
        file.write(f"{name}\t{when}\t{figures}\n")
    return f"{figures} ({when})"


def layer_one(record: dict[str, object]) -> list[boilerplate.ParagraphDraft]:
    """Layer 1 as ingest runs it on a record: its paragraphs, its byline and source."""
    writers = boilerplate.writer_names(str(record.get("authors") or ""), str(record.get("source") or ""))
    return boilerplate.classify_paragraphs(split_paragraphs(str(record.get("content_original") or "")), writers)


def evaluate(name: str, labels: list[Label], layers: Layers, by_file: dict[str, list[dict[str, object]]], *, show: bool) -> dict[str, int]:
    counts = {"tp": 0, "fp": 0, "fn": 0, "tn": 0, "layer1": 0, "layer2": 0, "learned": 0}
    for label in labels:
        if label.file not in by_file:
            by_file[label.file] = records(ALLSIDES / label.file)
        record = by_file[label.file][label.record]
        drafts = layer_one(record)
        draft = drafts[label.position]
        if sha(draft.text) != label.sha:
            raise SystemExit(f"{label.file}:{label.record}:{label.position}: the text changed since it was labelled")
        layer1 = draft.is_boilerplate
        layer2 = not layer1 and sha(draft.text) in layers.repeated.get(str(record.get("source") or ""), set())
        layer4 = not layer1 and not layer2 and (label.file, label.record, label.position) in layers.learned
        predicted = layer1 or layer2 or layer4
        counts["layer1"] += layer1 and label.boilerplate
        counts["layer2"] += layer2 and label.boilerplate
        counts["learned"] += layer4 and label.boilerplate
        key = ("t" if predicted == label.boilerplate else "f") + ("p" if predicted else "n")
        counts[key] += 1
        if show and predicted != label.boilerplate:
            what = "false alarm" if predicted else "missed"
            why = draft.boilerplate_reason or ("repeated" if layer2 else "learned" if layer4 else "")
            print(f"{what}: [{record.get('source')}] {draft.text[:120]!r} ({why})")
    return counts


if __name__ == "__main__":
    main()
