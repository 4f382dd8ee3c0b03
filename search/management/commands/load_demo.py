from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from search.ingest import store as ingest
from search.models import Article, Source

DEMO_FILE = settings.BASE_DIR / "data" / "demo" / "wikinews.jsonl"
DEMO_NOTICE = (
    "Demo corpus: articles from English Wikinews (https://en.wikinews.org), © Wikinews contributors, "
    "licensed CC BY 2.5 (https://creativecommons.org/licenses/by/2.5/); text changed: boilerplate, "
    "datelines and captions removed, paragraphs normalised. Each article links its original."
)


class Command(BaseCommand):
    help = "Load the bundled Wikinews demo corpus (CC BY 2.5) and index it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--if-empty", action="store_true", help="do nothing when the database has articles")
        parser.add_argument("--file", type=Path, default=DEMO_FILE, help="the corpus file (default: the bundled one)")

    def handle(self, *args: object, **options: Any) -> None:
        if options["if_empty"] and Article.objects.exists():
            self.stdout.write("Database has articles; demo corpus not loaded.")
            return
        Source.objects.update_or_create(name="Wikinews", defaults={"domain": "en.wikinews.org", "notice": DEMO_NOTICE})
        summary = ingest.ingest_paths([options["file"]])
        self.stdout.write(f"Demo corpus: {summary.line()}")
