from __future__ import annotations

from django.core.management.base import BaseCommand

from search import index


class Command(BaseCommand):
    help = "Apply index updates left pending (by a crash or a busy writer)."

    def handle(self, *args: object, **options: object) -> None:
        if not index.schema_is_current():
            self.stdout.write("The index was built with an older schema; rebuilding it from the database…")
            index.rebuild()
        applied = index.apply_pending()
        self.stdout.write(f"Applied pending index updates for {applied} article(s); {index.document_count()} paragraphs indexed.")
