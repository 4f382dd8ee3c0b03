from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from search.engine import index


class Command(BaseCommand):
    help = "Rebuild the search index from the database aside, then swap it in (search stays up)."

    def handle(self, *args: object, **options: object) -> None:
        try:
            written = index.rebuild()
        except index.IndexWriteError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Index rebuilt: {written} paragraphs.")
