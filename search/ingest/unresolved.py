"""Names an ingest could give to no one yet, given to the person the archive knows since.

An article's names are resolved against the persons known when it is stored (``people.Directory``):
a lone "Obama" in an article stored before any article of the archive had "Barack Obama" finds no
one, and a headline's full name that no sentence confirms makes no new person. Those mentions are
kept (``models.UnresolvedMention``) and asked again, with the same rules and the article's date, at
the end of every ingest run and by ``persons_resolve``: the persons an article ends with do not
depend on the order its files came in (docs/PERSONS.md, "Order"). The dry run does the same on the
previews it holds (``late_ids``), so that it still shows what the ingest stores.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter
from collections.abc import Container, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import F

from search import people
from search.engine import index
from search.ingest.persons import MentionDraft
from search.models import Mention, Paragraph, UnresolvedMention

ARTICLES_PER_TRANSACTION = 500


@dataclass
class Resolved:
    mentions: int = 0
    articles: set[int] = field(default_factory=set)
    persons: set[int] = field(default_factory=set)

    def line(self) -> str:
        return f"persons: {self.mentions} earlier mention(s) given to a person met since, in {len(self.articles)} article(s)"


def keep(rows: list[Paragraph], mentions: Iterable[MentionDraft], found: Container[str]) -> None:
    """The mentions of these paragraphs whose name ``found`` lacks, kept for a later person."""
    UnresolvedMention.objects.bulk_create(
        UnresolvedMention(paragraph=rows[m.paragraph], start=m.start, end=m.end, text=m.text[:200], name=m.name[:200], speaker=m.speaker)
        for m in mentions
        if m.name not in found
    )


def late_ids(names: Iterable[str], directory: people.Directory, when: dt.date | None) -> dict[str, int]:
    """Of an article's unresolved ``names`` (one per mention), those the directory resolves now, each
    counted in it as the article's resolution counts its mentions (``store._resolved_ids``)."""
    late: dict[str, int] = {}
    for name, count in Counter(names).items():
        found = directory.lookup(name, when)
        if found is not None:
            late[name] = found
            directory.mentioned(found, when, count, name)
    return late


def resolve_kept(directory: people.Directory, *, dry_run: bool = False) -> Resolved:
    """Every kept unresolved mention the directory resolves now becomes a mention of its person,
    article after article in the order they were stored, a transaction for each batch of articles,
    with their index updates queued in it. ``dry_run``: count them, change nothing."""
    resolved = Resolved()
    articles = sorted(set(UnresolvedMention.objects.values_list("paragraph__article_id", flat=True)))
    for start in range(0, len(articles), ARTICLES_PER_TRANSACTION):
        batch = articles[start : start + ARTICLES_PER_TRANSACTION]
        with transaction.atomic():
            for article_id, rows in itertools.groupby(_kept_rows(batch), key=lambda row: row.article_id):
                _resolve_article(article_id, list(rows), directory, resolved, dry_run=dry_run)
    return resolved


def _kept_rows(articles: list[int]) -> list[Any]:
    """The kept mentions of these articles in reading order, as named rows with the article's id and date."""
    rows = UnresolvedMention.objects.filter(paragraph__article_id__in=articles).annotate(
        article_id=F("paragraph__article_id"), published=F("paragraph__article__published")
    )
    fields = ("article_id", "published", "pk", "paragraph_id", "start", "end", "text", "name", "speaker")
    return list(rows.order_by("article_id", "paragraph__position", "start").values_list(*fields, named=True))


def _resolve_article(article_id: int, rows: list[Any], directory: people.Directory, resolved: Resolved, *, dry_run: bool) -> None:
    late = late_ids((row.name for row in rows), directory, rows[0].published)
    taken = [row for row in rows if row.name in late]
    resolved.mentions += len(taken)
    resolved.articles |= {article_id} if taken else set()
    resolved.persons |= set(late.values())
    if not taken or dry_run:
        return
    Mention.objects.bulk_create(
        Mention(paragraph_id=r.paragraph_id, person_id=late[r.name], start=r.start, end=r.end, text=r.text, name=r.name, speaker=r.speaker)
        for r in taken
    )
    UnresolvedMention.objects.filter(pk__in=[row.pk for row in taken]).delete()
    index.queue_articles([article_id])
