from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import transaction

from search.engine import index
from search.ingest import copies
from search.models import Article, Paragraph


class Command(BaseCommand):
    help = (
        "Find every copy family afresh (the same paragraph in several articles, exactly or nearly), the articles "
        "taken in the order they were stored: for an archive stored before families were found at ingest."
    )

    def handle(self, *args: object, **options: object) -> None:
        with transaction.atomic():
            linked = copies.relink(Article.objects.order_by("id").values_list("id", flat=True).iterator())
        index.apply_pending()  # the documents of paragraphs whose family changed
        families = Paragraph.objects.filter(family__isnull=False).values("family").distinct().count()
        self.stdout.write(f"{linked} paragraph(s) are copies, in {families} famil{'y' if families == 1 else 'ies'}.")
