"""The timeline as SVG markup (geometry from search/web/timeline.py).

Built here rather than in a template loop: a few hundred bars of several values each would go
through Django's variable resolution one value at a time. Every text is escaped; coordinates are numbers.
"""

from __future__ import annotations

from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe

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
