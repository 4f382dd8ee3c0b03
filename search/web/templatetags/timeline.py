"""The timeline's bars as SVG markup.

Built here rather than in a template loop: up to 240 bars of seven values each would go through
Django's variable resolution one value at a time.
"""

from __future__ import annotations

from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe

from search.web.results import Timeline

register = template.Library()


@register.simple_tag
def timeline_bars(chart: Timeline) -> SafeString:
    """One link per period with paragraphs (empty periods leave a gap). The URL and label are
    escaped; the coordinates are numbers."""
    width = chart.bar_width
    return mark_safe(  # noqa: S308 - every text value is escaped just above
        "".join(
            f'<a href="{escape(b.url)}" aria-label="{(label := escape(b.label))}"><rect x="{b.x}" y="{b.y}" width="{width}"'
            f' height="{b.height}"><title>{label}</title></rect></a>'
            for b in chart.bars
            if b.count
        )
    )
