"""Copy families on real articles: what ingest found, and what it missed against a brute-force search.

    python tests/tools/copies_eval.py [--articles 2000] [--sample 200] [--show 30]

Ingests AllSides articles (research use only, read from ../shared at run time) through the real
pipeline into var/copies-eval (kept between runs: --fresh starts again), then reports

- families: how many, their sizes, how many span several sources;
- exact recall: groups of kept paragraphs with the same folded text in several articles, and how many
  of them ingest put in one family;
- near recall: for a seeded sample of paragraphs, every paragraph of another article at least
  ``copies.SIMILAR`` alike by brute force, and how many of those ingest put in the sample's family;
- with --show N, N near (not identical) family members beside their first paragraph, to read.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.tools.ab_ingest import sample  # noqa: E402
from tests.tools.bench import setup_django  # noqa: E402


def ingest(articles: int, work: Path, fresh: bool) -> None:
    if fresh:
        shutil.rmtree(work, ignore_errors=True)
    if (work / "db.sqlite3").exists():
        return
    work.mkdir(parents=True, exist_ok=True)
    source = work / "input.jsonl"
    sample(articles, source)
    env = {**os.environ, "NEWSAPP_VAR_DIR": str(work), "DJANGO_SECRET_KEY": "eval-only"}
    run = [sys.executable, "manage.py"]
    subprocess.run([*run, "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([*run, "ingest", str(source), "--processes", "2"], cwd=ROOT, env=env, check=True)


def report(sample_size: int, show: int) -> None:
    from search.ingest import copies
    from search.models import Paragraph

    kept = list(Paragraph.objects.filter(is_boilerplate=False).values_list("id", "article_id", "article__source_id", "text", "family"))
    sets = {pid: copies.shingles(text) for pid, _, _, text, _ in kept}
    eligible = [row for row in kept if len(sets[row[0]]) >= copies.MIN_SHINGLES]
    family = {pid: fam for pid, _, _, _, fam in kept}
    article = {pid: aid for pid, aid, _, _, _ in kept}
    members: dict[int, list[tuple[int, int, int]]] = {}
    for pid, aid, sid, _, fam in kept:
        if fam is not None:
            members.setdefault(fam, []).append((pid, aid, sid or 0))
    sizes = Counter(len(m) for m in members.values())
    cross = sum(1 for m in members.values() if len({s for _, _, s in m}) > 1)
    print(f"kept paragraphs {len(kept):,}, with {copies.MIN_SHINGLES}+ shingles {len(eligible):,}")
    print(f"families {len(members):,} holding {sum(len(m) for m in members.values()):,} paragraphs; {cross:,} span several sources")
    print("family sizes:", ", ".join(f"{size}: {n}" for size, n in sorted(sizes.items())[:12]))
    # Exact recall: the same folded text in several articles.
    by_text: dict[frozenset[bytes], list[int]] = {}
    for pid, *_ in eligible:
        by_text.setdefault(frozenset(sets[pid]), []).append(pid)
    groups = [g for g in by_text.values() if len({article[p] for p in g}) > 1]
    together = sum(1 for g in groups if family[g[0]] is not None and len({family[p] for p in g}) == 1)
    print(f"exact recall: {together} of {len(groups)} groups of identical paragraphs in several articles are one family")
    # Near recall against brute force on a seeded sample.
    rng = random.Random(14)
    picked = rng.sample(eligible, min(sample_size, len(eligible)))
    pairs = found = 0
    for pid, aid, *_ in picked:
        for other, other_article, *_ in eligible:
            if other_article != aid and copies.jaccard(sets[pid], sets[other]) >= copies.SIMILAR:
                pairs += 1
                found += family[pid] is not None and family[pid] == family[other]
    print(f"near recall (sample of {len(picked)} paragraphs, seed 14): {found} of {pairs} pairs {copies.SIMILAR}+ alike share a family")
    texts = {pid: text for pid, _, _, text, _ in kept}
    near = [(fam, pid) for fam, m in members.items() for pid, _, _ in m if pid != fam and fam in sets and sets[pid] != sets[fam]]
    for fam, pid in random.Random(15).sample(near, min(show, len(near))):
        print(f"\n--- {copies.jaccard(sets[fam], sets[pid]):.2f}\nA: {texts.get(fam, '')[:300]}\nB: {texts[pid][:300]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--sample", type=int, default=200)
    parser.add_argument("--show", type=int, default=0)
    parser.add_argument("--fresh", action="store_true")
    args = parser.parse_args()
    work = ROOT / "var" / "copies-eval"
    ingest(args.articles, work, args.fresh)
    setup_django(work)
    report(args.sample, args.show)


if __name__ == "__main__":
    main()
