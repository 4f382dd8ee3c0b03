"""Exports of a whole result set (every hit, not just the page), streamed in batches."""

from __future__ import annotations

import csv
import itertools
import json
from collections.abc import Iterator

from search.engine.search import EXPORT_BATCH
from search.models import Paragraph
from search.web import pages, results
from search.web.params import SearchParams

FIELDS = ["paragraph_id", "article_id", "position", "title", "source", "published", "url", "persons", "text"]


class _Echo:
    """A file-like object whose write returns the line, for csv.writer in a streaming response."""

    def write(self, value: str) -> str:
        return value


def rows(params: SearchParams) -> Iterator[dict[str, object]]:
    """Every selected paragraph as a row, a batch of ids at a time (never the whole list in memory)."""
    try:
        ids = results.paragraph_ids(params)
        batch = list(itertools.islice(ids, EXPORT_BATCH))
    except results.QueryError:
        return
    while batch:
        paragraphs = Paragraph.objects.select_related("article__source").in_bulk(batch)
        persons = pages.persons_of_paragraphs(batch)
        for pid in batch:
            if pid in paragraphs:
                yield _row(paragraphs[pid], persons.get(pid, []))
        batch = list(itertools.islice(ids, EXPORT_BATCH))


def _row(paragraph: Paragraph, persons: list[str]) -> dict[str, object]:
    article = paragraph.article
    return {
        "paragraph_id": paragraph.pk,
        "article_id": article.pk,
        "position": paragraph.position,
        "title": article.title,
        "source": article.source.name if article.source else "",
        "published": article.published.isoformat() if article.published else "",
        "url": article.url,
        "persons": persons,
        "text": paragraph.text,
    }


def csv_rows(params: SearchParams) -> Iterator[str]:
    writer = csv.DictWriter(_Echo(), fieldnames=FIELDS)
    yield "\ufeff" + writer.writeheader()  # BOM: spreadsheets then read the file as UTF-8
    for row in rows(params):
        cells = {**row, "persons": "; ".join(row["persons"])}  # type: ignore[arg-type]  # a row's persons are a list of names
        yield writer.writerow({name: _defused(value) for name, value in cells.items()})


def _defused(value: object) -> object:
    """A cell a spreadsheet would run as a formula (=, +, -, @, tab, CR first) gets a leading
    apostrophe, as OWASP advises for CSV injection; the JSON export keeps the text exactly."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def json_chunks(params: SearchParams) -> Iterator[str]:
    yield "["
    for number, row in enumerate(rows(params)):
        yield ("," if number else "") + "\n" + json.dumps(row, ensure_ascii=False)
    yield "\n]\n"
