"""What decoding a saved page as trafilatura does costs against lxml alone, side by side in one run.

    python tests/tools/html_root_cost.py [--rounds 3]

Parses every saved page of ../shared/corpora/html_trafilatura (eval_en_news and cache) both ways,
alternating, then times the whole HTML reader on 60 of them for scale (docs/BENCHMARKS.md, "Dates and
titles of saved pages").
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("NEWSAPP_SHARED_DIR", ROOT.parent / "shared"))
PAGES = SHARED / "corpora" / "html_trafilatura"


def lxml_alone(data: bytes) -> Any:
    import lxml.html  # noqa: PLC0415

    try:
        return lxml.html.fromstring(data)
    except Exception:  # as the reader did before: lxml raises several types for hopeless markup
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsapp.settings")
    import django  # noqa: PLC0415

    django.setup()
    from search.ingest import readers  # noqa: PLC0415

    pages = sorted([*PAGES.glob("eval_en_news/*.html"), *PAGES.glob("cache/*.html")])
    datas = [page.read_bytes() for page in pages]
    for round_ in range(1, args.rounds + 1):
        for name, parse in (("lxml alone (before)", lxml_alone), ("trafilatura.load_html (html_root now)", readers.html_root)):
            start = time.perf_counter()
            for data in datas:
                parse(data)
            print(f"round {round_}: {name}: {time.perf_counter() - start:.2f} s for {len(datas)} pages")
    start = time.perf_counter()
    for page in pages[:60]:
        try:
            readers._read_html(page)  # noqa: SLF001 - the reader under test
        except readers.IngestError:
            continue
    print(f"the whole HTML reader on 60 pages: {time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    main()
