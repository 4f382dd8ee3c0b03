"""Facets as classes, in one registry that the URL state, the engine's filters, the page, the chips and
the templates all loop over (the shape of datasette's facets.py).

A facet reads and validates its URL parameters, resolves them (slugs to ids), hands the engine a
``counting.Filter``, and turns the engine's counts into ``FacetValue``s with labels and toggle URLs,
and its selection into chips. Adding a facet is one class here (appended to ``REGISTRY``) and one
template under templates/search/facets/.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

import numpy as np
from django.urls import reverse

from search import people
from search.engine import counting
from search.engine.parse import day_bounds
from search.engine.search import Matches
from search.models import Person, PersonRedirect, Source
from search.web.params import SearchParams, Values, unique

FACET_SIZE = 10
MORE_SIZE = 200
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class FacetValue:
    value: str
    label: str
    count: int  # paragraphs
    articles: int  # distinct articles among them
    selected: bool
    toggle_url: str
    page_url: str = ""  # persons: their page

    @property
    def pressed(self) -> str:
        return "true" if self.selected else "false"

    @property
    def summary(self) -> str:
        return f"{_counted(self.count, 'paragraph')} in {_counted(self.articles, 'article')}"


def _counted(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


@dataclass(frozen=True)
class FacetResult:
    name: str
    label: str
    values: tuple[FacetValue, ...]
    template: str = "search/facets/values.html"
    truncated: bool = False
    granularity: str = ""  # date facet only: year, month or day
    state: dict[str, str] = field(default_factory=dict)  # the facet's own parameters, for its template's inputs
    shown: bool = True  # "Mentioned with" is shown only once a person is chosen


@dataclass(frozen=True)
class Chip:
    label: str
    remove_url: str
    page_url: str = ""  # persons: their page
    prefix: str = ""  # said before the label ("with")


@dataclass(frozen=True)
class Resolved:
    """A facet's selection resolved against the database: the engine's filter (None: nothing selected),
    the selected ids by their URL value, and notices for values that name nothing."""

    filter: counting.Filter | None = None
    ids: tuple[tuple[int, str], ...] = ()  # (id, URL value)
    labels: tuple[tuple[str, str], ...] = ()  # (URL value, label), for the chips
    notices: tuple[str, ...] = ()


class Facet:
    """The protocol every facet follows; see the module docstring."""

    name: ClassVar[str]
    label: ClassVar[str]
    params: ClassVar[tuple[str, ...]]
    template: ClassVar[str] = "search/facets/values.html"

    def read(self, getlist: Callable[[str], list[str]], notices: list[str]) -> dict[str, Values]:
        return {name: unique(getlist(name)) for name in self.params}

    def resolve(self, params: SearchParams) -> Resolved:
        raise NotImplementedError

    def result(self, params: SearchParams, matches: Matches, resolved: Resolved, *, size: int = FACET_SIZE) -> FacetResult:
        raise NotImplementedError

    def chips(self, params: SearchParams, resolved: Resolved) -> list[Chip]:
        raise NotImplementedError


class RowFacet(Facet):
    """Values that are database rows named by slug (persons, sources), counted by the engine's ``dimension``."""

    model: ClassVar[type[Person] | type[Source]]
    dimension: ClassVar[str]
    chip_prefix: ClassVar[str] = ""

    def counts(self, matches: Matches, docs: np.ndarray) -> counting.Counts:
        raise NotImplementedError

    def moved(self, slugs: Values) -> dict[str, tuple[str, str]]:
        """Slugs of rows merged into others: old slug → (surviving row's slug, its name)."""
        raise NotImplementedError

    def read(self, getlist: Callable[[str], list[str]], notices: list[str]) -> dict[str, Values]:
        """The slugs asked for, a merged row's slug replaced by the surviving row's (bookmarks keep working)."""
        read = super().read(getlist, notices)
        slugs = read[self.params[0]]
        moved = self.moved(slugs) if slugs else {}
        for old, (_, name) in moved.items():
            notices.append(f"“{old[:60]}” was merged into {name}: showing {name}.")
        read[self.params[0]] = unique(moved[s][0] if s in moved else s for s in slugs)
        return read

    def resolve(self, params: SearchParams) -> Resolved:
        slugs = params.values(self.params[0])
        if not slugs:
            return Resolved()
        rows = list(self.model.objects.filter(slug__in=slugs).values_list("id", "slug", "name"))
        found = {slug for _, slug, _ in rows}
        unknown = tuple(f"Unknown {self.name} “{slug[:60]}” ignored." for slug in slugs if slug not in found)
        selection = counting.Filter(self.dimension, ids=tuple(i for i, _, _ in rows)) if rows else None  # unknown alone: no filter
        return Resolved(
            selection, ids=tuple((i, slug) for i, slug, _ in rows), labels=tuple((slug, name) for _, slug, name in rows), notices=unknown
        )

    def result(self, params: SearchParams, matches: Matches, resolved: Resolved, *, size: int = FACET_SIZE) -> FacetResult:
        return self.labelled(params, self.counts(matches, matches.others(self.name)), resolved, size=size)

    def labelled(self, params: SearchParams, counts: counting.Counts, resolved: Resolved, *, size: int) -> FacetResult:
        top, truncated = counting.top(counts, [i for i, _ in resolved.ids], size=size)
        rows = self.model.objects.in_bulk([key for key, *_ in top])
        chosen = params.values(self.params[0])
        values = tuple(
            FacetValue(row.slug, row.name, c, a, row.slug in chosen, params.toggle(self.params[0], row.slug), self.page_url(row.slug))
            for key, c, a in top
            if (row := rows.get(key)) is not None
        )
        return FacetResult(self.name, self.label, values, self.template, truncated)

    def chips(self, params: SearchParams, resolved: Resolved) -> list[Chip]:
        names = dict(resolved.labels)
        return [
            Chip(names[s], params.toggle(self.params[0], s), self.page_url(s), self.chip_prefix)
            for s in params.values(self.params[0])
            if s in names
        ]

    def page_url(self, slug: str) -> str:
        """The page of the row a value names, where it has one."""
        return ""


class PersonRows(RowFacet):
    """Facets whose values are persons: counted by mention, merged slugs followed, each with its page."""

    model = Person
    dimension = "person"

    def counts(self, matches: Matches, docs: np.ndarray) -> counting.Counts:
        return counting.person_counts(matches.values, docs)

    def moved(self, slugs: Values) -> dict[str, tuple[str, str]]:
        rows = PersonRedirect.objects.filter(slug__in=slugs).values_list("slug", "person__slug", "person__name")
        return {old: (new, name) for old, new, name in rows}

    def page_url(self, slug: str) -> str:
        return person_url(slug)


class PersonFacet(PersonRows):
    name = "person"
    label = "People"
    params = ("person",)
    template = "search/facets/person.html"

    def named(self, params: SearchParams, matches: Matches, resolved: Resolved, *, name_filter: str) -> FacetResult:
        """The long list ("more…"), narrowed to persons whose name or an alias has every word of ``name_filter``."""
        counts = self.counts(matches, matches.others(self.name))
        if name_filter:
            counts = counts.only(people.matching_person_ids(name_filter, counts.keys.tolist()))
        return self.labelled(params, counts, resolved, size=MORE_SIZE)


class WithFacet(PersonRows):
    """Persons mentioned in the same paragraphs as the chosen ones. Unlike the person facet (any of the
    chosen), each person chosen here narrows further: paragraphs that mention all of them (AND). Its
    counts are over the selection itself, so a value's count is what choosing it leaves."""

    name = "with"
    label = "Mentioned with"
    params = ("with",)
    chip_prefix = "with"
    template = "search/facets/with.html"

    def resolve(self, params: SearchParams) -> Resolved:
        resolved = super().resolve(params)
        if resolved.filter is None:
            return resolved
        return replace(resolved, filter=replace(resolved.filter, every=True))

    def result(self, params: SearchParams, matches: Matches, resolved: Resolved, *, size: int = FACET_SIZE) -> FacetResult:
        if not (params.values("person") or params.values("with")):
            return FacetResult(self.name, self.label, (), self.template, shown=False)
        counts = without_chosen_persons(matches, self.counts(matches, matches.counted))
        result = self.labelled(params, counts, resolved, size=size)
        return replace(result, state=table_urls(params)["with"])  # its whole list, for download


class SpeakerFacet(PersonRows):
    """Persons whose words the matching paragraphs give (quoted, or their speech reported: docs/SPEAKERS.md).
    Like the person facet, several chosen are any of them."""

    name = "speaker"
    label = "Quoted"
    params = ("speaker",)
    dimension = "speaker"
    chip_prefix = "quoted"

    def counts(self, matches: Matches, docs: np.ndarray) -> counting.Counts:
        return counting.speaker_counts(matches.values, docs)


def without_chosen_persons(matches: Matches, counts: counting.Counts) -> counting.Counts:
    """Counts of persons less those chosen in the person facet (when one is chosen, the only one:
    in every paragraph counted, never "mentioned with" themselves)."""
    persons = dict(matches.query.filters).get(PersonFacet.name)
    return counts.only(np.setdiff1d(counts.keys, persons.ids).tolist()) if persons else counts


def person_url(slug: str) -> str:
    return reverse("search:person", args=[slug])


TABLES = ("with", "coverage")  # a search's tables for download (search/web/tables.py)


def table_urls(params: SearchParams) -> dict[str, dict[str, str]]:
    """table → format → the URL of that table of this search, whole."""
    state = params.querystring()
    return {table: {fmt: reverse("search:export_table", args=[table, fmt]) + state for fmt in ("csv", "json")} for table in TABLES}


class SourceFacet(RowFacet):
    name = "source"
    label = "Sources"
    params = ("source",)
    model = Source
    dimension = "source"

    def counts(self, matches: Matches, docs: np.ndarray) -> counting.Counts:
        return counting.source_counts(matches.values, docs)

    def moved(self, slugs: Values) -> dict[str, tuple[str, str]]:
        rows = Source.objects.filter(slug__in=slugs, merged_into__isnull=False).values_list(
            "slug", "merged_into__slug", "merged_into__name"
        )
        return {old: (new, name) for old, new, name in rows}


class DateFacet(Facet):
    """Dates as a histogram at the granularity that fits the matches (years, months, days); a selected
    range shows its own inside at a finer grain (drill-down), and "Undated" is a value of its own."""

    name = "date"
    label = "Dates"
    params = ("from", "to", "undated")
    template = "search/facets/date.html"

    def read(self, getlist: Callable[[str], list[str]], notices: list[str]) -> dict[str, Values]:
        read: dict[str, Values] = {}
        for name in ("from", "to"):
            value = (getlist(name) or [""])[-1].strip()
            if value and day_bounds(value) is None:
                notices.append(f"“{value[:40]}” is not a date (use YYYY, YYYY-MM or YYYY-MM-DD); “{name}” ignored.")
                value = ""
            read[name] = (value,) if value else ()
        read["undated"] = ("1",) if (getlist("undated") or [""])[-1] in {"1", "true", "on"} else ()
        return read

    def resolve(self, params: SearchParams) -> Resolved:
        bounds = self.bounds(params)
        undated = bool(params.value("undated"))
        if bounds is None and not undated:
            return Resolved()
        return Resolved(counting.Filter("day", days=(bounds,) if bounds else (), undated=undated))

    def bounds(self, params: SearchParams) -> tuple[int, int] | None:
        low_text, high_text = params.value("from"), params.value("to")
        if not (low_text or high_text):
            return None
        low = day_bounds(low_text) if low_text else None
        high = day_bounds(high_text) if high_text else None
        return (low[0] if low else 1, high[1] if high else counting.LAST_DAY)

    def result(self, params: SearchParams, matches: Matches, resolved: Resolved, *, size: int = FACET_SIZE) -> FacetResult:
        docs = matches.others(self.name)
        if resolved.filter is not None:
            docs = docs[counting.mask(resolved.filter, matches.values, docs)]  # drill-down: inside the selection
        both = params.value("from") and params.value("to")
        granularity, divisor = counting.granularity(matches.values, docs, within=self.bounds(params) if both else None)
        values = [
            self._bucket(params, bucket, c, a, granularity)
            for bucket, c, a in counting.day_counts(matches.values, docs, divisor=divisor).rows()
        ]
        undated, articles = counting.undated_counts(matches.values, docs)
        if undated:
            url = params.querystring(changes={"undated": () if params.value("undated") else ("1",), "from": (), "to": ()})
            values.append(FacetValue("undated", "Undated", undated, articles, bool(params.value("undated")), url))
        state = {"from": params.value("from"), "to": params.value("to")}
        return FacetResult(self.name, self.label, tuple(values), self.template, granularity=granularity, state=state)

    def _bucket(self, params: SearchParams, bucket: int, count: int, articles: int, granularity: str) -> FacetValue:
        value = bucket_value(bucket, granularity)
        chosen = params.value("from") == value and params.value("to") == value
        url = params.querystring(changes={"from": (), "to": ()}) if chosen else bucket_url(params, value)
        return FacetValue(value, bucket_label(bucket, granularity), count, articles, chosen, url)

    def chips(self, params: SearchParams, resolved: Resolved) -> list[Chip]:
        low, high = params.value("from"), params.value("to")
        chips = []
        if low or high:
            label = low if low == high else f"{low or '…'} – {high or '…'}"
            chips.append(Chip(label, params.querystring(changes={"from": (), "to": ()})))
        if params.value("undated"):
            chips.append(Chip("Undated", params.querystring(changes={"undated": ()})))
        return chips


PERSON = PersonFacet()
REGISTRY: tuple[Facet, ...] = (PERSON, WithFacet(), SpeakerFacet(), SourceFacet(), DateFacet())


def read_params(data: Mapping[str, Any]) -> SearchParams:
    """The search state of a request's parameters (a QueryDict or a plain mapping), read by every facet of the registry."""
    return SearchParams.from_querydict(data, facets=REGISTRY)


def bucket_url(params: SearchParams, value: str) -> str:
    return params.querystring(changes={"from": (value,), "to": (value,), "undated": ()})


def bucket_value(bucket: int, granularity: str) -> str:
    if granularity == "year":
        return f"{bucket:04d}"
    if granularity == "month":
        return f"{bucket // 100:04d}-{bucket % 100:02d}"
    return f"{bucket // 10000:04d}-{bucket // 100 % 100:02d}-{bucket % 100:02d}"


def bucket_label(bucket: int, granularity: str) -> str:
    if granularity == "year":
        return str(bucket)
    if granularity == "month":
        return f"{_MONTHS[bucket % 100 - 1]} {bucket // 100}"
    return f"{bucket % 100} {_MONTHS[bucket // 100 % 100 - 1]} {bucket // 10000}"
