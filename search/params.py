"""Search state as it travels in URLs: reading request parameters and building links.

The server owns URLs (datasette's facets.py does the same): templates never build query strings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

SORTS = ("relevance", "newest", "oldest")
MAX_PAGE = 500


@dataclass(frozen=True)
class SearchParams:
    q: str = ""
    persons: tuple[str, ...] = ()  # person slugs
    sources: tuple[str, ...] = ()  # source slugs
    date_from: str = ""  # YYYY, YYYY-MM or YYYY-MM-DD
    date_to: str = ""
    undated: bool = False
    sort: str = ""  # "" = relevance with a query, newest in browse mode
    page: int = 1
    notices: tuple[str, ...] = ()

    @classmethod
    def from_querydict(cls, data: Mapping[str, Any]) -> SearchParams:
        """Read request parameters; malformed ones are dropped with a notice, never an error."""
        notices: list[str] = []
        raw_getlist = data.getlist if hasattr(data, "getlist") else (lambda k: [data[k]] if k in data else [])

        def getlist(key: str) -> list[str]:
            return [clean_text(str(v)) for v in raw_getlist(key)]

        q = " ".join(str(getlist("q")[-1] if getlist("q") else "").split())[:500]
        date_from = _valid_date(getlist("from"), "from", notices)
        date_to = _valid_date(getlist("to"), "to", notices)
        sort = (getlist("sort") or [""])[-1]
        if sort and sort not in SORTS:
            notices.append(f"Unknown sort “{sort[:40]}” ignored.")
            sort = ""
        return cls(
            q=q,
            persons=_unique(getlist("person")),
            sources=_unique(getlist("source")),
            date_from=date_from,
            date_to=date_to,
            undated=(getlist("undated") or [""])[-1] in {"1", "true", "on"},
            sort=sort,
            page=_valid_page(getlist("page"), notices),
            notices=tuple(notices),
        )

    @property
    def effective_sort(self) -> str:
        return self.sort or ("relevance" if self.q else "newest")

    @property
    def has_filters(self) -> bool:
        return bool(self.persons or self.sources or self.date_from or self.date_to or self.undated)

    def querystring(self, **changes: Any) -> str:
        """This state as a URL query string; ``page`` is dropped unless given."""
        state = replace(self, page=1, **changes) if "page" not in changes else replace(self, **changes)
        pairs: list[tuple[str, str]] = []
        if state.q:
            pairs.append(("q", state.q))
        pairs += [("person", p) for p in state.persons] + [("source", s) for s in state.sources]
        pairs += [(k, v) for k, v in (("from", state.date_from), ("to", state.date_to)) if v]
        if state.undated:
            pairs.append(("undated", "1"))
        if state.sort:
            pairs.append(("sort", state.sort))
        if state.page > 1:
            pairs.append(("page", str(state.page)))
        return "?" + urlencode(pairs) if pairs else "?"

    def toggle_person(self, slug: str) -> str:
        return self.querystring(persons=_toggled(self.persons, slug, on=slug not in self.persons))

    def toggle_source(self, slug: str) -> str:
        return self.querystring(sources=_toggled(self.sources, slug, on=slug not in self.sources))


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: str) -> str:
    """User input without control characters (NUL cannot even be stored by PostgreSQL)."""
    return _CONTROL.sub("", value)


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v.strip()[:200] for v in values if v and v.strip()))


def _valid_date(values: list[str], name: str, notices: list[str]) -> str:
    value = (values[-1] if values else "").strip()
    if value and day_bounds(value) is None:
        notices.append(f"“{value[:40]}” is not a date (use YYYY, YYYY-MM or YYYY-MM-DD); “{name}” ignored.")
        return ""
    return value


def _valid_page(values: list[str], notices: list[str]) -> int:
    raw = (values[-1] if values else "1").strip() or "1"
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
        notices.append(f"Page “{raw[:20]}” does not exist; showing page 1.")
        return 1
    return int(raw)


def day_bounds(value: str) -> tuple[int, int] | None:
    """(first, last) day numbers (yyyymmdd) covered by YYYY, YYYY-MM or YYYY-MM-DD."""
    parts = value.split("-")
    if not 1 <= len(parts) <= 3 or not all(p.isdigit() for p in parts) or len(parts[0]) != 4:
        return None
    year, month, day = int(parts[0]), int(parts[1]) if len(parts) > 1 else 0, int(parts[2]) if len(parts) > 2 else 0
    if year < 1000 or (len(parts) > 1 and not 1 <= month <= 12) or (len(parts) > 2 and not 1 <= day <= 31):
        return None
    base = year * 10000 + month * 100 + day
    if len(parts) == 1:
        return base, base + 1299
    if len(parts) == 2:
        return base, base + 99
    return base, base


def _toggled(values: tuple[str, ...], value: str, *, on: bool) -> tuple[str, ...]:
    kept = tuple(v for v in values if v != value)
    return (*kept, value) if on else kept
