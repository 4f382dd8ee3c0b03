"""What loading the person directory costs an ingest's start (``people.Directory()``, read once per
run, and by the dry run, curation and ``persons_resolve``), for two checkouts in turn, each time in a
fresh process, on one instance (read only):

    python tests/tools/directory_cost.py --var var/bench-100000000 --before /tmp/before [--after .] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

TIMED = """
import os, time, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsapp.settings")
django.setup()
from search import people
started = time.perf_counter()
directory = people.Directory()
print(time.perf_counter() - started, len(directory.names))
"""


def timed(checkout: Path, var: Path) -> tuple[float, int]:
    python = checkout / ".venv" / "bin" / "python"
    env = {**os.environ, "NEWSAPP_VAR_DIR": str(var), "DJANGO_SECRET_KEY": "ab-only"}
    out = subprocess.run(
        [str(python if python.exists() else sys.executable), "-c", TIMED], cwd=checkout, env=env, check=True, capture_output=True, text=True
    )
    seconds, persons = out.stdout.split()
    return float(seconds), int(persons)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--var", type=Path, required=True)
    parser.add_argument("--before", type=Path, required=True)
    parser.add_argument("--after", type=Path, default=ROOT)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    times: dict[str, list[float]] = {"before": [], "after": []}
    for number in range(args.rounds):
        for name in ("before", "after") if number % 2 == 0 else ("after", "before"):
            seconds, persons = timed(getattr(args, name).resolve(), args.var.resolve())
            times[name].append(seconds)
            print(f"{name}: {seconds:.1f} s, {persons:,} persons", flush=True)
    for name, values in times.items():
        print(f"{name}: median {statistics.median(values):.1f} s of " + ", ".join(f"{v:.1f}" for v in values))


if __name__ == "__main__":
    main()
