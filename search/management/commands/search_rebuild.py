from __future__ import annotations

from django.core.management.base import BaseCommand

from search import index


class Command(BaseCommand):
    help = "Rebuild the search index from the database aside, then swap it in (search stays up)."

    def handle(self, *args: object, **options: object) -> None:
        written = index.rebuild()
        self.stdout.write(f"Index rebuilt: {written} paragraphs.")
