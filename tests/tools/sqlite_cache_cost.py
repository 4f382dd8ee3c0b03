"""What SQLite's page cache size does to an article's writes into a grown archive: the random-key
indexes (copy bands' keys, paragraphs' text hashes) take one new row per band or paragraph in a
leaf page anywhere in a B-tree of hundreds of megabytes, and the default cache (2 MB) holds few of
them, so each insert reads a page again and each commit writes it to the WAL again.

    python tests/tools/sqlite_cache_cost.py --db var/bench-100000000/db.sqlite3 [--articles 400] [--settings 2:1000,64:1000,64:20000]

Each setting is a page cache in MB and a WAL auto-checkpoint in pages (SQLite's defaults: 2 MB, 1,000
pages, a checkpoint about every 4 MB written). Copies the database for each (the original is never
written), then for each setting in turn, interleaved by
rounds of 50 articles, stores what an article's copy detection and paragraphs write: 25 paragraphs'
text hashes looked up and inserted, 200 band keys looked up and inserted, one transaction per
article, as ``search/ingest/store.py`` does. Prints milliseconds per article for each setting.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

PARAGRAPHS, BANDS = 25, 8  # an AllSides article's kept paragraphs, and bands per paragraph (search/ingest/copies.py)


def connect(path: Path, setting: str) -> sqlite3.Connection:
    cache_mb, checkpoint = (int(part) for part in setting.split(":"))
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute(f"PRAGMA cache_size=-{cache_mb * 1024}")
    db.execute(f"PRAGMA wal_autocheckpoint={checkpoint}")
    return db


def store_article(db: sqlite3.Connection, rng: random.Random, next_id: int) -> None:
    hashes = [f"{rng.getrandbits(128):032x}" for _ in range(PARAGRAPHS)]
    keys = [rng.getrandbits(63) for _ in range(PARAGRAPHS * BANDS)]
    db.execute("BEGIN IMMEDIATE")
    marks = ",".join("?" * len(hashes))
    db.execute(f"SELECT id FROM search_paragraph WHERE text_hash IN ({marks})", hashes).fetchall()  # noqa: S608
    db.executemany("INSERT INTO cost_hash (text_hash) VALUES (?)", [(h,) for h in hashes])
    marks = ",".join("?" * len(keys))
    db.execute(f"SELECT key, paragraph_id FROM search_copyband WHERE key IN ({marks})", keys).fetchall()  # noqa: S608
    rows = [(next_id + number // BANDS, key) for number, key in enumerate(keys)]
    db.executemany('INSERT INTO search_copyband (paragraph_id, "key") VALUES (?, ?)', rows)
    db.execute("COMMIT")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--articles", type=int, default=400, help="per setting")
    parser.add_argument("--settings", default="2:1000,64:1000,64:20000", help="cache MB:auto-checkpoint pages, comma separated")
    args = parser.parse_args()
    sizes = args.settings.split(",")
    work = Path(tempfile.mkdtemp(prefix="cache-cost-", dir=args.db.parent))
    try:
        copies = {}
        for size in sizes:
            copies[size] = work / f"db-{size.replace(':', '-')}.sqlite3"
            shutil.copyfile(args.db, copies[size])
            setup = sqlite3.connect(copies[size])
            # The paragraphs' text-hash index, as a table of its own so that its rows need no paragraph.
            setup.execute("CREATE TABLE cost_hash (id INTEGER PRIMARY KEY, text_hash TEXT)")
            setup.execute("INSERT INTO cost_hash (text_hash) SELECT text_hash FROM search_paragraph")
            setup.execute("CREATE INDEX cost_hash_text_hash ON cost_hash (text_hash)")
            setup.execute("PRAGMA foreign_keys=OFF")
            setup.commit()
            setup.close()
        first_id = 10**9
        rounds = max(1, args.articles // 50)
        timings: dict[str, list[float]] = {size: [] for size in sizes}
        connections = {size: connect(path, size) for size, path in copies.items()}
        for number in range(rounds):
            for size in sizes:  # the same articles for each size, in turn
                rng = random.Random(number)
                started = time.perf_counter()
                for article in range(50):
                    store_article(connections[size], rng, first_id + (number * 50 + article) * PARAGRAPHS)
                timings[size].append((time.perf_counter() - started) * 1000 / 50)
        for size in sizes:
            rows = connections[size].execute("SELECT count(*) FROM search_copyband").fetchone()[0]
            print(
                f"cache MB:checkpoint {size:>10}: {statistics.median(timings[size]):6.2f} ms an article (median of {rounds} rounds of 50; "
                f"first round {timings[size][0]:.2f}, last {timings[size][-1]:.2f}), {rows:,} band rows"
            )
        print(f"pid {os.getpid()}, {args.articles} articles per setting")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
