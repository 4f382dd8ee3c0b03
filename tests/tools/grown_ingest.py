"""Ingest throughput of two checkouts side by side *into a grown archive*: the last articles of a
whole-corpus instance stored again, before and after in turn, so that what grows with the archive
(random-key indexes of millions of rows, the person directory) is in the figure, as it is at the end
of a whole-corpus ingest and not in ``ab_ingest.py``'s fresh instances.

    python tests/tools/grown_ingest.py --instance var/bench-100000000 --before /tmp/before [--after .] [--articles 2000] [--rounds 1]

Once: the instance (never written) is copied, its last ``--articles`` articles (the corpus's last
records, which it stored last) deleted from the copy and written out as JSON Lines. Each run copies
that base afresh and times ``manage.py ingest FILE --processes 2 --index-every 2000`` of one
checkout into it, from outside. An index written before a field the checkout's schema has gets the
field added (new segments carry it; the old ones are only read). AllSides is research-only data,
read from ../shared at run time.
"""

from __future__ import annotations

import argparse
import gzip
import os
import shutil
import subprocess
import sys
import time
from collections import deque
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("NEWSAPP_SHARED_DIR", ROOT.parent / "shared"))

HOLD_OUT = """
import json, sys
from search.models import Article
n = int(sys.argv[1])
ids = list(Article.objects.order_by("-id").values_list("id", flat=True)[:n])
Article.objects.filter(id__in=ids).delete()
print(json.dumps({"deleted": len(ids)}))
"""

ADD_FIELDS = """
from search.engine import index, schema
ix = index.open_index()
missing = [name for name in schema.SCHEMA.names() if name not in ix.schema]
if missing:
    writer = ix.writer()
    for name in missing:
        writer.add_field(name, schema.SCHEMA[name])
    writer.commit()
print("fields added:", missing)
"""

# The checkout's own doc-value files for every segment, as its writer would have left them; the other
# checkout's files are left in place (a run then reads its own and pays for no segment it did not write).
WRITE_VALUES = """
from search.engine import _whoosh, index, segment_values as sv
path = index.current_path()
with index.open_index().searcher() as searcher:
    leaves = [(reader.segment().segment_id(), reader) for reader, _ in _whoosh.leaves(searcher.reader())]
    for segment_id, reader in leaves:
        if sv._mapped(path, segment_id, reader.doc_count_all()) is None:
            sv.save(path, segment_id, *sv.read_through_whoosh(reader))
        sv.words(path, segment_id, reader)
    sv.merged_words(path, leaves)
print("doc values written for", len(leaves), "segments")
"""


def last_records(count: int, out: Path) -> None:
    """The corpus's last ``count`` records (in the bench's file order), as JSON Lines."""
    kept: deque[str] = deque(maxlen=count)
    for path in sorted((SHARED / "corpora" / "allsides").glob("allsides_*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            kept.extend(line.rstrip("\n") for line in lines)
    out.write_text("\n".join(kept) + "\n", encoding="utf-8")


def python_of(checkout: Path) -> str:
    python = checkout / ".venv" / "bin" / "python"
    return str(python if python.exists() else Path(sys.executable))


def manage(checkout: Path, var: Path, *args: str, capture: bool = False) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NEWSAPP_VAR_DIR": str(var), "DJANGO_SECRET_KEY": "ab-only", "SEARCH_APPLY_IN_BACKGROUND": "0"}
    return subprocess.run([python_of(checkout), "manage.py", *args], cwd=checkout, env=env, check=True, capture_output=capture, text=True)


def copy_instance(source: Path, target: Path, names: tuple[str, ...] = ("db.sqlite3", "db.sqlite3-wal", "index")) -> None:
    """``names`` of an instance copied into a fresh ``target`` (the database with its WAL, so nothing
    committed is lost)."""
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    for name in names:
        if (source / name).is_dir():
            shutil.copytree(source / name, target / name)
        elif (source / name).exists():
            shutil.copyfile(source / name, target / name)


def prepare(instance: Path, articles: int, work: Path, before: Path, after: Path) -> tuple[Path, Path]:
    base, records = work / "base", work / "held-out.jsonl"
    print(f"copying {instance} and holding out its last {articles} articles…", flush=True)
    copy_instance(instance, base)
    manage(after, base, "migrate", "-v0")
    manage(after, base, "shell", "-c", HOLD_OUT.replace("int(sys.argv[1])", str(articles)))
    manage(after, base, "shell", "-c", ADD_FIELDS)
    for checkout in (before, after):
        manage(checkout, base, "shell", "-c", WRITE_VALUES)
    last_records(articles, records)
    return base, records


def run(checkout: Path, base: Path, records: Path, work: Path) -> tuple[float, str]:
    var = work / "run"
    copy_instance(base, var)
    manage(checkout, var, "migrate", "-v0")
    started = time.perf_counter()
    done = manage(checkout, var, "ingest", str(records), "--processes", "2", "--index-every", "2000", capture=True)
    return time.perf_counter() - started, done.stdout.strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instance", type=Path, required=True, help="a whole-corpus instance (var/bench-100000000)")
    parser.add_argument("--before", type=Path, required=True)
    parser.add_argument("--after", type=Path, default=ROOT)
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--work", type=Path, default=ROOT / "var" / "grown-ingest")
    args = parser.parse_args()
    base, records = prepare(args.instance.resolve(), args.articles, args.work.resolve(), args.before.resolve(), args.after.resolve())
    times: dict[str, list[float]] = {"before": [], "after": []}
    for number in range(args.rounds):
        for name in ("before", "after") if number % 2 == 0 else ("after", "before"):
            seconds, line = run(getattr(args, name).resolve(), base, records, args.work.resolve())
            times[name].append(seconds)
            print(f"{name}: {seconds:.1f} s ({args.articles / seconds:.2f} articles/s) — {line}", flush=True)
    for name, values in times.items():
        print(f"{name}: " + ", ".join(f"{v:.1f} s" for v in values))
    shutil.rmtree(args.work / "run", ignore_errors=True)


if __name__ == "__main__":
    main()
