"""What parsing a saved page costs in the HTML reader, side by side in one run.

    python tests/tools/html_root_cost.py [--rounds 3]

Over every saved page of ../shared/corpora/html_trafilatura (eval_en_news and cache), alternating:
parsing with lxml alone against decoding as trafilatura does (`readers.html_root`), and trafilatura's
extraction given the bytes (a second parse, as the reader did before) against given that tree (which it
copies); then the whole HTML reader on 60 pages for scale (docs/BENCHMARKS.md, "Dates and titles of
saved pages").
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
    import trafilatura  # noqa: PLC0415

    from search.ingest import readers  # noqa: PLC0415

    def extract(page: Any) -> None:
        trafilatura.bare_extraction(page, with_metadata=True, include_comments=False, include_tables=False, deduplicate=False)

    pages = sorted([*PAGES.glob("eval_en_news/*.html"), *PAGES.glob("cache/*.html")])
    datas = [page.read_bytes() for page in pages]
    ways = (
        ("parse: lxml alone", lxml_alone),
        ("parse: as trafilatura decodes (html_root)", readers.html_root),
        ("html_root, then extraction from the bytes (two parses)", lambda data: (readers.html_root(data), extract(data))),
        ("html_root, then extraction from its tree (one parse)", lambda data: extract(readers.html_root(data))),
    )
    for round_ in range(1, args.rounds + 1):
        for name, way in ways:
            start = time.perf_counter()
            for data in datas:
                way(data)
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
