"""A person's page: how the archive covers one person, in one look.

Names and aliases, first and last mention, paragraphs per month split by source (small multiples:
one lane per source on one time axis and one scale, so outlets compare at a glance without a colour
legend; the same numbers as a table), the persons most often mentioned with them and the sources
that mention them most. Every number links into the search with it as filters; the tables are
downloadable: the search's table exports (``tables``) of the person's paragraphs. Counted by the engine over the index, like
the facets (docs/ARCHITECTURE.md, "Analysis").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import numpy as np
from django.db.models import Count
from django.urls import reverse

from search.engine import counting
from search.engine import search as engine
from search.engine.search import Hit, Matches
from search.models import Alias, Mention, Paragraph, Person, Source
from search.web import results, tables, timeline
from search.web.facets import PERSON, bucket_label, bucket_value, person_url, read_params, table_urls
from search.web.params import SearchParams

TOP_ROWS = 20  # persons mentioned with them, sources that mention them
LANES = 8  # sources drawn as lanes; the others are summed in one lane
NAME_FORMS = 12  # the most used forms of the name shown
MONTHS_AT_MOST = 120  # a longer span is drawn by year
LANE_WIDTH, LANE_HEIGHT, LANE_GAP, LABEL_WIDTH = 560, 30, 8, 170
OTHERS = "Other sources"


@dataclass(frozen=True)
class Row:
    """A row of one of the person's tables, with its link into the search."""

    label: str
    value: str  # the person's or source's slug
    paragraphs: int
    articles: int
    search_url: str
    page_url: str = ""  # persons: their page


@dataclass(frozen=True)
class Cell:
    period: str  # "May 2019"
    count: int
    x: float
    y: float
    width: float
    height: float
    url: str  # this source's paragraphs on the person in this period; "" for the summed lane


@dataclass(frozen=True)
class Lane:
    label: str
    total: int
    cells: tuple[Cell, ...]
    y: float  # the lane's baseline
    search_url: str = ""


@dataclass(frozen=True)
class Coverage:
    """Paragraphs per period by source: lanes for the chart, and the table of the same numbers."""

    unit: str  # month or year
    periods: tuple[str, ...]  # labels, oldest first
    lanes: tuple[Lane, ...]  # all sources first, then the top sources, then the others summed
    top: int  # the count at the top of every lane's scale
    width: int
    height: int
    label_width: int = LABEL_WIDTH

    @property
    def table(self) -> list[tuple[str, list[int]]]:
        """One row per period: its label and its count in each lane."""
        return [(period, [lane.cells[i].count for lane in self.lanes]) for i, period in enumerate(self.periods)]


@dataclass(frozen=True)
class PersonPage:
    person: Person
    aliases: tuple[str, ...]
    name_forms: tuple[tuple[str, int], ...]  # how its mentions name it, most used first
    paragraphs: int
    articles: int
    first: Hit | None
    last: Hit | None
    coverage: Coverage | None
    mentioned_with: tuple[Row, ...]
    sources: tuple[Row, ...]
    search_url: str

    @property
    def exports(self) -> dict[str, dict[str, str]]:
        """The person's tables whole, as the search's table exports of their paragraphs give them."""
        return table_urls(read_params({PERSON.params[0]: self.person.slug}))


def person_matches(person: Person) -> Matches:
    """Every kept paragraph that mentions the person, newest first."""
    return results.matches(read_params({}).changed({PERSON.params[0]: (person.slug,)}))


def person_page(person: Person) -> PersonPage:
    m = person_matches(person)
    return PersonPage(
        person=person,
        aliases=tuple(Alias.objects.filter(person=person).values_list("name", flat=True)),
        name_forms=name_forms(person),
        paragraphs=m.total_paragraphs,
        articles=int(m.values.articles_among(m.selected).size),
        first=_mention_at(m, first=True),
        last=_mention_at(m, first=False),
        coverage=coverage(person, m),
        mentioned_with=mentioned_with(person, m, size=TOP_ROWS),
        sources=top_sources(person, m, size=TOP_ROWS),
        search_url=_search_url(person),
    )


def name_forms(person: Person) -> tuple[tuple[str, int], ...]:
    """How the person's mentions in kept paragraphs name them, most used first. The boilerplate
    paragraphs are left out as a set, so the count reads only the mention index (person, text,
    paragraph), never a paragraph row per mention (docs/BENCHMARKS.md, "Analysis pages")."""
    boilerplate = Paragraph.objects.filter(is_boilerplate__in=[True]).values("id")  # "= 1", which SQLite seeks; a bare column it scans
    rows = (
        Mention.objects.filter(person=person)
        .exclude(paragraph_id__in=boilerplate)
        .values("text")
        .annotate(n=Count("id"))
        .order_by("-n", "text")[:NAME_FORMS]
    )
    return tuple((row["text"], row["n"]) for row in rows)


def _mention_at(m: Matches, *, first: bool) -> Hit | None:
    """The earliest (or latest) dated paragraph that mentions the person; the first of an article's on a tie."""
    days = m.values.day[m.selected]
    dated = m.selected[days > counting.NO_DAY]
    if dated.size == 0:
        return None
    days = m.values.day[dated]
    at = dated[days == (days.min() if first else days.max())][0]
    return engine.hits(m.searcher, [int(at)], frozenset())[0]


def mentioned_with(person: Person, m: Matches, *, size: int) -> tuple[Row, ...]:
    """The persons most often mentioned in the same paragraphs as the person."""
    return tuple(
        Row(p.name, p.slug, c, a, _search_url(person, **{"with": p.slug}), person_url(p.slug))
        for p, c, a in tables.co_mentioned(m, size=size)
    )


def top_sources(person: Person, m: Matches, *, size: int) -> tuple[Row, ...]:
    rows = _ranked(counting.source_counts(m.values, m.selected), size)
    sources = Source.objects.in_bulk([key for key, *_ in rows])
    return tuple(Row(s.name, s.slug, c, a, _search_url(person, source=s.slug)) for key, c, a in rows if (s := sources.get(key)) is not None)


def _ranked(counts: counting.Counts, size: int) -> list[tuple[int, int, int]]:
    return counting.top(counts, (), size=size)[0]


def coverage(person: Person, m: Matches) -> Coverage | None:
    """Paragraphs per month (per year over a longer span) by source, with every period of the span
    drawn, empty ones too; None when no paragraph on the person is dated."""
    span = counting.day_range(m.values, m.selected)
    if span is None:
        return None
    periods = _periods(span, "month")
    unit, divisor = ("month", 100) if len(periods) <= MONTHS_AT_MOST else ("year", 10000)
    if unit == "year":
        periods = _periods(span, unit)
    keys, sources, paragraphs, _ = counting.period_source_counts(m.values, m.selected, divisor=divisor)
    by_source = _by_source(keys, sources, paragraphs, periods)
    # The lanes' sources by their dated paragraphs (a source whose paragraphs on the person are all undated has no lane).
    ranked = sorted((key for key in by_source if key), key=lambda key: (-int(by_source[key].sum()), key))[:LANES]
    names = Source.objects.in_bulk(ranked)
    lanes: list[tuple[str, np.ndarray, str]] = [("All sources", sum(by_source.values(), np.zeros(len(periods), np.int64)), "")]
    lanes += [(names[key].name, by_source[key], names[key].slug) for key in ranked if key in names]
    shown = {key for key in ranked if key in names}
    rest = sum((counts for key, counts in by_source.items() if key not in shown), np.zeros(len(periods), np.int64))
    if rest.any():
        lanes.append((OTHERS, rest, ""))
    top = max(int(lanes[0][1].max()), 1)
    return Coverage(
        unit=unit,
        periods=tuple(bucket_label(p, unit) for p in periods),
        lanes=tuple(_lane(person, i, label, counts, slug, periods, unit, top) for i, (label, counts, slug) in enumerate(lanes)),
        top=top,
        width=LABEL_WIDTH + LANE_WIDTH,
        height=len(lanes) * (LANE_HEIGHT + LANE_GAP),
    )


def _by_source(keys: np.ndarray, sources: np.ndarray, paragraphs: np.ndarray, periods: list[int]) -> dict[int, np.ndarray]:
    """Paragraphs per period (aligned with ``periods``), by source id."""
    column = {p: i for i, p in enumerate(periods)}
    by_source: dict[int, np.ndarray] = {}
    for p, s, n in zip(keys.tolist(), sources.tolist(), paragraphs.tolist(), strict=True):
        by_source.setdefault(s, np.zeros(len(periods), np.int64))[column[p]] = n
    return by_source


def _lane(person: Person, index: int, label: str, counts: np.ndarray, slug: str, periods: list[int], unit: str, top: int) -> Lane:
    step = LANE_WIDTH / len(periods)
    baseline = (index + 1) * (LANE_HEIGHT + LANE_GAP) - LANE_GAP
    period_url = _period_url(person, slug) if slug or index == 0 else None
    cells = []
    for i, (period, count) in enumerate(zip(periods, counts.tolist(), strict=True)):
        height = max(round(LANE_HEIGHT * count / top, 2), 1.5) if count else 0.0  # one paragraph stays visible
        cells.append(
            Cell(
                bucket_label(period, unit),
                int(count),
                round(LABEL_WIDTH + i * step, 2),
                round(baseline - height, 2),
                max(round(step - (1 if step > 3 else 0), 2), 0.5),
                height,
                period_url(bucket_value(period, unit)) if period_url and count else "",  # an empty period draws nothing
            )
        )
    search_url = _search_url(person, source=slug) if slug else (_search_url(person) if index == 0 else "")
    return Lane(label, int(counts.sum()), tuple(cells), baseline, search_url)


_PERIOD = "0000-00"  # stands for a period in a lane's URL, which only the period tells apart


def _period_url(person: Person, slug: str) -> Callable[[str], str]:
    """The search for one period of a lane (the source's paragraphs on the person, from and to the
    period): its URL made once, with the period put in per bar (a lane has up to 120 bars)."""
    pattern = _search_url(person, source=slug, **{"from": _PERIOD, "to": _PERIOD})
    return lambda period: pattern.replace(_PERIOD, period)


def _periods(span: tuple[int, int], unit: str) -> list[int]:
    """Every month (yyyymm) or year (yyyy) from the first mention's to the last's."""
    low, high = span
    return timeline.periods(unit, timeline.period_key(low, unit), timeline.period_key(high, unit))


def _search_url(person: Person, **filters: str) -> str:
    """The search for the person's paragraphs, narrowed by ``filters`` (URL parameter → value)."""
    changes = {PERSON.params[0]: (person.slug,), **{name: (value,) for name, value in filters.items() if value}}
    path, blank = _blank_search()
    return path + blank.querystring(changes=changes)


@cache
def _blank_search() -> tuple[str, SearchParams]:
    """The search page's path and its empty state, read once (a page links a few hundred cells)."""
    return reverse("search:search"), read_params({})
