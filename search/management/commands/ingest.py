from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from search.ingest import store as ingest
from search.ingest.workers import ClusterError


def _date(value: str) -> object:
    parsed = ingest.parse_date(value)
    if parsed is None or len(value.strip()) != 10:
        raise argparse.ArgumentTypeError(f"not a date in YYYY-MM-DD form: {value!r}")
    return parsed


def _positive(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"not a positive whole number: {value!r}")
    return int(value)


class Command(BaseCommand):
    help = "Ingest articles from plain-text and JSON Lines files or folders of them."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", type=Path)
        parser.add_argument("--source", default="", help="source name for articles that do not carry one")
        parser.add_argument("--date", type=_date, default=None, help="publication date (YYYY-MM-DD) for undated articles")
        parser.add_argument("--url", default="", help="URL for an article that lacks one")
        parser.add_argument("--title", default="", help="title for an article that lacks one")
        parser.add_argument("--processes", type=int, default=1, help="worker processes for person extraction (2 pays off on long runs)")
        parser.add_argument(
            "--cluster",
            default="",
            metavar="tcp://HOST:PORT",
            help="find persons on the workers of this Dask scheduler (README, 'Ingest on several machines'); "
            "storing and indexing stay in this process",
        )
        parser.add_argument("--progress", action="store_true", help="show a progress bar with articles/s")
        parser.add_argument(
            "--index-every",
            type=_positive,
            default=200,
            help="stored articles per index commit (200: search sees a long load progress; 2000 for bulk loads: "
            "fewer, larger segments that are never merged again)",
        )
        parser.add_argument("--dry-run", action="store_true", help="store nothing; with --json, print what would be stored")
        parser.add_argument(
            "--no-fit",
            action="store_true",
            help="do not refit the learned boilerplate layer at the end, even if the archive has grown enough "
            "(for a series of bulk loads: run manage.py boilerplate_fit after the last)",
        )
        parser.add_argument("--json", action="store_true", help="with --dry-run: one JSON object per article on stdout")

    def handle(self, *args: object, **options: Any) -> None:
        paths: list[Path] = options["paths"]
        missing = [str(p) for p in paths if not p.exists()]
        if missing:
            raise CommandError(f"no such file or folder: {', '.join(missing)}")
        defaults = ingest.Defaults(
            source=str(options["source"]),
            published=options["date"],
            url=str(options["url"]),
            title=str(options["title"]),
        )
        processes, cluster = max(1, int(options["processes"])), str(options["cluster"]) or None
        try:
            if options["dry_run"]:
                emit = self._emit if options["json"] else None
                summary = ingest.preview_paths(paths, defaults=defaults, emit=emit, processes=processes, cluster=cluster)
            else:
                summary = ingest.ingest_paths(
                    paths,
                    defaults=defaults,
                    processes=processes,
                    cluster=cluster,
                    apply_every=int(options["index_every"]),
                    progress=bool(options["progress"]),
                    refit=not options["no_fit"],
                )
        except ClusterError as exc:  # before any article was stored (a dry run, or no scheduler at the address)
            raise CommandError(str(exc)) from exc
        for error in summary.errors:
            self.stderr.write(f"failed: {error}")
        out = self.stderr if options["json"] else self.stdout
        if int(options["verbosity"]) >= 2:
            for path, why in summary.skips:
                out.write(f"skipped: {path}: {why}")
        elif summary.skips and int(options["verbosity"]) >= 1:
            for line in summary.skip_reasons():
                out.write(f"skipped: {line}")
        if summary.boilerplate_settled:
            out.write(summary.boilerplate_settled)
        if summary.late_mentions:
            out.write(summary.late_mentions)
        if summary.set_aside:
            out.write(summary.set_aside_line())
        out.write(summary.line())
        if summary.index_error:
            raise CommandError(summary.index_error)
        if summary.cluster_error:
            raise CommandError(f"{summary.cluster_error}; the articles before it are stored: run the same command again for the rest")
        if summary.failed:
            raise CommandError(f"{summary.failed} input(s) failed; the others were ingested")

    def _emit(self, preview: dict[str, object]) -> None:
        self.stdout.write(json.dumps(preview, ensure_ascii=False))
