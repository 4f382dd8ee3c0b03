from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from search.curation import resolution


class Command(BaseCommand):
    help = (
        "Apply the person rules again to the stored persons: fold the ones the rules take for one human "
        '("Donald J. Trump" into Donald Trump), set aside names that are not persons\'. Curated persons '
        "(a chosen name, an alias) stay as they are; a second run changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="list what would change; change nothing")
        parser.add_argument("--progress", action="store_true", help="a progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        report = resolution.resolve_stored(progress=options["progress"], dry_run=options["dry_run"])
        if options["verbosity"] >= 2 or options["dry_run"]:
            for name, into in report.merged:
                self.stdout.write(f"fold: {name} → {into}")
            for name in report.set_aside:
                self.stdout.write(f"not a person: {name}")
        self.stdout.write(("Would change: " if options["dry_run"] else "") + report.line())
