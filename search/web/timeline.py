"""The timeline above the hits: paragraphs per period as a chart a reader can read.

Drawn on the server as SVG (templates/search/_timeline.html): it works without JavaScript, adds no
library to vendor and keep, and its bars are plain links (drill down) with their values in
``<title>`` (hover) and in a label shown on keyboard focus; the same numbers are a table.

- Granularity follows the range shown (a selected from–to range, else the matches' own dates): years
  from four years up, months from ten weeks, weeks from five weeks, days below.
- Labelled axes: a few dates along the bottom, 0 and the scale's top up the side.
- One spike does not flatten the rest: when the highest bar is over three times the next, the scale
  stops at 1.5 times that next one and the spike is drawn cut, with its value written on it.
- "Up one level" (day or week → month → year → everything) without the back button.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np

from search.engine import counting
from search.engine.docvalues import DocValues
from search.engine.parse import day_bounds
from search.web.facets import bucket_label, bucket_url, bucket_value
from search.web.params import SearchParams

WIDTH, HEIGHT = 640, 150
LEFT, RIGHT, TOP, BOTTOM = 44, 6, 14, 22  # margins of the plot area, for the axes' labels
SPIKE_RATIO = 3  # the highest bar over this many times the next is cut
MAX_BARS = 400  # an archive with one article misdated to the year 1 draws its years that exist, not two thousand


@dataclass(frozen=True)
class Bar:
    label: str  # "May 2019: 1,234 paragraphs"
    period: str  # "May 2019"
    count: int
    x: float
    y: float
    width: float
    height: float
    url: str  # drill down to this period
    cut: bool  # taller than the scale: drawn to the top, value written on it


@dataclass(frozen=True)
class Tick:
    at: float
    label: str


@dataclass(frozen=True)
class Chart:
    bars: tuple[Bar, ...]
    unit: str  # year, month, week or day
    first: str
    last: str
    top: int  # the count at the top of the scale
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    up_url: str = ""
    up_label: str = ""
    width: int = WIDTH
    height: int = HEIGHT
    plot_left: int = LEFT
    plot_bottom: int = HEIGHT - BOTTOM

    @property
    def total(self) -> int:
        return sum(b.count for b in self.bars)


def chart(params: SearchParams, values: DocValues, docs: np.ndarray) -> Chart | None:
    """The timeline of the selected ``docs``, or None when none is dated."""
    low, high = _range(params, values, docs)
    if low is None or high is None:
        return None
    unit = unit_for(low, high)
    counts = counting.histogram(values, docs, unit)
    if not counts:
        return None
    keys = periods(unit, period_key(low, unit), period_key(high, unit))  # the whole range shown, empty ends included
    if len(keys) > MAX_BARS:
        keys = sorted(counts)
    top = _scale_top(list(counts.values()))
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_width / len(keys)
    bars = []
    for i, key in enumerate(keys):
        count = counts.get(key, 0)
        height = round(plot_height * min(count, top) / top, 2)
        period = period_label(key, unit)
        bars.append(
            Bar(
                label=f"{period}: {count:,} paragraph{'s' if count != 1 else ''}",
                period=period,
                count=count,
                x=round(LEFT + i * step, 2),
                y=round(TOP + plot_height - height, 2),
                width=max(round(step - (1 if step > 3 else 0), 2), 0.5),
                height=height,
                url=drill_url(params, key, unit),
                cut=count > top,
            )
        )
    up_url, up_label = _up(params)
    return Chart(
        bars=tuple(bars),
        unit=unit,
        first=period_label(keys[0], unit),
        last=period_label(keys[-1], unit),
        top=top,
        x_ticks=x_ticks(keys, unit, step),
        y_ticks=(Tick(TOP + plot_height, "0"), Tick(TOP, f"{top:,}")),
        up_url=up_url,
        up_label=up_label,
    )


# --- periods ------------------------------------------------------------------------------------


def _range(params: SearchParams, values: DocValues, docs: np.ndarray) -> tuple[int | None, int | None]:
    """The days the chart spans: a range selected with both ends, else the matches' first and last."""
    low, high = day_bounds(params.value("from") or ""), day_bounds(params.value("to") or "")
    if low and high:
        return _valid_day(low[0]), _valid_day(high[1])
    dated = counting.day_range(values, docs)
    return dated if dated is not None else (None, None)


def _valid_day(day: int) -> int:
    """A range's end as a real day (day_bounds gives yyyy0000, yyyy1299, yyyymm00 and yyyymm99 as open ends)."""
    year, month, d = day // 10000, min(max(day // 100 % 100, 1), 12), max(day % 100, 1)
    last = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return year * 10000 + month * 100 + min(d, last)


def _to_date(day: int) -> dt.date:
    return dt.date(day // 10000, day // 100 % 100, day % 100)


def unit_for(low: int, high: int) -> str:
    span = (_to_date(high) - _to_date(low)).days + 1
    if span >= 4 * 365:
        return "year"
    if span >= 70:
        return "month"
    if span >= 35:
        return "week"
    return "day"


def periods(unit: str, first: int, last: int) -> list[int]:
    """Every period from ``first`` to ``last`` (histogram keys), empty ones included."""
    if unit == "year":
        return list(range(first, last + 1))
    if unit == "month":
        ordinal = range(first // 100 * 12 + first % 100 - 1, last // 100 * 12 + last % 100)
        return [o // 12 * 100 + o % 12 + 1 for o in ordinal]
    return list(range(first, last + 1, 7 if unit == "week" else 1))


def period_key(day: int, unit: str) -> int:
    """The histogram key of the period holding ``day`` (see ``counting.histogram``)."""
    if unit == "year":
        return day // 10000
    if unit == "month":
        return day // 100
    since_epoch = _to_date(day).toordinal() - counting.EPOCH_ORDINAL
    return since_epoch - (since_epoch + 3) % 7 if unit == "week" else since_epoch


def _date_of(key: int) -> dt.date:
    return dt.date.fromordinal(key + counting.EPOCH_ORDINAL)


def period_label(key: int, unit: str) -> str:
    if unit in ("year", "month"):
        return bucket_label(key, unit)
    day = _date_of(key)
    return f"week of {day.day} {day:%b} {day.year}" if unit == "week" else f"{day.day} {day:%b} {day.year}"


def drill_url(params: SearchParams, key: int, unit: str) -> str:
    if unit in ("year", "month"):
        return bucket_url(params, bucket_value(key, unit))
    start = _date_of(key)
    end = start + dt.timedelta(days=6 if unit == "week" else 0)
    return params.querystring(changes={"from": (start.isoformat(),), "to": (end.isoformat(),), "undated": ()})


def _up(params: SearchParams) -> tuple[str, str]:
    """One level up from a selected range: its month, its year, or every date."""
    low, high = params.value("from"), params.value("to")
    if not (low and high):
        return "", ""
    if len(low) == 4 and low == high:
        return params.querystring(changes={"from": (), "to": ()}), "All dates"
    if len(low) == 7 and low == high:
        return bucket_url(params, low[:4]), low[:4]
    if low[:7] == high[:7] and len(low) == 10:
        return bucket_url(params, low[:7]), bucket_label(int(low[:4] + low[5:7]), "month")
    if low[:4] == high[:4]:
        return bucket_url(params, low[:4]), low[:4]
    return params.querystring(changes={"from": (), "to": ()}), "All dates"


# --- scales -------------------------------------------------------------------------------------


def _scale_top(counts: list[int]) -> int:
    """The count at the top of the scale, a round number: the highest bar, unless it is a spike."""
    ordered = sorted(counts, reverse=True)
    peak = ordered[0]
    if len(ordered) > 1 and peak > SPIKE_RATIO * max(ordered[1], 1):
        peak = math.ceil(1.5 * ordered[1])
    return nice(peak)


def nice(value: int) -> int:
    """The smallest round number (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10ⁿ) at or above ``value``."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    return next(math.ceil(m * power) for m in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10) if m * power >= value)


def x_ticks(keys: list[int], unit: str, step: float, *, left: float = LEFT) -> tuple[Tick, ...]:
    """About six dates along the bottom, at period starts that read well (years, Januaries, Mondays)."""
    every = max(1, math.ceil(len(keys) / 6))
    if unit == "month" and len(keys) > 12:
        picked = [i for i, k in enumerate(keys) if k % 100 == 1]  # Januaries
        every = max(1, math.ceil(len(picked) / 6))
        picked = picked[::every]
    else:
        picked = list(range(0, len(keys), every))
    years_of_months = unit == "month" and len(keys) > 12
    labels = [str(keys[i] // 100) if years_of_months else period_label(keys[i], unit).removeprefix("week of ") for i in picked]
    return tuple(Tick(round(left + i * step + step / 2, 2), label) for i, label in zip(picked, labels, strict=True))
