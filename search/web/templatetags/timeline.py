"""The timeline, a person's coverage lanes and compared queries as SVG markup (geometry from
search/web/timeline.py, person.py and compare.py).

Built here rather than in a template loop: a few hundred bars of several values each would go
through Django's variable resolution one value at a time. Every text is escaped; coordinates are numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe

from search.web.compare import Comparison, Series
from search.web.person import Cell, Coverage, Lane
from search.web.timeline import Bar, Chart

register = template.Library()


@register.simple_tag
def timeline_svg(chart: Chart) -> SafeString:
    bottom, left = chart.plot_bottom, chart.plot_left
    parts = [
        f'<svg viewBox="0 0 {chart.width} {chart.height}" class="timeline-chart" aria-label="Paragraphs per {chart.unit}">',
        f'<line class="axis" x1="{left}" y1="{bottom}" x2="{chart.width}" y2="{bottom}"/>',
        f'<line class="axis" x1="{left}" y1="{chart.y_ticks[-1].at}" x2="{left}" y2="{bottom}"/>',
    ]
    parts += [f'<text class="tick y" x="{left - 4}" y="{t.at + 4}" text-anchor="end">{escape(t.label)}</text>' for t in chart.y_ticks]
    parts += [f'<text class="tick x" x="{t.at}" y="{bottom + 15}" text-anchor="middle">{escape(t.label)}</text>' for t in chart.x_ticks]
    parts += [_bar(b, chart) for b in chart.bars if b.count]
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text value is escaped above


def _bar(bar: Bar, chart: Chart) -> str:
    label = escape(bar.label)
    value_y = max(bar.y - 3, 10)
    anchor = "end" if bar.x > chart.width - 60 else "middle"
    cut = f'<line class="cut" x1="{bar.x}" y1="{bar.y + 6}" x2="{bar.x + bar.width}" y2="{bar.y + 3}"/>' if bar.cut else ""
    return (
        f'<a href="{escape(bar.url)}" class="bar{" cut" if bar.cut else ""}" aria-label="{label}" data-count="{bar.count}">'
        f"<title>{label}</title>"
        f'<rect x="{bar.x}" y="{bar.y}" width="{bar.width}" height="{bar.height}"/>{cut}'
        f'<text class="value" x="{bar.x + bar.width / 2}" y="{value_y}" text-anchor="{anchor}">{bar.count:,}</text></a>'
    )


@register.simple_tag
def table_rows(table: Sequence[tuple[str, Sequence[object]]]) -> SafeString:
    """A chart's table body, one row per period: its label, then a value per column."""
    cells = ("".join(f"<td>{escape(str(v))}</td>" for v in values) for _, values in table)
    rows = (f'<tr><th scope="row">{escape(period)}</th>{row}</tr>' for (period, _), row in zip(table, cells, strict=True))
    return mark_safe("".join(rows))  # noqa: S308 - every value is escaped


AXIS = 16  # room under the lanes for the first and last period


@register.simple_tag
def coverage_svg(coverage: Coverage) -> SafeString:
    """One lane per source on one time axis and one scale (small multiples)."""
    height, right = coverage.height + AXIS, coverage.width
    parts = [
        f'<svg viewBox="0 0 {right} {height}" class="coverage-chart" role="img" '
        f'aria-label="Paragraphs per {coverage.unit} by source, {escape(coverage.periods[0])} – {escape(coverage.periods[-1])}">'
    ]
    parts += [_lane(lane, coverage) for lane in coverage.lanes]
    parts.append(f'<text class="tick" x="{coverage.label_width}" y="{height - 3}">{escape(coverage.periods[0])}</text>')
    parts.append(f'<text class="tick" x="{right}" y="{height - 3}" text-anchor="end">{escape(coverage.periods[-1])}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text value is escaped


def _lane(lane: Lane, coverage: Coverage) -> str:
    name = lane.label if len(lane.label) <= 26 else lane.label[:25] + "…"
    label = f'{escape(name)} <tspan class="total">{lane.total:,}</tspan>'
    if lane.search_url:
        label = f'<a href="{escape(lane.search_url)}">{label}</a>'
    parts = [
        f'<g class="lane" data-lane="{escape(lane.label)}" data-total="{lane.total}">',
        f'<text class="lane-label" x="0" y="{lane.y - 4}">{label}</text>',
        f'<line class="axis" x1="{coverage.label_width}" y1="{lane.y}" x2="{coverage.width}" y2="{lane.y}"/>',
    ]
    parts += [_cell(cell, lane) for cell in lane.cells if cell.count]
    parts.append("</g>")
    return "".join(parts)


def _cell(cell: Cell, lane: Lane) -> str:
    title = escape(f"{lane.label}, {cell.period}: {cell.count:,} paragraph{'s' if cell.count != 1 else ''}")
    rect = f'<title>{title}</title><rect x="{cell.x}" y="{cell.y}" width="{cell.width}" height="{cell.height}"/>'
    if not cell.url:
        return f'<g class="cell" data-count="{cell.count}">{rect}</g>'
    return f'<a href="{escape(cell.url)}" class="cell" aria-label="{title}" data-count="{cell.count}">{rect}</a>'


MARKERS = ("circle", "square", "diamond", "triangle")  # each line's points, so lines differ without colour


@register.simple_tag
def compare_svg(comparison: Comparison) -> SafeString:
    """One line per query on one time axis and one scale; each point links to that query's period."""
    bottom, left = comparison.plot_bottom, comparison.plot_left
    top_label = f"{comparison.top:,.1f}" if comparison.top < 10 else f"{comparison.top:,.0f}"
    parts = [
        f'<svg viewBox="0 0 {comparison.width} {comparison.height}" class="compare-chart" role="img" '
        f'aria-label="{escape(comparison.y_label.capitalize())} per {comparison.unit}, one line per query">',
        f'<line class="axis" x1="{left}" y1="{bottom}" x2="{comparison.width}" y2="{bottom}"/>',
        f'<line class="axis" x1="{left}" y1="{12}" x2="{left}" y2="{bottom}"/>',
        f'<text class="tick" x="{left - 4}" y="{bottom + 4}" text-anchor="end">0</text>',
        f'<text class="tick" x="{left - 4}" y="16" text-anchor="end">{top_label}</text>',
    ]
    parts += [f'<text class="tick" x="{t.at}" y="{bottom + 15}" text-anchor="middle">{escape(t.label)}</text>' for t in comparison.x_ticks]
    parts += [_series(series, comparison) for series in comparison.drawn]
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text value is escaped


def _series(series: Series, comparison: Comparison) -> str:
    marker = MARKERS[series.index % len(MARKERS)]
    parts = [f'<g class="series series-{series.index}" data-query="{escape(series.query)}" data-total="{series.total}">']
    parts.append(f'<path class="line" d="{series.path}"/>')
    for point in series.points:
        if not point.count:
            continue
        value = (
            f"{point.value:,.1f} per {10_000:,} paragraphs ({point.count:,})" if comparison.per_volume else f"{point.count:,} paragraphs"
        )
        title = escape(f"{series.query}, {point.period}: {value}")
        parts.append(
            f'<a href="{escape(point.url)}" aria-label="{title}" data-count="{point.count}" data-value="{point.value}">'
            f"<title>{title}</title>{_marker(marker, point.x, point.y)}</a>"
        )
    parts.append("</g>")
    return "".join(parts)


def _marker(shape: str, x: float, y: float) -> str:
    if shape == "circle":
        return f'<circle class="marker" cx="{x}" cy="{y}" r="3"/>'
    if shape == "square":
        return f'<rect class="marker" x="{x - 3}" y="{y - 3}" width="6" height="6"/>'
    if shape == "diamond":
        return f'<path class="marker" d="M{x},{y - 4} L{x + 4},{y} L{x},{y + 4} L{x - 4},{y} Z"/>'
    return f'<path class="marker" d="M{x},{y - 4} L{x + 4},{y + 3} L{x - 4},{y + 3} Z"/>'
