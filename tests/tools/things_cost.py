"""What the "written as a thing" rule (search.ingest.things) costs and finds on a loaded instance, read
only: every uncurated person checked as the end of a run checks the persons it mentioned.

    python tests/tools/things_cost.py --instance var/bench-100000000 [--show 60]

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instance", type=Path, required=True)
    parser.add_argument("--show", type=int, default=60)
    args = parser.parse_args()
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
