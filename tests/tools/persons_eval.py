"""How far the persons can be trusted: mention P/R/F1 on CoNLL-2003, and after a real ingest of an
AllSides sample, the duplicate rate and the share of non-persons among persons with 3 or more mentions.

    python tests/tools/persons_eval.py                 (make eval-persons: both samples, CoNLL train and dev)
    python tests/tools/persons_eval.py --sample dev --list
    python tests/tools/persons_eval.py --sample test --unlabelled > /tmp/new.tsv

The two AllSides samples are fixed sets of articles (by a hash of their ID), ingested into a fresh
instance in var/persons-<sample>/ exactly as ``manage.py ingest`` would. Their persons with 3 or more
mentions were labelled by hand (tests/data/allsides_persons_<sample>.tsv: name, kind, human) on the
output of the code before the persons renovation (#18), before any change was measured on them:

- kind ``P`` a person, ``N`` not a person (an organisation, a place, a headline fragment, a name
  widget), ``?`` cannot be told from the name and its paragraphs;
- human: who the person is, the same text for every canonical person that is the same human.

The duplicate rate is the share of labelled humans that have more than one canonical person; the
non-person share is the share of labelled canonical persons of kind N. Names the labels do not know
(the code changed since) are listed and counted apart, never guessed. ``dev`` is the sample the
changes were tried on; ``test`` was only measured, and ``--list`` shows its misses only with
``--show-test`` (since 2026-12-03; sessions before read them after measuring).

AllSides and CoNLL are research-only data, read from ../shared at run time.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import shutil
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("NEWSAPP_SHARED_DIR", ROOT.parent / "shared"))
ALLSIDES = SHARED / "corpora" / "allsides"
SAMPLES = {"dev": 0, "test": 1}  # the hash bucket of each sample
BUCKETS = 60  # one article in 60: about 625 articles per sample
MIN_MENTIONS = 3


@dataclass(frozen=True)
class Label:
    kind: str  # P, N or ?
    human: str


def labels_path(sample: str) -> Path:
    return ROOT / "tests" / "data" / f"allsides_persons_{sample}.tsv"


def read_labels(sample: str) -> dict[str, Label]:
    path = labels_path(sample)
    if not path.exists():
        return {}
    labels = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, kind, *human = line.split("\t")
        labels[name] = Label(kind, human[0] if human and human[0] else name)
    return labels


def sample_records(sample: str) -> list[dict[str, object]]:
    return records_in_bucket(SAMPLES[sample])


def records_in_bucket(bucket: int) -> list[dict[str, object]]:
    """The corpus articles whose ID hashes to ``bucket`` of BUCKETS, in corpus order."""
    paths = sorted(ALLSIDES.glob("allsides_*.jsonl.gz"))
    if not paths:
        raise SystemExit(f"The AllSides corpus is missing: {ALLSIDES} (set NEWSAPP_SHARED_DIR to the shared/ folder).")
    chosen = []
    for path in paths:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            for line in handle:
                record = json.loads(line)
                if int(hashlib.sha1(str(record["ID"]).encode()).hexdigest(), 16) % BUCKETS == bucket:
                    chosen.append(record)
    return chosen


def setup_django(var_dir: Path) -> None:
    os.environ["NEWSAPP_VAR_DIR"] = str(var_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsapp.settings")
    os.environ.setdefault("DJANGO_SECRET_KEY", "eval-only")
    os.environ["SEARCH_APPLY_IN_BACKGROUND"] = "0"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def ingest_sample(sample: str, var_dir: Path, processes: int) -> float:
    """A fresh instance with the sample ingested; returns the seconds the ingest took."""
    from django.core.management import call_command

    from search.ingest import store

    call_command("migrate", verbosity=0)
    source = var_dir / "input.jsonl"
    with source.open("w", encoding="utf-8") as out:
        for record in sample_records(sample):
            out.write(json.dumps(record) + "\n")
    started = time.perf_counter()
    store.ingest_paths([source], processes=processes)
    return time.perf_counter() - started


def stored_persons() -> list[tuple[str, int]]:
    """(name, mentions) of the canonical persons with MIN_MENTIONS or more, most mentioned first."""
    from django.db.models import Count

    from search.models import Person

    rows = Person.objects.filter(not_a_person=False).annotate(n=Count("mentions")).filter(n__gte=MIN_MENTIONS)
    return sorted(rows.values_list("name", "n"), key=lambda row: (-row[1], row[0]))


def evaluate(sample: str, persons: list[tuple[str, int]], labels: dict[str, Label], *, show: bool) -> dict[str, object]:
    known = [(name, n, labels[name]) for name, n in persons if name in labels]
    unlabelled = [(name, n) for name, n in persons if name not in labels]
    judged = [row for row in known if row[2].kind in "PN"]
    not_persons = [(name, n) for name, n, label in judged if label.kind == "N"]
    by_human: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for name, n, label in judged:
        if label.kind == "P":
            by_human[label.human].append((name, n))
    duplicated = {human: names for human, names in by_human.items() if len(names) > 1}
    figures = {
        "sample": sample,
        "persons": len(persons),
        "labelled": len(known),
        "unlabelled": len(unlabelled),
        "non_person_share": round(len(not_persons) / max(len(judged), 1), 4),
        "non_persons": len(not_persons),
        "humans": len(by_human),
        "duplicate_rate": round(len(duplicated) / max(len(by_human), 1), 4),
        "duplicated_humans": len(duplicated),
    }
    print(
        f"AllSides {sample}: {len(persons)} persons with {MIN_MENTIONS}+ mentions ({len(unlabelled)} unlabelled); "
        f"non-persons {len(not_persons)}/{len(judged)} = {figures['non_person_share']:.1%}; "
        f"humans with several persons {len(duplicated)}/{len(by_human)} = {figures['duplicate_rate']:.1%}"
    )
    if show:
        for name, n in not_persons:
            print(f"  not a person: {name} ({n})")
        for human, names in sorted(duplicated.items()):
            print(f"  one human, several persons: {human}: " + "; ".join(f"{name} ({n})" for name, n in names))
        for name, n in unlabelled:
            print(f"  unlabelled: {name} ({n})")
    return figures


def conll_figures(split: str) -> str:
    sys.path.insert(0, str(ROOT / "tests" / "tools"))
    import conll_eval

    return conll_eval.evaluate(split)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sample", choices=[*SAMPLES, "all"], default="all")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--list", action="store_true", help="list the non-persons, duplicates and unlabelled names (dev only)")
    parser.add_argument("--show-test", action="store_true", help="with --list: the held-back test sample's lists too")
    parser.add_argument("--unlabelled", action="store_true", help="print the unlabelled names as TSV lines to label")
    parser.add_argument("--keep", action="store_true", help="reuse var/persons-<sample>/ when it is there")
    parser.add_argument("--no-conll", action="store_true")
    args = parser.parse_args()
    samples = list(SAMPLES) if args.sample == "all" else [args.sample]
    if len(samples) > 1:  # one Django setup per process: each sample in a child
        for sample in samples:
            command = [sys.executable, __file__, "--sample", sample, "--processes", str(args.processes), "--no-conll"]
            command += ["--list"] * args.list + ["--show-test"] * args.show_test + ["--keep"] * args.keep
            os.spawnv(os.P_WAIT, sys.executable, command)
    else:
        run_sample(samples[0], args)
    if not args.no_conll and not args.unlabelled:
        for split in ("train", "testa"):
            print(conll_figures(split))


def run_sample(sample: str, args: argparse.Namespace) -> None:
    var_dir = ROOT / "var" / f"persons-{sample}"
    reuse = args.keep and (var_dir / "db.sqlite3").exists()
    if not reuse:
        shutil.rmtree(var_dir, ignore_errors=True)
        var_dir.mkdir(parents=True)
    setup_django(var_dir)
    seconds = 0.0 if reuse else ingest_sample(sample, var_dir, args.processes)
    persons = stored_persons()
    labels = read_labels(sample)
    if args.unlabelled:
        for name, n in persons:
            if name not in labels:
                print(f"{name}\t\t\t# {n}")
        return
    if seconds:
        print(f"AllSides {sample}: ingested in {seconds:.0f} s")
    # The held-back sample's misses stay unread unless asked for by name: a rule tuned on them would
    # make its figure as optimistic as dev's.
    evaluate(sample, persons, labels, show=args.list and (sample != "test" or args.show_test))


if __name__ == "__main__":
    main()
