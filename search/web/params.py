"""Search state as it travels in URLs: reading request parameters and building links.

The server owns URLs (datasette's facets.py does the same): templates never build query strings.
Besides ``q``, ``sort`` and ``page``, the state is whatever the facets read (search/web/facets.py):
each facet names its URL parameters and validates their values, and the state keeps them, in the
facets' order, as tuples of strings.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol
from urllib.parse import urlencode

from search.engine.search import COPIES, SORTS

MAX_PAGE = 500
MAX_THROUGH = 25  # pages "load more" may have loaded that one URL renders at once (500 hits)
MAX_QUERY_CHARS = 500

Values = tuple[str, ...]


class ReadsParams(Protocol):
    """What a facet tells the URL state: its parameters, and their values read from a request."""

    @property
    def params(self) -> tuple[str, ...]: ...

    def read(self, getlist: Callable[[str], list[str]], notices: list[str]) -> dict[str, Values]: ...


@dataclass(frozen=True)
class SearchParams:
    q: str = ""
    filters: tuple[tuple[str, Values], ...] = ()  # (URL parameter, its values), in the facets' order
    sort: str = ""  # "" = relevance with a query, newest in browse mode
    page: int = 1
    notices: tuple[str, ...] = ()
    verbatim: bool = False  # search the words as typed, even when a correction would find something
    through: int = 1  # "Load more" loaded pages 1 to this: shown again so on coming back to the URL
    copies: str = ""  # "all": every copy of a paragraph listed apart; "once": facets count a copy family once

    @classmethod
    def from_querydict(cls, data: Mapping[str, Any], *, facets: Sequence[ReadsParams]) -> SearchParams:
        """Read request parameters; malformed ones are dropped with a notice, never an error."""
        notices: list[str] = []
        raw_getlist = data.getlist if hasattr(data, "getlist") else (lambda k: [data[k]] if k in data else [])

        def getlist(key: str) -> list[str]:
            return [clean_text(str(v)) for v in raw_getlist(key)]

        q = " ".join(str(getlist("q")[-1] if getlist("q") else "").split())[:MAX_QUERY_CHARS]
        sort = (getlist("sort") or [""])[-1]
        if sort and sort not in SORTS:
            notices.append(f"Unknown sort “{sort[:40]}” ignored.")
            sort = ""
        filters: list[tuple[str, Values]] = []
        for facet in facets:
            read = facet.read(getlist, notices)
            filters += [(name, read.get(name, ())) for name in facet.params]
        page = _valid_page(getlist("page"), notices)
        through = _valid_page(getlist("through"), notices) if page == 1 else 1
        if through > MAX_THROUGH:
            notices.append(f"At most {MAX_THROUGH} pages are shown at once; showing the first {MAX_THROUGH}.")
            through = MAX_THROUGH
        verbatim = (getlist("verbatim") or [""])[-1] == "1"
        copies = (getlist("copies") or [""])[-1]
        if copies not in COPIES:
            notices.append(f"Unknown copies “{copies[:40]}” ignored (all or once).")
            copies = ""
        return cls(
            q=q, filters=tuple(filters), sort=sort, page=page, notices=tuple(notices), verbatim=verbatim, through=through, copies=copies
        )

    def values(self, name: str) -> Values:
        """The values of one URL parameter (a facet's selection)."""
        return next((values for key, values in self.filters if key == name), ())

    def value(self, name: str) -> str:
        values = self.values(name)
        return values[-1] if values else ""

    @property
    def effective_sort(self) -> str:
        return self.sort or ("relevance" if self.q else "newest")

    @property
    def has_filters(self) -> bool:
        return any(values for _, values in self.filters)

    def changed(self, changes: Mapping[str, Values]) -> SearchParams:
        """The same state with some facet parameters set (an empty tuple removes one); page 1."""
        names = [name for name, _ in self.filters]
        filters = [(name, changes.get(name, values)) for name, values in self.filters]
        filters += [(name, values) for name, values in changes.items() if name not in names]
        return replace(self, filters=tuple(filters), page=1)

    def pairs(self, *, without: Iterable[str] = ()) -> list[tuple[str, str]]:
        """This state as URL parameters (page left out), except those named in ``without``."""
        skip = set(without)
        pairs: list[tuple[str, str]] = [("q", self.q)] if self.q and "q" not in skip else []
        pairs += [(name, value) for name, values in self.filters if name not in skip for value in values]
        if self.sort and "sort" not in skip:
            pairs.append(("sort", self.sort))
        if self.verbatim and self.q and "verbatim" not in skip:
            pairs.append(("verbatim", "1"))
        if self.copies and "copies" not in skip:
            pairs.append(("copies", self.copies))
        return pairs

    def querystring(
        self,
        *,
        q: str | None = None,
        sort: str | None = None,
        copies: str | None = None,
        page: int = 1,
        through: int = 1,
        changes: Mapping[str, Values] | None = None,
    ) -> str:
        """This state as a URL query string, with what is given changed; ``page`` and ``through`` are
        dropped unless above 1."""
        state = self.changed(changes) if changes else self
        state = replace(state, q=state.q if q is None else q, sort=state.sort if sort is None else sort)
        state = state if copies is None else replace(state, copies=copies)
        pairs = state.pairs() + ([("page", str(page))] if page > 1 else []) + ([("through", str(through))] if through > 1 else [])
        return "?" + urlencode(pairs) if pairs else "?"

    def toggle(self, name: str, value: str) -> str:
        """The URL with ``value`` added to parameter ``name``, or removed if it is there."""
        values = self.values(name)
        kept = tuple(v for v in values if v != value)
        return self.querystring(changes={name: kept if value in values else (*kept, value)})


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: str) -> str:
    """User input without control characters (NUL cannot even be stored by PostgreSQL)."""
    return _CONTROL.sub("", value)


def unique(values: Iterable[str]) -> Values:
    return tuple(dict.fromkeys(v.strip()[:200] for v in values if v and v.strip()))


def _valid_page(values: list[str], notices: list[str]) -> int:
    raw = (values[-1] if values else "1").strip() or "1"
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 6) or not 1 <= int(raw) <= MAX_PAGE:
        notices.append(f"Page “{raw[:20]}” does not exist; showing page 1.")
        return 1
    return int(raw)
