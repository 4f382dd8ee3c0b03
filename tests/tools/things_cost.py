"""What the "written as a thing" rule (search.ingest.things) costs and finds on a loaded instance, read
only: every uncurated person checked as the end of a run checks the persons it mentioned.

    python tests/tools/things_cost.py --instance var/bench-100000000 [--show 60]
    python tests/tools/things_cost.py --conll     (the evidence: gold entities after "the", "a", "an")

Prints the seconds, how many persons it would set aside, and the most mentioned of them with their
mentions, to be read by eye (the instance is migrated first; nothing is set aside).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def conll_after_article() -> None:
    """How often CoNLL-2003 train's gold multi-word entities of each type follow "the", "a" or "an"
    (research data, read from ../shared at run time)."""
    import json  # noqa: PLC0415

    import django  # noqa: PLC0415

    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsapp.settings")
    django.setup()
    from search.ingest.things import AFTER_ARTICLE  # noqa: PLC0415

    shared = Path(os.environ.get("NEWSAPP_SHARED_DIR", ROOT.parent / "shared"))
    after: dict[str, list[int]] = {}
    for line in (shared / "corpora" / "conll2003" / "docs_train.jsonl").open(encoding="utf-8"):
        document = json.loads(line)
        for entity in document["entities"]:
            if " " in entity["text"].strip():
                counts = after.setdefault(entity["type"], [0, 0])
                counts[0] += bool(AFTER_ARTICLE.search(document["text"][max(0, entity["start"] - 6) : entity["start"]]))
                counts[1] += 1
    for kind, (found, total) in sorted(after.items()):
        print(f"{kind}: {found:,} of {total:,} multi-word entities after an article ({found / total:.1%})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instance", type=Path)
    parser.add_argument("--show", type=int, default=60)
    parser.add_argument("--conll", action="store_true")
    args = parser.parse_args()
    if args.conll:
        conll_after_article()
        return
    if args.instance is None:
        parser.error("--instance or --conll")
    os.environ.update(NEWSAPP_VAR_DIR=str(args.instance.resolve()), DJANGO_SECRET_KEY="bench-only", SEARCH_APPLY_IN_BACKGROUND="0")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsapp.settings")
    import django  # noqa: PLC0415
    from django.core.management import call_command  # noqa: PLC0415

    django.setup()
    call_command("migrate", verbosity=0)
    from django.db.models import Count  # noqa: PLC0415

    from search.ingest import things  # noqa: PLC0415
    from search.models import Person  # noqa: PLC0415

    everyone = list(Person.objects.values_list("pk", flat=True))
    started = time.perf_counter()
    found = things.written_as_things(everyone)
    seconds = time.perf_counter() - started
    print(f"{len(everyone):,} persons checked in {seconds:.1f} s: {len(found):,} written as things")
    ranked = Person.objects.filter(pk__in=found[:30000]).annotate(n=Count("mentions")).order_by("-n").values_list("name", "n")
    for name, mentions in ranked[: args.show]:
        print(f"{mentions:8,}  {name}")


if __name__ == "__main__":
    main()
