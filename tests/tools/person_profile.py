"""Where a person page's time goes: the five most mentioned persons' pages, warm, timed and then
profiled with cProfile in this process.

    python tests/tools/person_profile.py [--var var/bench-100000000] [--top 40]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.tools.bench import setup_django  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--var", type=Path, default=ROOT / "var" / "bench-100000000")
    parser.add_argument("--top", type=int, default=40, help="rows of the profile, by cumulative time")
    args = parser.parse_args()
    setup_django(args.var.resolve())
    from django.db.models import Count
    from django.test import Client

    from search.models import Person

    ranked = Person.objects.filter(not_a_person=False).annotate(n=Count("mentions")).order_by("-n")
    pages = [f"/person/{slug}/" for slug in ranked.values_list("slug", flat=True)[:5]]
    client = Client()
    for page in pages:  # warm
        client.get(page)
    for page in pages:
        started = time.perf_counter()
        status = client.get(page).status_code
        print(f"{page} {status} {1000 * (time.perf_counter() - started):.1f} ms")
    profile = cProfile.Profile()
    profile.enable()
    for page in pages:
        client.get(page)
    profile.disable()
    pstats.Stats(profile).sort_stats("cumulative").print_stats(args.top)


if __name__ == "__main__":
    main()
