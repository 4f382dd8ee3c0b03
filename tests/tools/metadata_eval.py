"""Publication dates and titles of saved pages against hand annotations: `make eval-metadata`.

    python tests/tools/metadata_eval.py [--misses]

Reads the 45 English news pages of trafilatura's evaluation set (../shared/corpora/html_trafilatura,
research use only: nothing from them ships) with the project's HTML reader and compares the date
(the same day) and the title (the same text, whitespace and HTML entities aside) with the annotations.
``--misses`` lists what differs; record a new sample's first figure before reading its misses.
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


def normal(text: str) -> str:
    return " ".join(html.unescape(text or "").split())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--misses", action="store_true")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsapp.settings")
    import django  # noqa: PLC0415

    django.setup()
    from search.ingest import readers  # noqa: PLC0415

    annotations = json.loads((PAGES / "eval_en_news_annotations.json").read_text(encoding="utf-8"))
    dates = titles = dated = 0
    misses: list[str] = []
    signals: Counter[str] = Counter()
    for expected in annotations.values():
        article = readers._read_html(PAGES / "eval_en_news" / expected["file"])  # noqa: SLF001 - the reader under test
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
    pages = len(annotations)
    print(f"{pages} pages: date right on {dates}/{dated} ({dates / dated:.3f}), title exact on {titles}/{pages} ({titles / pages:.3f})")
    print("the date's signal: " + ", ".join(f"{name} {n}" for name, n in signals.most_common()))
    if args.misses:
        print("\n".join(misses))


if __name__ == "__main__":
    main()
