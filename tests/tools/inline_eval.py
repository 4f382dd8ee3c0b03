"""Inline furniture over the AllSides corpus (#19, part 3): what `search.ingest.inline` learns and cuts
in each source, as a full ingest would (``repeats.learn_furniture``), and how right the cuts are.

    python tests/tools/inline_eval.py                      # per source, the name-card family, the labelled sample
    python tests/tools/inline_eval.py --draw 120 --seed 29 # write a new sample of cuts to label (tests/data)

The sample lists cut spans drawn at random (half from the outlet with the most cuts, half from the
others); each is labelled by reading it in its paragraph: F (furniture: nothing of the story's own
text is cut), P (prose or part of it is cut). Its first measurement is appended once to
tests/data/allsides_boilerplate_first.tsv. Research data: nothing here ships.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from search.ingest import inline  # noqa: E402 - after the path is set
from tests.tools.boilerplate_eval import _layer_one, read_first, record_first, sha  # noqa: E402

# (name, file): each drawn with the code of its day, labelled before the next change to the cutting.
SAMPLES = (
    ("inline cuts sample", ROOT / "tests" / "data" / "allsides_inline_cuts.tsv"),  # --seed 29, at fb22881 + the first version
    ("second inline cuts sample", ROOT / "tests" / "data" / "allsides_inline_cuts2.tsv"),  # --seed 31, after name cards
)
# A name card run into the sentence: a name glued to a headline, closed by "MORE" (the family).
_CARD = re.compile(r"[a-z]{2}[A-Z][\w'’]+ [^.]*? MORE\b")
_SAME_STORY_CHARS = 300  # as repeats.stories


def stories(articles: list[list[str]]) -> list[int]:
    """Each article's story (articles sharing a paragraph of more than 300 characters count once)."""
    parent = list(range(len(articles)))

    def root(a: int) -> int:
        while parent[a] != a:
            a = parent[a]
        return a

    first: dict[str, int] = {}
    for n, paragraphs in enumerate(articles):
        for text in paragraphs:
            if len(text) > _SAME_STORY_CHARS:
                digest = sha(text)
                if digest in first and root(first[digest]) != root(n):
                    a, b = root(first[digest]), root(n)
                    parent[max(a, b)] = min(a, b)
                first.setdefault(digest, n)
    return [root(n) for n in range(len(articles))]


def corpus_cuts() -> tuple[list[tuple[str, str, int, int, str, list[tuple[int, int]]]], Counter[str], float]:
    """(source, file, record, position, text, spans) for every kept paragraph cut; paragraphs per source with
    a name card; the seconds learning and cutting took."""
    _, by_source = _layer_one()
    cuts = []
    cards: Counter[str] = Counter()
    started = time.perf_counter()
    for source, articles in sorted(by_source.items()):
        kept = [[(position, d.text) for position, d in enumerate(drafts) if not d.is_boilerplate] for _, _, _, drafts in articles]
        story = stories([[text for _, text in paragraphs] for paragraphs in kept])
        furniture = inline.learn([(story[n], text) for n, paragraphs in enumerate(kept) for _, text in paragraphs])
        for (file, record, _, _), paragraphs in zip(articles, kept, strict=True):
            for position, text in paragraphs:
                cards[source] += bool(_CARD.search(text))
                spans = inline.furniture_spans(text, furniture) if inline.cut_furniture(text, furniture) != text else []
                if spans:
                    cuts.append((source, file, record, position, text, spans))
    return cuts, cards, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--draw", type=int, default=0, help="write a sample of this many cuts to label")
    parser.add_argument("--to", type=Path, default=SAMPLES[-1][1], help="where --draw writes")
    parser.add_argument("--seed", type=int, default=29)
    parser.add_argument("--no-record", action="store_true", help="do not record the sample's first measurement")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsapp.settings")
    os.environ.setdefault("NEWSAPP_VAR_DIR", str(ROOT / "var" / "eval"))
    import django

    django.setup()  # the layer-1 cache reads layer 2's thresholds, beside the models
    cuts, cards, seconds = corpus_cuts()
    by_source = Counter(source for source, *_ in cuts)
    print(f"learned and cut in {seconds:.0f} s: {len(cuts):,} paragraphs cut in {len(by_source)} sources")
    for source, count in by_source.most_common(12):
        print(f"  {count:6,}  {source}")
    card_source, _ = cards.most_common(1)[0]
    cut_cards = sum(
        1 for source, *_, text, spans in cuts if source == card_source and _CARD.search(text) and not _CARD.search(inline.cut(text, spans))
    )
    share = cut_cards / max(cards[card_source], 1)
    print(f"name cards ({card_source}): {cut_cards:,} of {cards[card_source]:,} paragraphs with one are rid of it ({share:.3f})")
    if args.draw:
        draw(cuts, args.draw, args.seed, card_source, args.to)
        return
    for name, path in SAMPLES:
        if path.exists():
            report(cuts, name, path, record=not args.no_record)


def draw(cuts: list[tuple[str, str, int, int, str, list[tuple[int, int]]]], count: int, seed: int, busiest: str, to: Path) -> None:
    if to.exists():
        raise SystemExit(f"{to} exists and may hold labels: name another file with --to")
    spans = [(source, file, record, position, text, span) for source, file, record, position, text, found in cuts for span in found]
    rng = random.Random(seed)
    busy = [s for s in spans if s[0] == busiest]
    other = [s for s in spans if s[0] != busiest]
    chosen = rng.sample(busy, min(count // 2, len(busy))) + rng.sample(other, min(count - count // 2, len(other)))
    with to.open("w", encoding="utf-8") as file:
        file.write(f"# {__doc__.splitlines()[0]}\n# drawn with --draw {count} --seed {seed}; label: F furniture, P prose\n")
        file.write("file\trecord\tposition\tsha\tstart\tend\tlabel\tsource\tcut\tcontext\n")
        for source, f, record, position, text, (start, end) in chosen:
            context = text[max(0, start - 60) : end + 60].replace("\t", " ")
            file.write(f"{f}\t{record}\t{position}\t{sha(text)}\t{start}\t{end}\t\t{source}\t{text[start:end]!r}\t{context!r}\n")
    print(f"wrote {len(chosen)} cuts to {to}")


def report(cuts: list[tuple[str, str, int, int, str, list[tuple[int, int]]]], name: str, path: Path, *, record: bool) -> None:
    found = {(f, r, p, s, a, b) for _, f, r, p, text, spans in cuts for a, b in spans for s in [sha(text)]}
    rows = [line.rstrip("\n").split("\t") for line in path.open(encoding="utf-8") if not line.startswith("#")][1:]
    labels = [(f, int(r), int(p), s, int(a), int(b), label) for f, r, p, s, a, b, label, *_ in rows if label in {"F", "P"}]
    still = [row for row in labels if row[:6] in found]
    right = sum(1 for row in still if row[6] == "F")
    figures = f"precision={right / max(len(still), 1):.3f} (cuts labelled={len(labels)}, still cut={len(still)}, furniture={right})"
    first = read_first()
    if name not in first and record and labels:
        first[name] = record_first(name, figures)
    print(f"{name}: first {first.get(name, '-')}; now {figures}")


if __name__ == "__main__":
    main()
