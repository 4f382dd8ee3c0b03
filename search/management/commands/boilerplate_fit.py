from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from search.engine import index
from search.ingest import learned, store
from search.models import Source


class Command(BaseCommand):
    help = (
        "Fit the learned boilerplate layer on this archive (labels from the patterns, curated rules and "
        "decisions, and repetition at high counts), say what it learned, and decide both repetition and the "
        "learned layer afresh over every paragraph. Curators' decisions stay as they are."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="fit and report; store and change nothing")
        parser.add_argument(
            "--precision",
            type=float,
            default=learned.TARGET_PRECISION,
            help=f"held-out precision the threshold is set for (default {learned.TARGET_PRECISION})",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not 0.5 <= options["precision"] < 1:
            raise CommandError("--precision must be at least 0.5 and below 1.")
        progress = self.stdout.write if options["verbosity"] >= 2 else (lambda line: None)
        if not options["dry_run"]:
            changed = store.settle_repetition(Source.objects.values_list("id", flat=True))
            self.stdout.write(f"Repetition decided afresh in every source: {changed} article(s) changed.")
        fitted = learned.fit_archive(progress, target=options["precision"], store=not options["dry_run"])
        if fitted is None:
            self.stdout.write(
                f"Nothing learned: the archive needs at least {learned.MIN_ARTICLES} articles from {learned.SOURCE_FOLDS} sources "
                "or more, with paragraphs of both kinds."
            )
            return
        model, rows, report = fitted
        self.stdout.write(report)
        applied = learned.apply_archive(model, rows, dry_run=options["dry_run"])
        verb, back = ("Would set aside", "bring back") if options["dry_run"] else ("Set aside", "brought back")
        self.stdout.write(f"{verb} {applied.set_aside} paragraph(s) and {back} {applied.returned}, in {len(applied.articles)} article(s).")
        for why, text in applied.examples:
            self.stdout.write(f"  {why}: {text[:100]!r}")
        if not options["dry_run"]:
            index.apply_pending()
