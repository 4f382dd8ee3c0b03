"""The search state as hidden form fields, from one include: ``{% hidden_state params without="q" form="search-form" %}``.

Every form that must keep the rest of the search (the search box, the date range, the people filter)
writes it this way, so none of them drops a parameter that a facet added.
"""

from __future__ import annotations

from django import template

from search.web.params import SearchParams

register = template.Library()


@register.inclusion_tag("search/_hidden_state.html")
def hidden_state(params: SearchParams, *, without: str = "", form: str = "") -> dict[str, object]:
    """Hidden inputs for every parameter of ``params`` but those named in ``without`` (space-separated)."""
    return {"fields": params.pairs(without=without.split()), "form": form}
