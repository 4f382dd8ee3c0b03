"""A search's tables, whole, for download beside its result set: who is mentioned with whom (the
"Mentioned with" facet's list, every person rather than the top ten) and paragraphs per month by
source. A person's page offers them for that person's paragraphs (``?person=<slug>``).
"""

from __future__ import annotations

import csv
import io
import json

import numpy as np

from search.engine import counting
from search.engine.search import Matches
from search.models import Person, Source
from search.web import export, results
from search.web.facets import bucket_value, without_chosen_persons
from search.web.params import SearchParams

FIELDS = {
    "with": ["person", "slug", "paragraphs", "articles"],
    "coverage": ["month", "source", "paragraphs", "articles"],
}  # by table, as facets.TABLES names them
NO_SOURCE = "No source"


def co_mentioned(m: Matches, *, size: int | None) -> list[tuple[Person, int, int]]:
    """The ``size`` persons (every one with None) mentioned in most of the selected paragraphs,
    besides those chosen in the person facet: (person, paragraphs, articles)."""
    counts = without_chosen_persons(m, counting.person_counts(m.values, m.counted))
    top = counting.top(counts, (), size=size or max(len(counts), 1))[0]
    people = Person.objects.in_bulk([key for key, *_ in top])
    return [(p, c, a) for key, c, a in top if (p := people.get(key)) is not None]


def rows(params: SearchParams, table: str) -> list[dict[str, object]]:
    """One of the tables (``FIELDS``) for a search, every row; raises ``QueryError`` for a refused query."""
    m = results.matches(params)
    if table == "with":
        return [{"person": p.name, "slug": p.slug, "paragraphs": c, "articles": a} for p, c, a in co_mentioned(m, size=None)]
    return coverage_rows(m)


def coverage_rows(m: Matches) -> list[dict[str, object]]:
    """Every (month, source) of the selected dated paragraphs, with paragraphs and distinct articles."""
    periods, sources, paragraphs, articles = counting.period_source_counts(m.values, m.counted, divisor=100)
    names = dict(Source.objects.filter(pk__in=np.unique(sources).tolist()).values_list("pk", "name"))
    return [
        {"month": bucket_value(int(p), "month"), "source": names.get(int(s), NO_SOURCE), "paragraphs": int(n), "articles": int(a)}
        for p, s, n, a in zip(periods, sources, paragraphs, articles, strict=True)
    ]


def as_csv(table: list[dict[str, object]], fields: list[str]) -> str:
    """CSV with a BOM (spreadsheets read it as UTF-8), cells defused like the result set's."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=fields)
    writer.writeheader()
    writer.writerows({name: export.defused(value) for name, value in row.items()} for row in table)
    return "\ufeff" + buffer.getvalue()


def as_json(table: list[dict[str, object]]) -> str:
    return json.dumps(table, ensure_ascii=False, indent=1) + "\n"
