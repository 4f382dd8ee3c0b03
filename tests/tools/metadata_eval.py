"""Publication dates and titles of saved pages against hand annotations: `make eval-metadata`.

    python tests/tools/metadata_eval.py [--misses]

Two samples from trafilatura's test data (../shared/corpora/html_trafilatura, research use only: nothing
from them ships), read with the project's HTML reader: the 45 English news pages of its evaluation set,
and the 22 pages of its test cache that carry a date and a title (German, French and English; news,
blogs, institutions). A date is right when it is the same day, a title when it is the same text
(whitespace and HTML entities aside). Each sample's first measurement is recorded once in
tests/data/metadata_first.tsv and printed beside the current one. ``--misses`` lists what differs.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("NEWSAPP_SHARED_DIR", ROOT.parent / "shared"))
PAGES = SHARED / "corpora" / "html_trafilatura"
FIRST = ROOT / "tests" / "data" / "metadata_first.tsv"
SAMPLES = {  # name: (annotations, folder of pages)
    "English news pages (eval_en_news)": ("eval_en_news_annotations.json", "eval_en_news"),
    "test cache pages with a date and a title (cache)": ("cache_annotations.json", "cache"),
}


def normal(text: str) -> str:
    return " ".join(html.unescape(text or "").split())


def measure(annotations: dict[str, dict[str, str]], folder: Path, misses: list[str]) -> tuple[str, Counter[str]]:
    """The sample's figures as one line; what differs appended to ``misses``."""
    from search.ingest import readers  # noqa: PLC0415 - after django.setup()

    dates = titles = dated = pages = 0
    signals: Counter[str] = Counter()
    for expected in annotations.values():
        if not expected.get("title"):
            continue
        pages += 1
        article = readers._read_html(folder / expected["file"])  # noqa: SLF001 - the reader under test
        found_date = article.published.isoformat() if article.published else ""
        signals[article.date_from or "none"] += 1
        if expected.get("date"):
            dated += 1
            dates += found_date == expected["date"][:10]
            if found_date != expected["date"][:10]:
                misses.append(f"date  {expected['file']}: {found_date or '(none)'} for {expected['date']}")
        titles += normal(article.title) == normal(expected["title"])
        if normal(article.title) != normal(expected["title"]):
            misses.append(f"title {expected['file']}: {article.title!r} for {expected['title']!r}")
    return f"dates right={dates}/{dated} ({dates / dated:.3f}) titles exact={titles}/{pages} ({titles / pages:.3f})", signals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--misses", action="store_true")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsapp.settings")
    import django  # noqa: PLC0415

    django.setup()
    from tests.tools.boilerplate_eval import read_first, record_first  # noqa: PLC0415

    first = read_first(FIRST)
    for name, (annotations_file, folder) in SAMPLES.items():
        misses: list[str] = []
        annotations = json.loads((PAGES / annotations_file).read_text(encoding="utf-8"))
        figures, signals = measure(annotations, PAGES / folder, misses)
        if name not in first:
            first[name] = record_first(name, figures, FIRST)
        print(f"{name}\n  first:   {first[name]}\n  current: {figures}")
        print("  the date's signal: " + ", ".join(f"{signal} {n}" for signal, n in signals.most_common()))
        if args.misses:
            print("\n".join(f"  {miss}" for miss in misses))


if __name__ == "__main__":
    main()
