from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from search.engine import index


class Command(BaseCommand):
    help = "Compare the search index with the database (paragraphs, texts, persons, sources, dates); --repair fixes drift."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--repair", action="store_true", help="rewrite the articles that drifted")

    def handle(self, *args: object, **options: object) -> None:
        pending = index.pending_count()
        if pending:
            self.stdout.write(f"{pending} index update(s) pending; applying them first.")
            try:
                index.apply_pending()
            except index.IndexWriteError as exc:
                raise CommandError(str(exc)) from exc
        drift = index.check()
        if drift.clean:
            self.stdout.write("No drift: the index matches the database.")
            return
        self.stdout.write(
            f"Drift: {len(drift.missing)} paragraph(s) missing from the index, {len(drift.extra)} extra, "
            f"{len(drift.stale)} stale; {len(drift.articles)} article(s) affected."
        )
        if not options["repair"]:
            raise CommandError("the index does not match the database: run search_check --repair")
        index.repair(drift)
        after = index.check()
        self.stdout.write("Repaired: no drift." if after.clean else "Drift remains after repair.")
        if not after.clean:
            raise CommandError("drift remains after repair")
