"""What writing the index costs, by schema: CPU seconds to add and commit the same documents.

    python tests/tools/index_cost.py --var var/bench-100000 [--docs 45000] [--runs 2] [--writer-mb 256,1024]

Reads the first ``--docs`` kept paragraphs of an instance (as the index would get them) and writes
them into throwaway indexes: with the numeric fields as Whoosh's default has them (a term for every
4 bits of precision), then with the project's schema under each writer memory limit
(SEARCH_WRITER_MB; below what a commit needs, Whoosh spills sorted runs to disk and merges them),
alternating, so that all see the same machine. Research tool: the texts stay in the instance.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--var", type=Path, required=True, help="an instance's var folder (make bench creates var/bench-<N>)")
    parser.add_argument("--docs", type=int, default=45_000, help="45,000: about what a bulk ingest commits at once")
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--writer-mb", default="256,1024", help="writer memory limits to compare, in MB")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "tests" / "tools"))
    from bench import setup_django  # noqa: PLC0415

    setup_django(args.var.resolve())
    from search.engine import index  # noqa: PLC0415
    from search.models import Article  # noqa: PLC0415

    documents: list[dict[str, object]] = []
    for paragraph, persons, speakers in index._kept_paragraphs(Article.objects.order_by("id").values_list("id", flat=True)):
        documents.append(index.schema.paragraph_document(paragraph, persons, speakers))
        if len(documents) >= args.docs:
            break
    from django.conf import settings  # noqa: PLC0415

    limits = [int(mb) for mb in args.writer_mb.split(",")]
    variants = [(f"Whoosh's numeric tiers, {limits[-1]} MB", tiered(index.schema.SCHEMA), limits[-1])]
    variants += [(f"project schema, {mb} MB", index.schema.SCHEMA, mb) for mb in limits]
    print(f"{len(documents):,} documents, CPU seconds (add / commit / total) and index MB, {args.runs} run(s) each, alternating")
    for run in range(args.runs):
        for name, schema, mb in variants:
            settings.SEARCH_WRITER_MB = mb
            add, commit, size = write_cost(schema, documents)
            print(f"run {run + 1}  {name:34s} {add:6.1f} {commit:6.1f} {add + commit:6.1f} {size / 2**20:7.1f}", flush=True)


def tiered(schema: object) -> object:
    """The same schema with Whoosh's default precision tiers on every numeric field."""
    from whoosh import fields  # noqa: PLC0415

    named = {name: schema[name] for name in schema.names() if not name.startswith("spell_")}  # type: ignore[attr-defined]
    for name, field in named.items():
        if isinstance(field, fields.NUMERIC):
            named[name] = fields.NUMERIC(field.numtype, bits=field.bits, stored=field.stored, sortable=True)
    copy = fields.Schema(**named)
    return copy


def write_cost(schema: object, documents: list[dict[str, object]]) -> tuple[float, float, int]:
    from whoosh import index as whoosh_index  # noqa: PLC0415

    from search.engine import index  # noqa: PLC0415

    folder = tempfile.mkdtemp(prefix="index-cost-")
    try:
        ix = whoosh_index.create_in(folder, schema)
        started = time.process_time()
        with index.writer(ix) as w:
            for document in documents:
                w.add_document(**document)
            added = time.process_time()
        committed = time.process_time()
        size = sum(f.stat().st_size for f in Path(folder).iterdir())
        return added - started, committed - added, size
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
    main()
