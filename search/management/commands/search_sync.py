from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from search.engine import index


class Command(BaseCommand):
    help = "Start-up recovery: apply index updates left pending (by a crash or a busy writer), drop abandoned builds."

    def handle(self, *args: object, **options: object) -> None:
        for name in index.remove_abandoned_generations():
            self.stdout.write(f"Removed the abandoned index folder {name}.")
        try:
            if not index.schema_is_current():
                self.stdout.write("The index was built with an older schema; rebuilding it from the database…")
                index.rebuild()
            applied = index.apply_pending()
        except index.IndexWriteError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Applied pending index updates for {applied} article(s); {index.document_count()} paragraphs indexed.")
