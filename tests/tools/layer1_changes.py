"""What a change to layer 1 of boilerplate sets aside, or gives back, across the AllSides corpus.

    python tests/tools/layer1_changes.py --before <worktree of the old code> [--show 40] [--reason byline | --per-reason 20] [--seed 1]

Runs layer 1 (``search.ingest.boilerplate.classify_paragraphs``) of both checkouts over every corpus
article, each in a process of its own (``--root``), and prints how many paragraphs the new code sets
aside that the old kept, by reason, and how many it gives back; then a random ``--show`` of each, with
the next paragraph, to be read for story text (research data: nothing from it ships).
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def dump(root: Path, into: Path) -> None:
    """Layer 1's reason for every paragraph of the corpus, by the code at ``root``, one line per article."""
    sys.path.insert(0, str(root))
    from search.ingest import boilerplate  # noqa: PLC0415 - the checkout given, not this one
    from search.ingest.paragraphs import split_paragraphs  # noqa: PLC0415

    sys.path.insert(1, str(ROOT))
    from tests.tools.boilerplate_eval import ALLSIDES  # noqa: PLC0415

    with into.open("w", encoding="utf-8") as out:
        for path in sorted(ALLSIDES.glob("allsides_*.jsonl.gz")):
            with gzip.open(path, "rt", encoding="utf-8") as lines:
                for line in lines:
                    record = json.loads(line)
                    texts = split_paragraphs(str(record.get("content_original") or ""))
                    if hasattr(boilerplate, "writer_names"):  # since 2026-12-07: the byline and source count
                        writers = boilerplate.writer_names(str(record.get("authors") or ""), str(record.get("source") or ""))
                        drafts = boilerplate.classify_paragraphs(texts, writers)
                    else:
                        drafts = boilerplate.classify_paragraphs(texts)
                    row = [str(record.get("source") or ""), [d.text for d in drafts], [d.boilerplate_reason for d in drafts]]
                    out.write(json.dumps(row) + "\n")


def changes(before: Path, after: Path) -> tuple[list[tuple[str, str, str, str]], list[tuple[str, str, str, str]]]:
    """(set aside now, given back): each (reason, source, text, next paragraph)."""
    aside, back = [], []
    with before.open(encoding="utf-8") as old, after.open(encoding="utf-8") as new:
        for old_line, new_line in zip(old, new, strict=True):
            (source, texts, was), (_, _, now) = json.loads(old_line), json.loads(new_line)
            for n, (a, b) in enumerate(zip(was, now, strict=True)):
                after_it = texts[n + 1] if n + 1 < len(texts) else ""
                if b and not a:
                    aside.append((b, source, texts[n], after_it))
                elif a and not b:
                    back.append((a, source, texts[n], after_it))
    return aside, back


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", type=Path, help="a checkout of the old code")
    parser.add_argument("--show", type=int, default=40)
    parser.add_argument("--reason", default="", help="show only what is set aside for this reason")
    parser.add_argument("--per-reason", type=int, default=0, help="instead: a random N of each reason set aside")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--root", type=Path, help=argparse.SUPPRESS)  # internal: dump with this checkout
    parser.add_argument("--dump", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.dump:
        dump(args.root, args.dump)
        return
    if not args.before:
        parser.error("--before is required")
    with tempfile.TemporaryDirectory() as scratch:
        files = {}
        for name, root in (("before", args.before.resolve()), ("after", ROOT)):
            files[name] = Path(scratch) / f"{name}.jsonl"
            subprocess.run([sys.executable, __file__, "--root", str(root), "--dump", str(files[name])], check=True)
        aside, back = changes(files["before"], files["after"])
    print(f"set aside now, kept before: {len(aside):,}", dict(Counter(r for r, *_ in aside).most_common()))
    print(f"kept now, set aside before: {len(back):,}", dict(Counter(r for r, *_ in back).most_common()))
    rng = random.Random(args.seed)
    groups = [("set aside now", [r for r in aside if not args.reason or r[0] == args.reason]), ("kept now", back)]
    if args.per_reason:
        reasons = sorted({r for r, *_ in aside})
        groups = [(f"set aside now as {reason!r}", [r for r in aside if r[0] == reason]) for reason in reasons] + groups[1:]
    show = args.per_reason or args.show
    for title, rows in groups:
        print(f"\n{title}, a random {min(show, len(rows))}:")
        for reason, source, text, after_it in rng.sample(rows, min(show, len(rows))):
            print(f"  [{reason}] [{source[:24]}] {text[:100]!r} || {after_it[:50]!r}")


if __name__ == "__main__":
    main()
