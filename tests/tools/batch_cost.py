"""What a batch search costs on an archive: lines a second and per-line times, names and queries.

    python tests/tools/batch_cost.py [--var var/bench-100000000] [--names 500] [--queries 100]

Runs one job of the archive's most mentioned persons' names (every rank from the top, so the lines
range from a person in a hundred thousand paragraphs to one in a few dozen) and one of queries (a few
of the bench's query classes, then the same names as words, not persons), through
``batch.run_pending`` as the server's runner does, then deletes both jobs. The instance is the
bench's (``make bench`` loads it); nothing else should run meanwhile.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.tools.bench import setup_django  # noqa: E402

QUERIES = ["trump", "blockchain", "trump AND russia", '"white house"', "election", "immigration", "goverment~", "police OR sheriff"]


def run(kind: str, lines: list[str]) -> dict[str, float]:
    from django.contrib.auth.models import User

    from search.models import BatchJob, BatchMatch
    from search.web import batch

    user = User.objects.get_or_create(username="batch-cost")[0]
    job = batch.create_job(user, name=f"cost of {kind}", kind=kind, lines=lines)
    stamps: list[float] = []
    started = time.perf_counter()
    batch.run_pending(on_line=lambda _job, _done: stamps.append(time.perf_counter()))
    seconds = time.perf_counter() - started
    per_line = sorted(1000 * (b - a) for a, b in zip([started, *stamps], stamps, strict=False))
    matches = BatchMatch.objects.filter(line__job=job).count()
    job.refresh_from_db()
    assert job.state == BatchJob.DONE, job.error
    job.delete()
    return {
        "lines": len(lines),
        "seconds": seconds,
        "lines_per_s": len(lines) / seconds,
        "p50_ms": statistics.median(per_line),
        "p95_ms": per_line[int(0.95 * (len(per_line) - 1))],
        "max_ms": per_line[-1],
        "paragraphs": matches,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--var", type=Path, default=ROOT / "var" / "bench-100000000")
    parser.add_argument("--names", type=int, default=500)
    parser.add_argument("--queries", type=int, default=100)
    args = parser.parse_args()
    setup_django(args.var.resolve())
    from django.core.management import call_command
    from django.db.models import Count

    from search.models import Person

    call_command("migrate", verbosity=0)
    names = list(
        Person.objects.filter(not_a_person=False)
        .annotate(n=Count("mentions"))
        .order_by("-n", "name")
        .values_list("name", flat=True)[: args.names]
    )
    queries = (QUERIES + names)[: args.queries]
    print("| lines | count | seconds | lines/s | per line p50 ms | p95 ms | max ms | paragraphs stored |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for kind, lines in (("names", names), ("queries", list(dict.fromkeys(queries)))):
        f = run(kind, lines)
        print(
            f"| {kind} | {f['lines']:,} | {f['seconds']:.1f} | {f['lines_per_s']:.1f} | {f['p50_ms']:.1f} | "
            f"{f['p95_ms']:.1f} | {f['max_ms']:.1f} | {f['paragraphs']:,} |"
        )


if __name__ == "__main__":
    main()
