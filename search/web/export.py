"""Exports of a whole result set (every hit, not just the page), streamed in batches."""

from __future__ import annotations

import csv
import itertools
import json
from collections.abc import Iterable, Iterator
from typing import Any

from search.engine.search import EXPORT_BATCH, Matches
from search.models import Paragraph
from search.web import pages

FIELDS = ["paragraph_id", "article_id", "position", "title", "source", "published", "url", "persons", "speakers", "text"]


class _Echo:
    """A file-like object whose write returns the line, for csv.writer in a streaming response."""

    def write(self, value: str) -> str:
        return value


def rows(found: Matches, *, limit: int | None = None) -> Iterator[dict[str, object]]:
    """The selected paragraphs as rows (the first ``limit``), a batch of ids at a time (never the whole
    list in memory). The query was matched before the response started, so a refused query gets a
    message instead of a cut-off download."""
    ids = itertools.islice(found.paragraph_ids(), limit)
    batch = list(itertools.islice(ids, EXPORT_BATCH))
    while batch:
        # Rows, not model instances: three models per paragraph were half an export's time.
        paragraphs = {row[0]: row for row in Paragraph.objects.filter(id__in=batch).values_list(*_ROW_FIELDS)}
        persons = pages.persons_of_paragraphs(batch)
        for pid in batch:
            if pid in paragraphs:
                yield _row(paragraphs[pid], *persons.get(pid, ([], [])))
        batch = list(itertools.islice(ids, EXPORT_BATCH))


_ROW_FIELDS = ("id", "article_id", "position", "article__title", "article__source__name", "article__published", "article__url", "text")


def _row(row: tuple[Any, ...], persons: list[str], speakers: list[str]) -> dict[str, object]:
    paragraph_id, article_id, position, title, source, published, url, text = row
    return {
        "paragraph_id": paragraph_id,
        "article_id": article_id,
        "position": position,
        "title": title,
        "source": source or "",
        "published": published.isoformat() if published else "",
        "url": url,
        "persons": persons,
        "speakers": speakers,  # those among the persons whose words the paragraph gives
        "text": text,
    }


def csv_rows(found: Matches, *, limit: int | None = None) -> Iterator[str]:
    rows_ = (
        {**row, "persons": "; ".join(row["persons"]), "speakers": "; ".join(row["speakers"])}  # type: ignore[arg-type]  # lists of names
        for row in rows(found, limit=limit)
    )
    return csv_lines(rows_, FIELDS)


def csv_lines(rows: Iterable[dict[str, object]], fields: list[str]) -> Iterator[str]:
    """Rows as CSV, a line at a time, with a BOM (spreadsheets then read the file as UTF-8) and every
    cell defused."""
    writer = csv.DictWriter(_Echo(), fieldnames=fields)
    yield "\ufeff" + writer.writeheader()
    for row in rows:
        yield writer.writerow({name: defused(value) for name, value in row.items()})


def defused(value: object) -> object:
    """A cell a spreadsheet would run as a formula (=, +, -, @, tab, CR first) gets a leading
    apostrophe, as OWASP advises for CSV injection; the JSON export keeps the text exactly."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def json_chunks(found: Matches, *, limit: int | None = None) -> Iterator[str]:
    return json_lines(rows(found, limit=limit))


def json_lines(rows: Iterable[dict[str, object]]) -> Iterator[str]:
    """Rows as one JSON array, a row at a time."""
    yield "["
    for number, row in enumerate(rows):
        yield ("," if number else "") + "\n" + json.dumps(row, ensure_ascii=False)
    yield "\n]\n"
