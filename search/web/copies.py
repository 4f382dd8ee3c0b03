"""Copy families on the page: "also in N articles" on a hit, and "Where did this first appear?" (the
family in date order with its sources: a story's spread across outlets), also for download.
Families are found at ingest (search/ingest/copies.py); only kept paragraphs are shown or counted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, F, QuerySet, Window
from django.db.models.functions import DenseRank
from django.urls import reverse

from search.engine.search import Hit
from search.ingest.copies import jaccard, shingles
from search.models import Paragraph

NAMED = 3  # the other copies a hit names ("also in 5 articles: AP (2024-03-01), …")


@dataclass(frozen=True)
class Copies:
    """A hit's copies elsewhere: how many other articles, the first few, and the family's page."""

    articles: int
    named: tuple[str, ...]  # "Source (date)", earliest first
    url: str

    @property
    def label(self) -> str:
        more = ", …" if self.articles > len(self.named) else ""
        return f"also in {self.articles} article{'s' if self.articles != 1 else ''}: {', '.join(self.named)}{more}"


@dataclass(frozen=True)
class Copy:
    paragraph_id: int
    article_id: int
    position: int
    title: str
    source: str
    published: dt.date | None
    text: str
    similarity: float  # Jaccard of its shingles with the first publication's

    @property
    def identical(self) -> bool:
        return self.similarity == 1.0


def family_url(paragraph_id: int) -> str:
    return reverse("search:copies", args=[paragraph_id])


def on_hits(hits: Iterable[Hit]) -> dict[int, Copies]:
    """paragraph id → its copies in other articles, for the hits that have any: a count and the
    first few per family, however many copies a family has."""
    hits = [hit for hit in hits if hit.family is not None]
    if not hits:
        return {}
    kept = Paragraph.objects.filter(family__in={hit.family for hit in hits}, is_boilerplate=False)
    articles = dict(kept.order_by().values_list("family").annotate(n=Count("article_id", distinct=True)))
    own = set(kept.filter(article_id__in={hit.article_id for hit in hits}).values_list("family", "article_id"))
    earliest = _earliest_articles(kept, NAMED + 1)  # one of them may be the hit's own
    found = {}
    for hit in hits:
        others = [(s, p) for a, s, p in earliest.get(hit.family, []) if a != hit.article_id][:NAMED]
        count = articles.get(hit.family, 0) - ((hit.family, hit.article_id) in own)
        if count > 0:
            named = tuple(f"{s} ({p.isoformat() if p else 'undated'})" for s, p in others)
            found[hit.paragraph_id] = Copies(count, named, family_url(hit.paragraph_id))
    return found


def _earliest_articles(kept: QuerySet[Paragraph], size: int) -> dict[int | None, list[tuple[int, str, dt.date | None]]]:
    """family → its first ``size`` articles by publication (undated last): (article, source, date)."""
    order = [F("article__published").asc(nulls_last=True), F("article_id").asc()]
    rows = (
        kept.order_by()
        .annotate(rank=Window(DenseRank(), partition_by=[F("family")], order_by=order))  # an article's paragraphs tie
        .filter(rank__lte=size)
        .values_list("family", "rank", "article_id", "article__source__name", "article__published")
    )
    earliest: dict[int | None, list[tuple[int, str, dt.date | None]]] = {}
    for family, _, article_id, source, published in sorted(set(rows), key=lambda row: row[:2]):
        earliest.setdefault(family, []).append((article_id, source or "no source", published))
    return earliest


def family(paragraph: Paragraph) -> list[Copy]:
    """The paragraph's family, kept paragraphs only, earliest publication first (undated last); the
    paragraph alone when no copy of it is known."""
    if paragraph.family is None:
        members = Paragraph.objects.filter(pk=paragraph.pk)
    else:
        members = Paragraph.objects.filter(family=paragraph.family, is_boilerplate=False)
    rows = list(
        members.values_list("id", "article_id", "position", "article__title", "article__source__name", "article__published", "text")
    )
    rows.sort(key=lambda r: (r[5] is None, r[5] or dt.date.min, r[0]))
    first = shingles(rows[0][6]) if rows else set()
    return [
        Copy(pid, aid, pos, title or "", source or "", published, text, round(jaccard(first, shingles(text)), 3))
        for pid, aid, pos, title, source, published, text in rows
    ]


def spread(members: list[Copy]) -> dict[str, object]:
    """How far the family went: articles, sources, first and last date."""
    dates = [m.published for m in members if m.published]
    return {
        "articles": len({m.article_id for m in members}),
        "sources": len({m.source for m in members}),
        "first": min(dates) if dates else None,
        "last": max(dates) if dates else None,
    }


FIELDS = ["paragraph_id", "article_id", "position", "published", "source", "title", "similarity", "text"]


def rows(members: list[Copy]) -> list[dict[str, object]]:
    return [
        {
            "paragraph_id": m.paragraph_id,
            "article_id": m.article_id,
            "position": m.position,
            "published": m.published.isoformat() if m.published else "",
            "source": m.source,
            "title": m.title,
            "similarity": m.similarity,
            "text": m.text,
        }
        for m in members
    ]
