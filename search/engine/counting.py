"""Facet filters and counts by array operations over doc values; plain values out.

Multi-select semantics as in datasette and Meilisearch: values of one facet are OR-ed, facets are
AND-ed, and each facet's counts apply every filter but its own (``search.Matches.others``), so a
selected value stays visible beside its alternatives. What a facet is called, how it is labelled
and linked is the web layer's (search/web/facets.py); here are only numbers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from search.engine.docvalues import DocValues

SMALL_SELECTION = 64  # documents per mention below which person counts read each document's mentions
NO_DAY = 0  # the day of an undated document
LAST_DAY = 99991299


@dataclass(frozen=True)
class Filter:
    """A facet's selection as the engine applies it: documents whose ``dimension`` ("person",
    "speaker": a person whose words it gives, "source" or "day") is one of ``ids`` (every one of them with ``every``: persons mentioned
    together), or whose day lies in one of ``days`` (inclusive yyyymmdd ranges), or that are undated
    (``undated``)."""

    dimension: str
    ids: tuple[int, ...] = ()
    days: tuple[tuple[int, int], ...] = ()
    undated: bool = False
    every: bool = False


def mask(selection: Filter, values: DocValues, docs: np.ndarray) -> np.ndarray:
    """Which of ``docs`` the filter keeps."""
    if selection.dimension == "person" and selection.every:
        return combine((docs_with_persons(values, [one])[docs] for one in selection.ids), docs.size)
    if selection.dimension == "person":
        return docs_with_persons(values, list(selection.ids))[docs]
    if selection.dimension == "speaker":
        return docs_with_persons(values, list(selection.ids), speaking=True)[docs]
    if selection.dimension == "source":
        return np.isin(values.source[docs], list(selection.ids))
    if selection.dimension == "day":
        return _day_mask(selection, values.day[docs])
    raise ValueError(f"no dimension {selection.dimension!r} in the index")


def first_of_families(values: DocValues, docs: np.ndarray) -> np.ndarray:
    """``docs`` (sorted) with each copy family kept once: its earliest publication among them (undated
    last, then the first document); documents with no known copy all kept."""
    return values.over(docs, "first of families", lambda: _first_of_families(values, docs))


def _first_of_families(values: DocValues, docs: np.ndarray) -> np.ndarray:
    if values.family.size == 0 or docs.size == 0:
        return docs
    families = values.family[docs]
    copied = families > 0
    if not copied.any():
        return docs
    candidates = docs[copied]
    days = values.day[candidates]
    order = np.lexsort((candidates, np.where(days > NO_DAY, days, LAST_DAY + 1), families[copied]))
    ordered = families[copied][order]
    first = order[np.r_[True, ordered[1:] != ordered[:-1]]]
    return np.sort(np.concatenate([docs[~copied], candidates[first]]))


def docs_with_persons(values: DocValues, person_ids: list[int], *, speaking: bool = False) -> np.ndarray:
    """A mask over all documents: those that mention any of these persons (``speaking``: that give
    their words), each person's run of the mentions sorted by person found by binary search rather
    than a pass over every mention."""
    persons, _, docs = values.speaker_pairs if speaking else values.pairs
    found = np.zeros(values.size, bool)
    for low, high in zip(np.searchsorted(persons, person_ids), np.searchsorted(persons, person_ids, side="right"), strict=True):
        found[docs[low:high]] = True
    return found


def _day_mask(selection: Filter, days: np.ndarray) -> np.ndarray:
    kept = np.zeros(days.size, bool)
    for low, high in selection.days:
        kept |= (days >= low) & (days <= high)
    if selection.undated:
        kept |= days == NO_DAY
    return kept


def combine(masks: Iterable[np.ndarray], size: int) -> np.ndarray:
    combined = np.ones(size, bool)
    for one in masks:
        combined &= one
    return combined


@dataclass(frozen=True)
class Counts:
    """Per key: paragraphs and distinct articles, as aligned arrays sorted by key."""

    keys: np.ndarray
    paragraphs: np.ndarray
    articles: np.ndarray

    def __len__(self) -> int:
        return int(self.keys.size)

    def get(self, key: int) -> tuple[int, int]:
        at = int(np.searchsorted(self.keys, key))
        if at < self.keys.size and self.keys[at] == key:
            return int(self.paragraphs[at]), int(self.articles[at])
        return 0, 0

    def only(self, keys: Iterable[int]) -> Counts:
        keep = np.isin(self.keys, list(keys))
        return Counts(self.keys[keep], self.paragraphs[keep], self.articles[keep])

    def rows(self) -> list[tuple[int, int, int]]:
        return list(zip(self.keys.tolist(), self.paragraphs.tolist(), self.articles.tolist(), strict=True))


def _counts(doc_keys: np.ndarray, articles: np.ndarray, article_keys: np.ndarray) -> Counts:
    """Paragraphs per key, and distinct articles per key, for documents whose key is their article's
    (source, date bucket): ``doc_keys`` and ``articles`` per document, ``article_keys`` by article id.
    Counted with bincount, so linear in the documents, with no sort."""
    if doc_keys.size == 0:
        none = np.zeros(0, np.int64)
        return Counts(none, none, none)
    low = int(doc_keys.min())
    paragraphs = np.bincount(doc_keys - low)
    present = np.zeros(article_keys.size, bool)
    present[articles] = True
    per_article = np.bincount(article_keys[present] - low, minlength=paragraphs.size)
    keys = np.flatnonzero(paragraphs)
    return Counts(keys + low, paragraphs[keys], per_article[keys])


def top(counts: Counts, selected: Iterable[int], *, size: int) -> tuple[list[tuple[int, int, int]], bool]:
    """The ``size`` most frequent keys (ties by key) plus every selected key, as (key, paragraphs, articles)."""
    if len(counts) > size:
        candidates = np.argpartition(-counts.paragraphs, size - 1)[:size]
        threshold = counts.paragraphs[candidates].min()
        candidates = np.flatnonzero(counts.paragraphs >= threshold)  # keep every tie, then order
    else:
        candidates = np.arange(len(counts))
    order = candidates[np.lexsort((counts.keys[candidates], -counts.paragraphs[candidates]))][:size]
    top = [(int(counts.keys[i]), int(counts.paragraphs[i]), int(counts.articles[i])) for i in order]
    shown = {key for key, *_ in top}
    top += [(key, *counts.get(key)) for key in selected if key not in shown]
    return top, len(counts) > size


def person_counts(values: DocValues, docs: np.ndarray) -> Counts:
    """Paragraphs and distinct articles per person among ``docs`` (kept while the index is unchanged when ``docs`` are all)."""
    return values.over(docs, "persons", lambda: _count_persons(values, docs))


def speaker_counts(values: DocValues, docs: np.ndarray) -> Counts:
    """Paragraphs and distinct articles per person among ``docs`` that give the person's words."""
    return values.over(docs, "speakers", lambda: _count_persons(values, docs, speaking=True))


def _count_persons(values: DocValues, docs: np.ndarray, *, speaking: bool = False) -> Counts:
    """Paragraphs and distinct articles per person among ``docs``: the mentions come sorted by person
    and article, so a new (person, article) pair is one that differs from its predecessor.

    A few documents read their own mentions (``mentions_of``) and sort those; many documents take a
    pass over all mentions, already in that order (a pass over 3M mentions is ~1.5 ms; a sort of a
    few thousand is less)."""
    if docs.size * SMALL_SELECTION < values.person_doc.size:
        persons, articles = values.mentions_of(docs, speaking=speaking)
        order = np.lexsort((articles, persons))
        persons, articles = persons[order], articles[order]
    else:
        persons, articles, pair_docs = values.speaker_pairs if speaking else values.pairs
        in_docs = np.zeros(values.size, bool)
        in_docs[docs] = True
        keep = in_docs[pair_docs]
        persons, articles = persons[keep], articles[keep]
    if persons.size == 0:
        none = np.zeros(0, np.int64)
        return Counts(none, none, none)
    new_pair = np.r_[True, (persons[1:] != persons[:-1]) | (articles[1:] != articles[:-1])]
    paragraphs = np.bincount(persons)
    per_article = np.bincount(persons[new_pair], minlength=paragraphs.size)
    keys = np.flatnonzero(paragraphs)
    return Counts(keys, paragraphs[keys], per_article[keys])


def source_counts(values: DocValues, docs: np.ndarray) -> Counts:
    return values.over(docs, "sources", lambda: _count_sources(values, docs))


def _count_sources(values: DocValues, docs: np.ndarray) -> Counts:
    sources = values.source[docs]
    known = sources > 0
    return _counts(sources[known], values.article[docs[known]], values.article_source)


def day_counts(values: DocValues, docs: np.ndarray, *, divisor: int) -> Counts:
    """Paragraphs and articles per day bucket (``day // divisor``: 10000 years, 100 months, 1 days) of the dated ``docs``."""
    days = values.day[docs]
    dated = days > NO_DAY
    return values.over(
        docs, f"days//{divisor}", lambda: _counts(days[dated] // divisor, values.article[docs[dated]], values.article_day // divisor)
    )


PERIOD_SHIFT = 32  # a (period, source) pair as one key: period << 32 | source


def period_source_counts(values: DocValues, docs: np.ndarray, *, divisor: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Paragraphs and distinct articles per (period, source) of the dated ``docs``, a period being
    ``day // divisor`` (100: months): aligned arrays (periods, sources, paragraphs, articles), sorted by
    period then source."""
    days = values.day[docs]
    dated = docs[days > NO_DAY]
    keys = (values.day[dated].astype(np.int64) // divisor << PERIOD_SHIFT) | values.source[dated].astype(np.int64)
    articles = values.article[dated]
    order = np.lexsort((articles, keys))
    keys, articles = keys[order], articles[order]
    pairs, paragraphs = np.unique(keys, return_counts=True)
    new_article = np.r_[True, (keys[1:] != keys[:-1]) | (articles[1:] != articles[:-1])] if keys.size else np.zeros(0, bool)
    per_article = np.unique(keys[new_article], return_counts=True)[1]
    return pairs >> PERIOD_SHIFT, pairs & ((1 << PERIOD_SHIFT) - 1), paragraphs, per_article


def undated_counts(values: DocValues, docs: np.ndarray) -> tuple[int, int]:
    """(paragraphs, articles) of the undated ``docs``."""
    undated = docs[values.day[docs] == NO_DAY]
    return int(undated.size), int(values.articles_among(undated).size)


def granularity(values: DocValues, docs: np.ndarray, *, within: tuple[int, int] | None = None) -> tuple[str, int]:
    """The bucket that fits the dated ``docs`` (or a selected range): ("year", 10000), ("month", 100) or ("day", 1)."""
    dated = day_range(values, docs)
    low, high = dated or (0, 0)
    if within is not None:  # the selected range decides, so drilling always goes finer
        low, high = within
    if dated is None or high // 10000 - low // 10000 >= 2:
        return "year", 10000
    if high // 100 != low // 100:
        return "month", 100
    return "day", 1


EPOCH_ORDINAL = 719163  # date(1970, 1, 1).toordinal(): histogram keys of days and weeks are days since then


def day_range(values: DocValues, docs: np.ndarray) -> tuple[int, int] | None:
    """The first and last day (yyyymmdd) of the dated ``docs``; None when none is dated."""

    def compute() -> tuple[int, int] | None:
        days = values.day[docs]
        dated = days[days > NO_DAY]
        return (int(dated.min()), int(dated.max())) if dated.size else None

    return values.over(docs, "day range", compute)


def histogram(values: DocValues, docs: np.ndarray, unit: str) -> dict[int, int]:
    """Paragraphs per period of the dated ``docs``: keys are years (yyyy), months (yyyymm), or for
    "week" and "day" days since 1970-01-01 (a week by its Monday); periods without any left out.
    Kept for the whole index like the other counts (browse mode draws it on every request)."""
    return values.over(docs, f"histogram by {unit}", lambda: _histogram(values, docs, unit))


def _histogram(values: DocValues, docs: np.ndarray, unit: str) -> dict[int, int]:
    days = values.day[docs]
    dated = days[days > NO_DAY].astype(np.int64)
    if dated.size == 0:
        return {}
    if unit == "year":
        keys = dated // 10000
    elif unit == "month":
        keys = dated // 100
    else:
        keys = _days_since_epoch(dated)
        if unit == "week":
            keys = keys - (keys + 3) % 7  # 1970-01-01 was a Thursday: back to the Monday
    first = int(keys.min())
    counts = np.bincount(keys - first)
    return {first + int(i): int(counts[i]) for i in np.flatnonzero(counts)}


def _days_since_epoch(days: np.ndarray) -> np.ndarray:
    """yyyymmdd → days since 1970-01-01, vectorised (the proleptic Gregorian calendar's civil-to-days rule)."""
    year, month, day = days // 10000, days // 100 % 100, days % 100
    year = year - (month <= 2)
    era = year // 400
    year_of_era = year - era * 400
    day_of_year = (153 * ((month + 9) % 12) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * 146097 + day_of_era - 719468
