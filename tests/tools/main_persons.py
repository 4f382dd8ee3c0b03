"""Whether the persons an article is about are among its canonical persons, in a dry run and after an ingest.

    python tests/tools/main_persons.py [--show] [--processes 2]      (part of make eval-persons)

The articles: a third fixed AllSides sample (one article in 60 by a hash of its ID, bucket 2 of
persons_eval.py; neither its dev nor its test sample), 654 articles. For 60 of them the humans each
is about were labelled by hand from the title and lead (tests/data/allsides_main_persons.tsv) before
any figure was taken. The whole sample is previewed (``ingest --dry-run``: an empty archive, resolved
against the files previewed so far) and then ingested into a fresh instance in var/persons-main/; a
labelled human is found when a canonical person of the article (in a kept paragraph, not set aside as
not a person) has that name, accents and case aside. A human stored under another form ("Donald J.
Trump" beside "Donald Trump") is a miss, as a user filtering by the person would miss it.
``--show`` lists the misses with the persons the article got. AllSides is research-only data.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.tools import persons_eval  # noqa: E402 - after the path is set

BUCKET = 2
LABELS = ROOT / "tests" / "data" / "allsides_main_persons.tsv"


def read_labels() -> dict[str, list[str]]:
    """Article ID → the humans it is about (may be none)."""
    rows = [line.rstrip("\n").split("\t") for line in LABELS.open(encoding="utf-8") if not line.startswith("#")]
    return {row[0]: [h.strip() for h in row[1].split(";") if h.strip()] if len(row) > 1 else [] for row in rows[1:]}


def dry_run_persons(source: Path, processes: int) -> dict[str, list[str]]:
    """Article URL → the canonical persons the dry run gives it."""
    from search.ingest import store

    found: dict[str, list[str]] = {}

    def keep(preview: dict[str, object]) -> None:
        found[str(preview["url"])] = [str(p) for p in preview["persons"]]  # type: ignore[attr-defined]

    store.preview_paths([source], emit=keep, processes=processes)
    return found


def stored_persons() -> dict[str, list[str]]:
    """Article URL → the canonical persons stored for it (counted ones: kept paragraphs, persons)."""
    from search.models import Mention

    found: dict[str, list[str]] = {}
    rows = Mention.objects.filter(paragraph__boilerplate_reason="", person__not_a_person=False)
    for url, name in rows.order_by().values_list("paragraph__article__url", "person__name").distinct():
        found.setdefault(url, []).append(name)
    return found


def score(labels: dict[str, list[str]], urls: dict[str, str], persons: dict[str, list[str]]) -> tuple[int, int, list[str]]:
    from search import names

    found = total = 0
    misses = []
    for article_id, humans in labels.items():
        got = persons.get(urls[article_id], [])
        folded = {names.fold(p) for p in got}
        for human in humans:
            total += 1
            if names.fold(human) in folded:
                found += 1
            else:
                misses.append(f"{human} ({article_id}): the article has {', '.join(got) or 'no persons'}")
    return found, total, misses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--show", action="store_true", help="list the misses")
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args()
    var_dir = ROOT / "var" / "persons-main"
    shutil.rmtree(var_dir, ignore_errors=True)
    var_dir.mkdir(parents=True)
    persons_eval.setup_django(var_dir)
    from django.core.management import call_command

    from search.ingest import store
    from search.models import web_url

    call_command("migrate", verbosity=0)
    records = persons_eval.records_in_bucket(BUCKET)
    source = var_dir / "input.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    urls = {str(r["ID"]): web_url(str(r.get("url") or "")) for r in records}
    labels = read_labels()
    started = time.perf_counter()
    previewed = dry_run_persons(source, args.processes)
    store.ingest_paths([source], processes=args.processes)
    print(f"main persons: {len(records)} articles previewed and ingested in {time.perf_counter() - started:.0f} s")
    for what, persons in (("dry run", previewed), ("after the ingest", stored_persons())):
        found, total, misses = score(labels, urls, persons)
        print(f"main persons, {what}: {found} of {total} = {found / max(total, 1):.3f} ({len(labels)} articles labelled)")
        for miss in misses if args.show else []:
            print(f"  missed: {miss}")


if __name__ == "__main__":
    main()
