"""Queries compared over time: two to four searches' paragraphs per period in one chart.

The URL holds the comparison (``/compare/?q=…&q=…``, plus any facet filters, which apply to every
query). ``per=volume`` divides each period's count by the paragraphs the archive itself has in that
period (under the same filters), per 10,000, so that a quiet month does not look like a fall in
interest. Each line and point links to its search. Drawn on the server as SVG like the timeline
(templates/search/compare.html): lines told apart by dash and marker as well as colour.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from urllib.parse import urlencode

import numpy as np
from django.http import QueryDict
from django.urls import reverse

from search.engine import counting
from search.engine.search import Matches, QueryError
from search.web import results, timeline
from search.web.facets import read_params
from search.web.params import MAX_QUERY_CHARS, SearchParams, clean_text

MAX_QUERIES = 4
PER = 10_000  # normalised values: paragraphs per this many of the period's own
WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 12, 24


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    period: str
    count: int
    value: float  # the count, or per 10,000 of the period's paragraphs
    url: str


@dataclass(frozen=True)
class Series:
    index: int
    query: str
    total: int
    points: tuple[Point, ...] = ()
    search_url: str = ""
    error: str = ""

    @property
    def path(self) -> str:
        """The line through the points, as SVG path data."""
        return " ".join(f"{'M' if i == 0 else 'L'}{p.x},{p.y}" for i, p in enumerate(self.points))


@dataclass(frozen=True)
class Comparison:
    queries: tuple[str, ...]  # as asked, for the form
    params: SearchParams  # the filters shared by every query
    per_volume: bool
    series: tuple[Series, ...] = ()
    unit: str = "month"
    periods: tuple[str, ...] = ()
    top: float = 0
    x_ticks: tuple[timeline.Tick, ...] = ()
    notices: tuple[str, ...] = ()
    switch_url: str = ""  # the same comparison, counts ↔ normalised
    width: int = WIDTH
    height: int = HEIGHT
    plot_left: int = LEFT
    plot_bottom: int = HEIGHT - BOTTOM

    @property
    def drawn(self) -> tuple[Series, ...]:
        return tuple(s for s in self.series if s.points)

    @property
    def table(self) -> list[tuple[str, list[str]]]:
        """One row per period: its label and each drawn query's value there."""
        drawn = self.drawn
        return [(period, [_shown(s.points[i], self.per_volume) for s in drawn]) for i, period in enumerate(self.periods)]

    @property
    def y_label(self) -> str:
        return f"per {PER:,} paragraphs" if self.per_volume else "paragraphs"


def _shown(point: Point, per_volume: bool) -> str:
    return f"{point.value:.1f} ({point.count})" if per_volume else str(point.count)


def read(data: QueryDict) -> Comparison:
    """The comparison a request asks for: its queries (at most four), the shared filters, the scale."""
    asked = [" ".join(clean_text(q).split())[:MAX_QUERY_CHARS] for q in data.getlist("q")]
    queries = tuple(dict.fromkeys(q for q in asked if q))
    notices = [f"At most {MAX_QUERIES} queries are compared; “{q[:60]}” left out." for q in queries[MAX_QUERIES:]]
    rest = data.copy()
    rest.pop("q", None)
    shared = read_params(rest)
    return Comparison(queries[:MAX_QUERIES], shared, data.get("per", "") == "volume", notices=(*shared.notices, *notices))


def compare(asked: Comparison) -> Comparison:
    """The asked comparison counted and drawn: one series per query, on one time axis and one scale."""
    found: list[tuple[str, Matches | None, str]] = []
    for query in asked.queries:
        try:
            found.append((query, results.matches(replace(asked.params, q=query)), ""))
        except QueryError as exc:
            found.append((query, None, str(exc)))
    spans = [span for _, m, _ in found if m is not None and (span := counting.day_range(m.values, m.counted)) is not None]
    switch = _url(asked, per_volume=not asked.per_volume)
    if not spans:
        series = tuple(Series(i, q, m.total_paragraphs if m else 0, error=e) for i, (q, m, e) in enumerate(found))
        return replace(asked, series=series, switch_url=switch)
    low, high = min(s[0] for s in spans), max(s[1] for s in spans)
    unit = timeline.unit_for(low, high)
    if unit == "year" and len(timeline.periods("month", low // 100, high // 100)) <= timeline.MAX_BARS:
        unit = "month"  # lines stay readable over years of months, where bars would not
    counted = [counting.histogram(m.values, m.counted, unit) if m is not None else {} for _, m, _ in found]
    keys = timeline.periods(unit, timeline.period_key(low, unit), timeline.period_key(high, unit))
    if len(keys) > timeline.MAX_BARS:  # one misdated article would stretch the axis over centuries
        keys = sorted({k for counts in counted for k in counts})
    volume = _volume(asked.params, unit) if asked.per_volume else {}
    values = [[_value(counts.get(k, 0), volume.get(k, 0), asked.per_volume) for k in keys] for counts in counted]
    top = _top(values, asked.per_volume)
    series = tuple(_series(asked, i, query, m, error, keys, counted[i], values[i], unit, top) for i, (query, m, error) in enumerate(found))
    step = (WIDTH - LEFT - RIGHT) / len(keys)
    return replace(
        asked,
        series=series,
        unit=unit,
        periods=tuple(timeline.period_label(k, unit) for k in keys),
        top=top,
        x_ticks=timeline.x_ticks(keys, unit, step, left=LEFT),
        switch_url=switch,
    )


def _volume(params: SearchParams, unit: str) -> dict[int, int]:
    """The archive's own paragraphs per period, under the shared filters (no query)."""
    m = results.matches(params)
    return counting.histogram(m.values, m.counted, unit)


def _value(count: int, volume: int, per_volume: bool) -> float:
    if not per_volume:
        return float(count)
    return count * PER / volume if volume else 0.0


def _top(values: list[list[float]], per_volume: bool) -> float:
    peak = max((v for row in values for v in row), default=0.0)
    if per_volume:
        return timeline.nice(int(np.ceil(peak * 10))) / 10 if peak else 1.0
    return float(timeline.nice(int(peak)))


def _series(
    asked: Comparison,
    index: int,
    query: str,
    m: Matches | None,
    error: str,
    keys: list[int],
    counts: dict[int, int],
    values: list[float],
    unit: str,
    top: float,
) -> Series:
    if m is None:
        return Series(index, query, 0, error=error)
    params = replace(asked.params, q=query)
    step = (WIDTH - LEFT - RIGHT) / len(keys)
    height = HEIGHT - TOP - BOTTOM
    points = tuple(
        Point(
            x=round(LEFT + i * step + step / 2, 2),
            y=round(TOP + height - height * min(value, top) / top, 2),
            period=timeline.period_label(key, unit),
            count=counts.get(key, 0),
            value=round(value, 2),
            url=reverse("search:search") + timeline.drill_url(params, key, unit),
        )
        for i, (key, value) in enumerate(zip(keys, values, strict=True))
    )
    return Series(index, query, m.total_paragraphs, points, reverse("search:search") + params.querystring())


def _url(asked: Comparison, *, per_volume: bool) -> str:
    pairs = [("q", q) for q in asked.queries] + asked.params.pairs(without=("q",)) + ([("per", "volume")] if per_volume else [])
    return reverse("search:compare") + ("?" + urlencode(pairs) if pairs else "")


def slots(comparison: Comparison) -> list[tuple[int, str]]:
    """The form's query boxes: each asked query, then empty ones up to four."""
    queries = list(comparison.queries) + [""] * (MAX_QUERIES - len(comparison.queries))
    return list(enumerate(queries[:MAX_QUERIES], start=1))
