"""The timeline: granularity that follows the range, drill-down and up links, labelled axes, spikes
that do not flatten the rest, and a table of the same numbers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from urllib.parse import urlencode

import numpy as np
import pytest
from bs4 import BeautifulSoup
from django.http import QueryDict
from django.test import Client

from search.engine import counting
from search.engine.docvalues import DocValues
from search.web import facets, timeline
from search.web import results as query

pytestmark = pytest.mark.django_db


def chart(**params: str) -> timeline.Chart:
    page = query.search(facets.read_params(QueryDict(urlencode(params))))
    assert page.timeline is not None
    return page.timeline


@pytest.fixture
def dated(store: Callable[..., object]) -> None:
    for day in (
        dt.date(2014, 3, 1),
        dt.date(2019, 3, 4),
        dt.date(2019, 3, 20),
        dt.date(2019, 4, 18),
        dt.date(2019, 5, 2),
        dt.date(2019, 5, 30),
    ):
        store(f"Floods reached the town on {day:%d %B %Y}.", published=day)


def test_granularity_follows_the_range_shown(dated: None) -> None:
    assert chart().unit == "year"
    year = chart(**{"from": "2019", "to": "2019"})
    assert year.unit == "month" and len(year.bars) == 12 and year.up_label == "All dates"
    month = chart(**{"from": "2019-05", "to": "2019-05"})  # one month was one solid block
    assert month.unit == "day" and len(month.bars) == 31 and [b.count for b in month.bars if b.count] == [1, 1]
    assert month.up_label == "2019" and month.up_url == "?from=2019&to=2019"
    weeks = chart(**{"from": "2019-03-01", "to": "2019-04-20"})
    assert weeks.unit == "week" and {b.period for b in weeks.bars if b.count} == {
        "week of 4 Mar 2019",
        "week of 18 Mar 2019",
        "week of 15 Apr 2019",
    }
    assert weeks.up_label == "2019"
    day = chart(**{"from": "2019-05-02", "to": "2019-05-02"})
    assert day.up_label == "May 2019" and day.up_url == "?from=2019-05&to=2019-05"


def test_bars_drill_down_one_level(dated: None) -> None:
    urls = {b.period: b.url for b in chart().bars if b.count}
    assert urls == {"2014": "?from=2014&to=2014", "2019": "?from=2019&to=2019"}
    march = next(b for b in chart(**{"from": "2019", "to": "2019"}).bars if b.period == "Mar 2019")
    assert march.url == "?from=2019-03&to=2019-03" and march.count == 2
    week = next(b for b in chart(**{"from": "2019-03-01", "to": "2019-04-20"}).bars if b.count)
    assert week.url == "?from=2019-03-04&to=2019-03-10"


def test_axes_are_labelled_and_a_spike_does_not_flatten_the_rest(store: Callable[..., object]) -> None:
    for month, paragraphs in ((1, 4), (2, 6), (3, 60), (4, 5)):
        store("\n\n".join(f"Report {n} on the harbour." for n in range(paragraphs)), published=dt.date(2020, month, 10))
    shown = chart(**{"from": "2020", "to": "2020"})
    spike = next(b for b in shown.bars if b.count == 60)
    assert spike.cut and shown.top == 10  # 1.5 × the next highest (6), rounded up
    six = next(b for b in shown.bars if b.count == 6)
    assert six.height > 0.5 * spike.height  # it was a tenth of the spike
    assert [t.label for t in shown.y_ticks] == ["0", "10"]
    assert shown.x_ticks and shown.x_ticks[0].label == "Jan 2020"


def test_the_chart_shows_values_on_hover_and_focus_and_as_a_table(client: Client, dated: None) -> None:
    soup = BeautifulSoup(client.get("/", {"from": "2019", "to": "2019"}).content, "html.parser")
    bars = soup.select(".timeline svg a.bar")
    assert [a["aria-label"] for a in bars] == ["Mar 2019: 2 paragraphs", "Apr 2019: 1 paragraph", "May 2019: 2 paragraphs"]
    assert all(a.select_one("title") and a.select_one("text.value") for a in bars)  # hover, and shown on keyboard focus
    assert [t.get_text() for t in soup.select(".timeline svg text.tick.y")] == ["0", "2"]  # the count axis
    assert [t.get_text() for t in soup.select(".timeline svg text.tick.x")][:1] == ["Jan 2019"]  # the time axis
    rows = [[td.get_text() for td in tr.select("td")] for tr in soup.select(".timeline-table tbody tr")]
    assert rows == [["Mar 2019", "2"], ["Apr 2019", "1"], ["May 2019", "2"]]
    assert soup.select_one("a[data-up]")["href"] == "?"


def test_histogram_counts_days_and_weeks_from_day_numbers() -> None:
    none = np.zeros(0, np.int64)
    day = np.array([20190304, 20190310, 20190311, 0, 20000229])
    values = DocValues(np.arange(5), np.ones(5, np.int64), day, np.ones(5, bool), none, none)

    weeks = counting.histogram(values, np.arange(5), "week")
    monday = (dt.date(2019, 3, 4) - dt.date(1970, 1, 1)).days
    assert weeks[monday] == 2 and weeks[monday + 7] == 1
    assert counting.histogram(values, np.arange(4), "week") == {monday: 2, monday + 7: 1}  # not every document: not kept
    days = counting.histogram(values, np.arange(5), "day")
    assert days[(dt.date(2000, 2, 29) - dt.date(1970, 1, 1)).days] == 1 and sum(days.values()) == 4


def test_year_ticks_read_as_years(dated: None) -> None:
    shown = chart()
    assert shown.unit == "year" and [t.label for t in shown.x_ticks][0] == "2014"
    assert timeline.nice(110) == 120 and timeline.nice(9) == 10 and timeline.nice(2) == 2
