"""Thin views: read the request, call one function, render a page or its fragment."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers
from django_htmx.middleware import HtmxDetails

from search import query
from search.models import Article


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


@require_GET
@vary_on_headers("HX-Request")
def search_page(request: HtmxHttpRequest) -> HttpResponse:
    page = query.search(query.SearchParams.from_querydict(request.GET))
    template_name = "search/search.html"
    # The htmx magic: a request from htmx gets only the region it swaps, unless htmx is
    # restoring history, in which case it needs the whole page.
    if request.htmx and not request.htmx.history_restore_request:
        template_name = "search/_results.html"
    return render(request, template_name, {"page": page})


@require_GET
def article_page(request: HttpRequest, article_id: int) -> HttpResponse:
    article = get_object_or_404(Article.objects.select_related("source"), pk=article_id)
    paragraphs = article.paragraphs.filter(is_boilerplate=False).order_by("position")
    return render(request, "search/article.html", {"article": article, "paragraphs": paragraphs})
